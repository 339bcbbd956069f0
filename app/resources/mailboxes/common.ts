// What the mailbox handlers share: the record's view, its parents, address checks and the
// profile-derived fields of an OX user.
import { contextProps, passwordState, tierOf } from '../shared/stored.js';
import type { ApsCall } from '../../aps/types.js';
import type { OxUser } from '../../ox/ox-client.js';
import type { ResourceRecord } from '../../store/ledger.js';
import type { ProfileProps } from '../shared/access.js';
import type { ServiceDeps } from '../shared/deps.js';
import type { InstanceEnv } from '../shared/instance-env.js';
import type { AppSettings } from '../shared/instance-settings.js';
import { linkId, requireResources, resourceView } from '../shared/records.js';
import { apsError } from '../shared/errors.js';
import { asciiAddress, requireOwnDomain } from '../shared/addresses.js';

export const SERVICE = 'mailboxes';

/** Aliases as OX stores them (ASCII domains, lower case). */
export function asciiAliases(aliases: unknown): string[] | undefined {
  return Array.isArray(aliases) ? aliases.map((a) => asciiAddress('aliases', String(a))) : undefined;
}

/** restrictMailDomains: the mailbox's addresses must be in its context's domain. */
export function checkDomains(env: InstanceEnv, ctx: ResourceRecord, addresses: string[]): void {
  if (env.settings.restrictMailDomains !== true) return;
  for (const address of addresses) requireOwnDomain(address, contextProps(ctx).domain);
}

export function uploadLimits(profile: ProfileProps): Partial<OxUser> {
  return {
    uploadFileSizeLimit: profile.uploadFileSizeLimit ?? 0,
    uploadFileSizeLimitPerFile: profile.uploadFileSizeLimitPerFile ?? 0,
  };
}

/** The props without what a suspend saved (the rights and mail flag that enable restores). */
export function withoutSuspendState(props: Record<string, unknown>): Record<string, unknown> {
  const { savedAccess: _access, savedMailEnabled: _mail, ...rest } = props;
  return rest;
}

export async function tierAt(
  deps: ServiceDeps,
  instanceId: string,
  profileId: string,
): Promise<ProfileProps | undefined> {
  const profile = await deps.ledger.getResource(instanceId, profileId);
  return profile ? tierOf(profile) : undefined;
}

/** The mailbox's context and profile (from the body, else the record), the context ready. */
export async function parents(deps: ServiceDeps, call: ApsCall, mailbox?: ResourceRecord) {
  // One read for both (a statement, or a round trip to PostgreSQL, fewer per provision).
  const [ctx, profile] = await requireResources(deps, call, [
    [mailbox?.parentId ?? linkId(call.body, 'context'), 'contexts'],
    [linkId(call.body, 'profile') ?? mailbox?.profileId ?? undefined, 'profiles'],
  ]);
  if (ctx.state === 'provisioning') {
    throw apsError(
      409,
      'ContextNotReady',
      `Context ${ctx.id} is still being provisioned; the mailbox waits for it`,
      true,
    );
  }
  return { ctx, profile };
}

// The route's answer schema leaves out what the record keeps for itself (owner, suspend state).
// Named fields, not the whole record: spreading a record would open its sealed secrets.
export function view(
  deps: ServiceDeps,
  rec: Pick<ResourceRecord, 'id' | 'props' | 'secrets' | 'login' | 'oxUserId'>,
  settings: Pick<AppSettings, 'adminMailboxLogin'>,
): Record<string, unknown> {
  return resourceView(deps, SERVICE, rec.id, {
    ...rec.props,
    login: rec.login,
    oxUserId: rec.oxUserId,
    passwordState: passwordState(rec),
    adminMayOpen: settings.adminMailboxLogin === true,
  });
}
