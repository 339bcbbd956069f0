// Reconcile: read OX and the ledger and say where they disagree (drift), and with `repair` make OX
// match the ledger. It deletes nothing in OX unless told to delete what is ours by name and held by
// no one (deleteOrphans): aps-* contexts no instance holds, and users of our own contexts no
// mailbox holds. A resource gone from OX is marked failed in the ledger, so that the controller's
// next provision of it creates it again.
import { OxFault, isGone } from '../ox/faults.js';
import type { Credentials, OxClient, OxUser } from '../ox/ox-client.js';
import type { InstanceRecord, ResourceRecord } from '../store/ledger.js';
import { mapLimited } from '../util/limited.js';
import { applyAccess, grantsMobility, tierDrift, type ProfileProps } from '../resources/shared/access.js';
import { quotaFrom } from '../resources/contexts/common.js';
import type { ServiceDeps } from '../resources/shared/deps.js';
import { oxClientOf } from '../resources/shared/instance-env.js';
import { settingsOf, type AppSettings } from '../resources/shared/instance-settings.js';
import { contextAdmin, contextProps, mailboxProps, tierOf } from '../resources/shared/stored.js';
import { oxUserOf } from '../resources/shared/records.js';

export type DriftKind = 'missing-in-ox' | 'unknown-in-ox' | 'attribute';

export interface Drift {
  kind: DriftKind;
  instance: string;
  resource: string | null;
  oxContextId: number | null;
  oxUserId: number | null;
  field: string | null;
  ledger: unknown;
  ox: unknown;
}

export interface ReconcileReport {
  drift: Drift[];
  repaired: Drift[];
}

export interface ReconcileOptions {
  instanceId?: string;
  /** One context (its APS id) with its mailboxes. */
  contextId?: string;
  repair?: boolean;
  /** With repair: delete unknown-in-ox contexts and users in OX too (never without this). */
  deleteOrphans?: boolean;
  /** Contexts checked at once (the CLI passes JOB_CONCURRENCY); 1 by default. */
  concurrency?: number;
  /** Called after each context: progress on a terminal, or a pause that spreads the work out. */
  progress?: (done: number, total: number) => void | Promise<void>;
}

type Deps = Pick<ServiceDeps, 'ledger' | 'ox' | 'log'>;

/** Our contexts are named aps-<subscription>: one in OX under that name the ledger does not know is unknown-in-ox. */
const OUR_CONTEXT_NAMES = 'aps-*';
const COUNTED: ReadonlySet<string> = new Set(['ready', 'disabled']);

export async function reconcile(deps: Deps, opts: ReconcileOptions = {}): Promise<ReconcileReport> {
  const report: ReconcileReport = { drift: [], repaired: [] };
  // Every instance's contexts, read once: another instance on the same OX holds its own, so only
  // contexts no instance holds on that OX are unknown.
  const everyInstance = await Promise.all((await deps.ledger.listInstances()).map(async (instance) => ({
    instance, settings: settingsOf(instance), contexts: await deps.ledger.listResources({ instanceId: instance.id, kind: 'contexts' }),
  })));
  const known = new Set(everyInstance.flatMap(({ settings, contexts }) => contexts.map((c) => oxKey(settings, c.oxContextId))));
  const unknownSeen = new Set<string>();
  for (const { instance, settings, contexts } of everyInstance.filter((e) => !opts.instanceId || e.instance.id === opts.instanceId)) {
    if (!settings.oxSoapUrl) continue;
    const ox = await oxClientOf(deps, instance);
    const profiles = new Map((await deps.ledger.listResources({ instanceId: instance.id, kind: 'profiles' })).map((p) => [p.id, tierOf(p)]));
    await reconcileInstance(deps, { instance, settings, ox, known, unknownSeen, profiles }, contexts, opts, report);
  }
  return report;
}

interface Scope {
  instance: InstanceRecord;
  settings: AppSettings;
  ox: OxClient;
  /** OX contexts (oxKey) some instance's ledger holds. */
  known: ReadonlySet<string>;
  /** Unknown contexts reported already (two instances on one OX see the same ones). */
  unknownSeen: Set<string>;
  /** The instance's tiers by APS id. */
  profiles: ReadonlyMap<string, ProfileProps>;
}

/** One OX context, wherever it is: its OX server and id. */
function oxKey(settings: AppSettings, id: number | null | undefined): string {
  return `${settings.oxSoapUrl} ${id}`;
}

async function reconcileInstance(deps: Deps, scope: Scope, all: ResourceRecord[], opts: ReconcileOptions, report: ReconcileReport): Promise<void> {
  const contexts = all.filter((c) => COUNTED.has(c.state) && (!opts.contextId || c.id === opts.contextId));
  let done = 0;
  const reports = await mapLimited(contexts, opts.concurrency ?? 1, async (ctx) => {
    const own: ReconcileReport = { drift: [], repaired: [] };
    await reconcileContext(deps, scope, ctx, opts, own);
    await opts.progress?.(++done, contexts.length);
    return own;
  });
  for (const own of reports) {
    report.drift.push(...own.drift);
    report.repaired.push(...own.repaired);
  }
  if (opts.contextId) return;
  for (const oxCtx of await scope.ox.listContexts(OUR_CONTEXT_NAMES)) {
    const key = oxKey(scope.settings, oxCtx.id);
    if (scope.known.has(key) || scope.unknownSeen.has(key)) continue;
    scope.unknownSeen.add(key);
    const drift: Drift = { kind: 'unknown-in-ox', instance: scope.instance.id, resource: null, oxContextId: oxCtx.id, oxUserId: null, field: null, ledger: null, ox: oxCtx.name ?? null };
    report.drift.push(drift);
    if (opts.repair && opts.deleteOrphans) {
      await scope.ox.deleteContext(oxCtx.id);
      report.repaired.push(drift);
    }
  }
}

async function reconcileContext(deps: Deps, scope: Scope, ctx: ResourceRecord, opts: ReconcileOptions, report: ReconcileReport): Promise<void> {
  if (ctx.oxContextId == null) return;
  const id = ctx.oxContextId;
  const base = { instance: scope.instance.id, resource: ctx.id, oxContextId: id, oxUserId: null };
  let oxCtx;
  try {
    oxCtx = await scope.ox.getContext(id);
  } catch (err) {
    if (!isGone(err)) throw err;
    await missing(deps, report, opts, ctx, { ...base, kind: 'missing-in-ox', field: null, ledger: ctx.state, ox: null });
    return;
  }
  const expected = { maxQuota: quotaFrom(contextProps(ctx), scope.settings), enabled: ctx.state !== 'disabled' };
  const fields: Drift[] = [];
  if (oxCtx.maxQuota !== undefined && oxCtx.maxQuota !== expected.maxQuota) {
    fields.push({ ...base, kind: 'attribute', field: 'maxQuota', ledger: expected.maxQuota, ox: oxCtx.maxQuota });
  }
  if (oxCtx.enabled !== undefined && oxCtx.enabled !== expected.enabled) fields.push({ ...base, kind: 'attribute', field: 'enabled', ledger: expected.enabled, ox: oxCtx.enabled });
  report.drift.push(...fields);
  if (opts.repair && fields.length) {
    if (fields.some((f) => f.field === 'maxQuota')) await scope.ox.changeContext({ id, maxQuota: expected.maxQuota });
    if (fields.some((f) => f.field === 'enabled')) await (expected.enabled ? scope.ox.enableContext(id) : scope.ox.disableContext(id));
    report.repaired.push(...fields);
  }
  // OX answers nothing about the users of a disabled context: they are checked once it is enabled.
  const enabledNow = opts.repair ? expected.enabled : oxCtx.enabled !== false;
  if (!enabledNow) return;
  await reconcileUsers(deps, scope, ctx, { id, admin: contextAdmin(ctx) }, opts, report);
}

/** The OX context a context record names, and its administrator as the ledger keeps it. */
interface OxTarget {
  id: number;
  admin: Credentials;
}

/** The context's users in OX against its mailboxes in the ledger: two calls for all users, then rights per mailbox. */
async function reconcileUsers(deps: Deps, scope: Scope, ctx: ResourceRecord, at: OxTarget, opts: ReconcileOptions, report: ReconcileReport): Promise<void> {
  const { id, admin } = at;
  const listed = await usersOf(scope, ctx, at, opts, report);
  if (!listed) return;
  const users = new Map(listed.map((u) => [u.id, u]));
  const mailboxes = await deps.ledger.listResources({ instanceId: scope.instance.id, kind: 'mailboxes', parentId: ctx.id });
  for (const mailbox of mailboxes.filter((m) => COUNTED.has(m.state) && m.oxUserId != null)) {
    const user = users.get(mailbox.oxUserId ?? undefined);
    const base = { instance: scope.instance.id, resource: mailbox.id, oxContextId: id, oxUserId: mailbox.oxUserId ?? null };
    if (!user) await missing(deps, report, opts, mailbox, { ...base, kind: 'missing-in-ox', field: null, ledger: mailbox.state, ox: null });
    else await reconcileMailbox(scope, at, mailbox, user, opts, report);
  }
  // Users no mailbox holds (in any state), but the context's administrator.
  const held = new Set(mailboxes.map((m) => m.oxUserId));
  for (const user of users.values()) {
    if (user.id === undefined || held.has(user.id) || user.contextadmin === true || user.name === admin.login) continue;
    const drift: Drift = { kind: 'unknown-in-ox', instance: scope.instance.id, resource: null, oxContextId: id, oxUserId: user.id, field: null, ledger: null, ox: user.name ?? null };
    report.drift.push(drift);
    // A context taken over may hold users the provider has not imported yet: those are never deleted.
    if (opts.repair && opts.deleteOrphans && !contextProps(ctx).adopt) {
      await scope.ox.deleteUser(id, admin, user.id);
      report.repaired.push(drift);
    }
  }
}

/**
 * The context's users, and whether its administrator still logs in with what the ledger keeps
 * (single sign-on and every user call depend on it). Under master override that is asked
 * separately and repaired by giving the administrator the ledger's password again; otherwise a
 * refusal is reported (it cannot be repaired without the password) and the users are not read.
 */
async function usersOf(scope: Scope, ctx: ResourceRecord, at: OxTarget, opts: ReconcileOptions, report: ReconcileReport): Promise<OxUser[] | undefined> {
  const { id, admin } = at;
  const drift: Drift = { kind: 'attribute', instance: scope.instance.id, resource: ctx.id, oxContextId: id, oxUserId: null, field: 'admin', ledger: admin.login, ox: 'refused' };
  if (!scope.settings.masterAccountOverride) {
    try {
      return await scope.ox.listUsers(id, admin);
    } catch (err) {
      if (!(err instanceof OxFault && err.kind === 'authentication')) throw err;
      report.drift.push(drift);
      return undefined;
    }
  }
  const users = await scope.ox.listUsers(id, admin);
  if (await scope.ox.adminCanLogIn(id, admin)) return users;
  report.drift.push(drift);
  const account = users.find((u) => u.name === admin.login);
  if (opts.repair && account?.id !== undefined) {
    await scope.ox.changeUser(id, admin, { id: account.id, password: admin.password });
    report.repaired.push(drift);
  }
  return users;
}

/** OX keeps the primary address among the aliases: the sets are compared with it on both sides. */
function addresses(primary: string | undefined, aliases: unknown): string[] {
  return [...new Set([primary, ...(Array.isArray(aliases) ? aliases : [])].filter((a) => typeof a === 'string').map((a) => a.toLowerCase()))].sort();
}

const differ = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);

async function reconcileMailbox(
  scope: Scope, at: OxTarget, mailbox: ResourceRecord, user: OxUser, opts: ReconcileOptions, report: ReconcileReport,
): Promise<void> {
  const { id: ctxId, admin } = at;
  const userId = oxUserOf(mailbox);
  const base = { instance: scope.instance.id, resource: mailbox.id, oxContextId: ctxId, oxUserId: userId };
  const p = mailboxProps(mailbox);
  const suspended = mailbox.state === 'disabled';
  const pairs: Array<[string, unknown, unknown]> = [
    ['display_name', p.displayName, user.display_name],
    ['primaryEmail', p.email, user.primaryEmail],
    ['aliases', addresses(p.email, p.aliases), user.aliases === undefined ? undefined : addresses(user.primaryEmail, user.aliases)],
    // A suspended mailbox has mail off (its rights are checked once it is resumed).
    ['mailenabled', suspended ? false : undefined, user.mailenabled],
  ];
  const fields = pairs.filter(([, mine, theirs]) => mine !== undefined && theirs !== undefined && differ(mine, theirs))
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
    await scope.ox.changeUserCapabilities(ctxId, admin, userId, caps.ledger.filter((c) => !present.includes(c)), []);
  }
  report.repaired.push(...fields, ...rights);
}

/**
 * The tier's rights against OX's: the flags (when the tier's flags are known without asking OX),
 * mobility (USM and ActiveSync as the ledger has them) and the tier's capabilities.
 */
async function rightsDrift(
  ox: OxClient, at: OxTarget, mailbox: ResourceRecord, profile: ProfileProps, base: Omit<Drift, 'kind' | 'field' | 'ledger' | 'ox'>,
): Promise<Drift[]> {
  const { id: ctxId, admin } = at;
  const userId = oxUserOf(mailbox);
  const out: Drift[] = [];
  const actual = await ox.getUserAccess(ctxId, admin, userId);
  const mobility = mailboxProps(mailbox).mobilityEnabled === true;
  if (grantsMobility(actual) !== mobility) out.push({ ...base, kind: 'attribute', field: 'mobility', ledger: mobility, ox: grantsMobility(actual) });
  const flags = tierDrift(profile, actual);
  if (flags && Object.keys(flags.tier).length) out.push({ ...base, kind: 'attribute', field: 'moduleAccess', ledger: flags.tier, ox: flags.ox });
  const tierCaps = [...(profile.capabilities ?? [])].sort();
  if (tierCaps.length) {
    const has = new Set(await ox.getUserCapabilities(ctxId, admin, userId));
    const present = tierCaps.filter((c) => has.has(c));
    if (present.length !== tierCaps.length) out.push({ ...base, kind: 'attribute', field: 'capabilities', ledger: tierCaps, ox: present });
  }
  return out;
}

/** Gone from OX: with repair, marked failed so that the controller's next provision creates it again. */
async function missing(deps: Pick<ServiceDeps, 'ledger'>, report: ReconcileReport, opts: ReconcileOptions, rec: ResourceRecord, drift: Drift): Promise<void> {
  report.drift.push(drift);
  if (!opts.repair) return;
  const lastError = `Gone from OX (found by ox-aps reconcile on ${new Date().toISOString()}); provisioning it again creates it`;
  await deps.ledger.updateResource(rec.instanceId, rec.id, { state: 'failed', lastError });
  report.repaired.push(drift);
}
