// The ledger-loss drill of the deployment guide (section 7b), performed: OX intact, the ledger
// gone. The instance is created again, reconcile lists the aps-* contexts no instance holds,
// import-plan plans each, and the takeover brings every subscription back under management with
// nothing created twice in OX and no drift left.
import t from 'tap';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { contextBody, mailboxBody, profileBody, startStack, uuid } from '../helper.js';
import { runCli } from '../support/cli.js';

const SETTINGS = { masterAccountOverride: true };
const TIER = { accessCombination: undefined, moduleAccess: ['webmail', 'contacts', 'calendar'] };

t.test('ledger lost, OX intact: every subscription comes back with nothing duplicated', async (t) => {
  const stack = await startStack(t, { sim: { masterAccountOverride: true } });
  await stack.createInstance(SETTINGS);
  const profile = uuid();
  t.equal((await stack.call('POST', '/profiles', { body: profileBody(profile, TIER) })).status, 200);
  for (const n of [1, 2]) {
    const ctx = uuid();
    t.equal(
      (await stack.call('POST', '/contexts', { body: contextBody(ctx, { diskspace: { limit: 1000 * n } }) })).status,
      200,
    );
    for (const login of ['ann', 'ben', 'cat']) {
      const id = uuid();
      const res = await stack.call('POST', '/mailboxes', {
        body: mailboxBody(id, ctx, profile, {
          login: `${login}${n}`,
          email: `${login}@c${n}.example`,
          displayName: `${login} ${n}`,
        }),
      });
      t.equal(res.status, 200, res.text);
      if (login === 'cat')
        t.equal(
          (await stack.call('POST', '/mobility', { body: { aps: { id: uuid() }, mailbox: { aps: { id } } } })).status,
          200,
        );
    }
  }
  const model = stack.sim.model;
  const usersOf = (c: { users: Map<number, { name: string }> }) => [...c.users.values()].map((u) => u.name).sort();
  const shape = () =>
    [...model.contexts.values()].map((c) => ({ id: c.id, name: c.name, quota: c.maxQuota, users: usersOf(c) }));
  const before = shape();
  t.equal(before.length, 2);

  // The loss: the ledger file is gone; DATA_DIR keeps the secret key and the TLS files (the backup).
  await stack.endpoint.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(stack.dataDir, `ledger.sqlite${suffix}`), { force: true });
  stack.controller.resetConnections();
  await stack.startEndpoint();
  const env = { DATA_DIR: stack.dataDir };

  // Step 1: the application instance and its tiers, created again.
  await stack.createInstance(SETTINGS);
  const tier = uuid();
  t.equal((await stack.call('POST', '/profiles', { body: profileBody(tier, TIER) })).status, 200);
  // Step 2: what OX has that no instance holds.
  const found = await runCli(['reconcile', '--json'], { env });
  t.equal(found.code, 3);
  const orphans = JSON.parse(found.stdout)
    .drift.filter((d: { kind: string }) => d.kind === 'unknown-in-ox')
    .map((d: { oxContextId: number }) => d.oxContextId);
  t.same(orphans.sort(), [100, 101], 'both contexts reported, nothing else');
  // Step 3: a plan per context, carried out as the controller's import would.
  for (const id of orphans) {
    const planned = await runCli(['import-plan', '--instance', stack.instanceId, '--context', String(id)], { env });
    t.equal(planned.code, 0, planned.stderr);
    const plan = JSON.parse(planned.stdout);
    t.same(plan.unmatched, [], 'every user fits the tier');
    const ctx = uuid();
    const taken = await stack.call('POST', '/contexts', {
      body: contextBody(ctx, { diskspace: plan.context.diskspace, adopt: plan.context.adopt }),
    });
    t.equal(taken.status, 200, taken.text);
    for (const { resource, mobility } of plan.mailboxes) {
      const mailbox = uuid();
      const res = await stack.call('POST', '/mailboxes', { body: { ...resource, ...mailboxBody(mailbox, ctx, tier) } });
      t.equal(res.status, 200, res.text);
      if (mobility)
        t.equal(
          (await stack.call('POST', '/mobility', { body: { aps: { id: uuid() }, mailbox: { aps: { id: mailbox } } } }))
            .status,
          200,
        );
    }
  }
  t.same(shape(), before, 'OX as it was: the same contexts, quotas and users, none twice');
  const clean = await runCli(['reconcile', '--json'], { env });
  t.equal(clean.code, 0, clean.out);
  t.same(
    JSON.parse(clean.stdout).drift,
    [],
    'no drift: every context, user, right and mobility add-on under management',
  );
  const mailboxes = await stack.endpoint.ledger.listResources({ instanceId: stack.instanceId, kind: 'mailboxes' });
  t.equal(mailboxes.length, 6);
  t.equal(mailboxes.filter((m) => m.props.mobilityEnabled === true).length, 2, 'the mobility add-ons back');
  t.ok(mailboxes.every((m) => m.state === 'ready'));
});
