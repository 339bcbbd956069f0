// Concurrent writers of one record: each applies its change to the record as it is when it
// writes (modifyRecord), so that neither change is lost, on both ledgers; and ten members linked
// to one group at the same moment all stay, in the ledger and in OX.
import t, { type Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { SqliteLedger } from '../../../app/store/sqlite-ledger.js';
import { PostgresLedger } from '../../../app/store/postgres-ledger.js';
import { SecretBox } from '../../../app/util/secret-box.js';
import { modifyRecord } from '../../../app/resources/shared/records.js';
import type { Ledger, ResourceRecord } from '../../../app/store/ledger.js';
import { TestPostgres } from '../../../scripts/stand-ins/postgres-server.js';
import { needsPostgres } from '../../support/requirements.js';
import { mailboxBody, startStack, uuid } from '../../helper.js';
import { principals } from '../../../scripts/ox-sim/principals.js';

const box = new SecretBox(randomBytes(32));

async function races(t: Test, ledger: Ledger): Promise<void> {
  const rec: ResourceRecord = {
    id: uuid(),
    instanceId: 'i1',
    kind: 'mailboxes',
    state: 'ready',
    props: { displayName: 'Old', mobilityEnabled: false, passwordGenerated: true },
    secrets: {},
    createdAt: 1,
    updatedAt: 1,
  };
  await ledger.claimResource(rec);
  const read = (await ledger.getResource('i1', rec.id))!;
  // Another request (a profile re-apply, a reveal) writes other fields after this one read.
  const other = (await ledger.getResource('i1', rec.id))!;
  await modifyRecord({ ledger }, other, (now) => ({ props: { ...now.props, mobilityEnabled: true } }));
  await ledger.takeTrueProperty('i1', rec.id, 'passwordGenerated');
  // This one (a configure) writes its own field onto the record it read before them.
  const written = await modifyRecord({ ledger }, read, (now) => ({ props: { ...now.props, displayName: 'New' } }));
  t.same(written.props, { displayName: 'New', mobilityEnabled: true, passwordGenerated: false }, 'every change kept');
  t.same((await ledger.getResource('i1', rec.id))?.props, written.props, 'as the ledger holds it');
  // Twenty writers of the same list at once: none lost.
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      modifyRecord({ ledger }, read, (now) => ({
        props: { ...now.props, seen: [...((now.props.seen as number[]) ?? []), i] },
      })),
    ),
  );
  const seen = (await ledger.getResource('i1', rec.id))?.props.seen as number[];
  t.same(
    [...seen].sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, i) => i),
    'all twenty in the list',
  );
}

t.test('SQLite: no lost update', async (t) => {
  const ledger = await SqliteLedger.open(':memory:', box);
  t.teardown(() => ledger.close());
  await races(t, ledger);
});

t.test('PostgreSQL: no lost update', { skip: needsPostgres() }, async (t) => {
  const server = await new TestPostgres().start();
  t.teardown(() => server.stop());
  const ledger = await PostgresLedger.connect(await server.database('races'), box);
  t.teardown(() => ledger.close());
  await races(t, ledger);
});

async function tenLinks(t: Test, env: Record<string, string>): Promise<void> {
  const stack = await startStack(t, { env, sim: { latencyMs: 30 } });
  const { ctx, profile } = await stack.withContext();
  const members: Array<{ id: string; ox: number }> = [];
  for (let i = 0; i < 10; i++) {
    const id = uuid();
    const res = await stack.call('POST', '/mailboxes', {
      body: mailboxBody(id, ctx, profile, { login: `m${i}`, email: `m${i}@x.example`, displayName: `M ${i}` }),
    });
    members.push({ id, ox: res.json.oxUserId });
  }
  const group = uuid();
  const made = await stack.call('POST', '/groups', {
    body: {
      aps: { id: group, type: 'http://ox-connector.org/aps/groups/1.0' },
      context: { aps: { id: ctx } },
      name: 'all',
      displayName: 'All',
    },
  });
  const answers = await Promise.all(
    members.map((m) => stack.call('POST', `/groups/${group}/members`, { body: { aps: { id: m.id } } })),
  );
  t.same(
    answers.map((a) => a.status),
    Array(10).fill(200),
  );
  const rec = await stack.endpoint.ledger.getResource(stack.instanceId, group);
  t.same([...(rec?.props.members as string[])].sort(), members.map((m) => m.id).sort(), 'the ledger lists all ten');
  const inOx = principals(stack.sim.model.contexts.get(100)!).groups.get(made.json.oxGroupId)!.members;
  t.same(
    [...inOx].sort((a, b) => a - b),
    members.map((m) => m.ox).sort((a, b) => a - b),
    'OX has all ten',
  );
}

t.test('ten mailboxes linked to one group at the same moment all stay (SQLite)', async (t) => tenLinks(t, {}));

t.test(
  'ten mailboxes linked to one group at the same moment all stay (PostgreSQL)',
  { skip: needsPostgres() },
  async (t) => {
    const pg = await new TestPostgres().start();
    t.teardown(() => pg.stop());
    await tenLinks(t, { DATABASE_URL: await pg.database('links') });
  },
);
