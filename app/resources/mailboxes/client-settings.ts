// What a phone or mail program needs to reach a mailbox, from the instance settings: the IMAP
// and SMTP servers (with port and security) and the ActiveSync URL when the mailbox has mobility,
// each with the user name that signs in there. OX resolves a user name as `login@<login mapping>`
// (a name without "@" goes to OX's default context), so ActiveSync, CalDAV/CardDAV and the OX
// apps take the login with its context's mapping; IMAP and SMTP take the mail system's login
// (the user's imapLogin in OX, else its address).
import type { AppSettings } from '../shared/instance-settings.js';

export interface MailServer {
  host: string;
  port: number;
  security: 'SSL/TLS' | 'STARTTLS';
}

export interface MailAccount extends MailServer {
  username: string;
}

export interface ClientSettings extends Record<string, unknown> {
  /** The user name OX resolves (ActiveSync, CalDAV/CardDAV, the OX apps): login@<context mapping>. */
  username: string;
  email: string;
  imap: MailAccount | null;
  smtp: MailAccount | null;
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

/** The user name OX resolves to this login in this context: the context's domain, else its id, is a mapping. */
export function oxUserName(login: string, context: { domain?: string; oxContextId: number | null }): string {
  return `${login}@${context.domain ?? context.oxContextId ?? ''}`;
}

const account = (server: MailServer | null, username: string) => server && { ...server, username };

export function clientSettings(
  settings: AppSettings,
  mailbox: { username: string; mailLogin: string; email: string; mobility: boolean },
): ClientSettings {
  return {
    username: mailbox.username,
    email: mailbox.email,
    imap: account(mailServer(settings.imapServer, 'imap'), mailbox.mailLogin),
    smtp: account(mailServer(settings.smtpServer, 'smtp'), mailbox.mailLogin),
    activeSync: mailbox.mobility ? { url: new URL('/Microsoft-Server-ActiveSync', settings.oxPublicUrl).href } : null,
    webmailUrl: new URL(settings.productPath, settings.oxPublicUrl).href,
  };
}
