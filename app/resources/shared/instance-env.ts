// The per-instance environment the services work in: the instance, its settings and its OX client
// (cached for a moment), and its client for the controller's REST API.
import type { ControllerClient } from '../../aps/controller-client.js';
import type { ApsCall } from '../../aps/types.js';
import type { OxClient, OxTraceEntry } from '../../ox/ox-client.js';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { INSTANCE_MAX_AGE_MS, type InstanceRecord } from '../../store/ledger.js';
import type { ServiceDeps } from './deps.js';
import { settingsOf, type AppSettings } from './instance-settings.js';
import { apsError } from './errors.js';

export interface InstanceEnv {
  instance: InstanceRecord;
  settings: AppSettings;
  ox: OxClient;
}

// Instances are read on every request and change rarely: each environment is kept as long as its
// record may be used (INSTANCE_MAX_AGE_MS); a change through this process is seen at once.
const instanceCache = new WeakMap<ServiceDeps, Map<string, { at: number; env: Promise<InstanceEnv> }>>();

export function forgetInstance(deps: ServiceDeps, instanceId: string): void {
  instanceCache.get(deps)?.delete(instanceId);
}

export function instanceEnv(deps: ServiceDeps, instanceId: string): Promise<InstanceEnv> {
  let cache = instanceCache.get(deps);
  if (!cache) instanceCache.set(deps, (cache = new Map()));
  const hit = cache.get(instanceId);
  if (hit && Date.now() - hit.at < INSTANCE_MAX_AGE_MS) return hit.env;
  const env = loadInstanceEnv(deps, instanceId);
  cache.set(instanceId, { at: Date.now(), env });
  env.catch(() => cache.delete(instanceId));
  return env;
}

async function loadInstanceEnv(deps: ServiceDeps, instanceId: string): Promise<InstanceEnv> {
  const instance = await deps.ledger.getInstance(instanceId);
  if (!instance) throw apsError(404, 'UnknownResource', `Unknown application instance ${instanceId}`);
  const settings = settingsOf(instance);
  return { instance, settings, ox: await oxClientOf(deps, instance) };
}

/** The OX client of an instance as stored: its settings and master password. */
export function oxClientOf(deps: Pick<ServiceDeps, 'ox' | 'log'>, instance: InstanceRecord): Promise<OxClient> {
  return oxClientFor(deps, settingsOf(instance), instance.secrets.masterPassword, instance.id);
}

/** The OX client for these settings and master password (stored or only proposed). */
export function oxClientFor(deps: Pick<ServiceDeps, 'ox' | 'log'>, settings: AppSettings, masterPassword: string | undefined, instanceId?: string): Promise<OxClient> {
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
    cert: instance.instanceCert, key: instance.secrets.instanceKey ?? '', oauthKey: instance.oauthKey,
  }, call.transactionId);
}
