// The job runner on a real ledger: bounded per lane, leases renewed while a job runs, and a key
// that is already running is never run a second time.
import t, { type Test } from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { AsyncProtocol, enqueueJob, type AsyncOptions, type Executor } from '../../app/aps/async-protocol.js';
import type { Outcome } from '../../app/aps/types.js';
import type { Ledger } from '../../app/store/ledger.js';
import { PostgresLedger } from '../../app/store/postgres-ledger.js';
import { SqliteLedger } from '../../app/store/sqlite-ledger.js';
import { SecretBox } from '../../app/util/secret-box.js';
import { TestPostgres } from '../../scripts/stand-ins/postgres-server.js';
import { needsPostgres } from '../support/requirements.js';
import { sideBySide } from '../support/side-by-side.js';
import { TEST_ASYNC_OPTIONS } from '../support/async-options.js';
import { addInstance } from '../support/watched-ledger.js';

const log = pino({ level: 'silent' });
t.jobs = sideBySide(7);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const OPTIONS: AsyncOptions = { ...TEST_ASYNC_OPTIONS, laneOf: (instance) => String(instance.settings.ox) };

async function openLedger(t: Test): Promise<Ledger> {
  const ledger = await SqliteLedger.open(
    join(mkdtempSync(join(tmpdir(), 'runner-')), 'ledger.sqlite'),
    new SecretBox(randomBytes(32)),
  );
  t.teardown(() => ledger.close());
  return ledger;
}

function runner(t: Test, ledger: Ledger, execute: Executor, tickMs = 50): AsyncProtocol {
  const protocol = new AsyncProtocol(ledger, OPTIONS, execute, log);
  protocol.start(tickMs);
  t.teardown(() => protocol.stop());
  return protocol;
}

async function settled(ledger: Ledger, keys: string[], timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const jobs = await Promise.all(keys.map((k) => ledger.getJob(k)));
    if (jobs.every((j) => j?.state === 'done' || j?.state === 'failed')) return;
    await sleep(50);
  }
  throw new Error('jobs did not finish');
}

/** A run that takes `ms` and counts how often it was started. */
function counted(ms: number, outcome: Outcome) {
  const counter = {
    runs: 0,
    run: async () => {
      counter.runs++;
      await sleep(ms);
      return outcome;
    },
  };
  return counter;
}

/** Waits for the job to finish and checks the answer it keeps for the controller. */
async function finishedWith(t: Test, ledger: Ledger, key: string, result: Outcome): Promise<void> {
  await settled(ledger, [key]);
  t.same((await ledger.getJob(key))?.result, result);
}

t.test('a job that runs longer than its lease runs once, even with a second replica watching', async (t) => {
  const ledger = await openLedger(t);
  await addInstance(ledger, 'i1', 'ox-a');
  const slow = counted(3500, { status: 200, body: { ok: true } }); // three and a half leases long
  runner(t, ledger, slow.run);
  runner(t, ledger, slow.run);
  await enqueueJob(ledger, 'slow-job', 'i1', 'r1', {}, 60);
  await finishedWith(t, ledger, 'slow-job', { status: 200, body: { ok: true } });
  t.equal(slow.runs, 1, 'neither runner took the job over while it ran');
});

t.test('a request that went on in the background is not run again by the runner while it runs', async (t) => {
  const ledger = await openLedger(t);
  await addInstance(ledger, 'i1', 'ox-a');
  const rerun = counted(0, { status: 204 });
  const protocol = runner(t, ledger, rerun.run);
  const answer = await protocol.handle(
    'inline-job',
    { instanceId: 'i1', phase: 'sync', input: {} },
    counted(1200, { status: 200, body: { first: true } }).run,
  );
  t.match(answer, { accepted: true }, 'answered 202 after the sync budget');
  await finishedWith(t, ledger, 'inline-job', { status: 200, body: { first: true } });
  t.equal(rerun.runs, 0, 'the runner never started a second run');
});

t.test('a failed attempt is retried when it is due, not at the next periodic tick', async (t) => {
  const ledger = await openLedger(t);
  await addInstance(ledger, 'i1', 'ox-a');
  let attempts = 0;
  // The periodic tick never comes within this test.
  const protocol = runner(
    t,
    ledger,
    async () => {
      attempts++;
      if (attempts < 3) throw Object.assign(new Error('OX is busy'), { retryable: true });
      return { status: 204 };
    },
    600_000,
  );
  const answer = await protocol.handle('due-job', { instanceId: 'i1', phase: 'sync', input: {} }, async () => {
    attempts++;
    throw Object.assign(new Error('OX is busy'), { retryable: true });
  });
  t.match(answer, { accepted: true }, 'a retryable failure answers 202');
  await settled(ledger, ['due-job'], 10_000);
  t.equal((await ledger.getJob('due-job'))?.state, 'done', 'retried twice (a second apart) and done');
  t.equal(attempts, 3);
});

t.test(
  'an idle runner looks for work less and less often, and at the base interval again once it finds some',
  async (t) => {
    const ledger = await openLedger(t);
    await addInstance(ledger, 'i1', 'ox-a');
    let runs = 0;
    const protocol = runner(t, ledger, async () => {
      runs++;
      return { status: 204 };
    });
    // Wrapped before the first tick is due (50 ms after start).
    const ticks: number[] = [];
    const tick = protocol.runner.tick.bind(protocol.runner);
    protocol.runner.tick = async () => {
      ticks.push(Date.now());
      return tick();
    };
    await sleep(1700);
    t.ok(ticks.length >= 4 && ticks.length <= 6, `${ticks.length} ticks in 1.7 s idle (every 50 ms would be 34)`);
    const gaps = ticks.slice(1).map((at, i) => at - ticks[i]);
    t.ok(
      gaps.every((gap, i) => i === 0 || gap > gaps[i - 1] * 1.5),
      `each wait about twice the last: ${gaps.join(' ')} ms`,
    );
    await enqueueJob(ledger, 'found', 'i1', 'r1', {}, 60);
    await settled(ledger, ['found'], 5000);
    t.equal(runs, 1, 'a job another replica queued is still found');
    const found = Date.now();
    await sleep(400);
    t.ok(ticks.filter((at) => at > found).length >= 2, 'and the runner looks at the base interval again');
  },
);

t.test('the runner keeps at most `concurrency` jobs per OX lane, and lanes do not wait for each other', async (t) => {
  const ledger = await openLedger(t);
  await addInstance(ledger, 'a1', 'ox-a');
  await addInstance(ledger, 'a2', 'ox-a');
  await addInstance(ledger, 'b1', 'ox-b');
  const active = new Map<string, number>();
  const peak = new Map<string, number>();
  let peakTotal = 0;
  const runs = new Map<string, number>();
  runner(t, ledger, async (input) => {
    const lane = String(input.lane);
    runs.set(String(input.n), (runs.get(String(input.n)) ?? 0) + 1);
    active.set(lane, (active.get(lane) ?? 0) + 1);
    peak.set(lane, Math.max(peak.get(lane) ?? 0, active.get(lane)!));
    peakTotal = Math.max(
      peakTotal,
      [...active.values()].reduce((a, b) => a + b, 0),
    );
    await sleep(100);
    active.set(lane, active.get(lane)! - 1);
    return { status: 204 };
  });
  const keys: string[] = [];
  for (let n = 0; n < 36; n++) {
    const [instanceId, lane] = [
      ['a1', 'ox-a'],
      ['a2', 'ox-a'],
      ['b1', 'ox-b'],
      ['gone', 'none'],
    ][n % 4];
    keys.push(`job-${n}`);
    await enqueueJob(ledger, `job-${n}`, instanceId, `r${n}`, { lane, n }, 60);
  }
  await settled(ledger, keys);
  t.equal(runs.size, 36, 'every job ran');
  t.ok(
    [...runs.values()].every((count) => count === 1),
    'each exactly once',
  );
  t.equal(peak.get('ox-a'), 3, 'two instances on one OX share its three slots');
  t.equal(peak.get('ox-b'), 3);
  t.ok((peak.get('none') ?? 0) <= 3, 'jobs of an unknown instance are bounded too');
  t.ok(peakTotal > 3, `lanes ran side by side (peak ${peakTotal})`);
});

t.test(
  'replicas on PostgreSQL: a request that runs longer than its lock keeps it',
  { skip: needsPostgres() },
  async (t) => {
    const server = await new TestPostgres().start();
    t.teardown(() => server.stop());
    const url = await server.database('runner');
    const key = randomBytes(32); // replicas share the ledger's key
    const [a, b] = await Promise.all([0, 1].map(() => PostgresLedger.connect(url, new SecretBox(key))));
    t.teardown(() => Promise.all([a.close(), b.close()]));
    const options = { ...OPTIONS, syncBudgetMs: 6000 };
    const [replicaA, replicaB] = [a, b].map(
      (ledger) => new AsyncProtocol(ledger, options, async () => ({ status: 204 }), log),
    );
    const request = counted(3500, { status: 200, body: { ok: true } }); // three and a half lock periods
    const meta = { instanceId: 'i1', phase: 'sync' as const, input: {} };
    const first = replicaA.handle('locked-request', meta, request.run);
    await sleep(1500);
    const second = await replicaB.handle('locked-request', meta, request.run);
    t.match(second, { accepted: true }, 'the other replica waits');
    t.same(await first, { status: 200, body: { ok: true } });
    t.equal(request.runs, 1, 'the request ran once');
  },
);

t.test(
  'replicas on PostgreSQL: the stored answer of a finished request leaves no lock behind',
  { skip: needsPostgres() },
  async (t) => {
    const server = await new TestPostgres().start();
    t.teardown(() => server.stop());
    const url = await server.database('answers');
    const key = randomBytes(32);
    const [a, b] = await Promise.all([0, 1].map(() => PostgresLedger.connect(url, new SecretBox(key))));
    t.teardown(() => Promise.all([a.close(), b.close()]));
    const [replicaA, replicaB] = [a, b].map(
      (ledger) => new AsyncProtocol(ledger, OPTIONS, async () => ({ status: 204 }), log),
    );
    const request = counted(300, { status: 200, body: { ok: true } });
    const meta = { instanceId: 'i1', phase: 'sync' as const, input: {} };
    t.match(await replicaA.handle('slow-request', meta, request.run), { accepted: true }, 'past the sync budget: 202');
    t.match(
      await replicaB.handle('slow-request', { ...meta, phase: 'async' }, request.run),
      { accepted: true },
      'the other replica: still running',
    );
    await finishedWith(t, a, 'slow-request', { status: 200, body: { ok: true } });
    t.same(
      await replicaB.handle('slow-request', { ...meta, phase: 'async' }, request.run),
      { status: 200, body: { ok: true } },
      'then the final answer',
    );
    t.equal(
      await b.tryLock('slow-request', 'probe', 1000),
      true,
      'and no lock is left behind (the lookup took one to no use)',
    );
    await b.unlock('slow-request', 'probe');
    t.same(
      await replicaB.handle('slow-request', meta, counted(0, { status: 204 }).run),
      { status: 204 },
      'a new request of the same key runs at once',
    );
    t.equal(request.runs, 1, 'the slow request ran once');
  },
);
