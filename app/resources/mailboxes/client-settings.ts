// What a phone or mail program needs to reach a mailbox, from the instance settings: the IMAP
// and SMTP servers (with port and security) and the ActiveSync URL when the mailbox has mobility.
import type { AppSettings } from '../shared/instance-settings.js';

export interface MailServer {
  host: string;
  port: number;
  security: 'SSL/TLS' | 'STARTTLS';
}

export interface ClientSettings extends Record<string, unknown> {
  /** The OX login (ActiveSync and the OX apps). */
  username: string;
  /** The IMAP login OX was given for the user. */
  email: string;
  imap: MailServer | null;
  smtp: MailServer | null;
  activeSync: { url: string } | null;
  webmailUrl: string;
}

const SCHEMES: Record<string, { port: number; security: MailServer['security'] }> = {
  imap: { port: 143, security: 'STARTTLS' },
  imaps: { port: 993, security: 'SSL/TLS' },
  smtp: { port: 587, security: 'STARTTLS' },
  smtps: { port: 465, security: 'SSL/TLS' },
};

/** "imaps://mail.example.com:993" (or a bare host name) as host, port and security; null when unset or unreadable. */
export function mailServer(setting: string | undefined, kind: 'imap' | 'smtp'): MailServer | null {
  if (!setting) return null;
  const text = setting.includes('://') ? setting : `${kind}://${setting}`;
  if (!URL.canParse(text)) return null;
  const url = new URL(text);
  const scheme = SCHEMES[url.protocol.replace(/:$/, '')];
  if (!scheme || !url.hostname) return null;
  return { host: url.hostname, port: url.port ? Number(url.port) : scheme.port, security: scheme.security };
}

export function clientSettings(
  settings: AppSettings,
  mailbox: { login: string; email: string; mobility: boolean },
): ClientSettings {
  return {
    username: mailbox.login,
    email: mailbox.email,
    imap: mailServer(settings.imapServer, 'imap'),
    smtp: mailServer(settings.smtpServer, 'smtp'),
    activeSync: mailbox.mobility ? { url: new URL('/Microsoft-Server-ActiveSync', settings.oxPublicUrl).href } : null,
    webmailUrl: new URL(settings.productPath, settings.oxPublicUrl).href,
  };
}
