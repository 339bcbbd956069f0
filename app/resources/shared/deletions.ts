// A cancellation that can be undone (the instance setting deleteGraceDays): the controller's
// delete disables the context or user in OX at once and answers done; OX deletes it when the
// grace period is over. Until then `ox-aps restore` stops the deletion and a takeover (adopt)
// brings the context back under a subscription.
import type { OxClient } from '../../ox/ox-client.js';
import type { ResourceRecord } from '../../store/ledger.js';
import { shutOut } from './access.js';
import type { ServiceDeps } from './deps.js';
import { oxClientOf } from './instance-env.js';
import { isReleased } from './records.js';
import { contextAdmin } from './stored.js';

const DAY_MS = 86_400_000;

export const deleteAfterOf = (rec: ResourceRecord): number | undefined =>
  typeof rec.props.deleteAfter === 'number' ? rec.props.deleteAfter : undefined;

/** Drops a context and everything under it from the ledger (OX is not touched). */
export async function forgetContext(deps: Pick<ServiceDeps, 'ledger'>, ctx: ResourceRecord): Promise<void> {
  const { instanceId } = ctx;
  for (const mailbox of await deps.ledger.listResources({ instanceId, parentId: ctx.id }))
    await forgetRecord(deps, mailbox);
  await deps.ledger.deleteResource(instanceId, ctx.id);
}

/** Drops a record and its children (a mailbox's mobility add-on) from the ledger. */
export async function forgetRecord(deps: Pick<ServiceDeps, 'ledger'>, rec: ResourceRecord): Promise<void> {
  const children = await deps.ledger.listResources({ instanceId: rec.instanceId, parentId: rec.id });
  for (const child of children) await deps.ledger.deleteResource(rec.instanceId, child.id);
  await deps.ledger.deleteResource(rec.instanceId, rec.id);
}

/** Marks a record for deletion after `days` (OX has disabled it already). */
export async function deferDeletion(
  deps: Pick<ServiceDeps, 'ledger'>,
  rec: ResourceRecord,
  days: number,
): Promise<void> {
  await deps.ledger.updateResource(rec.instanceId, rec.id, {
    state: 'pending-deletion',
    props: { ...rec.props, deleteAfter: Date.now() + days * DAY_MS },
  });
}

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
      if (ctx?.oxContextId != null && rec.oxUserId != null)
        await ox.deleteUser(ctx.oxContextId, contextAdmin(ctx), rec.oxUserId);
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

/** Shuts a user out and marks its mailbox for deletion after the grace period. */
export async function deferMailboxDeletion(
  deps: Pick<ServiceDeps, 'ledger'>,
  ox: OxClient,
  ctx: ResourceRecord,
  mailbox: ResourceRecord,
  days: number,
): Promise<void> {
  if (ctx.oxContextId != null && mailbox.oxUserId != null)
    await shutOut(ox, ctx.oxContextId, contextAdmin(ctx), mailbox.oxUserId);
  await deferDeletion(deps, mailbox, days);
}
