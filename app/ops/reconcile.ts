// Reconcile: read OX and the ledger and say where they disagree (drift), and with `repair` make OX
// match the ledger. It deletes nothing in OX unless told to delete what is ours by name and held by
// no one (deleteOrphans): aps-* contexts no instance holds, and users of our own contexts no
// mailbox holds. A resource gone from OX is marked failed in the ledger, so that the controller's
// next provision of it creates it again.
import { isGone } from '../ox/faults.js';
import type { ResourceRecord } from '../store/ledger.js';
import { mapLimited } from '../util/limited.js';
import { quotaFrom } from '../resources/contexts/common.js';
import { oxClientOf } from '../resources/shared/instance-env.js';
import { settingsOf, type AppSettings } from '../resources/shared/instance-settings.js';
import { contextAdmin, contextProps, tierOf } from '../resources/shared/stored.js';
import {
  COUNTED,
  missing,
  type Deps,
  type Drift,
  type ReconcileOptions,
  type ReconcileReport,
  type Scope,
} from './reconcile/common.js';
import { reconcileUsers } from './reconcile/users.js';
import { reconcilePrincipals } from './reconcile/principals.js';

export type { Drift, DriftKind, ReconcileOptions, ReconcileReport } from './reconcile/common.js';

const OUR_CONTEXT_NAMES = 'aps-*';

export async function reconcile(deps: Deps, opts: ReconcileOptions = {}): Promise<ReconcileReport> {
  const report: ReconcileReport = { drift: [], repaired: [] };
  // Every instance's contexts, read once: another instance on the same OX holds its own, so only
  // contexts no instance holds on that OX are unknown.
  const everyInstance = await Promise.all(
    (await deps.ledger.listInstances()).map(async (instance) => ({
      instance,
      settings: settingsOf(instance),
      contexts: await deps.ledger.listResources({ instanceId: instance.id, kind: 'contexts' }),
    })),
  );
  const known = new Set(
    everyInstance.flatMap(({ settings, contexts }) => contexts.map((c) => oxKey(settings, c.oxContextId))),
  );
  const unknownSeen = new Set<string>();
  for (const { instance, settings, contexts } of everyInstance.filter(
    (e) => !opts.instanceId || e.instance.id === opts.instanceId,
  )) {
    if (!settings.oxSoapUrl) continue;
    const ox = await oxClientOf(deps, instance);
    const profiles = new Map(
      (await deps.ledger.listResources({ instanceId: instance.id, kind: 'profiles' })).map((p) => [p.id, tierOf(p)]),
    );
    await reconcileInstance(deps, { instance, settings, ox, known, unknownSeen, profiles }, contexts, opts, report);
  }
  return report;
}

/** One OX context, wherever it is: its OX server and id. */
function oxKey(settings: AppSettings, id: number | null | undefined): string {
  return `${settings.oxSoapUrl} ${id}`;
}

async function reconcileInstance(
  deps: Deps,
  scope: Scope,
  all: ResourceRecord[],
  opts: ReconcileOptions,
  report: ReconcileReport,
): Promise<void> {
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
    const drift: Drift = {
      kind: 'unknown-in-ox',
      instance: scope.instance.id,
      resource: null,
      oxContextId: oxCtx.id,
      oxUserId: null,
      field: null,
      ledger: null,
      ox: oxCtx.name ?? null,
    };
    report.drift.push(drift);
    if (opts.repair && opts.deleteOrphans) {
      await scope.ox.deleteContext(oxCtx.id);
      report.repaired.push(drift);
    }
  }
}

async function reconcileContext(
  deps: Deps,
  scope: Scope,
  ctx: ResourceRecord,
  opts: ReconcileOptions,
  report: ReconcileReport,
): Promise<void> {
  if (ctx.oxContextId == null) return;
  const id = ctx.oxContextId;
  const base = { instance: scope.instance.id, resource: ctx.id, oxContextId: id, oxUserId: null };
  let oxCtx;
  try {
    oxCtx = await scope.ox.getContext(id);
  } catch (err) {
    if (!isGone(err)) throw err;
    await missing(deps, report, opts, ctx, {
      ...base,
      kind: 'missing-in-ox',
      field: null,
      ledger: ctx.state,
      ox: null,
    });
    return;
  }
  const expected = { maxQuota: quotaFrom(contextProps(ctx), scope.settings), enabled: ctx.state !== 'disabled' };
  const fields: Drift[] = [];
  if (oxCtx.maxQuota !== undefined && oxCtx.maxQuota !== expected.maxQuota) {
    fields.push({ ...base, kind: 'attribute', field: 'maxQuota', ledger: expected.maxQuota, ox: oxCtx.maxQuota });
  }
  if (oxCtx.enabled !== undefined && oxCtx.enabled !== expected.enabled)
    fields.push({ ...base, kind: 'attribute', field: 'enabled', ledger: expected.enabled, ox: oxCtx.enabled });
  report.drift.push(...fields);
  if (opts.repair && fields.length) {
    if (fields.some((f) => f.field === 'maxQuota')) await scope.ox.changeContext({ id, maxQuota: expected.maxQuota });
    if (fields.some((f) => f.field === 'enabled'))
      await (expected.enabled ? scope.ox.enableContext(id) : scope.ox.disableContext(id));
    report.repaired.push(...fields);
  }
  // OX answers nothing about the users of a disabled context: they are checked once it is enabled.
  const enabledNow = opts.repair ? expected.enabled : oxCtx.enabled !== false;
  if (!enabledNow) return;
  const at = { id, admin: contextAdmin(ctx) };
  // A context whose administrator OX refuses is reported once, and read no further.
  if (await reconcileUsers(deps, scope, ctx, at, opts, report))
    await reconcilePrincipals(deps, scope, ctx, at, opts, report);
}
