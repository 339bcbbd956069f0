// The mailbox's custom operations: device settings, the service user's change notification, the
// generated password shown once, and the profile re-apply job.
import { contextAdmin, contextProps, mailboxProps, sharedMailboxProps, tierOf } from '../shared/stored.js';
import { linkedIds } from '../shared/context-children.js';
import type { ResourceRecord } from '../../store/ledger.js';
import type { ApsCall } from '../../aps/types.js';
import type { ServiceDeps } from '../shared/deps.js';
import { instanceEnv, type InstanceEnv } from '../shared/instance-env.js';
import { modifyRecord, oxContextOf, oxUserOf, relatedRecord, requireResource } from '../shared/records.js';
import { apsError, withOx, type OxErrorContext } from '../shared/errors.js';
import { clientSettings, oxUserName } from './client-settings.js';
import { followServiceUser } from './service-user-sync.js';
import { SERVICE } from './common.js';
import { switchProfile } from './tiers.js';

/**
 * The mail system's login OX keeps for the user (imapLogin), else its address. OX is asked; the
 * address answers when it cannot be.
 */
async function mailLoginOf(env: InstanceEnv, ctx: ResourceRecord, rec: ResourceRecord, email: string): Promise<string> {
  try {
    const user = await env.ox.getUser(oxContextOf(ctx), contextAdmin(ctx), { id: oxUserOf(rec) });
    return user.imapLogin || email;
  } catch {
    return email;
  }
}

/** How the mailbox's user connects a phone or mail program (no secret in it). */
export async function deviceSettings(deps: ServiceDeps, call: ApsCall) {
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  const env = await instanceEnv(deps, call);
  const ctx = await relatedRecord(deps, rec, 'parentId');
  const { email = '', mobilityEnabled } = mailboxProps(rec);
  return clientSettings(env.settings, {
    username: oxUserName(rec.login ?? '', { domain: contextProps(ctx).domain, oxContextId: ctx.oxContextId ?? null }),
    mailLogin: rec.oxUserId == null ? email : await mailLoginOf(env, ctx, rec, email),
    email,
    mobility: mobilityEnabled === true,
  });
}

/** The shared mailboxes the user reads (directly, or through a group), for the user's own panel. */
export async function sharedMailboxesOf(deps: ServiceDeps, call: ApsCall) {
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  const siblings = rec.parentId
    ? await deps.ledger.listResources({ instanceId: call.instanceId, parentId: rec.parentId })
    : [];
  const groups = siblings
    .filter((g) => g.kind === 'groups' && linkedIds(g, 'members').includes(rec.id))
    .map((g) => g.id);
  const shared = siblings.filter(
    (s) =>
      s.kind === 'shared-mailboxes' &&
      s.state === 'ready' &&
      (linkedIds(s, 'members').includes(rec.id) || linkedIds(s, 'groups').some((g) => groups.includes(g))),
  );
  const list = shared.map((s) => ({
    address: sharedMailboxProps(s).address,
    displayName: sharedMailboxProps(s).displayName,
  }));
  return { sharedMailboxes: list.sort((a, b) => a.address.localeCompare(b.address)) };
}

/** The controller's notification that the linked service user changed. */
export async function onServiceUserChange(deps: ServiceDeps, call: ApsCall) {
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  if (rec.state !== 'ready' && rec.state !== 'disabled') return { followed: false, reason: `mailbox ${rec.state}` };
  const env = await instanceEnv(deps, call);
  const ctx = await relatedRecord(deps, rec, 'parentId');
  return followServiceUser(deps, call, env, rec, ctx);
}

/**
 * The password the endpoint generated, once, for setting up mail programs and phones; then
 * never again (set a new one with a PUT to see one again).
 */
export async function revealPassword(deps: ServiceDeps, call: ApsCall) {
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  // Taken in one conditional write: of two reveals at once (or on two replicas) one shows it.
  if (
    rec.props.passwordGenerated !== true ||
    !(await deps.ledger.takeTrueProperty(call.instanceId, rec.id, 'passwordGenerated'))
  ) {
    throw apsError(
      409,
      'PasswordNotRevealable',
      "This mailbox's password was set by the panel or was revealed already: set a new password to see one again",
    );
  }
  call.log.info(
    { audit: 'password-revealed', who: call.identityId ?? null, resource: rec.id, as: rec.login },
    'mailbox password revealed',
  );
  return { login: rec.login, password: rec.secrets.password };
}

/** Internal (background job after a profile change): re-applies the mailbox's profile. */
export async function applyProfile(deps: ServiceDeps, call: ApsCall) {
  const rec = await deps.ledger.getResource(call.instanceId, call.resourceId);
  if (!rec || (rec.state !== 'ready' && rec.state !== 'disabled') || !rec.profileId) return undefined;
  const env = await instanceEnv(deps, call);
  const ctx = await relatedRecord(deps, rec, 'parentId');
  const profile = await relatedRecord(deps, rec, 'profileId');
  const to = tierOf(profile);
  const previous = call.body.previousCapabilities;
  const from = { ...to, capabilities: Array.isArray(previous) ? previous.map(String) : to.capabilities };
  const errCtx: OxErrorContext = {
    doing: `applying profile "${to.title}" to mailbox "${rec.login}"`,
    credentials: 'context admin',
  };
  const mobility = await withOx(errCtx, () => switchProfile(deps, env, rec, ctx, profile, from));
  if (mobility !== (rec.props.mobilityEnabled === true)) {
    await modifyRecord(deps, rec, (now) => ({ props: { ...now.props, mobilityEnabled: mobility } }));
  }
  return {};
}
