// Subscriptions as OX contexts: the handlers the APS routes call. Provision and configure have
// their modules; usage polling with a cache, suspend/resume and removal are here.
import { contextProps } from '../shared/stored.js';
import { settleContextAdmin } from '../shared/admin-rights.js';
import type { ContextsProperties, ContextsProvision } from '../../aps/generated/schema-types.js';
import type { ApsCall, ResourceService } from '../../aps/types.js';
import { goneFromOx } from '../../ox/faults.js';
import type { ServiceDeps } from '../shared/deps.js';
import { instanceEnv } from '../shared/instance-env.js';
import {
  isReleased,
  oxContextOf,
  recordOfCall,
  recordingFailures,
  requireResource,
  requireResourceWithTallies,
  resourceToDelete,
} from '../shared/records.js';
import { withOx } from '../shared/errors.js';
import { issueLoginUrl } from '../shared/sso-login.js';
import { deferDeletion, forgetContext } from '../shared/deletions.js';
import { errorMessage } from '../../util/errors.js';
import { SERVICE, view } from './common.js';
import { provision } from './provision.js';
import { configure } from './configure.js';

/** The usage poll: OX's used quota, cached for USAGE_CACHE_SECONDS; the last figure when OX fails. */
async function retrieve(deps: ServiceDeps, call: ApsCall) {
  const { rec, tallies } = await requireResourceWithTallies(deps, call, call.resourceId, SERVICE);
  const fresh = rec.usageAt && Date.now() - rec.usageAt < deps.config.USAGE_CACHE_SECONDS * 1000;
  if (fresh || (rec.state !== 'ready' && rec.state !== 'disabled')) return view(deps, rec, undefined, tallies);
  try {
    const { ox } = await instanceEnv(deps, call);
    const ctx = await ox.getContext(oxContextOf(rec));
    const usedMb = ctx.usedQuota ?? 0;
    await deps.ledger.updateResource(call.instanceId, rec.id, { usage: { diskspace: usedMb }, usageAt: Date.now() });
    return view(deps, rec, usedMb, tallies);
  } catch (err) {
    // Usage polling must not fail the platform task: report the last known figure.
    call.log.warn({ err: errorMessage(err) }, 'usage poll fell back to the cached figure');
    return view(deps, rec, undefined, tallies);
  }
}

/** Suspend or resume: OX keeps the data, its users cannot log in while disabled. */
async function setEnabled(deps: ServiceDeps, call: ApsCall, enabled: boolean): Promise<undefined> {
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  const { ox } = await instanceEnv(deps, call);
  const id = oxContextOf(rec);
  await withOx({ doing: `${enabled ? 'enabling' : 'disabling'} context ${id}` }, () =>
    enabled ? ox.enableContext(id) : ox.disableContext(id),
  );
  await deps.ledger.updateResource(call.instanceId, rec.id, { state: enabled ? 'ready' : 'disabled' });
  return undefined;
}

/** Removal: deleted in OX, or disabled and kept (taken over, or a grace period the deletion sweep ends). */
async function unprovision(deps: ServiceDeps, call: ApsCall): Promise<undefined> {
  const rec = await resourceToDelete(deps, call, SERVICE);
  if (!rec || isReleased(rec)) return undefined; // already gone, or cancelled with a grace period
  if (rec.oxContextId == null) return void (await forgetContext(deps, rec));
  const { ox, settings } = await instanceEnv(deps, call);
  const id = oxContextOf(rec);
  // A context taken over is left disabled in OX unless the instance says to delete it.
  const leave = contextProps(rec).adopt !== undefined && settings.adoptedUnprovision !== 'delete';
  if (leave || settings.deleteGraceDays > 0) {
    // A context already gone from OX has nothing left to keep.
    const gone = await withOx({ doing: `disabling context ${id}` }, () => goneFromOx(ox.disableContext(id)));
    return void (await (leave || gone ? forgetContext(deps, rec) : deferDeletion(deps, rec, settings.deleteGraceDays)));
  }
  await deps.ledger.updateResource(call.instanceId, rec.id, { state: 'deleting' });
  await withOx({ doing: `deleting context ${id}` }, () => ox.deleteContext(id));
  await forgetContext(deps, rec);
  return undefined;
}

/** Internal (background job after an upgrade): the administrator loses editPassword, as new ones do. */
async function settleAdmin(deps: ServiceDeps, call: ApsCall) {
  const rec = await deps.ledger.getResource(call.instanceId, call.resourceId);
  if (!rec || rec.kind !== SERVICE || rec.state !== 'ready' || rec.oxContextId == null) return { changed: false };
  const { ox } = await instanceEnv(deps, call);
  return { changed: await settleContextAdmin(ox, rec.oxContextId, rec) };
}

export function contextService(deps: ServiceDeps): ResourceService<ContextsProvision, ContextsProperties> {
  return {
    provision: recordingFailures(deps, (call: ApsCall<ContextsProvision>) => provision(deps, call)),
    // A 202 can already tell the controller the OX context id: it is taken before OX is asked.
    known: async (call) => {
      const rec = await recordOfCall(deps, call, SERVICE);
      return rec && { contextId: rec.oxContextId ?? undefined, adminLogin: rec.login ?? undefined };
    },
    echoed: ['contextId', 'adminLogin'],
    retrieve: (call) => retrieve(deps, call),
    configure: (call) => configure(deps, call),
    disable: (call) => setEnabled(deps, call, false),
    enable: (call) => setEnabled(deps, call, true),
    unprovision: (call) => unprovision(deps, call),
    operations: {
      adminLogin: (call) => issueLoginUrl(deps, call, SERVICE),
      settleAdminRights: (call) => settleAdmin(deps, call),
    },
  };
}
