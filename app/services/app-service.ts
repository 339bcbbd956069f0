// The application instance: global settings, the OX check, upgrade.
import type { AppProperties, AppProvision } from '../aps/schema-types.js';
import { createReadyTiers, queueReadyTiers, READY_TIERS_OPERATION } from './ready-tiers.js';
import type { ApsCall, ResourceService } from '../aps/types.js';
import { OxFault, OxTransportError } from '../ox/faults.js';
import type { OxClient } from '../ox/ox-client.js';
import type { ServiceDeps } from './deps.js';
import { controllerFor, forgetInstance, instanceEnv, oxClientFor } from './instance-env.js';
import { settingsOf, type AppSettings } from './instance-settings.js';
import { callingInstance, ownProperties, resourceView } from './resources.js';
import { moveToCurrentTypes } from './type-upgrade.js';
import { apsError } from './ox-errors.js';
import { checkTimeZone } from './time-zones.js';
import { OX_TIME_ZONES } from '../ox/time-zones.js';
import { errorMessage, isRecord } from '../util/errors.js';

const SERVICE = 'app';

export interface OxCheck {
  ok: boolean;
  message: string;
  latencyMs: number;
  permanent?: boolean;
}

function checkSettings(settings: Partial<AppSettings>): void {
  checkTimeZone('defaultTimezone', settings.defaultTimezone);
  if (settings.loginClient === 'ox6' && settings.productPath === '/appsuite/') {
    throw apsError(400, 'InvalidSettings', 'loginClient ox6 needs productPath /ox6/');
  }
}

/** Connects with the stored master credentials: reachability and authentication in one cheap call. */
export function checkOx(deps: ServiceDeps, instanceId: string): Promise<OxCheck> {
  return probeOx(() => instanceEnv(deps, instanceId));
}

/** The same check for settings not stored yet: a change of OX or its credentials is verified first. */
function checkProposed(deps: ServiceDeps, settings: AppSettings, masterPassword: string | undefined): Promise<OxCheck> {
  return probeOx(async () => ({ settings, ox: await oxClientFor(deps, settings, masterPassword) }));
}

async function probeOx(connect: () => Promise<{ ox: OxClient; settings: AppSettings }>): Promise<OxCheck> {
  const started = Date.now();
  try {
    const { ox, settings } = await connect();
    await ox.listContexts(String(settings.contextIdStart));
    return { ok: true, message: `OX at ${settings.oxSoapUrl} accepted the master credentials`, latencyMs: Date.now() - started };
  } catch (err) {
    const latencyMs = Date.now() - started;
    if (err instanceof OxFault && err.kind === 'authentication') {
      return { ok: false, permanent: true, message: 'OX refused the master admin credentials: check masterLogin and masterPassword', latencyMs };
    }
    if (err instanceof OxTransportError) return { ok: false, message: `OX did not answer: ${err.reason}`, latencyMs };
    return { ok: false, message: errorMessage(err), latencyMs };
  }
}

/** Settings that decide which OX we reach and as whom. */
const CONNECTION_SETTINGS = ['oxSoapUrl', 'masterLogin', 'masterAccountOverride'] as const;

export function appService(deps: ServiceDeps): ResourceService<AppProvision, AppProperties> {
  const { ledger } = deps;

  /** Stores the settings; `verified` when OX already accepted them here (no second probe needed). */
  async function store(call: ApsCall<AppProperties>, merge: boolean): Promise<{ settings: Partial<AppSettings>; verified: boolean }> {
    const instance = await ledger.getInstance(call.instanceId);
    if (!instance) throw apsError(404, 'UnknownResource', `Unknown application instance ${call.instanceId}`);
    const current: Partial<AppSettings> = merge ? settingsOf(instance) : {};
    const settings: Partial<AppSettings> = { ...current, ...ownProperties(deps, SERVICE, call.body) };
    checkSettings(settings);
    const secrets = { ...instance.secrets };
    const newPassword = call.body.masterPassword || undefined;
    if (newPassword) secrets.masterPassword = newPassword;
    const reconnects = newPassword !== undefined && newPassword !== instance.secrets.masterPassword
      || CONNECTION_SETTINGS.some((k) => settings[k] !== current[k]);
    const verified = merge && reconnects;
    // checkSettings above refused settings that lack what a connection needs.
    if (verified) await refuseUnverified(settings as AppSettings, secrets.masterPassword);
    await ledger.updateInstance(call.instanceId, { settings, secrets, ...(verified ? { lastError: null } : {}) });
    forgetInstance(deps, call.instanceId);
    return { settings, verified };
  }

  /** A change of OX or its credentials is kept only once OX accepts it; otherwise the old ones stay. */
  async function refuseUnverified(settings: AppSettings, masterPassword: string | undefined): Promise<void> {
    const check = await checkProposed(deps, settings, masterPassword);
    if (check.ok) return;
    const code = check.permanent ? 'OxAuthenticationFailed' : 'OxUnavailable';
    throw apsError(502, code, `${check.message}; the application settings were not changed (the previous OX settings stay in force)`);
  }

  async function verify(call: ApsCall): Promise<void> {
    const check = await checkOx(deps, call.instanceId);
    await ledger.updateInstance(call.instanceId, { lastError: check.ok ? null : check.message });
    if (check.permanent) throw apsError(502, 'OxAuthenticationFailed', `${check.message} (application settings)`);
    if (!check.ok) call.log.warn({ check: check.message }, 'OX is not reachable now; the instance is saved and provisioning will retry');
  }

  return {
    async provision(call) {
      const { settings } = await store(call, false);
      await verify(call);
      await queueReadyTiers(deps, call, settings);
      return resourceView(deps, SERVICE, call.resourceId, settings);
    },
    async configure(call) {
      const { settings, verified } = await store(call, true);
      if (!verified) await verify(call);
      return resourceView(deps, SERVICE, call.resourceId, settings);
    },
    async retrieve(call) {
      const instance = await ledger.getInstance(call.instanceId);
      return resourceView(deps, SERVICE, call.resourceId, instance?.settings ?? {});
    },
    async unprovision(call) {
      forgetInstance(deps, call.instanceId);
      for (const rec of await ledger.listResources({ instanceId: call.instanceId })) await ledger.deleteResource(call.instanceId, rec.id);
      return undefined;
    },
    async upgrade(call) {
      // Stored resources carry their type in props.aps; rewrite it to the versions this package serves.
      let migrated = 0;
      for (const rec of await ledger.listResources({ instanceId: call.instanceId })) {
        const typeId = deps.schemas.get(rec.kind)?.schema.id;
        if (typeId && (isRecord(rec.props.aps) ? rec.props.aps.type : undefined) !== typeId) {
          await ledger.updateResource(call.instanceId, rec.id, { props: { ...rec.props, aps: { type: typeId } } });
          migrated++;
        }
      }
      const currentIds = [...deps.schemas.types.values()].map((t) => t.schema.id);
      const moved = await moveToCurrentTypes(controllerFor(deps, call, await callingInstance(deps, call)), currentIds);
      call.log.info({ from: call.query.version, migrated, moved }, 'application upgraded');
      return { migrated, moved };
    },
    operations: {
      /** The OX login page for everyone who uses this installation (the public entry point). */
      async publicUrl(call) {
        const settings = settingsOf(await callingInstance(deps, call));
        return { url: new URL(settings.productPath, settings.oxPublicUrl).href };
      },
      /** The time zones OX knows, for the panel's lists. */
      async timezones() {
        return { timezones: OX_TIME_ZONES };
      },
      /** Internal (background job after instance creation): the classic tiers as profiles. */
      async [READY_TIERS_OPERATION](call) {
        const instance = await ledger.getInstance(call.instanceId);
        return instance ? createReadyTiers(deps, call, instance) : undefined;
      },
      async testConnection(call) {
        const check = await checkOx(deps, call.instanceId);
        await ledger.updateInstance(call.instanceId, { lastError: check.ok ? null : check.message });
        return { ok: check.ok, message: check.message, latencyMs: check.latencyMs };
      },
    },
  };
}
