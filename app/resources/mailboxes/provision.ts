// A mailbox provisioned as an OX user: created with the profile's rights in one call, or adopted
// when OX already has our login in our context (a retry, or a user taken over).
import { contextAdmin, contextProps, tierOf, type MailboxOwner } from '../shared/stored.js';
import type { MailboxesProvision } from '../../aps/generated/schema-types.js';
import type { ApsCall } from '../../aps/types.js';
import { OxFault } from '../../ox/faults.js';
import type { Credentials, OxUser } from '../../ox/ox-client.js';
import type { ResourceRecord } from '../../store/ledger.js';
import { profileAccess } from '../shared/access.js';
import type { ServiceDeps } from '../shared/deps.js';
import { controllerFor, instanceEnv, type InstanceEnv } from '../shared/instance-env.js';
import {
  claim,
  generatePassword,
  isReleased,
  linkId,
  newRecord,
  ownProperties,
  oxContextOf,
  reread,
} from '../shared/records.js';
import { forgetRecord } from '../shared/deletions.js';
import { apsError, toApsError, withOx, type OxErrorContext } from '../shared/errors.js';
import { checkTimeZone } from '../shared/time-zones.js';
import { asciiAddress, oxLogin } from '../shared/addresses.js';
import { subscribeToServiceUser } from './service-user-sync.js';
import { SERVICE, asciiAliases, checkDomains, parents, uploadLimits, view } from './common.js';
import { mobilityAfterCreate } from './tiers.js';

interface Person {
  login: string;
  email: string;
  displayName: string;
  givenName: string;
  familyName: string;
  owner?: MailboxOwner;
  /** The address is the service user's (the body gave none). */
  emailFromServiceUser: boolean;
}

/** Login, e-mail and names from the body, or from the linked service user when missing. */
async function person(deps: ServiceDeps, call: ApsCall, env: InstanceEnv): Promise<Person> {
  const text = (name: string) => (typeof call.body[name] === 'string' ? call.body[name] : undefined);
  const b = {
    login: text('login'),
    email: text('email'),
    displayName: text('displayName'),
    givenName: text('givenName'),
    familyName: text('familyName'),
  };
  // The schema requires the service user link on a POST.
  const serviceUser = linkId(call.body, 'user');
  let user: Record<string, string | undefined> = {};
  if (serviceUser && (!b.login || !b.email || !b.displayName))
    user = await controllerFor(deps, call, env.instance).getResource<Record<string, string | undefined>>(serviceUser);
  const rawEmail = b.email ?? user.email ?? user.login;
  const rawLogin = b.login ?? user.login ?? rawEmail;
  if (!rawLogin || !rawEmail)
    throw apsError(400, 'UnknownResource', 'The mailbox has no login or e-mail, and the service user has none either');
  const email = asciiAddress('email', rawEmail);
  const login = oxLogin(rawLogin);
  const given = b.givenName ?? user.givenName ?? login.split('@')[0];
  const family = b.familyName ?? user.familyName ?? '-';
  const owner = serviceUser ? { id: serviceUser, ...(user.userId ? { userId: String(user.userId) } : {}) } : undefined;
  return {
    login,
    email,
    givenName: given,
    familyName: family,
    displayName: b.displayName ?? user.displayName ?? `${given} ${family}`.trim(),
    owner,
    emailFromServiceUser: !b.email && Boolean(owner),
  };
}

/**
 * Our login in our context is adopted only as this resource's own user (a retry after OX created
 * it but before we recorded it): never when another mailbox of the ledger holds the login or user.
 */
async function refuseOthersUser(
  deps: ServiceDeps,
  rec: ResourceRecord,
  login: string,
  oxUserId: number,
): Promise<void> {
  const siblings = await deps.ledger.listResources({
    instanceId: rec.instanceId,
    kind: SERVICE,
    parentId: rec.parentId ?? undefined,
  });
  const owner = siblings.find(
    (m) => m.id !== rec.id && (m.oxUserId === oxUserId || m.login?.toLowerCase() === login.toLowerCase()),
  );
  // A mailbox cancelled with a grace period lets its user go to the one that takes it over.
  if (owner && isReleased(owner)) return forgetRecord(deps, owner);
  if (owner) {
    throw apsError(
      409,
      'OxLoginTaken',
      `The login "${login}" belongs to another mailbox (${owner.id}) of this context: choose another login`,
    );
  }
}

/**
 * An existing user made this mailbox's: mail on, the tier's rights (a cancelled user was shut out), the password when
 * known.
 */
async function takeOver(
  env: InstanceEnv,
  profile: ResourceRecord,
  ctxId: number,
  admin: Credentials,
  userId: number,
  password: string | undefined,
): Promise<void> {
  await env.ox.changeUser(ctxId, admin, { id: userId, mailenabled: true, ...(password ? { password } : {}) });
  await env.ox.changeUserAccess(ctxId, admin, userId, profileAccess(tierOf(profile)));
}

/** The OX user a mailbox asks for: its person, password, mail servers, language, time zone and upload limits. */
function oxUserFor(
  env: InstanceEnv,
  call: ApsCall<MailboxesProvision>,
  ctx: ResourceRecord,
  profile: ResourceRecord,
  p: Person,
  password: string,
): OxUser {
  return {
    name: p.login,
    password,
    display_name: p.displayName,
    given_name: p.givenName,
    sur_name: p.familyName,
    primaryEmail: p.email,
    email1: p.email,
    aliases: asciiAliases(call.body.aliases),
    imapLogin: p.email,
    imapServer: env.settings.imapServer,
    smtpServer: env.settings.smtpServer,
    language: call.body.language ?? contextProps(ctx).language ?? env.settings.defaultLanguage,
    timezone: call.body.timezone ?? contextProps(ctx).timezone ?? env.settings.defaultTimezone,
    ...uploadLimits(tierOf(profile)),
  };
}

/**
 * Creates the user in OX, or finds our own user there (a retry after OX created it, or a user
 * taken over). `whileOxWorks` runs once OX's request is under way. Answers the id and whether it existed.
 */
async function createOrFind(
  deps: ServiceDeps,
  env: InstanceEnv,
  record: ResourceRecord,
  ctx: ResourceRecord,
  user: OxUser,
  access: ReturnType<typeof profileAccess>,
  errCtx: OxErrorContext,
  whileOxWorks: () => void,
): Promise<{ userId: number; existed: boolean }> {
  const admin = contextAdmin(ctx);
  const ctxId = oxContextOf(ctx);
  const login = user.name ?? '';
  try {
    const creating = env.ox.createUser(ctxId, admin, user, access);
    whileOxWorks();
    return { userId: (await creating).id, existed: false };
  } catch (err) {
    if (!(err instanceof OxFault && err.kind === 'user-exists')) throw toApsError(err, errCtx);
    const existing = await withOx(errCtx, () => env.ox.findUser(ctxId, admin, login));
    if (!existing?.id) throw toApsError(err, errCtx);
    await refuseOthersUser(deps, record, login, existing.id);
    return { userId: existing.id, existed: true };
  }
}

/**
 * A user taken over keeps its password unless the controller sent one (its mail programs use it):
 * the ledger then holds the one a migration brought (import-plan --passwords), else none. Answers
 * whether the user keeps its own (OX's password is then left as it is).
 */
async function keepsOwnPassword(
  deps: ServiceDeps,
  call: ApsCall<MailboxesProvision>,
  record: ResourceRecord,
  at: { created: boolean; existed: boolean; ctxId: number; login: string },
): Promise<boolean> {
  if (!at.existed || !at.created || typeof call.body.password === 'string') return false;
  const imported = await deps.ledger.takeImportedPassword(call.instanceId, at.ctxId, at.login);
  await deps.ledger.updateResource(call.instanceId, record.id, { secrets: imported ? { password: imported } : {} });
  return true;
}

/** What the ledger keeps of a provisioned mailbox. */
function readyProps(
  deps: ServiceDeps,
  call: ApsCall<MailboxesProvision>,
  p: Person,
  mobility: boolean,
  passwordGenerated: boolean,
): Record<string, unknown> {
  return {
    ...ownProperties(deps, SERVICE, call.body),
    email: p.email,
    displayName: p.displayName,
    givenName: p.givenName,
    familyName: p.familyName,
    mobilityEnabled: mobility,
    owner: p.owner,
    passwordGenerated,
    ...(p.emailFromServiceUser ? { emailFromServiceUser: true } : {}),
    aps: { type: deps.schemas.get(SERVICE)?.schema.id },
  };
}

export async function provision(deps: ServiceDeps, call: ApsCall<MailboxesProvision>) {
  const { ledger } = deps;
  checkTimeZone('timezone', call.body.timezone);
  const env = await instanceEnv(deps, call);
  const { ctx, profile } = await parents(deps, call);
  const p = await person(deps, call, env);
  checkDomains(env, ctx, [p.email, ...(asciiAliases(call.body.aliases) ?? [])]);
  // The password is stored with the claim, before OX sees it: a retry reuses it.
  const wanted = call.body.password ?? generatePassword();
  const claimed = newRecord(call, SERVICE, {
    parentId: ctx.id,
    profileId: profile.id,
    login: p.login,
    secrets: { password: wanted },
  });
  const { record, created } = await claim(deps, claimed);
  if (record.state === 'ready' || record.state === 'disabled') return view(deps, record, env.settings);
  const password = created ? wanted : (record.secrets.password ?? wanted);
  if (!created && (record.login !== p.login || record.secrets.password !== password)) {
    await ledger.updateResource(call.instanceId, record.id, { login: p.login, secrets: { password } });
  }
  const profileProps = tierOf(profile);
  const admin = contextAdmin(ctx);
  const ctxId = oxContextOf(ctx);
  const errCtx: OxErrorContext = {
    doing: `creating mailbox "${p.login}" in context ${ctxId}`,
    credentials: 'context admin',
    displayName: p.displayName,
    email: p.email,
    accessCombination: profileProps.accessCombination,
  };
  // The subscription to the service user's changes goes out while OX creates the user (the
  // controller takes it while the resource is provisioned), by the first attempt only: a retry
  // would add a second one. It never fails the provision.
  const owner = created ? p.owner : undefined;
  let subscribed: Promise<boolean> | undefined;
  // Sent once OX has its request (the next turn of the event loop): its work then overlaps OX's
  // time instead of delaying OX's request.
  const subscribe = () => {
    if (owner)
      subscribed = new Promise((resolve) =>
        setImmediate(() => resolve(subscribeToServiceUser(deps, call, env.instance, record.id, owner.id))),
      );
  };
  const user = oxUserFor(env, call, ctx, profile, p, password);
  const { userId, existed } = await createOrFind(
    deps,
    env,
    record,
    ctx,
    user,
    profileAccess(profileProps),
    errCtx,
    subscribe,
  );
  const passwordKnown = !(await keepsOwnPassword(deps, call, record, { created, existed, ctxId, login: p.login }));
  const mobility = await withOx(errCtx, async () => {
    if (existed) await takeOver(env, profile, ctxId, admin, userId, passwordKnown ? password : undefined);
    const on = await mobilityAfterCreate(deps, env, profile, ctxId, admin, userId);
    if (profileProps.capabilities?.length)
      await env.ox.changeUserCapabilities(ctxId, admin, userId, profileProps.capabilities, []);
    return on;
  });
  const props = readyProps(deps, call, p, mobility, passwordKnown && typeof call.body.password !== 'string');
  await ledger.updateResource(call.instanceId, record.id, { state: 'ready', oxUserId: userId, props, lastError: null });
  await subscribed;
  // A taken-over user's password is what the migration imported, if anything: the record knows.
  const secrets = passwordKnown ? { password } : (await reread(deps, record)).secrets;
  return view(deps, { id: record.id, login: p.login, oxUserId: userId, props, secrets }, env.settings);
}
