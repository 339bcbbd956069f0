// An application instance's settings (the app resource's properties), as the services read them.
import type { InstanceRecord } from '../store/ledger.js';

export interface AppSettings {
  oxSoapUrl: string;
  oxPublicUrl: string;
  productPath: string;
  loginClient: 'appsuite' | 'ox6';
  masterLogin: string;
  masterAccountOverride: boolean;
  contextAdminAccess: string;
  contextIdStart: number;
  defaultQuotaMb: number;
  defaultTimezone: string;
  defaultLanguage: string;
  /** The OX theme of new contexts that name none. */
  defaultTheme?: string;
  imapServer?: string;
  smtpServer?: string;
  mobilityMode: 'addon' | 'included';
  debug: boolean;
  /** token: server-side tokenLogin (App Suite); form: the browser posts OX's form login. */
  ssoMethod?: 'token' | 'form';
  /** Account administrators may open their employees' mailboxes. */
  adminMailboxLogin?: boolean;
  /** A new instance creates the classic tiers as profiles in the controller. */
  readyTiers?: boolean;
  /** Mailbox addresses only in the context's domain. */
  restrictMailDomains?: boolean;
}

/** The OX SOAP URL an instance provisions to (undefined before its settings are saved). */
export function oxServerOf(instance: InstanceRecord): string | undefined {
  return (instance.settings as Partial<AppSettings>).oxSoapUrl || undefined;
}
