// Taking over a hand-made context's groups, rooms and shared mailboxes: import-plan lists them
// with their members' logins, and provisioning them takes each over in OX (nothing twice).
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextBody, mailboxBody, startStack, uuid } from '../../helper.js';
import { runCli } from '../../support/cli.js';
import { ADMIN_PASSWORD, handMadeContext, webmailTier } from '../../support/hand-made.js';
import * as P from '../../../scripts/ox-sim/principals.js';

const T = (name: string) => `http://ox-connector.org/aps/${name}/1.0`;

t.test("a hand-made context's group, room and info@ are planned and taken over", async (t) => {
  const stack = await startStack(t);
  await stack.createInstance();
  const oxCtx = handMadeContext(stack);
  const id = (login: string) => [...oxCtx.users.values()].find((u) => u.name === login)!.id;
  const group = P.createGroup(oxCtx, { name: 'team', displayname: 'Team', members: [id('ann'), id('ben')] });
  const room = P.createResource(oxCtx, { name: 'room9', displayname: 'Room 9', email: 'room9@hand.example' });
  P.createAccounts(oxCtx, { primaryAddress: 'info@hand.example', name: 'Info', mailEndpointSource: 'primary' }, [
    id('ann'),
  ]);
  const profile = await webmailTier(stack);
  const passwordFile = join(stack.dataDir, 'admin-password');
  writeFileSync(passwordFile, ADMIN_PASSWORD, { mode: 0o600 });
  const env = { DATA_DIR: stack.dataDir };
  const admin = ['--admin-login', 'oxadmin', '--admin-password-file', passwordFile];
  const planned = await runCli(['import-plan', '--instance', stack.instanceId, '--context', 'handmade', ...admin], {
    env,
  });
  t.equal(planned.code, 0, planned.stderr);
  const plan = JSON.parse(planned.stdout);
  t.same(plan.groups, [
    { resource: { aps: { type: T('groups') }, name: 'team', displayName: 'Team' }, members: ['ann', 'ben'] },
  ]);
  t.match(plan.resources, [
    { resource: { name: 'room9', displayName: 'Room 9', email: 'room9@hand.example', available: true } },
  ]);
  t.same(plan.sharedMailboxes, [
    {
      resource: { aps: { type: T('shared-mailboxes') }, address: 'info@hand.example', displayName: 'Info' },
      members: ['ann'],
    },
  ]);

  const ctx = uuid();
  const adopt = { ...plan.context.adopt, adminPassword: ADMIN_PASSWORD };
  t.equal(
    (await stack.call('POST', '/contexts', { body: contextBody(ctx, { diskspace: plan.context.diskspace, adopt }) }))
      .status,
    200,
  );
  const mailboxOf = new Map<string, string>();
  for (const { resource } of plan.mailboxes) {
    const mid = uuid();
    mailboxOf.set(resource.login, mid);
    t.equal(
      (await stack.call('POST', '/mailboxes', { body: { ...resource, ...mailboxBody(mid, ctx, profile) } })).status,
      200,
    );
  }
  const before = P.principals(oxCtx);
  const [groups, resources] = [before.groups.size, before.resources.size];
  const gid = uuid();
  const taken = await stack.call('POST', '/groups', {
    body: { ...plan.groups[0].resource, aps: { id: gid, type: T('groups') }, context: { aps: { id: ctx } } },
  });
  t.equal(taken.status, 200, taken.text);
  t.equal(taken.json.oxGroupId, group.id, 'the same OX group');
  for (const login of plan.groups[0].members)
    t.equal(
      (await stack.call('POST', `/groups/${gid}/members`, { body: { aps: { id: mailboxOf.get(login) } } })).status,
      200,
    );
  const rid = uuid();
  const roomTaken = await stack.call('POST', '/resources', {
    body: { ...plan.resources[0].resource, aps: { id: rid, type: T('resources') }, context: { aps: { id: ctx } } },
  });
  t.equal(roomTaken.json.oxResourceId, room.id, 'the same OX resource');
  const sid = uuid();
  await stack.call('POST', '/shared-mailboxes', {
    body: {
      ...plan.sharedMailboxes[0].resource,
      aps: { id: sid, type: T('shared-mailboxes') },
      context: { aps: { id: ctx } },
    },
  });
  t.equal(
    (await stack.call('POST', `/shared-mailboxes/${sid}/members`, { body: { aps: { id: mailboxOf.get('ann') } } }))
      .status,
    200,
  );
  t.same(
    [P.principals(oxCtx).groups.size, P.principals(oxCtx).resources.size],
    [groups, resources],
    'nothing created twice',
  );
  t.same([...group.members].sort(), [id('ann'), id('ben')].sort(), 'the members kept');
  t.same(
    P.principals(oxCtx).secondary.map((a) => a.userId),
    [id('ann')],
    'the shared account kept, not duplicated',
  );
});
