// Deletions whose grace period ran out (deleteGraceDays): listed, swept in OX (by the endpoint
// each DELETION_SWEEP_SECONDS, or `ox-aps deletions --purge-due`), or stopped (`ox-aps restore`,
// after which a takeover brings the context back under a subscription).
import type { OxClient } from '../ox/ox-client.js';
import type { ResourceRecord } from '../store/ledger.js';
import type { ServiceDeps } from '../resources/shared/deps.js';
import { oxClientOf } from '../resources/shared/instance-env.js';
import { isReleased } from '../resources/shared/records.js';
import { contextAdmin } from '../resources/shared/stored.js';
import { deleteAfterOf, forgetContext, forgetRecord } from '../resources/shared/deletions.js';
import { OX_DELETES } from '../resources/shared/removal.js';

export { deleteAfterOf };

/** Every record waiting for its deletion, due or not. */
export function pendingDeletions(deps: Pick<ServiceDeps, 'ledger'>, instanceId?: string): Promise<ResourceRecord[]> {
  return deps.ledger.listResources({ instanceId, states: ['pending-deletion'] });
}

/** The waiting records whose time has come. */
export const dueOf = (pending: ResourceRecord[], now = Date.now()) =>
  pending.filter((r) => (deleteAfterOf(r) ?? 0) <= now);

/**
 * Deletes in OX what is due (`due`, or read now): contexts whole, and users of contexts still in
 * service (a user of a context that waits itself goes with it). Answers how many were deleted.
 */
export async function sweepDeletions(
  deps: Pick<ServiceDeps, 'ledger' | 'ox' | 'log'>,
  due?: ResourceRecord[],
): Promise<number> {
  due ??= dueOf(await pendingDeletions(deps));
  const clients = new Map<string, Promise<OxClient | undefined>>(); // one per instance, read once
  const oxOf = (instanceId: string) => {
    if (!clients.has(instanceId))
      clients.set(
        instanceId,
        deps.ledger.getInstance(instanceId).then((i) => i && oxClientOf(deps, i)),
      );
    return clients.get(instanceId);
  };
  let deleted = 0;
  for (const listed of [...due.filter((r) => r.kind === 'contexts'), ...due.filter((r) => r.kind !== 'contexts')]) {
    const rec = await deps.ledger.getResource(listed.instanceId, listed.id);
    if (rec?.state !== 'pending-deletion') continue; // gone with its context, or taken over meanwhile
    const ox = await oxOf(rec.instanceId);
    if (!ox) continue;
    if (rec.kind === 'contexts') {
      if (rec.oxContextId != null) await ox.deleteContext(rec.oxContextId);
      await forgetContext(deps, rec);
    } else {
      const ctx = rec.parentId ? await deps.ledger.getResource(rec.instanceId, rec.parentId) : undefined;
      if (ctx && isReleased(ctx)) continue;
      const del = OX_DELETES[rec.kind];
      if (del && ctx?.oxContextId != null && rec.oxUserId != null)
        await del(ox, ctx.oxContextId, contextAdmin(ctx), rec.oxUserId);
      await forgetRecord(deps, rec);
    }
    deleted++;
  }
  return deleted;
}

/**
 * Stops a context's deletion: enabled again in OX and held for a takeover (`released`), with its
 * users as they were (those cancelled are still shut out until a mailbox takes them over).
 */
export async function restoreContext(
  deps: Pick<ServiceDeps, 'ledger' | 'ox' | 'log'>,
  instanceId: string,
  ctxId: string,
): Promise<ResourceRecord> {
  const rec = await deps.ledger.getResource(instanceId, ctxId);
  if (!rec || rec.kind !== 'contexts' || rec.state !== 'pending-deletion') {
    throw new Error(
      `instance ${instanceId} has no context ${ctxId} waiting for deletion (ox-aps deletions lists them)`,
    );
  }
  const instance = await deps.ledger.getInstance(instanceId);
  if (!instance || rec.oxContextId == null) throw new Error(`context ${ctxId} has no OX context to restore`);
  const ox = await oxClientOf(deps, instance);
  await ox.enableContext(rec.oxContextId);
  const { deleteAfter: _gone, ...props } = rec.props;
  await deps.ledger.updateResource(instanceId, rec.id, { state: 'released', props });
  for (const mailbox of await deps.ledger.listResources({
    instanceId,
    parentId: rec.id,
    states: ['pending-deletion'],
  })) {
    const { deleteAfter: _m, ...kept } = mailbox.props;
    await deps.ledger.updateResource(instanceId, mailbox.id, { state: 'released', props: kept });
  }
  return { ...rec, state: 'released', props };
}
