// The embedded ledger's group commit: writes of one turn of the event loop share one commit, each
// caller learns its own outcome after that commit, and nothing runs out of order or inside
// somebody else's transaction.
import t from 'tap';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { GroupCommit } from '../../app/store/group-commit.js';
import { SqliteLedger } from '../../app/store/sqlite-ledger.js';
import { SecretBox } from '../../app/util/secret-box.js';

const dir = mkdtempSync(join(tmpdir(), 'group-commit-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function openDb(name: string) {
  const file = join(dir, name);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0'); // the WAL's size is what the test reads
  db.exec('CREATE TABLE items (id TEXT PRIMARY KEY, label TEXT NOT NULL UNIQUE, body TEXT NOT NULL)');
  db.exec('CREATE INDEX items_body ON items (body)');
  const walBytes = () => statSync(`${file}-wal`).size;
  return { db, walBytes, commit: new GroupCommit(db) };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

t.test('writes of one turn: in order, each with its own count, one commit', async (t) => {
  const { db, commit } = openDb('order.sqlite');
  const insert = db.prepare('INSERT INTO items (id, label, body) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING');
  const update = db.prepare('UPDATE items SET body = ? WHERE id = ?');
  const results = await Promise.all([
    commit.add(insert, ['a', 'A', 'first']),
    commit.add(insert, ['a', 'A2', 'again']), // the same id: nothing inserted
    commit.add(update, ['second', 'a']),
    commit.add(update, ['never', 'missing']),
  ]);
  t.same(results, [1, 0, 1, 0], 'each caller gets its own changed-row count');
  t.same(
    db.prepare('SELECT id, label, body FROM items').all(),
    [{ id: 'a', label: 'A', body: 'second' }],
    'applied in arrival order',
  );
});

t.test(
  'a read in the same turn does not see a write nobody has been told about; after it settles, everyone does',
  async (t) => {
    const { db, commit } = openDb('visibility.sqlite');
    const written = commit.add(db.prepare('INSERT INTO items (id, label, body) VALUES (?, ?, ?)'), ['v', 'V', 'x']);
    t.equal(db.prepare('SELECT count(*) FROM items').pluck().get(), 0, 'not yet committed');
    t.equal(await written, 1);
    const other = new Database(join(dir, 'visibility.sqlite'));
    t.equal(other.prepare('SELECT count(*) FROM items').pluck().get(), 1, 'committed: another connection sees it');
    other.close();
  },
);

t.test('a statement that fails fails alone; the others of its turn are kept', async (t) => {
  const { db, commit } = openDb('failure.sqlite');
  const insert = db.prepare('INSERT INTO items (id, label, body) VALUES (?, ?, ?)');
  const [first, clash, third] = await Promise.allSettled([
    commit.add(insert, ['1', 'same', 'x']),
    commit.add(insert, ['2', 'same', 'y']), // UNIQUE(label)
    commit.add(insert, ['3', 'other', 'z']),
  ]);
  t.same(first, { status: 'fulfilled', value: 1 });
  t.equal(clash.status, 'rejected');
  t.match(clash.status === 'rejected' ? String(clash.reason) : '', /UNIQUE constraint failed: items.label/);
  t.same(third, { status: 'fulfilled', value: 1 });
  t.same(db.prepare('SELECT id FROM items ORDER BY id').all(), [{ id: '1' }, { id: '3' }]);
  t.notOk(db.inTransaction, 'no transaction left open');
});

t.test('inside a transaction that is not theirs, pending writes wait for it to end', async (t) => {
  const { db, commit } = openDb('foreign.sqlite');
  const insert = db.prepare('INSERT INTO items (id, label, body) VALUES (?, ?, ?)');
  db.exec('BEGIN IMMEDIATE');
  db.prepare("INSERT INTO items (id, label, body) VALUES ('mine', 'M', 'x')").run();
  const theirs = commit.add(insert, ['theirs', 'T', 'y']);
  commit.flush(); // e.g. a statement with RETURNING asked for the pending writes
  t.equal(
    db.prepare("SELECT count(*) FROM items WHERE id = 'theirs'").pluck().get(),
    0,
    'not inside the open transaction',
  );
  db.exec('ROLLBACK');
  t.equal(await theirs, 1, 'written after it, in a commit of its own');
  t.same(db.prepare('SELECT id FROM items').all(), [{ id: 'theirs' }], 'the rollback took only what was its own');
});

t.test('the point of it: a turn of 16 inserts writes fewer WAL bytes than 16 turns of one', async (t) => {
  const one = openDb('alone.sqlite');
  const many = openDb('together.sqlite');
  const rows = Array.from({ length: 16 }, (_, i) => [randomUUID(), `label-${i}`, randomBytes(200).toString('hex')]);
  const alone = one.db.prepare('INSERT INTO items (id, label, body) VALUES (?, ?, ?)');
  for (const row of rows) {
    await one.commit.add(alone, row);
    await turn();
  }
  const together = many.db.prepare('INSERT INTO items (id, label, body) VALUES (?, ?, ?)');
  await Promise.all(rows.map((row) => many.commit.add(together, row)));
  t.equal(many.db.prepare('SELECT count(*) FROM items').pluck().get(), 16);
  t.ok(many.walBytes() * 4 < one.walBytes(), `together ${many.walBytes()} bytes, alone ${one.walBytes()} bytes`);
});

t.test('the SQLite ledger: a transaction comes after the writes queued before it', async (t) => {
  const ledger = await SqliteLedger.open(join(dir, 'ledger.sqlite'), new SecretBox(randomBytes(32)));
  t.teardown(() => ledger.close());
  const now = Date.now();
  await ledger.createInstance({
    id: 'i-1',
    controllerUri: 'https://c/',
    controllerCert: 'CERT',
    instanceCert: 'ICERT',
    secrets: {},
    settings: {},
    createdAt: now,
    updatedAt: now,
  });
  const claim = ledger.claimResource({
    id: 'r-1',
    instanceId: 'i-1',
    kind: 'contexts',
    state: 'provisioning',
    props: {},
    secrets: {},
    createdAt: now,
    updatedAt: now,
  });
  const deleted = ledger.deleteInstance('i-1'); // a transaction, started while the claim waits for its commit
  t.same((await claim).created, true);
  await deleted;
  t.equal(
    await ledger.getResource('i-1', 'r-1'),
    undefined,
    'the claim was committed first, then deleted with its instance',
  );
  t.equal(await ledger.getInstance('i-1'), undefined);
});
