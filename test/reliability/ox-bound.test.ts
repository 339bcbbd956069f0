// A controller burst meets one bound towards OX: OX never sees more than OX_CONCURRENCY calls at
// once, requests beyond the queue wait as background jobs (202) up to OX_BACKLOG, only beyond that
// 503 with Retry-After; nothing is done twice.
import t from 'tap';
import { contextBody, startStack, uuid } from '../helper.js';

t.test('a burst: the peak at OX is the bound, the overflow waits as jobs (202), each completes once', async (t) => {
  const stack = await startStack(t, { env: { OX_CONCURRENCY: '3', OX_QUEUE: '3', SYNC_BUDGET_MS: '10000' } });
  await stack.createInstance();
  stack.sim.latencyMs = 100;
  stack.sim.load.peak = 0;
  const bodies = Array.from({ length: 24 }, () => contextBody(uuid()));
  const first = await Promise.all(bodies.map((body) => stack.call('POST', '/contexts', { body })));
  t.equal(stack.sim.load.peak, 3, 'OX saw exactly the bound at the peak');
  const waiting = first.filter((r) => r.status === 202);
  t.ok(waiting.length > 0, `the overflow was taken on as jobs (${waiting.length} of ${first.length})`);
  t.ok(
    first.every((r) => r.status === 200 || r.status === 202),
    `no 503 (${first.map((r) => r.status).join(' ')})`,
  );
  t.ok(
    waiting.every((r) => Number(r.headers['aps-retry-timeout']) >= 1),
    'each 202 tells the controller when to poll',
  );
  for (const [i, r] of first.entries()) {
    if (r.status !== 202) continue;
    const { final } = await stack.settle('POST', '/contexts', { body: bodies[i] }, r);
    t.equal(final.status, 200, final.text);
  }
  t.equal(stack.sim.load.peak, 3, 'the jobs kept to the bound too');
  t.equal(stack.sim.model.contexts.size, bodies.length, 'one OX context per subscription, none twice');
  t.equal((await stack.endpoint.ledger.listJobs({ states: ['waiting', 'running'] })).length, 0, 'no job left');
});

t.test('beyond OX_BACKLOG a burst is refused with 503 and Retry-After, and the retries complete once', async (t) => {
  const stack = await startStack(t, {
    env: { OX_CONCURRENCY: '2', OX_QUEUE: '1', OX_BACKLOG: '2', SYNC_BUDGET_MS: '10000' },
  });
  await stack.createInstance();
  stack.sim.latencyMs = 150;
  const bodies = Array.from({ length: 16 }, () => contextBody(uuid()));
  const first = await Promise.all(bodies.map((body) => stack.call('POST', '/contexts', { body })));
  const shed = first.filter((r) => r.status === 503);
  t.ok(shed.length > 0, `some were refused (${shed.length}; ${first.filter((r) => r.status === 202).length} queued)`);
  t.ok(
    shed.every((r) => r.headers['retry-after'] === '5' && r.json.error === 'OxSaturated'),
    '503 with Retry-After and a clear code',
  );
  t.match(shed[0].json.message, /2 calls running towards OX and 1 waiting/);
  stack.sim.latencyMs = 0;
  for (const [i, r] of first.entries()) {
    if (r.status === 200) continue;
    const again =
      r.status === 202
        ? (await stack.settle('POST', '/contexts', { body: bodies[i] }, r)).final
        : await stack.call('POST', '/contexts', { body: bodies[i] });
    const done =
      again.status === 202 ? (await stack.settle('POST', '/contexts', { body: bodies[i] }, again)).final : again;
    t.equal(done.status, 200, done.text);
  }
  t.equal(stack.sim.model.contexts.size, bodies.length, 'one OX context per subscription, none twice');
});
