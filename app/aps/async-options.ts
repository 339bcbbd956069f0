// What the async protocol's parts share: its options, and how a stored request runs again.
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { InstanceRecord } from '../store/ledger.js';
import type { Outcome } from './types.js';

export interface AsyncOptions {
  syncBudgetMs: number;
  retryTimeoutS: number;
  deadlineS: number;
  maxRetryDelayS: number;
  leaseMs: number;
  /** How long finished jobs stay readable for the controller's last poll. */
  keepFinishedMs: number;
  /** Unfinished jobs up to which a request beyond the OX bound becomes a job (202) instead of a 503. */
  backlog: number;
  /** Background jobs run at once per lane (by this process). */
  concurrency: number;
  /** The lane of an instance's jobs: instances that share a lane share its concurrency. */
  laneOf?: (instance: InstanceRecord) => string;
}

/** Re-runs a stored request (the router's dispatch, without the async wrapper). */
export type Executor = (input: Record<string, unknown>, log: Logger) => Promise<Outcome>;
