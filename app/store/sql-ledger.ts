// The ledger over SQL, shared by SQLite and PostgreSQL: the drivers differ only in how they run
// a statement, open a transaction and lease due jobs. Statements use `?` placeholders.
import type { SecretBox } from '../util/secret-box.js';
import { SecretKeyMismatchError, isUnfinished } from './ledger.js';
import { INSTANCE_FIELDS, JOB_FIELDS, RESOURCE_FIELDS, RowCodec } from './codec.js';
import type {
  ChildTally, InstanceRecord, ResourceState, JobRecord, JobScope, JobState, Ledger, ResourceQuery, ResourceRecord, SsoTokenRecord,
} from './ledger.js';
import { MIGRATIONS, statementsOf } from './migrations.js';

export type Row = Record<string, unknown>;

export interface SqlResult {
  rows: Row[];
  changes: number;
}

const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A property name checked before it is written into SQL. */
function propertyName(name: string): string {
  if (!PROPERTY_NAME.test(name)) throw new Error(`not a property name: ${name}`);
  return name;
}

const STATE_NAME = /^[a-z][a-z-]*$/;

/** A lock row that exists is taken over only once it has expired (the statement's last argument is now). */
export const TAKE_EXPIRED_LOCK = 'ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at WHERE locks.expires_at < ?';

export abstract class SqlLedger implements Ledger {
  abstract readonly kind: 'sqlite' | 'postgres';
  protected readonly codec: RowCodec;

  constructor(private readonly box: SecretBox) {
    this.codec = new RowCodec(box);
  }

  protected abstract run(sql: string, args?: unknown[]): Promise<SqlResult>;
  /** Runs `fn` in one transaction (serialised against other migrators where the driver can). */
  protected abstract transaction<T>(fn: (run: (sql: string, args?: unknown[]) => Promise<SqlResult>) => Promise<T>): Promise<T>;
  abstract claimDueJobs(now: number, owner: string, leaseMs: number, limit: number, scope?: JobScope): Promise<JobRecord[]>;
  abstract close(): Promise<void>;
  /** SQL that is true when the JSON props hold `true` under this (checked) property name. */
  protected abstract propsPropertyIsTrue(name: string): string;
  /** SQL for the JSON props with this (checked) property name set to false. */
  protected abstract propsWithPropertyFalse(name: string): string;

  protected async migrate(): Promise<void> {
    await this.transaction(async (run) => {
      // Under the lock: two replicas starting on a new database would both create this table.
      await this.lockMigrations(run);
      await run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
      const done = new Set((await run('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)));
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        for (const statement of statementsOf(this.kind === 'postgres' && m.postgres ? m.postgres : m.sql)) await run(statement);
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
      await this.insert('ledger_meta', { name: 'key-check', value: this.box.seal('ox-aps ledger key') }, 'ON CONFLICT (name) DO NOTHING');
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
    const where = Object.keys(key).map((c) => `${c} = ?`).join(' AND ');
    await this.run(`UPDATE ${table} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE ${where}`, [...Object.values(row), ...Object.values(key)]);
  }

  protected async one(sql: string, args: unknown[] = []): Promise<Row | undefined> {
    return (await this.run(sql, args)).rows[0];
  }

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
    const { changes } = await this.run(`UPDATE jobs SET lease_until = ? WHERE key = ? AND lease_owner = ? AND state = 'running'`, [until, key, owner]);
    return changes === 1;
  }

  protected job(row: Row): JobRecord {
    return this.codec.fromRow<JobRecord>(JOB_FIELDS, row);
  }

  private resource(row: Row): ResourceRecord {
    return this.codec.fromRow<ResourceRecord>(RESOURCE_FIELDS, row);
  }

  // ----- instances -----

  // The instances this process read last: every request checks its caller against one.
  private readonly recentInstances = new Map<string, { at: number; rec: InstanceRecord }>();

  async getInstance(id: string, opts: { maxAgeMs?: number } = {}): Promise<InstanceRecord | undefined> {
    const hit = this.recentInstances.get(id);
    if (hit && opts.maxAgeMs && Date.now() - hit.at < opts.maxAgeMs) return hit.rec;
    const row = await this.one('SELECT * FROM instances WHERE id = ?', [id]);
    const rec = row && this.codec.fromRow<InstanceRecord>(INSTANCE_FIELDS, row);
    if (rec) this.recentInstances.set(id, { at: Date.now(), rec });
    else this.recentInstances.delete(id);
    return rec;
  }

  /**
   * A write of an instance, with its cached copy dropped before and after: a read while the write
   * waits for its commit (SQLite's group commit, a PostgreSQL transaction) would cache the old row.
   */
  private async writingInstance<T>(id: string, write: () => Promise<T>): Promise<T> {
    this.recentInstances.delete(id);
    try {
      return await write();
    } finally {
      this.recentInstances.delete(id);
    }
  }

  async createInstance(rec: InstanceRecord): Promise<boolean> {
    return this.writingInstance(rec.id, async () => (await this.insert('instances', this.codec.toRow(INSTANCE_FIELDS, { ...rec }), 'ON CONFLICT (id) DO NOTHING')) === 1);
  }

  async updateInstance(id: string, patch: Partial<InstanceRecord>): Promise<void> {
    await this.writingInstance(id, () => this.update('instances', { id }, this.codec.toRow(INSTANCE_FIELDS, { ...patch, updatedAt: Date.now() })));
  }

  /** Removes the instance and everything kept for it: resources, jobs, tokens, sequences. */
  async deleteInstance(id: string): Promise<void> {
    await this.writingInstance(id, () => this.transaction(async (run) => {
      for (const table of ['sso_tokens', 'jobs', 'resources', 'resource_tallies', 'sequences']) await run(`DELETE FROM ${table} WHERE instance_id = ?`, [id]);
      await run('DELETE FROM instances WHERE id = ?', [id]);
    }));
  }

  async listInstances(): Promise<InstanceRecord[]> {
    return (await this.run('SELECT * FROM instances ORDER BY created_at')).rows.map((r) => this.codec.fromRow<InstanceRecord>(INSTANCE_FIELDS, r));
  }

  // ----- resources -----

  async getResource(instanceId: string, id: string): Promise<ResourceRecord | undefined> {
    const row = await this.one('SELECT * FROM resources WHERE id = ? AND instance_id = ?', [id, instanceId]);
    return row && this.resource(row);
  }

  async getResources(instanceId: string, ids: string[]): Promise<ResourceRecord[]> {
    if (!ids.length) return [];
    const { rows } = await this.run(`SELECT * FROM resources WHERE instance_id = ? AND id IN (${ids.map(() => '?').join(', ')})`, [instanceId, ...ids]);
    return rows.map((r) => this.resource(r));
  }

  async claimResource(rec: ResourceRecord): Promise<{ record?: ResourceRecord; created: boolean }> {
    const row = this.codec.toRow(RESOURCE_FIELDS, { ...rec });
    const created = (await this.insert('resources', row, 'ON CONFLICT (id) DO NOTHING')) === 1;
    // The row just written is the record (decoded as a read would): reading it back cost a statement per provision.
    return { record: created ? this.resource(row) : await this.getResource(rec.instanceId, rec.id), created };
  }

  async updateResource(instanceId: string, id: string, patch: Partial<Omit<ResourceRecord, 'id' | 'instanceId' | 'createdAt'>>): Promise<void> {
    await this.update('resources', { id, instance_id: instanceId }, this.codec.toRow(RESOURCE_FIELDS, { ...patch, updatedAt: Date.now() }));
  }

  async takeTrueProperty(instanceId: string, id: string, name: string): Promise<boolean> {
    const prop = propertyName(name);
    const { changes } = await this.run(
      `UPDATE resources SET props = ${this.propsWithPropertyFalse(prop)}, updated_at = ? WHERE id = ? AND instance_id = ? AND ${this.propsPropertyIsTrue(prop)}`,
      [Date.now(), id, instanceId]);
    return changes === 1;
  }

  async deleteResource(instanceId: string, id: string): Promise<void> {
    await this.run('DELETE FROM resources WHERE id = ? AND instance_id = ?', [id, instanceId]);
  }

  async resourceIdTaken(id: string): Promise<boolean> {
    return (await this.one('SELECT 1 AS taken FROM resources WHERE id = ?', [id])) !== undefined;
  }

  private where(q: ResourceQuery): { sql: string; args: unknown[] } {
    const parts: string[] = [];
    const args: unknown[] = [];
    const add = (col: string, v: unknown) => {
      if (v === undefined) return;
      parts.push(`${col} = ?`);
      args.push(v);
    };
    add('instance_id', q.instanceId);
    add('kind', q.kind);
    add('parent_id', q.parentId);
    add('profile_id', q.profileId);
    add('ox_context_id', q.oxContextId);
    if (q.states?.length) {
      // Written into the SQL (checked names), so that a partial index on a state (pending deletions) serves it.
      if (!q.states.every((s) => STATE_NAME.test(s))) throw new Error(`not a state: ${q.states.join(', ')}`);
      parts.push(q.states.length === 1 ? `state = '${q.states[0]}'` : `state IN (${q.states.map((s) => `'${s}'`).join(', ')})`);
    }
    if (q.propertyTrue !== undefined) {
      // Written into the SQL (a checked name), so that the index over this very expression serves it.
      parts.push(this.propsPropertyIsTrue(propertyName(q.propertyTrue)));
    }
    return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
  }

  async listResources(q: ResourceQuery): Promise<ResourceRecord[]> {
    const { sql, args } = this.where(q);
    return (await this.run(`SELECT * FROM resources ${sql} ORDER BY created_at, id`, args)).rows
      .map((r) => this.resource(r));
  }

  async countResources(q: ResourceQuery): Promise<number> {
    const { sql, args } = this.where(q);
    return Number((await this.one(`SELECT COUNT(*) AS n FROM resources ${sql}`, args))?.n ?? 0);
  }

  async tallyChildren(instanceId: string, parentId: string, kind: string): Promise<ChildTally[]> {
    const { rows } = await this.run('SELECT state, n, mobility FROM resource_tallies WHERE parent_id = ? AND kind = ? AND instance_id = ? AND n > 0', [parentId, kind, instanceId]);
    // The triggers copy `state` from resources.state, which only ever holds a ResourceState.
    return rows.map((r) => ({ state: String(r.state) as ResourceState, count: Number(r.n), mobility: Number(r.mobility) }));
  }

  async nextSequence(instanceId: string, name: string, start: number): Promise<number> {
    const row = await this.one(
      `INSERT INTO sequences (instance_id, name, next_value) VALUES (?, ?, ?)
       ON CONFLICT (instance_id, name) DO UPDATE SET next_value =
         CASE WHEN sequences.next_value + 1 > excluded.next_value THEN sequences.next_value + 1 ELSE excluded.next_value END
       RETURNING next_value`, [instanceId, name, start]);
    if (!row) throw new Error(`sequence ${name}: the upsert returned no row`);
    return Number(row.next_value);
  }

  // ----- jobs and locks -----

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
    await this.insert('jobs', row, `ON CONFLICT (key) DO UPDATE SET ${cols.map((c) => `${c} = excluded.${c}`).join(', ')}`);
  }

  async updateJob(key: string, patch: Partial<JobRecord>): Promise<void> {
    await this.update('jobs', { key }, this.codec.toRow(JOB_FIELDS, { ...patch, updatedAt: Date.now() }));
  }

  async deleteJob(key: string): Promise<void> {
    await this.run('DELETE FROM jobs WHERE key = ?', [key]);
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
    const row = await this.one(`INSERT INTO locks (key, owner, expires_at) VALUES (?, ?, ?) ${TAKE_EXPIRED_LOCK} RETURNING owner`, [key, owner, now + ttlMs, now]);
    return row?.owner === owner;
  }

  async renewLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.run('UPDATE locks SET expires_at = ? WHERE key = ? AND owner = ?', [Date.now() + ttlMs, key, owner])).changes === 1;
  }

  async unlock(key: string, owner: string): Promise<void> {
    await this.run('DELETE FROM locks WHERE key = ? AND owner = ?', [key, owner]);
  }

  // ----- SSO tokens -----

  async saveSsoToken(token: SsoTokenRecord): Promise<void> {
    await this.run('INSERT INTO sso_tokens (hash, instance_id, resource_id, expires_at, issued_to) VALUES (?, ?, ?, ?, ?)',
      [token.hash, token.instanceId, token.resourceId, token.expiresAt, token.issuedTo ?? null]);
  }

  async takeSsoToken(hash: string, now: number): Promise<SsoTokenRecord | undefined> {
    const row = await this.one('DELETE FROM sso_tokens WHERE hash = ? RETURNING *', [hash]);
    if (!row || Number(row.expires_at) <= now) return undefined;
    const issuedTo = row.issued_to == null ? null : String(row.issued_to);
    return { hash, instanceId: String(row.instance_id), resourceId: String(row.resource_id), expiresAt: Number(row.expires_at), issuedTo };
  }

  async pruneSsoTokens(now: number): Promise<number> {
    return (await this.run('DELETE FROM sso_tokens WHERE expires_at <= ?', [now])).changes;
  }

  async useNonce(id: string, expiresAt: number): Promise<boolean> {
    return (await this.run('INSERT INTO oauth_nonces (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING', [id, expiresAt])).changes === 1;
  }

  async pruneNonces(now: number): Promise<number> {
    return (await this.run('DELETE FROM oauth_nonces WHERE expires_at <= ?', [now])).changes;
  }
}
