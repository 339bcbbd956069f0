// The bound towards one OX: a limit in flight, a short queue served in order, then refusal.
import t from 'tap';
import { OxGate } from '../../app/ox/ox-gate.js';
import { OxSaturated } from '../../app/ox/faults.js';

const later = () => {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { done, release };
};

t.test('at most limit in flight, the queue in order, the rest refused at once', async (t) => {
  const gate = new OxGate({ limit: 2, queue: 2, maxWaitMs: 10_000 });
  const started: number[] = [];
  const calls = Array.from({ length: 5 }, () => later());
  const runs = calls.map((c, i) =>
    gate.run('op', async () => {
      started.push(i);
      await c.done;
      return i;
    }),
  );
  const refused = t.rejects(runs[4], OxSaturated, 'the fifth finds the queue full');
  await new Promise((r) => setImmediate(r));
  t.same(started, [0, 1], 'two in flight');
  await refused;
  calls[1].release();
  await runs[1];
  await new Promise((r) => setImmediate(r));
  t.same(started, [0, 1, 2], 'a finished call hands its slot to the first waiting');
  calls[0].release();
  calls[2].release();
  calls[3].release();
  t.same(await Promise.all(runs.slice(0, 4)), [0, 1, 2, 3]);
  t.equal(gate.peak, 2);
  t.equal(await gate.run('op', async () => 'free again'), 'free again', 'slots are returned');
});

t.test('a call that waits longer than maxWaitMs is refused and leaves the queue', async (t) => {
  const gate = new OxGate({ limit: 1, queue: 5, maxWaitMs: 50 });
  const hold = later();
  const first = gate.run('op', () => hold.done);
  await t.rejects(
    gate.run('op', async () => 'never'),
    /not sent: 1 calls are running/,
  );
  hold.release();
  await first;
  t.equal(await gate.run('op', async () => 'next'), 'next', 'the timed-out waiter took no slot');
  const failing = gate.run('op', async () => {
    throw new Error('OX said no');
  });
  await t.rejects(failing, /OX said no/);
  t.equal(await gate.run('op', async () => 'after a failure'), 'after a failure', 'a failed call returns its slot');
});
