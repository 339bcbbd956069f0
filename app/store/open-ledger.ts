// Opens the ledger a configuration names (for the endpoint and the command-line tool).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { ConfigError, ensureDataDir } from '../util/setting-files.js';
import { SecretBox, loadSecretKey } from '../util/secret-box.js';
import { LedgerUnavailableError, SecretKeyMismatchError, type Ledger } from './ledger.js';
import { SqliteLedger } from './sqlite-ledger.js';
import { errorMessage } from '../util/errors.js';

export interface OpenedLedger {
  ledger: Ledger;
  box: SecretBox;
  /** Set when a new secret key was written (the caller warns: it must be backed up). */
  generatedKeyFile?: string;
}

/** `existing`: open only a ledger (and key) that is already there (the operator's tool). */
export async function openLedger(config: Config, opts: { existing?: boolean } = {}): Promise<OpenedLedger> {
  const url = config.DATABASE_URL;
  const sqliteFile = url ? url.replace(/^sqlite:\/\//, '') : join(config.DATA_DIR, 'ledger.sqlite');
  if (opts.existing && !url?.startsWith('postgres') && !existsSync(sqliteFile)) {
    throw new ConfigError(`no ledger at ${sqliteFile}: set DATA_DIR or DATABASE_URL to the endpoint's`);
  }
  const { key, generated } = loadSecretKey(config, { generate: !opts.existing });
  const box = new SecretBox(key);
  if (url?.startsWith('postgres')) {
    const { PostgresLedger } = await import('./postgres-ledger.js');
    try {
      return { ledger: await PostgresLedger.connect(url, box), box, generatedKeyFile: generated };
    } catch (err) {
      if (err instanceof SecretKeyMismatchError) throw keyMismatch();
      // pg's messages name the host and the user, never the password.
      const reason = err instanceof LedgerUnavailableError ? err.reason : errorMessage(err);
      throw new ConfigError(`DATABASE_URL: cannot connect to PostgreSQL (${reason})`);
    }
  }
  if (!url) ensureDataDir(config.DATA_DIR);
  try {
    return { ledger: await SqliteLedger.open(sqliteFile, box), box, generatedKeyFile: generated };
  } catch (err) {
    if (err instanceof SecretKeyMismatchError) throw keyMismatch();
    throw new ConfigError(
      `${url ? 'DATABASE_URL' : 'DATA_DIR'}: cannot open the SQLite ledger ${sqliteFile} (${errorMessage(err)})`,
    );
  }
}

function keyMismatch(): ConfigError {
  return new ConfigError(
    "SECRET_KEY / SECRET_KEY_FILE: this key does not open the ledger's secrets (they were sealed with another key); " +
      'give this endpoint the key the ledger was created with (every replica needs the same one, e.g. from the backup of DATA_DIR/secret.key)',
  );
}
