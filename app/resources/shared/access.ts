// The OX rights of a mailbox: its profile's access (combination or explicit flags), with
// mobility (USM + ActiveSync) switched on or off on top.
import type { ProfilesProperties } from '../../aps/generated/schema-types.js';
import type { KnownProperties } from '../../aps/types.js';
import type { Access, OxClient, Credentials } from '../../ox/ox-client.js';
import { MODULE_ACCESS_FLAGS, type ModuleAccessFlag } from '../../ox/contract.js';
import { completeAccess, type ModuleAccess } from '../../ox/module-access.js';
import type { ResourceRecord } from '../../store/ledger.js';
import type { AppSettings } from './instance-settings.js';

/** A tier as stored (generated from schemas/profiles.schema), and what OX showed of its combination. */
export type ProfileProps = Partial<Omit<KnownProperties<ProfilesProperties>, 'app' | 'mailboxes' | 'aps'>> & {
  /** The flags OX's access combination of this tier grants, learned from OX on first use. */
  combinationFlags?: Partial<ModuleAccess>;
};

function explicitFlags(names: readonly ModuleAccessFlag[]): Partial<ModuleAccess> {
  const flags: Partial<ModuleAccess> = {};
  for (const name of names) flags[name] = true;
  return flags;
}

/**
 * A tier's rights. editPassword is granted only on purpose (allowPasswordChange, or listed among
 * explicit rights): a password changed inside OX breaks single sign-on. A combination is sent by
 * name until OX has shown its flags once; from then on as those flags with that rule applied.
 */
export function profileAccess(profile: ProfileProps): Access {
  if (profile.accessCombination && !profile.combinationFlags) return { combination: profile.accessCombination };
  const flags = profile.accessCombination ? { ...profile.combinationFlags } : explicitFlags(profile.moduleAccess ?? []);
  const onPurpose = profile.allowPasswordChange === true || (!profile.accessCombination && flags.editPassword === true);
  return { flags: { ...flags, editPassword: onPurpose } };
}

/** Whether a tier must still learn its combination's flags from OX. */
export const learnsFromOx = (profile: ProfileProps) => Boolean(profile.accessCombination && !profile.combinationFlags);

export function wantsMobility(
  settings: AppSettings,
  profile: ProfileProps,
  mailbox: ResourceRecord | undefined,
): boolean {
  return (
    settings.mobilityMode === 'included' || profile.includesMobility === true || mailbox?.props.mobilityAddon === true
  );
}

/** Whether the tier's own rights include mobility, where that is known without asking OX. */
export function tierMobility(profile: ProfileProps): boolean | undefined {
  const access = profileAccess(profile);
  return 'flags' in access ? access.flags.USM === true && access.flags.activeSync === true : undefined;
}

export const grantsMobility = (flags: ModuleAccess) => flags.USM === true && flags.activeSync === true;

/**
 * The flags (mobility aside) where a user's rights differ from the tier's, each with the tier's
 * value and OX's; undefined while the tier's flags are not known without asking OX.
 */
export function tierDrift(
  profile: ProfileProps,
  actual: ModuleAccess,
): { tier: Partial<ModuleAccess>; ox: Partial<ModuleAccess> } | undefined {
  const access = profileAccess(profile);
  if (!('flags' in access)) return undefined;
  const wanted = completeAccess(access.flags);
  const names = MODULE_ACCESS_FLAGS.filter((f) => f !== 'USM' && f !== 'activeSync' && wanted[f] !== actual[f]);
  return {
    tier: Object.fromEntries(names.map((f) => [f, wanted[f]])),
    ox: Object.fromEntries(names.map((f) => [f, actual[f]])),
  };
}

/**
 * Applies the profile's rights with mobility on top, and answers whether mobility is on. Mobility
 * the tier itself grants stays (a re-apply never strips it); otherwise it follows `wanted` (add-on,
 * instance setting). A combination name cannot be edited client-side, so we read the flags OX
 * stored and set the two on top.
 */
export async function applyAccess(
  ox: OxClient,
  ctxId: number,
  admin: Credentials,
  userId: number,
  profile: ProfileProps,
  wanted: boolean,
): Promise<AppliedAccess> {
  const access = profileAccess(profile);
  if ('flags' in access) {
    const tierGrants = access.flags.USM === true && access.flags.activeSync === true;
    const mobility = wanted || tierGrants;
    await ox.changeUserAccess(ctxId, admin, userId, {
      flags: { ...access.flags, USM: mobility, activeSync: mobility },
    });
    return { mobility, tierGrants };
  }
  await ox.changeUserAccess(ctxId, admin, userId, access);
  return settleCombination(ox, ctxId, admin, userId, profile, wanted);
}

export interface AppliedAccess {
  mobility: boolean;
  tierGrants: boolean;
  /** The combination's flags as OX showed them (to learn), when the tier went by name. */
  learned?: ModuleAccess;
}

/**
 * After OX applied a combination by name: reads what it granted, then sets mobility and the
 * password rule on top in one change when they differ.
 */
export async function settleCombination(
  ox: OxClient,
  ctxId: number,
  admin: Credentials,
  userId: number,
  profile: ProfileProps,
  wanted: boolean,
): Promise<AppliedAccess> {
  const learned = await ox.getUserAccess(ctxId, admin, userId);
  const tierGrants = grantsMobility(learned);
  const mobility = wanted || tierGrants;
  const editPassword = profile.allowPasswordChange === true && learned.editPassword;
  if (learned.USM !== mobility || learned.activeSync !== mobility || learned.editPassword !== editPassword) {
    await ox.changeUserAccess(ctxId, admin, userId, {
      flags: { ...learned, USM: mobility, activeSync: mobility, editPassword },
    });
  }
  return { mobility, tierGrants, learned };
}

/**
 * Keeps a user out of OX with its data kept: OX's login refuses deniedPortal=true and mailenabled=false (rights off
 * alone leave the UI open).
 */
export async function shutOut(ox: OxClient, ctxId: number, admin: Credentials, userId: number): Promise<void> {
  await ox.changeUserAccess(ctxId, admin, userId, { flags: completeAccess({ deniedPortal: true }) });
  await ox.changeUser(ctxId, admin, { id: userId, mailenabled: false });
}

/** Capabilities to add and remove when a mailbox moves from one profile to another. */
export function capabilityDiff(from: ProfileProps | undefined, to: ProfileProps): { add: string[]; remove: string[] } {
  const before = new Set(from?.capabilities ?? []);
  const after = new Set(to.capabilities ?? []);
  return { add: [...after].filter((c) => !before.has(c)), remove: [...before].filter((c) => !after.has(c)) };
}
