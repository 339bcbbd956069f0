// The background job runner: claims due jobs from the ledger (retries, queued work, jobs whose
// lease ran out on another process) and runs them, at most `concurrency` at once towards each OX
// server ("lane"), so a profile change over thousands of mailboxes neither floods OX nor the
// event loop. It looks for work at an interval that backs off while idle, and wakes at once for
// the retries this process schedules.
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { InstanceStore, JobRecord, JobScope, JobStore } from '../store/ledger.js';
import type { AsyncOptions, Executor } from './async-options.js';
import type { Flights } from './flights.js';
import { requestOf } from './request-identity.js';

/** Jobs whose instance is unknown (deleted, or created since the lanes were read). */
const NO_INSTANCE = '';
const LANES_TTL_MS = 5000;
// An idle runner looks for work less and less often, up to this: it wakes at once for the retries
// this process schedules, so only another replica's job (or a lease it lost) waits this long.
const MAX_IDLE_INTERVAL_MS = 30_000;
const PRUNE_EVERY_MS = 60_000;

export class JobRunner {
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

  constructor(
    private readonly ledger: Pick<JobStore, 'claimDueJobs' | 'pruneJobs' | 'updateJob'> &
      Pick<InstanceStore, 'listInstances'>,
    private readonly flights: Flights,
    private readonly opts: Pick<AsyncOptions, 'concurrency' | 'laneOf' | 'keepFinishedMs' | 'leaseMs'>,
    private readonly execute: Executor,
    private readonly log: Logger,
  ) {
    flights.onRetryAt = (at) => this.wakeAt(at);
  }

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
  wakeAt(at: number): void {
    if (this.stopped || !this.timer || (this.wake && this.wake.at <= at)) return;
    clearTimeout(this.wake?.timer);
    const timer = setTimeout(
      () => {
        this.wake = undefined;
        void this.tick();
      },
      Math.max(0, at - Date.now()) + 5,
    );
    timer.unref();
    this.wake = { at, timer };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.wake?.timer);
    await this.flights.settleAll();
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
    return claimed > 0 || this.flights.size > 0;
  }

  /** Claims, per lane, only as many due jobs as the lane has free slots. */
  private async claimAndRun(now: number): Promise<number> {
    let claimed = 0;
    for (const [lane, scope] of await this.lanes(now)) {
      const free = this.opts.concurrency - (this.running.get(lane) ?? 0);
      if (free <= 0) continue;
      const jobs = await this.ledger.claimDueJobs(now, this.flights.owner, this.opts.leaseMs, free, scope);
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
    if (this.flights.has(job.key)) return;
    this.running.set(lane, (this.running.get(lane) ?? 0) + 1);
    const attempt: JobRecord = { ...job, attempts: job.attempts + 1 };
    const log = this.log.child({ reqId: job.key.split(' ')[0], job: job.key });
    const promise = this.ledger
      .updateJob(job.key, { attempts: attempt.attempts })
      .then(() => this.execute(job.input, log));
    this.flights.track(job.key, { promise, persisted: true, request: requestOf(job) });
    void this.flights.follow(attempt, promise).finally(() => {
      this.running.set(lane, (this.running.get(lane) ?? 1) - 1);
      void this.tick();
    });
  }
}
