// An application instance's settings (the app resource's properties), as the services read them.
import type { AppProvision } from '../../aps/generated/schema-types.js';
import type { KnownProperties } from '../../aps/types.js';
import type { InstanceRecord } from '../../store/ledger.js';

/**
 * The settings as stored: a validated app resource (defaults filled in), without the master
 * password (kept encrypted apart) and the links. Generated from schemas/app.schema.
 */
export type AppSettings = Omit<KnownProperties<AppProvision>, 'masterPassword' | 'contexts' | 'profiles' | 'aps'>;

/** The OX SOAP URL an instance provisions to (undefined before its settings are saved). */
export function oxServerOf(instance: InstanceRecord): string | undefined {
  return settingsOf(instance).oxSoapUrl || undefined;
}

/**
 * An instance's settings. The ledger stores only what the app resource's schema validated (with
 * its defaults) and the instance is never served before its settings are saved: this is the one
 * place that says so.
 */
export function settingsOf(instance: InstanceRecord): AppSettings {
  return instance.settings as unknown as AppSettings;
}
