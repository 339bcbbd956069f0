// What the reconcile passes share: the report and its options, one instance's scope, and how a
// resource gone from OX is recorded.
import type { Credentials, OxClient } from '../../ox/ox-client.js';
import type { InstanceRecord, ResourceRecord } from '../../store/ledger.js';
import type { ProfileProps } from '../../resources/shared/access.js';
import type { ServiceDeps } from '../../resources/shared/deps.js';
import type { AppSettings } from '../../resources/shared/instance-settings.js';

export type DriftKind = 'missing-in-ox' | 'unknown-in-ox' | 'attribute' | 'admin-rights';

export interface Drift {
  kind: DriftKind;
  instance: string;
  resource: string | null;
  oxContextId: number | null;
  oxUserId: number | null;
  field: string | null;
  ledger: unknown;
  ox: unknown;
}

export interface ReconcileReport {
  drift: Drift[];
  repaired: Drift[];
}

export interface ReconcileOptions {
  instanceId?: string;
  /** One context (its APS id) with its mailboxes. */
  contextId?: string;
  repair?: boolean;
  /** With repair: delete unknown-in-ox contexts and users in OX too (never without this). */
  deleteOrphans?: boolean;
  /** Contexts checked at once (the CLI passes JOB_CONCURRENCY); 1 by default. */
  concurrency?: number;
  /** Called after each context: progress on a terminal, or a pause that spreads the work out. */
  progress?: (done: number, total: number) => void | Promise<void>;
}

export type Deps = Pick<ServiceDeps, 'ledger' | 'ox' | 'log'>;

/** Our contexts are named aps-<subscription>: one in OX under that name the ledger does not know is unknown-in-ox. */
/** Records a mailbox or context counts for (not provisioning, failed or cancelled). */
export const COUNTED: ReadonlySet<string> = new Set(['ready', 'disabled']);

export interface Scope {
  instance: InstanceRecord;
  settings: AppSettings;
  ox: OxClient;
  /** OX contexts (oxKey) some instance's ledger holds. */
  known: ReadonlySet<string>;
  /** Unknown contexts reported already (two instances on one OX see the same ones). */
  unknownSeen: Set<string>;
  /** The instance's tiers by APS id. */
  profiles: ReadonlyMap<string, ProfileProps>;
}

/** The OX context a context record names, and its administrator as the ledger keeps it. */
export interface OxTarget {
  id: number;
  admin: Credentials;
}

/** Gone from OX: with repair, marked failed so that the controller's next provision creates it again. */
export async function missing(
  deps: Pick<ServiceDeps, 'ledger'>,
  report: ReconcileReport,
  opts: ReconcileOptions,
  rec: ResourceRecord,
  drift: Drift,
): Promise<void> {
  report.drift.push(drift);
  if (!opts.repair) return;
  const lastError = `Gone from OX (found by ox-aps reconcile on ${new Date().toISOString()}); provisioning it again creates it`;
  await deps.ledger.updateResource(rec.instanceId, rec.id, { state: 'failed', lastError });
  report.repaired.push(drift);
}
