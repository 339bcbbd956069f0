// The application instance: global settings, the OX check, upgrade.
import type { ApsCall, ResourceService } from '../aps/types.js';
import { OxFault, OxTransportError } from '../ox/faults.js';
import { forgetInstance, instanceEnv, ownProperties, resourceView, type AppSettings, type ServiceDeps } from './deps.js';
import { apsError } from './ox-errors.js';

const TIMEZONES = new Set(Intl.supportedValuesOf('timeZone'));
const SERVICE = 'app';

export interface OxCheck {
  ok: boolean;
  message: string;
  latencyMs: number;
  permanent?: boolean;
}

function checkSettings(settings: Partial<AppSettings>): void {
  if (settings.defaultTimezone && !TIMEZONES.has(settings.defaultTimezone) && settings.defaultTimezone !== 'UTC') {
    throw apsError(400, 'InvalidSettings', `defaultTimezone "${settings.defaultTimezone}" is not an IANA time zone (e.g. Europe/Berlin)`);
  }
  if (settings.loginClient === 'ox6' && settings.productPath === '/appsuite/') {
    throw apsError(400, 'InvalidSettings', 'loginClient ox6 needs productPath /ox6/');
  }
}

/** Connects with the master credentials: reachability and authentication in one cheap call. */
export async function checkOx(deps: ServiceDeps, instanceId: string): Promise<OxCheck> {
  const started = Date.now();
  try {
    const { ox, settings } = await instanceEnv(deps, instanceId);
    await ox.listContexts(String(settings.contextIdStart));
    return { ok: true, message: `OX at ${settings.oxSoapUrl} accepted the master credentials`, latencyMs: Date.now() - started };
  } catch (err) {
    const latencyMs = Date.now() - started;
    if (err instanceof OxFault && err.kind === 'authentication') {
      return { ok: false, permanent: true, message: 'OX refused the master admin credentials: check masterLogin and masterPassword', latencyMs };
    }
    if (err instanceof OxTransportError) return { ok: false, message: `OX did not answer: ${err.reason}`, latencyMs };
    return { ok: false, message: (err as Error).message, latencyMs };
  }
}

export function appService(deps: ServiceDeps): ResourceService {
  const { ledger } = deps;

  async function store(call: ApsCall, merge: boolean): Promise<Record<string, unknown>> {
    const current = merge ? (await ledger.getInstance(call.instanceId))?.settings ?? {} : {};
    const settings = { ...current, ...ownProperties(deps, SERVICE, call.body) } as Partial<AppSettings>;
    checkSettings(settings);
    const instance = (await ledger.getInstance(call.instanceId))!;
    const secrets = { ...instance.secrets };
    if (typeof call.body.masterPassword === 'string' && call.body.masterPassword) secrets.masterPassword = call.body.masterPassword;
    await ledger.updateInstance(call.instanceId, { settings, secrets });
    forgetInstance(deps, call.instanceId);
    return settings;
  }

  async function verify(call: ApsCall): Promise<void> {
    const check = await checkOx(deps, call.instanceId);
    await ledger.updateInstance(call.instanceId, { lastError: check.ok ? null : check.message });
    if (check.permanent) throw apsError(502, 'OxAuthenticationFailed', `${check.message} (application settings)`);
    if (!check.ok) call.log.warn({ check: check.message }, 'OX is not reachable now; the instance is saved and provisioning will retry');
  }

  return {
    async provision(call) {
      const settings = await store(call, false);
      await verify(call);
      return resourceView(deps, SERVICE, call.resourceId, settings);
    },
    async configure(call) {
      const settings = await store(call, true);
      await verify(call);
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
        if (typeId && (rec.props.aps as { type?: string } | undefined)?.type !== typeId) {
          await ledger.updateResource(call.instanceId, rec.id, { props: { ...rec.props, aps: { type: typeId } } });
          migrated++;
        }
      }
      call.log.info({ from: call.query.version, migrated }, 'application upgraded');
      return { migrated };
    },
    operations: {
      /** The OX login page for everyone who uses this installation (the public entry point). */
      async publicUrl(call) {
        const settings = (await ledger.getInstance(call.instanceId))!.settings as unknown as AppSettings;
        return { url: new URL(settings.productPath, settings.oxPublicUrl).href };
      },
      async testConnection(call) {
        const check = await checkOx(deps, call.instanceId);
        await ledger.updateInstance(call.instanceId, { lastError: check.ok ? null : check.message });
        return { ok: check.ok, message: check.message, latencyMs: check.latencyMs };
      },
    },
  };
}
