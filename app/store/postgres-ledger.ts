// The ledger in PostgreSQL (pg), for several endpoint replicas behind a load balancer: due jobs
// are leased with FOR UPDATE SKIP LOCKED, migrations run under an advisory lock.
import pg from 'pg';
import type { SecretBox } from '../util/secret-box.js';
import type { JobRecord } from './ledger.js';
import { SqlLedger, type Row, type SqlResult } from './sql-ledger.js';

const MIGRATION_LOCK = 0x6f78617073; // "oxaps"
const INT8 = 20;

/** `?` placeholders → `$1…$n` (no statement of ours has a literal question mark). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export class PostgresLedger extends SqlLedger {
  readonly kind = 'postgres' as const;

  private constructor(private readonly pool: pg.Pool, box: SecretBox) {
    super(box);
  }

  static async connect(url: string, box: SecretBox): Promise<PostgresLedger> {
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      types: { getTypeParser: (oid: number, format?: string) => (oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) },
    });
    const ledger = new PostgresLedger(pool, box);
    await ledger.migrate();
    return ledger;
  }

  protected async run(sql: string, args: unknown[] = []): Promise<SqlResult> {
    const res = await this.pool.query(numbered(sql), args);
    return { rows: res.rows as Row[], changes: res.rowCount ?? 0 };
  }

  protected async transaction<T>(fn: (run: (sql: string, args?: unknown[]) => Promise<SqlResult>) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const run = async (sql: string, args: unknown[] = []) => {
      const res = await client.query(numbered(sql), args);
      return { rows: res.rows as Row[], changes: res.rowCount ?? 0 };
    };
    try {
      await client.query('BEGIN');
      const result = await fn(run);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    } finally {
      client.release();
    }
  }

  protected override async lockMigrations(run: (sql: string, args?: unknown[]) => Promise<SqlResult>): Promise<void> {
    await run('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
  }

  async claimDueJobs(now: number, owner: string, leaseMs: number, limit: number): Promise<JobRecord[]> {
    const { rows } = await this.run(
      `UPDATE jobs SET state = 'running', lease_until = ?, lease_owner = ?, updated_at = ?
       WHERE key IN (SELECT key FROM jobs
         WHERE (state = 'waiting' AND next_retry_at <= ?) OR (state = 'running' AND lease_until < ?)
         ORDER BY next_retry_at LIMIT ? FOR UPDATE SKIP LOCKED)
       RETURNING *`, [now + leaseMs, owner, now, now, now, limit]);
    return rows.map((r) => this.job(r));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
