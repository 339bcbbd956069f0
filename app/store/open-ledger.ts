// Opens the ledger a configuration names (for the endpoint and the command-line tool).
import { join } from 'node:path';
import type { Config } from '../config.js';
import { SecretBox, loadSecretKey } from '../util/secret-box.js';
import type { Ledger } from './ledger.js';
import { SqliteLedger } from './sqlite-ledger.js';

export interface OpenedLedger {
  ledger: Ledger;
  box: SecretBox;
  /** Set when a new secret key was written (the caller warns: it must be backed up). */
  generatedKeyFile?: string;
}

export async function openLedger(config: Config): Promise<OpenedLedger> {
  const { key, generated } = loadSecretKey(config);
  const box = new SecretBox(key);
  const url = config.DATABASE_URL;
  if (url?.startsWith('postgres')) {
    const { PostgresLedger } = await import('./postgres-ledger.js');
    return { ledger: await PostgresLedger.connect(url, box), box, generatedKeyFile: generated };
  }
  const file = url ? url.replace(/^sqlite:\/\//, '') : join(config.DATA_DIR, 'ledger.sqlite');
  return { ledger: await SqliteLedger.open(file, box), box, generatedKeyFile: generated };
}
