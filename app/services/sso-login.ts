// Single sign-on for contexts (the context admin) and mailboxes (the user): issue a one-time URL,
// and turn a redeemed token into OX form-login fields.
import type { ApsCall } from '../aps/types.js';
import type { FormLogin } from '../sso/login-page.js';
import type { SsoTokenRecord } from '../store/ledger.js';
import { requireResource, type AppSettings, type ServiceDeps } from './deps.js';
import { apsError } from './ox-errors.js';

const CLIENTS = {
  appsuite: { client: 'open-xchange-appsuite', name: 'OX App Suite', page: '' },
  ox6: { client: 'com.openexchange.ox.gui.dhtml', name: 'OX6', page: 'index.html' },
} as const;

export async function issueLoginUrl(deps: ServiceDeps, call: ApsCall, kind: 'contexts' | 'mailboxes'): Promise<{ url: string }> {
  const rec = await requireResource(deps, call, call.resourceId, kind);
  const ctx = kind === 'contexts' ? rec : await deps.ledger.getResource(call.instanceId, rec.parentId ?? '');
  const what = kind === 'contexts' ? 'context' : 'mailbox';
  if (rec.state === 'disabled' || ctx?.state === 'disabled') {
    throw apsError(409, 'ResourceDisabled', `The ${rec.state === 'disabled' ? what : 'context'} is disabled: enable it before logging in`);
  }
  if (rec.state !== 'ready') throw apsError(409, 'ContextNotReady', `The ${what} is not provisioned yet (state ${rec.state}); try again when it is ready`);
  const token = await deps.sso.issue(call.instanceId, rec.id);
  return { url: `${deps.config.PUBLIC_URL}/sso/${token}` };
}

/** The form-login fields for a redeemed token, or undefined when its resource cannot log in now. */
export async function formLoginFor(deps: ServiceDeps, binding: SsoTokenRecord): Promise<FormLogin | undefined> {
  const rec = await deps.ledger.getResource(binding.instanceId, binding.resourceId);
  if (!rec || rec.state !== 'ready') return undefined;
  const ctx = rec.kind === 'contexts' ? rec : await deps.ledger.getResource(binding.instanceId, rec.parentId ?? '');
  if (!ctx || ctx.state !== 'ready' || ctx.oxContextId == null) return undefined;
  const password = rec.kind === 'contexts' ? rec.secrets.adminPassword : rec.secrets.password;
  const instance = await deps.ledger.getInstance(rec.instanceId);
  if (!password || !rec.login || !instance) return undefined;
  const settings = instance.settings as unknown as AppSettings;
  const ui = CLIENTS[settings.loginClient] ?? CLIENTS.appsuite;
  return {
    oxPublicUrl: settings.oxPublicUrl,
    // OX splits at the last "@": user name, then a login mapping (the context id always is one).
    login: `${rec.login}@${ctx.oxContextId}`,
    password,
    client: ui.client,
    uiWebPath: `${settings.productPath}${ui.page}`,
    productName: ui.name,
  };
}
