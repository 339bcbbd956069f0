// Opens the ledger a configuration names (for the endpoint and the command-line tool).
import { join } from 'node:path';
import { ConfigError, ensureDataDir, type Config } from '../config.js';
import { SecretBox, loadSecretKey } from '../util/secret-box.js';
import { LedgerUnavailableError, type Ledger } from './ledger.js';
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
    try {
      return { ledger: await PostgresLedger.connect(url, box), box, generatedKeyFile: generated };
    } catch (err) {
      // pg's messages name the host and the user, never the password.
      const reason = err instanceof LedgerUnavailableError ? err.reason : (err as Error).message;
      throw new ConfigError(`DATABASE_URL: cannot connect to PostgreSQL (${reason})`);
    }
  }
  const file = url ? url.replace(/^sqlite:\/\//, '') : join(config.DATA_DIR, 'ledger.sqlite');
  if (!url) ensureDataDir(config.DATA_DIR);
  try {
    return { ledger: await SqliteLedger.open(file, box), box, generatedKeyFile: generated };
  } catch (err) {
    throw new ConfigError(`${url ? 'DATABASE_URL' : 'DATA_DIR'}: cannot open the SQLite ledger ${file} (${(err as Error).message})`);
  }
}
