// What the async protocol answers each request, on a real ledger: the run's own answer within the
// sync budget, its error when no retry mends it, 202 and a job when it takes longer or fails for
// now, the stored answer on the controller's poll, and a turn for another change of the resource.
// Two protocols on one ledger of kind 'postgres' are two replicas (the locks are the same SQL).
import t, { type Test } from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { AsyncProtocol, enqueueJob, isAccepted, type Accepted } from '../../app/aps/async-protocol.js';
import type { AsyncOptions } from '../../app/aps/async-options.js';
import { ApsError } from '../../app/aps/errors.js';
import { identityOf, sameRequest } from '../../app/aps/request-identity.js';
import type { Outcome } from '../../app/aps/types.js';
import type { JobRecord, Ledger } from '../../app/store/ledger.js';
import { captureLog } from '../support/log-capture.js';
import { TEST_ASYNC_OPTIONS } from '../support/async-options.js';
import { watchedLedger } from '../support/watched-ledger.js';

const OPTIONS: AsyncOptions = { ...TEST_ASYNC_OPTIONS, retryTimeoutS: 7, maxRetryDelayS: 30 };
const KEY = 'i-1 PUT r-1';

function protocol(t: Test, ledger: Ledger, opts: Partial<AsyncOptions> = {}): AsyncProtocol {
  const p = new AsyncProtocol(ledger, { ...OPTIONS, ...opts }, async () => ({ status: 204 }), captureLog().logger);
  t.teardown(() => p.stop());
  return p;
}

const meta = (body: Record<string, unknown>, phase: 'sync' | 'async' = 'sync', transactionId?: string) => ({
  instanceId: 'i-1',
  resourceId: 'r-1',
  phase,
  input: { operation: 'configure', body, ...(transactionId ? { transactionId } : {}) },
});

/** A run that waits for `release()` and counts its starts. */
function held(outcome: Outcome = { status: 200, body: { done: true } }) {
  let go!: () => void;
  let fail!: (e: unknown) => void;
  const gate = new Promise<void>((resolve, reject) => {
    go = resolve;
    fail = reject;
  });
  const run = {
    starts: 0,
    run: async () => {
      run.starts++;
      await gate;
      return outcome;
    },
    release: () => go(),
    fail: (e: unknown) => fail(e),
  };
  return run;
}

const answer = (outcome: Outcome) => async () => outcome;
const failing = (error: unknown) => async (): Promise<Outcome> => {
  throw error;
};
const retryable = (message = 'OX is away') => new ApsError(503, 'OxUnavailable', message, { retryable: true });

async function settledJob(ledger: Ledger, key = KEY): Promise<JobRecord> {
  for (let i = 0; i < 200; i++) {
    const job = await ledger.getJob(key);
    if (job && (job.state === 'done' || job.state === 'failed')) return job;
    await sleep(10);
  }
  throw new Error('the job did not finish');
}

const accepted = (value: Outcome | Accepted): Accepted => {
  if (!isAccepted(value)) throw new Error(`expected 202, got ${JSON.stringify(value)}`);
  return value;
};

t.test('within the budget the run answers; an error no retry mends is thrown and stores nothing', async (t) => {
  const w = await watchedLedger(t);
  const p = protocol(t, w.ledger);
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  t.same(await p.handle(KEY, meta({ a: 1 }), answer({ status: 200, body: { a: 1 } })), { status: 200, body: { a: 1 } });
  t.equal(timers(), before, "the budget's timer is cleared");
  t.notOk(isAccepted({ status: 200 }));
  const refused = new ApsError(409, 'LoginTaken', 'taken');
  await t.rejects(p.handle(KEY, meta({ a: 2 }), failing(refused)), refused);
  t.equal(w.count('saveJob'), 0, 'no job');
  t.equal(w.count('unlock'), 0, 'one process on SQLite takes no locks');
  t.equal(w.count('getJobAndLock'), 0);
});

t.test('a run beyond the budget goes on as a job, kept once however often it is asked', async (t) => {
  const w = await watchedLedger(t);
  const p = protocol(t, w.ledger, { syncBudgetMs: 600 });
  p.start(60_000);
  const slow = held();
  const started = Date.now();
  const [first, second] = await Promise.all([
    p.handle(KEY, meta({ a: 1 }), slow.run),
    sleep(10).then(() => p.handle(KEY, meta({ a: 1 }), slow.run)),
  ]);
  t.same(accepted(first), {
    accepted: true,
    retryTimeout: 7,
    info: 'The operation is taking longer than 1 s; it continues in the background.',
  });
  t.same(second, first, 'the repeat joins the same run');
  t.equal(slow.starts, 1);
  t.equal(w.count('saveJob'), 1, 'one job');
  const job = (await w.ledger.getJob(KEY))!;
  t.match(job, { state: 'running', attempts: 1, resourceId: 'r-1', instanceId: 'i-1', leaseOwner: p.owner });
  t.ok(job.leaseUntil >= started + OPTIONS.leaseMs, 'leased for a lease term');
  t.ok(job.deadline >= started + OPTIONS.deadlineS * 1000 && job.deadline < Date.now() + OPTIONS.deadlineS * 1000 + 1);
  t.ok(sameRequest(job.request!, identityOf(meta({ a: 1 }).input)), 'it knows its request');
  await sleep(30);
  t.equal(w.count('claimDueJobs'), 0, 'a running job wakes no runner');
  t.same(accepted(await p.handle(KEY, meta({ a: 1 }, 'async'), slow.run)).retryTimeout, 7, 'poll: still running');
  slow.release();
  t.same((await settledJob(w.ledger)).result, { status: 200, body: { done: true } });
  t.same(await p.handle(KEY, meta({ a: 1 }, 'async'), slow.run), { status: 200, body: { done: true } });
  t.equal(slow.starts, 1, 'the poll gets the stored answer');
  t.same(
    await p.handle(KEY, meta({ a: 1 }, 'sync'), answer({ status: 200, body: { again: true } })),
    {
      status: 200,
      body: { again: true },
    },
    'the same request sent anew after it finished runs again',
  );
  t.equal(w.count('unlock'), 0, 'one process on SQLite holds no locks to give back');
});

t.test('a retryable failure waits for its retry; the controller is told when to ask again', async (t) => {
  const w = await watchedLedger(t);
  const p = protocol(t, w.ledger);
  const first = accepted(await p.handle(KEY, meta({ a: 1 }), failing(retryable())));
  t.equal(first.retryTimeout, 2, 'the first retry is two seconds away');
  t.equal(first.info, 'Waiting to retry (attempt 1 failed): OX is away');
  const job = (await w.ledger.getJob(KEY))!;
  t.equal(job.state, 'waiting');
  await sleep(20);
  t.equal(w.count('updateJob'), 0, 'the failed attempt is recorded once, with the job');
  await w.ledger.updateJob(KEY, { nextRetryAt: Date.now() + 100_000 });
  t.equal(
    accepted(await p.handle(KEY, meta({ a: 1 }, 'async'), failing(retryable()))).retryTimeout,
    30,
    'at most the longest delay',
  );
  await w.ledger.updateJob(KEY, { nextRetryAt: Date.now() - 5000 });
  t.equal(
    accepted(await p.handle(KEY, meta({ a: 1 }, 'async'), failing(retryable()))).retryTimeout,
    1,
    'overdue: a second',
  );
  await w.ledger.updateJob(KEY, { state: 'running', info: null });
  t.same(accepted(await p.handle(KEY, meta({ a: 1 }, 'async'), failing(retryable()))), {
    accepted: true,
    retryTimeout: 7,
    info: 'The operation continues in the background.',
  });
});

t.test('beyond the bound towards OX a request waits as a job while the backlog has room', async (t) => {
  const shed = new ApsError(503, 'Busy', 'Too many calls to OX at once', { retryAfterS: 5 });
  const w = await watchedLedger(t);
  const roomy = protocol(t, w.ledger, { backlog: 1 });
  t.equal(accepted(await roomy.handle(KEY, meta({ a: 1 }), failing(shed))).retryTimeout, 2);
  t.equal((await w.ledger.getJob(KEY))?.state, 'waiting');
  const full = protocol(t, w.ledger, { backlog: 1 });
  await t.rejects(full.handle('i-1 PUT r-2', meta({ a: 2 }), failing(shed)), shed, 'a full backlog: 503 at once');
  t.equal(await w.ledger.getJob('i-1 PUT r-2'), undefined);
  const none = protocol(t, w.ledger, { backlog: 0 });
  await t.rejects(none.handle('i-1 PUT r-3', meta({ a: 3 }), failing(shed)), shed);
  await t.rejects(full.handle('i-1 PUT r-4', meta({ a: 4 }), failing(new ApsError(500, 'Oops', 'x'))), {
    error: 'Oops',
    message: 'x',
  });
});

t.test('a different change of the resource waits for the running one, then runs itself', async (t) => {
  const w = await watchedLedger(t);
  const p = protocol(t, w.ledger);
  const slow = held();
  const running = p.handle(KEY, meta({ name: 'one' }), slow.run);
  await sleep(10); // (still within the budget: no job yet)
  const other = held();
  const turn = accepted(await p.handle(KEY, meta({ name: 'two' }), other.run));
  t.same(turn, {
    accepted: true,
    retryTimeout: 7,
    info: 'Waiting for an earlier change of this resource to finish; this change follows it.',
  });
  t.equal(other.starts, 0);
  accepted(await running);
  t.equal(
    accepted(await p.handle(KEY, meta({ name: 'two' }, 'async'), other.run)).info,
    turn.info,
    'and while it is a job',
  );
  slow.release();
  await settledJob(w.ledger);
  await sleep(10);
  t.same(await p.handle(KEY, meta({ name: 'two' }, 'async'), answer({ status: 200, body: { name: 'two' } })), {
    status: 200,
    body: { name: 'two' },
  });
});

t.test('a lane keeps the final answers of its five latest earlier requests for their polls', async (t) => {
  const w = await watchedLedger(t);
  const p = protocol(t, w.ledger, { syncBudgetMs: 20 });
  for (let n = 1; n <= 7; n++) {
    const slow = held({ status: 200, body: { n } });
    accepted(await p.handle(KEY, meta({ n }, 'sync', `tx-${n}`), slow.run));
    if (n === 6) slow.fail(new ApsError(422, 'Invalid', `number ${n} is refused`));
    else slow.release();
    await settledJob(w.ledger);
    await sleep(10);
  }
  const job = (await w.ledger.getJob(KEY))!;
  t.same(
    job.earlier?.map((e) => e.transactionId),
    ['tx-6', 'tx-5', 'tx-4', 'tx-3', 'tx-2'],
    'newest first, five of them',
  );
  t.same(await p.handle(KEY, meta({ n: 4 }, 'async', 'tx-4'), answer({ status: 500 })), {
    status: 200,
    body: { n: 4 },
  });
  await t.rejects(p.handle(KEY, meta({ n: 6 }, 'async', 'tx-6'), answer({ status: 500 })), {
    status: 422,
    error: 'Invalid',
    message: 'number 6 is refused',
  });
  t.same(
    await p.handle(KEY, meta({ n: 4 }, 'sync', 'tx-4'), answer({ status: 200, body: { fresh: true } })),
    { status: 200, body: { fresh: true } },
    'a new request like an earlier one (not a poll) runs',
  );
  t.same(
    await p.handle(KEY, meta({ n: 1 }, 'async', 'tx-1'), answer({ status: 200, body: { again: 1 } })),
    { status: 200, body: { again: 1 } },
    'one forgotten runs again',
  );
});

t.test('the first answer a lane keeps is its only one', async (t) => {
  const w = await watchedLedger(t);
  const p = protocol(t, w.ledger, { syncBudgetMs: 20 });
  for (const n of [1, 2]) {
    const slow = held({ status: 200, body: { n } });
    accepted(await p.handle(KEY, meta({ n }), slow.run));
    slow.release();
    await settledJob(w.ledger);
    await sleep(10);
  }
  t.same((await w.ledger.getJob(KEY))?.earlier, [
    { ...identityOf(meta({ n: 1 }).input), state: 'done', result: { status: 200, body: { n: 1 } }, error: null },
  ]);
});

t.test("a finished job's stored answer, whatever shape it was kept in", async (t) => {
  const w = await watchedLedger(t);
  const p = protocol(t, w.ledger);
  const input = meta({ a: 1 }, 'async').input;
  const store = (patch: Partial<JobRecord>) =>
    w.ledger.saveJob({
      key: KEY,
      instanceId: 'i-1',
      state: 'done',
      attempts: 1,
      nextRetryAt: 0,
      leaseUntil: 0,
      deadline: Date.now() + 60_000,
      input,
      createdAt: Date.now(),
      updatedAt: Date.now(),
      ...patch,
    });
  const poll = () => p.handle(KEY, meta({ a: 1 }, 'async'), answer({ status: 500 }));
  await store({ result: null });
  t.same(await poll(), { status: 204 }, 'done without a body');
  await store({ state: 'failed', error: null });
  await t.rejects(poll(), { status: 500, error: 'Failed', message: 'The operation failed.' });
  await store({ state: 'failed', error: { status: 418, body: { error: 7, message: ['x'] } } });
  await t.rejects(poll(), { status: 418, error: 'Failed', message: 'The operation failed.' });
  await store({ state: 'failed', error: { status: 409, body: 'text' } });
  await t.rejects(poll(), { status: 409, error: 'Failed', message: 'The operation failed.' });
  await store({ state: 'failed', error: { status: 409, body: { error: 'Taken', message: 'The login is taken' } } });
  await t.rejects(poll(), { status: 409, error: 'Taken', message: 'The login is taken' });
});

t.test('two replicas: the one holding the request runs it, the other answers 202', async (t) => {
  const w = await watchedLedger(t, 'postgres');
  const other = w.replica();
  const a = protocol(t, w.ledger);
  const b = protocol(t, other.ledger);
  const slow = held();
  const running = a.handle(KEY, meta({ a: 1 }), slow.run);
  await sleep(10);
  const bRun = held();
  t.same(accepted(await b.handle(KEY, meta({ a: 1 }), bRun.run)), {
    accepted: true,
    retryTimeout: 7,
    info: 'Another endpoint replica is working on this request.',
  });
  t.equal(bRun.starts, 0, 'never run twice');
  accepted(await running);
  t.equal(accepted(await b.handle(KEY, meta({ a: 1 }, 'async'), bRun.run)).retryTimeout, 7);
  t.equal(other.count('unlock'), 0, 'an unfinished job takes no lock to give back');
  slow.release();
  await settledJob(w.ledger);
  await sleep(20);
  t.same(await b.handle(KEY, meta({ a: 1 }, 'async'), bRun.run), { status: 200, body: { done: true } });
  t.equal(other.count('unlock'), 1, 'the lock taken with the stored answer is given back at once');
  t.ok(await w.ledger.tryLock(KEY, 'a third replica', 1000), 'so another may take it');
  await w.ledger.unlock(KEY, 'a third replica');
  t.same(await b.handle(KEY, meta({ a: 2 }), answer({ status: 200, body: { b: 2 } })), { status: 200, body: { b: 2 } });
  await sleep(20);
  t.ok(await w.ledger.tryLock(KEY, 'a third replica', 1000), "the request's lock is released when it settles");
});

t.test('queued work is stored waiting, due after its delay, with its deadline', async (t) => {
  const w = await watchedLedger(t);
  const now = Date.now();
  await enqueueJob(w.ledger, 'bg', 'i-1', 'r-1', { operation: 'reapply' }, 90, 5000);
  const job = (await w.ledger.getJob('bg'))!;
  t.match(job, { state: 'waiting', attempts: 0, leaseUntil: 0, info: 'Queued', resourceId: 'r-1' });
  t.ok(job.nextRetryAt >= now + 5000 && job.nextRetryAt <= Date.now() + 5000);
  t.ok(job.deadline >= now + 90_000 && job.deadline <= Date.now() + 90_000);
});

t.test('a request without a transaction id is told by its body alone', async (t) => {
  const one = identityOf({ operation: 'configure', body: { a: 1 } });
  t.equal(one.transactionId, '');
  t.equal(identityOf({ operation: 'configure', transactionId: 42, body: { a: 1 } }).transactionId, '');
  t.notOk(sameRequest(one, identityOf({ operation: 'configure', body: { a: 2 } })));
  t.ok(sameRequest(identityOf({ transactionId: 'x', body: { a: 1 } }), identityOf({ transactionId: 'x', body: {} })));
  const polled = identityOf(
    { operation: 'configure', body: { a: 1, aps: { status: 'aps:ready' }, login: 'x' } },
    new Set(['login']),
  );
  t.equal(polled.digest, one.digest, 'the aps header and what the endpoint answers itself do not count');
  t.not(
    identityOf({ operation: 'configure', body: { a: 1, login: 'x' } }).digest,
    one.digest,
    'what the caller sends does',
  );
});

t.test('a failed attempt waiting for its retry wakes the runner when due', async (t) => {
  const w = await watchedLedger(t);
  let runs = 0;
  const p2 = new AsyncProtocol(
    w.ledger,
    { ...OPTIONS, maxRetryDelayS: 1 },
    async () => {
      runs++;
      return { status: 200, body: { retried: true } };
    },
    captureLog().logger,
  );
  t.teardown(() => p2.stop());
  p2.start(60_000);
  accepted(await p2.handle(KEY, meta({ a: 1 }), failing(retryable())));
  t.same((await settledJob(w.ledger)).result, { status: 200, body: { retried: true } }, 'retried a second later');
  t.equal(runs, 1);
});

t.test('a started protocol runs queued work; stopping waits for it', async (t) => {
  const w = await watchedLedger(t);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const p = new AsyncProtocol(
    w.ledger,
    OPTIONS,
    async () => {
      await gate;
      return { status: 204 };
    },
    captureLog().logger,
  );
  await enqueueJob(w.ledger, 'queued', 'i-1', 'r-1', {}, 60);
  p.start(10);
  for (let i = 0; i < 100 && (await w.ledger.getJob('queued'))?.state !== 'running'; i++) await sleep(10);
  t.equal((await w.ledger.getJob('queued'))?.state, 'running');
  let stopped = false;
  const stopping = p.stop().then(() => (stopped = true));
  await sleep(30);
  t.notOk(stopped);
  release();
  await stopping;
  t.equal((await w.ledger.getJob('queued'))?.state, 'done');
});

t.test('a repeat sent as soon as the answer arrives finds the request lock released', async (t) => {
  const w = await watchedLedger(t, 'postgres');
  const a = protocol(t, w.ledger);
  const b = protocol(t, w.replica().ledger);
  w.delay('unlock', 50); // a ledger slow to answer the release
  t.same(await a.handle(KEY, meta({ a: 1 }), answer({ status: 200, body: { n: 1 } })), { status: 200, body: { n: 1 } });
  t.same(await a.handle(KEY, meta({ a: 1 }), answer({ status: 200, body: { n: 2 } })), { status: 200, body: { n: 2 } });
  t.same(
    await b.handle(KEY, meta({ a: 1 }), answer({ status: 200, body: { n: 3 } })),
    { status: 200, body: { n: 3 } },
    'on another replica too',
  );
});
