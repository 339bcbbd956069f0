// The per-instance environment the services work in: the instance, its settings and its OX client,
// and its client for the controller's REST API.
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

// One instance cache, the ledger's (a record is reused for INSTANCE_MAX_AGE_MS; a write through
// this process drops it): the environment built from a record is kept with that record.
const envs = new WeakMap<InstanceRecord, Promise<InstanceEnv>>();

/**
 * The environment of a call's instance: the record the route resolved for this request
 * (`call.instance`), else the ledger's (a background job, a record's own instance).
 */
export async function instanceEnv(
  deps: ServiceDeps,
  of: { instanceId: string; instance?: InstanceRecord },
): Promise<InstanceEnv> {
  const instance = of.instance ?? (await deps.ledger.getInstance(of.instanceId, { maxAgeMs: INSTANCE_MAX_AGE_MS }));
  if (!instance) throw apsError(404, 'UnknownResource', `Unknown application instance ${of.instanceId}`);
  let env = envs.get(instance);
  if (!env) {
    env = oxClientOf(deps, instance).then((ox) => ({ instance, settings: settingsOf(instance), ox }));
    envs.set(instance, env);
    env.catch(() => envs.delete(instance));
  }
  return env;
}

/** The OX client of an instance as stored: its settings and master password. */
export function oxClientOf(deps: Pick<ServiceDeps, 'ox' | 'log'>, instance: InstanceRecord): Promise<OxClient> {
  return oxClientFor(deps, settingsOf(instance), instance.secrets.masterPassword, instance.id);
}

/** The OX client for these settings and master password (stored or only proposed). */
export function oxClientFor(
  deps: Pick<ServiceDeps, 'ox' | 'log'>,
  settings: AppSettings,
  masterPassword: string | undefined,
  instanceId?: string,
): Promise<OxClient> {
  // `debug`: this instance's OX calls are logged with their (redacted) arguments.
  const trace =
    settings.debug === true && deps.log ? traceTo(deps.log.child({ instance: instanceId ?? null })) : undefined;
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
  return deps.controllers.for(
    {
      instanceId: instance.id,
      controllerUri: call.controllerUri || instance.controllerUri,
      cert: instance.instanceCert,
      key: instance.secrets.instanceKey ?? '',
      oauthKey: instance.oauthKey,
    },
    call.transactionId,
  );
}
