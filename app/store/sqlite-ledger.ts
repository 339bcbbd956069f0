// The embedded ledger: one SQLite file in DATA_DIR (WAL mode), versioned migrations.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SecretBox } from '../util/secret-box.js';
import { INSTANCE_FIELDS, JOB_FIELDS, RESOURCE_FIELDS, RowCodec } from './codec.js';
import type {
  InstanceRecord, JobRecord, JobState, Ledger, ResourceQuery, ResourceRecord, SsoTokenRecord,
} from './ledger.js';
import { MIGRATIONS } from './migrations.js';

type Row = Record<string, unknown>;

export class SqliteLedger implements Ledger {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly codec: RowCodec;

  constructor(file: string, box: SecretBox) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.codec = new RowCodec(box);
    this.migrate();
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const done = new Set(this.db.prepare('SELECT version FROM schema_migrations').all().map((r) => (r as Row).version as number));
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, Date.now());
      })();
    }
  }

  get schemaVersion(): number {
    return (this.db.prepare('SELECT MAX(version) v FROM schema_migrations').get() as Row).v as number;
  }

  // ----- generic helpers -----

  private insert(table: string, row: Row, conflict = ''): number {
    const cols = Object.keys(row);
    const sql = `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ${conflict}`;
    return this.db.prepare(sql).run(...Object.values(row)).changes;
  }

  private update(table: string, keyColumn: string, key: string, row: Row): void {
    const cols = Object.keys(row);
    if (!cols.length) return;
    this.db.prepare(`UPDATE ${table} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE ${keyColumn} = ?`).run(...Object.values(row), key);
  }

  private one(sql: string, ...args: unknown[]): Row | undefined {
    return this.db.prepare(sql).get(...args) as Row | undefined;
  }

  private all(sql: string, ...args: unknown[]): Row[] {
    return this.db.prepare(sql).all(...args) as Row[];
  }

  // ----- instances -----

  async getInstance(id: string): Promise<InstanceRecord | undefined> {
    const row = this.one('SELECT * FROM instances WHERE id = ?', id);
    return row && this.codec.fromRow<InstanceRecord>(INSTANCE_FIELDS, row);
  }

  async createInstance(rec: InstanceRecord): Promise<boolean> {
    return this.insert('instances', this.codec.toRow(INSTANCE_FIELDS, { ...rec }), 'ON CONFLICT (id) DO NOTHING') === 1;
  }

  async updateInstance(id: string, patch: Partial<InstanceRecord>): Promise<void> {
    this.update('instances', 'id', id, this.codec.toRow(INSTANCE_FIELDS, { ...patch, updatedAt: Date.now() }));
  }

  async deleteInstance(id: string): Promise<void> {
    this.db.prepare('DELETE FROM instances WHERE id = ?').run(id);
  }

  async listInstances(): Promise<InstanceRecord[]> {
    return this.all('SELECT * FROM instances ORDER BY created_at').map((r) => this.codec.fromRow<InstanceRecord>(INSTANCE_FIELDS, r));
  }

  // ----- resources -----

  async getResource(id: string): Promise<ResourceRecord | undefined> {
    const row = this.one('SELECT * FROM resources WHERE id = ?', id);
    return row && this.codec.fromRow<ResourceRecord>(RESOURCE_FIELDS, row);
  }

  async claimResource(rec: ResourceRecord): Promise<{ record: ResourceRecord; created: boolean }> {
    const created = this.insert('resources', this.codec.toRow(RESOURCE_FIELDS, { ...rec }), 'ON CONFLICT (id) DO NOTHING') === 1;
    return { record: (await this.getResource(rec.id))!, created };
  }

  async updateResource(id: string, patch: Partial<ResourceRecord>): Promise<void> {
    this.update('resources', 'id', id, this.codec.toRow(RESOURCE_FIELDS, { ...patch, updatedAt: Date.now() }));
  }

  async deleteResource(id: string): Promise<void> {
    this.db.prepare('DELETE FROM resources WHERE id = ?').run(id);
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
    if (q.states?.length) {
      parts.push(`state IN (${q.states.map(() => '?').join(', ')})`);
      args.push(...q.states);
    }
    return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
  }

  async listResources(q: ResourceQuery): Promise<ResourceRecord[]> {
    const { sql, args } = this.where(q);
    return this.all(`SELECT * FROM resources ${sql} ORDER BY created_at, id`, ...args)
      .map((r) => this.codec.fromRow<ResourceRecord>(RESOURCE_FIELDS, r));
  }

  async countResources(q: ResourceQuery): Promise<number> {
    const { sql, args } = this.where(q);
    return Number((this.one(`SELECT COUNT(*) n FROM resources ${sql}`, ...args) as Row).n);
  }

  async nextSequence(instanceId: string, name: string, start: number): Promise<number> {
    const row = this.one(
      `INSERT INTO sequences (instance_id, name, next_value) VALUES (?, ?, ?)
       ON CONFLICT (instance_id, name) DO UPDATE SET next_value = MAX(next_value + 1, excluded.next_value)
       RETURNING next_value`, instanceId, name, start);
    return Number(row!.next_value);
  }

  // ----- jobs -----

  async getJob(key: string): Promise<JobRecord | undefined> {
    const row = this.one('SELECT * FROM jobs WHERE key = ?', key);
    return row && this.codec.fromRow<JobRecord>(JOB_FIELDS, row);
  }

  async saveJob(job: JobRecord): Promise<void> {
    const row = this.codec.toRow(JOB_FIELDS, { ...job });
    const cols = Object.keys(row).filter((c) => c !== 'key');
    this.insert('jobs', row, `ON CONFLICT (key) DO UPDATE SET ${cols.map((c) => `${c} = excluded.${c}`).join(', ')}`);
  }

  async updateJob(key: string, patch: Partial<JobRecord>): Promise<void> {
    this.update('jobs', 'key', key, this.codec.toRow(JOB_FIELDS, { ...patch, updatedAt: Date.now() }));
  }

  async deleteJob(key: string): Promise<void> {
    this.db.prepare('DELETE FROM jobs WHERE key = ?').run(key);
  }

  async claimDueJobs(now: number, owner: string, leaseMs: number, limit: number): Promise<JobRecord[]> {
    const claim = this.db.transaction(() => {
      const rows = this.all(
        `SELECT key FROM jobs WHERE (state = 'waiting' AND next_retry_at <= ?) OR (state = 'running' AND lease_until < ?)
         ORDER BY next_retry_at LIMIT ?`, now, now, limit);
      const stmt = this.db.prepare(`UPDATE jobs SET state = 'running', lease_until = ?, lease_owner = ?, updated_at = ? WHERE key = ?`);
      for (const r of rows) stmt.run(now + leaseMs, owner, now, r.key);
      return rows.map((r) => r.key as string);
    });
    const keys = claim();
    return (await Promise.all(keys.map((k) => this.getJob(k)))).filter((j): j is JobRecord => Boolean(j));
  }

  async listJobs(q: { instanceId?: string; states?: JobState[] }): Promise<JobRecord[]> {
    const parts: string[] = [];
    const args: unknown[] = [];
    if (q.instanceId) {
      parts.push('instance_id = ?');
      args.push(q.instanceId);
    }
    if (q.states?.length) {
      parts.push(`state IN (${q.states.map(() => '?').join(', ')})`);
      args.push(...q.states);
    }
    const where = parts.length ? `WHERE ${parts.join(' AND ')}` : '';
    return this.all(`SELECT * FROM jobs ${where} ORDER BY created_at`, ...args).map((r) => this.codec.fromRow<JobRecord>(JOB_FIELDS, r));
  }

  async pruneJobs(before: number): Promise<number> {
    return this.db.prepare(`DELETE FROM jobs WHERE state IN ('done', 'failed') AND updated_at < ?`).run(before).changes;
  }

  // ----- SSO tokens -----

  async saveSsoToken(token: SsoTokenRecord): Promise<void> {
    this.db.prepare('INSERT INTO sso_tokens (hash, instance_id, resource_id, expires_at) VALUES (?, ?, ?, ?)')
      .run(token.hash, token.instanceId, token.resourceId, token.expiresAt);
  }

  async takeSsoToken(hash: string, now: number): Promise<SsoTokenRecord | undefined> {
    const row = this.one('DELETE FROM sso_tokens WHERE hash = ? RETURNING *', hash);
    if (!row || Number(row.expires_at) <= now) return undefined;
    return { hash, instanceId: String(row.instance_id), resourceId: String(row.resource_id), expiresAt: Number(row.expires_at) };
  }

  async pruneSsoTokens(now: number): Promise<number> {
    return this.db.prepare('DELETE FROM sso_tokens WHERE expires_at <= ?').run(now).changes;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
