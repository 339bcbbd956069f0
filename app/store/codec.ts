// Row ⇄ record mapping shared by the SQL ledgers: column names, JSON columns and encrypted columns.
import type { SecretBox } from '../util/secret-box.js';

type Codec = 'plain' | 'json' | 'sealed';
type FieldMap = Record<string, [column: string, codec: Codec]>;

export const INSTANCE_FIELDS: FieldMap = {
  id: ['id', 'plain'],
  controllerUri: ['controller_uri', 'plain'],
  controllerCert: ['controller_cert', 'plain'],
  instanceCert: ['instance_cert', 'plain'],
  oauthKey: ['oauth_key', 'plain'],
  secrets: ['secrets', 'sealed'],
  settings: ['settings', 'json'],
  lastError: ['last_error', 'plain'],
  createdAt: ['created_at', 'plain'],
  updatedAt: ['updated_at', 'plain'],
};

export const RESOURCE_FIELDS: FieldMap = {
  id: ['id', 'plain'],
  instanceId: ['instance_id', 'plain'],
  kind: ['kind', 'plain'],
  parentId: ['parent_id', 'plain'],
  profileId: ['profile_id', 'plain'],
  state: ['state', 'plain'],
  oxContextId: ['ox_context_id', 'plain'],
  oxUserId: ['ox_user_id', 'plain'],
  login: ['login', 'plain'],
  props: ['props', 'json'],
  secrets: ['secrets', 'sealed'],
  usage: ['usage', 'json'],
  usageAt: ['usage_at', 'plain'],
  lastError: ['last_error', 'plain'],
  createdAt: ['created_at', 'plain'],
  updatedAt: ['updated_at', 'plain'],
};

export const JOB_FIELDS: FieldMap = {
  key: ['key', 'plain'],
  instanceId: ['instance_id', 'plain'],
  resourceId: ['resource_id', 'plain'],
  state: ['state', 'plain'],
  attempts: ['attempts', 'plain'],
  nextRetryAt: ['next_retry_at', 'plain'],
  leaseUntil: ['lease_until', 'plain'],
  leaseOwner: ['lease_owner', 'plain'],
  deadline: ['deadline', 'plain'],
  input: ['input', 'sealed'],
  result: ['result', 'sealed'],
  error: ['error', 'json'],
  info: ['info', 'plain'],
  request: ['request', 'json'],
  earlier: ['earlier', 'sealed'],
  createdAt: ['created_at', 'plain'],
  updatedAt: ['updated_at', 'plain'],
};

/**
 * A sealed field is decrypted when it is first read, not when its row is: listing records, or a
 * usage poll, decrypts no password it does not use. Once read (or set) it is a plain property.
 */
function openWhenRead(rec: Record<string, unknown>, field: string, open: () => unknown): void {
  const settle = (value: unknown) =>
    Object.defineProperty(rec, field, { value, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(rec, field, {
    enumerable: true,
    configurable: true,
    get: () => {
      const value = open();
      settle(value);
      return value;
    },
    set: settle,
  });
}

export class RowCodec {
  constructor(private readonly box: SecretBox) {}

  /** Record (or patch) → { column: value } for the fields present. */
  toRow(fields: FieldMap, rec: Record<string, unknown>): Record<string, unknown> {
    const row: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(rec)) {
      const spec = fields[field];
      if (!spec || value === undefined) continue;
      const [column, codec] = spec;
      row[column] =
        value === null
          ? null
          : codec === 'json'
            ? JSON.stringify(value)
            : codec === 'sealed'
              ? this.box.sealJson(value)
              : value;
    }
    return row;
  }

  fromRow<T>(fields: FieldMap, row: Record<string, unknown>): T {
    const rec: Record<string, unknown> = {};
    for (const [field, [column, codec]] of Object.entries(fields)) {
      const value = row[column];
      if (value === null || value === undefined) rec[field] = codec === 'plain' ? null : undefined;
      else if (codec === 'json') rec[field] = JSON.parse(String(value));
      else if (codec === 'sealed') openWhenRead(rec, field, () => this.box.openJson(String(value), undefined));
      else rec[field] = typeof value === 'bigint' ? Number(value) : value;
    }
    return rec as T; // every field of T's map, decoded (the map is declared with T)
  }
}
