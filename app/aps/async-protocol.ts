// APS's asynchronous protocol. A mutating request runs inline for up to SYNC_BUDGET_MS; if it
// needs longer, or hits a retryable failure, it becomes a job in the ledger and the controller
// gets 202 with APS-Retry-Timeout and APS-Info. The job goes on (retried with back-off until its
// deadline); the controller's async-phase repeat of the request gets 202 until the job is done,
// then the job's final answer. Jobs survive a restart: a lease that runs out is taken over, and
// a running job renews its lease so that no one else takes it over while it runs.
// The runs themselves are the flights' (flights.ts), the background retries the runner's
// (job-runner.ts).
import type { FastifyBaseLogger as Logger } from 'fastify';
import { isUnfinished, type EarlierAnswer, type JobRecord, type JobStore, type Ledger } from '../store/ledger.js';
import { isRecord } from '../util/errors.js';
import { ApsError, isRetryable, isShed } from './errors.js';
import { Flights, type InFlight } from './flights.js';
import { identityOf, requestOf, sameRequest, type RequestIdentity } from './request-identity.js';
import { JobRunner } from './job-runner.js';
import type { AsyncOptions, Executor } from './async-options.js';

export type { AsyncOptions, Executor } from './async-options.js';
import type { Outcome } from './types.js';

export interface Accepted {
  accepted: true;
  retryTimeout: number;
  info: string;
}

/** What the router tells of a request: whose it is, its phase, and the call to store with its job. */
interface RequestMeta {
  instanceId: string;
  resourceId?: string;
  phase: 'sync' | 'async';
  input: Record<string, unknown>;
  /** Which request it is (by default, from `input`). */
  identity?: RequestIdentity;
}

/** Finished answers of a lane kept for the polls of the requests that got them (newest first). */
const KEEP_EARLIER = 5;

type Settled = { kind: 'done'; outcome: Outcome } | { kind: 'failed'; error: unknown } | { kind: 'timeout' };

export class AsyncProtocol {
  private readonly flights: Flights;
  readonly runner: JobRunner;
  /** One SQLite file serves one process (the in-process map is enough); PostgreSQL serves several. */
  private readonly crossProcess: boolean;

  constructor(
    private readonly ledger: Ledger,
    private readonly opts: AsyncOptions,
    execute: Executor,
    log: Logger,
  ) {
    this.crossProcess = ledger.kind !== 'sqlite';
    this.flights = new Flights(ledger, opts, log);
    this.runner = new JobRunner(ledger, this.flights, opts, execute, log);
  }

  /** This process's name on leases and locks. */
  get owner(): string {
    return this.flights.owner;
  }

  start(intervalMs = 1000): void {
    this.runner.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  /**
   * Runs one request under the protocol. `key` names the request's lane (instance, method,
   * resource): one request of a lane runs at a time; the stored input tells which request it is.
   */
  async handle(key: string, meta: RequestMeta, run: () => Promise<Outcome>): Promise<Outcome | Accepted> {
    const request = meta.identity ?? identityOf(meta.input);
    // Replicas: the request's lock comes with its job (one round trip), unless this process runs it.
    const { job: existing, locked } =
      this.crossProcess && !this.flights.has(key)
        ? await this.ledger.getJobAndLock(key, this.owner, this.opts.leaseMs)
        : { job: await this.ledger.getJob(key), locked: false };
    const known = existing && this.answerFor(existing, request, meta.phase);
    if (known) {
      if (locked) await this.ledger.unlock(key, this.owner); // not needed: the answer is stored
      return known;
    }
    let flight = this.flights.get(key);
    // A flight that started meanwhile takes the lock over (it renews and releases it).
    if (flight && locked) flight.locked = true;
    if (flight && !sameRequest(flight.request, request)) return this.waitingTurn();
    if (!flight) {
      // Another replica (or an earlier process whose lease has not run out) is on it: wait.
      if (this.crossProcess && !locked) {
        return {
          accepted: true,
          retryTimeout: this.opts.retryTimeoutS,
          info: 'Another endpoint replica is working on this request.',
        };
      }
      flight = { promise: run(), persisted: false, locked: this.crossProcess, request };
      this.flights.track(key, flight);
    }
    const settled = await this.race(flight.promise);
    // A repeat sent as soon as the answer arrives must find the request's lock released.
    if (settled.kind !== 'timeout') await flight.released;
    if (settled.kind === 'done') return settled.outcome;
    if (settled.kind === 'failed') {
      if (!isRetryable(settled.error)) throw settled.error;
      // Beyond the bound towards OX: a job that waits its turn, while the backlog has room.
      if (isShed(settled.error) && !(await this.backlogRoom())) throw settled.error;
    }
    return this.goAsync(key, meta, flight, settled);
  }

  /**
   * What the lane's stored job answers this request, if anything: its own job's progress (202)
   * or, on the controller's poll, its final answer (kept also once a later request took the
   * lane); 202 while another request's job is unfinished. Nothing: the request runs.
   */
  private answerFor(job: JobRecord, request: RequestIdentity, phase: 'sync' | 'async'): Outcome | Accepted | undefined {
    if (sameRequest(requestOf(job), request)) {
      if (isUnfinished(job)) return this.accepted(job);
      return phase === 'async' ? finalAnswer(job) : undefined; // a repeat after it finished runs again
    }
    const earlier = phase === 'async' ? job.earlier?.find((e) => sameRequest(e, request)) : undefined;
    if (earlier) return finalAnswer(earlier);
    return isUnfinished(job) ? this.waitingTurn() : undefined;
  }

  /** Another change of the resource is under way: this one follows it (the controller polls). */
  private waitingTurn(): Accepted {
    return {
      accepted: true,
      retryTimeout: this.opts.retryTimeoutS,
      info: 'Waiting for an earlier change of this resource to finish; this change follows it.',
    };
  }

  /** Whether the ledger's unfinished jobs leave room for one more (OX_BACKLOG). */
  private async backlogRoom(): Promise<boolean> {
    return (await this.ledger.countUnfinishedJobs()) < this.opts.backlog;
  }

  private race(promise: Promise<Outcome>): Promise<Settled> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Settled>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), this.opts.syncBudgetMs);
    });
    const settled = promise.then<Settled, Settled>(
      (outcome) => ({ kind: 'done', outcome }),
      (error) => ({ kind: 'failed', error }),
    );
    return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
  }

  private async goAsync(key: string, meta: RequestMeta, flight: InFlight, settled: Settled): Promise<Accepted> {
    const now = Date.now();
    const stored = await this.ledger.getJob(key);
    if (flight.persisted && stored) return this.accepted(stored);
    flight.persisted = true; // (again, should the job have gone: pruned, or the app deleted meanwhile)
    const job: JobRecord = {
      key,
      instanceId: meta.instanceId,
      resourceId: meta.resourceId ?? null,
      state: 'running',
      attempts: 1,
      nextRetryAt: now,
      leaseUntil: now + this.opts.leaseMs,
      leaseOwner: this.owner,
      deadline: now + this.opts.deadlineS * 1000,
      input: meta.input,
      request: flight.request,
      earlier: stored ? earlierAnswers(stored) : null,
      createdAt: now,
      updatedAt: now,
      info: `The operation is taking longer than ${Math.round(this.opts.syncBudgetMs / 1000)} s; it continues in the background.`,
    };
    if (settled.kind === 'failed') Object.assign(job, this.flights.retryPlan(job, settled.error, now));
    await this.ledger.saveJob(job);
    if (job.state === 'waiting') this.runner.wakeAt(job.nextRetryAt);
    if (settled.kind === 'timeout') void this.flights.follow(job, flight.promise);
    return this.accepted(job);
  }

  private accepted(job: JobRecord): Accepted {
    const untilRetry = Math.ceil((job.nextRetryAt - Date.now()) / 1000);
    const retryTimeout =
      job.state === 'waiting' ? Math.max(1, Math.min(untilRetry, this.opts.maxRetryDelayS)) : this.opts.retryTimeoutS;
    return { accepted: true, retryTimeout, info: job.info ?? 'The operation continues in the background.' };
  }
}

/** The lane's finished answers a newer job keeps, so that an earlier request's poll still gets its own. */
function earlierAnswers(job: JobRecord): EarlierAnswer[] | null {
  const own: EarlierAnswer[] = isUnfinished(job)
    ? []
    : [{ ...requestOf(job), state: job.state, result: job.result ?? null, error: job.error ?? null }];
  const kept = [...own, ...(job.earlier ?? [])].slice(0, KEEP_EARLIER);
  return kept.length ? kept : null;
}

function finalAnswer(job: Pick<JobRecord, 'state' | 'result' | 'error'>): Outcome {
  if (job.state === 'done') return job.result ?? { status: 204 };
  const body = job.error?.body;
  const text = (name: string) => (isRecord(body) && typeof body[name] === 'string' ? body[name] : undefined);
  throw new ApsError(job.error?.status ?? 500, text('error') ?? 'Failed', text('message') ?? 'The operation failed.');
}

export function isAccepted(value: Outcome | Accepted): value is Accepted {
  return 'accepted' in value;
}

/** Queues background work that the job runner performs (and retries) like an accepted request. */
export async function enqueueJob(
  ledger: Pick<JobStore, 'saveJob'>,
  key: string,
  instanceId: string,
  resourceId: string,
  input: Record<string, unknown>,
  deadlineS: number,
  delayMs = 0,
): Promise<void> {
  const now = Date.now();
  await ledger.saveJob({
    key,
    instanceId,
    resourceId,
    state: 'waiting',
    attempts: 0,
    nextRetryAt: now + delayMs,
    leaseUntil: 0,
    leaseOwner: null,
    deadline: now + deadlineS * 1000,
    input,
    info: 'Queued',
    createdAt: now,
    updatedAt: now,
  });
}
