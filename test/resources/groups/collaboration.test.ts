// Groups, bookable resources and shared mailboxes through the running endpoint: a customer makes
// a group of two mailboxes, a room, and info@ shared by the group and a third mailbox; OX holds
// exactly those objects and memberships, a removed mailbox leaves both, repeats change nothing.
import t, { type Test } from 'tap';
import { contextBody, mailboxBody, startStack, uuid, type Stack } from '../../helper.js';
import { principals } from '../../../scripts/ox-sim/principals.js';
import { runCli } from '../../support/cli.js';

const T = (name: string) => `http://ox-connector.org/aps/${name}/1.0`;

async function world(t: Test, limits: Record<string, unknown> = {}, settings: Record<string, unknown> = {}) {
  const stack = await startStack(t);
  await stack.createInstance(settings);
  const profile = uuid();
  await stack.call('POST', '/profiles', {
    body: {
      aps: { id: profile, type: T('profiles') },
      app: { aps: { id: uuid() } },
      title: 'Webmail',
      accessCombination: 'webmail',
    },
  });
  const ctx = uuid();
  t.equal((await stack.call('POST', '/contexts', { body: contextBody(ctx, limits) })).status, 200);
  const mailbox = async (login: string) => {
    const id = uuid();
    const res = await stack.call('POST', '/mailboxes', {
      body: mailboxBody(id, ctx, profile, { login, email: `${login}@x.example`, displayName: login }),
    });
    t.equal(res.status, 200, res.text);
    return { id, ox: res.json.oxUserId as number };
  };
  return { stack, ctx, mailbox };
}

const oxCtx = (stack: Stack) => principals(stack.sim.model.contexts.get(100)!);
const link = (stack: Stack, path: string, id: string) => stack.call('POST', path, { body: { aps: { id } } });

t.test('a group of two, a room, info@ for the group and a third: OX holds exactly that', async (t) => {
  const { stack, ctx, mailbox } = await world(t);
  const [ann, bob, cid] = [await mailbox('ann'), await mailbox('bob'), await mailbox('cid')];
  const group = uuid();
  const made = await stack.call('POST', '/groups', {
    body: { aps: { id: group, type: T('groups') }, context: { aps: { id: ctx } }, name: 'sales', displayName: 'Sales' },
  });
  t.equal(made.status, 200, made.text);
  const oxGroup = made.json.oxGroupId as number;
  t.ok(oxGroup > 1, 'an OX group, not the default one');
  for (const m of [ann, bob]) t.equal((await link(stack, `/groups/${group}/members`, m.id)).status, 200);
  t.same([...oxCtx(stack).groups.get(oxGroup)!.members].sort(), [ann.ox, bob.ox].sort(), 'OX has both members');

  const room = uuid();
  const booked = await stack.call('POST', '/resources', {
    body: {
      aps: { id: room, type: T('resources') },
      context: { aps: { id: ctx } },
      name: 'room1',
      displayName: 'Room 1',
      email: 'room1@x.example',
      description: 'Ten seats',
    },
  });
  t.equal(booked.status, 200, booked.text);
  t.match(oxCtx(stack).resources.get(booked.json.oxResourceId), {
    name: 'room1',
    email: 'room1@x.example',
    available: true,
  });

  const info = uuid();
  const shared = await stack.call('POST', '/shared-mailboxes', {
    body: {
      aps: { id: info, type: T('shared-mailboxes') },
      context: { aps: { id: ctx } },
      address: 'Info@x.example',
      displayName: 'Info desk',
    },
  });
  t.equal(shared.status, 200, shared.text);
  t.equal(shared.json.address, 'info@x.example');
  t.equal((await link(stack, `/shared-mailboxes/${info}/groups`, group)).status, 200);
  t.equal((await link(stack, `/shared-mailboxes/${info}/members`, cid.id)).status, 200);
  const holders = () =>
    oxCtx(stack)
      .secondary.filter((a) => a.primaryAddress === 'info@x.example')
      .map((a) => a.userId)
      .sort();
  t.same(holders(), [ann.ox, bob.ox, cid.ox].sort(), 'the group expanded, and the third member');
  t.match(oxCtx(stack).secondary[0].data, { name: 'Info desk', mailEndpointSource: 'primary' });

  // Repeats change nothing in OX.
  const calls = stack.sim.count();
  t.equal((await link(stack, `/groups/${group}/members`, ann.id)).status, 200);
  await stack.call('POST', '/groups', {
    body: { aps: { id: group, type: T('groups') }, context: { aps: { id: ctx } }, name: 'sales', displayName: 'Sales' },
  });
  t.equal((await link(stack, `/shared-mailboxes/${info}/members`, cid.id)).status, 200);
  t.same([...oxCtx(stack).groups.get(oxGroup)!.members].sort(), [ann.ox, bob.ox].sort());
  t.same(holders(), [ann.ox, bob.ox, cid.ox].sort());
  t.ok(stack.sim.count() - calls <= 6, `repeats made only reads and no-op adds (${stack.sim.count() - calls} calls)`);

  const usage = (await stack.call('GET', `/contexts/${ctx}`)).json;
  t.same(
    [usage.groupsCount.usage, usage.resourcesCount.usage, usage.sharedMailboxesCount.usage],
    [1, 1, 1],
    'the context counts them',
  );

  // A mailbox removed leaves the group and the shared mailbox.
  t.equal((await stack.call('DELETE', `/mailboxes/${bob.id}`)).status, 204);
  t.same([...oxCtx(stack).groups.get(oxGroup)!.members], [ann.ox]);
  t.same(holders(), [ann.ox, cid.ox].sort());
  const rec = await stack.endpoint.ledger.getResource(stack.instanceId, group);
  t.same(rec?.props.members, [ann.id], 'and the ledger says so');
  // The controller may unlink the deleted mailbox afterwards: done, nothing asked of OX.
  const before = stack.sim.count();
  t.equal((await stack.call('DELETE', `/groups/${group}/members/${bob.id}`)).status, 200);
  t.equal((await stack.call('DELETE', `/shared-mailboxes/${info}/members/${bob.id}`)).status, 200);
  t.equal(stack.sim.count(), before, 'an unlink of a mailbox already gone asks nothing of OX');

  // A group change keeps its members; unlinking the group from info@ removes what it gave.
  t.equal(
    (await stack.call('PUT', `/groups/${group}`, { body: { name: 'sales', displayName: 'Sales team' } })).status,
    200,
  );
  t.match(oxCtx(stack).groups.get(oxGroup), { displayname: 'Sales team', members: new Set([ann.ox]) });
  t.equal((await stack.call('DELETE', `/shared-mailboxes/${info}/groups/${group}`)).status, 200);
  t.same(holders(), [cid.ox]);
  const renamed = await stack.call('PUT', `/shared-mailboxes/${info}`, { body: { displayName: 'Front desk' } });
  t.equal(renamed.status, 200, renamed.text);
  t.match(
    oxCtx(stack).secondary,
    [{ userId: cid.ox, data: { name: 'Front desk', personal: 'Front desk' } }],
    'renamed in place',
  );
  const moved = await stack.call('PUT', `/shared-mailboxes/${info}`, { body: { address: 'desk@x.example' } });
  t.equal(moved.status, 200, moved.text);
  t.same(
    oxCtx(stack).secondary.map((a) => [a.userId, a.primaryAddress]),
    [[cid.ox, 'desk@x.example']],
    'a new address: the old account gone, the new one made',
  );

  // Removals, each twice.
  for (const path of [`/shared-mailboxes/${info}`, `/resources/${room}`, `/groups/${group}`]) {
    t.equal((await stack.call('DELETE', path)).status, 204, path);
    t.equal((await stack.call('DELETE', path)).status, 204, `${path} again`);
  }
  t.same(oxCtx(stack).secondary, [], 'no functional account left');
  t.same(
    [...oxCtx(stack).groups.values()].map((g) => g.name),
    ['users'],
    'only the default group is left',
  );
  t.equal(oxCtx(stack).resources.size, 0);
});

t.test('what is refused: the default group, a member of another subscription, a plan limit', async (t) => {
  const { stack, ctx } = await world(t, { groupsCount: { limit: 1 }, resourcesCount: { limit: 0 } });
  const groupBody = (id: string, name: string) => ({
    body: { aps: { id, type: T('groups') }, context: { aps: { id: ctx } }, name, displayName: name },
  });
  const reserved = await stack.call('POST', '/groups', groupBody(uuid(), 'Users'));
  t.equal(reserved.status, 409);
  t.equal(reserved.json.error, 'ReservedName');
  t.equal((await stack.call('POST', '/groups', groupBody(uuid(), 'one'))).status, 200);
  const second = await stack.call('POST', '/groups', groupBody(uuid(), 'two'));
  t.equal(second.status, 409);
  t.match(second.json, { error: 'LimitReached', message: /allows 1 groups, and has 1/ });
  const room = await stack.call('POST', '/resources', {
    body: {
      aps: { id: uuid(), type: T('resources') },
      context: { aps: { id: ctx } },
      name: 'r',
      displayName: 'R',
      email: 'r@x.example',
    },
  });
  t.equal(room.status, 409, 'a limit of 0 allows none');
  t.equal([...oxCtx(stack).groups.values()].length, 2, 'OX has users and one');
});

t.test("reconcile finds what changed behind the endpoint, puts it back, and leaves the customer's own", async (t) => {
  const { stack, ctx, mailbox } = await world(t);
  const [ann, bob] = [await mailbox('ann'), await mailbox('bob')];
  const group = uuid();
  const made = await stack.call('POST', '/groups', {
    body: { aps: { id: group, type: T('groups') }, context: { aps: { id: ctx } }, name: 'sales', displayName: 'Sales' },
  });
  for (const m of [ann, bob]) await link(stack, `/groups/${group}/members`, m.id);
  const room = await stack.call('POST', '/resources', {
    body: {
      aps: { id: uuid(), type: T('resources') },
      context: { aps: { id: ctx } },
      name: 'room1',
      displayName: 'Room 1',
      email: 'room1@x.example',
    },
  });
  const info = uuid();
  await stack.call('POST', '/shared-mailboxes', {
    body: {
      aps: { id: info, type: T('shared-mailboxes') },
      context: { aps: { id: ctx } },
      address: 'info@x.example',
      displayName: 'Info',
    },
  });
  await link(stack, `/shared-mailboxes/${info}/members`, ann.id);
  const env = { DATA_DIR: stack.dataDir };
  const clean = await runCli(['reconcile', '--json'], { env });
  t.same(JSON.parse(clean.out), { drift: [], repaired: [] }, 'no drift after provisioning');

  // Behind the endpoint's back: a member removed, a room renamed, the shared account gone, the customer's own group.
  const p = oxCtx(stack);
  p.groups.get(made.json.oxGroupId)!.members.delete(bob.ox);
  p.resources.get(room.json.oxResourceId)!.displayname = 'Broom';
  p.secondary = [];
  p.groups.set(999, { id: 999, name: 'own', displayname: 'Own', members: new Set() });

  const found = await runCli(['reconcile', '--json'], { env });
  t.equal(found.code, 3, 'drift found');
  const brief = JSON.parse(found.out)
    .drift.map((d: { kind: string; field: string | null }) => `${d.kind} ${d.field}`)
    .sort();
  t.same(
    brief,
    ['attribute displayname', 'attribute members', 'attribute members', 'unknown-in-ox group'],
    'the room, the group, info@',
  );
  const repaired = await runCli(['reconcile', '--repair', '--json'], { env });
  t.equal(JSON.parse(repaired.out).repaired.length, 3, 'three repaired; the unknown group is only reported');
  t.same([...p.groups.get(made.json.oxGroupId)!.members].sort(), [ann.ox, bob.ox].sort(), 'the member is back');
  t.equal(p.resources.get(room.json.oxResourceId)!.displayname, 'Room 1');
  t.same(
    p.secondary.map((a) => a.userId),
    [ann.ox],
    'the shared account is back',
  );
  t.ok(p.groups.has(999), "the customer's own group stays");
  const after = await runCli(['reconcile', '--json'], { env });
  t.same(
    JSON.parse(after.out).drift.map((d: { kind: string }) => d.kind),
    ['unknown-in-ox'],
    'only the own group is left to report',
  );
});

t.test('an OX before 7.10.6 refuses shared mailboxes plainly and keeps groups and rooms', async (t) => {
  const stack = await startStack(t, { sim: { withoutServices: ['OXSecondaryAccountService'] } });
  const { ctx } = await stack.withContext();
  const refused = await stack.call('POST', '/shared-mailboxes', {
    body: {
      aps: { id: uuid(), type: T('shared-mailboxes') },
      context: { aps: { id: ctx } },
      address: 'info@x.example',
      displayName: 'Info',
    },
  });
  t.equal(refused.status, 409);
  t.match(refused.json, { error: 'SharedMailboxesUnsupported', message: /OX App Suite 7\.10\.6 or later/ });
  const group = await stack.call('POST', '/groups', {
    body: { aps: { id: uuid(), type: T('groups') }, context: { aps: { id: ctx } }, name: 'g', displayName: 'G' },
  });
  t.equal(group.status, 200, 'groups need no newer OX');
});

t.test('with deleteGraceDays a removed group or room stays in OX, comes back, and goes at the sweep', async (t) => {
  const { stack, ctx } = await world(t, {}, { deleteGraceDays: 2 });
  const gid = uuid();
  const body = {
    aps: { id: gid, type: T('groups') },
    context: { aps: { id: ctx } },
    name: 'keep',
    displayName: 'Keep',
  };
  const made = await stack.call('POST', '/groups', { body });
  const oxId = made.json.oxGroupId;
  t.equal((await stack.call('DELETE', `/groups/${gid}`)).status, 204);
  t.ok(oxCtx(stack).groups.has(oxId), 'still in OX during the grace period');
  t.equal((await stack.endpoint.ledger.getResource(stack.instanceId, gid))?.state, 'pending-deletion');
  t.equal((await stack.call('GET', `/contexts/${ctx}`)).json.groupsCount.usage, 0, 'no longer counted');
  const back = await stack.call('POST', '/groups', { body });
  t.equal(back.status, 200, back.text);
  t.equal(back.json.oxGroupId, oxId, 'provisioned again: the same OX group comes back');
  t.equal((await stack.call('DELETE', `/groups/${gid}`)).status, 204);
  const rec = (await stack.endpoint.ledger.getResource(stack.instanceId, gid))!;
  await stack.endpoint.ledger.updateResource(stack.instanceId, gid, {
    props: { ...rec.props, deleteAfter: Date.now() - 1 },
  });
  const swept = await runCli(['deletions', '--purge-due'], { env: { DATA_DIR: stack.dataDir } });
  t.equal(swept.code, 0, swept.stderr);
  t.notOk(oxCtx(stack).groups.has(oxId), 'deleted in OX when the grace period is over');
  t.equal(await stack.endpoint.ledger.getResource(stack.instanceId, gid), undefined);
});

t.test('two members linked at the same moment are two requests: both reach OX', async (t) => {
  const stack = await startStack(t, { sim: { latencyMs: 150 } });
  await stack.createInstance();
  const { ctx, profile } = { ctx: uuid(), profile: uuid() };
  await stack.call('POST', '/profiles', {
    body: {
      aps: { id: profile, type: T('profiles') },
      app: { aps: { id: uuid() } },
      title: 'W',
      accessCombination: 'webmail',
    },
  });
  await stack.call('POST', '/contexts', { body: contextBody(ctx) });
  const ids: Array<{ id: string; ox: number }> = [];
  for (const login of ['ann', 'bob', 'cid']) {
    const id = uuid();
    const res = await stack.call('POST', '/mailboxes', {
      body: mailboxBody(id, ctx, profile, { login, email: `${login}@x.example`, displayName: login }),
    });
    ids.push({ id, ox: res.json.oxUserId });
  }
  const group = uuid();
  const made = await stack.call('POST', '/groups', {
    body: { aps: { id: group, type: T('groups') }, context: { aps: { id: ctx } }, name: 'g', displayName: 'G' },
  });
  const answers = await Promise.all(ids.map((m) => link(stack, `/groups/${group}/members`, m.id)));
  const settled = await Promise.all(
    answers.map((a, i) =>
      a.status === 202
        ? stack.settle('POST', `/groups/${group}/members`, { body: { aps: { id: ids[i].id } } }, a)
        : { final: a },
    ),
  );
  t.same(
    settled.map((s) => s.final.status),
    [200, 200, 200],
  );
  t.same(
    [...oxCtx(stack).groups.get(made.json.oxGroupId)!.members].sort(),
    ids.map((m) => m.ox).sort(),
    'all three in OX',
  );
  const rec = await stack.endpoint.ledger.getResource(stack.instanceId, group);
  t.same([...(rec?.props.members as string[])].sort(), ids.map((m) => m.id).sort(), 'and in the ledger');
});

t.test(
  'a room deleted in OX behind the endpoint is reported, and --repair marks it for provisioning again',
  async (t) => {
    const { stack, ctx } = await world(t);
    const id = uuid();
    const body = {
      aps: { id, type: T('resources') },
      context: { aps: { id: ctx } },
      name: 'room7',
      displayName: 'Room 7',
      email: 'room7@x.example',
    };
    const made = await stack.call('POST', '/resources', { body });
    oxCtx(stack).resources.delete(made.json.oxResourceId);
    const env = { DATA_DIR: stack.dataDir };
    const found = await runCli(['reconcile', '--json', '--repair'], { env });
    t.match(JSON.parse(found.out).repaired, [{ kind: 'missing-in-ox', resource: id }]);
    t.equal((await stack.endpoint.ledger.getResource(stack.instanceId, id))?.state, 'failed');
    const again = await stack.call('POST', '/resources', { body });
    t.equal(again.status, 200, again.text);
    t.ok(oxCtx(stack).resources.has(again.json.oxResourceId), "the controller's next provision makes it again");
  },
);
