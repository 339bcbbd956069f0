// 503 with Retry-After while the process is overloaded: its event loop late by more than
// MAX_EVENT_LOOP_DELAY_MS, or its heap above MAX_HEAP_MB. One sample a second, taken by a timer
// whose own lateness is the delay: @fastify/under-pressure keeps a 10 ms event-loop histogram
// running (100 wake-ups a second, about 5 ms of CPU per idle second), which no option turns off.
import { getHeapStatistics } from 'node:v8';
import fp from 'fastify-plugin';
import { ApsError } from '../aps/errors.js';

const SAMPLE_MS = 1000;
const RETRY_AFTER_S = 10;

export default fp(async (fastify) => {
  const { config } = fastify;
  const maxDelayMs = config.MAX_EVENT_LOOP_DELAY_MS;
  const maxHeapBytes = config.MAX_HEAP_MB * 1024 * 1024;
  let overloaded: string | undefined;
  let due = Date.now() + SAMPLE_MS;
  let timer: NodeJS.Timeout;
  const sample = () => {
    const now = Date.now();
    const delayMs = now - due;
    const heapBytes = getHeapStatistics().used_heap_size;
    overloaded = maxDelayMs > 0 && delayMs > maxDelayMs ? `its event loop is ${delayMs} ms late`
      : heapBytes > maxHeapBytes ? `its heap holds ${Math.round(heapBytes / 1048576)} MB (MAX_HEAP_MB ${config.MAX_HEAP_MB})` : undefined;
    due = now + SAMPLE_MS;
    timer = setTimeout(sample, SAMPLE_MS);
    timer.unref();
  };
  timer = setTimeout(sample, SAMPLE_MS);
  timer.unref();
  fastify.addHook('onClose', async () => clearTimeout(timer));
  fastify.addHook('onRequest', async (req) => {
    if (!overloaded || req.routeOptions.config.exemptFromPressure) return;
    throw new ApsError(503, 'Overloaded', `The endpoint is overloaded (${overloaded}); try again in a few seconds`, { retryAfterS: RETRY_AFTER_S });
  });
}, { name: 'pressure', dependencies: ['config'] });

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered even when the process is overloaded (liveness). */
    exemptFromPressure?: boolean;
  }
}
