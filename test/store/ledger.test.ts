import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SecretKeyMismatchError, type ChildTally, type JobState, type Ledger } from '../../app/store/ledger.js';
import { MIGRATIONS, statementsOf } from '../../app/store/migrations.js';
import { SqliteLedger } from '../../app/store/sqlite-ledger.js';
import { PostgresLedger } from '../../app/store/postgres-ledger.js';
import { SecretBox } from '../../app/util/secret-box.js';
import { TestPostgres } from '../../scripts/stand-ins/postgres-server.js';
import { runPostgres } from '../support/requirements.js';

const box = new SecretBox(randomBytes(32));
const SECRET = 'very-Secret-value-42';

interface Backend {
  name: string;
  open(): Promise<Ledger>;
  raw(sql: string): Promise<unknown[]>;
}

const dir = mkdtempSync(join(tmpdir(), 'ledger-'));
const sqliteFile = join(dir, 'ledger.sqlite');
const backends: Backend[] = [
  {
    name: 'sqlite',
    open: () => SqliteLedger.open(sqliteFile, box),
    raw: async (sql) => {
      const { default: Database } = await import('better-sqlite3');
      // A connection of its own, as another process (or replica) would have.
      const db = new Database(sqliteFile);
      try {
        const statement = db.prepare(sql);
        return statement.reader ? statement.all() : (statement.run(), []);
      } finally {
        db.close();
      }
    },
  },
];

let server: TestPostgres | undefined;
if (runPostgres) {
  server = await new TestPostgres().start();
  t.teardown(() => server!.stop());
  const url = await server.database('ledger_test');
  backends.push({
    name: 'postgres',
    open: () => PostgresLedger.connect(url, box),
    raw: async (sql) => {
      const client = new pg.Client(url);
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    },
  });
} else {
  t.comment('PostgreSQL binaries not found: the PostgreSQL ledger is not tested here (.ci/run installs them)');
}

const now = Date.now();

for (const backend of backends) {
  t.test(`${backend.name} ledger`, async (t) => {
    const ledger = await backend.open();
    t.teardown(() => ledger.close());

    t.test('a conditional write: only on the version read, which only ever grows', async (t) => {
      const base = {
        id: 'cas1',
        instanceId: 'icas',
        kind: 'mailboxes',
        state: 'ready' as const,
        props: { a: 1 },
        secrets: {},
        createdAt: 5,
        updatedAt: 5,
      };
      await ledger.claimResource(base);
      const v1 = await ledger.updateResourceIf('icas', 'cas1', { props: { a: 2 } }, 5);
      t.ok(v1 !== undefined && v1 > 5, `written, version ${v1}`);
      t.equal(
        await ledger.updateResourceIf('icas', 'cas1', { props: { a: 3 } }, 5),
        undefined,
        'a stale version writes nothing',
      );
      t.same((await ledger.getResource('icas', 'cas1'))?.props, { a: 2 });
      // Writes within one millisecond still move the version on.
      const versions: number[] = [];
      for (let i = 0; i < 5; i++) {
        await ledger.updateResource('icas', 'cas1', { props: { a: 10 + i } });
        versions.push((await ledger.getResource('icas', 'cas1'))!.updatedAt);
      }
      t.ok(
        versions.every((v, i) => i === 0 || v > versions[i - 1]),
        `strictly growing: ${versions.join(' < ')}`,
      );
      t.equal(await ledger.updateResourceIf('icas', 'gone', { props: {} }, 1), undefined, 'no such record: nothing');
    });

    t.test('instances: created once, never overwritten, secrets sealed', async (t) => {
      const inst = {
        id: 'i1',
        controllerUri: 'https://c/',
        controllerCert: 'CERT',
        instanceCert: 'ICERT',
        secrets: { masterPassword: SECRET },
        settings: { a: 1 },
        createdAt: now,
        updatedAt: now,
      };
      t.equal(await ledger.createInstance(inst), true);
      t.equal(await ledger.createInstance({ ...inst, controllerCert: 'EVIL' }), false);
      const got = await ledger.getInstance('i1');
      t.equal(got?.controllerCert, 'CERT');
      t.same(got?.secrets, { masterPassword: SECRET });
      await ledger.updateInstance('i1', { settings: { a: 2 }, lastError: 'x' });
      t.same((await ledger.getInstance('i1'))?.settings, { a: 2 });
      await backend.raw(`UPDATE instances SET controller_uri = 'https://elsewhere/' WHERE id = 'i1'`); // another replica's change
      t.equal(
        (await ledger.getInstance('i1', { maxAgeMs: 60_000 }))?.controllerUri,
        'https://c/',
        'a recent read answers within its age',
      );
      t.equal(
        (await ledger.getInstance('i1'))?.controllerUri,
        'https://elsewhere/',
        'without an age, the ledger answers',
      );
      await ledger.updateInstance('i1', { controllerUri: 'https://c/' });
      t.equal(
        (await ledger.getInstance('i1', { maxAgeMs: 60_000 }))?.controllerUri,
        'https://c/',
        "this process's own change is seen at once",
      );
      const raw = JSON.stringify(await backend.raw('SELECT * FROM instances'));
      t.notMatch(raw, SECRET, 'no secret in clear at rest');
    });

    t.test('resources: claim is idempotent, queries filter', async (t) => {
      const base = {
        instanceId: 'i1',
        kind: 'mailboxes',
        state: 'provisioning' as const,
        props: {},
        secrets: { password: SECRET },
        createdAt: now,
        updatedAt: now,
      };
      const first = await ledger.claimResource({ ...base, id: 'r1', parentId: 'c1' });
      const again = await ledger.claimResource({ ...base, id: 'r1', parentId: 'OTHER' });
      t.equal(first.created, true);
      t.equal(again.created, false);
      t.equal(again.record?.parentId, 'c1', 'the first claim wins');
      const read = await ledger.getResource('i1', 'r1');
      t.same(
        { ...first.record, secrets: first.record?.secrets },
        { ...read, secrets: read?.secrets },
        'a new claim answers the record as a read gives it',
      );
      const foreign = await ledger.claimResource({ ...base, instanceId: 'i2', id: 'r1' });
      t.same(foreign, { record: undefined, created: false }, "another instance's id is not handed out");
      t.equal(await ledger.getResource('i2', 'r1'), undefined, 'nor read');
      await ledger.updateResource('i2', 'r1', { state: 'failed' });
      await ledger.deleteResource('i2', 'r1');
      t.equal((await ledger.getResource('i1', 'r1'))?.state, 'provisioning', 'nor changed or deleted');
      t.equal(await ledger.resourceIdTaken('r1'), true);
      t.equal(await ledger.resourceIdTaken('nope'), false);
      await ledger.claimResource({ ...base, id: 'r2', parentId: 'c1', state: 'ready' });
      await ledger.claimResource({ ...base, id: 'r3', parentId: 'c2', kind: 'contexts' });
      await ledger.updateResource('i1', 'r1', { state: 'ready', oxUserId: 7, usage: { diskspace: 5 } });
      const r1 = await ledger.getResource('i1', 'r1');
      t.equal(r1?.oxUserId, 7);
      const opened = box.opened;
      await ledger.listResources({ instanceId: 'i1' });
      t.equal(box.opened, opened, 'records are read without decrypting their secrets');
      t.same(r1?.secrets, { password: SECRET }, 'and decrypted when read');
      t.equal(box.opened, opened + 1, 'once');
      t.same(r1?.usage, { diskspace: 5 });
      t.same(r1?.secrets, { password: SECRET });
      t.equal(await ledger.countResources({ instanceId: 'i1', parentId: 'c1', states: ['ready'] }), 2);
      t.same(
        (await ledger.getResources('i1', ['r2', 'nope', 'r1'])).map((r) => r.id).sort(),
        ['r1', 'r2'],
        'several at once; an unknown id is left out',
      );
      t.same(await ledger.getResources('i2', ['r1', 'r2']), [], "another instance's are not read");
      t.same(await ledger.getResources('i1', []), []);
      await ledger.updateResource('i1', 'r2', { props: { mobilityEnabled: true, note: 'mobilityEnabled' } });
      await ledger.updateResource('i1', 'r1', { props: { mobilityEnabled: false } });
      t.equal(
        await ledger.countResources({ instanceId: 'i1', parentId: 'c1', propertyTrue: 'mobilityEnabled' }),
        1,
        'counted by a property that is true',
      );
      t.equal(
        await ledger.countResources({ instanceId: 'i1', parentId: 'c1', propertyTrue: 'note' }),
        0,
        'a string is not true',
      );
      t.same(
        (await ledger.listResources({ instanceId: 'i1', kind: 'contexts' })).map((r) => r.id),
        ['r3'],
      );
      await ledger.updateResource('i1', 'r3', { oxContextId: 4711 });
      t.same(
        (await ledger.listResources({ instanceId: undefined, oxContextId: 4711 })).map((r) => r.id),
        ['r3'],
        'who holds an OX context, across instances',
      );
      t.same(await ledger.listResources({ instanceId: undefined, oxContextId: 4712 }), []);
      await ledger.updateResource('i1', 'r2', { state: 'pending-deletion' });
      t.same(
        (await ledger.listResources({ instanceId: undefined, states: ['pending-deletion'] })).map((r) => r.id),
        ['r2'],
        'what waits for its deletion',
      );
      await ledger.updateResource('i1', 'r2', { state: 'ready' });
      await ledger.deleteResource('i1', 'r3');
      t.equal(await ledger.getResource('i1', 'r3'), undefined);
    });

    t.test("tallies: a parent's counts per state and with mobility follow every write", async (t) => {
      const parents = ['tc1', 'tc2'];
      const states = ['provisioning', 'ready', 'disabled', 'pending-deletion'] as const;
      // What counting the records gives: the tally must say the same after each step.
      const check = async (step: string) => {
        for (const instanceId of ['ti1', 'ti2']) {
          for (const parentId of parents) {
            const want: Record<string, [number, number]> = {};
            for (const state of states) {
              const q = { instanceId, kind: 'mailboxes', parentId, states: [state] };
              const n = await ledger.countResources(q);
              if (n) want[state] = [n, await ledger.countResources({ ...q, propertyTrue: 'mobilityEnabled' })];
            }
            const got = Object.fromEntries(
              (await ledger.tallyChildren(instanceId, parentId, 'mailboxes')).map((x) => [
                x.state,
                [x.count, x.mobility],
              ]),
            );
            if (JSON.stringify(got, Object.keys(got).sort()) !== JSON.stringify(want, Object.keys(want).sort())) {
              t.fail(`${step}: ${instanceId}/${parentId}`, { got, want });
              return false;
            }
          }
        }
        return true;
      };
      let seed = 7;
      const rnd = (n: number) => {
        // xorshift32: repeatable, and every operation comes up
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return (seed >>> 0) % n;
      };
      const base = { kind: 'mailboxes', props: {}, secrets: {}, createdAt: now, updatedAt: now };
      const live = new Map<string, string>(); // id → instance
      let ok = true;
      for (let i = 0; i < 300 && ok; i++) {
        const ids = [...live.keys()];
        const id = ids[rnd(Math.max(ids.length, 1))];
        const op = ids.length ? rnd(6) : 0;
        if (op === 0) {
          const instanceId = rnd(2) ? 'ti1' : 'ti2';
          const rid = `tm${i}`;
          const props = { mobilityEnabled: rnd(2) === 1 };
          await ledger.claimResource({
            ...base,
            id: rid,
            instanceId,
            parentId: parents[rnd(2)],
            state: states[rnd(4)],
            props,
          });
          live.set(rid, instanceId);
        } else if (op === 1) await ledger.updateResource(live.get(id)!, id, { state: states[rnd(4)] });
        else if (op === 2)
          await ledger.updateResource(live.get(id)!, id, { props: { mobilityEnabled: rnd(2) === 1, other: i } });
        else if (op === 3)
          await ledger.updateResource(live.get(id)!, id, { parentId: parents[rnd(2)], state: states[rnd(4)] });
        else if (op === 4) await ledger.updateResource(live.get(id)!, id, { oxUserId: i, usage: { diskspace: i } });
        else {
          await ledger.deleteResource(live.get(id)!, id);
          live.delete(id);
        }
        ok = await check(`step ${i} (operation ${op})`);
      }
      t.ok(ok, 'the tallies agree with counting after 300 random claims, moves, mobility changes and deletions');
      t.same(await ledger.tallyChildren('ti2', 'tc1', 'contexts'), [], 'another kind has none');

      // Two writers moving records between the same two states in opposite directions, at once.
      const many = Array.from({ length: 40 }, (_, i) => `tx${i}`);
      for (const [i, id] of many.entries())
        await ledger.claimResource({
          ...base,
          id,
          instanceId: 'ti1',
          parentId: 'tc3',
          state: i % 2 ? 'ready' : 'disabled',
        });
      await Promise.all(many.map((id, i) => ledger.updateResource('ti1', id, { state: i % 2 ? 'disabled' : 'ready' })));
      const moved = Object.fromEntries(
        (await ledger.tallyChildren('ti1', 'tc3', 'mailboxes')).map((x) => [x.state, x.count]),
      );
      t.same(moved, { ready: 20, disabled: 20 }, 'opposite moves at once: each counted, none lost');
      await ledger.deleteInstance('ti1');
      await ledger.deleteInstance('ti2');
      t.same(
        await backend.raw(`SELECT * FROM resource_tallies WHERE instance_id IN ('ti1', 'ti2')`),
        [],
        "an instance's deletion leaves no tally behind",
      );
    });

    t.test("a record with its children's tallies in one read: as the two reads give them", async (t) => {
      const at = { instanceId: 'wt1', secrets: {}, createdAt: now, updatedAt: now, props: {} };
      await ledger.claimResource({ ...at, id: 'wt-ctx', kind: 'contexts', state: 'ready', props: { n: 1 } });
      await ledger.claimResource({ ...at, id: 'wt-lone', kind: 'contexts', state: 'ready' });
      const children: Array<[string, string, 'ready' | 'disabled' | 'provisioning', boolean]> = [
        ['wt-m1', 'mailboxes', 'ready', true],
        ['wt-m2', 'mailboxes', 'ready', false],
        ['wt-m3', 'mailboxes', 'disabled', true],
        ['wt-g1', 'groups', 'provisioning', false],
      ];
      for (const [id, kind, state, mobilityEnabled] of children)
        await ledger.claimResource({ ...at, id, kind, state, parentId: 'wt-ctx', props: { mobilityEnabled } });
      const order = (x: ChildTally[]) =>
        [...x].sort((a, b) => `${a.kind}${a.state}`.localeCompare(`${b.kind}${b.state}`));
      const both = await ledger.getResourceWithTallies('wt1', 'wt-ctx');
      t.same(both.record, await ledger.getResource('wt1', 'wt-ctx'), 'the record as getResource reads it');
      t.same(order(both.tallies), order(await ledger.tallyChildren('wt1', 'wt-ctx')), 'the tallies as tallyChildren');
      t.same(
        order(both.tallies).map((x) => [x.kind, x.state, x.count, x.mobility]),
        [
          ['groups', 'provisioning', 1, 0],
          ['mailboxes', 'disabled', 1, 1],
          ['mailboxes', 'ready', 2, 1],
        ],
      );
      t.same(await ledger.getResourceWithTallies('wt1', 'wt-lone'), {
        record: await ledger.getResource('wt1', 'wt-lone'),
        tallies: [],
      });
      t.same(await ledger.getResourceWithTallies('wt1', 'nothing'), { record: undefined, tallies: [] });
      t.same(await ledger.getResourceWithTallies('another', 'wt-ctx'), { record: undefined, tallies: [] });
    });

    t.test('a true property taken once: one of many callers at once, the rest of the props kept', async (t) => {
      const rec = {
        id: 'reveal-1',
        instanceId: 'i1',
        kind: 'mailboxes',
        state: 'ready' as const,
        props: { passwordGenerated: true, email: 'a@b.example', n: 2 },
        secrets: {},
        createdAt: now,
        updatedAt: now,
      };
      await ledger.claimResource(rec);
      const takes = await Promise.all(
        Array.from({ length: 8 }, () => ledger.takeTrueProperty('i1', 'reveal-1', 'passwordGenerated')),
      );
      t.same(takes.filter(Boolean).length, 1, 'exactly one caller took it');
      t.same((await ledger.getResource('i1', 'reveal-1'))?.props, {
        passwordGenerated: false,
        email: 'a@b.example',
        n: 2,
      });
      t.equal(await ledger.takeTrueProperty('i1', 'reveal-1', 'passwordGenerated'), false, 'not again');
      t.equal(
        await ledger.takeTrueProperty('i1', 'reveal-1', 'email'),
        false,
        'a property that is not true is not taken',
      );
      t.equal(await ledger.takeTrueProperty('i1', 'reveal-1', 'absent'), false);
      t.equal(
        await ledger.takeTrueProperty('i2', 'reveal-1', 'passwordGenerated'),
        false,
        "another instance's call changes nothing",
      );
      t.equal(await ledger.takeTrueProperty('i1', 'missing', 'passwordGenerated'), false);
      await t.rejects(ledger.takeTrueProperty('i1', 'reveal-1', "x') OR 1=1 --"), /not a property name/);
      await ledger.deleteResource('i1', 'reveal-1');
    });

    t.test('sequences: unique under concurrency, never below the start', async (t) => {
      const ids = await Promise.all(Array.from({ length: 40 }, () => ledger.nextSequence('i1', 'context', 1000)));
      t.equal(new Set(ids).size, 40);
      t.equal(Math.min(...ids), 1000);
      t.equal(await ledger.nextSequence('i1', 'context', 5000), 5000, 'a raised start moves the sequence up');
      t.equal(await ledger.nextSequence('i1', 'context', 1000), 5001);
    });

    t.test('jobs: leases, takeover after expiry, pruning', async (t) => {
      const job = {
        key: 'k1',
        instanceId: 'i1',
        resourceId: 'r1',
        state: 'waiting' as const,
        attempts: 1,
        nextRetryAt: now - 1,
        leaseUntil: 0,
        deadline: now + 60_000,
        input: { password: SECRET },
        createdAt: now,
        updatedAt: now,
      };
      await ledger.saveJob(job);
      const [a, b] = await Promise.all([
        ledger.claimDueJobs(now, 'A', 1000, 10),
        ledger.claimDueJobs(now, 'B', 1000, 10),
      ]);
      t.equal(a.length + b.length, 1, 'one replica leases a due job');
      t.same((a[0] ?? b[0]).input, { password: SECRET });
      t.same(await ledger.claimDueJobs(now + 500, 'C', 1000, 10), [], 'not while the lease runs');
      const taken = await ledger.claimDueJobs(now + 1500, 'C', 1000, 10);
      t.equal(taken[0]?.leaseOwner, 'C', 'taken over after the lease ran out');
      await ledger.updateJob('k1', { state: 'done', result: { status: 200, body: { ok: true } } });
      t.same((await ledger.getJob('k1'))?.result, { status: 200, body: { ok: true } });
      t.equal((await ledger.listJobs({ resourceId: 'r1' })).length, 1);
      t.notMatch(JSON.stringify(await backend.raw('SELECT * FROM jobs')), SECRET, 'job inputs sealed');
      t.equal(await ledger.pruneJobs(Date.now() + 1), 1);
    });

    t.test('jobs: claims narrowed to instances, lease renewal by its owner only', async (t) => {
      const due = (key: string, instanceId: string) => ({
        key,
        instanceId,
        resourceId: null,
        state: 'waiting' as const,
        attempts: 0,
        nextRetryAt: now - 1,
        leaseUntil: 0,
        deadline: now + 60_000,
        input: {},
        createdAt: now,
        updatedAt: now,
      });
      for (const [key, instanceId] of [
        ['s1', 'iA'],
        ['s2', 'iB'],
        ['s3', 'iC'],
      ])
        await ledger.saveJob(due(key, instanceId));
      t.same(
        (await ledger.claimDueJobs(now, 'A', 1000, 10, { instanceIds: [] })).map((j) => j.key),
        [],
        'an empty lane claims nothing',
      );
      t.same(
        (await ledger.claimDueJobs(now, 'A', 1000, 10, { instanceIds: ['iA'] })).map((j) => j.key),
        ['s1'],
      );
      t.same(
        (await ledger.claimDueJobs(now, 'A', 1000, 10, { instanceIds: ['iA', 'iB'], exclude: true })).map((j) => j.key),
        ['s3'],
      );
      t.same(
        (await ledger.claimDueJobs(now, 'A', 1000, 10, { instanceIds: [], exclude: true })).map((j) => j.key),
        ['s2'],
      );
      t.equal(await ledger.renewLease('s1', 'B', now + 5000), false, 'only the owner renews');
      t.equal(await ledger.renewLease('s1', 'A', now + 5000), true);
      t.same(
        await ledger.claimDueJobs(now + 2000, 'B', 1000, 10, { instanceIds: ['iA'] }),
        [],
        'a renewed lease is not taken over',
      );
      await ledger.updateJob('s2', { state: 'done', leaseOwner: null });
      t.equal(await ledger.renewLease('s2', 'A', now + 5000), false, 'a finished job has no lease');
      for (const key of ['s1', 's2', 's3']) await ledger.deleteJob(key);
    });

    t.test('locks and SSO tokens', async (t) => {
      t.equal(await ledger.tryLock('L', 'A', 10_000), true);
      t.equal(await ledger.tryLock('L', 'A', 10_000), false, 'not twice, even by its owner');
      t.equal(await ledger.renewLock('L', 'B', 60_000), false, 'only the owner renews');
      t.equal(await ledger.renewLock('L', 'A', 60_000), true);
      t.equal(await ledger.tryLock('L', 'B', 10_000), false);
      await ledger.unlock('L', 'B');
      t.equal(await ledger.tryLock('L', 'B', 10_000), false, 'only the owner unlocks');
      await ledger.unlock('L', 'A');
      t.equal(await ledger.tryLock('L', 'B', -1), true);
      t.equal(await ledger.tryLock('L', 'C', 10_000), true, 'an expired lock is taken over');

      await ledger.saveSsoToken({ hash: 'h1', instanceId: 'i1', resourceId: 'r1', expiresAt: Date.now() + 60_000 });
      t.equal((await ledger.takeSsoToken('h1', Date.now()))?.resourceId, 'r1');
      t.equal(await ledger.takeSsoToken('h1', Date.now()), undefined, 'single use');
      await ledger.saveSsoToken({ hash: 'h2', instanceId: 'i1', resourceId: 'r1', expiresAt: Date.now() - 1 });
      t.equal(await ledger.takeSsoToken('h2', Date.now()), undefined, 'expired');
    });

    t.test("a request's job and its lock in one call: the lock only where no unfinished job is", async (t) => {
      const job = (key: string, state: JobState) => ({
        key,
        instanceId: 'i1',
        resourceId: null,
        state,
        attempts: 0,
        nextRetryAt: now,
        leaseUntil: 0,
        deadline: now + 60_000,
        input: {},
        createdAt: now,
        updatedAt: now,
      });
      t.same(await ledger.getJobAndLock('R1', 'A', 10_000), { job: undefined, locked: true }, 'no job: the lock');
      t.same(
        await ledger.getJobAndLock('R1', 'B', 10_000),
        { job: undefined, locked: false },
        'not while another holds it',
      );
      t.same(
        await ledger.getJobAndLock('R1', 'A', 10_000),
        { job: undefined, locked: false },
        'nor twice by its owner',
      );
      for (const state of ['running', 'waiting'] as const) {
        await ledger.saveJob(job(`R-${state}`, state));
        const got = await ledger.getJobAndLock(`R-${state}`, 'A', 10_000);
        t.equal(got.job?.state, state, `a ${state} job is read`);
        t.equal(got.locked, false, 'and its request is not locked');
        t.equal(await ledger.tryLock(`R-${state}`, 'B', 10_000), true, 'no lock was left behind');
      }
      await ledger.saveJob(job('R-done', 'done'));
      const done = await ledger.getJobAndLock('R-done', 'A', 10_000);
      t.match(
        done,
        { job: { key: 'R-done', state: 'done', input: {} }, locked: true },
        'a finished job is read, and the lock taken',
      );
      t.equal(await ledger.getJobAndLock('R-expired', 'A', -1).then((r) => r.locked), true);
      t.equal(
        await ledger.getJobAndLock('R-expired', 'B', 10_000).then((r) => r.locked),
        true,
        'an expired lock is taken over',
      );
      for (const key of ['R-running', 'R-waiting', 'R-done']) await ledger.deleteJob(key);
    });

    t.test('OAuth: an instance keeps its consumer key; each nonce is taken once until it expires', async (t) => {
      const inst = {
        id: 'i-oauth',
        controllerUri: 'https://c/',
        controllerCert: '',
        instanceCert: '',
        oauthKey: 'hub-key',
        secrets: {},
        settings: {},
        createdAt: now,
        updatedAt: now,
      };
      t.equal(await ledger.createInstance(inst), true);
      t.equal((await ledger.getInstance('i-oauth'))?.oauthKey, 'hub-key');
      t.equal((await ledger.getInstance('i1'))?.oauthKey ?? null, null, 'a certificate instance has none');
      const [a, b] = await Promise.all([
        ledger.useNonce('n1', Date.now() + 60_000),
        ledger.useNonce('n1', Date.now() + 60_000),
      ]);
      t.same([a, b].sort(), [false, true], 'two replicas at once: one wins');
      t.equal(await ledger.useNonce('n1', Date.now() + 60_000), false, 'a replay later');
      await ledger.useNonce('n-old', Date.now() - 1);
      t.equal(await ledger.pruneNonces(Date.now()), 1, 'only the expired one is pruned');
      t.equal(await ledger.useNonce('n1', Date.now() + 60_000), false, 'the live one stays');
      await ledger.deleteInstance('i-oauth');
    });

    t.test('reopening keeps everything and migrates nothing twice', async (t) => {
      const reopened = await backend.open();
      t.teardown(() => reopened.close());
      t.equal((await reopened.getInstance('i1'))?.controllerCert, 'CERT');
      const versions = (await backend.raw('SELECT version FROM schema_migrations ORDER BY version')).map((r) =>
        Number((r as { version: unknown }).version),
      );
      t.same(
        versions,
        MIGRATIONS.map((m) => m.version),
        'each migration once',
      );
    });
  });
}

t.test('the tallies of a ledger from before them are counted from its records once, when it migrates', async (t) => {
  // A ledger at version 7 (as the release before wrote it), with mailboxes in two contexts.
  const rows = [
    ['m1', 'c1', 'ready', true],
    ['m2', 'c1', 'ready', false],
    ['m3', 'c1', 'failed', true],
    ['m4', 'c2', 'disabled', true],
    ['x1', null, 'ready', false],
  ] as const;
  const insert = rows.map(
    ([
      id,
      parent,
      state,
      mobility,
    ]) => `INSERT INTO resources (id, instance_id, kind, parent_id, state, props, created_at, updated_at)
    VALUES ('${id}', 'i7', '${parent ? 'mailboxes' : 'contexts'}', ${parent ? `'${parent}'` : 'NULL'}, '${state}', '${JSON.stringify({ mobilityEnabled: mobility })}', 1, 1)`,
  );
  const want = {
    c1: [
      { kind: 'mailboxes', state: 'failed', count: 1, mobility: 1 },
      { kind: 'mailboxes', state: 'ready', count: 2, mobility: 1 },
    ],
    c2: [{ kind: 'mailboxes', state: 'disabled', count: 1, mobility: 1 }],
  };
  const older = MIGRATIONS.filter((m) => m.version <= 7);
  const tallies = async (ledger: Ledger) => ({
    c1: (await ledger.tallyChildren('i7', 'c1', 'mailboxes')).sort((a, b) => a.state.localeCompare(b.state)),
    c2: await ledger.tallyChildren('i7', 'c2', 'mailboxes'),
  });
  // Without a kind: every kind of the parent at once (a usage poll's one statement).
  t.test('every kind at once', async (t) => {
    const ledger = await SqliteLedger.open(':memory:', box);
    t.teardown(() => ledger.close());
    const rec = (id: string, kind: string) => ({
      id,
      instanceId: 'i8',
      kind,
      state: 'ready' as const,
      parentId: 'c8',
      props: {},
      secrets: {},
      createdAt: 1,
      updatedAt: 1,
    });
    for (const [id, kind] of [
      ['m1', 'mailboxes'],
      ['g1', 'groups'],
      ['g2', 'groups'],
    ])
      await ledger.claimResource(rec(id, kind));
    const all = (await ledger.tallyChildren('i8', 'c8')).map((x) => [x.kind, x.count]).sort();
    t.same(all, [
      ['groups', 2],
      ['mailboxes', 1],
    ]);
  });

  const file = join(mkdtempSync(join(tmpdir(), 'v7-')), 'ledger.sqlite');
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file);
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
  for (const m of older)
    for (const sql of [...statementsOf(m.sql), `INSERT INTO schema_migrations VALUES (${m.version}, 1)`]) db.exec(sql);
  for (const sql of insert) db.exec(sql);
  db.close();
  const sqlite = await SqliteLedger.open(file, box);
  t.same(await tallies(sqlite), want, 'SQLite');
  await sqlite.close();

  if (!server) return;
  const url = await server.database('ledger_v7');
  const client = new pg.Client(url);
  await client.connect();
  await client.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
  for (const m of older)
    for (const sql of [...statementsOf(m.postgres ?? m.sql), `INSERT INTO schema_migrations VALUES (${m.version}, 1)`])
      await client.query(sql);
  for (const sql of insert) await client.query(sql);
  await client.end();
  const postgres = await PostgresLedger.connect(url, box);
  t.same(await tallies(postgres), want, 'PostgreSQL');
  await postgres.close();
});

t.test('a ledger opened with another secret key refuses to start, also one older than the key check', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'keycheck-')), 'ledger.sqlite');
  const boxA = new SecretBox(Buffer.alloc(32, 1));
  const boxB = new SecretBox(Buffer.alloc(32, 2));
  const first = await SqliteLedger.open(file, boxA);
  await first.createInstance({
    id: 'i1',
    controllerUri: 'https://c',
    controllerCert: 'c',
    instanceCert: 'i',
    secrets: { masterPassword: 'pw' },
    settings: {},
    lastError: null,
    createdAt: 1,
    updatedAt: 1,
  } as never);
  // A ledger from before the key check: only the instance's sealed secrets can tell.
  (first as unknown as { db: { exec(sql: string): void } }).db.exec('DELETE FROM ledger_meta');
  await first.close();
  await t.rejects(SqliteLedger.open(file, boxB), SecretKeyMismatchError, 'another key is refused');
  const again = await SqliteLedger.open(file, boxA);
  t.equal((await again.getInstance('i1'))?.secrets.masterPassword, 'pw', 'the right key opens it');
  await again.close();
  await t.rejects(SqliteLedger.open(file, boxB), SecretKeyMismatchError, 'the key check is stored now');
});
