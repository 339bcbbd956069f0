// Clients for calls back to the APS controller, one keep-alive agent per instance.
import { readFileSync } from 'node:fs';
import fp from 'fastify-plugin';
import { ControllerClients } from '../aps/controller-client.js';

export default fp(
  async (fastify) => {
    const { config } = fastify;
    const clients = new ControllerClients({
      timeoutMs: config.CONTROLLER_TIMEOUT_MS,
      ca: config.CONTROLLER_CA_FILE ? readFileSync(config.CONTROLLER_CA_FILE, 'utf8') : undefined,
      secretOf: (key) => fastify.oauth.clients.secretOf(key),
      log: fastify.log.child({ component: 'controller' }),
    });
    fastify.decorate('controllers', clients);
    fastify.addHook('onClose', async () => clients.close());
  },
  { name: 'controllers', dependencies: ['config', 'oauth'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    controllers: ControllerClients;
  }
}
