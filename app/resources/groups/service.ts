// Groups: an OX group per APS group, in its context, with the mailboxes linked as members. Linking
// or unlinking a mailbox changes OX's membership; a change of the group sends its full member list
// (OX empties a group changed without one). OX's default group `users` is never touched.
import type { GroupsProperties, GroupsProvision } from '../../aps/generated/schema-types.js';
import type { ApsCall, ResourceService } from '../../aps/types.js';
import type { ResourceRecord } from '../../store/ledger.js';
import type { ServiceDeps } from '../shared/deps.js';
import { instanceEnv } from '../shared/instance-env.js';
import {
  claim,
  modifyRecord,
  newRecord,
  ownProperties,
  oxContextOf,
  oxIdOf,
  recordingFailures,
  requireResource,
  resourceToDelete,
  resourceView,
} from '../shared/records.js';
import { apsError, withOx } from '../shared/errors.js';
import { contextAdmin, groupProps } from '../shared/stored.js';
import {
  checkLimit,
  forgetGoneLink,
  linkedIds,
  memberOfContext,
  memberUserIds,
  readyContext,
} from '../shared/context-children.js';
import { removeInOx } from '../shared/removal.js';

const SERVICE = 'groups';

const view = (deps: ServiceDeps, rec: ResourceRecord) =>
  resourceView(deps, SERVICE, rec.id, { ...rec.props, oxGroupId: rec.oxUserId ?? undefined, members: undefined });

function checkName(name: string): void {
  if (name.trim().toLowerCase() === 'users')
    throw apsError(
      409,
      'ReservedName',
      "The group name users is OX's default group, which every user is in: choose another name",
    );
}

/** The OX group of a new record: created, or (a lost answer) found by its name if no other record holds it. */
async function createInOx(deps: ServiceDeps, call: ApsCall, ctx: ResourceRecord, rec: ResourceRecord): Promise<number> {
  const env = await instanceEnv(deps, call);
  const { name, displayName } = groupProps(rec);
  const doing = `creating group "${name}" in context ${oxContextOf(ctx)}`;
  return withOx({ doing, credentials: 'context admin' }, async () => {
    const ox = env.ox.principals;
    try {
      return (
        await ox.createGroup(oxContextOf(ctx), contextAdmin(ctx), { name, displayname: displayName, members: [] })
      ).id;
    } catch (err) {
      const found = await ox.getGroup(oxContextOf(ctx), contextAdmin(ctx), { name }).catch(() => undefined);
      const held = found?.id !== undefined && (await heldBy(deps, ctx, found.id));
      if (found?.id === undefined || (held && held !== rec.id)) throw err;
      return found.id;
    }
  });
}

async function heldBy(deps: ServiceDeps, ctx: ResourceRecord, groupId: number): Promise<string | undefined> {
  const groups = await deps.ledger.listResources({ instanceId: ctx.instanceId, kind: SERVICE, parentId: ctx.id });
  return groups.find((g) => g.oxUserId === groupId)?.id;
}

async function provision(deps: ServiceDeps, call: ApsCall<GroupsProvision>) {
  checkName(call.body.name);
  const ctx = await readyContext(deps, call);
  const known = await deps.ledger.getResource(call.instanceId, call.resourceId);
  if (known?.kind !== SERVICE) await checkLimit(deps, ctx, SERVICE, 'groupsCount', 'groups');
  const members: string[] = [];
  const props = { name: call.body.name, displayName: call.body.displayName, members };
  const { record } = await claim(deps, newRecord(call, SERVICE, { parentId: ctx.id, props }));
  if (record.state === 'ready') return view(deps, record);
  const groupId = await createInOx(deps, call, ctx, record);
  await deps.ledger.updateResource(call.instanceId, record.id, { state: 'ready', oxUserId: groupId, lastError: null });
  return view(deps, { ...record, oxUserId: groupId });
}

/** Sets the OX group to the record: its names and every member (OX replaces the member list). */
async function writeGroup(deps: ServiceDeps, call: ApsCall, ctx: ResourceRecord, rec: ResourceRecord): Promise<void> {
  const env = await instanceEnv(deps, call);
  const { name, displayName } = groupProps(rec);
  const members = await memberUserIds(deps, rec);
  await withOx({ doing: `changing group "${name}"`, credentials: 'context admin' }, () =>
    env.ox.principals.changeGroup(oxContextOf(ctx), contextAdmin(ctx), {
      id: oxIdOf(rec),
      name,
      displayname: displayName,
      members,
    }),
  );
}

async function configure(deps: ServiceDeps, call: ApsCall<GroupsProperties>) {
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  const ctx = await readyContext(deps, call, rec);
  const changed = ownProperties(deps, SERVICE, call.body);
  checkName(String(changed.name ?? groupProps(rec).name));
  await writeGroup(deps, call, ctx, { ...rec, props: { ...rec.props, ...changed } });
  const updated = await modifyRecord(deps, rec, (now) => ({ props: { ...now.props, ...changed } }));
  await syncSharedMailboxes(deps, call, ctx, rec.id);
  return view(deps, updated);
}

/** Shared mailboxes that reach members through this group follow its membership (a background job each). */
async function syncSharedMailboxes(deps: ServiceDeps, call: ApsCall, ctx: ResourceRecord, groupId: string) {
  const shared = await deps.ledger.listResources({
    instanceId: ctx.instanceId,
    kind: 'shared-mailboxes',
    parentId: ctx.id,
  });
  for (const s of shared.filter((r) => linkedIds(r, 'groups').includes(groupId))) {
    await deps.jobs.enqueue({
      key: `${call.instanceId} SHARED-MAILBOX shared-mailboxes/${s.id}/syncHolders/${Date.now()}`,
      service: 'shared-mailboxes',
      name: 'syncHolders',
      resourceId: s.id,
      instanceId: call.instanceId,
      body: {},
      controllerUri: call.controllerUri,
    });
  }
}

/** A member linked or unlinked: the ledger's list, then OX's (idempotent both ways). */
async function changeMember(deps: ServiceDeps, call: ApsCall, add: boolean) {
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  if (await forgetGoneLink(deps, call, rec, 'members')) return {};
  const ctx = await readyContext(deps, call, rec);
  const mailbox = await memberOfContext(deps, call, ctx);
  await modifyRecord(deps, rec, (now) => {
    const members = linkedIds(now, 'members').filter((id) => id !== mailbox.id);
    return { props: { ...now.props, members: add ? [...members, mailbox.id] : members } };
  });
  const [groupId, userId] = [rec.oxUserId, mailbox.oxUserId];
  if (groupId != null && userId != null) {
    const env = await instanceEnv(deps, call);
    const ox = env.ox.principals;
    const doing = `${add ? 'adding' : 'removing'} ${mailbox.login} ${add ? 'to' : 'from'} group "${groupProps(rec).name}"`;
    await withOx({ doing, credentials: 'context admin' }, () =>
      add
        ? ox.addGroupMember(oxContextOf(ctx), contextAdmin(ctx), groupId, userId)
        : ox.removeGroupMembers(oxContextOf(ctx), contextAdmin(ctx), groupId, [userId]),
    );
  }
  await syncSharedMailboxes(deps, call, ctx, rec.id);
  return {};
}

async function unprovision(deps: ServiceDeps, call: ApsCall): Promise<undefined> {
  const rec = await resourceToDelete(deps, call, SERVICE);
  if (!rec) return undefined;
  await removeInOx(deps, call, rec, (ox, ctxId, admin, id) => ox.principals.deleteGroup(ctxId, admin, id));
  return undefined;
}

export function groupService(deps: ServiceDeps): ResourceService<GroupsProvision, GroupsProperties> {
  return {
    provision: recordingFailures(deps, (call: ApsCall<GroupsProvision>) => provision(deps, call)),
    configure: (call) => configure(deps, call),
    retrieve: async (call) => view(deps, await requireResource(deps, call, call.resourceId, SERVICE)),
    unprovision: (call) => unprovision(deps, call),
    link: (call) => (call.name === 'members' ? changeMember(deps, call, true) : Promise.resolve({})),
    unlink: (call) => (call.name === 'members' ? changeMember(deps, call, false) : Promise.resolve({})),
  };
}
