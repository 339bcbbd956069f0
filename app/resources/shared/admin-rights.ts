// The context administrator's rights without editPassword. The endpoint acts as that
// administrator for every user call of its context: a password the administrator changed in App
// Suite's settings would break "Open OX as administrator" and every mailbox change of the
// subscription. It is created by combination name (contextAdminAccess), which may grant
// editPassword, so the right is taken away afterwards as an explicit flag. OX then reports no
// combination name for the administrator ("null"), as it does for every user with edited rights.
import type { Credentials, OxClient, OxUser } from '../../ox/ox-client.js';
import type { ModuleAccess } from '../../ox/module-access.js';
import type { ResourceRecord } from '../../store/ledger.js';
import { withOx } from './errors.js';
import { contextAdmin } from './stored.js';

/** The administrator as OX lists it, and whether its rights still allow a password change. */
export async function adminRights(
  ox: OxClient,
  ctxId: number,
  admin: Credentials,
  user?: OxUser,
): Promise<{ userId: number; access: ModuleAccess } | undefined> {
  const found = user ?? (await ox.getUser(ctxId, admin, { name: admin.login }));
  if (found.id === undefined) return undefined;
  return { userId: found.id, access: await ox.getUserAccess(ctxId, admin, found.id) };
}

/** The administrator's rights as they were, without editPassword. */
export function withoutPasswordChange(
  ox: OxClient,
  ctxId: number,
  admin: Credentials,
  rights: { userId: number; access: ModuleAccess },
): Promise<void> {
  return ox.changeUserAccess(ctxId, admin, rights.userId, { flags: { ...rights.access, editPassword: false } });
}

/** Takes editPassword from the context administrator; answers whether OX had it. */
export async function settleAdminRights(
  ox: OxClient,
  ctxId: number,
  admin: Credentials,
  user?: OxUser,
): Promise<boolean> {
  const rights = await adminRights(ox, ctxId, admin, user);
  if (!rights?.access.editPassword) return false;
  await withoutPasswordChange(ox, ctxId, admin, rights);
  return true;
}

/** settleAdminRights for a context record, with OX's refusals told as the provider needs them. */
export function settleContextAdmin(ox: OxClient, ctxId: number, ctx: ResourceRecord): Promise<boolean> {
  const doing = `taking the password right from the administrator of context ${ctxId}`;
  return withOx({ doing, credentials: 'context admin' }, () => settleAdminRights(ox, ctxId, contextAdmin(ctx)));
}
