// Whether OX answers and accepts the master credentials: for the stored settings, or for settings
// not stored yet (a change of OX or its credentials is verified before it is kept).
import type { ApsCall } from '../../aps/types.js';
import { OxFault, OxTransportError } from '../../ox/faults.js';
import type { OxClient } from '../../ox/ox-client.js';
import type { ServiceDeps } from '../shared/deps.js';
import { instanceEnv, oxClientFor } from '../shared/instance-env.js';
import type { AppSettings } from '../shared/instance-settings.js';
import { apsError } from '../shared/errors.js';
import { errorMessage } from '../../util/errors.js';

export interface OxCheck {
  ok: boolean;
  message: string;
  latencyMs: number;
  permanent?: boolean;
}

async function probeOx(connect: () => Promise<{ ox: OxClient; settings: AppSettings }>): Promise<OxCheck> {
  const started = Date.now();
  try {
    const { ox, settings } = await connect();
    await ox.listContexts(String(settings.contextIdStart));
    return {
      ok: true,
      message: `OX at ${settings.oxSoapUrl} accepted the master credentials`,
      latencyMs: Date.now() - started,
    };
  } catch (err) {
    const latencyMs = Date.now() - started;
    if (err instanceof OxFault && err.kind === 'authentication') {
      return {
        ok: false,
        permanent: true,
        message: 'OX refused the master admin credentials: check masterLogin and masterPassword',
        latencyMs,
      };
    }
    if (err instanceof OxTransportError) return { ok: false, message: `OX did not answer: ${err.reason}`, latencyMs };
    return { ok: false, message: errorMessage(err), latencyMs };
  }
}

/** Connects with the stored master credentials: reachability and authentication in one cheap call. */
function checkOx(deps: ServiceDeps, instanceId: string): Promise<OxCheck> {
  return probeOx(() => instanceEnv(deps, { instanceId }));
}

/** A change of OX or its credentials is kept only once OX accepts it; otherwise the old ones stay. */
export async function refuseUnverified(
  deps: ServiceDeps,
  settings: AppSettings,
  masterPassword: string | undefined,
): Promise<void> {
  const check = await probeOx(async () => ({ settings, ox: await oxClientFor(deps, settings, masterPassword) }));
  if (check.ok) return;
  const code = check.permanent ? 'OxAuthenticationFailed' : 'OxUnavailable';
  throw apsError(
    502,
    code,
    `${check.message}; the application settings were not changed (the previous OX settings stay in force)`,
  );
}

/** Checks the stored settings and records the outcome; only refused credentials fail the call. */
export async function verify(deps: ServiceDeps, call: ApsCall): Promise<OxCheck> {
  const check = await checkOx(deps, call.instanceId);
  await deps.ledger.updateInstance(call.instanceId, { lastError: check.ok ? null : check.message });
  return check;
}
