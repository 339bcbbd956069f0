// Resources, their per-parent tallies (kept by triggers) and the per-instance sequences, over SQL.
import type {
  ChildTally,
  ResourcePatch,
  ResourceQuery,
  ResourceRecord,
  ResourceState,
  ResourceStore,
} from '../ledger.js';
import { RESOURCE_FIELDS } from '../codec.js';
import { propertyName, type Row } from './core.js';
import { SqlJobs } from './jobs.js';

const STATE_NAME = /^[a-z][a-z-]*$/;
const VERSION_SET = 'updated_at = CASE WHEN ? > updated_at THEN ? ELSE updated_at + 1 END';

// The triggers copy `state` from resources.state, which only ever holds a ResourceState.
const tally = (kind: unknown, state: unknown, n: unknown, mobility: unknown): ChildTally => ({
  kind: String(kind),
  state: String(state) as ResourceState,
  count: Number(n),
  mobility: Number(mobility),
});

export abstract class SqlResources extends SqlJobs implements ResourceStore {
  private resource(row: Row): ResourceRecord {
    return this.codec.fromRow<ResourceRecord>(RESOURCE_FIELDS, row);
  }

  async getResource(instanceId: string, id: string): Promise<ResourceRecord | undefined> {
    const row = await this.one('SELECT * FROM resources WHERE id = ? AND instance_id = ?', [id, instanceId]);
    return row && this.resource(row);
  }

  async getResources(instanceId: string, ids: string[]): Promise<ResourceRecord[]> {
    if (!ids.length) return [];
    const { rows } = await this.run(
      `SELECT * FROM resources WHERE instance_id = ? AND id IN (${ids.map(() => '?').join(', ')})`,
      [instanceId, ...ids],
    );
    return rows.map((r) => this.resource(r));
  }

  async claimResource(rec: ResourceRecord): Promise<{ record?: ResourceRecord; created: boolean }> {
    const row = this.codec.toRow(RESOURCE_FIELDS, { ...rec });
    const created = (await this.insert('resources', row, 'ON CONFLICT (id) DO NOTHING')) === 1;
    // The row just written is the record (decoded as a read would): reading it back cost a statement per provision.
    return { record: created ? this.resource(row) : await this.getResource(rec.instanceId, rec.id), created };
  }

  /** The SET list of a patch; updated_at only ever grows (by 1 where the clock has not moved on): it is the version. */
  private patchSql(patch: ResourcePatch): { sets: string; args: unknown[] } {
    const row = this.codec.toRow(RESOURCE_FIELDS, patch);
    delete row.updated_at;
    const now = Date.now();
    const sets = [...Object.keys(row).map((c) => `${c} = ?`), VERSION_SET].join(', ');
    return { sets, args: [...Object.values(row), now, now] };
  }

  async updateResource(instanceId: string, id: string, patch: ResourcePatch): Promise<void> {
    const { sets, args } = this.patchSql(patch);
    await this.run(`UPDATE resources SET ${sets} WHERE id = ? AND instance_id = ?`, [...args, id, instanceId]);
  }

  async updateResourceIf(
    instanceId: string,
    id: string,
    patch: ResourcePatch,
    ifUpdatedAt: number,
  ): Promise<number | undefined> {
    const { sets, args } = this.patchSql(patch);
    const written = await this.one(
      `UPDATE resources SET ${sets} WHERE id = ? AND instance_id = ? AND updated_at = ? RETURNING updated_at`,
      [...args, id, instanceId, ifUpdatedAt],
    );
    return written ? Number(written.updated_at) : undefined;
  }

  async takeTrueProperty(instanceId: string, id: string, name: string): Promise<boolean> {
    const prop = propertyName(name);
    const { changes } = await this.run(
      `UPDATE resources SET props = ${this.propsWithPropertyFalse(prop)}, updated_at = ? WHERE id = ? AND instance_id = ? AND ${this.propsPropertyIsTrue(prop)}`,
      [Date.now(), id, instanceId],
    );
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
      parts.push(
        q.states.length === 1 ? `state = '${q.states[0]}'` : `state IN (${q.states.map((s) => `'${s}'`).join(', ')})`,
      );
    }
    if (q.propertyEquals !== undefined) {
      // The expression as the index over it has it (resources_domain, resources_email).
      parts.push(`${this.propsText(propertyName(q.propertyEquals.name))} = ?`);
      args.push(q.propertyEquals.value);
    }
    if (q.propertyTrue !== undefined) {
      // Written into the SQL (a checked name), so that the index over this very expression serves it.
      parts.push(this.propsPropertyIsTrue(propertyName(q.propertyTrue)));
    }
    return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
  }

  async listResources(q: ResourceQuery): Promise<ResourceRecord[]> {
    const { sql, args } = this.where(q);
    return (await this.run(`SELECT * FROM resources ${sql} ORDER BY created_at, id`, args)).rows.map((r) =>
      this.resource(r),
    );
  }

  async countResources(q: ResourceQuery): Promise<number> {
    const { sql, args } = this.where(q);
    return Number((await this.one(`SELECT COUNT(*) AS n FROM resources ${sql}`, args))?.n ?? 0);
  }

  async getResourceWithTallies(
    instanceId: string,
    id: string,
  ): Promise<{ record?: ResourceRecord; tallies: ChildTally[] }> {
    // A row per tally (a dozen at most), each with the record's columns; one row with none when it has no children.
    const { rows } = await this.run(
      `SELECT r.*, t.kind AS tally_kind, t.state AS tally_state, t.n AS tally_n, t.mobility AS tally_mobility
       FROM resources r LEFT JOIN resource_tallies t ON t.parent_id = r.id AND t.instance_id = r.instance_id AND t.n > 0
       WHERE r.id = ? AND r.instance_id = ?`,
      [id, instanceId],
    );
    const counted = rows.filter((r) => r.tally_kind != null);
    const tallies = counted.map((r) => tally(r.tally_kind, r.tally_state, r.tally_n, r.tally_mobility));
    return { record: rows[0] && this.resource(rows[0]), tallies };
  }

  async tallyChildren(instanceId: string, parentId: string, kind?: string): Promise<ChildTally[]> {
    const { rows } = kind
      ? await this.run(
          'SELECT kind, state, n, mobility FROM resource_tallies WHERE parent_id = ? AND kind = ? AND instance_id = ? AND n > 0',
          [parentId, kind, instanceId],
        )
      : await this.run(
          'SELECT kind, state, n, mobility FROM resource_tallies WHERE parent_id = ? AND instance_id = ? AND n > 0',
          [parentId, instanceId],
        );
    return rows.map((r) => tally(r.kind, r.state, r.n, r.mobility));
  }

  async nextSequence(instanceId: string, name: string, start: number): Promise<number> {
    const row = await this.one(
      `INSERT INTO sequences (instance_id, name, next_value) VALUES (?, ?, ?)
       ON CONFLICT (instance_id, name) DO UPDATE SET next_value =
         CASE WHEN sequences.next_value + 1 > excluded.next_value THEN sequences.next_value + 1 ELSE excluded.next_value END
       RETURNING next_value`,
      [instanceId, name, start],
    );
    if (!row) throw new Error(`sequence ${name}: the upsert returned no row`);
    return Number(row.next_value);
  }
}
