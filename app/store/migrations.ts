// Versioned schema migrations. Applied in order, each once, inside a transaction. Never edit a
// released migration: add a new one.

export interface Migration {
  version: number;
  sql: string;
  /** PostgreSQL's SQL where it differs (an expression over jsonb where SQLite uses json_extract). */
  postgres?: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE instances (
        id TEXT PRIMARY KEY,
        controller_uri TEXT NOT NULL,
        controller_cert TEXT NOT NULL,
        instance_cert TEXT NOT NULL,
        secrets TEXT,
        settings TEXT NOT NULL,
        last_error TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE resources (
        id TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        parent_id TEXT,
        profile_id TEXT,
        state TEXT NOT NULL,
        ox_context_id BIGINT,
        ox_user_id BIGINT,
        login TEXT,
        props TEXT NOT NULL,
        secrets TEXT,
        usage TEXT,
        usage_at BIGINT,
        last_error TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX resources_instance_kind ON resources (instance_id, kind);
      CREATE INDEX resources_parent ON resources (parent_id);
      CREATE INDEX resources_profile ON resources (profile_id);
      CREATE TABLE sequences (
        instance_id TEXT NOT NULL,
        name TEXT NOT NULL,
        next_value BIGINT NOT NULL,
        PRIMARY KEY (instance_id, name)
      );
      CREATE TABLE jobs (
        key TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL,
        resource_id TEXT,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_retry_at BIGINT NOT NULL,
        lease_until BIGINT NOT NULL,
        lease_owner TEXT,
        deadline BIGINT NOT NULL,
        input TEXT NOT NULL,
        result TEXT,
        error TEXT,
        info TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX jobs_due ON jobs (state, next_retry_at);
      CREATE TABLE sso_tokens (
        hash TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL,
        resource_id TEXT NOT NULL,
        expires_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 2,
    sql: `
      CREATE TABLE locks (
        key TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 3,
    sql: `
      CREATE TABLE ledger_meta (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    sql: `
      ALTER TABLE sso_tokens ADD COLUMN issued_to TEXT
    `,
  },
  {
    version: 5,
    sql: `
      ALTER TABLE instances ADD COLUMN oauth_key TEXT;
      CREATE TABLE oauth_nonces (
        id TEXT PRIMARY KEY,
        expires_at BIGINT NOT NULL
      )
    `,
  },
  {
    // A usage poll counts a context's mailboxes, and those with mobility, from this index alone.
    version: 6,
    sql: `
      CREATE INDEX resources_parent_counts ON resources (parent_id, kind, state, instance_id, json_extract(props, '$.mobilityEnabled'))
    `,
    postgres: `
      CREATE INDEX resources_parent_counts ON resources (parent_id, kind, state, instance_id, ((props::jsonb ->> 'mobilityEnabled')))
    `,
  },
  {
    // The minute's look for deletions that are due, and a takeover's look for who holds a context:
    // both partial, so that the writes of every other record (most are ready mailboxes, without an
    // OX context id of their own) do not touch them. resources_parent goes: resources_parent_counts
    // begins with parent_id and serves its lookups, one index less to write per insert.
    version: 7,
    sql: `
      CREATE INDEX resources_pending ON resources (state) WHERE state = 'pending-deletion';
      CREATE INDEX resources_ox_context ON resources (ox_context_id) WHERE ox_context_id IS NOT NULL;
      DROP INDEX resources_parent
    `,
  },
];
