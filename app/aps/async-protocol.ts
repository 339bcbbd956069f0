// APS's asynchronous protocol. A mutating request runs inline for up to SYNC_BUDGET_MS; if it
// needs longer, or hits a retryable failure, it becomes a job in the ledger and the controller
// gets 202 with APS-Retry-Timeout and APS-Info. The job goes on (retried with back-off until its
// deadline); the controller's async-phase repeat of the request gets 202 until the job is done,
// then the job's final answer. Jobs survive a restart: a lease that runs out is taken over, and
// a running job renews its lease so that no one else takes it over while it runs.
//
// The job runner runs at most `concurrency` jobs at once towards each OX server ("lane"), so a
// profile change over thousands of mailboxes neither floods OX nor the event loop.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { isUnfinished, type InstanceRecord, type JobRecord, type JobScope, type Ledger } from '../store/ledger.js';
import { isRecord } from '../util/errors.js';
import { ApsError, errorBody, isRetryable, isShed } from './errors.js';
import type { Outcome } from './types.js';

export interface AsyncOptions {
  syncBudgetMs: number;
  retryTimeoutS: number;
  deadlineS: number;
  maxRetryDelayS: number;
  leaseMs: number;
  /** How long finished jobs stay readable for the controller's last poll. */
  keepFinishedMs: number;
  /** Background jobs run at once per lane (by this process). */
  concurrency: number;
  /** The lane of an instance's jobs: instances that share a lane share its concurrency. */
  laneOf?: (instance: InstanceRecord) => string;
}

/** Jobs whose instance is unknown (deleted, or created since the lanes were read). */
const NO_INSTANCE = '';
const LANES_TTL_MS = 5000;
// An idle runner looks for work less and less often, up to this: it wakes at once for the retries
// this process schedules, so only another replica's job (or a lease it lost) waits this long.
const MAX_IDLE_INTERVAL_MS = 30_000;
const PRUNE_EVERY_MS = 60_000;

export interface Accepted {
  accepted: true;
  retryTimeout: number;
  info: string;
}

/** Re-runs a stored request (the router's dispatch, without the async wrapper). */
export type Executor = (input: Record<string, unknown>, log: Logger) => Promise<Outcome>;

type Settled = { ok: true; outcome: Outcome } | { ok: false; error: unknown } | { timeout: true };

interface InFlight {
  promise: Promise<Outcome>;
  persisted: boolean;
  /** Holds the ledger lock on the request (released when it settles). */
  locked?: boolean;
}

export class AsyncProtocol {
  readonly owner = randomUUID();
  private readonly inflight = new Map<string, InFlight>();
  /** Runner jobs running, by lane. */
  private readonly running = new Map<string, number>();
  private lanesRead?: { at: number; lanes: Map<string, JobScope> };
  private timer?: NodeJS.Timeout;
  private intervalMs = 1000;
  /** Periodic ticks in a row that found nothing to do (the next one waits twice as long). */
  private idleTicks = 0;
  /** A tick at the earliest retry this process scheduled (the periodic tick is the fallback). */
  private wake?: { at: number; timer: NodeJS.Timeout };
  private ticking = false;
  private tickAgain = false;
  private prunedAt = 0;
  private stopped = false;
  /** One SQLite file serves one process (the in-process map is enough); PostgreSQL serves several. */
  private readonly crossProcess: boolean;

  constructor(
    private readonly ledger: Ledger,
    private readonly opts: AsyncOptions,
    private readonly execute: Executor,
    private readonly log: Logger,
  ) {
    this.crossProcess = ledger.kind !== 'sqlite';
  }

  /** Runs one request under the protocol; `key` names the request (instance, method, resource). */
  async handle(key: string, meta: { instanceId: string; resourceId?: string; phase: 'sync' | 'async'; input: Record<string, unknown> }, run: () => Promise<Outcome>): Promise<Outcome | Accepted> {
    // Replicas: the request's lock comes with its job (one round trip), unless this process runs it.
    const { job: existing, locked } = this.crossProcess && !this.inflight.has(key)
      ? await this.ledger.getJobAndLock(key, this.owner, this.opts.leaseMs)
      : { job: await this.ledger.getJob(key), locked: false };
    if (existing && isUnfinished(existing)) return this.accepted(existing);
    if (existing && meta.phase === 'async') {
      if (locked) await this.ledger.unlock(key, this.owner); // not needed: the final answer is stored
      return finalAnswer(existing);
    }
    if (existing) await this.ledger.deleteJob(key); // a new request after the last one finished
    let flight = this.inflight.get(key);
    // A flight that started meanwhile takes the lock over (it renews and releases it).
    if (flight && locked) flight.locked = true;
    if (!flight) {
      // Another replica (or an earlier process whose lease has not run out) is on it: wait.
      if (this.crossProcess && !locked) {
        return { accepted: true, retryTimeout: this.opts.retryTimeoutS, info: 'Another endpoint replica is working on this request.' };
      }
      flight = { promise: run(), persisted: false, locked: this.crossProcess };
      this.track(key, flight);
    }
    const settled = await this.race(flight.promise);
    if ('ok' in settled && settled.ok) return settled.outcome;
    if ('error' in settled && (!isRetryable(settled.error) || isShed(settled.error))) throw settled.error;
    return this.goAsync(key, meta, flight, settled);
  }

  private track(key: string, flight: InFlight): void {
    this.inflight.set(key, flight);
    const renewal = setInterval(() => void this.renew(key, flight), Math.max(1, Math.floor(this.opts.leaseMs / 3)));
    renewal.unref();
    const forget = () => {
      clearInterval(renewal);
      this.inflight.delete(key);
      if (flight.locked) this.ledger.unlock(key, this.owner).catch((err) => this.log.warn({ err, key }, 'could not release a request lock'));
    };
    flight.promise.then(forget, forget);
  }

  /** Keeps the request lock and the job lease of a running flight from running out. */
  private async renew(key: string, flight: InFlight): Promise<void> {
    try {
      if (flight.locked) await this.ledger.renewLock(key, this.owner, this.opts.leaseMs);
      if (!flight.persisted || (await this.ledger.renewLease(key, this.owner, Date.now() + this.opts.leaseMs))) return;
      if (this.inflight.get(key) === flight) this.log.warn({ job: key }, 'a running job lost its lease');
    } catch (err) {
      this.log.warn({ err, job: key }, 'could not renew a job lease');
    }
  }

  private race(promise: Promise<Outcome>): Promise<Settled> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Settled>((resolve) => {
      timer = setTimeout(() => resolve({ timeout: true }), this.opts.syncBudgetMs);
    });
    const settled = promise.then<Settled, Settled>((outcome) => ({ ok: true, outcome }), (error) => ({ ok: false, error }));
    return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
  }

  private async goAsync(
    key: string, meta: { instanceId: string; resourceId?: string; input: Record<string, unknown> }, flight: InFlight, settled: Settled,
  ): Promise<Accepted> {
    const now = Date.now();
    const persisted = flight.persisted ? await this.ledger.getJob(key) : undefined;
    if (persisted) return this.accepted(persisted);
    flight.persisted = true; // (again, should the job have gone: pruned, or the app deleted meanwhile)
    const job: JobRecord = {
      key, instanceId: meta.instanceId, resourceId: meta.resourceId ?? null, state: 'running', attempts: 1,
      nextRetryAt: now, leaseUntil: now + this.opts.leaseMs, leaseOwner: this.owner,
      deadline: now + this.opts.deadlineS * 1000, input: meta.input, createdAt: now, updatedAt: now,
      info: `The operation is taking longer than ${Math.round(this.opts.syncBudgetMs / 1000)} s; it continues in the background.`,
    };
    if ('error' in settled) Object.assign(job, this.retryPlan(job, settled.error, now));
    await this.ledger.saveJob(job);
    if (job.state === 'waiting') this.wakeAt(job.nextRetryAt);
    if ('timeout' in settled) void this.follow(job, flight.promise);
    return this.accepted(job);
  }

  /** Records the outcome of a job's attempt once it settles. */
  private follow(job: JobRecord, promise: Promise<Outcome>): Promise<void> {
    return promise.then(
      (outcome) => this.finish(job.key, { state: 'done', result: outcome, info: null }),
      (error) => this.attemptFailed(job, error),
    ).catch((err) => this.log.error({ err, job: job.key }, 'could not record a job outcome'));
  }

  private retryPlan(job: JobRecord, error: unknown, now: number): Partial<JobRecord> {
    const delay = Math.min(this.opts.maxRetryDelayS, 2 ** Math.min(job.attempts, 10)) * 1000;
    const reason = error instanceof Error ? error.message : String(error);
    return { state: 'waiting', nextRetryAt: now + delay, leaseUntil: 0, leaseOwner: null, info: `Waiting to retry (attempt ${job.attempts} failed): ${reason}` };
  }

  private async attemptFailed(job: JobRecord, error: unknown): Promise<void> {
    const now = Date.now();
    if (job.resourceId) await this.ledger.updateResource(job.instanceId, job.resourceId, { lastError: error instanceof Error ? error.message : String(error) });
    if (isRetryable(error) && now < job.deadline) {
      const plan = this.retryPlan(job, error, now);
      await this.finish(job.key, plan);
      if (plan.nextRetryAt) this.wakeAt(plan.nextRetryAt);
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    const body = error instanceof ApsError && !error.retryable
      ? error.toBody()
      : errorBody(500, 'DeadlineExceeded', `Gave up after ${job.attempts} attempt(s) over ${Math.round((now - job.createdAt) / 1000)} s: ${reason}`);
    await this.finish(job.key, { state: 'failed', error: { status: body.code, body }, info: null });
  }

  private async finish(key: string, patch: Partial<JobRecord>): Promise<void> {
    await this.ledger.updateJob(key, { ...patch, leaseOwner: null });
  }

  private accepted(job: JobRecord): Accepted {
    const untilRetry = Math.ceil((job.nextRetryAt - Date.now()) / 1000);
    const retryTimeout = job.state === 'waiting' ? Math.max(1, Math.min(untilRetry, this.opts.maxRetryDelayS)) : this.opts.retryTimeoutS;
    return { accepted: true, retryTimeout, info: job.info ?? 'The operation continues in the background.' };
  }

  // ----- the job runner: retries due jobs and takes over jobs whose lease ran out -----

  start(intervalMs = 1000): void {
    this.stopped = false;
    this.intervalMs = intervalMs;
    this.idleTicks = 0;
    this.scheduleTick();
  }

  /** The periodic tick: every interval while there is work, backing off to 30 s while there is none. */
  private scheduleTick(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const delay = Math.min(this.intervalMs * 2 ** this.idleTicks, Math.max(this.intervalMs, MAX_IDLE_INTERVAL_MS));
    this.timer = setTimeout(() => {
      void this.tick().then((busy) => {
        this.idleTicks = busy ? 0 : Math.min(this.idleTicks + 1, 16);
        this.scheduleTick();
      });
    }, delay);
    this.timer.unref();
  }

  /** Retries a job when it is due rather than at the next periodic tick (up to a second later). */
  private wakeAt(at: number): void {
    if (this.stopped || !this.timer || (this.wake && this.wake.at <= at)) return;
    clearTimeout(this.wake?.timer);
    const timer = setTimeout(() => {
      this.wake = undefined;
      void this.tick();
    }, Math.max(0, at - Date.now()) + 5);
    timer.unref();
    this.wake = { at, timer };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.wake?.timer);
    await Promise.allSettled([...this.inflight.values()].map((f) => f.promise));
  }

  /** Claims and runs what is due; answers whether there was work (claimed, or still running here). */
  async tick(): Promise<boolean> {
    if (this.stopped) return false;
    if (this.ticking) {
      this.tickAgain = true; // a slot freed up while claiming: claim again right after
      return true;
    }
    this.ticking = true;
    let claimed = 0;
    try {
      do {
        this.tickAgain = false;
        claimed += await this.claimAndRun(Date.now());
      } while (this.tickAgain && !this.stopped);
      await this.prune(Date.now());
    } catch (err) {
      this.log.error({ err }, 'job runner tick failed');
    } finally {
      this.ticking = false;
    }
    if (claimed > 0) this.idleTicks = 0;
    return claimed > 0 || this.inflight.size > 0;
  }

  /** Claims, per lane, only as many due jobs as the lane has free slots. */
  private async claimAndRun(now: number): Promise<number> {
    let claimed = 0;
    for (const [lane, scope] of await this.lanes(now)) {
      const free = this.opts.concurrency - (this.running.get(lane) ?? 0);
      if (free <= 0) continue;
      const jobs = await this.ledger.claimDueJobs(now, this.owner, this.opts.leaseMs, free, scope);
      for (const job of jobs) this.rerun(job, lane);
      claimed += jobs.length;
    }
    return claimed;
  }

  private async lanes(now: number): Promise<Map<string, JobScope>> {
    if (this.lanesRead && now - this.lanesRead.at < LANES_TTL_MS) return this.lanesRead.lanes;
    const instances = await this.ledger.listInstances();
    const lanes = new Map<string, JobScope>();
    for (const instance of instances) {
      const lane = this.opts.laneOf?.(instance) || 'default';
      const scope = lanes.get(lane) ?? { instanceIds: [] };
      scope.instanceIds.push(instance.id);
      lanes.set(lane, scope);
    }
    lanes.set(NO_INSTANCE, { instanceIds: instances.map((i) => i.id), exclude: true });
    this.lanesRead = { at: now, lanes };
    return lanes;
  }

  private async prune(now: number): Promise<void> {
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    await this.ledger.pruneJobs(now - this.opts.keepFinishedMs);
  }

  private rerun(job: JobRecord, lane: string): void {
    // Our own request is still on it (it holds the lease): its outcome is recorded when it settles.
    if (this.inflight.has(job.key)) return;
    this.running.set(lane, (this.running.get(lane) ?? 0) + 1);
    const attempt: JobRecord = { ...job, attempts: job.attempts + 1 };
    const log = this.log.child({ reqId: job.key.split(' ')[0], job: job.key });
    const promise = this.ledger.updateJob(job.key, { attempts: attempt.attempts }).then(() => this.execute(job.input, log));
    this.track(job.key, { promise, persisted: true });
    void this.follow(attempt, promise).finally(() => {
      this.running.set(lane, (this.running.get(lane) ?? 1) - 1);
      void this.tick();
    });
  }
}

function finalAnswer(job: JobRecord): Outcome {
  if (job.state === 'done') return job.result ?? { status: 204 };
  const body = job.error?.body;
  const text = (name: string) => (isRecord(body) && typeof body[name] === 'string' ? body[name] : undefined);
  throw new ApsError(job.error?.status ?? 500, text('error') ?? 'Failed', text('message') ?? 'The operation failed.');
}

export function isAccepted(value: Outcome | Accepted): value is Accepted {
  return 'accepted' in value && value.accepted;
}

/** Queues background work that the job runner performs (and retries) like an accepted request. */
export async function enqueueJob(
  ledger: Ledger, key: string, instanceId: string, resourceId: string, input: Record<string, unknown>, deadlineS: number, delayMs = 0,
): Promise<void> {
  const now = Date.now();
  await ledger.saveJob({
    key, instanceId, resourceId, state: 'waiting', attempts: 0, nextRetryAt: now + delayMs, leaseUntil: 0, leaseOwner: null,
    deadline: now + deadlineS * 1000, input, info: 'Queued', createdAt: now, updatedAt: now,
  });
}
