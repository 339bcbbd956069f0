// Service users' mailboxes as OX users: created with the profile's rights in one call, adopted
// when OX already has our login in our context, changed only in what we own.
import { contextProps, mailboxProps, tierOf, type MailboxOwner } from './stored.js';
import type { MailboxesProperties, MailboxesProvision } from '../aps/schema-types.js';
import type { ApsCall, ResourceService } from '../aps/types.js';
import { OxFault, goneFromOx } from '../ox/faults.js';
import type { Credentials, OxUser } from '../ox/ox-client.js';
import type { ResourceRecord } from '../store/ledger.js';
import { applyAccess, capabilityDiff, shutOut, learnsFromOx, profileAccess, settleCombination, tierMobility, wantsMobility, type ProfileProps } from './access.js';
import type { ModuleAccess } from '../ox/module-access.js';
import { contextAdmin } from './stored.js';
import type { ServiceDeps } from './deps.js';
import { controllerFor, instanceEnv, type InstanceEnv } from './instance-env.js';
import { claim, isReleased, recordOfCall, generatePassword, linkId, newRecord, ownProperties, oxContextOf, oxUserOf, recordingFailures, relatedRecord, reread, requireResource, requireResources, resourceToDelete, resourceView } from './resources.js';
import { clientSettings } from './client-settings.js';
import { deferMailboxDeletion, forgetRecord } from './deferred-deletion.js';
import { apsError, toApsError, withOx, type OxErrorContext } from './ox-errors.js';
import { issueLoginUrl } from './sso-login.js';
import { checkTimeZone } from './time-zones.js';
import { asciiAddress, oxLogin, requireOwnDomain } from './addresses.js';
import { followServiceUser, subscribeToServiceUser } from './service-user-sync.js';

const SERVICE = 'mailboxes';

interface Person {
  login: string;
  email: string;
  displayName: string;
  givenName: string;
  familyName: string;
}

/** Aliases as OX stores them (ASCII domains, lower case). */
function asciiAliases(aliases: unknown): string[] | undefined {
  return Array.isArray(aliases) ? aliases.map((a) => asciiAddress('aliases', String(a))) : undefined;
}

/** restrictMailDomains: the mailbox's addresses must be in its context's domain. */
function checkDomains(env: InstanceEnv, ctx: ResourceRecord, addresses: string[]): void {
  if (env.settings.restrictMailDomains !== true) return;
  for (const address of addresses) requireOwnDomain(address, contextProps(ctx).domain);
}

/** Login, e-mail and names from the body, or from the linked service user when missing. */
async function person(deps: ServiceDeps, call: ApsCall, env: InstanceEnv): Promise<Person & { owner?: MailboxOwner }> {
  const text = (name: string) => (typeof call.body[name] === 'string' ? call.body[name] : undefined);
  const b = { login: text('login'), email: text('email'), displayName: text('displayName'), givenName: text('givenName'), familyName: text('familyName') };
  const serviceUser = linkId(call.body, 'user');
  let user: Record<string, string | undefined> = {};
  if (!b.login || !b.email || !b.displayName) {
    if (!serviceUser) throw apsError(400, 'UnknownResource', 'The mailbox has no login, e-mail and display name, and no service user to take them from');
    user = await controllerFor(deps, call, env.instance).getResource<Record<string, string | undefined>>(serviceUser);
  }
  const rawEmail = b.email ?? user.email ?? user.login;
  const rawLogin = b.login ?? user.login ?? rawEmail;
  if (!rawLogin || !rawEmail) throw apsError(400, 'UnknownResource', 'The mailbox has no login or e-mail, and the service user has none either');
  const email = asciiAddress('email', rawEmail);
  const login = oxLogin(rawLogin);
  const given = b.givenName ?? user.givenName ?? login.split('@')[0];
  const family = b.familyName ?? user.familyName ?? '-';
  const owner = serviceUser ? { id: serviceUser, ...(user.userId ? { userId: String(user.userId) } : {}) } : undefined;
  return { login, email, givenName: given, familyName: family, displayName: b.displayName ?? user.displayName ?? `${given} ${family}`.trim(), owner };
}

function uploadLimits(profile: ProfileProps): Partial<OxUser> {
  return { uploadFileSizeLimit: profile.uploadFileSizeLimit ?? 0, uploadFileSizeLimitPerFile: profile.uploadFileSizeLimitPerFile ?? 0 };
}

/** The props without what a suspend saved (the rights and mail flag that enable restores). */
function withoutSuspendState(props: Record<string, unknown>): Record<string, unknown> {
  const { savedAccess: _access, savedMailEnabled: _mail, ...rest } = props;
  return rest;
}

export function mailboxService(deps: ServiceDeps): ResourceService<MailboxesProvision, MailboxesProperties> {
  const { ledger } = deps;

  async function tierAt(instanceId: string, profileId: string): Promise<ProfileProps | undefined> {
    const profile = await ledger.getResource(instanceId, profileId);
    return profile ? tierOf(profile) : undefined;
  }

  async function parents(call: ApsCall, mailbox?: ResourceRecord) {
    // One read for both (a statement, or a round trip to PostgreSQL, fewer per provision).
    const [ctx, profile] = await requireResources(deps, call, [
      [mailbox?.parentId ?? linkId(call.body, 'context'), 'contexts'],
      [linkId(call.body, 'profile') ?? mailbox?.profileId ?? undefined, 'profiles'],
    ]);
    if (ctx.state === 'provisioning') {
      throw apsError(409, 'ContextNotReady', `Context ${ctx.id} is still being provisioned; the mailbox waits for it`, true);
    }
    return { ctx, profile };
  }

  // The route's answer schema leaves out what the record keeps for itself (owner, suspend state).
  // Named fields, not the whole record: spreading a record would open its sealed secrets.
  function view(rec: Pick<ResourceRecord, 'id' | 'props' | 'login' | 'oxUserId'>): Record<string, unknown> {
    return resourceView(deps, SERVICE, rec.id, { ...rec.props, login: rec.login, oxUserId: rec.oxUserId });
  }

  /**
   * Our login in our context is adopted only as this resource's own user (a retry after OX created
   * it but before we recorded it): never when another mailbox of the ledger holds the login or user.
   */
  async function refuseOthersUser(rec: ResourceRecord, login: string, oxUserId: number): Promise<void> {
    const siblings = await ledger.listResources({ instanceId: rec.instanceId, kind: SERVICE, parentId: rec.parentId ?? undefined });
    const owner = siblings.find((m) => m.id !== rec.id && (m.oxUserId === oxUserId || m.login?.toLowerCase() === login.toLowerCase()));
    // A mailbox cancelled with a grace period lets its user go to the one that takes it over.
    if (owner && isReleased(owner)) return forgetRecord(deps, owner);
    if (owner) {
      throw apsError(409, 'OxLoginTaken', `The login "${login}" belongs to another mailbox (${owner.id}) of this context: choose another login`);
    }
  }

  async function provision(call: ApsCall<MailboxesProvision>) {
    checkTimeZone('timezone', call.body.timezone);
    const env = await instanceEnv(deps, call.instanceId);
    const { ctx, profile } = await parents(call);
    const p = await person(deps, call, env);
    checkDomains(env, ctx, [p.email, ...(asciiAliases(call.body.aliases) ?? [])]);
    // The password is stored with the claim, before OX sees it: a retry reuses it.
    const wanted = call.body.password ?? generatePassword();
    const claimed = newRecord(call, SERVICE, { parentId: ctx.id, profileId: profile.id, login: p.login, secrets: { password: wanted } });
    const { record, created } = await claim(deps, claimed);
    if (record.state === 'ready' || record.state === 'disabled') return view(record);
    // The subscription to the service user's changes goes out while OX creates the user (the
    // controller takes it while the resource is provisioned), by the first attempt only: a retry
    // would add a second one. It never fails the provision.
    const owner = created ? p.owner : undefined;
    let subscribed: Promise<boolean> | undefined;
    const password = created ? wanted : record.secrets.password ?? wanted;
    if (!created && (record.login !== p.login || record.secrets.password !== password)) {
      await ledger.updateResource(call.instanceId, record.id, { login: p.login, secrets: { password } });
    }
    const profileProps = tierOf(profile);
    const admin = contextAdmin(ctx);
    const ctxId = oxContextOf(ctx);
    const user: OxUser = {
      name: p.login, password, display_name: p.displayName, given_name: p.givenName, sur_name: p.familyName,
      primaryEmail: p.email, email1: p.email, aliases: asciiAliases(call.body.aliases),
      imapLogin: p.email, imapServer: env.settings.imapServer, smtpServer: env.settings.smtpServer,
      language: call.body.language ?? contextProps(ctx).language ?? env.settings.defaultLanguage,
      timezone: call.body.timezone ?? contextProps(ctx).timezone ?? env.settings.defaultTimezone,
      ...uploadLimits(profileProps),
    };
    const errCtx: OxErrorContext = { doing: `creating mailbox "${p.login}" in context ${ctxId}`, credentials: 'context admin', displayName: p.displayName, email: p.email, accessCombination: profileProps.accessCombination };
    let userId: number;
    let existed = false;
    try {
      const creating = env.ox.createUser(ctxId, admin, user, profileAccess(profileProps));
      // Sent once OX has its request (the next turn of the event loop): its work then overlaps
      // OX's time instead of delaying OX's request.
      if (owner) subscribed = new Promise((resolve) => setImmediate(() => resolve(subscribeToServiceUser(deps, call, env.instance, record.id, owner.id))));
      userId = (await creating).id;
    } catch (err) {
      // Our login in our context: a retry after OX created the user but before we recorded it, or
      // a user taken over (a migrated context, a mailbox cancelled within its grace period).
      if (!(err instanceof OxFault && err.kind === 'user-exists')) throw toApsError(err, errCtx);
      const existing = await withOx(errCtx, () => env.ox.findUser(ctxId, admin, p.login));
      if (!existing?.id) throw toApsError(err, errCtx);
      await refuseOthersUser(record, p.login, existing.id);
      userId = existing.id;
      existed = true;
    }
    // A user taken over keeps its password unless the controller sent one (its mail programs use it).
    const passwordKnown = !existed || !created || typeof call.body.password === 'string';
    if (!passwordKnown) await ledger.updateResource(call.instanceId, record.id, { secrets: {} });
    const mobility = await withOx(errCtx, async () => {
      if (existed) await takeOver(env, profile, ctxId, admin, userId, passwordKnown ? password : undefined);
      const on = await mobilityAfterCreate(env, profile, ctxId, admin, userId);
      if (profileProps.capabilities?.length) await env.ox.changeUserCapabilities(ctxId, admin, userId, profileProps.capabilities, []);
      return on;
    });
    const props = {
      ...ownProperties(deps, SERVICE, call.body), email: p.email, displayName: p.displayName, givenName: p.givenName, familyName: p.familyName,
      mobilityEnabled: mobility, owner: p.owner, passwordGenerated: passwordKnown && typeof call.body.password !== 'string', aps: { type: deps.schemas.get(SERVICE)?.schema.id },
    };
    await ledger.updateResource(call.instanceId, record.id, { state: 'ready', oxUserId: userId, props, lastError: null });
    await subscribed;
    return view({ id: record.id, login: p.login, oxUserId: userId, props });
  }

  /** An existing user made this mailbox's: mail on, the tier's rights (a cancelled user was shut out), the password when known. */
  async function takeOver(
    env: InstanceEnv, profile: ResourceRecord, ctxId: number, admin: Credentials, userId: number, password: string | undefined,
  ): Promise<void> {
    await env.ox.changeUser(ctxId, admin, { id: userId, mailenabled: true, ...(password ? { password } : {}) });
    await env.ox.changeUserAccess(ctxId, admin, userId, profileAccess(tierOf(profile)));
  }

  /**
   * Whether the new user has mobility: the add-on or instance setting asks for it, or the tier's
   * own rights grant it (explicit flags say so; for a combination OX is asked once per tier).
   */
  async function mobilityAfterCreate(env: InstanceEnv, profile: ResourceRecord, ctxId: number, admin: Credentials, userId: number): Promise<boolean> {
    const props = tierOf(profile);
    const wanted = wantsMobility(env.settings, props, undefined);
    if (learnsFromOx(props)) {
      const applied = await settleCombination(env.ox, ctxId, admin, userId, props, wanted);
      await learnTier(profile, applied.learned);
      return applied.mobility;
    }
    if (wanted) return (await applyAccess(env.ox, ctxId, admin, userId, props, true)).mobility;
    return tierMobility(props) === true;
  }

  /** Keeps the flags OX showed for a combination tier: OX is asked once per tier. */
  async function learnTier(profile: ResourceRecord, learned: ModuleAccess | undefined): Promise<void> {
    if (!learned) return;
    // Read again: a profile change since this request read it must not be overwritten.
    const fresh = await ledger.getResource(profile.instanceId, profile.id);
    const props = fresh ? tierOf(fresh) : undefined;
    if (!fresh || !props || !learnsFromOx(props) || props.accessCombination !== tierOf(profile).accessCombination) return;
    await ledger.updateResource(profile.instanceId, profile.id, { props: { ...fresh.props, combinationFlags: learned } });
  }

  /** Applies a tier to a mailbox (not while suspended: resume does); answers whether mobility is on. */
  async function applyTier(env: InstanceEnv, rec: ResourceRecord, ctx: ResourceRecord, profile: ResourceRecord): Promise<boolean> {
    const to = tierOf(profile);
    const wanted = wantsMobility(env.settings, to, rec);
    if (rec.state === 'disabled') return wanted || (tierMobility(to) ?? rec.props.mobilityEnabled === true);
    const applied = await applyAccess(env.ox, oxContextOf(ctx), contextAdmin(ctx), oxUserOf(rec), to, wanted);
    await learnTier(profile, applied.learned);
    return applied.mobility;
  }

  async function configure(call: ApsCall<MailboxesProperties>) {
    checkTimeZone('timezone', call.body.timezone);
    const rec = await requireResource(deps, call, call.resourceId, SERVICE);
    const env = await instanceEnv(deps, call.instanceId);
    const { ctx, profile } = await parents(call, rec);
    const admin = contextAdmin(ctx);
    const ctxId = oxContextOf(ctx);
    const before = mailboxProps(rec);
    const after = ownProperties(deps, SERVICE, call.body);
    const errCtx: OxErrorContext = { doing: `changing mailbox "${rec.login}"`, credentials: 'context admin', displayName: after.displayName, email: after.email };
    // Only what we own; language and time zone belong to the user after creation.
    const change: OxUser = { id: oxUserOf(rec) };
    const map = [['displayName', 'display_name'], ['givenName', 'given_name'], ['familyName', 'sur_name']] as const;
    for (const [prop, field] of map) if (after[prop] !== undefined && after[prop] !== before[prop]) change[field] = after[prop];
    // A new primary address goes to OX with email1 and the sender address (OX wants all three in
    // the aliases); where OX refuses primary-address changes, the whole change is refused and the
    // ledger keeps the old address.
    const email = after.email !== undefined ? asciiAddress('email', after.email) : before.email ?? '';
    const wantedAliases = asciiAliases(after.aliases);
    checkDomains(env, ctx, [email, ...(wantedAliases ?? [])]);
    const newEmail = email !== String(before.email).toLowerCase();
    const aliasesChanged = wantedAliases !== undefined && JSON.stringify(wantedAliases) !== JSON.stringify(before.aliases);
    if (newEmail) Object.assign(change, { primaryEmail: email, email1: email, defaultSenderAddress: email });
    if (newEmail || aliasesChanged) {
      const aliases = wantedAliases ?? before.aliases ?? [];
      change.aliases = [...new Set([email, ...aliases])];
    }
    const secrets = { ...rec.secrets };
    if (typeof call.body.password === 'string' && call.body.password !== rec.secrets.password) {
      change.password = call.body.password;
      secrets.password = call.body.password;
    }
    const mobility = await withOx(errCtx, async () => {
      if (Object.keys(change).length > 1) await env.ox.changeUser(ctxId, admin, change);
      return profile.id !== rec.profileId ? switchProfile(env, rec, ctx, profile) : rec.props.mobilityEnabled === true;
    });
    const props = {
      ...before, ...after, email, ...(wantedAliases ? { aliases: wantedAliases } : {}), mobilityEnabled: mobility,
      ...(change.password ? { passwordGenerated: false } : {}),
    };
    await ledger.updateResource(call.instanceId, rec.id, { props, secrets, profileId: profile.id });
    return view(await reread(deps, rec));
  }

  /**
   * Moves a mailbox onto a tier (or applies its changed tier): rights and mobility, the capability
   * difference from the tier it had, upload limits. Answers whether mobility is on.
   */
  async function switchProfile(env: InstanceEnv, rec: ResourceRecord, ctx: ResourceRecord, profile: ResourceRecord, from?: ProfileProps): Promise<boolean> {
    const previous = from ?? (rec.profileId ? await tierAt(rec.instanceId, rec.profileId) : undefined);
    const to = tierOf(profile);
    const admin = contextAdmin(ctx);
    const ctxId = oxContextOf(ctx);
    const mobility = await applyTier(env, rec, ctx, profile);
    const { add, remove } = capabilityDiff(previous, to);
    if (add.length || remove.length) await env.ox.changeUserCapabilities(ctxId, admin, oxUserOf(rec), add, remove);
    await env.ox.changeUser(ctxId, admin, { id: oxUserOf(rec), ...uploadLimits(to) });
    return mobility;
  }

  return {
    provision: recordingFailures(deps, provision),
    configure,
    async known(call) {
      const rec = await recordOfCall(deps, call, SERVICE);
      return rec && { login: rec.login ?? undefined, oxUserId: rec.oxUserId ?? undefined };
    },

    async retrieve(call) {
      return view(await requireResource(deps, call, call.resourceId, SERVICE));
    },
    async disable(call) {
      const rec = await requireResource(deps, call, call.resourceId, SERVICE);
      if (rec.state === 'disabled') return undefined;
      const env = await instanceEnv(deps, call.instanceId);
      const { ctx } = await parents(call, rec);
      const admin = contextAdmin(ctx);
      await withOx({ doing: `disabling mailbox "${rec.login}"`, credentials: 'context admin' }, async () => {
        const { mailenabled } = await env.ox.getUser(oxContextOf(ctx), admin, { id: oxUserOf(rec) });
        const savedMailEnabled = String(mailenabled) !== 'false';
        await ledger.updateResource(call.instanceId, rec.id, { props: { ...rec.props, savedMailEnabled } });
        await shutOut(env.ox, oxContextOf(ctx), admin, oxUserOf(rec));
      });
      await ledger.updateResource(call.instanceId, rec.id, { state: 'disabled' });
      return undefined;
    },
    async enable(call) {
      const rec = await requireResource(deps, call, call.resourceId, SERVICE);
      if (rec.state !== 'disabled') return undefined;
      const env = await instanceEnv(deps, call.instanceId);
      const { ctx, profile } = await parents(call, rec);
      const admin = contextAdmin(ctx);
      // The tier the mailbox has now (it may have changed while suspended), not the rights it had.
      const mobility = await withOx({ doing: `enabling mailbox "${rec.login}"`, credentials: 'context admin' }, async () => {
        const on = await applyTier(env, { ...rec, state: 'ready' }, ctx, profile);
        await env.ox.changeUser(oxContextOf(ctx), admin, { id: oxUserOf(rec), mailenabled: rec.props.savedMailEnabled !== false });
        return on;
      });
      await ledger.updateResource(call.instanceId, rec.id, { state: 'ready', props: { ...withoutSuspendState(rec.props), mobilityEnabled: mobility } });
      return undefined;
    },
    async unprovision(call) {
      const rec = await resourceToDelete(deps, call, SERVICE);
      if (!rec || isReleased(rec)) return undefined;
      const ctx = rec.parentId ? await ledger.getResource(call.instanceId, rec.parentId) : undefined;
      if (ctx?.oxContextId != null && rec.oxUserId != null) {
        const env = await instanceEnv(deps, call.instanceId);
        // A taken-over context keeps its users (shut out) unless the instance deletes what it took
        // over; with a grace period the user is shut out now and deleted when it is over.
        const leave = contextProps(ctx).adopt !== undefined && env.settings.adoptedUnprovision !== 'delete';
        if (leave || env.settings.deleteGraceDays > 0) {
          const doing = { doing: `shutting out mailbox "${rec.login}"`, credentials: 'context admin' as const };
          // A user already gone from OX has nothing left to keep.
          const keep = leave
            ? () => shutOut(env.ox, oxContextOf(ctx), contextAdmin(ctx), oxUserOf(rec))
            : () => deferMailboxDeletion(deps, env.ox, ctx, rec, env.settings.deleteGraceDays);
          const gone = await withOx(doing, () => goneFromOx(keep()));
          if (leave || gone) await forgetRecord(deps, rec);
          return undefined;
        }
        await ledger.updateResource(call.instanceId, rec.id, { state: 'deleting' });
        await withOx({ doing: `deleting mailbox "${rec.login}"`, credentials: 'context admin' }, async () => {
          try {
            await env.ox.deleteUser(oxContextOf(ctx), contextAdmin(ctx), oxUserOf(rec));
          } catch (err) {
            // A context already gone (deleted in OX) answers "Authentication failed" to its admin.
            if (!(err instanceof OxFault && err.kind === 'authentication' && !(await env.ox.contextExists(oxContextOf(ctx))))) throw err;
          }
        });
      }
      await forgetRecord(deps, rec);
      return undefined;
    },
    operations: {
      login: (call) => issueLoginUrl(deps, call, 'mailboxes'),
      /** How the mailbox's user connects a phone or mail program (no secret in it). */
      async clientSettings(call) {
        const rec = await requireResource(deps, call, call.resourceId, SERVICE);
        const { settings } = await instanceEnv(deps, call.instanceId);
        const { email = '', mobilityEnabled } = mailboxProps(rec);
        return clientSettings(settings, { login: rec.login ?? '', email, mobility: mobilityEnabled === true });
      },
      /** The controller's notification that the linked service user changed. */
      async onServiceUserChange(call) {
        const rec = await requireResource(deps, call, call.resourceId, SERVICE);
        if (rec.state !== 'ready' && rec.state !== 'disabled') return { followed: false, reason: `mailbox ${rec.state}` };
        const env = await instanceEnv(deps, call.instanceId);
        const ctx = await relatedRecord(deps, rec, 'parentId');
        return followServiceUser(deps, call, env, rec, ctx);
      },
      /**
       * The password the endpoint generated, once, for setting up mail programs and phones; then
       * never again (set a new one with a PUT to see one again).
       */
      async revealPassword(call) {
        const rec = await requireResource(deps, call, call.resourceId, SERVICE);
        // Taken in one conditional write: of two reveals at once (or on two replicas) one shows it.
        if (rec.props.passwordGenerated !== true || !(await ledger.takeTrueProperty(call.instanceId, rec.id, 'passwordGenerated'))) {
          throw apsError(409, 'PasswordNotRevealable', 'This mailbox\'s password was set by the panel or was revealed already: set a new password to see one again');
        }
        call.log.info({ audit: 'password-revealed', who: call.identityId ?? null, resource: rec.id, as: rec.login }, 'mailbox password revealed');
        return { login: rec.login, password: rec.secrets.password };
      },
      /** Internal (background job after a profile change): re-applies the mailbox's profile. */
      async applyProfile(call) {
        const rec = await ledger.getResource(call.instanceId, call.resourceId);
        if (!rec || rec.state !== 'ready' && rec.state !== 'disabled' || !rec.profileId) return undefined;
        const env = await instanceEnv(deps, call.instanceId);
        const ctx = await relatedRecord(deps, rec, 'parentId');
        const profile = await relatedRecord(deps, rec, 'profileId');
        const to = tierOf(profile);
        const previous = call.body.previousCapabilities;
        const from = { ...to, capabilities: Array.isArray(previous) ? previous.map(String) : to.capabilities };
        const errCtx: OxErrorContext = { doing: `applying profile "${to.title}" to mailbox "${rec.login}"`, credentials: 'context admin' };
        const mobility = await withOx(errCtx, () => switchProfile(env, rec, ctx, profile, from));
        if (mobility !== (rec.props.mobilityEnabled === true)) {
          await ledger.updateResource(call.instanceId, rec.id, { props: { ...rec.props, mobilityEnabled: mobility } });
        }
        return {};
      },
    },
  };
}
