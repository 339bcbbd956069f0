// Prometheus metrics (prom-client): APS requests, OX SOAP calls, async jobs, SSO logins. Served
// in text format on METRICS_PORT by a second, plain-HTTP listener (never on the APS port).
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  soapCall(service: string, operation: string, outcome: string, seconds: number): void;
  ssoLogin(outcome: 'ok' | 'refused' | 'failed'): void;
}

type JobCounts = () => Promise<Record<string, number>>;

export function createMetrics(
  jobCounts?: JobCounts,
  opts: { processMetrics?: boolean } = {},
): Metrics & { apsRequests: Histogram; jobs: Gauge } {
  const registry = new Registry();
  // The process's own figures (CPU, memory, event-loop lag) only where they are served: the lag
  // histogram wakes the process once a second (its default, every 10 ms, kept it busy), and each
  // wake of an idle process cost ~0.8 ms of CPU on the development machine.
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
  const apsRequests = new Histogram({
    name: 'aps_requests_duration_seconds',
    help: 'APS requests by service, operation and status',
    labelNames: ['service', 'operation', 'status'],
    registers: [registry],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const soapCalls = new Histogram({
    name: 'ox_soap_duration_seconds',
    help: 'OX SOAP calls by operation and outcome',
    labelNames: ['service', 'operation', 'outcome'],
    registers: [registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
  });
  const sso = new Counter({
    name: 'sso_logins_total',
    help: 'Single sign-on pages served or refused',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const jobs = new Gauge({
    name: 'aps_async_jobs',
    help: 'Async jobs in the ledger by state (pending: running or waiting)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      if (!jobCounts) return;
      this.reset();
      for (const [state, n] of Object.entries(await jobCounts())) this.set({ state }, n);
    },
  });
  return {
    registry,
    apsRequests,
    jobs,
    soapCall: (service, operation, outcome, seconds) => soapCalls.observe({ service, operation, outcome }, seconds),
    ssoLogin: (outcome) => sso.inc({ outcome }),
  };
}

export default fp(
  async (fastify) => {
    const count = async (states: Array<'running' | 'waiting' | 'failed'>) =>
      (await fastify.ledger.listJobs({ states })).length;
    const port = fastify.config.METRICS_PORT;
    const metrics = createMetrics(
      async () => ({ pending: await count(['running', 'waiting']), failed: await count(['failed']) }),
      { processMetrics: port !== undefined },
    );
    fastify.decorate('metrics', metrics);
    if (port === undefined) return;
    fastify.addHook('onResponse', async (req, reply) => {
      const aps = req.routeOptions.config.aps;
      if (!aps) return;
      metrics.apsRequests.observe(
        { service: aps.service, operation: aps.operation, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
    const server: FastifyInstance = Fastify({ logger: false });
    server.get('/metrics', async (_req, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
    fastify.addHook('onReady', async () => {
      await server.listen({ port, host: fastify.config.HOST });
    });
    fastify.addHook('onClose', async () => server.close());
    fastify.decorate('metricsServer', server);
  },
  { name: 'metrics', dependencies: ['config', 'ledger'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ReturnType<typeof createMetrics>;
    metricsServer?: FastifyInstance;
  }
}
