// The ledger as a shared service: SQLite in DATA_DIR unless DATABASE_URL names PostgreSQL.
import { join } from 'node:path';
import fp from 'fastify-plugin';
import type { Ledger } from '../store/ledger.js';
import { SqliteLedger } from '../store/sqlite-ledger.js';
import { SecretBox, loadSecretKey } from '../util/secret-box.js';

export default fp(async (fastify) => {
  const { config } = fastify;
  const { key, generated } = loadSecretKey(config);
  if (generated) {
    fastify.log.warn({ file: generated }, 'Generated a new secret key for the ledger. BACK IT UP: without it the stored secrets (instance keys, OX passwords) cannot be read.');
  }
  const box = new SecretBox(key);
  const url = config.DATABASE_URL;
  let ledger: Ledger;
  if (url?.startsWith('postgres')) {
    throw new Error('DATABASE_URL: this version keeps its ledger in SQLite only; unset DATABASE_URL or use sqlite://<file>');
  } else {
    ledger = new SqliteLedger(url ? url.replace(/^sqlite:\/\//, '') : join(config.DATA_DIR, 'ledger.sqlite'), box);
  }
  fastify.decorate('ledger', ledger);
  fastify.decorate('secretBox', box);
  fastify.addHook('onClose', async () => ledger.close());
}, { name: 'ledger', dependencies: ['config'] });

declare module 'fastify' {
  interface FastifyInstance {
    ledger: Ledger;
    secretBox: SecretBox;
  }
}
