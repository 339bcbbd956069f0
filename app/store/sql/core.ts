// The ledger over SQL, shared by SQLite and PostgreSQL: the drivers differ only in how they run
// a statement, open a transaction and lease due jobs. Statements use `?` placeholders. This core
// runs the migrations, checks the secret key and writes rows; tokens.ts, jobs.ts, resources.ts and
// ledger.ts (instances) each add one part of the Ledger interface on top.
import type { SecretBox } from '../../util/secret-box.js';
import { SecretKeyMismatchError } from '../ledger.js';
import { RowCodec } from '../codec.js';
import { MIGRATIONS, statementsOf } from '../migrations.js';

export type Row = Record<string, unknown>;

export interface SqlResult {
  rows: Row[];
  changes: number;
}

const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A property name checked before it is written into SQL. */
export function propertyName(name: string): string {
  if (!PROPERTY_NAME.test(name)) throw new Error(`not a property name: ${name}`);
  return name;
}

/** A lock row that exists is taken over only once it has expired (the statement's last argument is now). */
export const TAKE_EXPIRED_LOCK =
  'ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at WHERE locks.expires_at < ?';

export abstract class SqlCore {
  abstract readonly kind: 'sqlite' | 'postgres';
  protected readonly codec: RowCodec;

  constructor(protected readonly box: SecretBox) {
    this.codec = new RowCodec(box);
  }

  protected abstract run(sql: string, args?: unknown[]): Promise<SqlResult>;
  /** Runs `fn` in one transaction (serialised against other migrators where the driver can). */
  protected abstract transaction<T>(
    fn: (run: (sql: string, args?: unknown[]) => Promise<SqlResult>) => Promise<T>,
  ): Promise<T>;
  abstract close(): Promise<void>;
  /** SQL that is true when the JSON props hold `true` under this (checked) property name. */
  protected abstract propsPropertyIsTrue(name: string): string;
  /** SQL for the text the JSON props hold under this (checked) property name. */
  protected abstract propsText(name: string): string;
  /** SQL for the JSON props with this (checked) property name set to false. */
  protected abstract propsWithPropertyFalse(name: string): string;

  protected async migrate(): Promise<void> {
    await this.transaction(async (run) => {
      // Under the lock: two replicas starting on a new database would both create this table.
      await this.lockMigrations(run);
      await run(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
      );
      const done = new Set((await run('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)));
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        for (const statement of statementsOf(this.kind === 'postgres' && m.postgres ? m.postgres : m.sql))
          await run(statement);
        await run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [m.version, Date.now()]);
      }
    });
  }

  /**
   * Every replica must seal with the same key. The ledger keeps a value sealed with the first key
   * it saw (taking an existing instance's secrets as the proof where a ledger predates this check);
   * a process with another key stops at start instead of failing on the first secret it reads.
   */
  protected async checkSecretKey(): Promise<void> {
    const meta = `SELECT value FROM ledger_meta WHERE name = 'key-check'`;
    if (!(await this.one(meta))) {
      const older = (await this.one('SELECT secrets FROM instances WHERE secrets IS NOT NULL LIMIT 1'))?.secrets;
      if (typeof older === 'string') this.mustOpen(older);
      // Two replicas starting together: one insert wins, and both check the value that won.
      await this.insert(
        'ledger_meta',
        { name: 'key-check', value: this.box.seal('ox-aps ledger key') },
        'ON CONFLICT (name) DO NOTHING',
      );
    }
    this.mustOpen(String((await this.one(meta))?.value));
  }

  private mustOpen(sealed: string): void {
    try {
      this.box.open(sealed);
    } catch {
      throw new SecretKeyMismatchError();
    }
  }

  /** Keeps two replicas from migrating at once (PostgreSQL); SQLite's write lock does it already. */
  protected async lockMigrations(_run: (sql: string, args?: unknown[]) => Promise<SqlResult>): Promise<void> {}

  // ----- generic helpers -----

  protected async insert(table: string, row: Row, conflict = ''): Promise<number> {
    const cols = Object.keys(row);
    const sql = `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ${conflict}`;
    return (await this.run(sql, Object.values(row))).changes;
  }

  /** Updates the row whose key columns have these values. */
  protected async update(table: string, key: Row, row: Row): Promise<void> {
    const cols = Object.keys(row);
    if (!cols.length) return;
    const where = Object.keys(key)
      .map((c) => `${c} = ?`)
      .join(' AND ');
    await this.run(`UPDATE ${table} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE ${where}`, [
      ...Object.values(row),
      ...Object.values(key),
    ]);
  }

  protected async one(sql: string, args: unknown[] = []): Promise<Row | undefined> {
    return (await this.run(sql, args)).rows[0];
  }
}
