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
import servicesPlugin from './plugins/services.js';
import reconcilePlugin from './plugins/reconcile.js';
import deletionsPlugin from './plugins/deletions.js';
import asyncProtocolPlugin from './plugins/async-protocol.js';
import apsRoutes from './routes/aps.js';
import healthRoutes from './routes/health.js';
import ssoPlugin from './plugins/sso.js';
import metricsPlugin from './plugins/metrics.js';
import oauthPlugin from './plugins/oauth.js';
import certificatesPlugin from './plugins/certificates.js';
import pressurePlugin from './plugins/pressure.js';
import ssoRoutes, { type SsoRoutesOptions } from './routes/sso.js';
import autoconfigRoutes from './routes/autoconfig.js';
import { renderInvalidPage } from './sso/login-page.js';
import { readSettingFile } from './util/setting-files.js';

export interface AppOptions {
  config: Config;
}

export default fp<AppOptions>(
  async function app(fastify: FastifyInstance, opts) {
    // The controller may send Content-Type: application/json with an empty body (DELETE, PUT /enable).
    const parseJson = fastify.getDefaultJsonParser('error', 'error');
    fastify.decorateRequest('rawBody', null);
    fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
      if (body === '' || typeof body !== 'string') return done(null, undefined);
      req.rawBody = body; // an OAuth signature may cover these bytes (oauth_body_hash)
      void parseJson(req, body, done);
    });
    fastify.addHook('onRequest', async (req, reply) => {
      reply.header('APS-Transaction-ID', req.id);
    });

    await fastify.register(configPlugin, { config: opts.config });
    await fastify.register(errorHandler);
    await fastify.register(pressurePlugin);
    await fastify.register(ledgerPlugin);
    await fastify.register(metricsPlugin);
    await fastify.register(oauthPlugin);
    await fastify.register(certificatesPlugin);
    await fastify.register(schemasPlugin);
    await fastify.register(oxPlugin);
    await fastify.register(controllersPlugin);
    await fastify.register(ssoPlugin);
    await fastify.register(servicesPlugin);
    await fastify.register(reconcilePlugin);
    await fastify.register(deletionsPlugin);
    await fastify.register(asyncProtocolPlugin);
    await fastify.register(apsRoutes);
    await fastify.register(healthRoutes);
    // With SSO_PORT the single sign-on pages have a listener of their own (server.ts) instead.
    if (opts.config.SSO_PORT === undefined) await registerPublicRoutes(fastify, fastify);
    else await fastify.register(ssoElsewhere);
  },
  { name: 'ox-aps-app' },
);

/** The APS port when login pages have their own listener: a token is never logged, nor used. */
async function ssoElsewhere(fastify: FastifyInstance) {
  fastify.get('/sso/:token', { logLevel: 'warn' }, async (_req, reply) => {
    const page = renderInvalidPage();
    return reply.code(404).headers(page.headers).send(page.html);
  });
}

/** What the public listener serves (or the APS port, without SSO_PORT): sign-on pages and mail client setup. */
export async function registerPublicRoutes(target: FastifyInstance, app: FastifyInstance): Promise<void> {
  await target.register(ssoRoutes, ssoRoutesOptions(app));
  await target.register(autoconfigRoutes, { deps: app.serviceDeps });
}

/** What the single sign-on routes need from the app, wherever they are served. */
function ssoRoutesOptions(fastify: FastifyInstance): SsoRoutesOptions {
  const { config } = fastify;
  return {
    deps: fastify.serviceDeps,
    tokens: fastify.sso,
    countLogin: (outcome) => fastify.metrics.ssoLogin(outcome),
    oxCa: config.OX_CA_FILE ? readSettingFile('OX_CA_FILE', config.OX_CA_FILE) : undefined,
    oxTimeoutMs: config.OX_TIMEOUT_MS,
  };
}
