// The ledger as a shared service: SQLite in DATA_DIR, or PostgreSQL when DATABASE_URL names it.
import fp from 'fastify-plugin';
import type { Ledger } from '../store/ledger.js';
import { openLedger } from '../store/open-ledger.js';
import type { SecretBox } from '../util/secret-box.js';

export default fp(
  async (fastify) => {
    const { ledger, box, generatedKeyFile } = await openLedger(fastify.config);
    if (generatedKeyFile) {
      fastify.log.warn(
        { file: generatedKeyFile },
        'Generated a new secret key for the ledger. BACK IT UP: without it the stored secrets (instance keys, OX passwords) cannot be read.',
      );
    }
    fastify.decorate('ledger', ledger);
    fastify.decorate('secretBox', box);
    fastify.addHook('onClose', async () => ledger.close());
  },
  { name: 'ledger', dependencies: ['config'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    ledger: Ledger;
    secretBox: SecretBox;
  }
}
