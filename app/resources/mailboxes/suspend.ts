// Suspend and resume: a suspended mailbox keeps its data and is shut out of OX (mail off, no
// rights); resume gives it the tier it has now and the mail flag it had. Two things suspend a
// mailbox, each on its own: the controller (its subscription, reason `aps`) and its service user
// being disabled (`service-user`). It is shut out while any reason holds and comes back when the
// last one is lifted.
import { contextAdmin } from '../shared/stored.js';
import type { ApsCall } from '../../aps/types.js';
import type { ResourceRecord } from '../../store/ledger.js';
import { shutOut } from '../shared/access.js';
import type { ServiceDeps } from '../shared/deps.js';
import { instanceEnv, type InstanceEnv } from '../shared/instance-env.js';
import { modifyRecord, oxContextOf, oxUserOf, requireResource } from '../shared/records.js';
import { withOx } from '../shared/errors.js';
import { SERVICE, parents, withoutSuspendState } from './common.js';
import { applyTier } from './tiers.js';

export type SuspendReason = 'aps' | 'service-user';

/** Why the mailbox is suspended now (a record from before the reasons were kept: the controller's suspend). */
export function suspendReasons(rec: ResourceRecord): SuspendReason[] {
  const kept = rec.props.suspendedFor;
  if (Array.isArray(kept)) return kept.filter((r): r is SuspendReason => r === 'aps' || r === 'service-user');
  return rec.state === 'disabled' ? ['aps'] : [];
}

async function shutOutInOx(deps: ServiceDeps, env: InstanceEnv, rec: ResourceRecord, ctx: ResourceRecord) {
  const admin = contextAdmin(ctx);
  await withOx({ doing: `disabling mailbox "${rec.login}"`, credentials: 'context admin' }, async () => {
    const { mailenabled } = await env.ox.getUser(oxContextOf(ctx), admin, { id: oxUserOf(rec) });
    const savedMailEnabled = String(mailenabled) !== 'false';
    await modifyRecord(deps, rec, (now) => ({ props: { ...now.props, savedMailEnabled } }));
    await shutOut(env.ox, oxContextOf(ctx), admin, oxUserOf(rec));
  });
}

/** The tier the mailbox has now (it may have changed while suspended), not the rights it had. */
async function bringBack(
  deps: ServiceDeps,
  env: InstanceEnv,
  rec: ResourceRecord,
  ctx: ResourceRecord,
  profile: ResourceRecord,
) {
  return withOx({ doing: `enabling mailbox "${rec.login}"`, credentials: 'context admin' }, async () => {
    const on = await applyTier(deps, env, { ...rec, state: 'ready' }, ctx, profile);
    await env.ox.changeUser(oxContextOf(ctx), contextAdmin(ctx), {
      id: oxUserOf(rec),
      mailenabled: rec.props.savedMailEnabled !== false,
    });
    return on;
  });
}

/** Adds a reason to suspend the mailbox; the first one shuts it out of OX. */
export async function suspendFor(deps: ServiceDeps, call: ApsCall, rec: ResourceRecord, reason: SuspendReason) {
  const reasons = suspendReasons(rec);
  if (reasons.includes(reason)) return;
  if (!reasons.length) {
    const env = await instanceEnv(deps, call);
    const { ctx } = await parents(deps, call, rec);
    await shutOutInOx(deps, env, rec, ctx);
  }
  const fresh = (await deps.ledger.getResource(rec.instanceId, rec.id)) ?? rec;
  await modifyRecord(deps, fresh, (now) => ({
    state: 'disabled',
    props: { ...now.props, suspendedFor: [...new Set([...suspendReasons(now), reason])] },
  }));
}

/** Lifts a reason; with none left the mailbox comes back in OX. */
export async function resumeFor(deps: ServiceDeps, call: ApsCall, rec: ResourceRecord, reason: SuspendReason) {
  const reasons = suspendReasons(rec);
  if (!reasons.includes(reason)) return;
  const left = reasons.filter((r) => r !== reason);
  if (left.length) {
    await modifyRecord(deps, rec, (now) => ({
      props: { ...now.props, suspendedFor: suspendReasons(now).filter((r) => r !== reason) },
    }));
    return;
  }
  const env = await instanceEnv(deps, call);
  const { ctx, profile } = await parents(deps, call, rec);
  const mobility = await bringBack(deps, env, rec, ctx, profile);
  await modifyRecord(deps, rec, (now) => {
    const { suspendedFor: _reasons, ...props } = withoutSuspendState(now.props);
    return { state: 'ready', props: { ...props, mobilityEnabled: mobility } };
  });
}

export async function disable(deps: ServiceDeps, call: ApsCall): Promise<undefined> {
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  await suspendFor(deps, call, rec, 'aps');
  return undefined;
}

export async function enable(deps: ServiceDeps, call: ApsCall): Promise<undefined> {
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  await resumeFor(deps, call, rec, 'aps');
  return undefined;
}
