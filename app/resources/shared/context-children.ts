// What groups, bookable resources and shared mailboxes share as children of a context: the ready
// context they are made in, the plan's limit on how many, their members as OX user ids, and the
// ledger's upkeep when a member mailbox goes (OX itself drops a deleted user from groups and
// functional accounts).
import type { ApsCall } from '../../aps/types.js';
import type { ResourceRecord, ResourceState } from '../../store/ledger.js';
import type { ServiceDeps } from './deps.js';
import { apsError } from './errors.js';
import { linkId, modifyRecord, requireResource } from './records.js';
import { contextProps } from './stored.js';

/** The states in which a child counts against its context's limit and is shown. */
export const LIVE_STATES: ResourceState[] = ['ready', 'disabled', 'provisioning', 'failed'];

/** The context a child is made in (from the body, else the record): provisioned and enabled. */
export async function readyContext(deps: ServiceDeps, call: ApsCall, rec?: ResourceRecord): Promise<ResourceRecord> {
  const ctx = await requireResource(deps, call, rec?.parentId ?? linkId(call.body, 'context'), 'contexts');
  if (ctx.state === 'provisioning')
    throw apsError(
      409,
      'ContextNotReady',
      `Context ${ctx.id} is still being provisioned; try again when it is ready`,
      true,
    );
  if (ctx.state === 'disabled')
    throw apsError(
      409,
      'ResourceDisabled',
      `Context ${ctx.id} is disabled: enable it before changing its ${call.service}`,
    );
  return ctx;
}

/** The context's counter limit for `kind` (a plan's resource limit): 409 when a new one would exceed it. */
export async function checkLimit(
  deps: ServiceDeps,
  ctx: ResourceRecord,
  kind: string,
  counter: 'groupsCount' | 'resourcesCount' | 'sharedMailboxesCount',
  what: string,
): Promise<void> {
  const limit = contextProps(ctx)[counter]?.limit;
  if (typeof limit !== 'number' || limit < 0) return;
  const used = await deps.ledger.countResources({
    instanceId: ctx.instanceId,
    kind,
    parentId: ctx.id,
    states: LIVE_STATES,
  });
  if (used >= limit)
    throw apsError(
      409,
      'LimitReached',
      `The subscription allows ${limit} ${what}, and has ${used}: remove one, or raise the limit (${counter}) in the plan`,
    );
}

/** The ids a collection relation holds in the ledger (props[relation]). */
export function linkedIds(rec: ResourceRecord, relation: string): string[] {
  const ids = rec.props[relation];
  return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
}

/** The member mailboxes' OX user ids (mailboxes not in OX yet, or gone, are left out). */
export async function memberUserIds(
  deps: Pick<ServiceDeps, 'ledger'>,
  rec: ResourceRecord,
  relation = 'members',
): Promise<number[]> {
  const mailboxes = await deps.ledger.getResources(rec.instanceId, linkedIds(rec, relation));
  return mailboxes.flatMap((m) =>
    m.kind === 'mailboxes' && m.oxUserId != null && (m.state === 'ready' || m.state === 'disabled') ? [m.oxUserId] : [],
  );
}

/** A mailbox linked as a member: one of this context's. */
export async function memberOfContext(
  deps: ServiceDeps,
  call: ApsCall,
  ctx: ResourceRecord,
  kind = 'mailboxes',
): Promise<ResourceRecord> {
  // An unlink names the member in its path; a link sends the member's resource ({aps: {id}}).
  const id = call.linkedId ?? linkId({ member: call.body }, 'member');
  const member = await requireResource(deps, call, id, kind);
  if (member.parentId !== ctx.id)
    throw apsError(409, 'NotInContext', `${kind} ${member.id} belongs to another subscription's context`);
  return member;
}

/**
 * An unlink of a member the ledger no longer has (the controller may unlink a deleted mailbox
 * after its deletion): its id leaves the list and the unlink is done.
 */
export async function forgetGoneLink(deps: ServiceDeps, call: ApsCall, rec: ResourceRecord, relation: string) {
  const id = call.linkedId;
  if (call.operation !== 'unlink' || !id || (await deps.ledger.getResource(call.instanceId, id))) return false;
  await modifyRecord(deps, rec, (now) => ({
    props: { ...now.props, [relation]: linkedIds(now, relation).filter((x) => x !== id) },
  }));
  return true;
}

/**
 * A mailbox that goes leaves every group and shared mailbox of its context in the ledger (OX drops
 * the user from them itself); shared mailboxes that reached it through a group are synchronised again.
 */
export async function dropMember(deps: ServiceDeps, call: ApsCall, mailbox: ResourceRecord): Promise<void> {
  if (!mailbox.parentId) return;
  const siblings = await deps.ledger.listResources({ instanceId: mailbox.instanceId, parentId: mailbox.parentId });
  for (const rec of siblings.filter((r) => r.kind === 'groups' || r.kind === 'shared-mailboxes')) {
    if (!linkedIds(rec, 'members').includes(mailbox.id)) continue;
    await modifyRecord(deps, rec, (now) => ({
      props: { ...now.props, members: linkedIds(now, 'members').filter((id) => id !== mailbox.id) },
    }));
  }
  call.log.info({ mailbox: mailbox.id }, 'mailbox left its groups and shared mailboxes');
}
