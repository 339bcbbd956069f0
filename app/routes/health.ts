// Liveness and readiness. Readiness: the ledger answers and the last OX error per instance.
import type { FastifyInstance } from 'fastify';

export default async function healthRoutes(fastify: FastifyInstance) {
  fastify.get('/healthz', async () => ({ status: 'ok' }));
  fastify.get('/readyz', async (_req, reply) => {
    try {
      const instances = await fastify.ledger.listInstances();
      return {
        status: 'ready',
        ledger: fastify.ledger.kind,
        instances: instances.map((i) => ({ id: i.id, lastOxError: i.lastError ?? null })),
      };
    } catch (err) {
      return reply.code(503).header('Retry-After', '5').send({ status: 'not ready', reason: (err as Error).message });
    }
  });
}
