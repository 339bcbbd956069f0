// OX SOAP transports, shared by every instance that points at the same OX; closed on shutdown.
import fp from 'fastify-plugin';
import { OxConnections } from '../ox/connections.js';
import { oxServerOf } from '../resources/shared/instance-settings.js';

export default fp(
  async (fastify) => {
    const connections = new OxConnections({
      timeoutMs: fastify.config.OX_TIMEOUT_MS,
      gate: { limit: fastify.config.OX_CONCURRENCY, queue: fastify.config.OX_QUEUE },
      maxResponseBytes: 16 * 1024 * 1024,
      logger: fastify.log.child({ component: 'ox' }),
      onCall: (service, operation, outcome, seconds) => fastify.metrics.soapCall(service, operation, outcome, seconds),
    });
    fastify.decorate('ox', connections);
    // Build every known OX's clients before traffic arrives (WSDL processing blocks the event loop).
    fastify.addHook('onReady', async () => {
      const instances = await fastify.ledger.listInstances();
      const urls = new Set(instances.map(oxServerOf).filter((u): u is string => Boolean(u)));
      await Promise.allSettled([...urls].map((u) => connections.transport(u)));
    });
    fastify.addHook('onClose', async () => connections.close());
  },
  { name: 'ox', dependencies: ['config', 'metrics', 'ledger'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    ox: OxConnections;
  }
}
