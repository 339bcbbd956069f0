// The embedded ledger: one SQLite file (better-sqlite3, WAL mode) for a single endpoint process.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SecretBox } from '../util/secret-box.js';
import { GroupCommit } from './group-commit.js';
import type { JobRecord, JobScope } from './ledger.js';
import { SqlLedger, type Row, type SqlResult } from './sql/ledger.js';

export class SqliteLedger extends SqlLedger {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly writes: GroupCommit;
  readonly ready: Promise<void>;

  constructor(file: string, box: SecretBox) {
    super(box);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.writes = new GroupCommit(this.db);
    this.ready = this.migrate().then(() => this.checkSecretKey());
  }

  static async open(file: string, box: SecretBox): Promise<SqliteLedger> {
    const ledger = new SqliteLedger(file, box);
    await ledger.ready;
    return ledger;
  }

  private readonly statements = new Map<string, Database.Statement<unknown[], Row>>();

  private prepared(sql: string): Database.Statement<unknown[], Row> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Runs a statement now (inside a transaction, or a read). */
  private runSync(sql: string, args: unknown[] = []): SqlResult {
    const stmt = this.prepared(sql);
    if (stmt.reader) return { rows: stmt.all(...args), changes: 0 };
    return { rows: [], changes: stmt.run(...args).changes };
  }

  /**
   * A plain write joins the group commit; a read runs at once; a write that returns rows runs after the pending
   * writes.
   */
  protected async run(sql: string, args: unknown[] = []): Promise<SqlResult> {
    const stmt = this.prepared(sql);
    if (!stmt.reader) return { rows: [], changes: await this.writes.add(stmt, args) };
    if (!stmt.readonly) this.writes.flush();
    return { rows: stmt.all(...args), changes: 0 };
  }

  protected async transaction<T>(
    fn: (run: (sql: string, args?: unknown[]) => Promise<SqlResult>) => Promise<T>,
  ): Promise<T> {
    // better-sqlite3 is synchronous, and so is everything fn awaits here: BEGIN/COMMIT around it is safe.
    this.writes.flush();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn(async (sql, args) => this.runSync(sql, args));
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  async claimDueJobs(
    now: number,
    owner: string,
    leaseMs: number,
    limit: number,
    scope?: JobScope,
  ): Promise<JobRecord[]> {
    const due = this.dueJobs(now, scope);
    this.writes.flush();
    const claim = this.db.transaction(() => {
      const keys = this.runSync(`SELECT key FROM jobs WHERE ${due.where} ORDER BY next_retry_at LIMIT ?`, [
        ...due.args,
        limit,
      ]).rows.map((r) => String(r.key));
      return keys.flatMap(
        (key) =>
          this.runSync(
            `UPDATE jobs SET state = 'running', lease_until = ?, lease_owner = ?, updated_at = ? WHERE key = ? RETURNING *`,
            [now + leaseMs, owner, now, key],
          ).rows,
      );
    });
    return claim().map((r) => this.job(r));
  }

  protected propsWithPropertyFalse(name: string): string {
    return `json_set(props, '$.${name}', json('false'))`;
  }

  protected propsText(name: string): string {
    return `json_extract(props, '$.${name}')`;
  }

  protected propsPropertyIsTrue(name: string): string {
    return `json_extract(props, '$.${name}') = 1`;
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.writes.flush();
    this.db.close();
  }
}
