// A mailbox changed by the panel or the controller: only what we own goes to OX (names, address,
// aliases, password, tier); language and time zone belong to the user after creation.
import { contextAdmin, mailboxProps } from '../shared/stored.js';
import type { MailboxesProperties } from '../../aps/generated/schema-types.js';
import type { ApsCall } from '../../aps/types.js';
import type { OxUser } from '../../ox/ox-client.js';
import type { ServiceDeps } from '../shared/deps.js';
import { instanceEnv } from '../shared/instance-env.js';
import { modifyRecord, ownProperties, oxContextOf, oxUserOf, requireResource } from '../shared/records.js';
import { withOx, type OxErrorContext } from '../shared/errors.js';
import { checkTimeZone } from '../shared/time-zones.js';
import { asciiAddress } from '../shared/addresses.js';
import { SERVICE, asciiAliases, checkDomains, parents, view } from './common.js';
import { switchProfile } from './tiers.js';

type Props = ReturnType<typeof mailboxProps>;
const NAMES = [
  ['displayName', 'display_name'],
  ['givenName', 'given_name'],
  ['familyName', 'sur_name'],
] as const;

/**
 * The OX change for names, address and aliases. A new primary address goes to OX with email1 and
 * the sender address (OX wants all three in the aliases); where OX refuses primary-address
 * changes, the whole change is refused and the ledger keeps the old address.
 */
function userChange(id: number, before: Props, after: Partial<MailboxesProperties>) {
  const change: OxUser = { id };
  for (const [prop, field] of NAMES)
    if (after[prop] !== undefined && after[prop] !== before[prop]) change[field] = after[prop];
  const email = after.email !== undefined ? asciiAddress('email', after.email) : (before.email ?? '');
  const wantedAliases = asciiAliases(after.aliases);
  const newEmail = email !== String(before.email).toLowerCase();
  const aliasesChanged =
    wantedAliases !== undefined && JSON.stringify(wantedAliases) !== JSON.stringify(before.aliases);
  if (newEmail) Object.assign(change, { primaryEmail: email, email1: email, defaultSenderAddress: email });
  if (newEmail || aliasesChanged) change.aliases = [...new Set([email, ...(wantedAliases ?? before.aliases ?? [])])];
  return { change, email, wantedAliases };
}

export async function configure(deps: ServiceDeps, call: ApsCall<MailboxesProperties>) {
  checkTimeZone('timezone', call.body.timezone);
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  const env = await instanceEnv(deps, call);
  const { ctx, profile } = await parents(deps, call, rec);
  const before = mailboxProps(rec);
  const after = ownProperties(deps, SERVICE, call.body);
  const errCtx: OxErrorContext = {
    doing: `changing mailbox "${rec.login}"`,
    credentials: 'context admin',
    displayName: after.displayName,
    email: after.email,
  };
  const { change, email, wantedAliases } = userChange(oxUserOf(rec), before, after);
  checkDomains(env, ctx, [email, ...(wantedAliases ?? [])]);
  if (typeof call.body.password === 'string' && call.body.password !== rec.secrets.password)
    change.password = call.body.password;
  const switching = profile.id !== rec.profileId;
  const mobility = await withOx(errCtx, async () => {
    if (Object.keys(change).length > 1) await env.ox.changeUser(oxContextOf(ctx), contextAdmin(ctx), change);
    return switching ? switchProfile(deps, env, rec, ctx, profile) : undefined;
  });
  // Only what this request changes goes onto the record as it is now: a concurrent change of
  // another field (an add-on, a reveal, a profile re-apply) stays.
  const { mobilityEnabled: _m, oxUserId: _o, passwordState: _p, adminMayOpen: _a, ...own } = after;
  const written = await modifyRecord(deps, rec, (now) => ({
    props: {
      ...now.props,
      ...own,
      email,
      ...(wantedAliases ? { aliases: wantedAliases } : {}),
      ...(mobility !== undefined ? { mobilityEnabled: mobility } : {}),
      ...(change.password ? { passwordGenerated: false } : {}),
    },
    ...(change.password ? { secrets: { ...now.secrets, password: change.password } } : {}),
    profileId: profile.id,
  }));
  return view(deps, written, env.settings);
}
