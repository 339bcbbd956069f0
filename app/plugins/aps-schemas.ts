import fp from 'fastify-plugin';
import { SchemaRegistry } from '../aps/schema-registry.js';
import { schemasDir } from '../util/paths.js';

export default fp(
  async (fastify) => {
    fastify.decorate('apsSchemas', new SchemaRegistry(schemasDir));
  },
  { name: 'aps-schemas' },
);

declare module 'fastify' {
  interface FastifyInstance {
    apsSchemas: SchemaRegistry;
  }
}
