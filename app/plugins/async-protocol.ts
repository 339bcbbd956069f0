// The APS async protocol (202 and the controller's polls) and its background job runner, as the
// `apsAsync` decorator: built here, started when the app is ready, stopped when it closes.
import fp from 'fastify-plugin';
import { AsyncProtocol } from '../aps/async-protocol.js';
import { dispatch, fromStored } from '../aps/dispatch.js';

export default fp(
  async (fastify) => {
    const { config } = fastify;
    const services = fastify.apsServices;
    const asyncProtocol = new AsyncProtocol(
      fastify.ledger,
      {
        syncBudgetMs: config.SYNC_BUDGET_MS,
        retryTimeoutS: config.APS_RETRY_TIMEOUT,
        deadlineS: config.JOB_DEADLINE,
        maxRetryDelayS: config.JOB_RETRY_MAX_DELAY,
        leaseMs: Math.max(3 * config.OX_TIMEOUT_MS, 10_000),
        keepFinishedMs: 24 * 3600 * 1000,
        backlog: config.OX_BACKLOG,
        concurrency: config.JOB_CONCURRENCY,
        laneOf: fastify.jobLane,
      },
      (input, log) => dispatch(services, fromStored(input, log)),
      fastify.log,
    );
    fastify.decorate('apsAsync', asyncProtocol);
    fastify.addHook('onReady', async () => asyncProtocol.start());
    fastify.addHook('onClose', async () => asyncProtocol.stop());
  },
  { name: 'async-protocol', dependencies: ['ledger', 'aps-services', 'config'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    apsAsync: AsyncProtocol;
  }
}
