import fp from 'fastify-plugin';
import { SsoTokens } from '../sso/tokens.js';
import { periodically } from '../util/periodic.js';

export default fp(
  async (fastify) => {
    const tokens = new SsoTokens(fastify.ledger, fastify.config.SSO_TOKEN_TTL);
    fastify.decorate('sso', tokens);
    const stop = periodically(60_000, () => tokens.prune());
    fastify.addHook('onClose', async () => stop());
  },
  { name: 'sso', dependencies: ['ledger', 'config'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    sso: SsoTokens;
  }
}
