// Protocol details real controllers rely on (aps2.md §14): the transaction id on calls back only
// while its request is served, jitter on APS-Retry-Timeout, a clear 400 for scheduled changes.
import t from 'tap';
import { contextBody, mailboxBody, startStack, uuid } from '../helper.js';

t.test('calls back carry the transaction id only while its request is being served', async (t) => {
  const stack = await startStack(t, { env: { SYNC_BUDGET_MS: '300' } });
  const { ctx, profile } = await stack.withContext();
  const userCalls = (owner: string) =>
    stack.controller.received.filter((r) => r.method === 'GET' && r.url === `/aps/2/resources/${owner}`);
  const withUser = (owner: string) => {
    stack.controller.resources.set(owner, {
      login: `${owner.slice(0, 8)}@x.example`,
      email: `${owner.slice(0, 8)}@x.example`,
      displayName: `Tx ${owner.slice(0, 8)}`,
    });
    return { ...mailboxBody(uuid(), ctx, profile), user: { aps: { id: owner } } };
  };

  const served = uuid();
  const tx = uuid();
  const res = await stack.call('POST', '/mailboxes', { transactionId: tx, body: withUser(served) });
  t.equal(res.status, 200, res.text);
  t.same(
    userCalls(served).map((r) => r.transactionId),
    [tx],
    'inside the request: its transaction',
  );

  const retried = uuid();
  const body = withUser(retried);
  const tx2 = uuid();
  stack.sim.failNext(1, { mode: 'http503' });
  const first = await stack.call('POST', '/mailboxes', { transactionId: tx2, body });
  t.equal(first.status, 202, first.text);
  const { final } = await stack.settle('POST', '/mailboxes', { transactionId: tx2, body, phase: 'async' }, first);
  t.equal(final.status, 200, final.text);
  const calls = userCalls(retried);
  t.ok(calls.length >= 2, `the background run read the user again (${calls.length} reads)`);
  t.equal(calls[0].transactionId, tx2, 'the first attempt, inside the request, joined its transaction');
  t.same(
    calls.slice(1).map((r) => r.transactionId),
    calls.slice(1).map(() => undefined),
    'the background run joined none',
  );

  const anonymous = uuid();
  const noTx = await stack.call('POST', '/mailboxes', {
    body: withUser(anonymous),
    headers: { 'APS-Transaction-ID': '' },
  });
  t.equal(noTx.status, 200, noTx.text);
  t.same(
    userCalls(anonymous).map((r) => r.transactionId),
    [undefined],
    'a request without one gets none invented',
  );
});

t.test('APS-Retry-Timeout is jittered: base to twice the base', async (t) => {
  const stack = await startStack(t, { env: { SYNC_BUDGET_MS: '100', APS_RETRY_TIMEOUT: '10' } });
  await stack.createInstance();
  stack.sim.latencyMs = 400;
  const answers = await Promise.all(
    Array.from({ length: 12 }, () => stack.call('POST', '/contexts', { body: contextBody(uuid()) })),
  );
  t.ok(
    answers.every((a) => a.status === 202),
    'all went on in the background',
  );
  const timeouts = answers.map((a) => Number(a.headers['aps-retry-timeout']));
  t.ok(
    timeouts.every((s) => s >= 10 && s <= 19),
    `within [10, 19]: ${timeouts.join(' ')}`,
  );
  t.ok(new Set(timeouts).size > 1, 'not all due in the same second');
  stack.sim.latencyMs = 0;
});

t.test('a scheduled change (APS-Scheduled-On-Date) is a clear 400 and changes nothing', async (t) => {
  const stack = await startStack(t);
  const { ctx } = await stack.withContext();
  const quota = () => stack.sim.model.contexts.get(100)?.maxQuota;
  const before = quota();
  const scheduled = { 'APS-Scheduled-On-Date': '2027-01-01T00:00:00Z' };
  const put = await stack.call('PUT', `/contexts/${ctx}`, {
    body: contextBody(ctx, { diskspace: { limit: 9999 } }),
    headers: scheduled,
  });
  t.equal(put.status, 400);
  t.match(put.json.message, /APS-Scheduled-On-Date.*not supported/);
  t.equal(quota(), before, 'OX unchanged');
  t.equal(
    (await stack.call('PUT', `/contexts/${ctx}/disable`, { headers: scheduled })).status,
    400,
    'a scheduled suspend too',
  );
  t.equal((await stack.call('GET', `/contexts/${ctx}`, { headers: scheduled })).status, 200, 'a read is a read');
});

t.test('a 202 carries what is known already: the context id taken, the login chosen', async (t) => {
  const stack = await startStack(t, { env: { SYNC_BUDGET_MS: '200' } });
  const { ctx, profile } = await stack.withContext();
  stack.sim.latencyMs = 500;
  const id = uuid();
  const accepted = await stack.call('POST', '/contexts', { body: contextBody(id) });
  t.equal(accepted.status, 202, accepted.text);
  t.equal(accepted.json.contextId, 101, 'the OX context id, taken before OX was asked');
  t.equal(accepted.json.adminLogin, 'oxadmin');
  t.equal(accepted.json.aps.id, id);
  const mailbox = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(uuid(), ctx, profile, { login: 'known', email: 'known@x.example', displayName: 'Known' }),
  });
  t.equal(mailbox.status, 202, mailbox.text);
  t.equal(mailbox.json.login, 'known');
  stack.sim.latencyMs = 0;
  const { final } = await stack.settle('POST', '/contexts', { body: contextBody(id), phase: 'async' }, accepted);
  t.equal(final.json.contextId, 101, 'the same id in the final answer');
});
