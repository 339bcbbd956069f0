// Reconcile inside one context: its users in OX against its mailboxes in the ledger (existence,
// addresses, names, mail flag, rights and mobility), and users no mailbox holds.
import { OxFault } from '../../ox/faults.js';
import type { OxClient, OxUser } from '../../ox/ox-client.js';
import type { ModuleAccess } from '../../ox/module-access.js';
import type { ResourceRecord } from '../../store/ledger.js';
import { applyAccess, grantsMobility, tierDrift, type ProfileProps } from '../../resources/shared/access.js';
import { contextProps, mailboxProps } from '../../resources/shared/stored.js';
import { oxUserOf } from '../../resources/shared/records.js';
import { adminRights, withoutPasswordChange } from '../../resources/shared/admin-rights.js';

import {
  COUNTED,
  missing,
  type Deps,
  type Drift,
  type OxTarget,
  type ReconcileOptions,
  type ReconcileReport,
  type Scope,
} from './common.js';

/**
 * The context administrator may not change its password in OX (the endpoint signs in as it). A
 * context taken over keeps the administrator it had: the provider's own tools may use it.
 */
async function reconcileAdmin(
  scope: Scope,
  ctx: ResourceRecord,
  at: OxTarget,
  listed: ContextUsers,
  opts: ReconcileOptions,
  report: ReconcileReport,
): Promise<void> {
  if (contextProps(ctx).adopt) return;
  const adminUser = listed.users.find((u) => u.name === at.admin.login);
  const rights = listed.adminRights ?? (adminUser && (await adminRights(scope.ox, at.id, at.admin, adminUser)));
  if (!rights?.access.editPassword) return;
  const drift: Drift = {
    kind: 'admin-rights',
    instance: scope.instance.id,
    resource: ctx.id,
    oxContextId: at.id,
    oxUserId: rights.userId,
    field: 'editPassword',
    ledger: false,
    ox: true,
  };
  report.drift.push(drift);
  if (!opts.repair) return;
  await withoutPasswordChange(scope.ox, at.id, at.admin, rights);
  report.repaired.push(drift);
}

/** The context's users in OX against its mailboxes in the ledger: two calls for all users, then rights per mailbox. */
export async function reconcileUsers(
  deps: Deps,
  scope: Scope,
  ctx: ResourceRecord,
  at: OxTarget,
  opts: ReconcileOptions,
  report: ReconcileReport,
): Promise<boolean> {
  const { id, admin } = at;
  const listed = await usersOf(scope, ctx, at, opts, report);
  if (!listed) return false;
  const users = new Map(listed.users.map((u) => [u.id, u]));
  const mailboxes = await deps.ledger.listResources({
    instanceId: scope.instance.id,
    kind: 'mailboxes',
    parentId: ctx.id,
  });
  for (const mailbox of mailboxes.filter((m) => COUNTED.has(m.state) && m.oxUserId != null)) {
    const user = users.get(mailbox.oxUserId ?? undefined);
    const base = {
      instance: scope.instance.id,
      resource: mailbox.id,
      oxContextId: id,
      oxUserId: mailbox.oxUserId ?? null,
    };
    if (!user)
      await missing(deps, report, opts, mailbox, {
        ...base,
        kind: 'missing-in-ox',
        field: null,
        ledger: mailbox.state,
        ox: null,
      });
    else await reconcileMailbox(scope, at, mailbox, user, opts, report);
  }
  await reconcileAdmin(scope, ctx, at, listed, opts, report);
  // Users no mailbox holds (in any state), but the context's administrator.
  const held = new Set(mailboxes.map((m) => m.oxUserId));
  for (const user of users.values()) {
    if (user.id === undefined || held.has(user.id) || user.contextadmin === true || user.name === admin.login) continue;
    const drift: Drift = {
      kind: 'unknown-in-ox',
      instance: scope.instance.id,
      resource: null,
      oxContextId: id,
      oxUserId: user.id,
      field: null,
      ledger: null,
      ox: user.name ?? null,
    };
    report.drift.push(drift);
    // A context taken over may hold users the provider has not imported yet: those are never deleted.
    if (opts.repair && opts.deleteOrphans && !contextProps(ctx).adopt) {
      await scope.ox.deleteUser(id, admin, user.id);
      report.repaired.push(drift);
    }
  }
  return true;
}

/** A context's users in OX and, when they were read with them, its administrator's own rights. */
interface ContextUsers {
  users: OxUser[];
  adminRights?: { userId: number; access: ModuleAccess };
}

/**
 * The context's users, and whether its administrator still logs in with what the ledger keeps
 * (single sign-on and every user call depend on it). Under master override that is asked
 * separately (reading the administrator's rights with its own credentials: one call for both
 * questions) and repaired by giving the administrator the ledger's password again; otherwise a
 * refusal is reported (it cannot be repaired without the password) and the users are not read.
 */
async function usersOf(
  scope: Scope,
  ctx: ResourceRecord,
  at: OxTarget,
  opts: ReconcileOptions,
  report: ReconcileReport,
): Promise<ContextUsers | undefined> {
  const { id, admin } = at;
  const drift: Drift = {
    kind: 'attribute',
    instance: scope.instance.id,
    resource: ctx.id,
    oxContextId: id,
    oxUserId: null,
    field: 'admin',
    ledger: admin.login,
    ox: 'refused',
  };
  if (!scope.settings.masterAccountOverride) {
    try {
      return { users: await scope.ox.listUsers(id, admin) };
    } catch (err) {
      if (!(err instanceof OxFault && err.kind === 'authentication')) throw err;
      report.drift.push(drift);
      return undefined;
    }
  }
  const users = await scope.ox.listUsers(id, admin);
  const userId = users.find((u) => u.name === admin.login)?.id;
  if (userId !== undefined) {
    const access = await scope.ox.adminOwnAccess(id, admin, userId);
    if (access) return { users, adminRights: { userId, access } };
  } else if (await scope.ox.adminCanLogIn(id, admin)) return { users };
  report.drift.push(drift);
  if (opts.repair && userId !== undefined) {
    await scope.ox.changeUser(id, admin, { id: userId, password: admin.password });
    report.repaired.push(drift);
  }
  return { users };
}

/** OX keeps the primary address among the aliases: the sets are compared with it on both sides. */
function addresses(primary: string | undefined, aliases: unknown): string[] {
  return [
    ...new Set(
      [primary, ...(Array.isArray(aliases) ? aliases : [])]
        .filter((a) => typeof a === 'string')
        .map((a) => a.toLowerCase()),
    ),
  ].sort();
}

const differ = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);

async function reconcileMailbox(
  scope: Scope,
  at: OxTarget,
  mailbox: ResourceRecord,
  user: OxUser,
  opts: ReconcileOptions,
  report: ReconcileReport,
): Promise<void> {
  const { id: ctxId, admin } = at;
  const userId = oxUserOf(mailbox);
  const base = { instance: scope.instance.id, resource: mailbox.id, oxContextId: ctxId, oxUserId: userId };
  const p = mailboxProps(mailbox);
  const suspended = mailbox.state === 'disabled';
  const pairs: Array<[string, unknown, unknown]> = [
    ['display_name', p.displayName, user.display_name],
    ['primaryEmail', p.email, user.primaryEmail],
    [
      'aliases',
      addresses(p.email, p.aliases),
      user.aliases === undefined ? undefined : addresses(user.primaryEmail, user.aliases),
    ],
    // A suspended mailbox has mail off (its rights are checked once it is resumed).
    ['mailenabled', suspended ? false : undefined, user.mailenabled],
  ];
  const fields = pairs
    .filter(([, mine, theirs]) => mine !== undefined && theirs !== undefined && differ(mine, theirs))
    .map(([field, mine, theirs]): Drift => ({ ...base, kind: 'attribute', field, ledger: mine, ox: theirs }));
  const profile = mailbox.profileId ? scope.profiles.get(mailbox.profileId) : undefined;
  const rights = suspended || !profile ? [] : await rightsDrift(scope.ox, at, mailbox, profile, base);
  report.drift.push(...fields, ...rights);
  if (!opts.repair) return;
  if (fields.length) {
    const change = Object.fromEntries(fields.map((f) => [f.field, f.ledger]));
    await scope.ox.changeUser(ctxId, admin, { id: userId, ...change });
  }
  if (rights.some((f) => f.field === 'moduleAccess' || f.field === 'mobility')) {
    await applyAccess(scope.ox, ctxId, admin, userId, profile ?? {}, p.mobilityEnabled === true);
  }
  const caps = rights.find((f) => f.field === 'capabilities');
  if (caps && Array.isArray(caps.ledger) && Array.isArray(caps.ox)) {
    const present = caps.ox;
    await scope.ox.changeUserCapabilities(
      ctxId,
      admin,
      userId,
      caps.ledger.filter((c) => !present.includes(c)),
      [],
    );
  }
  report.repaired.push(...fields, ...rights);
}

/**
 * The tier's rights against OX's: the flags (when the tier's flags are known without asking OX),
 * mobility (USM and ActiveSync as the ledger has them) and the tier's capabilities.
 */
async function rightsDrift(
  ox: OxClient,
  at: OxTarget,
  mailbox: ResourceRecord,
  profile: ProfileProps,
  base: Omit<Drift, 'kind' | 'field' | 'ledger' | 'ox'>,
): Promise<Drift[]> {
  const { id: ctxId, admin } = at;
  const userId = oxUserOf(mailbox);
  const out: Drift[] = [];
  const actual = await ox.getUserAccess(ctxId, admin, userId);
  const mobility = mailboxProps(mailbox).mobilityEnabled === true;
  if (grantsMobility(actual) !== mobility)
    out.push({ ...base, kind: 'attribute', field: 'mobility', ledger: mobility, ox: grantsMobility(actual) });
  const flags = tierDrift(profile, actual);
  if (flags && Object.keys(flags.tier).length)
    out.push({ ...base, kind: 'attribute', field: 'moduleAccess', ledger: flags.tier, ox: flags.ox });
  const tierCaps = [...(profile.capabilities ?? [])].sort();
  if (tierCaps.length) {
    const has = new Set(await ox.getUserCapabilities(ctxId, admin, userId));
    const present = tierCaps.filter((c) => has.has(c));
    if (present.length !== tierCaps.length)
      out.push({ ...base, kind: 'attribute', field: 'capabilities', ledger: tierCaps, ox: present });
  }
  return out;
}
