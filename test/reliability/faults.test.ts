import t from 'tap';
import { contextBody, mailboxBody, profileBody, startStack, uuid } from '../helper.js';
import type { FailureSpec } from '../../scripts/ox-sim/server.js';

t.test('each OX trouble gives 202 and then success, never a duplicate', async (t) => {
  const stack = await startStack(t, { env: { SYNC_BUDGET_MS: '400', OX_TIMEOUT_MS: '1000' } });
  await stack.createInstance();
  const profile = uuid();
  await stack.call('POST', '/profiles', { body: profileBody(profile) });
  const modes: Array<[string, () => void]> = [
    [
      'OX slower than the sync budget',
      () => {
        stack.sim.latencyMs = 600;
      },
    ],
    [
      'DatabaseUpdateException',
      () =>
        stack.sim.failNext(3, {
          mode: 'fault',
          exceptionClass: 'DatabaseUpdateException',
          message: 'Database must be updated or currently is beeing updated',
        }),
    ],
    ['connection resets', () => stack.sim.failNext(3, { mode: 'reset' })],
    ['HTTP 503', () => stack.sim.failNext(3, { mode: 'http503' })],
    ['no answer (timeout)', () => stack.sim.failNext(1, { mode: 'hang' } as FailureSpec)],
  ];
  for (const [i, [label, trouble]] of modes.entries()) {
    const ctx = uuid();
    const body = contextBody(ctx);
    trouble();
    const first = await stack.call('POST', '/contexts', { body });
    t.equal(first.status, 202, `${label}: 202 first`);
    t.ok(Number(first.headers['aps-retry-timeout']) >= 1, `${label}: APS-Retry-Timeout`);
    t.ok(String(first.headers['aps-info']).length > 10, `${label}: APS-Info says why`);
    const again = await stack.call('POST', '/contexts', { body });
    t.ok([200, 202].includes(again.status), `${label}: a repeated sync request is safe`);
    stack.sim.latencyMs = 0;
    const { final } = await stack.settle('POST', '/contexts', { body, phase: 'async' });
    t.equal(final.status, 200, `${label}: then success`);
    t.equal(stack.sim.model.contexts.size, i + 1, `${label}: one context, no duplicate`);
    const mbx = mailboxBody(uuid(), ctx, profile, { login: `u${i}`, email: `u${i}@x.example`, displayName: `U ${i}` });
    trouble();
    const m = await stack.settle('POST', '/mailboxes', { body: mbx });
    stack.sim.latencyMs = 0;
    t.equal(m.final.status, 200, `${label}: mailbox too`);
    t.equal(
      [...stack.sim.model.contexts.get(final.json.contextId)!.users.values()].filter((u) => u.name === `u${i}`).length,
      1,
      `${label}: one user`,
    );
    stack.sim.clearFailures();
  }
});

t.test('200 concurrent requests over several instances: no error, no crossing', async (t) => {
  // About concurrency and isolation, not timeouts: a busy CI machine must not turn slow calls into 202s.
  const stack = await startStack(t, { env: { SYNC_BUDGET_MS: '20000', OX_TIMEOUT_MS: '15000' } });
  const instances: Array<{ id: string; profile: string; contexts: string[] }> = [];
  for (let i = 0; i < 4; i++) {
    await stack.createInstance({ contextIdStart: 1000 * (i + 1) });
    const profile = uuid();
    await stack.call('POST', '/profiles', { body: profileBody(profile) });
    instances.push({ id: stack.instanceId, profile, contexts: [] });
  }
  const as = (inst: { id: string }) => ({ instanceId: inst.id });
  const provisions = instances.flatMap((inst) =>
    Array.from({ length: 10 }, () => {
      const id = uuid();
      inst.contexts.push(id);
      return stack.call('POST', '/contexts', { ...as(inst), body: contextBody(id) });
    }),
  );
  t.ok(
    (await Promise.all(provisions)).every((r) => r.status === 200),
    '40 contexts',
  );
  const mixed = instances.flatMap((inst, i) =>
    inst.contexts.flatMap((ctx, c) => [
      stack.call('GET', `/contexts/${ctx}`, as(inst)),
      stack.call('POST', '/mailboxes', {
        ...as(inst),
        body: mailboxBody(uuid(), ctx, inst.profile, {
          login: `i${i}c${c}`,
          email: `i${i}c${c}@x.example`,
          displayName: `I${i} C${c}`,
        }),
      }),
      stack.call('POST', '/mailboxes', {
        ...as(inst),
        body: mailboxBody(uuid(), ctx, inst.profile, {
          login: `j${i}c${c}`,
          email: `j${i}c${c}@x.example`,
          displayName: `J${i} C${c}`,
        }),
      }),
      stack.call('GET', `/contexts/${ctx}/adminLogin`, as(inst)),
      stack.call('GET', `/app/${inst.id}`, as(inst)),
    ]),
  );
  t.equal(mixed.length, 200);
  const results = await Promise.all(mixed);
  t.same(
    results.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.text.slice(0, 100)}`),
    [],
    'no error',
  );
  // Another instance's resources are invisible, even with a valid certificate for that instance.
  const [a, b] = instances;
  const crossed = await stack.call('GET', `/contexts/${a.contexts[0]}`, as(b));
  t.equal(crossed.status, 404);
  t.notMatch(crossed.text, /contextId/);
  const crossLogin = await stack.call('GET', `/contexts/${a.contexts[0]}/adminLogin`, as(b));
  t.equal(crossLogin.status, 404, 'no login link into another instance');
  const crossMailbox = await stack.call('POST', '/mailboxes', {
    ...as(b),
    body: mailboxBody(uuid(), a.contexts[0], b.profile, { login: 'x', email: 'x@x.example', displayName: 'X' }),
  });
  t.equal(crossMailbox.status, 404, "no mailbox in another instance's context");
  t.equal(await stack.endpoint.ledger.countResources({ instanceId: undefined, kind: 'mailboxes' }), 80);
  for (const [i, inst] of instances.entries()) {
    const ids = (await stack.endpoint.ledger.listResources({ instanceId: inst.id, kind: 'contexts' })).map(
      (r) => r.oxContextId!,
    );
    t.ok(
      ids.every((id) => id >= 1000 * (i + 1) && id < 1000 * (i + 2)),
      `instance ${i} has its own context ids`,
    );
  }
});

// OX commits the call and the answer is lost (the connection drops, or nothing comes back before
// the timeout): the retry must find what the first try made, never make it twice, never orphan it.
t.test(
  'lost answers: OX applied the call, the endpoint never heard: one context, one user, nothing orphaned',
  async (t) => {
    const stack = await startStack(t, { env: { SYNC_BUDGET_MS: '400', OX_TIMEOUT_MS: '800' } });
    await stack.createInstance();
    const webmail = uuid();
    const groupware = uuid();
    await stack.call('POST', '/profiles', { body: profileBody(webmail) });
    await stack.call('POST', '/profiles', {
      body: profileBody(groupware, { title: 'Groupware', accessCombination: 'groupware_standard' }),
    });
    const lose = (operation: string, mode: 'applied-reset' | 'applied-hang') =>
      stack.sim.failNext(1, { mode, operation });
    for (const mode of ['applied-reset', 'applied-hang'] as const) {
      const ctx = uuid();
      lose('OXContextService.createModuleAccessByName', mode);
      const created = await stack.settle('POST', '/contexts', { body: contextBody(ctx) });
      t.equal(created.final.status, 200, `${mode}, context create: final 200`);
      t.equal(
        stack.sim.count('OXContextService.createModuleAccessByName') >= 2,
        true,
        `${mode}: the create really was repeated`,
      );
      const oxId = created.final.json.contextId as number;
      const oxCtx = stack.sim.model.contexts.get(oxId);
      t.ok(oxCtx, `${mode}: the ledger holds the context OX made`);
      t.equal(stack.sim.model.contexts.size, 1, `${mode}: one context in OX`);

      const mailbox = uuid();
      lose('OXUserService.createByModuleAccessName', mode);
      const body = mailboxBody(mailbox, ctx, webmail, {
        login: 'lost',
        email: 'lost@x.example',
        displayName: 'Lost Answer',
      });
      const mb = await stack.settle('POST', '/mailboxes', { body });
      t.equal(mb.final.status, 200, `${mode}, user create: final 200 (${mb.final.json?.message ?? ''})`);
      const users = [...oxCtx!.users.values()].filter((u) => !u.contextadmin);
      t.equal(users.length, 1, `${mode}: one user in OX`);
      t.equal(mb.final.json.oxUserId, users[0]?.id, `${mode}: the mailbox holds that user`);

      lose('OXUserService.changeByModuleAccessName', mode);
      const moved = await stack.settle('PUT', `/mailboxes/${mailbox}`, {
        body: { ...body, profile: { aps: { id: groupware } } },
      });
      t.equal(moved.final.status, 200, `${mode}, rights change: final 200`);
      t.equal(users[0].access.calendar, true, `${mode}: the new rights are in OX`);
      const rec = await stack.endpoint.ledger.getResource(stack.instanceId, mailbox);
      t.equal(rec?.profileId, groupware, `${mode}: and in the ledger`);

      lose('OXUserService.delete', mode);
      const gone = await stack.settle('DELETE', `/mailboxes/${mailbox}`);
      t.equal(gone.final.status, 204, `${mode}, user delete: final 204`);
      t.equal(oxCtx!.users.size, 1, `${mode}: only the context admin is left`);
      t.notOk(
        await stack.endpoint.ledger.getResource(stack.instanceId, mailbox),
        `${mode}: the ledger forgot the mailbox`,
      );

      lose('OXContextService.delete', mode);
      const ctxGone = await stack.settle('DELETE', `/contexts/${ctx}`);
      t.equal(ctxGone.final.status, 204, `${mode}, context delete: final 204`);
      t.equal(stack.sim.model.contexts.size, 0, `${mode}: no context left in OX`);
      t.equal(
        await stack.endpoint.ledger.countResources({ instanceId: stack.instanceId, kind: 'contexts' }),
        0,
        `${mode}: none in the ledger`,
      );
      stack.sim.clearFailures();
    }
  },
);
