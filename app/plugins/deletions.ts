// Deletions after a grace period (the instance setting deleteGraceDays): every
// DELETION_SWEEP_SECONDS (a minute by default) the due ones are deleted in OX, by one replica at a
// time (a ledger lock); the waiting ones are counted in the metric ox_pending_deletions.
import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import { dueOf, pendingDeletions, sweepDeletions } from '../ops/deletions.js';
import { errorMessage } from '../util/errors.js';
import { periodically } from '../util/periodic.js';

const LOCK = 'deletion-sweep';

export default fp(
  async (fastify) => {
    const { ledger, log } = fastify;
    const owner = randomUUID();
    const sweepMs = fastify.config.DELETION_SWEEP_SECONDS * 1000;
    new Gauge({
      name: 'ox_pending_deletions',
      help: 'Contexts and mailboxes cancelled with a grace period, waiting for their deletion in OX',
      registers: [fastify.metrics.registry],
      async collect() {
        this.set((await pendingDeletions({ ledger })).length);
      },
    });
    let running: Promise<unknown> = Promise.resolve();
    const sweep = async () => {
      // A read first (the partial index answers it): the lock is a write, taken only when something is due.
      const due = dueOf(await pendingDeletions({ ledger }));
      if (!due.length || !(await ledger.tryLock(LOCK, owner, Math.max(1000, sweepMs - 5_000)))) return;
      const deleted = await sweepDeletions({ ledger, ox: fastify.ox, log }, due).catch((err) => {
        log.warn(
          { err: errorMessage(err) },
          'deleting what is due after its grace period failed; the next round tries again',
        );
        return 0;
      });
      if (deleted) log.info({ deleted }, 'deleted in OX after the grace period');
    };
    const stop = periodically(sweepMs, () => (running = sweep()));
    fastify.addHook('onClose', async () => {
      stop();
      await running;
    });
  },
  { name: 'deletions', dependencies: ['config', 'ledger', 'ox', 'metrics'] },
);
