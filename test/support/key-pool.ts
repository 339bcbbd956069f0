// tap's `before`: fills the pool of test RSA keys once per machine (scripts/stand-ins/pki.ts says why), in
// parallel on the crypto thread pool. Later runs find it full and return at once.
import { generateKeyPair } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { KEY_POOL_FILE } from '../../scripts/stand-ins/pki.js';

/** More than the busiest test file uses (crash and replica tests start several stacks). */
export const POOL_SIZE = 48;

function poolSize(): number {
  try {
    return (JSON.parse(readFileSync(KEY_POOL_FILE, 'utf8')) as unknown[]).length;
  } catch {
    return 0;
  }
}

async function fill(): Promise<void> {
  if (existsSync(KEY_POOL_FILE) && poolSize() >= POOL_SIZE) return;
  const started = Date.now();
  const generate = promisify(generateKeyPair);
  const keys = await Promise.all(
    Array.from({ length: POOL_SIZE }, async () => {
      const { privateKey } = await generate('rsa', { modulusLength: 2048 });
      return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    }),
  );
  mkdirSync(dirname(KEY_POOL_FILE), { recursive: true });
  const partial = `${KEY_POOL_FILE}.${process.pid}`;
  writeFileSync(partial, JSON.stringify(keys), { mode: 0o600 });
  renameSync(partial, KEY_POOL_FILE);
  console.error(`# ${POOL_SIZE} test RSA keys made in ${Date.now() - started} ms (${KEY_POOL_FILE})`);
}

await fill();
