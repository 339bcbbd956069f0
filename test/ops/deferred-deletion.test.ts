// A cancellation that can be undone (deleteGraceDays) on the real stack: the controller's deletes
// shut users out and disable the context at once, keep everything in OX, and answer done; restore
// and a takeover bring the context back whole; what is due is deleted in OX and forgotten.
import t from 'tap';
import { contextBody, mailboxBody, startStack, uuid } from '../helper.js';
import { runCli } from '../support/cli.js';

const cli = (args: string[], env: Record<string, string>) => runCli(args, { env });

t.test('cancelled with a grace period: kept disabled, restored, taken over again, and deleted when due', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext({ deleteGraceDays: 3 });
  const ids: Record<string, string> = { alice: uuid(), bob: uuid() };
  for (const login of ['alice', 'bob']) {
    const res = await stack.call('POST', '/mailboxes', {
      body: mailboxBody(ids[login], ctx, profile, { login, email: `${login}@x.example`, displayName: login }),
    });
    t.equal(res.status, 200, res.text);
  }
  const oxCtx = stack.sim.model.contexts.get(100)!;
  const userOf = (login: string) => [...oxCtx.users.values()].find((u) => u.name === login);
  const ledger = stack.endpoint.ledger;
  const env = { DATA_DIR: stack.dataDir };
  const pendingMetric = async () =>
    /ox_pending_deletions (\d+)/.exec(
      await stack.endpoint.metrics.registry.getSingleMetricAsString('ox_pending_deletions'),
    )?.[1];

  // The controller's removal order: mailboxes, then the context.
  for (const login of ['alice', 'bob']) t.equal((await stack.call('DELETE', `/mailboxes/${ids[login]}`)).status, 204);
  t.equal((await stack.call('DELETE', `/mailboxes/${ids.bob}`)).status, 204, 'a repeated delete is done');
  t.equal(userOf('bob')?.fields.mailenabled, false, 'the user is kept, mail off');
  t.equal(userOf('bob')?.access.deniedPortal, true, 'and shut out of the UI');
  t.equal((await stack.call('DELETE', `/contexts/${ctx}`)).status, 204);
  t.equal(oxCtx.enabled, false, 'the context is disabled at once');
  t.ok(stack.sim.model.contexts.has(100), 'and kept');
  t.equal((await stack.call('GET', `/contexts/${ctx}`)).status, 404, "no longer the controller's");
  t.equal((await ledger.getResource(stack.instanceId, ctx))?.state, 'pending-deletion');
  t.equal(await pendingMetric(), '3', 'the context and both mailboxes wait');
  const listed = await cli(['deletions'], env);
  t.equal(listed.code, 0, listed.stderr);
  t.match(listed.out, new RegExp(`contexts\\s+${stack.instanceId}\\s+${ctx}\\s+100`));

  const restored = await cli(['restore', '--instance', stack.instanceId, '--context', ctx], env);
  t.equal(restored.code, 0, restored.stderr);
  t.match(restored.out, /enabled again and held for a takeover/);
  t.equal(oxCtx.enabled, true);
  t.equal(
    (await cli(['restore', '--instance', stack.instanceId, '--context', ctx], env)).code,
    1,
    'nothing to restore twice',
  );

  // Taken back by a new subscription: the ledger still has the administrator's password.
  const again = uuid();
  const taken = await stack.call('POST', '/contexts', { body: contextBody(again, { adopt: { context: '100' } }) });
  t.equal(taken.status, 200, taken.text);
  t.equal(await ledger.getResource(stack.instanceId, ctx), undefined, 'the cancelled records are let go');
  const bob = uuid();
  const back = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(bob, again, profile, {
      login: 'bob',
      email: 'bob@x.example',
      displayName: 'bob',
      password: 'Bob-New-Pass-1',
    }),
  });
  t.equal(back.status, 200, back.text);
  t.equal(userOf('bob')?.fields.mailenabled, true, 'mail on again');
  t.equal(userOf('bob')?.access.deniedPortal, false, "the tier's rights again");
  t.equal(userOf('bob')?.password, 'Bob-New-Pass-1', 'the password the controller sent');
  t.equal(oxCtx.users.size, 3, 'the administrator, alice and bob: nothing created twice');

  // alice's user, not taken back, is deleted when due; then the whole context.
  const alice = uuid();
  t.equal(
    (
      await stack.call('POST', '/mailboxes', {
        body: mailboxBody(alice, again, profile, { login: 'alice', email: 'alice@x.example', displayName: 'alice' }),
      })
    ).status,
    200,
  );
  t.equal((await stack.call('DELETE', `/mailboxes/${alice}`)).status, 204);
  const due = async () => {
    for (const rec of await ledger.listResources({ instanceId: stack.instanceId, states: ['pending-deletion'] })) {
      await ledger.updateResource(stack.instanceId, rec.id, { props: { ...rec.props, deleteAfter: Date.now() - 1 } });
    }
  };
  await due();
  const purged = await cli(['deletions', '--purge-due'], env);
  t.equal(purged.code, 0, purged.stderr);
  t.match(purged.out, /deleted 1 in OX/);
  t.notOk(userOf('alice'), 'the user deleted in OX');
  t.ok(userOf('bob'), 'the others kept');
  t.equal((await stack.call('DELETE', `/mailboxes/${bob}`)).status, 204);
  t.equal((await stack.call('DELETE', `/contexts/${again}`)).status, 204);
  await due();
  t.match((await cli(['deletions', '--purge-due'], env)).out, /deleted 1 in OX/, 'the context, with its users');
  t.notOk(stack.sim.model.contexts.has(100), 'deleted in OX');
  t.same(await ledger.listResources({ instanceId: stack.instanceId, kind: 'mailboxes' }), [], 'and forgotten');
  t.equal(await pendingMetric(), '0');
});

t.test('a context already gone from OX is simply forgotten, grace period or not', async (t) => {
  const stack = await startStack(t);
  const { ctx } = await stack.withContext({ deleteGraceDays: 2 });
  stack.sim.model.contexts.delete(100);
  t.equal((await stack.call('DELETE', `/contexts/${ctx}`)).status, 204);
  t.equal(await stack.endpoint.ledger.getResource(stack.instanceId, ctx), undefined, 'nothing waits for a deletion');
});

t.test('the sweep deletes by itself what has become due (DELETION_SWEEP_SECONDS)', async (t) => {
  const stack = await startStack(t, { env: { DELETION_SWEEP_SECONDS: '1' } });
  const { ctx, profile } = await stack.withContext({ deleteGraceDays: 1 });
  const oxCtx = stack.sim.model.contexts.get(100)!;
  const userOf = (login: string) => [...oxCtx.users.values()].find((u) => u.name === login);
  const ids = { carol: uuid(), dave: uuid() };
  for (const [login, id] of Object.entries(ids)) {
    t.equal(
      (
        await stack.call('POST', '/mailboxes', {
          body: mailboxBody(id, ctx, profile, { login, email: `${login}@x.example`, displayName: login }),
        })
      ).status,
      200,
    );
    t.equal((await stack.call('DELETE', `/mailboxes/${id}`)).status, 204);
  }
  const ledger = stack.endpoint.ledger;
  const carol = await ledger.getResource(stack.instanceId, ids.carol);
  t.equal(carol?.state, 'pending-deletion');
  // carol's grace period has run out; dave's has not.
  await ledger.updateResource(stack.instanceId, ids.carol, { props: { ...carol!.props, deleteAfter: Date.now() - 1 } });
  // The sweep deletes in OX, then forgets, then logs: wait for its log line, the last of the three.
  const swept = /"deleted":1,.*"msg":"deleted in OX after the grace period"/;
  for (let i = 0; i < 100 && !swept.test(stack.logText()); i++) await new Promise((r) => setTimeout(r, 50));
  t.notOk(userOf('carol'), 'deleted in OX within a few seconds, by no request');
  t.equal(await ledger.getResource(stack.instanceId, ids.carol), undefined, 'and forgotten');
  t.ok(userOf('dave'), 'the one still in its grace period is kept');
  t.equal((await ledger.getResource(stack.instanceId, ids.dave))?.state, 'pending-deletion');
  t.match(stack.logText(), swept);
});
