// The flights on a real ledger, one part at a time: what a running request holds (its lock, its
// lease) and renews, and how an attempt's outcome is recorded: done, a retry with back-off until
// the job's deadline, or a failure that tells why.
import t, { type Test } from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { Flights, type InFlight } from '../../app/aps/flights.js';
import { ApsError } from '../../app/aps/errors.js';
import { identityOf } from '../../app/aps/request-identity.js';
import type { JobRecord } from '../../app/store/ledger.js';
import type { Outcome } from '../../app/aps/types.js';
import { captureLog } from '../support/log-capture.js';
import { until } from '../support/until.js';
import { addInstance, atTime, watchedLedger, type WatchedLedger } from '../support/watched-ledger.js';

const request = identityOf({ operation: 'test' });

function deferred() {
  let resolve!: (o: Outcome) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<Outcome>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function setUp(t: Test, opts = { leaseMs: 300, maxRetryDelayS: 60 }) {
  const watched = await watchedLedger(t);
  const log = captureLog('warn');
  const flights = new Flights(watched.ledger, opts, log.logger);
  t.teardown(() => flights.settleAll());
  return { watched, log, flights };
}

function job(overrides: Partial<JobRecord> = {}): JobRecord {
  const now = Date.now();
  return {
    key: 'job-1',
    instanceId: 'i-1',
    resourceId: null,
    state: 'running',
    attempts: 1,
    nextRetryAt: now,
    leaseUntil: now + 300,
    leaseOwner: null,
    deadline: now + 60_000,
    input: { operation: 'test' },
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

async function saved(w: WatchedLedger, flights: Flights, overrides: Partial<JobRecord> = {}): Promise<JobRecord> {
  const record = job({ leaseOwner: flights.owner, ...overrides });
  await w.ledger.saveJob(record);
  return record;
}

t.test('a tracked flight is known until it settles; settleAll waits for every one', async (t) => {
  const { flights } = await setUp(t);
  const d = deferred();
  const flight: InFlight = { promise: d.promise, persisted: false, request };
  flights.track('k', flight);
  t.equal(flights.get('k'), flight);
  t.ok(flights.has('k'));
  t.notOk(flights.has('other'));
  t.equal(flights.size, 1);
  let all = false;
  const settling = flights.settleAll().then(() => (all = true));
  await sleep(20);
  t.notOk(all, 'settleAll waits for a running flight');
  d.reject(new Error('gone'));
  await settling;
  t.ok(all);
  await sleep(0);
  t.notOk(flights.has('k'), 'a settled flight is forgotten, failed or not');
  t.equal(flights.size, 0);
  t.equal(flights.get('k'), undefined);
});

t.test('a flight renews its lock and lease at a third of the lease, and releases its lock at the end', async (t) => {
  const { watched, flights, log } = await setUp(t);
  const firstTerm = (await saved(watched, flights)).leaseUntil;
  t.ok(await watched.ledger.tryLock('job-1', flights.owner, 300));
  const d = deferred();
  // Timers fire late on a busy machine, never early: the gaps have a floor, the count only a minimum.
  const renewedAt: number[] = [];
  const thirdRenewal = () => {
    while (watched.count('renewLease') > renewedAt.length) renewedAt.push(Date.now());
    return renewedAt.length >= 3;
  };
  const started = Date.now();
  flights.track('job-1', { promise: d.promise, persisted: true, locked: true, request });
  t.ok(await until(thirdRenewal, 5000, 1), 'the lease renewed three times');
  const [first, second, third] = renewedAt.map((at) => at - started) as [number, number, number];
  t.ok(first >= 90, `the first renewal a third of the lease in (${first} ms)`);
  t.ok(second - first >= 90 && third - second >= 90, `then every ~100 ms (at ${second} and ${third} ms)`);
  t.ok(watched.count('renewLock') >= 2, 'the lock renewed with it');
  t.same(watched.calls.get('renewLock')?.[0], ['job-1', flights.owner, 300]);
  const lease = (await watched.ledger.getJob('job-1'))!.leaseUntil;
  t.ok(lease > firstTerm, 'the lease runs on past its first term');
  t.notOk(await watched.ledger.tryLock('job-1', 'someone else', 300), 'the lock is still held');
  d.resolve({ status: 200 });
  await flights.settleAll();
  t.ok(await until(() => watched.count('unlock') > 0));
  t.same(watched.calls.get('unlock'), [['job-1', flights.owner]], 'the lock is released once');
  t.ok(await watched.ledger.tryLock('job-1', 'someone else', 300), 'and another may take it');
  t.equal(log.lines.length, 0, 'nothing to warn about');
  const after = watched.count('renewLease');
  await sleep(150);
  t.equal(watched.count('renewLease'), after, 'renewals stop when the flight settles');
});

t.test('a flight that holds no lock and is not a job renews and releases nothing', async (t) => {
  const { watched, flights } = await setUp(t);
  const d = deferred();
  flights.track('k', { promise: d.promise, persisted: false, request });
  await sleep(250);
  d.resolve({ status: 200 });
  await flights.settleAll();
  await sleep(20);
  t.equal(watched.count('renewLock'), 0);
  t.equal(watched.count('renewLease'), 0);
  t.equal(watched.count('unlock'), 0);
});

t.test('a flight whose lease another process took says so; ledger errors are logged, not thrown', async (t) => {
  const { watched, flights, log } = await setUp(t);
  await saved(watched, flights, { leaseOwner: 'another process' });
  const d = deferred();
  flights.track('job-1', { promise: d.promise, persisted: true, request });
  t.ok(await until(() => /"job":"job-1".*a running job lost its lease/.test(log.text())), 'a lost lease is said');
  t.equal(watched.count('renewLock'), 0, 'no lock to renew');
  log.lines.length = 0;
  watched.fail('renewLease', new Error('ledger away'));
  const renewFailed = /"message":"ledger away".*"job":"job-1".*could not renew a job lease/;
  t.ok(await until(() => renewFailed.test(log.text())), 'a failed renewal is logged');
  watched.heal();
  watched.fail('unlock', new Error('ledger still away'));
  flights.track('k2', { promise: Promise.resolve({ status: 204 }), persisted: false, locked: true, request });
  t.ok(await until(() => /"key":"k2".*could not release a request lock/.test(log.text())), 'a failed unlock is logged');
  d.resolve({ status: 200 });
});

t.test('a flight replaced under its key no longer speaks for the lease', async (t) => {
  const { watched, flights, log } = await setUp(t);
  await saved(watched, flights, { leaseOwner: 'another process' });
  const first = deferred();
  flights.track('job-1', { promise: first.promise, persisted: true, request });
  flights.track('job-1', { promise: new Promise(() => undefined), persisted: false, request });
  await sleep(250);
  t.notMatch(log.text(), /lost its lease/, 'only the flight that runs under the key warns');
  first.resolve({ status: 200 });
});

t.test('a finished attempt is recorded as done, with its answer, and the lease let go', async (t) => {
  const { watched, flights } = await setUp(t);
  const record = await saved(watched, flights);
  await flights.follow(record, Promise.resolve({ status: 201, body: { id: 'x' } }));
  const stored = (await watched.ledger.getJob('job-1'))!;
  t.equal(stored.state, 'done');
  t.same(stored.result, { status: 201, body: { id: 'x' } });
  t.equal(stored.leaseOwner, null);
  t.equal(stored.info, null);
});

t.test('an outcome that cannot be recorded is logged', async (t) => {
  const { watched, flights, log } = await setUp(t);
  const record = await saved(watched, flights);
  watched.fail('updateJob', new Error('disk full'));
  await flights.follow(record, Promise.resolve({ status: 200 }));
  t.match(log.text(), /"level":50.*"job":"job-1".*could not record a job outcome/);
});

t.test('the retry plan backs off by powers of two up to the longest delay', async (t) => {
  const { flights } = await setUp(t, { leaseMs: 300, maxRetryDelayS: 5000 });
  const plan = (attempts: number) => flights.retryPlan(job({ attempts }), new Error('OX is away'), 1_000_000);
  t.same(plan(1), {
    state: 'waiting',
    nextRetryAt: 1_002_000,
    leaseUntil: 0,
    leaseOwner: null,
    info: 'Waiting to retry (attempt 1 failed): OX is away',
  });
  t.equal(plan(3).nextRetryAt, 1_008_000);
  t.equal(plan(12).nextRetryAt, 1_000_000 + 1024_000, 'the exponent stops at 10');
  const short = (await setUp(t, { leaseMs: 300, maxRetryDelayS: 5 })).flights;
  t.equal(short.retryPlan(job({ attempts: 4 }), 'text', 1_000_000).nextRetryAt, 1_005_000, 'at most the longest delay');
  t.match(short.retryPlan(job({ attempts: 4 }), 'text', 0).info, /: text$/, 'a thrown non-error tells itself');
});

t.test('a retryable failure before the deadline waits for its retry and wakes the runner', async (t) => {
  const { watched, flights } = await setUp(t, { leaseMs: 300, maxRetryDelayS: 60 });
  const woken: number[] = [];
  flights.onRetryAt = (when) => woken.push(when);
  const now = Date.now();
  const record = await saved(watched, flights, { deadline: now + 1 });
  const failure = new ApsError(503, 'OxUnavailable', 'OX is away', { retryable: true });
  await atTime(now, () => flights.follow(record, Promise.reject(failure)));
  const stored = (await watched.ledger.getJob('job-1'))!;
  t.equal(stored.state, 'waiting');
  t.equal(stored.nextRetryAt, now + 2000);
  t.equal(stored.info, 'Waiting to retry (attempt 1 failed): OX is away');
  t.same(woken, [now + 2000]);
  t.equal(watched.count('updateResource'), 0, 'a job of no resource marks none');
});

t.test('a retryable failure at its deadline gives up and says after how long', async (t) => {
  const { watched, flights } = await setUp(t);
  const now = Date.now();
  const record = await saved(watched, flights, { attempts: 3, deadline: now, createdAt: now - 7_400 });
  const woken: number[] = [];
  flights.onRetryAt = (when) => woken.push(when);
  await atTime(now, () =>
    flights.follow(record, Promise.reject(new ApsError(503, 'OxUnavailable', 'OX is away', { retryable: true }))),
  );
  const stored = (await watched.ledger.getJob('job-1'))!;
  t.equal(stored.state, 'failed');
  t.same(stored.error, {
    status: 500,
    body: {
      code: 500,
      type: 'Exception',
      error: 'DeadlineExceeded',
      message: 'Gave up after 3 attempt(s) over 7 s: OX is away',
    },
  });
  t.equal(stored.leaseOwner, null);
  t.same(woken, [], 'no retry to wake for');
});

t.test('a failure that no retry mends fails the job with its own answer and marks its resource', async (t) => {
  const { watched, flights } = await setUp(t);
  const now = Date.now();
  await addInstance(watched.ledger, 'i-1');
  await watched.ledger.claimResource({
    instanceId: 'i-1',
    id: 'r-1',
    kind: 'mailboxes',
    state: 'provisioning',
    props: {},
    secrets: {},
    createdAt: now,
    updatedAt: now,
  });
  const record = await saved(watched, flights, { resourceId: 'r-1' });
  await flights.follow(record, Promise.reject(new ApsError(409, 'LoginTaken', 'The login is taken in OX')));
  const stored = (await watched.ledger.getJob('job-1'))!;
  t.equal(stored.state, 'failed');
  t.same(stored.error, {
    status: 409,
    body: { code: 409, type: 'Exception', error: 'LoginTaken', message: 'The login is taken in OX' },
  });
  t.equal((await watched.ledger.getResource('i-1', 'r-1'))?.lastError, 'The login is taken in OX');
  await flights.follow(record, Promise.reject('plain text'));
  t.equal((await watched.ledger.getResource('i-1', 'r-1'))?.lastError, 'plain text');
  t.match(
    (await watched.ledger.getJob('job-1'))?.error?.body,
    { error: 'DeadlineExceeded' },
    'not an ApsError: gave up',
  );
});
