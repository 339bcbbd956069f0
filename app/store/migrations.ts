// Versioned schema migrations. Applied in order, each once, inside a transaction. Never edit a
// released migration: add a new one.

export interface Migration {
  version: number;
  /** Statements separated by `;`, or a list of statements where a body holds `;` itself (a trigger). */
  sql: string | string[];
  /** PostgreSQL's SQL where it differs (an expression over jsonb where SQLite uses json_extract). */
  postgres?: string | string[];
}

/** The migration's statements, one by one. */
export function statementsOf(sql: string | string[]): string[] {
  return (typeof sql === 'string' ? sql.split(';') : sql).map((s) => s.trim()).filter(Boolean);
}

// SQL that is 1 when a row's props hold mobilityEnabled: true, else 0 (`row` is NEW or OLD).
const sqliteMobile = (row: string) => `coalesce(json_extract(${row}.props, '$.mobilityEnabled') = 1, 0)`;
const TALLY_KEY = 'parent_id, kind, state, instance_id';

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
  {
    // A usage poll reads its context's mailbox counts from resource_tallies: per parent, kind and
    // state, how many records and how many of them with mobility. Triggers keep it on every write,
    // so that a poll costs the same at 20 mailboxes and at 20,000 (counting the index did not).
    // In SQLite the tallies live in their key's B-tree (WITHOUT ROWID): one page per write, not two.
    // resources_parent_counts goes with the counting: a partial index on parent_id serves lookups.
    version: 8,
    sql: [
      `CREATE TABLE resource_tallies (
        parent_id TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL, instance_id TEXT NOT NULL,
        n BIGINT NOT NULL, mobility BIGINT NOT NULL,
        PRIMARY KEY (${TALLY_KEY})) WITHOUT ROWID`,
      `INSERT INTO resource_tallies (${TALLY_KEY}, n, mobility)
        SELECT ${TALLY_KEY}, COUNT(*), SUM(${sqliteMobile('resources')}) FROM resources WHERE parent_id IS NOT NULL GROUP BY ${TALLY_KEY}`,
      `CREATE TRIGGER resources_tally_insert AFTER INSERT ON resources WHEN NEW.parent_id IS NOT NULL BEGIN
        INSERT INTO resource_tallies (${TALLY_KEY}, n, mobility) VALUES (NEW.parent_id, NEW.kind, NEW.state, NEW.instance_id, 1, ${sqliteMobile('NEW')})
        ON CONFLICT (${TALLY_KEY}) DO UPDATE SET n = n + 1, mobility = mobility + excluded.mobility;
      END`,
      `CREATE TRIGGER resources_tally_delete AFTER DELETE ON resources WHEN OLD.parent_id IS NOT NULL BEGIN
        UPDATE resource_tallies SET n = n - 1, mobility = mobility - ${sqliteMobile('OLD')}
        WHERE parent_id = OLD.parent_id AND kind = OLD.kind AND state = OLD.state AND instance_id = OLD.instance_id;
      END`,
      `CREATE TRIGGER resources_tally_update AFTER UPDATE OF parent_id, kind, state, instance_id, props ON resources
      WHEN OLD.parent_id IS NOT NEW.parent_id OR OLD.kind <> NEW.kind OR OLD.state <> NEW.state OR OLD.instance_id <> NEW.instance_id
        OR ${sqliteMobile('OLD')} <> ${sqliteMobile('NEW')} BEGIN
        UPDATE resource_tallies SET n = n - 1, mobility = mobility - ${sqliteMobile('OLD')}
        WHERE parent_id = OLD.parent_id AND kind = OLD.kind AND state = OLD.state AND instance_id = OLD.instance_id;
        INSERT INTO resource_tallies (${TALLY_KEY}, n, mobility) SELECT NEW.parent_id, NEW.kind, NEW.state, NEW.instance_id, 1, ${sqliteMobile('NEW')}
        WHERE NEW.parent_id IS NOT NULL
        ON CONFLICT (${TALLY_KEY}) DO UPDATE SET n = n + 1, mobility = mobility + excluded.mobility;
      END`,
      'DROP INDEX resources_parent_counts',
      'CREATE INDEX resources_parent ON resources (parent_id) WHERE parent_id IS NOT NULL',
    ],
    postgres: [
      `CREATE TABLE resource_tallies (
        parent_id TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL, instance_id TEXT NOT NULL,
        n BIGINT NOT NULL, mobility BIGINT NOT NULL,
        PRIMARY KEY (${TALLY_KEY}))`,
      `INSERT INTO resource_tallies (${TALLY_KEY}, n, mobility)
        SELECT ${TALLY_KEY}, COUNT(*), SUM(CASE WHEN (props::jsonb ->> 'mobilityEnabled') = 'true' THEN 1 ELSE 0 END)
        FROM resources WHERE parent_id IS NOT NULL GROUP BY ${TALLY_KEY}`,
      // A record that moves between two tallies changes both in one statement, in key order: two
      // writers moving records in opposite directions then lock them in the same order (no deadlock).
      `CREATE FUNCTION resources_tally() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        was_mobile BIGINT := 0;
        is_mobile BIGINT := 0;
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          was_mobile := CASE WHEN (OLD.props::jsonb ->> 'mobilityEnabled') = 'true' THEN 1 ELSE 0 END;
        END IF;
        IF TG_OP <> 'DELETE' THEN
          is_mobile := CASE WHEN (NEW.props::jsonb ->> 'mobilityEnabled') = 'true' THEN 1 ELSE 0 END;
        END IF;
        IF TG_OP = 'INSERT' THEN
          IF NEW.parent_id IS NOT NULL THEN
            INSERT INTO resource_tallies AS t (${TALLY_KEY}, n, mobility) VALUES (NEW.parent_id, NEW.kind, NEW.state, NEW.instance_id, 1, is_mobile)
            ON CONFLICT (${TALLY_KEY}) DO UPDATE SET n = t.n + 1, mobility = t.mobility + excluded.mobility;
          END IF;
        ELSIF TG_OP = 'DELETE' THEN
          UPDATE resource_tallies SET n = n - 1, mobility = mobility - was_mobile
          WHERE parent_id = OLD.parent_id AND kind = OLD.kind AND state = OLD.state AND instance_id = OLD.instance_id;
        ELSIF OLD.parent_id IS NOT DISTINCT FROM NEW.parent_id AND OLD.kind = NEW.kind AND OLD.state = NEW.state AND OLD.instance_id = NEW.instance_id THEN
          IF was_mobile <> is_mobile THEN
            UPDATE resource_tallies SET mobility = mobility + is_mobile - was_mobile
            WHERE parent_id = OLD.parent_id AND kind = OLD.kind AND state = OLD.state AND instance_id = OLD.instance_id;
          END IF;
        ELSE
          INSERT INTO resource_tallies AS t (${TALLY_KEY}, n, mobility)
          SELECT c.parent_id, c.kind, c.state, c.instance_id, c.n, c.mobility FROM (
            SELECT OLD.parent_id, OLD.kind, OLD.state, OLD.instance_id, -1::BIGINT, -was_mobile WHERE OLD.parent_id IS NOT NULL
            UNION ALL
            SELECT NEW.parent_id, NEW.kind, NEW.state, NEW.instance_id, 1::BIGINT, is_mobile WHERE NEW.parent_id IS NOT NULL
          ) AS c (parent_id, kind, state, instance_id, n, mobility)
          ORDER BY c.parent_id, c.kind, c.state, c.instance_id
          ON CONFLICT (${TALLY_KEY}) DO UPDATE SET n = t.n + excluded.n, mobility = t.mobility + excluded.mobility;
        END IF;
        RETURN NULL;
      END
      $$`,
      `CREATE TRIGGER resources_tally AFTER INSERT OR DELETE OR UPDATE OF parent_id, kind, state, instance_id, props ON resources
        FOR EACH ROW EXECUTE FUNCTION resources_tally()`,
      'DROP INDEX resources_parent_counts',
      'CREATE INDEX resources_parent ON resources (parent_id) WHERE parent_id IS NOT NULL',
    ],
  },
  {
    // Passwords a migration brought along (ox-aps import-plan --passwords), sealed, until the
    // takeover of each user's mailbox takes its own.
    version: 9,
    sql: `CREATE TABLE imported_passwords (
        instance_id TEXT NOT NULL, ox_context_id BIGINT NOT NULL, login TEXT NOT NULL,
        secret TEXT NOT NULL, created_at BIGINT NOT NULL,
        PRIMARY KEY (instance_id, ox_context_id, login))`,
  },
  {
    // Mail autoconfig asks which context serves a domain and which mailbox has an address.
    version: 10,
    sql: `CREATE INDEX resources_domain ON resources (json_extract(props, '$.domain'));
      CREATE INDEX resources_email ON resources (json_extract(props, '$.email'))`,
    postgres: `CREATE INDEX resources_domain ON resources (((props::jsonb ->> 'domain')));
      CREATE INDEX resources_email ON resources (((props::jsonb ->> 'email')))`,
  },
  {
    // A job names the request it serves; it keeps the final answers of the requests of its lane
    // before it (sealed), for their polls.
    version: 11,
    sql: `ALTER TABLE jobs ADD COLUMN request TEXT;
      ALTER TABLE jobs ADD COLUMN earlier TEXT`,
  },
];
