// The simulator's SOAP operations: one function per OX operation, over the OX model.
import type { OxServiceName } from './wire.js';
import { OxError, type OxModel, type SimContext } from './ox-model.js';
import { groupOps, resourceOps, secondaryAccountOps } from './principal-ops.js';
import { userAdded, userRemoved } from './principals.js';

type Obj = Record<string, unknown>;
type Handler = (m: OxModel, a: Obj) => unknown;

const asObj = (v: unknown) => (v ?? {}) as Obj;
const splitCaps = (v: unknown) =>
  String(v ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);

function master(m: OxModel, a: Obj): SimContext {
  m.checkMaster(asObj(a.auth));
  return m.findContext(asObj(a.ctx));
}

function changeCaps(current: string[], a: Obj): string[] {
  const drop = new Set([...splitCaps(a.capsToRemove), ...splitCaps(a.capsToDrop)]);
  return [...new Set([...current.filter((c) => !drop.has(c)), ...splitCaps(a.capsToAdd)])];
}

const contextOps: Record<string, Handler> = {
  create(m, a) {
    m.checkMaster(asObj(a.auth));
    return m.contextView(m.createContext(asObj(a.ctx), asObj(a.admin_user), m.minimalAccess()));
  },
  createModuleAccess(m, a) {
    m.checkMaster(asObj(a.auth));
    return m.contextView(m.createContext(asObj(a.ctx), asObj(a.admin_user), m.explicitAccess(asObj(a.access))));
  },
  createModuleAccessByName(m, a) {
    m.checkMaster(asObj(a.auth));
    const access = m.resolveAccess(a.access_combination_name);
    return m.contextView(m.createContext(asObj(a.ctx), asObj(a.admin_user), access));
  },
  change(m, a) {
    m.checkMaster(asObj(a.auth));
    m.changeContext(asObj(a.ctx));
  },
  changeModuleAccessByName(m, a) {
    const ctx = master(m, a);
    const access = m.resolveAccess(a.access_combination_name);
    for (const user of ctx.users.values()) user.access = { ...access };
  },
  changeCapabilities(m, a) {
    const ctx = master(m, a);
    ctx.capabilities = changeCaps(ctx.capabilities, a);
  },
  getData: (m, a) => m.contextView(master(m, a)),
  getAdminId: (m, a) => master(m, a).adminId,
  getAccessCombinationName(m, a) {
    const ctx = master(m, a);
    return m.combinationName(ctx.users.get(ctx.adminId)!.access);
  },
  exists(m, a) {
    m.checkMaster(asObj(a.auth));
    return m.contexts.has(Number(asObj(a.ctx).id));
  },
  enable(m, a) {
    master(m, a).enabled = true;
  },
  disable: (m, a) => m.disableContext(master(m, a)),
  delete(m, a) {
    m.contexts.delete(master(m, a).id);
  },
  list(m, a) {
    m.checkMaster(asObj(a.auth));
    return m.listContexts(String(a.search_pattern ?? '*')).map((c) => m.contextView(c));
  },
};

/** Every new user joins the context's default group (§15.2). */
function joined<U extends { id: number }>(ctx: SimContext, user: U): U {
  userAdded(ctx, user.id);
  return user;
}

function admin(m: OxModel, a: Obj): SimContext {
  const ctx = m.checkContextAdmin(asObj(a.ctx), asObj(a.auth));
  if (!ctx.enabled) throw new OxError('NoSuchContextException', `Context ${ctx.id} is disabled`);
  return ctx;
}

const userOps: Record<string, Handler> = {
  create(m, a) {
    const ctx = admin(m, a);
    return m.userView(joined(ctx, m.createUser(ctx, asObj(a.usrdata), m.minimalAccess())));
  },
  createByModuleAccess(m, a) {
    const ctx = admin(m, a);
    return m.userView(joined(ctx, m.createUser(ctx, asObj(a.usrdata), m.explicitAccess(asObj(a.access)))));
  },
  createByModuleAccessName(m, a) {
    const ctx = admin(m, a);
    return m.userView(joined(ctx, m.createUser(ctx, asObj(a.usrdata), m.resolveAccess(a.access_combination_name))));
  },
  change(m, a) {
    m.changeUser(admin(m, a), asObj(a.usrdata));
  },
  changeByModuleAccess(m, a) {
    const ctx = admin(m, a);
    m.findUser(ctx, asObj(a.user)).access = m.explicitAccess(asObj(a.moduleAccess));
  },
  changeByModuleAccessName(m, a) {
    const ctx = admin(m, a);
    const access = m.resolveAccess(a.access_combination_name);
    m.findUser(ctx, asObj(a.user)).access = access;
  },
  changeCapabilities(m, a) {
    const user = m.findUser(admin(m, a), asObj(a.user));
    user.capabilities = changeCaps(user.capabilities, a);
  },
  getData: (m, a) => m.userView(m.findUser(admin(m, a), asObj(a.user))),
  getMultipleData(m, a) {
    const ctx = admin(m, a);
    const refs = Array.isArray(a.users) ? a.users : a.users === undefined ? [] : [a.users];
    return refs.map((ref) => m.userView(m.findUser(ctx, asObj(ref))));
  },
  getModuleAccess: (m, a) => m.findUser(admin(m, a), asObj(a.user)).access,
  getUserCapabilities: (m, a) => m.findUser(admin(m, a), asObj(a.user)).capabilities.join(','),
  exists(m, a) {
    const ctx = admin(m, a);
    const ref = asObj(a.user);
    return [...ctx.users.values()].some((u) => (ref.id !== undefined ? u.id === Number(ref.id) : u.name === ref.name));
  },
  delete(m, a) {
    const ctx = admin(m, a);
    const user = m.findUser(ctx, asObj(a.user));
    m.deleteUser(ctx, { id: user.id });
    userRemoved(ctx, user.id);
  },
  list(m, a) {
    const ctx = admin(m, a);
    const re = new RegExp(
      `^${String(a.search_pattern ?? '*')
        .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')}$`,
    );
    return [...ctx.users.values()].filter((u) => re.test(u.name)).map((u) => ({ id: u.id }));
  },
};

export const OPERATIONS: Record<OxServiceName, Record<string, Handler>> = {
  OXContextService: contextOps,
  OXUserService: userOps,
  OXGroupService: groupOps,
  OXResourceService: resourceOps,
  OXSecondaryAccountService: secondaryAccountOps,
};
