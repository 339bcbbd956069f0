// Reconcile: read OX and the ledger and say where they disagree (drift), and with `repair` make OX
// match the ledger. It deletes nothing in OX unless told to delete the contexts under our naming
// that no instance holds (deleteOrphans). A resource gone from OX is marked failed in
// the ledger, so that the controller's next provision of it creates it again.
import { OxFault } from '../ox/faults.js';
import type { OxClient } from '../ox/ox-client.js';
import type { InstanceRecord, ResourceRecord } from '../store/ledger.js';
import { contextAdmin, quotaFrom } from './context-service.js';
import type { ServiceDeps } from './deps.js';
import { oxClientFor } from './instance-env.js';
import { settingsOf, type AppSettings } from './instance-settings.js';
import { contextProps, mailboxProps } from './stored.js';

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
  /** With repair: delete unknown-in-ox contexts in OX too (never without this). */
  deleteOrphans?: boolean;
  /** Called after each context: progress on a terminal, or a pause that spreads the work out. */
  progress?: (done: number, total: number) => void | Promise<void>;
}

/** Our contexts are named aps-<subscription>: one in OX under that name the ledger does not know is unknown-in-ox. */
const OUR_CONTEXT_NAMES = 'aps-*';
const GONE: ReadonlySet<string> = new Set(['no-such-context', 'no-such-user']);

function gone(err: unknown): boolean {
  return err instanceof OxFault && GONE.has(err.kind);
}

const COUNTED: ReadonlySet<string> = new Set(['ready', 'disabled']);

export async function reconcile(deps: Pick<ServiceDeps, 'ledger' | 'ox' | 'log'>, opts: ReconcileOptions = {}): Promise<ReconcileReport> {
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
    const ox = await oxClientFor(deps, settings, instance.secrets.masterPassword, instance.id);
    await reconcileInstance(deps, { instance, settings, ox, known, unknownSeen }, contexts, opts, report);
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
}

/** One OX context, wherever it is: its OX server and id. */
function oxKey(settings: AppSettings, id: number | null | undefined): string {
  return `${settings.oxSoapUrl} ${id}`;
}

async function reconcileInstance(
  deps: Pick<ServiceDeps, 'ledger'>, scope: Scope, all: ResourceRecord[], opts: ReconcileOptions, report: ReconcileReport,
): Promise<void> {
  const contexts = all.filter((c) => COUNTED.has(c.state) && (!opts.contextId || c.id === opts.contextId));
  for (const [i, ctx] of contexts.entries()) {
    await reconcileContext(deps, scope, ctx, opts, report);
    await opts.progress?.(i + 1, contexts.length);
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

async function reconcileContext(deps: Pick<ServiceDeps, 'ledger'>, scope: Scope, ctx: ResourceRecord, opts: ReconcileOptions, report: ReconcileReport): Promise<void> {
  if (ctx.oxContextId == null) return;
  const base = { instance: scope.instance.id, resource: ctx.id, oxContextId: ctx.oxContextId, oxUserId: null };
  let oxCtx;
  try {
    oxCtx = await scope.ox.getContext(ctx.oxContextId);
  } catch (err) {
    if (!gone(err)) throw err;
    await missing(deps, report, opts, ctx, { ...base, kind: 'missing-in-ox', field: null, ledger: ctx.state, ox: null });
    return;
  }
  const props = contextProps(ctx);
  const expected = { maxQuota: quotaFrom(props, scope.settings), enabled: ctx.state !== 'disabled' };
  const fields: Drift[] = [];
  if (oxCtx.maxQuota !== undefined && oxCtx.maxQuota !== expected.maxQuota) {
    fields.push({ ...base, kind: 'attribute', field: 'maxQuota', ledger: expected.maxQuota, ox: oxCtx.maxQuota });
  }
  if (oxCtx.enabled !== undefined && oxCtx.enabled !== expected.enabled) fields.push({ ...base, kind: 'attribute', field: 'enabled', ledger: expected.enabled, ox: oxCtx.enabled });
  report.drift.push(...fields);
  if (opts.repair && fields.length) {
    const id = ctx.oxContextId;
    if (fields.some((f) => f.field === 'maxQuota')) await scope.ox.changeContext({ id, maxQuota: expected.maxQuota });
    if (fields.some((f) => f.field === 'enabled')) await (expected.enabled ? scope.ox.enableContext(id) : scope.ox.disableContext(id));
    report.repaired.push(...fields);
  }
  // OX answers nothing about the users of a disabled context: they are checked once it is enabled.
  const enabledNow = opts.repair ? expected.enabled : oxCtx.enabled !== false;
  if (!enabledNow) return;
  const mailboxes = await deps.ledger.listResources({ instanceId: scope.instance.id, kind: 'mailboxes', parentId: ctx.id });
  for (const mailbox of mailboxes.filter((m) => COUNTED.has(m.state))) await reconcileMailbox(deps, scope, ctx, mailbox, opts, report);
}

async function reconcileMailbox(
  deps: Pick<ServiceDeps, 'ledger'>, scope: Scope, ctx: ResourceRecord, mailbox: ResourceRecord, opts: ReconcileOptions, report: ReconcileReport,
): Promise<void> {
  if (mailbox.oxUserId == null || ctx.oxContextId == null) return;
  const base = { instance: scope.instance.id, resource: mailbox.id, oxContextId: ctx.oxContextId, oxUserId: mailbox.oxUserId };
  const admin = contextAdmin(ctx);
  let user;
  try {
    user = await scope.ox.getUser(ctx.oxContextId, admin, { id: mailbox.oxUserId });
  } catch (err) {
    if (!gone(err)) throw err;
    await missing(deps, report, opts, mailbox, { ...base, kind: 'missing-in-ox', field: null, ledger: mailbox.state, ox: null });
    return;
  }
  const p = mailboxProps(mailbox);
  // OX keeps the primary address among the aliases: compare the sets with it on both sides.
  const addresses = (primary: string | undefined, aliases: unknown): string[] =>
    [...new Set([primary, ...(Array.isArray(aliases) ? aliases : [])].filter((a) => typeof a === 'string').map((a) => a.toLowerCase()))].sort();
  const pairs: Array<[string, unknown, unknown]> = [
    ['display_name', p.displayName, user.display_name],
    ['primaryEmail', p.email, user.primaryEmail],
    ['aliases', addresses(p.email, p.aliases), user.aliases === undefined ? undefined : addresses(user.primaryEmail, user.aliases)],
  ];
  const differ = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
  const fields = pairs.filter(([, mine, theirs]) => mine !== undefined && theirs !== undefined && differ(mine, theirs))
    .map(([field, mine, theirs]): Drift => ({ ...base, kind: 'attribute', field, ledger: mine, ox: theirs }));
  report.drift.push(...fields);
  if (opts.repair && fields.length) {
    const change = Object.fromEntries(fields.map((f) => [f.field, f.ledger]));
    await scope.ox.changeUser(ctx.oxContextId, admin, { id: mailbox.oxUserId, ...change });
    report.repaired.push(...fields);
  }
}

/** Gone from OX: with repair, marked failed so that the controller's next provision creates it again. */
async function missing(deps: Pick<ServiceDeps, 'ledger'>, report: ReconcileReport, opts: ReconcileOptions, rec: ResourceRecord, drift: Drift): Promise<void> {
  report.drift.push(drift);
  if (!opts.repair) return;
  const lastError = `Gone from OX (found by ox-aps reconcile on ${new Date().toISOString()}); provisioning it again creates it`;
  await deps.ledger.updateResource(rec.instanceId, rec.id, { state: 'failed', lastError });
  report.repaired.push(drift);
}
