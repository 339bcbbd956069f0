// The durable ledger: application instances, provisioned resources, async jobs and SSO tokens.
// Secrets are encrypted by the implementation; callers see them in clear.

/** The database cannot be reached now; the driver reconnects by itself (retry later). */
export class LedgerUnavailableError extends Error {
  readonly retryable = true;
  constructor(readonly reason: string) {
    super(`The ledger database cannot be reached (${reason}); the endpoint reconnects by itself`);
    this.name = 'LedgerUnavailableError';
  }
}

/** The ledger's secrets were sealed with another key than the one this process was given. */
export class SecretKeyMismatchError extends Error {
  constructor() {
    super('the secret key does not open the secrets in this ledger: they were sealed with another key');
    this.name = 'SecretKeyMismatchError';
  }
}

/**
 * `pending-deletion`: cancelled by the controller, disabled in OX and deleted there after the
 * instance's grace period; `released`: taken back from pending deletion (ox-aps restore), held for
 * a takeover. Neither is the controller's any more.
 */
export type ResourceState =
  'provisioning' | 'ready' | 'disabled' | 'deleting' | 'deleted' | 'failed' | 'pending-deletion' | 'released';

export interface InstanceRecord {
  id: string;
  controllerUri: string;
  /** PEM; empty for an OAuth instance created without certificates. */
  controllerCert: string;
  instanceCert: string;
  /** The OAuth consumer key the instance was created with (APS Connect); unset in certificate mode. */
  oauthKey?: string | null;
  /** Secret values: the instance's private key, the OX master password… */
  secrets: Record<string, string>;
  /** Non-secret settings of the application resource. */
  settings: Record<string, unknown>;
  lastError?: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ResourceRecord {
  id: string;
  instanceId: string;
  kind: string;
  /** Context of a mailbox, mailbox of a mobility add-on. */
  parentId?: string | null;
  profileId?: string | null;
  state: ResourceState;
  oxContextId?: number | null;
  oxUserId?: number | null;
  login?: string | null;
  /** What we last returned to the controller (non-secret properties). */
  props: Record<string, unknown>;
  secrets: Record<string, string>;
  usage?: Record<string, number> | null;
  usageAt?: number | null;
  lastError?: string | null;
  createdAt: number;
  updatedAt: number;
}

/** What a write may change of a record. */
export type ResourcePatch = Partial<Omit<ResourceRecord, 'id' | 'instanceId' | 'createdAt' | 'updatedAt'>>;

export type JobState = 'running' | 'waiting' | 'done' | 'failed';

export interface JobRecord {
  key: string;
  instanceId: string;
  resourceId?: string | null;
  state: JobState;
  attempts: number;
  nextRetryAt: number;
  leaseUntil: number;
  leaseOwner?: string | null;
  deadline: number;
  /** The request to re-run (encrypted at rest: bodies carry passwords). */
  input: Record<string, unknown>;
  result?: { status: number; body?: unknown } | null;
  error?: { status: number; body: unknown } | null;
  info?: string | null;
  /** Which request the job serves (transaction id and digest). */
  request?: { transactionId: string; digest: string } | null;
  /** Final answers of earlier requests of the same lane, for their last polls (newest first). */
  earlier?: EarlierAnswer[] | null;
  createdAt: number;
  updatedAt: number;
}

/** A finished request's answer, kept by the job of a later request of its lane. */
export interface EarlierAnswer {
  transactionId: string;
  digest: string;
  state: JobState;
  result?: JobRecord['result'];
  error?: JobRecord['error'];
}

/** The states of a job the controller is told to wait for (202): it runs, or waits for its next attempt. */
export const UNFINISHED_JOB_STATES: readonly JobState[] = ['running', 'waiting'];

export const isUnfinished = (job: JobRecord): boolean => UNFINISHED_JOB_STATES.includes(job.state);

export interface ResourceQuery {
  /** Always given by the services; `undefined` (every instance) is for the operator's tool only. */
  instanceId: string | undefined;
  kind?: string;
  parentId?: string;
  profileId?: string;
  states?: ResourceState[];
  /** The records holding this OX context id. */
  oxContextId?: number;
  /** Only records whose props hold this property as true (e.g. mobilityEnabled). */
  propertyTrue?: string;
  /** Only records whose props hold this text under this property (a context's domain, a mailbox's email). */
  propertyEquals?: { name: string; value: string };
}

export interface JobScope {
  instanceIds: string[];
  exclude?: boolean;
}

export interface SsoTokenRecord {
  hash: string;
  instanceId: string;
  resourceId: string;
  expiresAt: number;
  /** The panel user (APS-Identity-ID) the link was issued to, for the audit line at sign-on. */
  issuedTo?: string | null;
}

/**
 * How old an instance record may be when a request uses it (the caller's check, the services'
 * environment): a change through another replica is seen within this time, one through this
 * process at once.
 */
export const INSTANCE_MAX_AGE_MS = 2000;

/** How many of a parent's records of one kind are in `state`; `mobility` of them have mobilityEnabled. */
export interface ChildTally {
  kind: string;
  state: ResourceState;
  count: number;
  mobility: number;
}

// The ledger in parts: a consumer that needs one part takes that part (or a Pick<> of it).

/** Application instances: controller, certificates, settings. */
export interface InstanceStore {
  /**
   * The instance. With `maxAgeMs`, a record this process read or wrote that recently may answer
   * (a change through another replica is then seen within that time).
   */
  getInstance(id: string, opts?: { maxAgeMs?: number }): Promise<InstanceRecord | undefined>;
  /** Inserts; false when the id exists (never overwrites). */
  createInstance(rec: InstanceRecord): Promise<boolean>;
  updateInstance(id: string, patch: Partial<Omit<InstanceRecord, 'id' | 'createdAt'>>): Promise<void>;
  /** Deletes the instance with its resources, jobs, tokens and sequences. */
  deleteInstance(id: string): Promise<void>;
  listInstances(): Promise<InstanceRecord[]>;
}

/** Resources (contexts, mailboxes, profiles…), their tallies and the per-instance sequences. */
export interface ResourceStore {
  // Every lookup by resource id is scoped to one instance: another instance's id is not there.
  getResource(instanceId: string, id: string): Promise<ResourceRecord | undefined>;
  /** Several records in one read (those the instance holds; absent ids are left out). */
  getResources(instanceId: string, ids: string[]): Promise<ResourceRecord[]>;
  /**
   * Inserts unless the id exists; returns the stored row and whether this call created it.
   * `record` is undefined when another instance holds the id (nothing is changed then).
   */
  claimResource(rec: ResourceRecord): Promise<{ record?: ResourceRecord; created: boolean }>;
  /** Writes the patch; the record's updatedAt (its version: it only ever grows) moves on. */
  updateResource(instanceId: string, id: string, patch: ResourcePatch): Promise<void>;
  /**
   * Writes the patch only if the record is still at version `ifUpdatedAt`: answers the new
   * version, or undefined when another write came first (the caller re-reads and applies its
   * change again: records.ts modifyRecord) or the record is gone.
   */
  updateResourceIf(
    instanceId: string,
    id: string,
    patch: ResourcePatch,
    ifUpdatedAt: number,
  ): Promise<number | undefined>;
  /**
   * Sets the record's property `name` from true to false, once: true for the one call that changed
   * it, false for every other (at the same time, or on another replica). For what may happen only
   * once, such as showing a generated password.
   */
  takeTrueProperty(instanceId: string, id: string, name: string): Promise<boolean>;
  deleteResource(instanceId: string, id: string): Promise<void>;
  /** Whether some instance holds this id (to tell "already gone" from "someone else's"). */
  resourceIdTaken(id: string): Promise<boolean>;
  listResources(q: ResourceQuery): Promise<ResourceRecord[]>;
  countResources(q: ResourceQuery): Promise<number>;
  /**
   * A parent's records of one kind, counted per state (with how many have mobility enabled): kept
   * by the database on every write, so that reading it costs the same at any number of records.
   */
  tallyChildren(instanceId: string, parentId: string, kind?: string): Promise<ChildTally[]>;
  /** A record and its children's tallies (every kind) in one statement: a usage poll's one round trip. */
  getResourceWithTallies(instanceId: string, id: string): Promise<{ record?: ResourceRecord; tallies: ChildTally[] }>;

  /** Next number of a per-instance sequence (context ids), never below `start`. */
  nextSequence(instanceId: string, name: string, start: number): Promise<number>;
}

/** The async protocol's jobs and the request locks that keep replicas from running one request twice. */
export interface JobStore {
  getJob(key: string): Promise<JobRecord | undefined>;
  /**
   * The request's job and, unless that job is running or waiting, the request's lock (tryLock) for
   * `owner`: one statement on PostgreSQL, where every mutating request asks for both.
   */
  getJobAndLock(key: string, owner: string, ttlMs: number): Promise<{ job?: JobRecord; locked: boolean }>;
  saveJob(job: JobRecord): Promise<void>;
  updateJob(key: string, patch: Partial<Omit<JobRecord, 'key' | 'createdAt'>>): Promise<void>;
  deleteJob(key: string): Promise<void>;
  /**
   * Leases due jobs (waiting and due, or running with an expired lease) to `owner`; with `scope`,
   * only jobs of these instances (or, with `exclude`, of every other instance).
   */
  claimDueJobs(now: number, owner: string, leaseMs: number, limit: number, scope?: JobScope): Promise<JobRecord[]>;
  /** Extends `owner`'s lease on a running job; false when the lease is no longer its own. */
  renewLease(key: string, owner: string, until: number): Promise<boolean>;
  listJobs(q: { instanceId?: string; resourceId?: string; states?: JobState[] }): Promise<JobRecord[]>;
  /** Jobs waiting or running, of every instance (the backlog a burst may fill). */
  countUnfinishedJobs(): Promise<number>;
  /** Removes finished jobs older than `before`. */
  pruneJobs(before: number): Promise<number>;

  /** A short lease on one request, so that replicas never run the same request at once. */
  tryLock(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends `owner`'s lock while its request runs; false when it is no longer its own. */
  renewLock(key: string, owner: string, ttlMs: number): Promise<boolean>;
  unlock(key: string, owner: string): Promise<void>;
}

/** Single-use secrets: single sign-on tokens and signed requests' nonces. */
export interface TokenStore {
  saveSsoToken(token: SsoTokenRecord): Promise<void>;
  /** Deletes and returns the token if it exists and has not expired (single use). */
  takeSsoToken(hash: string, now: number): Promise<SsoTokenRecord | undefined>;
  pruneSsoTokens(now: number): Promise<number>;
  /**
   * Records a signed request's nonce (a digest of key, nonce and timestamp) until it expires:
   * true the first time, false for a replay. Shared by every replica on one ledger.
   */
  useNonce(id: string, expiresAt: number): Promise<boolean>;
  pruneNonces(now: number): Promise<number>;
  /** Keeps (sealed) a password a migration brought for a user of an OX context, replacing an earlier one. */
  keepImportedPassword(instanceId: string, oxContextId: number, login: string, password: string): Promise<void>;
  /** Takes that password, once: the takeover of the user's mailbox. */
  takeImportedPassword(instanceId: string, oxContextId: number, login: string): Promise<string | undefined>;
}

export interface Ledger extends InstanceStore, ResourceStore, JobStore, TokenStore {
  readonly kind: 'sqlite' | 'postgres';
  close(): Promise<void>;
}
