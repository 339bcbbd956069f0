// The simulator's groups, resources and secondary (functional) mail accounts, with a default OX's
// rules and fault texts (shared/spec/ox-soap.md §15, checklist §15.6). Users, groups and resources
// share one id sequence per context (the context's nextUserId); group 1 is the default group `users`.
import { OxError, type SimContext } from './ox-model.js';

type Obj = Record<string, unknown>;

export interface SimGroup {
  id: number;
  name: string;
  displayname: string;
  members: Set<number>;
}

export interface SimResource {
  id: number;
  name: string;
  displayname: string;
  email: string;
  description: string;
  available: boolean;
}

/** One row per user and address: what OX's user_mail_account keeps for a secondary account. */
export interface SimSecondaryAccount {
  userId: number;
  primaryAddress: string;
  data: Obj;
}

export interface Principals {
  groups: Map<number, SimGroup>;
  resources: Map<number, SimResource>;
  secondary: SimSecondaryAccount[];
}

const invalid = (message: string) => new OxError('InvalidDataException', message);
const NAME_CHARS = /^[ $@%.+a-zA-Z0-9_-]+$/;
const DEFAULT_GROUP = 1;

const principalsOf = new WeakMap<SimContext, Principals>();

/** The context's groups, resources and secondary accounts (the default group made with them). */
export function principals(ctx: SimContext): Principals {
  let p = principalsOf.get(ctx);
  if (!p) {
    const everyone = new Set([...ctx.users.keys()]);
    p = {
      groups: new Map([
        [DEFAULT_GROUP, { id: DEFAULT_GROUP, name: 'users', displayname: 'Standard group', members: everyone }],
      ]),
      resources: new Map(),
      secondary: [],
    };
    principalsOf.set(ctx, p);
  }
  return p;
}

/** A new user joins the default group; a deleted one leaves every group and its secondary accounts. */
export function userAdded(ctx: SimContext, userId: number): void {
  principals(ctx).groups.get(DEFAULT_GROUP)?.members.add(userId);
}

export function userRemoved(ctx: SimContext, userId: number): void {
  const p = principals(ctx);
  for (const g of p.groups.values()) g.members.delete(userId);
  p.secondary = p.secondary.filter((a) => a.userId !== userId);
}

function checkName(name: string, what: 'group' | 'resource'): void {
  if (!name.trim()) throw invalid(`Invalid ${what} name`);
  if (!NAME_CHARS.test(name)) {
    const bad = [...new Set([...name].filter((c) => !NAME_CHARS.test(c)))].join('');
    throw invalid(`Illegal chars: "${bad}"`);
  }
}

function mandatory(obj: Obj, names: string[]): void {
  const missing = names.filter((n) => obj[n] === undefined || obj[n] === '');
  if (missing.length) throw invalid(`Mandatory fields not set: [${missing.join(', ')}]`);
}

function memberIds(ctx: SimContext, members: unknown, guestCheck: boolean): number[] {
  const list = Array.isArray(members) ? members : members === undefined ? [] : [members];
  return list.map((m) => {
    const ref: Obj = typeof m === 'object' && m !== null ? (m as Obj) : { id: m };
    const id = Number(ref.id);
    const user =
      ref.id !== undefined && id !== 0 ? ctx.users.get(id) : [...ctx.users.values()].find((u) => u.name === ref.name);
    if (!user) throw new OxError('NoSuchUserException', 'No such user');
    if (guestCheck && user.fields.guest === true)
      throw new OxError('NoSuchUserException', 'Cannot add guest user to group');
    return user.id;
  });
}

// ----- groups (§15.2) -----

export function findGroup(ctx: SimContext, ref: Obj | undefined): SimGroup {
  const groups = principals(ctx).groups;
  if (ref?.id === undefined && ref?.name === undefined) throw invalid('One groupobject has no groupid or groupname');
  const byId = ref.id !== undefined && Number(ref.id) !== 0;
  const group = byId
    ? groups.get(Number(ref.id))
    : [...groups.values()].find((g) => g.name.toLowerCase() === String(ref.name).toLowerCase());
  if (!group) {
    if (byId) throw new OxError('NoSuchGroupException', 'No such group');
    throw new OxError(
      'NoSuchGroupException',
      `com.openexchange.admin.rmi.exceptions.NoSuchObjectException: No such group ${String(ref.name)} in context ${ctx.id}`,
    );
  }
  return group;
}

function groupNameTaken(ctx: SimContext, name: string, selfId: number): boolean {
  return [...principals(ctx).groups.values()].some(
    (g) => g.id !== selfId && g.name.toLowerCase() === name.toLowerCase(),
  );
}

export function createGroup(ctx: SimContext, data: Obj): SimGroup {
  mandatory(data, ['displayname', 'name']);
  const name = String(data.name);
  checkName(name, 'group');
  if (groupNameTaken(ctx, name, -1)) throw invalid('Group already exists!');
  const members = new Set(memberIds(ctx, data.members, true));
  const group = { id: ctx.nextUserId++, name, displayname: String(data.displayname), members };
  principals(ctx).groups.set(group.id, group);
  return group;
}

/** A change always replaces the members: a change without them empties the group (as OX does). */
export function changeGroup(ctx: SimContext, data: Obj): void {
  const group = findGroup(ctx, data);
  if (data.name !== undefined) {
    const name = String(data.name);
    checkName(name, 'group');
    if (groupNameTaken(ctx, name, group.id)) throw invalid(`Group ${name} already exists in this context`);
    group.name = name;
  }
  if (data.displayname !== undefined) group.displayname = String(data.displayname);
  group.members = new Set(memberIds(ctx, data.members, false));
}

export function deleteGroup(ctx: SimContext, ref: Obj): void {
  const group = findGroup(ctx, ref);
  if (group.id === DEFAULT_GROUP) throw invalid(`Group with id ${DEFAULT_GROUP} cannot be deleted`);
  principals(ctx).groups.delete(group.id);
}

export function addMembers(ctx: SimContext, ref: Obj, members: unknown): void {
  const group = findGroup(ctx, ref);
  const ids = memberIds(ctx, members, true);
  if (ids.some((id) => group.members.has(id))) throw invalid('Member already exists in group');
  for (const id of ids) group.members.add(id);
}

export function removeMembers(ctx: SimContext, ref: Obj, members: unknown): void {
  const group = findGroup(ctx, ref);
  for (const id of memberIds(ctx, members, false)) group.members.delete(id);
}

export const groupView = (g: SimGroup): Obj => ({
  displayname: g.displayname,
  id: g.id,
  members: [...g.members],
  name: g.name,
});

// ----- resources (§15.3) -----

export function findResource(ctx: SimContext, ref: Obj | undefined, missing: string): SimResource {
  const resources = principals(ctx).resources;
  if (ref?.id === undefined && ref?.name === undefined)
    throw invalid('One resourceobject has no resourceid or resourcename');
  const found =
    ref.id !== undefined && Number(ref.id) !== 0
      ? resources.get(Number(ref.id))
      : [...resources.values()].find((r) => r.name.toLowerCase() === String(ref.name).toLowerCase());
  if (!found) throw new OxError('NoSuchResourceException', missing);
  return found;
}

function checkResourceMail(ctx: SimContext, email: string, selfId: number): void {
  const others = [...principals(ctx).resources.values()].filter((r) => r.id !== selfId);
  if (others.some((r) => r.email.toLowerCase() === email.toLowerCase()))
    throw invalid('Resource with this email address already exists');
  const user = [...ctx.users.values()].find((u) => u.primaryEmail.toLowerCase() === email.toLowerCase());
  if (user)
    throw invalid(
      `Primary mail address "${email}" already exists in context ${ctx.id} (Already assigned to user ${user.id}).`,
    );
}

function checkResourceName(ctx: SimContext, name: string, selfId: number): void {
  const taken = [...principals(ctx).resources.values()].some(
    (r) => r.id !== selfId && r.name.toLowerCase() === name.toLowerCase(),
  );
  if (taken) throw invalid(`Resource ${name} already exists in this context`);
}

export function createResource(ctx: SimContext, data: Obj): SimResource {
  if (data.name === undefined) throw invalid('');
  const name = String(data.name);
  checkResourceName(ctx, name, -1);
  if (data.email !== undefined) checkResourceMail(ctx, String(data.email), -1);
  mandatory(data, ['name', 'displayname', 'email']);
  checkName(name, 'resource');
  if (!/^[^\s@]+@[^\s@]+$/.test(String(data.email))) throw invalid('Invalid email address');
  const resource: SimResource = {
    id: ctx.nextUserId++,
    name,
    displayname: String(data.displayname),
    email: String(data.email),
    description: data.description === undefined ? '' : String(data.description),
    available: data.available === undefined ? true : data.available === true,
  };
  principals(ctx).resources.set(resource.id, resource);
  return resource;
}

export function changeResource(ctx: SimContext, data: Obj): void {
  const resource = findResource(ctx, data, 'Resource with this id does not exists');
  if (data.name !== undefined) {
    checkName(String(data.name), 'resource');
    checkResourceName(ctx, String(data.name), resource.id);
    resource.name = String(data.name);
  }
  if (data.email !== undefined && data.email !== '') {
    checkResourceMail(ctx, String(data.email), resource.id);
    if (!/^[^\s@]+@[^\s@]+$/.test(String(data.email))) throw invalid('Invalid email address');
    resource.email = String(data.email);
  }
  if (data.displayname !== undefined) resource.displayname = String(data.displayname);
  if (data.description !== undefined) resource.description = String(data.description);
  if (data.available !== undefined) resource.available = data.available === true;
}

export function deleteResource(ctx: SimContext, ref: Obj): void {
  principals(ctx).resources.delete(findResource(ctx, ref, 'Resource with this id does not exist').id);
}

export const resourceView = (r: SimResource): Obj => ({ ...r });

// ----- secondary accounts (§15.4) -----

/** The users a call names: listed users and the current members of listed groups (0 = every user). */
export function accountUsers(ctx: SimContext, users: unknown, groups: unknown): number[] {
  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]) as Obj[];
  if (!list(users).length && !list(groups).length) throw invalid('Missing users/groups in account data');
  const ids = new Set<number>();
  for (const u of list(users)) {
    if (!ctx.users.has(Number(u.id)))
      throw new OxError('NoSuchUserException', `No such user ${String(u.id)} in context ${ctx.id}`);
    ids.add(Number(u.id));
  }
  for (const g of list(groups)) {
    const id = Number(g.id);
    if (id === 0) for (const u of ctx.users.keys()) ids.add(u);
    else {
      const group = principals(ctx).groups.get(id);
      if (!group) throw new OxError('NoSuchUserException', `No such group ${id} in context ${ctx.id}`);
      for (const u of group.members) ids.add(u);
    }
  }
  return [...ids];
}

/** One transaction: a user who has the address already aborts the call for all. */
export function createAccounts(ctx: SimContext, data: Obj | undefined, userIds: number[]): void {
  if (!data) throw invalid('Account data is missing.');
  const address = String(data.primaryAddress ?? '').toLowerCase();
  const p = principals(ctx);
  for (const userId of userIds) {
    const user = ctx.users.get(userId)!;
    const duplicate =
      user.primaryEmail.toLowerCase() === address ||
      p.secondary.some((a) => a.userId === userId && a.primaryAddress === address);
    if (duplicate)
      throw new OxError('StorageException', `Duplicate mail account for user ${userId} in context ${ctx.id}.`);
  }
  const source = String(data.mailEndpointSource ?? 'none');
  if (!['primary', 'localhost'].includes(source) && data.mailServer === undefined)
    throw new OxError(
      'StorageException',
      'Missing mail end-point data. Set end-point source to either "primary" or "localhost"; or specify appropriate fields in account data',
    );
  for (const userId of userIds)
    p.secondary.push({ userId, primaryAddress: address, data: { ...data, primaryAddress: address } });
}

export function updateAccounts(ctx: SimContext, address: string, data: Obj | undefined, userIds: number[]): boolean {
  const rows = principals(ctx).secondary.filter(
    (a) => a.primaryAddress === address.toLowerCase() && userIds.includes(a.userId),
  );
  for (const row of rows) row.data = { ...row.data, ...data };
  return rows.length > 0;
}

export function deleteAccounts(ctx: SimContext, address: string, userIds: number[]): boolean {
  const p = principals(ctx);
  const before = p.secondary.length;
  p.secondary = p.secondary.filter((a) => !(a.primaryAddress === address.toLowerCase() && userIds.includes(a.userId)));
  return p.secondary.length < before;
}

export function listAccounts(ctx: SimContext, userIds: number[] | undefined): Obj[] {
  return principals(ctx)
    .secondary.filter((a) => !userIds || userIds.includes(a.userId))
    .map((a, i) => ({ contextId: ctx.id, userId: a.userId, id: i + 1, ...a.data }));
}
