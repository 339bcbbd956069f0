// Single sign-on for contexts (the context admin) and mailboxes (the user): who may have a
// one-time URL, and what a redeemed token logs in as (never seen by the browser).
import type { ApsCall } from '../../aps/types.js';
import type { InstanceRecord, ResourceRecord, SsoTokenRecord } from '../../store/ledger.js';
import type { ServiceDeps } from './deps.js';
import { controllerFor, instanceEnv } from './instance-env.js';
import { settingsOf } from './instance-settings.js';
import { modifyRecord, requireResource } from './records.js';
import { mailboxProps, type MailboxOwner } from './stored.js';
import { apsError } from './errors.js';
import type { FormLogin } from '../../sso/login-page.js';
import { errorMessage } from '../../util/errors.js';

const CLIENTS = {
  appsuite: { client: 'open-xchange-appsuite', name: 'OX App Suite', page: '' },
  ox6: { client: 'com.openexchange.ox.gui.dhtml', name: 'OX6', page: 'index.html' },
} as const;

/** Whom the login opens OX as, and how: all the browser ever gets is the result of it. */
export interface LoginTarget extends FormLogin {
  method: 'token' | 'form';
  kind: 'contexts' | 'mailboxes';
}

/**
 * A mailbox opens for its own service user; for anyone else (an account administrator, or a
 * request without an identity) only where the instance allows it. APS-Identity-ID may carry the
 * service user's id or its platform user's id (spec: UNCONFIRMED which): both count.
 */
async function mailboxLoginRole(
  deps: ServiceDeps,
  call: ApsCall,
  rec: ResourceRecord,
  instance: InstanceRecord,
): Promise<'own user' | 'administrator'> {
  const identity = call.identityId;
  const owner = identity ? await ownerOf(deps, call, rec, instance, identity) : undefined;
  if (identity && owner && (identity === owner.id || identity === owner.userId)) return 'own user';
  if (settingsOf(instance).adminMailboxLogin === true) return 'administrator';
  throw apsError(
    403,
    'MailboxLoginRefused',
    "Only the mailbox's own user may open it; the provider can let account administrators open their employees' mailboxes with the application setting adminMailboxLogin",
  );
}

/**
 * The mailbox's owner. Mailboxes from before owners were kept read their `user` link from the
 * controller's copy of the mailbox; when the identity is not the service user's id and its platform
 * user id is not known yet, the service user is read once. What is learned is kept.
 */
async function ownerOf(
  deps: ServiceDeps,
  call: ApsCall,
  rec: ResourceRecord,
  instance: InstanceRecord,
  identity: string,
): Promise<MailboxOwner | undefined> {
  let owner = mailboxProps(rec).owner;
  if (owner && (identity === owner.id || owner.userId)) return owner;
  const controller = controllerFor(deps, call, instance);
  try {
    if (!owner) {
      const mailbox = await controller.getResource<{ user?: { aps?: { id?: string } } }>(rec.id);
      if (!mailbox.user?.aps?.id) return undefined;
      owner = { id: mailbox.user.aps.id };
      if (identity === owner.id) return keepOwner(deps, rec, owner);
    }
    const user = await controller.getResource<{ userId?: string | number }>(owner.id);
    return keepOwner(deps, rec, user.userId === undefined ? owner : { ...owner, userId: String(user.userId) });
  } catch (err) {
    call.log.warn(
      { err: errorMessage(err) },
      "could not read the mailbox's service user to check who asks for its login",
    );
    return owner;
  }
}

async function keepOwner(deps: ServiceDeps, rec: ResourceRecord, owner: MailboxOwner): Promise<MailboxOwner> {
  await modifyRecord(deps, rec, (now) => ({ props: { ...now.props, owner } }));
  return owner;
}

export async function issueLoginUrl(
  deps: ServiceDeps,
  call: ApsCall,
  kind: 'contexts' | 'mailboxes',
): Promise<{ url: string }> {
  const rec = await requireResource(deps, call, call.resourceId, kind);
  const ctx = kind === 'contexts' ? rec : await deps.ledger.getResource(call.instanceId, rec.parentId ?? '');
  const what = kind === 'contexts' ? 'context' : 'mailbox';
  if (rec.state === 'disabled' || ctx?.state === 'disabled') {
    throw apsError(
      409,
      'ResourceDisabled',
      `The ${rec.state === 'disabled' ? what : 'context'} is disabled: enable it before logging in`,
    );
  }
  if (rec.state !== 'ready')
    throw apsError(
      409,
      'ContextNotReady',
      `The ${what} is not provisioned yet (state ${rec.state}); try again when it is ready`,
    );
  if (kind === 'mailboxes' && !rec.secrets.password) {
    throw apsError(
      409,
      'PasswordUnknown',
      'This mailbox took over an existing OX user whose password this application does not know: set a password for it first',
    );
  }
  const { instance } = await instanceEnv(deps, call); // cached, and 404 for an unknown one
  const role = kind === 'mailboxes' ? await mailboxLoginRole(deps, call, rec, instance) : 'context administrator';
  const token = await deps.sso.issue(call.instanceId, rec.id, call.identityId);
  call.log.info(
    {
      audit: 'sso-link',
      who: call.identityId ?? null,
      onBehalfOf: call.originalIdentityId ?? null,
      role,
      resource: rec.id,
      kind,
      as: rec.login,
    },
    'single sign-on link issued',
  );
  return { url: `${deps.config.PUBLIC_URL}/sso/${token}` };
}

/** What a redeemed token logs in as, or undefined when its resource cannot log in now. */
export async function loginTargetFor(deps: ServiceDeps, binding: SsoTokenRecord): Promise<LoginTarget | undefined> {
  const rec = await deps.ledger.getResource(binding.instanceId, binding.resourceId);
  if (!rec || rec.state !== 'ready') return undefined;
  const ctx = rec.kind === 'contexts' ? rec : await deps.ledger.getResource(binding.instanceId, rec.parentId ?? '');
  if (!ctx || ctx.state !== 'ready' || ctx.oxContextId == null) return undefined;
  const password = rec.kind === 'contexts' ? rec.secrets.adminPassword : rec.secrets.password;
  const instance = await deps.ledger.getInstance(rec.instanceId);
  if (!password || !rec.login || !instance) return undefined;
  const settings = settingsOf(instance);
  const loginClient = settings.loginClient === 'ox6' ? 'ox6' : 'appsuite';
  const ui = CLIENTS[loginClient];
  return {
    // OX6's UI does not redeem tokens: it always uses form login.
    method: loginClient === 'appsuite' && settings.ssoMethod !== 'form' ? 'token' : 'form',
    oxPublicUrl: settings.oxPublicUrl,
    // OX splits at the last "@": user name, then a login mapping (the context id always is one).
    login: `${rec.login}@${ctx.oxContextId}`,
    password,
    client: ui.client,
    uiWebPath: `${settings.productPath}${ui.page}`,
    productName: ui.name,
    kind: rec.kind === 'contexts' ? 'contexts' : 'mailboxes',
  };
}
