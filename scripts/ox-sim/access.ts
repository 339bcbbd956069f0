// OX's module-access semantics: the default access combinations of ModuleAccessDefinitions.properties
// and the "omitted flag = granted" rule.
import { MODULE_ACCESS as MODULE_ACCESS_FLAGS } from './wire.js';

export type Flags = Record<string, boolean>;

const LOWER_TO_SOAP = new Map(MODULE_ACCESS_FLAGS.map((f) => [f.toLowerCase(), f]));

function combo(...lower: string[]): Flags {
  const flags: Flags = Object.fromEntries(MODULE_ACCESS_FLAGS.map((f) => [f, false]));
  for (const name of lower) flags[LOWER_TO_SOAP.get(name)!] = true;
  return flags;
}

const WEBMAIL = ['webmail', 'contacts', 'globaladdressbookdisabled', 'collectemailaddresses', 'editpassword'];
const PIM = [...WEBMAIL, 'calendar', 'tasks', 'multiplemailaccounts', 'subscription', 'publication'];
const GROUPWARE = [
  'webmail',
  'contacts',
  'collectemailaddresses',
  'editpassword',
  'calendar',
  'tasks',
  'multiplemailaccounts',
  'subscription',
  'publication',
  'infostore',
  'webdav',
  'ical',
  'vcard',
  'readcreatesharedfolders',
  'delegatetask',
  'editpublicfolders',
];
const PREMIUM = [...GROUPWARE, 'usm', 'olox20', 'activesync', 'syncml', 'webdavxml', 'editgroup', 'editresource'];

export const ACCESS_COMBINATIONS: Record<string, Flags> = {
  webmail: combo(...WEBMAIL),
  pim: combo(...PIM),
  pim_infostore: combo(...PIM, 'infostore', 'webdav'),
  pim_mobility: combo(...PIM, 'syncml', 'usm', 'activesync'),
  groupware_standard: combo(...GROUPWARE),
  groupware: combo(...GROUPWARE, 'editgroup', 'editresource'),
  groupware_premium: combo(...PREMIUM),
  drive: combo('infostore', 'webdav', 'contacts', 'globaladdressbookdisabled', 'editpassword'),
  all: combo(...PREMIUM, 'publicfoldereditable'),
};

/** What OX stores for explicit flags: every flag the request omitted is granted. */
export function applyDefaultTrue(given: Flags): Flags {
  const flags: Flags = {};
  for (const f of MODULE_ACCESS_FLAGS) {
    const defaultValue = f !== 'globalAddressBookDisabled' && f !== 'deniedPortal';
    flags[f] = given[f] ?? defaultValue;
  }
  return flags;
}

/** The plain `create` operations give minimal rights. */
export const MINIMAL_ACCESS = combo('webmail', 'contacts');

export function combinationNameOf(flags: Flags): string | undefined {
  return Object.entries(ACCESS_COMBINATIONS).find(([, c]) => MODULE_ACCESS_FLAGS.every((f) => c[f] === flags[f]))?.[0];
}
