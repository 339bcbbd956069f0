// What the services share: the ledger, OX connections, the controller clients, configuration,
// and helpers to reach an instance's settings and OX client.
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { ControllerClient, ControllerClients } from '../aps/controller-client.js';
import type { SchemaRegistry } from '../aps/schema-registry.js';
import type { ApsCall } from '../aps/types.js';
import type { OxConnections } from '../ox/connections.js';
import type { OxClient, OxTraceEntry } from '../ox/ox-client.js';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { InstanceRecord, Ledger, ResourceRecord } from '../store/ledger.js';
import type { StoredCall } from '../aps/dispatch.js';
import type { SsoTokens } from '../sso/tokens.js';
import { apsError } from './ox-errors.js';

export interface AppSettings {
  oxSoapUrl: string;
  oxPublicUrl: string;
  productPath: string;
  loginClient: 'appsuite' | 'ox6';
  masterLogin: string;
  masterAccountOverride: boolean;
  contextAdminAccess: string;
  contextIdStart: number;
  defaultQuotaMb: number;
  defaultTimezone: string;
  defaultLanguage: string;
  /** The OX theme of new contexts that name none. */
  defaultTheme?: string;
  imapServer?: string;
  smtpServer?: string;
  mobilityMode: 'addon' | 'included';
  debug: boolean;
  /** token: server-side tokenLogin (App Suite); form: the browser posts OX's form login. */
  ssoMethod?: 'token' | 'form';
  /** Account administrators may open their employees' mailboxes. */
  adminMailboxLogin?: boolean;
  /** A new instance creates the classic tiers as profiles in the controller. */
  readyTiers?: boolean;
  /** Mailbox addresses only in the context's domain. */
  restrictMailDomains?: boolean;
}

/** The OX SOAP URL an instance provisions to (undefined before its settings are saved). */
export function oxServerOf(instance: InstanceRecord): string | undefined {
  return (instance.settings as Partial<AppSettings>).oxSoapUrl || undefined;
}

/** Background work that runs through the async protocol's job runner. */
export interface JobQueue {
  /** `delayMs`: not before then. */
  enqueue(key: string, call: StoredCall, delayMs?: number): Promise<void>;
}

export interface ServiceDeps {
  ledger: Ledger;
  ox: OxConnections;
  controllers: ControllerClients;
  config: Config;
  schemas: SchemaRegistry;
  jobs: JobQueue;
  sso: SsoTokens;
  /** For diagnostics an instance asks for (its `debug` setting). */
  log?: Logger;
}

export interface InstanceEnv {
  instance: InstanceRecord;
  settings: AppSettings;
  ox: OxClient;
}

// Instances are read on every request and change rarely: keep each for a moment. A change made
// through this process is seen at once; one made through another replica within INSTANCE_TTL_MS.
const INSTANCE_TTL_MS = 2000;
const instanceCache = new WeakMap<ServiceDeps, Map<string, { at: number; env: Promise<InstanceEnv> }>>();

export function forgetInstance(deps: ServiceDeps, instanceId: string): void {
  instanceCache.get(deps)?.delete(instanceId);
}

export function instanceEnv(deps: ServiceDeps, instanceId: string): Promise<InstanceEnv> {
  let cache = instanceCache.get(deps);
  if (!cache) instanceCache.set(deps, (cache = new Map()));
  const hit = cache.get(instanceId);
  if (hit && Date.now() - hit.at < INSTANCE_TTL_MS) return hit.env;
  const env = loadInstanceEnv(deps, instanceId);
  cache.set(instanceId, { at: Date.now(), env });
  env.catch(() => cache.delete(instanceId));
  return env;
}

async function loadInstanceEnv(deps: ServiceDeps, instanceId: string): Promise<InstanceEnv> {
  const instance = await deps.ledger.getInstance(instanceId);
  if (!instance) throw apsError(404, 'UnknownResource', `Unknown application instance ${instanceId}`);
  const settings = instance.settings as unknown as AppSettings;
  return { instance, settings, ox: await oxClientFor(deps, settings, instance.secrets.masterPassword, instance.id) };
}

/** The OX client for these settings and master password (stored or only proposed). */
export function oxClientFor(deps: ServiceDeps, settings: AppSettings, masterPassword: string | undefined, instanceId?: string): Promise<OxClient> {
  // `debug`: this instance's OX calls are logged with their (redacted) arguments.
  const trace = settings.debug === true && deps.log ? traceTo(deps.log.child({ instance: instanceId ?? null })) : undefined;
  return deps.ox.client(settings.oxSoapUrl, {
    master: { login: settings.masterLogin, password: masterPassword ?? '' },
    masterAccountOverride: settings.masterAccountOverride,
    trace,
  });
}

function traceTo(log: Logger): (entry: OxTraceEntry) => void {
  return (entry) => log.info({ oxTrace: entry }, `OX ${entry.service}.${entry.operation} ${entry.outcome}`);
}

/** The calling instance's client for the controller's REST API, in this request's transaction. */
export function controllerFor(deps: ServiceDeps, call: ApsCall, instance: InstanceRecord): ControllerClient {
  return deps.controllers.for({
    instanceId: instance.id, controllerUri: call.controllerUri || instance.controllerUri,
    cert: instance.instanceCert, key: instance.secrets.instanceKey ?? '',
  }, call.transactionId);
}

/** A random password OX accepts (letters, digits, - and _), 144 bits. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

export function linkId(body: Record<string, unknown>, relation: string): string | undefined {
  const link = body[relation] as { aps?: { id?: string } } | undefined;
  return link?.aps?.id;
}

/** The resource JSON we answer with: aps id and type, then its properties. */
export function resourceView(deps: ServiceDeps, service: string, id: string, props: Record<string, unknown>): Record<string, unknown> {
  return { ...props, aps: { id, type: deps.schemas.get(service)?.schema.id } };
}

/** The non-secret properties of a body that the type declares (unknown ones are not ours). */
export function ownProperties(deps: ServiceDeps, service: string, body: Record<string, unknown>): Record<string, unknown> {
  const type = deps.schemas.get(service);
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(type?.schema.properties ?? {})) {
    if (!spec.encrypted && body[name] !== undefined) out[name] = body[name];
  }
  return out;
}

function unknownResource(kind: string, id: string | undefined) {
  return apsError(404, 'UnknownResource', `Unknown ${kind} resource ${id ?? '(no link)'}: provision it through this application instance first`);
}

/** The calling instance's resource of this kind; any other id (another instance's included) is 404. */
export async function requireResource(deps: ServiceDeps, call: ApsCall, id: string | undefined, kind: string): Promise<ResourceRecord> {
  const rec = id ? await deps.ledger.getResource(call.instanceId, id) : undefined;
  if (!rec || rec.kind !== kind) throw unknownResource(kind, id);
  return rec;
}

/**
 * The resource a delete names, or undefined when it is already gone (a delete then succeeds).
 * An id that another instance holds is 404: it was never this instance's to delete.
 */
export async function resourceToDelete(deps: ServiceDeps, call: ApsCall, kind: string): Promise<ResourceRecord | undefined> {
  const rec = await deps.ledger.getResource(call.instanceId, call.resourceId);
  if (rec && rec.kind === kind) return rec;
  if (rec || await deps.ledger.resourceIdTaken(call.resourceId)) throw unknownResource(kind, call.resourceId);
  return undefined;
}

/** Claims the resource id for the calling instance; an id another instance holds is a conflict. */
export async function claim(deps: ServiceDeps, rec: ResourceRecord): Promise<{ record: ResourceRecord; created: boolean }> {
  const { record, created } = await deps.ledger.claimResource(rec);
  if (!record || record.kind !== rec.kind) {
    throw apsError(409, 'ResourceIdTaken', `Resource id ${rec.id} is already in use on this endpoint; the controller must use a new id`);
  }
  return { record, created };
}

/**
 * Wraps a provision handler: a permanent failure marks the claimed resource `failed` with the
 * reason (for `ox-aps resources`); a later retry of the same request picks it up again.
 */
export function recordingFailures(deps: ServiceDeps, handler: (call: ApsCall) => Promise<Record<string, unknown> | undefined>) {
  return async (call: ApsCall) => {
    try {
      return await handler(call);
    } catch (err) {
      const retryable = (err as { retryable?: boolean }).retryable === true;
      const rec = await deps.ledger.getResource(call.instanceId, call.resourceId);
      if (rec?.kind === call.service && (rec.state === 'provisioning' || rec.state === 'failed')) {
        await deps.ledger.updateResource(call.instanceId, rec.id, { state: retryable ? 'provisioning' : 'failed', lastError: (err as Error).message });
      }
      throw err;
    }
  };
}

export function newRecord(call: ApsCall, kind: string, extra: Partial<ResourceRecord> = {}): ResourceRecord {
  const now = Date.now();
  return {
    id: call.resourceId, instanceId: call.instanceId, kind, state: 'provisioning', props: {}, secrets: {},
    createdAt: now, updatedAt: now, ...extra,
  };
}
