// A mailbox cancelled: its OX user deleted, or shut out and kept (a taken-over context, or a grace
// period after which the deletion sweep deletes it). A user already gone counts as deleted.
import { contextAdmin, contextProps } from '../shared/stored.js';
import type { ApsCall } from '../../aps/types.js';
import { OxFault, goneFromOx } from '../../ox/faults.js';
import type { ResourceRecord } from '../../store/ledger.js';
import { shutOut } from '../shared/access.js';
import type { ServiceDeps } from '../shared/deps.js';
import { instanceEnv, type InstanceEnv } from '../shared/instance-env.js';
import { isReleased, oxContextOf, oxUserOf, resourceToDelete } from '../shared/records.js';
import { deferMailboxDeletion, forgetRecord } from '../shared/deletions.js';
import { withOx } from '../shared/errors.js';
import { dropMember } from '../shared/context-children.js';
import { SERVICE } from './common.js';

/** Deletes the user in OX; a context already gone answers "Authentication failed" to its admin. */
async function deleteInOx(env: InstanceEnv, ctx: ResourceRecord, rec: ResourceRecord): Promise<void> {
  await withOx({ doing: `deleting mailbox "${rec.login}"`, credentials: 'context admin' }, async () => {
    try {
      await env.ox.deleteUser(oxContextOf(ctx), contextAdmin(ctx), oxUserOf(rec));
    } catch (err) {
      if (!(err instanceof OxFault && err.kind === 'authentication' && !(await env.ox.contextExists(oxContextOf(ctx)))))
        throw err;
    }
  });
}

export async function unprovision(deps: ServiceDeps, call: ApsCall): Promise<undefined> {
  const rec = await resourceToDelete(deps, call, SERVICE);
  if (!rec || isReleased(rec)) return undefined;
  // Groups and shared mailboxes keep no member that is leaving (OX drops a deleted user itself).
  await dropMember(deps, call, rec);
  const ctx = rec.parentId ? await deps.ledger.getResource(call.instanceId, rec.parentId) : undefined;
  if (ctx?.oxContextId != null && rec.oxUserId != null) {
    const env = await instanceEnv(deps, call);
    // A taken-over context keeps its users (shut out) unless the instance deletes what it took
    // over; with a grace period the user is shut out now and deleted when it is over.
    const leave = contextProps(ctx).adopt !== undefined && env.settings.adoptedUnprovision !== 'delete';
    if (leave || env.settings.deleteGraceDays > 0) {
      const doing = { doing: `shutting out mailbox "${rec.login}"`, credentials: 'context admin' as const };
      // A user already gone from OX has nothing left to keep.
      const keep = leave
        ? () => shutOut(env.ox, oxContextOf(ctx), contextAdmin(ctx), oxUserOf(rec))
        : () => deferMailboxDeletion(deps, env.ox, ctx, rec, env.settings.deleteGraceDays);
      const gone = await withOx(doing, () => goneFromOx(keep()));
      if (leave || gone) await forgetRecord(deps, rec);
      return undefined;
    }
    await deps.ledger.updateResource(call.instanceId, rec.id, { state: 'deleting' });
    await deleteInOx(env, ctx, rec);
  }
  await forgetRecord(deps, rec);
  return undefined;
}
