// A request is its own request: two different changes of one resource (a tier change that went on
// in the background and a configure of the display name) each run once, one after the other, and
// each poll gets its own answer, in one process on SQLite and across two replicas on PostgreSQL.
// A repeat of a request (same body under another transaction id, or the same transaction id with
// the body the controller kept from the 202) is recognised as the same request.
import t, { type Test } from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { AsyncProtocol, isAccepted } from '../../app/aps/async-protocol.js';
import type { Outcome } from '../../app/aps/types.js';
import type { Ledger } from '../../app/store/ledger.js';
import { PostgresLedger } from '../../app/store/postgres-ledger.js';
import { SqliteLedger } from '../../app/store/sqlite-ledger.js';
import { SecretBox } from '../../app/util/secret-box.js';
import { identityOf, sameRequest } from '../../app/aps/request-identity.js';
import { TestPostgres } from '../../scripts/stand-ins/postgres-server.js';
import { needsPostgres } from '../support/requirements.js';
import { mailboxBody, profileBody, startStack, uuid } from '../helper.js';
import { sideBySide } from '../support/side-by-side.js';
import { TEST_ASYNC_OPTIONS } from '../support/async-options.js';

const log = pino({ level: 'silent' });
t.jobs = sideBySide(4);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const OPTIONS = TEST_ASYNC_OPTIONS;

/** A stored configure call as the router keeps it. */
function configure(transactionId: string, body: Record<string, unknown>): Record<string, unknown> {
  return { operation: 'configure', service: 'mailboxes', resourceId: 'm1', transactionId, body, query: {}, params: {} };
}

/** A run that takes `ms`, counts its starts, and answers what it changed. */
function change(ms: number, body: Record<string, unknown>) {
  const counter = {
    runs: 0,
    run: async (): Promise<Outcome> => {
      counter.runs++;
      await sleep(ms);
      return { status: 200, body };
    },
  };
  return counter;
}

/** Polls as the controller does after a 202 until the final answer. */
async function poll(protocol: AsyncProtocol, input: Record<string, unknown>, run: () => Promise<Outcome>) {
  for (let i = 0; i < 200; i++) {
    const answer = await protocol.handle('lane', { instanceId: 'i1', resourceId: 'm1', phase: 'async', input }, run);
    if (!isAccepted(answer)) return answer;
    await sleep(50);
  }
  throw new Error('no final answer');
}

async function twoChanges(t: Test, first: AsyncProtocol, second: AsyncProtocol): Promise<void> {
  const tier = change(600, { tier: 'premium' });
  const name = change(100, { displayName: 'New' });
  const tierCall = configure('tx-tier', { profile: { aps: { id: 'premium' } } });
  const nameCall = configure('tx-name', { displayName: 'New' });
  const sync = (input: Record<string, unknown>) => ({
    instanceId: 'i1',
    resourceId: 'm1',
    phase: 'sync' as const,
    input,
  });

  t.match(await first.handle('lane', sync(tierCall), tier.run), { accepted: true }, 'the tier change goes on: 202');
  const waiting = await second.handle('lane', sync(nameCall), name.run);
  t.match(waiting, { accepted: true, info: /earlier change/ }, 'the configure waits for it: 202, not its answer');
  t.match(
    await second.handle('lane', sync(configure('tx-retry', tierCall.body as Record<string, unknown>)), tier.run),
    { accepted: true },
    'the tier change repeated under another transaction id: its own 202',
  );
  t.equal(name.runs, 0, 'the configure did not run beside the tier change');

  t.same(await poll(second, nameCall, name.run), { status: 200, body: { displayName: 'New' } }, 'then it runs itself');
  t.same(await poll(first, tierCall, tier.run), { status: 200, body: { tier: 'premium' } }, 'the tier poll: its own');
  const keptBody = { ...(tierCall.body as Record<string, unknown>), aps: { status: 'aps:configuring' } };
  t.same(
    await poll(second, configure('tx-tier', { ...keptBody, displayName: 'Old' }), tier.run),
    { status: 200, body: { tier: 'premium' } },
    'a poll under the same transaction id with the body the controller kept: the same answer',
  );
  t.same(
    await poll(first, configure('tx-poll', nameCall.body as Record<string, unknown>), name.run),
    { status: 200, body: { displayName: 'New' } },
    'a poll under a new transaction id with the same body: the same answer',
  );
  t.equal(tier.runs, 1, 'the tier change ran once');
  t.equal(name.runs, 1, 'the configure ran once, after it');
}

t.test('identity: the same transaction, or the same operation and body; the aps header does not count', async (t) => {
  const a = identityOf(configure('t1', { displayName: 'A', aps: { id: 'm1', status: 'aps:ready' } }));
  t.ok(sameRequest(a, identityOf(configure('t2', { displayName: 'A', aps: { status: 'aps:configuring' } }))));
  t.ok(sameRequest(a, identityOf(configure('t1', { displayName: 'B' }))), 'the same transaction');
  t.notOk(sameRequest(a, identityOf(configure('t2', { displayName: 'B' }))), 'another change');
  t.notOk(sameRequest(a, identityOf({ ...configure('t2', { displayName: 'A' }), operation: 'provision' })));
  t.notOk(
    sameRequest(identityOf(configure('', { x: 1 })), identityOf(configure('', { x: 2 }))),
    'no transaction id is no transaction',
  );
});

t.test('SQLite, one process: two changes of one resource each run once, in turn', async (t) => {
  const ledger: Ledger = await SqliteLedger.open(
    join(mkdtempSync(join(tmpdir(), 'identity-')), 'ledger.sqlite'),
    new SecretBox(randomBytes(32)),
  );
  t.teardown(() => ledger.close());
  const protocol = new AsyncProtocol(ledger, OPTIONS, async () => ({ status: 204 }), log);
  t.teardown(() => protocol.stop());
  await twoChanges(t, protocol, protocol);
});

t.test(
  'PostgreSQL, two replicas: two changes of one resource each run once, in turn',
  { skip: needsPostgres() },
  async (t) => {
    const server = await new TestPostgres().start();
    t.teardown(() => server.stop());
    const url = await server.database('identity');
    const key = randomBytes(32);
    const ledgers = await Promise.all([0, 1].map(() => PostgresLedger.connect(url, new SecretBox(key))));
    t.teardown(() => Promise.all(ledgers.map((l) => l.close())));
    const [a, b] = ledgers.map((ledger) => new AsyncProtocol(ledger, OPTIONS, async () => ({ status: 204 }), log));
    await twoChanges(t, a, b);
  },
);

t.test(
  'through the endpoint: a rename during a tier change that went on in the background is applied too',
  async (t) => {
    const stack = await startStack(t, { env: { SYNC_BUDGET_MS: '300' } });
    const { ctx, profile } = await stack.withContext();
    const groupware = uuid();
    await stack.call('POST', '/profiles', {
      body: profileBody(groupware, { title: 'Groupware', accessCombination: 'groupware_standard' }),
    });
    const id = uuid();
    const body = mailboxBody(id, ctx, profile, { login: 'erin', email: 'erin@x.example', displayName: 'Erin' });
    t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
    stack.sim.latencyMs = 150; // the tier change takes longer than the sync budget
    const tierChange = stack.call('PUT', `/mailboxes/${id}`, {
      body: { ...body, profile: { aps: { id: groupware } } },
    });
    await sleep(100);
    const rename = await stack.call('PUT', `/mailboxes/${id}`, { body: { displayName: 'Erin Renamed' } });
    t.equal(rename.status, 202, "the rename waits: 202, not the tier change's answer");
    const accepted = await tierChange;
    t.equal(accepted.status, 202);
    // The controller may keep the 202's body and poll with it, under a new transaction id.
    const kept = { body: { ...body, profile: { aps: { id: groupware } }, ...accepted.json }, phase: 'async' as const };
    const tier = await stack.settle('PUT', `/mailboxes/${id}`, kept, accepted);
    const renamed = await stack.settle('PUT', `/mailboxes/${id}`, { body: { displayName: 'Erin Renamed' } }, rename);
    t.equal(tier.final.status, 200);
    t.equal(renamed.final.status, 200);
    t.equal(renamed.final.json.displayName, 'Erin Renamed', 'the rename answers its own change');
    const late = await stack.call('PUT', `/mailboxes/${id}`, kept);
    t.same([late.status, late.json.displayName], [200, 'Erin'], 'a late poll of the tier change: its own answer');
    const user = [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.name === 'erin')!;
    t.equal(user.display_name, 'Erin Renamed', 'OX has the new name');
    t.equal(user.access.calendar, true, 'and the new tier');
    const rec = await stack.endpoint.ledger.getResource(stack.instanceId, id);
    t.equal(rec?.props.displayName, 'Erin Renamed', 'the ledger has the new name');
    t.equal(rec?.profileId, groupware, 'and the new tier');
  },
);
