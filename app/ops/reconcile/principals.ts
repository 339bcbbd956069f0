// Reconcile inside one context, for its groups, bookable resources and shared mailboxes: each in
// OX with the ledger's names, addresses and members (missing-in-ox, attribute drift), and those OX
// has that no resource holds (unknown-in-ox, reported only: they may be the customer's own).
import type { OxAccount, OxGroup, OxResource } from '../../ox/principals.js';
import type { ResourceRecord } from '../../store/ledger.js';
import { bookableProps, groupProps, sharedMailboxProps } from '../../resources/shared/stored.js';
import { memberUserIds } from '../../resources/shared/context-children.js';
import { holdersOf } from '../../resources/shared-mailboxes/holders.js';
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

type Field = { field: string | null; ledger: unknown; ox: unknown };

const sameSet = (a: number[], b: number[]) => a.length === b.length && a.every((x) => b.includes(x));

/** One check's context: where drift is reported and how it is repaired. */
interface Pass {
  deps: Deps;
  scope: Scope;
  at: OxTarget;
  opts: ReconcileOptions;
  report: ReconcileReport;
}

function drift(p: Pass, rec: ResourceRecord | null, oxId: number | null, kind: Drift['kind'], f: Field): Drift {
  return { kind, instance: p.scope.instance.id, resource: rec?.id ?? null, oxContextId: p.at.id, oxUserId: oxId, ...f };
}

/** Gone from OX: reported, and with repair marked for the controller's next provision to make again. */
function gone(p: Pass, rec: ResourceRecord): Promise<void> {
  const found = drift(p, rec, rec.oxUserId ?? null, 'missing-in-ox', { field: null, ledger: rec.state, ox: null });
  return missing(p.deps, p.report, p.opts, rec, found);
}

/** Reports field drift of one record; with repair runs `fix` once and reports it repaired. */
async function fields(p: Pass, rec: ResourceRecord, oxId: number | null, found: Field[], fix: () => Promise<unknown>) {
  const drifts = found.map((f) => drift(p, rec, oxId, 'attribute', f));
  p.report.drift.push(...drifts);
  if (!p.opts.repair || !drifts.length) return;
  await fix();
  p.report.repaired.push(...drifts);
}

async function checkGroups(p: Pass, records: ResourceRecord[], inOx: OxGroup[]): Promise<void> {
  const { id, admin } = p.at;
  for (const rec of records) {
    const group = inOx.find((g) => g.id === rec.oxUserId);
    const { name, displayName } = groupProps(rec);
    const groupId = group?.id;
    if (groupId === undefined) {
      await gone(p, rec);
      continue;
    }
    const members = await memberUserIds(p.deps, rec);
    const found: Field[] = [];
    const inGroup = group?.members ?? [];
    if (group?.displayname !== displayName)
      found.push({ field: 'displayName', ledger: displayName, ox: group?.displayname });
    if (!sameSet(members, inGroup)) found.push({ field: 'members', ledger: members, ox: inGroup });
    await fields(p, rec, groupId, found, () =>
      p.scope.ox.principals.changeGroup(id, admin, { id: groupId, name, displayname: displayName, members }),
    );
  }
  const held = new Set(records.map((r) => r.oxUserId));
  for (const group of inOx.filter((g) => !held.has(g.id ?? -1) && g.name !== 'users'))
    p.report.drift.push(
      drift(p, null, group.id ?? null, 'unknown-in-ox', { field: 'group', ledger: null, ox: group.name }),
    );
}

async function checkResources(p: Pass, records: ResourceRecord[], inOx: OxResource[]): Promise<void> {
  const { id, admin } = p.at;
  for (const rec of records) {
    const resource = inOx.find((r) => r.id === rec.oxUserId);
    const want = bookableProps(rec);
    const resourceId = resource?.id;
    if (!resource || resourceId === undefined) {
      await gone(p, rec);
      continue;
    }
    const expected: OxResource = {
      displayname: want.displayName,
      email: want.email,
      description: want.description ?? '',
      available: want.available !== false,
    };
    const found = (['displayname', 'email', 'description', 'available'] as const)
      .filter((k) => resource[k] !== expected[k])
      .map((k) => ({ field: k, ledger: expected[k], ox: resource[k] }));
    await fields(p, rec, resourceId, found, () =>
      p.scope.ox.principals.changeResource(id, admin, { ...expected, id: resourceId, name: want.name }),
    );
  }
  const held = new Set(records.map((r) => r.oxUserId));
  for (const r of inOx.filter((x) => !held.has(x.id ?? -1)))
    p.report.drift.push(drift(p, null, r.id ?? null, 'unknown-in-ox', { field: 'resource', ledger: null, ox: r.name }));
}

async function checkShared(p: Pass, records: ResourceRecord[], accounts: OxAccount[]): Promise<void> {
  const { id, admin } = p.at;
  const ox = p.scope.ox.principals;
  for (const rec of records) {
    const { address, displayName } = sharedMailboxProps(rec);
    const wanted = await holdersOf(p.deps, rec);
    const current = accounts.filter((a) => a.primaryAddress === address).map((a) => a.userId);
    const add = wanted.filter((u) => !current.includes(u));
    const remove = current.filter((u) => !wanted.includes(u));
    const found = add.length || remove.length ? [{ field: 'members', ledger: wanted, ox: current }] : [];
    await fields(p, rec, null, found, async () => {
      const data = { primaryAddress: address, name: displayName, personal: displayName, login: address };
      if (add.length) await ox.createAccount(id, admin, data, { users: add, groups: [] });
      if (remove.length) await ox.deleteAccount(id, admin, address, { users: remove, groups: [] });
    });
  }
  const held = new Set(records.map((r) => sharedMailboxProps(r).address));
  for (const address of new Set(accounts.map((a) => a.primaryAddress).filter((a) => !held.has(a))))
    p.report.drift.push(drift(p, null, null, 'unknown-in-ox', { field: 'shared-mailbox', ledger: null, ox: address }));
}

export async function reconcilePrincipals(
  deps: Deps,
  scope: Scope,
  ctx: ResourceRecord,
  at: OxTarget,
  opts: ReconcileOptions,
  report: ReconcileReport,
): Promise<void> {
  const children = await deps.ledger.listResources({ instanceId: scope.instance.id, parentId: ctx.id });
  const of = (kind: string) => children.filter((r) => r.kind === kind && COUNTED.has(r.state));
  const p: Pass = { deps, scope, at, opts, report };
  const ox = scope.ox.principals;
  // OX is asked only about the kinds the context has in the ledger: a reconcile of contexts with
  // mailboxes only makes no more SOAP calls than before (and an OX without functional accounts is
  // never asked about them).
  const [groups, resources, shared] = [of('groups'), of('resources'), of('shared-mailboxes')];
  if (groups.length) await checkGroups(p, groups, await ox.listGroups(at.id, at.admin));
  if (resources.length) await checkResources(p, resources, await ox.listResources(at.id, at.admin));
  if (shared.length) await checkShared(p, shared, await ox.listAccounts(at.id, at.admin));
}
