// What the context handlers share: names, login mappings, quota and theme as OX takes them, and
// the context's view with its counters.
import { contextProps } from '../shared/stored.js';
import type { ApsCall } from '../../aps/types.js';
import type { ChildTally, ResourceRecord, ResourceState } from '../../store/ledger.js';
import type { ServiceDeps } from '../shared/deps.js';
import { instanceEnv } from '../shared/instance-env.js';
import type { AppSettings } from '../shared/instance-settings.js';
import { resourceView } from '../shared/records.js';
import { asciiDomain } from '../shared/addresses.js';
import { isRecord } from '../../util/errors.js';

export const SERVICE = 'contexts';
/** Mailboxes that count against the subscription's limits. */
const COUNTED_STATES: ResourceState[] = ['ready', 'disabled', 'provisioning'];
export const THEME_KEY = 'io.ox/core//theme';

interface Counter {
  usage?: number | null;
  limit?: number | null;
}

/** MB for OX's maxQuota: the diskspace limit, or the default when absent or unlimited. */
export function quotaFrom(body: { diskspace?: Pick<Counter, 'limit'> }, settings: AppSettings): number {
  const limit = body.diskspace?.limit;
  return typeof limit === 'number' && limit >= 0 ? limit : settings.defaultQuotaMb;
}

export function contextName(call: ApsCall): string {
  const subscription = isRecord(call.body.aps) ? call.body.aps.subscription : undefined;
  return `aps-${typeof subscription === 'string' ? subscription : call.resourceId}`;
}

/**
 * OX logs users in as `user@<mapping>`, and `change` replaces the whole mapping list: every list we
 * send keeps the context id (single sign-on logs in as `user@<id>`) and name beside the domain.
 */
export function loginMappings(id: number, name: string, domain: string | undefined): string[] {
  return [...new Set([String(id), name, ...(domain ? [domain] : [])])];
}

/** The customer's domain in the ASCII form OX maps logins with (punycode for IDN names). */
export function contextDomain(body: { domain?: unknown }): string | undefined {
  return typeof body.domain === 'string' ? asciiDomain('domain', body.domain) : undefined;
}

export function themeAttributes(theme: unknown) {
  return typeof theme === 'string' ? { config: { [THEME_KEY]: theme } } : undefined;
}

/** From the ledger's tallies: a usage poll reads no mailbox record (nor decrypts any password), at any context size. */
function counts(every: ChildTally[]) {
  const tallies = every.filter((t) => COUNTED_STATES.includes(t.state));
  const sum = (kind: string, of: 'count' | 'mobility' = 'count') =>
    tallies.filter((t) => t.kind === kind).reduce((n, t) => n + t[of], 0);
  return {
    mailboxes: sum('mailboxes'),
    mobility: sum('mailboxes', 'mobility'),
    groups: sum('groups'),
    resources: sum('resources'),
    shared: sum('shared-mailboxes'),
  };
}

/**
 * The subscription as the controller reads it. `tallies`: its children's, when read with the record
 * (a usage poll's one round trip); else read here, every kind in one statement.
 */
export async function view(
  deps: ServiceDeps,
  rec: ResourceRecord,
  usedMb?: number,
  tallies?: ChildTally[],
): Promise<Record<string, unknown>> {
  const { mailboxes, mobility, groups, resources, shared } = counts(
    tallies ?? (await deps.ledger.tallyChildren(rec.instanceId, rec.id)),
  );
  const p = contextProps(rec);
  type Counted = 'mailboxCount' | 'mobilityCount' | 'groupsCount' | 'resourcesCount' | 'sharedMailboxesCount';
  const limit = (name: Counted) => p[name]?.limit ?? null;
  // The disk space limit is the quota OX enforces: an absent or unlimited one is defaultQuotaMb.
  const { settings } = await instanceEnv(deps, rec);
  return resourceView(deps, SERVICE, rec.id, {
    ...p,
    contextId: rec.oxContextId,
    contextName: p.contextName,
    adminLogin: rec.login,
    diskspace: { usage: usedMb ?? rec.usage?.diskspace ?? 0, limit: quotaFrom(p, settings) },
    mailboxCount: { usage: mailboxes, limit: limit('mailboxCount') },
    mobilityCount: { usage: mobility, limit: limit('mobilityCount') },
    groupsCount: { usage: groups, limit: limit('groupsCount') },
    resourcesCount: { usage: resources, limit: limit('resourcesCount') },
    sharedMailboxesCount: { usage: shared, limit: limit('sharedMailboxesCount') },
  });
}
