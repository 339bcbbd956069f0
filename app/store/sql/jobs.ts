// The async protocol's jobs (saved, leased, renewed, pruned) and the request locks, over SQL.
import { isUnfinished, type JobRecord, type JobScope, type JobState, type JobStore } from '../ledger.js';
import { JOB_FIELDS } from '../codec.js';
import { TAKE_EXPIRED_LOCK, type Row } from './core.js';
import { SqlTokens } from './tokens.js';

export abstract class SqlJobs extends SqlTokens implements JobStore {
  abstract claimDueJobs(
    now: number,
    owner: string,
    leaseMs: number,
    limit: number,
    scope?: JobScope,
  ): Promise<JobRecord[]>;

  /** The condition that selects due jobs (and their arguments), narrowed to `scope`. */
  protected dueJobs(now: number, scope?: JobScope): { where: string; args: unknown[] } {
    let where = `((state = 'waiting' AND next_retry_at <= ?) OR (state = 'running' AND lease_until < ?))`;
    const args: unknown[] = [now, now];
    if (scope && (scope.instanceIds.length || !scope.exclude)) {
      const list = scope.instanceIds.length ? scope.instanceIds.map(() => '?').join(', ') : 'NULL';
      where += ` AND instance_id ${scope.exclude ? 'NOT IN' : 'IN'} (${list})`;
      args.push(...scope.instanceIds);
    }
    return { where, args };
  }

  async renewLease(key: string, owner: string, until: number): Promise<boolean> {
    const { changes } = await this.run(
      `UPDATE jobs SET lease_until = ? WHERE key = ? AND lease_owner = ? AND state = 'running'`,
      [until, key, owner],
    );
    return changes === 1;
  }

  protected job(row: Row): JobRecord {
    return this.codec.fromRow<JobRecord>(JOB_FIELDS, row);
  }

  async getJob(key: string): Promise<JobRecord | undefined> {
    const row = await this.one('SELECT * FROM jobs WHERE key = ?', [key]);
    return row && this.job(row);
  }

  async getJobAndLock(key: string, owner: string, ttlMs: number): Promise<{ job?: JobRecord; locked: boolean }> {
    const job = await this.getJob(key);
    if (job && isUnfinished(job)) return { job, locked: false };
    return { job, locked: await this.tryLock(key, owner, ttlMs) };
  }

  async saveJob(job: JobRecord): Promise<void> {
    const row = this.codec.toRow(JOB_FIELDS, { ...job });
    const cols = Object.keys(row).filter((c) => c !== 'key');
    await this.insert(
      'jobs',
      row,
      `ON CONFLICT (key) DO UPDATE SET ${cols.map((c) => `${c} = excluded.${c}`).join(', ')}`,
    );
  }

  async updateJob(key: string, patch: Partial<JobRecord>): Promise<void> {
    await this.update('jobs', { key }, this.codec.toRow(JOB_FIELDS, { ...patch, updatedAt: Date.now() }));
  }

  async deleteJob(key: string): Promise<void> {
    await this.run('DELETE FROM jobs WHERE key = ?', [key]);
  }

  async countUnfinishedJobs(): Promise<number> {
    const row = await this.one("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('waiting', 'running')");
    return Number(row?.n ?? 0);
  }

  async listJobs(q: { instanceId?: string; resourceId?: string; states?: JobState[] }): Promise<JobRecord[]> {
    const parts: string[] = [];
    const args: unknown[] = [];
    if (q.instanceId) {
      parts.push('instance_id = ?');
      args.push(q.instanceId);
    }
    if (q.resourceId) {
      parts.push('resource_id = ?');
      args.push(q.resourceId);
    }
    if (q.states?.length) {
      parts.push(`state IN (${q.states.map(() => '?').join(', ')})`);
      args.push(...q.states);
    }
    const where = parts.length ? `WHERE ${parts.join(' AND ')}` : '';
    return (await this.run(`SELECT * FROM jobs ${where} ORDER BY created_at`, args)).rows.map((r) => this.job(r));
  }

  async pruneJobs(before: number): Promise<number> {
    return (await this.run(`DELETE FROM jobs WHERE state IN ('done', 'failed') AND updated_at < ?`, [before])).changes;
  }

  async tryLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const row = await this.one(
      `INSERT INTO locks (key, owner, expires_at) VALUES (?, ?, ?) ${TAKE_EXPIRED_LOCK} RETURNING owner`,
      [key, owner, now + ttlMs, now],
    );
    return row?.owner === owner;
  }

  async renewLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (
      (await this.run('UPDATE locks SET expires_at = ? WHERE key = ? AND owner = ?', [Date.now() + ttlMs, key, owner]))
        .changes === 1
    );
  }

  async unlock(key: string, owner: string): Promise<void> {
    await this.run('DELETE FROM locks WHERE key = ? AND owner = ?', [key, owner]);
  }
}
