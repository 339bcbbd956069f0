// Liveness (/healthz and the root URL: the process answers) and readiness (/readyz: the ledger answers and the
// SOAP clients of every instance's OX are built). /readyz answers its status to anyone; its details (instance
// ids, the last OX error per instance, certificate days) only to HEALTH_ALLOW_FROM addresses (loopback by default).
import type { FastifyInstance } from 'fastify';
import { isAllowed } from '../config.js';
import { certificateStates } from '../plugins/certificates.js';
import { oxServerOf } from '../resources/shared/instance-settings.js';
import { LedgerUnavailableError } from '../store/ledger.js';
import { errorMessage } from '../util/errors.js';

const NEVER_UNDER_PRESSURE = { exemptFromPressure: true };

export default async function healthRoutes(fastify: FastifyInstance) {
  fastify.get('/healthz', { config: NEVER_UNDER_PRESSURE, logLevel: 'warn' }, async () => ({ status: 'ok' }));
  // The connector's root URL: APS Connect ingresses probe it as the health check, unsigned; it
  // answers 200 and says nothing more.
  fastify.get('/', { config: NEVER_UNDER_PRESSURE, logLevel: 'warn' }, async () => ({ status: 'ok' }));
  fastify.get('/readyz', { logLevel: 'warn' }, async (req, reply) => {
    const details = isAllowed(fastify.config.healthAllowFrom, req.socket.remoteAddress);
    try {
      const warnings: string[] = [];
      const instances = (await fastify.ledger.listInstances()).map((i) => {
        const url = oxServerOf(i);
        const certificates = certificateStates(i).map(({ warning, ...state }) => {
          if (warning) warnings.push(warning);
          return state;
        });
        return {
          id: i.id,
          soapClients: url && fastify.ox.isReady(url) ? 'ready' : 'building',
          lastOxError: i.lastError ?? null,
          certificates,
        };
      });
      const ready = instances.every((i) => i.soapClients === 'ready');
      if (!ready) reply.code(503).header('Retry-After', '5');
      const status = ready ? 'ready' : 'starting';
      if (!details) return { status };
      // Certificates running out warn here; they do not make the endpoint unready.
      return { status, ledger: fastify.ledger.kind, instances, ...(warnings.length ? { warnings } : {}) };
    } catch (err) {
      const reason = err instanceof LedgerUnavailableError ? err.message : `ledger: ${errorMessage(err)}`;
      return reply
        .code(503)
        .header('Retry-After', '5')
        .send({ status: 'not ready', ...(details ? { reason } : {}) });
    }
  });
}
