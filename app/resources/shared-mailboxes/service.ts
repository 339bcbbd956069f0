// Shared mailboxes (info@ and the like) as OX functional accounts: the address is added as a
// secondary mail account to each member mailbox and to each member of the linked groups (expanded
// by the endpoint, which follows later membership changes, as OX does only at call time). OX never
// checks that the mailbox exists: the mail system must have it (deployment guide).
import type { SharedMailboxesProperties, SharedMailboxesProvision } from '../../aps/generated/schema-types.js';
import type { ApsCall, ResourceService } from '../../aps/types.js';
import type { ResourceRecord } from '../../store/ledger.js';
import type { ServiceDeps } from '../shared/deps.js';
import { instanceEnv, type InstanceEnv } from '../shared/instance-env.js';
import {
  claim,
  modifyRecord,
  newRecord,
  ownProperties,
  oxContextOf,
  recordingFailures,
  requireResource,
  resourceToDelete,
  resourceView,
} from '../shared/records.js';
import { withOx } from '../shared/errors.js';
import { contextAdmin, contextProps, sharedMailboxProps, type SharedMailboxProps } from '../shared/stored.js';
import { asciiAddress, requireOwnDomain } from '../shared/addresses.js';
import { checkLimit, forgetGoneLink, linkedIds, memberOfContext, readyContext } from '../shared/context-children.js';
import { forgetRecord } from '../shared/deletions.js';
import { ensureSupported, holdersOf } from './holders.js';

const SERVICE = 'shared-mailboxes';

type Props = Pick<SharedMailboxProps, 'address' | 'displayName'>;

const view = (deps: ServiceDeps, rec: ResourceRecord) =>
  resourceView(deps, SERVICE, rec.id, { ...rec.props, members: undefined, groups: undefined });

function checkedProps(env: InstanceEnv, ctx: ResourceRecord, props: Props): Props {
  const address = asciiAddress('address', props.address).toLowerCase();
  if (env.settings.restrictMailDomains === true) requireOwnDomain(address, contextProps(ctx).domain);
  return { ...props, address };
}

/** OX's accounts for the address made to match the holders: added where missing, removed where not wanted. */
export async function syncHolders(deps: ServiceDeps, call: ApsCall, rec: ResourceRecord, ctx: ResourceRecord) {
  const env = await instanceEnv(deps, call);
  const { address, displayName } = sharedMailboxProps(rec);
  const ox = env.ox.principals;
  const [ctxId, admin] = [oxContextOf(ctx), contextAdmin(ctx)];
  const wanted = await holdersOf(deps, rec);
  const doing = `updating the members of shared mailbox ${address}`;
  return withOx({ doing, credentials: 'context admin', email: address }, async () => {
    const current = (await ox.listAccounts(ctxId, admin))
      .filter((a) => a.primaryAddress === address)
      .map((a) => a.userId);
    const add = wanted.filter((u) => !current.includes(u));
    const remove = current.filter((u) => !wanted.includes(u));
    const data = { primaryAddress: address, name: displayName, personal: displayName, login: address };
    if (add.length) await ox.createAccount(ctxId, admin, data, { users: add, groups: [] });
    if (remove.length) await ox.deleteAccount(ctxId, admin, address, { users: remove, groups: [] });
    return { holders: wanted.length, added: add.length, removed: remove.length };
  });
}

async function provision(deps: ServiceDeps, call: ApsCall<SharedMailboxesProvision>) {
  const ctx = await readyContext(deps, call);
  const env = await instanceEnv(deps, call);
  const props = checkedProps(env, ctx, { address: call.body.address, displayName: call.body.displayName });
  await ensureSupported(env, ctx);
  const known = await deps.ledger.getResource(call.instanceId, call.resourceId);
  if (known?.kind !== SERVICE) await checkLimit(deps, ctx, SERVICE, 'sharedMailboxesCount', 'shared mailboxes');
  const none: string[] = [];
  const body = { ...props, members: none, groups: none };
  const { record } = await claim(deps, newRecord(call, SERVICE, { parentId: ctx.id, props: body }));
  // Nobody to give it to yet: OX gets the account when members or groups are linked.
  if (record.state !== 'ready') await deps.ledger.updateResource(call.instanceId, record.id, { state: 'ready' });
  return view(deps, record);
}

async function configure(deps: ServiceDeps, call: ApsCall<SharedMailboxesProperties>) {
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  const ctx = await readyContext(deps, call, rec);
  const env = await instanceEnv(deps, call);
  const before = sharedMailboxProps(rec);
  const after = checkedProps(env, ctx, { ...before, ...ownProperties(deps, SERVICE, call.body) });
  const updated = { ...rec, props: { ...rec.props, ...after } };
  const holders = await holdersOf(deps, rec);
  const ox = env.ox.principals;
  const of = { users: holders, groups: [] };
  if (holders.length && after.address !== before.address) {
    // A new address is a new account: the old one goes from every holder first.
    await withOx({ doing: `renaming shared mailbox ${before.address}`, credentials: 'context admin' }, () =>
      ox.deleteAccount(oxContextOf(ctx), contextAdmin(ctx), before.address, of),
    );
  } else if (holders.length && after.displayName !== before.displayName) {
    const name = { name: after.displayName, personal: after.displayName };
    await withOx({ doing: `renaming shared mailbox ${before.address}`, credentials: 'context admin' }, () =>
      ox.updateAccount(oxContextOf(ctx), contextAdmin(ctx), before.address, name, of),
    );
  }
  const changed = ownProperties(deps, SERVICE, call.body);
  await modifyRecord(deps, rec, (now) => ({ props: { ...now.props, ...changed, ...after } }));
  await syncHolders(deps, call, updated, ctx);
  return view(deps, updated);
}

/** A member or group linked or unlinked: the ledger's list, then OX's accounts. */
async function changeLink(deps: ServiceDeps, call: ApsCall, add: boolean) {
  const relation = call.name === 'groups' ? 'groups' : 'members';
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  if (await forgetGoneLink(deps, call, rec, relation)) return {};
  const ctx = await readyContext(deps, call, rec);
  const linked = await memberOfContext(deps, call, ctx, relation === 'groups' ? 'groups' : 'mailboxes');
  const written = await modifyRecord(deps, rec, (now) => {
    const ids = linkedIds(now, relation).filter((id) => id !== linked.id);
    return { props: { ...now.props, [relation]: add ? [...ids, linked.id] : ids } };
  });
  return syncHolders(deps, call, written, ctx);
}

async function unprovision(deps: ServiceDeps, call: ApsCall): Promise<undefined> {
  const rec = await resourceToDelete(deps, call, SERVICE);
  if (!rec) return undefined;
  const ctx = rec.parentId ? await deps.ledger.getResource(call.instanceId, rec.parentId) : undefined;
  if (ctx?.state === 'ready') {
    const env = await instanceEnv(deps, call);
    const { address } = sharedMailboxProps(rec);
    await withOx({ doing: `removing shared mailbox ${address}`, credentials: 'context admin' }, async () => {
      const ox = env.ox.principals;
      const users = (await ox.listAccounts(oxContextOf(ctx), contextAdmin(ctx)))
        .filter((a) => a.primaryAddress === address)
        .map((a) => a.userId);
      if (users.length) await ox.deleteAccount(oxContextOf(ctx), contextAdmin(ctx), address, { users, groups: [] });
    });
  }
  await forgetRecord(deps, rec);
  return undefined;
}

/** Internal (a background job when a linked group's membership changed). */
async function syncJob(deps: ServiceDeps, call: ApsCall) {
  const rec = await deps.ledger.getResource(call.instanceId, call.resourceId);
  const ctx = rec?.parentId ? await deps.ledger.getResource(call.instanceId, rec.parentId) : undefined;
  if (!rec || rec.state !== 'ready' || ctx?.state !== 'ready') return { synced: false };
  return syncHolders(deps, call, rec, ctx);
}

export function sharedMailboxService(
  deps: ServiceDeps,
): ResourceService<SharedMailboxesProvision, SharedMailboxesProperties> {
  return {
    provision: recordingFailures(deps, (call: ApsCall<SharedMailboxesProvision>) => provision(deps, call)),
    configure: (call) => configure(deps, call),
    retrieve: async (call) => view(deps, await requireResource(deps, call, call.resourceId, SERVICE)),
    unprovision: (call) => unprovision(deps, call),
    link: (call) => changeLink(deps, call, true),
    unlink: (call) => changeLink(deps, call, false),
    operations: { syncHolders: (call) => syncJob(deps, call) },
  };
}
