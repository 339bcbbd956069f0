import fp from 'fastify-plugin';
import { SsoTokens } from '../sso/tokens.js';

export default fp(async (fastify) => {
  const tokens = new SsoTokens(fastify.ledger, fastify.config.SSO_TOKEN_TTL);
  fastify.decorate('sso', tokens);
  const timer = setInterval(() => void tokens.prune().catch(() => undefined), 60_000);
  timer.unref();
  fastify.addHook('onClose', async () => clearInterval(timer));
}, { name: 'sso', dependencies: ['ledger', 'config'] });

declare module 'fastify' {
  interface FastifyInstance {
    sso: SsoTokens;
  }
}
