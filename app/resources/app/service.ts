// The application instance: global settings, the OX check, upgrade.
import type { AppProperties, AppProvision } from '../../aps/generated/schema-types.js';
import { createReadyTiers, queueReadyTiers, READY_TIERS_OPERATION } from './ready-tiers.js';
import type { ApsCall, ResourceService } from '../../aps/types.js';
import type { ServiceDeps } from '../shared/deps.js';
import { controllerFor } from '../shared/instance-env.js';
import { settingsOf, type AppSettings } from '../shared/instance-settings.js';
import { callingInstance, ownProperties, resourceView } from '../shared/records.js';
import { moveToCurrentTypes } from './type-upgrade.js';
import { publishMailboxFacts, queueMailboxFacts } from './mailbox-facts.js';
import { apsError } from '../shared/errors.js';
import { checkTimeZone } from '../shared/time-zones.js';
import { OX_TIME_ZONES } from '../../ox/time-zones.js';
import { isRecord } from '../../util/errors.js';
import { refuseUnverified, verify } from './ox-check.js';

const SERVICE = 'app';
/** Settings that decide which OX we reach and as whom. */
const CONNECTION_SETTINGS = ['oxSoapUrl', 'masterLogin', 'masterAccountOverride'] as const;

function checkSettings(settings: Partial<AppSettings>): void {
  checkTimeZone('defaultTimezone', settings.defaultTimezone);
  if (settings.loginClient === 'ox6' && settings.productPath === '/appsuite/') {
    throw apsError(400, 'InvalidSettings', 'loginClient ox6 needs productPath /ox6/');
  }
}

/** Stores the settings; `verified` when OX already accepted them here (no second probe needed). */
async function store(
  deps: ServiceDeps,
  call: ApsCall<AppProperties>,
  merge: boolean,
): Promise<{ settings: Partial<AppSettings>; before: Partial<AppSettings>; verified: boolean }> {
  const instance = await deps.ledger.getInstance(call.instanceId);
  if (!instance) throw apsError(404, 'UnknownResource', `Unknown application instance ${call.instanceId}`);
  const current: Partial<AppSettings> = merge ? settingsOf(instance) : {};
  const settings: Partial<AppSettings> = { ...current, ...ownProperties(deps, SERVICE, call.body) };
  checkSettings(settings);
  const secrets = { ...instance.secrets };
  const newPassword = call.body.masterPassword || undefined;
  if (newPassword) secrets.masterPassword = newPassword;
  const reconnects =
    (newPassword !== undefined && newPassword !== instance.secrets.masterPassword) ||
    CONNECTION_SETTINGS.some((k) => settings[k] !== current[k]);
  const verified = merge && reconnects;
  // checkSettings above refused settings that lack what a connection needs.
  if (verified) await refuseUnverified(deps, settings as AppSettings, secrets.masterPassword);
  await deps.ledger.updateInstance(call.instanceId, { settings, secrets, ...(verified ? { lastError: null } : {}) });
  return { settings, before: current, verified };
}

/** Checks OX after a store: refused credentials fail the call, an unreachable OX only warns. */
async function verifyStored(deps: ServiceDeps, call: ApsCall): Promise<void> {
  const check = await verify(deps, call);
  if (check.permanent) throw apsError(502, 'OxAuthenticationFailed', `${check.message} (application settings)`);
  if (!check.ok)
    call.log.warn(
      { check: check.message },
      'OX is not reachable now; the instance is saved and provisioning will retry',
    );
}

async function provision(deps: ServiceDeps, call: ApsCall<AppProvision>) {
  const { settings } = await store(deps, call, false);
  await verifyStored(deps, call);
  await queueReadyTiers(deps, call, settings);
  return resourceView(deps, SERVICE, call.resourceId, settings);
}

async function configure(deps: ServiceDeps, call: ApsCall<AppProperties>) {
  const { settings, before, verified } = await store(deps, call, true);
  if (!verified) await verifyStored(deps, call);
  // The panel shows login buttons by each mailbox's adminMayOpen.
  if ((settings.adminMailboxLogin === true) !== (before.adminMailboxLogin === true))
    await queueMailboxFacts(deps, call, 'admin-login');
  return resourceView(deps, SERVICE, call.resourceId, settings);
}

async function unprovision(deps: ServiceDeps, call: ApsCall): Promise<undefined> {
  for (const rec of await deps.ledger.listResources({ instanceId: call.instanceId }))
    await deps.ledger.deleteResource(call.instanceId, rec.id);
  return undefined;
}

/**
 * Contexts made before their administrator lost editPassword at creation: one background job per
 * context takes the right away (contexts service, settleAdminRights).
 */
async function queueAdminRights(deps: ServiceDeps, call: ApsCall): Promise<number> {
  const contexts = await deps.ledger.listResources({
    instanceId: call.instanceId,
    kind: 'contexts',
    states: ['ready'],
  });
  for (const ctx of contexts) {
    await deps.jobs.enqueue({
      key: `${call.instanceId} ADMIN-RIGHTS contexts/${ctx.id}`,
      service: 'contexts',
      name: 'settleAdminRights',
      resourceId: ctx.id,
      instanceId: call.instanceId,
      body: {},
      controllerUri: call.controllerUri,
    });
  }
  return contexts.length;
}

/** Stored resources carry their type in props.aps: rewritten to the versions this package serves. */
async function upgrade(deps: ServiceDeps, call: ApsCall) {
  let migrated = 0;
  for (const rec of await deps.ledger.listResources({ instanceId: call.instanceId })) {
    const typeId = deps.schemas.get(rec.kind)?.schema.id;
    if (typeId && (isRecord(rec.props.aps) ? rec.props.aps.type : undefined) !== typeId) {
      await deps.ledger.updateResource(call.instanceId, rec.id, { props: { ...rec.props, aps: { type: typeId } } });
      migrated++;
    }
  }
  const settling = await queueAdminRights(deps, call);
  const currentIds = [...deps.schemas.types.values()].map((t) => t.schema.id);
  const moved = await moveToCurrentTypes(controllerFor(deps, call, await callingInstance(deps, call)), currentIds);
  await queueMailboxFacts(deps, call, 'upgrade');
  call.log.info({ from: call.query.version, migrated, moved, settling }, 'application upgraded');
  return { migrated, moved };
}

export function appService(deps: ServiceDeps): ResourceService<AppProvision, AppProperties> {
  return {
    provision: (call) => provision(deps, call),
    configure: (call) => configure(deps, call),
    retrieve: async (call) =>
      resourceView(deps, SERVICE, call.resourceId, (await deps.ledger.getInstance(call.instanceId))?.settings ?? {}),
    unprovision: (call) => unprovision(deps, call),
    upgrade: (call) => upgrade(deps, call),
    operations: {
      publishMailboxFacts: (call) => publishMailboxFacts(deps, call),
      /** The OX login page for everyone who uses this installation (the public entry point). */
      publicUrl: async (call) => {
        const settings = settingsOf(await callingInstance(deps, call));
        return { url: new URL(settings.productPath, settings.oxPublicUrl).href };
      },
      /** The time zones OX knows, for the panel's lists. */
      timezones: async () => ({ timezones: OX_TIME_ZONES }),
      /** Internal (background job after instance creation): the classic tiers as profiles. */
      [READY_TIERS_OPERATION]: async (call) => {
        const instance = await deps.ledger.getInstance(call.instanceId);
        return instance ? createReadyTiers(deps, call, instance) : undefined;
      },
      testConnection: async (call) => {
        const check = await verify(deps, call);
        return { ok: check.ok, message: check.message, latencyMs: check.latencyMs };
      },
    },
  };
}
