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
}

export function profileAccess(profile: ProfileProps): Access {
  if (profile.accessCombination) return { combination: profile.accessCombination };
  return { flags: Object.fromEntries((profile.moduleAccess ?? []).map((f) => [f, true])) as Partial<ModuleAccess> };
}

export function wantsMobility(settings: AppSettings, profile: ProfileProps, mailbox: ResourceRecord | undefined): boolean {
  return settings.mobilityMode === 'included' || profile.includesMobility === true || mailbox?.props.mobilityAddon === true;
}

/**
 * Applies the profile's rights with mobility on or off. A combination name cannot be edited
 * client-side, so with a mobility change we read the flags OX stored and set the two on top.
 */
export async function applyAccess(ox: OxClient, ctxId: number, admin: Credentials, userId: number, profile: ProfileProps, mobility: boolean): Promise<ModuleAccess | undefined> {
  const access = profileAccess(profile);
  await ox.changeUserAccess(ctxId, admin, userId, access);
  const current = await ox.getUserAccess(ctxId, admin, userId);
  if (current.USM === mobility && current.activeSync === mobility) return current;
  const flags = { ...current, USM: mobility, activeSync: mobility };
  await ox.changeUserAccess(ctxId, admin, userId, { flags });
  return flags;
}

/** Capabilities to add and remove when a mailbox moves from one profile to another. */
export function capabilityDiff(from: ProfileProps | undefined, to: ProfileProps): { add: string[]; remove: string[] } {
  const before = new Set(from?.capabilities ?? []);
  const after = new Set(to.capabilities ?? []);
  return { add: [...after].filter((c) => !before.has(c)), remove: [...before].filter((c) => !after.has(c)) };
}
