// A controller burst meets one bound towards OX: OX never sees more than OX_CONCURRENCY calls at
// once, requests beyond the queue get 503 with Retry-After, and their retries duplicate nothing.
import t from 'tap';
import { contextBody, startStack, uuid } from '../helper.js';

t.test('a burst: the peak at OX is the bound, the overflow is 503 + Retry-After, retries complete once', async (t) => {
  const stack = await startStack(t, { env: { OX_CONCURRENCY: '3', OX_QUEUE: '3', SYNC_BUDGET_MS: '10000' } });
  await stack.createInstance();
  stack.sim.latencyMs = 100;
  stack.sim.load.peak = 0;
  const bodies = Array.from({ length: 24 }, () => contextBody(uuid()));
  const first = await Promise.all(bodies.map((body) => stack.call('POST', '/contexts', { body })));
  t.equal(stack.sim.load.peak, 3, 'OX saw exactly the bound at the peak');
  const shed = first.filter((r) => r.status === 503);
  t.ok(shed.length > 0, `some requests were shed (${shed.length} of ${first.length})`);
  t.ok(
    shed.every((r) => r.headers['retry-after'] === '5' && r.json.error === 'OxSaturated'),
    '503 with Retry-After and a clear code',
  );
  t.match(shed[0].json.message, /3 calls running towards OX and 3 waiting/);
  t.ok(
    first.every((r) => r.status === 200 || r.status === 503),
    `no 202: the overflow is answered, not queued as jobs (${first.map((r) => r.status).join(' ')})`,
  );
  t.equal((await stack.endpoint.ledger.listJobs({ states: ['waiting', 'running'] })).length, 0, 'no background job');

  stack.sim.latencyMs = 0;
  for (const [i, r] of first.entries()) {
    if (r.status !== 503) continue;
    const again = await stack.call('POST', '/contexts', { body: bodies[i] });
    t.equal(again.status, 200, again.text);
  }
  t.equal(stack.sim.model.contexts.size, bodies.length, 'one OX context per subscription, none twice');
});
