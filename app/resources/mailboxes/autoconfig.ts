// What a mail program or phone that only knows an address may learn (Thunderbird's autoconfig,
// Outlook's and ActiveSync's Autodiscover): for a domain one of the endpoint's contexts serves, the
// mail servers and the ActiveSync URL of its instance; for an address, also whether it is a
// mailbox of that context. Anything else is not found, and says nothing.
import { INSTANCE_MAX_AGE_MS, type ResourceRecord } from '../../store/ledger.js';
import type { ServiceDeps } from '../shared/deps.js';
import { settingsOf } from '../shared/instance-settings.js';
import { contextProps, mailboxProps } from '../shared/stored.js';
import { mailServer, type MailServer } from './client-settings.js';

export interface MailSetup {
  domain: string;
  /** The mailbox the address names (undefined when only the domain was asked). */
  address?: string;
  displayName?: string;
  imap: MailServer | null;
  smtp: MailServer | null;
  /** The ActiveSync URL, where the mailbox (or, for a domain, the instance) offers it. */
  activeSync: string | null;
}

const SERVING: ReadonlySet<string> = new Set(['ready']);
/** A host name's parents checked for a served domain (mail.a.example → a.example), at most this deep. */
const MAX_LABELS_UP = 4;

/** The context serving this domain, or one of its parent domains (restrictMailDomains allows both). */
async function servingContext(deps: Pick<ServiceDeps, 'ledger'>, domain: string): Promise<ResourceRecord | undefined> {
  const labels = domain.toLowerCase().replace(/\.$/, '').split('.');
  for (let i = 0; i <= MAX_LABELS_UP && labels.length - i >= 2; i++) {
    const candidate = labels.slice(i).join('.');
    const found = await deps.ledger.listResources({
      instanceId: undefined,
      kind: 'contexts',
      propertyEquals: { name: 'domain', value: candidate },
    });
    const ctx = found.find((c) => SERVING.has(c.state) && contextProps(c).domain === candidate);
    if (ctx) return ctx;
  }
  return undefined;
}

/** The mailbox with this primary address in the context, if any. */
async function mailboxOf(deps: Pick<ServiceDeps, 'ledger'>, ctx: ResourceRecord, address: string) {
  const found = await deps.ledger.listResources({
    instanceId: ctx.instanceId,
    kind: 'mailboxes',
    propertyEquals: { name: 'email', value: address },
  });
  return found.find((m) => m.parentId === ctx.id && (m.state === 'ready' || m.state === 'disabled'));
}

/** The setup for a domain (or an address in it), or undefined when the endpoint does not serve it. */
export async function mailSetup(
  deps: Pick<ServiceDeps, 'ledger'>,
  ask: { domain?: string; address?: string },
): Promise<MailSetup | undefined> {
  const address = ask.address?.trim().toLowerCase();
  const domain = address ? address.slice(address.lastIndexOf('@') + 1) : ask.domain?.trim().toLowerCase();
  if (!domain || (address && !/^[^\s@]+@[^\s@]+$/.test(address))) return undefined;
  const ctx = await servingContext(deps, domain);
  if (!ctx) return undefined;
  const mailbox = address ? await mailboxOf(deps, ctx, address) : undefined;
  if (address && !mailbox) return undefined;
  // Only the settings: no SOAP client is built for a request from anyone on the internet.
  const instance = await deps.ledger.getInstance(ctx.instanceId, { maxAgeMs: INSTANCE_MAX_AGE_MS });
  if (!instance) return undefined;
  const settings = settingsOf(instance);
  const mobility = mailbox ? mailboxProps(mailbox).mobilityEnabled === true : settings.mobilityMode === 'included';
  return {
    domain: contextProps(ctx).domain ?? domain,
    address,
    displayName: mailbox ? mailboxProps(mailbox).displayName : undefined,
    imap: mailServer(settings.imapServer, 'imap'),
    smtp: mailServer(settings.smtpServer, 'smtp'),
    activeSync: mobility ? new URL('/Microsoft-Server-ActiveSync', settings.oxPublicUrl).href : null,
  };
}
