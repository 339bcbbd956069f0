// The embedded ledger: one SQLite file (better-sqlite3, WAL mode) for a single endpoint process.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SecretBox } from '../util/secret-box.js';
import type { JobRecord, JobScope } from './ledger.js';
import { SqlLedger, type Row, type SqlResult } from './sql-ledger.js';

export class SqliteLedger extends SqlLedger {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  readonly ready: Promise<void>;

  constructor(file: string, box: SecretBox) {
    super(box);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.ready = this.migrate().then(() => this.checkSecretKey());
  }

  static async open(file: string, box: SecretBox): Promise<SqliteLedger> {
    const ledger = new SqliteLedger(file, box);
    await ledger.ready;
    return ledger;
  }

  private readonly statements = new Map<string, Database.Statement<unknown[], Row>>();

  private runSync(sql: string, args: unknown[] = []): SqlResult {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    if (stmt.reader) return { rows: stmt.all(...args), changes: 0 };
    return { rows: [], changes: stmt.run(...args).changes };
  }

  protected async run(sql: string, args: unknown[] = []): Promise<SqlResult> {
    return this.runSync(sql, args);
  }

  protected async transaction<T>(fn: (run: (sql: string, args?: unknown[]) => Promise<SqlResult>) => Promise<T>): Promise<T> {
    // better-sqlite3 is synchronous, and so is everything fn awaits here: BEGIN/COMMIT around it is safe.
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn((sql, args) => this.run(sql, args));
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  async claimDueJobs(now: number, owner: string, leaseMs: number, limit: number, scope?: JobScope): Promise<JobRecord[]> {
    const due = this.dueJobs(now, scope);
    const claim = this.db.transaction(() => {
      const keys = this.runSync(`SELECT key FROM jobs WHERE ${due.where} ORDER BY next_retry_at LIMIT ?`, [...due.args, limit])
        .rows.map((r) => String(r.key));
      return keys.flatMap((key) => this.runSync(
        `UPDATE jobs SET state = 'running', lease_until = ?, lease_owner = ?, updated_at = ? WHERE key = ? RETURNING *`,
        [now + leaseMs, owner, now, key]).rows);
    });
    return claim().map((r) => this.job(r));
  }

  protected propsPropertyIsTrue(name: string): string {
    return `json_extract(props, '$.${name}') = 1`;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
