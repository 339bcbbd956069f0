// The simulator's OXGroupService, OXResourceService and OXSecondaryAccountService operations
// (shared/spec/ox-soap.md §15), each authenticated as the context admin.
import { OxError, type OxModel, type SimContext } from './ox-model.js';
import * as P from './principals.js';

type Obj = Record<string, unknown>;
type Handler = (m: OxModel, a: Obj) => unknown;

const asObj = (v: unknown) => (v ?? {}) as Obj;
const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]) as Obj[];

function admin(m: OxModel, a: Obj, ctxKey = 'ctx'): SimContext {
  const ctx = m.checkContextAdmin(asObj(a[ctxKey]), asObj(a.auth));
  if (!ctx.enabled) throw new OxError('NoSuchContextException', `Context ${ctx.id} is disabled`);
  return ctx;
}

function matcher(pattern: unknown): RegExp {
  if (pattern === undefined) throw new OxError('InvalidDataException', 'Invalid pattern!');
  const p = String(pattern)
    .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*');
  return new RegExp(`^${p}$`, 'i');
}

export const groupOps: Record<string, Handler> = {
  create: (m, a) => P.groupView(P.createGroup(admin(m, a), asObj(a.grp))),
  change: (m, a) => void P.changeGroup(admin(m, a), asObj(a.grp)),
  delete: (m, a) => void P.deleteGroup(admin(m, a), asObj(a.grp)),
  deleteMultiple(m, a) {
    const ctx = admin(m, a);
    const groups = list(a.grps).map((g) => P.findGroup(ctx, g));
    for (const g of groups) P.deleteGroup(ctx, { id: g.id });
  },
  getData: (m, a) => P.groupView(P.findGroup(admin(m, a), asObj(a.grp))),
  getMultipleData(m, a) {
    const ctx = admin(m, a);
    return list(a.grps).map((g) => P.groupView(P.findGroup(ctx, g)));
  },
  getDefaultGroup: (m, a) => ({ id: Math.min(...P.principals(admin(m, a)).groups.keys()) }),
  getMembers: (m, a) => [...P.findGroup(admin(m, a), asObj(a.grp)).members].map((id) => ({ id })),
  addMember: (m, a) => void P.addMembers(admin(m, a), asObj(a.grp), a.members),
  removeMember(m, a) {
    if (a.members === undefined) return; // OX answers at once, before authenticating
    P.removeMembers(admin(m, a), asObj(a.grp), a.members);
  },
  list(m, a) {
    const ctx = admin(m, a);
    const re = matcher(a.pattern);
    return [...P.principals(ctx).groups.values()]
      .filter((g) => re.test(g.name) || re.test(g.displayname))
      .map(P.groupView);
  },
  listAll: (m, a) => [...P.principals(admin(m, a)).groups.values()].map(P.groupView),
  listGroupsForUser(m, a) {
    const ctx = admin(m, a);
    const user = m.findUser(ctx, asObj(a.usr));
    return [...P.principals(ctx).groups.values()].filter((g) => g.members.has(user.id)).map(P.groupView);
  },
};

export const resourceOps: Record<string, Handler> = {
  create: (m, a) => P.resourceView(P.createResource(admin(m, a), asObj(a.res))),
  change: (m, a) => void P.changeResource(admin(m, a), asObj(a.res)),
  delete: (m, a) => void P.deleteResource(admin(m, a), asObj(a.res)),
  getData: (m, a) =>
    P.resourceView(P.findResource(admin(m, a), asObj(a.res), 'resource with with this id does not exist')),
  getMultipleData(m, a) {
    const ctx = admin(m, a);
    return list(a.resources).map((r) =>
      P.resourceView(P.findResource(ctx, r, `No such resource ${String(r.id ?? r.name)}`)),
    );
  },
  list(m, a) {
    const ctx = admin(m, a);
    if (a.pattern === '') throw new OxError('InvalidDataException', 'Invalid pattern!');
    const re = matcher(a.pattern);
    return [...P.principals(ctx).resources.values()]
      .filter((r) => re.test(r.name) || r.displayname === a.pattern)
      .map(P.resourceView);
  },
  listAll: (m, a) => [...P.principals(admin(m, a)).resources.values()].map(P.resourceView),
};

function secondaryContext(m: OxModel, a: Obj): SimContext {
  if (a.context === undefined) throw new OxError('InvalidDataException', 'Missing context.');
  return admin(m, a, 'context');
}

function address(a: Obj): string {
  const value = String(a.primaryAddress ?? '');
  if (!value) throw new OxError('InvalidDataException', 'Primary address is empty.');
  return value;
}

export const secondaryAccountOps: Record<string, Handler> = {
  create(m, a) {
    const ctx = secondaryContext(m, a);
    P.createAccounts(ctx, a.accountDataOnCreate as Obj | undefined, P.accountUsers(ctx, a.users, a.groups));
  },
  update(m, a) {
    const ctx = secondaryContext(m, a);
    return P.updateAccounts(ctx, address(a), asObj(a.accountDataUpdate), P.accountUsers(ctx, a.users, a.groups));
  },
  delete(m, a) {
    const ctx = secondaryContext(m, a);
    return P.deleteAccounts(ctx, address(a), P.accountUsers(ctx, a.users, a.groups));
  },
  list(m, a) {
    const ctx = secondaryContext(m, a);
    const named = list(a.users).length || list(a.groups).length;
    return P.listAccounts(ctx, named ? P.accountUsers(ctx, a.users, a.groups) : undefined);
  },
};
