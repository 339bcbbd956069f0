// Removing a group or bookable resource: deleted in OX at once, or, with the instance's
// deleteGraceDays, kept in OX and marked for deletion (the deletion sweep removes it when the grace
// period is over; the controller provisioning the same resource again takes it back).
import type { ApsCall } from '../../aps/types.js';
import type { Credentials, OxClient } from '../../ox/ox-client.js';
import type { ResourceRecord } from '../../store/ledger.js';
import type { ServiceDeps } from './deps.js';
import { deferDeletion, forgetRecord } from './deletions.js';
import { withOx } from './errors.js';
import { instanceEnv } from './instance-env.js';
import { isReleased, oxContextOf, oxIdOf } from './records.js';
import { contextAdmin } from './stored.js';

export type OxDelete = (ox: OxClient, ctxId: number, admin: Credentials, oxId: number) => Promise<void>;

/** How each kind is deleted in OX (an object already gone counts as deleted). */
export const OX_DELETES: Record<string, OxDelete> = {
  mailboxes: (ox, ctxId, admin, id) => ox.deleteUser(ctxId, admin, id),
  groups: (ox, ctxId, admin, id) => ox.principals.deleteGroup(ctxId, admin, id),
  resources: (ox, ctxId, admin, id) => ox.principals.deleteResource(ctxId, admin, id),
};

export async function removeInOx(deps: ServiceDeps, call: ApsCall, rec: ResourceRecord, del: OxDelete): Promise<void> {
  if (isReleased(rec)) return; // cancelled with a grace period already
  const ctx = rec.parentId ? await deps.ledger.getResource(call.instanceId, rec.parentId) : undefined;
  if (!ctx || ctx.oxContextId == null || rec.oxUserId == null || isReleased(ctx)) return forgetRecord(deps, rec);
  const env = await instanceEnv(deps, call);
  const days = Number(env.settings.deleteGraceDays ?? 0);
  if (days > 0) return deferDeletion(deps, rec, days);
  const doing = `deleting ${rec.kind.replace(/s$/, '')} "${String(rec.props.name ?? rec.id)}"`;
  await withOx({ doing, credentials: 'context admin' }, () =>
    del(env.ox, oxContextOf(ctx), contextAdmin(ctx), oxIdOf(rec)),
  );
  await forgetRecord(deps, rec);
}
