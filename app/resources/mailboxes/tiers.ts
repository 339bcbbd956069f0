// A tier (profile) applied to a mailbox's OX user: rights, mobility, capabilities, upload limits,
// and the flags OX showed for a combination tier, learned once per tier.
import { contextAdmin, tierOf } from '../shared/stored.js';
import type { Credentials } from '../../ox/ox-client.js';
import type { ModuleAccess } from '../../ox/module-access.js';
import type { ResourceRecord } from '../../store/ledger.js';
import {
  applyAccess,
  capabilityDiff,
  learnsFromOx,
  settleCombination,
  tierMobility,
  wantsMobility,
  type ProfileProps,
} from '../shared/access.js';
import type { ServiceDeps } from '../shared/deps.js';
import type { InstanceEnv } from '../shared/instance-env.js';
import { oxContextOf, oxUserOf } from '../shared/records.js';
import { tierAt, uploadLimits } from './common.js';

/** Keeps the flags OX showed for a combination tier: OX is asked once per tier. */
export async function learnTier(
  deps: ServiceDeps,
  profile: ResourceRecord,
  learned: ModuleAccess | undefined,
): Promise<void> {
  if (!learned) return;
  // Read again: a profile change since this request read it must not be overwritten.
  const fresh = await deps.ledger.getResource(profile.instanceId, profile.id);
  const props = fresh ? tierOf(fresh) : undefined;
  if (!fresh || !props || !learnsFromOx(props) || props.accessCombination !== tierOf(profile).accessCombination) return;
  await deps.ledger.updateResource(profile.instanceId, profile.id, {
    props: { ...fresh.props, combinationFlags: learned },
  });
}

/**
 * Whether a new user has mobility: the add-on or instance setting asks for it, or the tier's
 * own rights grant it (explicit flags say so; for a combination OX is asked once per tier).
 */
export async function mobilityAfterCreate(
  deps: ServiceDeps,
  env: InstanceEnv,
  profile: ResourceRecord,
  ctxId: number,
  admin: Credentials,
  userId: number,
): Promise<boolean> {
  const props = tierOf(profile);
  const wanted = wantsMobility(env.settings, props, undefined);
  if (learnsFromOx(props)) {
    const applied = await settleCombination(env.ox, ctxId, admin, userId, props, wanted);
    await learnTier(deps, profile, applied.learned);
    return applied.mobility;
  }
  if (wanted) return (await applyAccess(env.ox, ctxId, admin, userId, props, true)).mobility;
  return tierMobility(props) === true;
}

/** Applies a tier to a mailbox (not while suspended: resume does); answers whether mobility is on. */
export async function applyTier(
  deps: ServiceDeps,
  env: InstanceEnv,
  rec: ResourceRecord,
  ctx: ResourceRecord,
  profile: ResourceRecord,
): Promise<boolean> {
  const to = tierOf(profile);
  const wanted = wantsMobility(env.settings, to, rec);
  if (rec.state === 'disabled') return wanted || (tierMobility(to) ?? rec.props.mobilityEnabled === true);
  const applied = await applyAccess(env.ox, oxContextOf(ctx), contextAdmin(ctx), oxUserOf(rec), to, wanted);
  await learnTier(deps, profile, applied.learned);
  return applied.mobility;
}

/**
 * Moves a mailbox onto a tier (or applies its changed tier): rights and mobility, the capability
 * difference from the tier it had, upload limits. Answers whether mobility is on.
 */
export async function switchProfile(
  deps: ServiceDeps,
  env: InstanceEnv,
  rec: ResourceRecord,
  ctx: ResourceRecord,
  profile: ResourceRecord,
  from?: ProfileProps,
): Promise<boolean> {
  const previous = from ?? (rec.profileId ? await tierAt(deps, rec.instanceId, rec.profileId) : undefined);
  const to = tierOf(profile);
  const admin = contextAdmin(ctx);
  const ctxId = oxContextOf(ctx);
  const mobility = await applyTier(deps, env, rec, ctx, profile);
  const { add, remove } = capabilityDiff(previous, to);
  if (add.length || remove.length) await env.ox.changeUserCapabilities(ctxId, admin, oxUserOf(rec), add, remove);
  await env.ox.changeUser(ctxId, admin, { id: oxUserOf(rec), ...uploadLimits(to) });
  return mobility;
}
