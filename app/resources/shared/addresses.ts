// Addresses, logins and domains as OX takes them: internationalised domains in punycode (ACE),
// OX's user-name characters checked before OX sees them, and, where the instance asks for it,
// addresses only in the context's own domain.
import { domainToASCII } from 'node:url';
import { apsError } from './errors.js';

const OX_LOGIN = /^[$@%.+a-zA-Z0-9_-]+$/;
const ACE_DOMAIN = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

/** A domain in the ASCII form OX stores and compares (xn--… for internationalised names). */
export function asciiDomain(field: string, domain: string): string {
  const ace = domainToASCII(domain).toLowerCase();
  if (!ace || !ACE_DOMAIN.test(ace) || ace.includes('..')) {
    throw apsError(400, 'InvalidAddress', `${field}: "${domain}" is not a domain name`);
  }
  return ace;
}

/** An e-mail address with its domain in ASCII, lower case. */
export function asciiAddress(field: string, address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) throw apsError(400, 'InvalidAddress', `${field}: "${address}" is not an e-mail address`);
  return `${address.slice(0, at).toLowerCase()}@${asciiDomain(field, address.slice(at + 1))}`;
}

/** A login OX accepts: a domain part in punycode, only the characters OX's default check allows. */
export function oxLogin(login: string): string {
  const at = login.lastIndexOf('@');
  const ace = at > 0 ? `${login.slice(0, at)}@${asciiDomain('login', login.slice(at + 1))}` : login;
  if (!OX_LOGIN.test(ace)) {
    throw apsError(
      400,
      'InvalidAddress',
      `login "${login}" has characters OX does not accept in user names: use letters a-z, digits and $@%.+_- (internationalised domains are converted to punycode)`,
    );
  }
  return ace;
}

/** With restrictMailDomains: every address must be in the context's domain or one below it. */
export function requireOwnDomain(address: string, contextDomain: string | undefined): void {
  const domain = address.slice(address.lastIndexOf('@') + 1);
  if (contextDomain && (domain === contextDomain || domain.endsWith(`.${contextDomain}`))) return;
  throw apsError(
    400,
    'MailDomainNotAllowed',
    `"${address}" is not in the subscription's domain ${contextDomain ?? '(none set)'}: this instance allows mailbox addresses only there (restrictMailDomains)`,
  );
}
