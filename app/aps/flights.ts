// The requests and jobs this process is running ("flights"): each holds its request lock and its
// job lease while it runs, renews them, and records its outcome in the ledger when it settles:
// done, a retry with back-off (until the job's deadline), or a clear failure.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { JobRecord, JobStore, ResourceStore } from '../store/ledger.js';
import { ApsError, errorBody, isRetryable } from './errors.js';
import type { AsyncOptions } from './async-options.js';
import type { Outcome } from './types.js';
import type { RequestIdentity } from './request-identity.js';

export interface InFlight {
  promise: Promise<Outcome>;
  persisted: boolean;
  /** Holds the ledger lock on the request (released when it settles). */
  locked?: boolean;
  /** Settles once the flight is forgotten and its lock released (set by `track`). */
  released?: Promise<void>;
  /** Which request it runs (another request of its lane waits for it). */
  request: RequestIdentity;
}

export class Flights {
  readonly owner = randomUUID();
  private readonly inflight = new Map<string, InFlight>();
  /** Outcomes being written to the ledger (shutdown waits for them too). */
  private readonly recording = new Set<Promise<void>>();
  /** Told when an attempt failed and its retry is due (the runner wakes then). */
  onRetryAt: (at: number) => void = () => undefined;

  constructor(
    private readonly ledger: Pick<JobStore, 'renewLock' | 'renewLease' | 'updateJob' | 'unlock'> &
      Pick<ResourceStore, 'updateResource'>,
    private readonly opts: Pick<AsyncOptions, 'leaseMs' | 'maxRetryDelayS'>,
    private readonly log: Logger,
  ) {}

  get(key: string): InFlight | undefined {
    return this.inflight.get(key);
  }

  has(key: string): boolean {
    return this.inflight.has(key);
  }

  get size(): number {
    return this.inflight.size;
  }

  /** Waits for every flight to settle and its outcome to be recorded (at shutdown). */
  async settleAll(): Promise<void> {
    await Promise.allSettled([...this.inflight.values()].map((f) => f.promise));
    await Promise.allSettled([...this.recording]);
  }

  track(key: string, flight: InFlight): void {
    this.inflight.set(key, flight);
    const renewal = setInterval(() => void this.renew(key, flight), Math.max(1, Math.floor(this.opts.leaseMs / 3)));
    renewal.unref();
    const forget = async () => {
      clearInterval(renewal);
      this.inflight.delete(key);
      if (flight.locked)
        await this.ledger
          .unlock(key, this.owner)
          .catch((err) => this.log.warn({ err, key }, 'could not release a request lock'));
    };
    flight.released = flight.promise.then(forget, forget);
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

  /** Records the outcome of a job's attempt once it settles. */
  follow(job: JobRecord, promise: Promise<Outcome>): Promise<void> {
    const recorded = promise
      .then(
        (outcome) => this.finish(job.key, { state: 'done', result: outcome, info: null }),
        (error) => this.attemptFailed(job, error),
      )
      .catch((err) => this.log.error({ err, job: job.key }, 'could not record a job outcome'))
      .finally(() => this.recording.delete(recorded));
    this.recording.add(recorded);
    return recorded;
  }

  retryPlan(job: JobRecord, error: unknown, now: number): Partial<JobRecord> & { nextRetryAt: number } {
    const delay = Math.min(this.opts.maxRetryDelayS, 2 ** Math.min(job.attempts, 10)) * 1000;
    const reason = error instanceof Error ? error.message : String(error);
    return {
      state: 'waiting',
      nextRetryAt: now + delay,
      leaseUntil: 0,
      leaseOwner: null,
      info: `Waiting to retry (attempt ${job.attempts} failed): ${reason}`,
    };
  }

  private async attemptFailed(job: JobRecord, error: unknown): Promise<void> {
    const now = Date.now();
    if (job.resourceId)
      await this.ledger.updateResource(job.instanceId, job.resourceId, {
        lastError: error instanceof Error ? error.message : String(error),
      });
    if (isRetryable(error) && now < job.deadline) {
      const plan = this.retryPlan(job, error, now);
      await this.finish(job.key, plan);
      this.onRetryAt(plan.nextRetryAt);
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    const body =
      error instanceof ApsError && !error.retryable
        ? error.toBody()
        : errorBody(
            500,
            'DeadlineExceeded',
            `Gave up after ${job.attempts} attempt(s) over ${Math.round((now - job.createdAt) / 1000)} s: ${reason}`,
          );
    await this.finish(job.key, { state: 'failed', error: { status: body.code, body }, info: null });
  }

  private async finish(key: string, patch: Partial<JobRecord>): Promise<void> {
    await this.ledger.updateJob(key, { ...patch, leaseOwner: null });
  }
}
