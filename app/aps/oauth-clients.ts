// The OAuth consumer keys and secrets of APS Connect instances (OAUTH_CLIENTS_FILE, a JSON object
// of key → secret). The endpoint reads the file again when it changes, so `ox-aps oauth add`
// takes effect without a restart; the CLI writes it whole, owner-only.
import { renameSync, statSync, writeFileSync } from 'node:fs';
import { ConfigError, readSettingFile } from '../util/setting-files.js';
import { isRecord } from '../util/errors.js';

const KEY = /^[\x21-\x7e]{1,200}$/;
// How often a lookup may look at the file's modification time.
const RECHECK_MS = 1000;

/** Reads and checks the file: a JSON object whose keys and secrets are non-empty printable strings. */
export function readClientsFile(file: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readSettingFile('OAUTH_CLIENTS_FILE', file));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`OAUTH_CLIENTS_FILE "${file}" is not JSON; it holds {"<consumer key>": "<secret>", …}`);
  }
  if (!isRecord(parsed))
    throw new ConfigError(`OAUTH_CLIENTS_FILE "${file}" must hold a JSON object of consumer key → secret`);
  const clients = new Map<string, string>();
  for (const [key, secret] of Object.entries(parsed)) {
    if (!KEY.test(key))
      throw new ConfigError(
        `OAUTH_CLIENTS_FILE "${file}": the consumer key "${key.slice(0, 40)}" is empty, too long or not printable ASCII`,
      );
    if (typeof secret !== 'string' || !secret)
      throw new ConfigError(
        `OAUTH_CLIENTS_FILE "${file}": the secret of consumer key "${key}" must be a non-empty string`,
      );
    clients.set(key, secret);
  }
  return clients;
}

/** Writes the file whole (a temporary file renamed over it), readable by its owner only. */
export function writeClientsFile(file: string, clients: Map<string, string>): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(Object.fromEntries(clients), null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

export function isConsumerKey(key: string): boolean {
  return KEY.test(key);
}

/** Secrets by consumer key, as the file has them now (read again at most once a second). */
export class OAuthClients {
  private clients = new Map<string, string>();
  private mtimeMs = -1;
  private checkedAt = 0;

  constructor(private readonly file: string | undefined) {
    if (file) this.reload();
  }

  /** Whether OAuth instances can be served at all (a clients file is configured). */
  get enabled(): boolean {
    return this.file !== undefined;
  }

  secretOf(key: string): string | undefined {
    this.refresh();
    return this.clients.get(key);
  }

  private refresh(now = Date.now()): void {
    if (!this.file || now - this.checkedAt < RECHECK_MS) return;
    this.checkedAt = now;
    try {
      if (statSync(this.file).mtimeMs !== this.mtimeMs) this.reload();
    } catch {
      // A file being replaced or broken keeps the keys read last; start-up reported any problem.
    }
  }

  private reload(): void {
    if (!this.file) return;
    const clients = readClientsFile(this.file);
    this.mtimeMs = statSync(this.file).mtimeMs;
    this.clients = clients;
  }
}
