// The job runner on a real ledger, one behaviour at a time: what a tick claims (per lane, only
// free slots), when it looks again (a tick asked for meanwhile, a retry's wake-up, the lanes and
// pruning at their intervals) and that a stopped runner claims nothing more.
import t, { type Test } from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { enqueueJob } from '../../app/aps/async-protocol.js';
import type { AsyncOptions, Executor } from '../../app/aps/async-options.js';
import { Flights } from '../../app/aps/flights.js';
import { JobRunner } from '../../app/aps/job-runner.js';
import { identityOf } from '../../app/aps/request-identity.js';
import type { Outcome } from '../../app/aps/types.js';
import type { Ledger } from '../../app/store/ledger.js';
import { until } from '../support/until.js';
import { captureLog } from '../support/log-capture.js';
import { TEST_ASYNC_OPTIONS } from '../support/async-options.js';
import { addInstance, atTime, watchedLedger, type WatchedLedger } from '../support/watched-ledger.js';

interface Rig {
  watched: WatchedLedger;
  ledger: Ledger;
  runner: JobRunner;
  flights: Flights;
  log: ReturnType<typeof captureLog>;
  /** The inputs the executor was given, with the log bindings it got. */
  runs: { input: Record<string, unknown>; bindings: Record<string, unknown> }[];
  /** How many run at this moment, and the most at once, per input.ox. */
  running: Map<string, { now: number; most: number }>;
  /** Releases the runs waiting on `input.hold` (all of them when none is named). */
  release(hold?: string): void;
}

async function rig(t: Test, opts: Partial<AsyncOptions> = {}): Promise<Rig> {
  const watched = await watchedLedger(t);
  const log = captureLog('warn');
  const flights = new Flights(watched.ledger, TEST_ASYNC_OPTIONS, log.logger);
  const runs: Rig['runs'] = [];
  const running: Rig['running'] = new Map();
  const held = new Map<string, (() => void)[]>();
  const execute: Executor = async (input, runLog) => {
    runs.push({ input, bindings: (runLog as unknown as { bindings(): Record<string, unknown> }).bindings() });
    const lane = running.get(String(input.ox)) ?? { now: 0, most: 0 };
    running.set(String(input.ox), { now: lane.now + 1, most: Math.max(lane.most, lane.now + 1) });
    if (typeof input.hold === 'string') {
      const name = input.hold;
      await new Promise<void>((resolve) => held.set(name, [...(held.get(name) ?? []), resolve]));
    }
    running.get(String(input.ox))!.now--;
    return { status: 200, body: { ran: input.n } } satisfies Outcome;
  };
  const runner = new JobRunner(
    watched.ledger,
    flights,
    { ...TEST_ASYNC_OPTIONS, laneOf: undefined, ...opts },
    execute,
    log.logger,
  );
  const release = (hold?: string) => {
    for (const [name, waiting] of held)
      if (!hold || hold === name) {
        held.delete(name);
        waiting.forEach((go) => go());
      }
  };
  t.teardown(async () => {
    release();
    await runner.stop();
  });
  return { watched, ledger: watched.ledger, runner, flights, log, runs, running, release };
}

const enqueue = (ledger: Ledger, key: string, instanceId: string, input: Record<string, unknown>, delayMs = 0) =>
  enqueueJob(ledger, key, instanceId, 'r', input, 60, delayMs);

const done = (ledger: Ledger, key: string) => async () => (await ledger.getJob(key))?.state === 'done';

t.test(
  'a tick runs the due jobs of known and unknown instances, each once, and says whether there was work',
  async (t) => {
    const { ledger, runner, runs, watched } = await rig(t);
    await addInstance(ledger, 'i-1');
    await enqueue(ledger, 'reqA PUT r', 'i-1', { n: 1 });
    await enqueue(ledger, 'reqB PUT r', 'gone', { n: 2 });
    await enqueue(ledger, 'later', 'i-1', { n: 3 }, 60_000);
    t.equal(await runner.tick(), true, 'there was work');
    t.equal(watched.count('claimDueJobs'), 2, 'one claim per lane: the instances, and the rest');
    t.ok(await until(done(ledger, 'reqA PUT r')));
    t.ok(await until(done(ledger, 'reqB PUT r')));
    t.same(runs.map((r) => r.input.n).sort(), [1, 2], 'each due job ran once; the later one waits');
    const a = runs.find((r) => r.input.n === 1)!;
    t.match(a.bindings, { reqId: 'reqA', job: 'reqA PUT r' }, "a run logs under its request's id");
    const stored = (await ledger.getJob('reqA PUT r'))!;
    t.equal(stored.attempts, 1, 'the attempt is counted');
    t.same(stored.result, { status: 200, body: { ran: 1 } });
    await sleep(20);
    t.equal(await runner.tick(), false, 'nothing due and nothing running');
  },
);

t.test('a tick reports work while a job runs here, and for a job that ran before it returned', async (t) => {
  const { ledger, runner, watched, release } = await rig(t);
  await addInstance(ledger, 'i-1');
  await enqueue(ledger, 'held', 'i-1', { hold: 'h' });
  t.equal(await runner.tick(), true);
  t.equal(await runner.tick(), true, 'no new job, but one still runs');
  release('h');
  t.ok(await until(done(ledger, 'held')));
  await sleep(20);
  // A quick job can finish while the tick still prunes: it counts as work all the same.
  await enqueue(ledger, 'quick', 'i-1', {});
  const fresh = new JobRunner(
    ledger,
    new Flights(ledger, TEST_ASYNC_OPTIONS, captureLog().logger),
    TEST_ASYNC_OPTIONS,
    async () => ({ status: 204 }),
    captureLog().logger,
  );
  watched.delay('pruneJobs', 100);
  t.equal(await fresh.tick(), true, 'a job claimed counts though it already finished');
  t.ok(await done(ledger, 'quick')());
});

t.test('a job this process already runs is not run again by a tick', async (t) => {
  const { ledger, runner, flights, runs, watched } = await rig(t);
  await addInstance(ledger, 'i-1');
  await enqueue(ledger, 'mine', 'i-1', { n: 1 });
  let finish!: () => void;
  flights.track('mine', {
    promise: new Promise<Outcome>((resolve) => (finish = () => resolve({ status: 204 }))),
    persisted: false,
    request: identityOf({}),
  });
  await runner.tick();
  await sleep(30);
  t.same(runs, [], 'not run a second time');
  t.equal(watched.count('updateJob'), 0, 'its attempts are left alone');
  finish();
});

t.test('each lane takes only as many jobs as it has free slots; a full lane is not asked', async (t) => {
  const { ledger, runner, running, release, watched } = await rig(t, {
    concurrency: 2,
    laneOf: (instance) => String(instance.settings.ox),
  });
  await addInstance(ledger, 'a', 'ox-a');
  await addInstance(ledger, 'b', 'ox-b');
  for (const n of [1, 2, 3, 4]) await enqueue(ledger, `a${n}`, 'a', { ox: 'ox-a', hold: `a${n}`, n });
  await enqueue(ledger, 'b1', 'b', { ox: 'ox-b', n: 5 });
  await runner.tick();
  t.ok(await until(done(ledger, 'b1')), 'the other lane does not wait');
  const claimsOfA = () =>
    (watched.calls.get('claimDueJobs') ?? []).filter(
      (args) => String(args[4] && (args[4] as { instanceIds: string[] }).instanceIds) === 'a',
    );
  t.equal(claimsOfA()[0]?.[3], 2, 'lane a asks for its two free slots');
  const before = claimsOfA().length;
  await runner.tick();
  t.equal(claimsOfA().length, before, 'a full lane is not asked at all');
  for (const n of [1, 2, 3, 4]) {
    release(`a${n}`);
    t.ok(await until(done(ledger, `a${n}`)), `a${n} ran`);
  }
  t.equal(running.get('ox-a')?.most, 2, 'never more than two at once in lane a');
});

t.test('a tick asked for while one claims claims again right after it', async (t) => {
  const { ledger, runner, watched } = await rig(t);
  await addInstance(ledger, 'i-1');
  watched.delay('claimDueJobs', 40);
  const first = runner.tick();
  await sleep(10);
  t.equal(await runner.tick(), true, 'the second tick answers at once');
  await first;
  t.equal(watched.count('claimDueJobs'), 4, 'two lanes, claimed twice');
});

t.test('the lanes are read again only after five seconds; finished jobs are pruned once a minute', async (t) => {
  const { ledger, runner, watched } = await rig(t, { keepFinishedMs: 1000 });
  await addInstance(ledger, 'i-1');
  const start = Date.now();
  await atTime(start, () => runner.tick());
  await atTime(start + 4999, () => runner.tick());
  t.equal(watched.count('listInstances'), 1);
  await atTime(start + 5000, () => runner.tick());
  t.equal(watched.count('listInstances'), 2, 'read again at five seconds');
  t.same(watched.calls.get('pruneJobs'), [[start - 1000]], 'pruned on the first tick, up to keepFinishedMs ago');
  await atTime(start + 59_999, () => runner.tick());
  t.equal(watched.count('pruneJobs'), 1);
  await atTime(start + 60_000, () => runner.tick());
  t.same(watched.calls.get('pruneJobs')?.[1], [start + 59_000], 'and again a minute later');
});

t.test('a failed tick is logged and the runner goes on', async (t) => {
  const { ledger, runner, watched, log } = await rig(t);
  await addInstance(ledger, 'i-1');
  watched.fail('claimDueJobs', new Error('ledger away'));
  t.equal(await runner.tick(), false);
  t.match(log.text(), /"level":50.*ledger away.*job runner tick failed/);
  watched.heal();
  await enqueue(ledger, 'k', 'i-1', {});
  t.equal(await runner.tick(), true);
});

t.test('a retry is run when it is due, at the earliest wake-up asked for, only on a started runner', async (t) => {
  const { ledger, runner } = await rig(t);
  await addInstance(ledger, 'i-1');
  await enqueue(ledger, 'k', 'i-1', {}, 30);
  runner.wakeAt(Date.now() + 30);
  await sleep(150);
  t.notOk(await done(ledger, 'k')(), 'a runner that was not started does not wake');
  runner.start(60_000);
  await sleep(20); // (the first periodic tick is a minute away)
  await enqueue(ledger, 'k', 'i-1', {}, 40);
  runner.wakeAt(Date.now() + 3000);
  runner.wakeAt(Date.now() + 40);
  runner.wakeAt(Date.now() + 5000);
  t.ok(await until(done(ledger, 'k'), 1500), 'the earliest wake-up runs it (not the one at 3 s)');
  await enqueue(ledger, 'k2', 'i-1', {}, 40);
  runner.wakeAt(Date.now() + 40);
  runner.wakeAt(Date.now() + 40);
  t.ok(await until(done(ledger, 'k2'), 1500), 'a wake-up asked twice runs it');
});

t.test('a stopped runner waits for what runs and claims nothing more', async (t) => {
  const { ledger, runner, watched, release } = await rig(t);
  await addInstance(ledger, 'i-1');
  await enqueue(ledger, 'held', 'i-1', { hold: 'h' });
  runner.start(10);
  t.ok(await until(async () => (await ledger.getJob('held'))?.state === 'running'));
  let stopped = false;
  const stopping = runner.stop().then(() => (stopped = true));
  await sleep(30);
  t.notOk(stopped, 'stop waits for the running job');
  release('h');
  await stopping;
  t.ok(await done(ledger, 'held')());
  const claims = watched.count('claimDueJobs');
  await enqueue(ledger, 'after', 'i-1', {});
  runner.wakeAt(Date.now());
  t.equal(await runner.tick(), false);
  await sleep(100);
  t.equal(watched.count('claimDueJobs'), claims, 'no claim after stop');
  t.notOk(await done(ledger, 'after')());
});

t.test('a runner stopped during a tick schedules none after it', async (t) => {
  const { runner, watched } = await rig(t);
  watched.delay('claimDueJobs', 60);
  runner.start(5);
  t.ok(await until(() => watched.count('claimDueJobs') > 0));
  await runner.stop();
  const claims = watched.count('claimDueJobs');
  await sleep(200);
  t.equal(watched.count('claimDueJobs'), claims);
});

t.test('a job that runs longer than its lease keeps it', async (t) => {
  const { ledger, runner, release } = await rig(t);
  await addInstance(ledger, 'i-1');
  await enqueue(ledger, 'long', 'i-1', { hold: 'l' });
  await runner.tick();
  const first = (await ledger.getJob('long'))!.leaseUntil;
  t.ok(await until(async () => (await ledger.getJob('long'))!.leaseUntil > first), 'the lease was renewed');
  release('l');
});

t.test('an idle runner looks for work less and less often', async (t) => {
  const { runner, watched } = await rig(t);
  runner.start(10);
  await sleep(400);
  const ticks = watched.count('claimDueJobs');
  // At 10, 20, 40, 80 and 160 ms apart: five ticks in 400 ms (forty without backing off).
  t.ok(ticks >= 2 && ticks <= 10, `${ticks} ticks in 400 ms`);
});

t.test('an attempt that fails for now is retried when due, without waiting for a periodic tick', async (t) => {
  const watched = await watchedLedger(t);
  await addInstance(watched.ledger, 'i-1');
  const log = captureLog('warn');
  const flights = new Flights(watched.ledger, { ...TEST_ASYNC_OPTIONS, maxRetryDelayS: 1 }, log.logger);
  let attempts = 0;
  const runner = new JobRunner(
    watched.ledger,
    flights,
    TEST_ASYNC_OPTIONS,
    async () => {
      if (++attempts === 1) throw Object.assign(new Error('OX is away'), { retryable: true });
      return { status: 204 };
    },
    log.logger,
  );
  t.teardown(() => runner.stop());
  runner.start(60_000);
  await enqueue(watched.ledger, 'flaky', 'i-1', {});
  await runner.tick();
  t.ok(await until(done(watched.ledger, 'flaky'), 2500), 'retried a second later');
  t.equal(attempts, 2);
});
