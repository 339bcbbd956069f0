// The whole ledger over SQL: application instances (with a short-lived cache of the ones this
// process read, as every request checks its caller against one) on top of the other parts.
import type { InstanceRecord, Ledger } from '../ledger.js';
import { INSTANCE_FIELDS } from '../codec.js';
import { SqlResources } from './resources.js';

export { TAKE_EXPIRED_LOCK, type Row, type SqlResult } from './core.js';

export abstract class SqlLedger extends SqlResources implements Ledger {
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
    return this.writingInstance(
      rec.id,
      async () =>
        (await this.insert(
          'instances',
          this.codec.toRow(INSTANCE_FIELDS, { ...rec }),
          'ON CONFLICT (id) DO NOTHING',
        )) === 1,
    );
  }

  async updateInstance(id: string, patch: Partial<InstanceRecord>): Promise<void> {
    await this.writingInstance(id, () =>
      this.update('instances', { id }, this.codec.toRow(INSTANCE_FIELDS, { ...patch, updatedAt: Date.now() })),
    );
  }

  /** Removes the instance and everything kept for it: resources, jobs, tokens, sequences. */
  async deleteInstance(id: string): Promise<void> {
    await this.writingInstance(id, () =>
      this.transaction(async (run) => {
        for (const table of ['sso_tokens', 'jobs', 'resources', 'resource_tallies', 'sequences', 'imported_passwords'])
          await run(`DELETE FROM ${table} WHERE instance_id = ?`, [id]);
        await run('DELETE FROM instances WHERE id = ?', [id]);
      }),
    );
  }

  async listInstances(): Promise<InstanceRecord[]> {
    return (await this.run('SELECT * FROM instances ORDER BY created_at')).rows.map((r) =>
      this.codec.fromRow<InstanceRecord>(INSTANCE_FIELDS, r),
    );
  }
}
