// UserModuleAccess with every flag set: OX grants any flag a request leaves out.
import { MODULE_ACCESS_FLAGS, type ModuleAccessFlag } from './contract.js';

export type ModuleAccess = Record<ModuleAccessFlag, boolean>;

/** Every flag false except those given true (or all-but-the-given when `base` is true). */
export function completeAccess(flags: Partial<Record<string, boolean>>, base = false): ModuleAccess {
  const access = {} as ModuleAccess; // filled flag by flag just below
  for (const flag of MODULE_ACCESS_FLAGS) access[flag] = flags[flag] ?? base;
  return access;
}
