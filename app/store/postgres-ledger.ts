// The ledger in PostgreSQL (pg), for several endpoint replicas behind a load balancer: due jobs
// are leased with FOR UPDATE SKIP LOCKED, migrations run under an advisory lock.
import pg from 'pg';
import type { SecretBox } from '../util/secret-box.js';
import { LedgerUnavailableError, UNFINISHED_JOB_STATES, type JobRecord, type JobScope } from './ledger.js';
import { SqlLedger, TAKE_EXPIRED_LOCK, type Row, type SqlResult } from './sql/ledger.js';
import { errorCode, errorMessage } from '../util/errors.js';

const MIGRATION_LOCK = 0x6f78617073; // "oxaps"

/** getJobAndLock's statement (written once): the job, and the lock where no unfinished job exists. */
const JOB_AND_LOCK = `WITH job AS (SELECT * FROM jobs WHERE key = ?),
  taken AS (
    INSERT INTO locks (key, owner, expires_at) SELECT ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM job WHERE state IN (${UNFINISHED_JOB_STATES.map((state) => `'${state}'`).join(', ')}))
    ${TAKE_EXPIRED_LOCK} RETURNING owner)
  SELECT job.*, (SELECT count(*) FROM taken) AS lock_taken FROM (SELECT 1) AS one LEFT JOIN job ON true`;
const INT8 = 20;

// Connection-level failures (server gone, shutting down, unreachable): the pool reconnects later.
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
]);

function isConnectionError(err: unknown): boolean {
  const code = errorCode(err);
  return (
    CONNECTION_CODES.has(code) ||
    code.startsWith('08') ||
    /Connection terminated|timeout exceeded when trying to connect/i.test(errorMessage(err))
  );
}

/** Runs a query; a lost connection becomes LedgerUnavailableError (503 to the controller). */
async function guarded<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (err) {
    if (isConnectionError(err)) throw new LedgerUnavailableError(errorMessage(err));
    throw err;
  }
}

/** `?` placeholders → `$1…$n` (no statement of ours has a literal question mark). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

export class PostgresLedger extends SqlLedger {
  readonly kind = 'postgres' as const;

  private constructor(
    private readonly pool: pg.Pool,
    box: SecretBox,
  ) {
    super(box);
  }

  static async connect(url: string, box: SecretBox): Promise<PostgresLedger> {
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      connectionTimeoutMillis: 5000,
      types: {
        getTypeParser: (oid: number, format?: string) =>
          oid === INT8
            ? (v: string) => Number(v)
            : format === 'binary'
              ? pg.types.getTypeParser(oid, 'binary')
              : pg.types.getTypeParser(oid, 'text'),
      },
    });
    // An idle pooled connection that the server drops emits 'error' on the pool; unhandled, that
    // would end the process. The pool opens a new connection on the next query.
    pool.on('error', () => undefined);
    const ledger = new PostgresLedger(pool, box);
    await ledger.migrate();
    await ledger.checkSecretKey();
    return ledger;
  }

  protected async run(sql: string, args: unknown[] = []): Promise<SqlResult> {
    const res = await guarded(() => this.pool.query<Row>(numbered(sql), args));
    return { rows: res.rows, changes: res.rowCount ?? 0 };
  }

  protected async transaction<T>(
    fn: (run: (sql: string, args?: unknown[]) => Promise<SqlResult>) => Promise<T>,
  ): Promise<T> {
    const client = await guarded(() => this.pool.connect());
    const run = async (sql: string, args: unknown[] = []) => {
      const res = await client.query<Row>(numbered(sql), args);
      return { rows: res.rows, changes: res.rowCount ?? 0 };
    };
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(run);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      broken = isConnectionError(err);
      if (!broken) await client.query('ROLLBACK').catch(() => undefined);
      throw broken ? new LedgerUnavailableError(errorMessage(err)) : err;
    } finally {
      // A broken connection is dropped from the pool, not handed out again.
      client.release(broken);
    }
  }

  protected override async lockMigrations(run: (sql: string, args?: unknown[]) => Promise<SqlResult>): Promise<void> {
    await run('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
  }

  async claimDueJobs(
    now: number,
    owner: string,
    leaseMs: number,
    limit: number,
    scope?: JobScope,
  ): Promise<JobRecord[]> {
    const due = this.dueJobs(now, scope);
    const { rows } = await this.run(
      `UPDATE jobs SET state = 'running', lease_until = ?, lease_owner = ?, updated_at = ?
       WHERE key IN (SELECT key FROM jobs WHERE ${due.where} ORDER BY next_retry_at LIMIT ? FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [now + leaseMs, owner, now, ...due.args, limit],
    );
    return rows.map((r) => this.job(r));
  }

  /**
   * One round trip instead of two: the job is read and the lock taken in one statement, the lock
   * only where no unfinished job exists (the job's snapshot is the statement's own).
   */
  override async getJobAndLock(
    key: string,
    owner: string,
    ttlMs: number,
  ): Promise<{ job?: JobRecord; locked: boolean }> {
    const now = Date.now();
    const row = await this.one(JOB_AND_LOCK, [key, key, owner, now + ttlMs, now]);
    const { lock_taken: taken, ...job } = row ?? {};
    return { job: job.key == null ? undefined : this.job(job), locked: Number(taken) === 1 };
  }

  protected propsWithPropertyFalse(name: string): string {
    return `(props::jsonb || jsonb_build_object('${name}', false))::text`;
  }

  protected propsText(name: string): string {
    return `(props::jsonb ->> '${name}')`;
  }

  protected propsPropertyIsTrue(name: string): string {
    return `(props::jsonb ->> '${name}') = 'true'`;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
