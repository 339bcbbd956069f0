// Periodic reconcile (RECONCILE_INTERVAL, off by default): report-only, each run spread over the
// interval so that OX sees a trickle, one replica at a time (a ledger lock), its findings in the
// metric ox_drift_resources{kind}. Readiness does not depend on it.
import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import { reconcile, type DriftKind } from '../ops/reconcile.js';
import { errorMessage } from '../util/errors.js';

const KINDS: DriftKind[] = ['missing-in-ox', 'unknown-in-ox', 'attribute'];
const LOCK = 'periodic-reconcile';

export default fp(
  async (fastify) => {
    const intervalMs = fastify.config.RECONCILE_INTERVAL * 1000;
    if (!intervalMs) return;
    const { ledger, log } = fastify;
    const gauge = new Gauge({
      name: 'ox_drift_resources',
      help: 'Drift between OX and the ledger found by the last periodic reconcile, by kind',
      labelNames: ['kind'],
      registers: [fastify.metrics.registry],
    });
    const owner = randomUUID();
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;

    async function run(): Promise<void> {
      // Held for the interval and left to expire: whichever replica comes next after that runs.
      if (!(await ledger.tryLock(LOCK, owner, intervalMs))) return;
      try {
        const started = Date.now();
        const report = await reconcile(
          { ledger, ox: fastify.ox, log },
          {
            // Spread over the interval: a pause after each context, so that OX never sees a burst.
            progress: (done, total) =>
              stopped ? undefined : new Promise((r) => setTimeout(r, (intervalMs * 0.8) / Math.max(total, 1))),
          },
        );
        for (const kind of KINDS) gauge.set({ kind }, report.drift.filter((d) => d.kind === kind).length);
        log.info(
          { drift: report.drift.length, ms: Date.now() - started },
          'periodic reconcile done (report only: ox-aps reconcile --repair fixes it)',
        );
      } catch (err) {
        log.warn({ err: errorMessage(err) }, 'periodic reconcile failed; the next run tries again');
      }
    }

    function schedule(delayMs: number): void {
      if (stopped) return;
      timer = setTimeout(() => {
        running = run().finally(() => schedule(intervalMs));
      }, delayMs);
      timer.unref();
    }

    fastify.addHook('onReady', async () => schedule(Math.min(intervalMs, 10_000)));
    fastify.addHook('onClose', async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    });
  },
  { name: 'reconcile', dependencies: ['ledger', 'ox', 'metrics', 'config'] },
);
