// A cancellation that can be undone (the instance setting deleteGraceDays): the controller's
// delete disables the context or user in OX at once and answers done; OX deletes it when the
// grace period is over (ops/deletions.ts sweeps them). Here: how a type defers its deletion and
// forgets a record.
import type { OxClient } from '../../ox/ox-client.js';
import type { ResourceRecord } from '../../store/ledger.js';
import { shutOut } from './access.js';
import type { ServiceDeps } from './deps.js';
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
