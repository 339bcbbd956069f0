// The endpoint as a Fastify plugin, separate from the server process (server.ts): shared
// services first, then the APS routes, health, and one error handler.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from './config.js';
import configPlugin from './plugins/config.js';
import ledgerPlugin from './plugins/ledger.js';
import schemasPlugin from './plugins/aps-schemas.js';
import oxPlugin from './plugins/ox.js';
import controllersPlugin from './plugins/controllers.js';
import errorHandler from './plugins/error-handler.js';
import servicesPlugin from './services/plugin.js';
import apsRoutes from './aps/routes.js';
import healthRoutes from './routes/health.js';
import ssoPlugin from './plugins/sso.js';
import metricsPlugin from './plugins/metrics.js';
import pressurePlugin from './plugins/pressure.js';
import ssoRoutes from './sso/routes.js';

export interface AppOptions {
  config: Config;
}

export default fp<AppOptions>(async function app(fastify: FastifyInstance, opts) {
  // The controller may send Content-Type: application/json with an empty body (DELETE, PUT /enable).
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '' || body === undefined) return done(null, undefined);
    parseJson(req, body as string, done);
  });
  fastify.addHook('onRequest', async (req, reply) => {
    reply.header('APS-Transaction-ID', req.id);
  });

  await fastify.register(configPlugin, { config: opts.config });
  await fastify.register(errorHandler);
  await fastify.register(pressurePlugin);
  await fastify.register(ledgerPlugin);
  await fastify.register(metricsPlugin);
  await fastify.register(schemasPlugin);
  await fastify.register(oxPlugin);
  await fastify.register(controllersPlugin);
  await fastify.register(ssoPlugin);
  await fastify.register(servicesPlugin);
  await fastify.register(apsRoutes);
  await fastify.register(healthRoutes);
  await fastify.register(ssoRoutes);
}, { name: 'ox-aps-app' });
