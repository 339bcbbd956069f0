// The OX rights of a mailbox: its profile's access (combination or explicit flags), with
// mobility (USM + ActiveSync) switched on or off on top.
import type { Access, OxClient, Credentials } from '../ox/ox-client.js';
import type { ModuleAccess } from '../ox/module-access.js';
import type { ResourceRecord } from '../store/ledger.js';
import type { AppSettings } from './deps.js';

export interface ProfileProps {
  title?: string;
  accessCombination?: string;
  moduleAccess?: string[];
  capabilities?: string[];
  uploadFileSizeLimit?: number;
  uploadFileSizeLimitPerFile?: number;
  includesMobility?: boolean;
  /** Whether OX's access combination of this tier grants USM and ActiveSync (learned from OX). */
  combinationMobility?: boolean;
}

export function profileAccess(profile: ProfileProps): Access {
  if (profile.accessCombination) return { combination: profile.accessCombination };
  return { flags: Object.fromEntries((profile.moduleAccess ?? []).map((f) => [f, true])) as Partial<ModuleAccess> };
}

export function wantsMobility(settings: AppSettings, profile: ProfileProps, mailbox: ResourceRecord | undefined): boolean {
  return settings.mobilityMode === 'included' || profile.includesMobility === true || mailbox?.props.mobilityAddon === true;
}

/** Whether the tier's own rights include mobility, where that is known without asking OX. */
export function tierMobility(profile: ProfileProps): boolean | undefined {
  if (profile.accessCombination) return profile.combinationMobility;
  const flags = new Set(profile.moduleAccess ?? []);
  return flags.has('USM') && flags.has('activeSync');
}

export const grantsMobility = (flags: ModuleAccess) => flags.USM === true && flags.activeSync === true;

/**
 * Applies the profile's rights with mobility on top, and answers whether mobility is on. Mobility
 * the tier itself grants stays (a re-apply never strips it); otherwise it follows `wanted` (add-on,
 * instance setting). A combination name cannot be edited client-side, so we read the flags OX
 * stored and set the two on top.
 */
export async function applyAccess(ox: OxClient, ctxId: number, admin: Credentials, userId: number, profile: ProfileProps, wanted: boolean): Promise<{ mobility: boolean; tierGrants: boolean }> {
  await ox.changeUserAccess(ctxId, admin, userId, profileAccess(profile));
  const current = await ox.getUserAccess(ctxId, admin, userId);
  const tierGrants = grantsMobility(current);
  const mobility = wanted || tierGrants;
  if (current.USM !== mobility || current.activeSync !== mobility) {
    await ox.changeUserAccess(ctxId, admin, userId, { flags: { ...current, USM: mobility, activeSync: mobility } });
  }
  return { mobility, tierGrants };
}

/** Capabilities to add and remove when a mailbox moves from one profile to another. */
export function capabilityDiff(from: ProfileProps | undefined, to: ProfileProps): { add: string[]; remove: string[] } {
  const before = new Set(from?.capabilities ?? []);
  const after = new Set(to.capabilities ?? []);
  return { add: [...after].filter((c) => !before.has(c)), remove: [...before].filter((c) => !after.has(c)) };
}
