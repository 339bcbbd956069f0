// 503 with Retry-After while the process is overloaded: its event loop late by more than
// MAX_EVENT_LOOP_DELAY_MS, or its heap above MAX_HEAP_MB. One sample a second while requests
// come, taken by a timer whose own lateness is the delay: @fastify/under-pressure keeps a 10 ms
// event-loop histogram running (100 wake-ups a second, about 5 ms of CPU per idle second), which
// no option turns off.
import { getHeapStatistics } from 'node:v8';
import fp from 'fastify-plugin';
import { ApsError } from '../aps/errors.js';

const SAMPLE_MS = 1000;
const RETRY_AFTER_S = 10;
// The sampler runs while requests come, and stops this long after the last: only a request can be
// refused, and an idle process then wakes for nothing (each wake cost ~0.8 ms of CPU here).
const IDLE_STOP_MS = 10_000;

export default fp(
  async (fastify) => {
    const { config } = fastify;
    const maxDelayMs = config.MAX_EVENT_LOOP_DELAY_MS;
    const maxHeapBytes = config.MAX_HEAP_MB * 1024 * 1024;
    let overloaded: string | undefined;
    let due = 0;
    let lastRequestAt = 0;
    let timer: NodeJS.Timeout | undefined;
    const arm = (now: number) => {
      due = now + SAMPLE_MS;
      timer = setTimeout(sample, SAMPLE_MS);
      timer.unref();
    };
    const sample = () => {
      const now = Date.now();
      const delayMs = now - due;
      const heapBytes = getHeapStatistics().used_heap_size;
      overloaded =
        maxDelayMs > 0 && delayMs > maxDelayMs
          ? `its event loop is ${delayMs} ms late`
          : heapBytes > maxHeapBytes
            ? `its heap holds ${Math.round(heapBytes / 1048576)} MB (MAX_HEAP_MB ${config.MAX_HEAP_MB})`
            : undefined;
      if (now - lastRequestAt < IDLE_STOP_MS) return arm(now);
      timer = undefined;
      overloaded = undefined;
    };
    fastify.addHook('onClose', async () => clearTimeout(timer));
    fastify.addHook('onRequest', async (req) => {
      lastRequestAt = Date.now();
      if (!timer) arm(lastRequestAt);
      if (!overloaded || req.routeOptions.config.exemptFromPressure) return;
      throw new ApsError(503, 'Overloaded', `The endpoint is overloaded (${overloaded}); try again in a few seconds`, {
        retryAfterS: RETRY_AFTER_S,
      });
    });
  },
  { name: 'pressure', dependencies: ['config'] },
);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered even when the process is overloaded (liveness). */
    exemptFromPressure?: boolean;
  }
}
