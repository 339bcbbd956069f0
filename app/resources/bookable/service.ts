// Bookable resources (rooms, equipment): an OX resource per APS resource, in its context. Its
// address is unique among the context's resources and users' primary addresses (OX checks) and,
// with restrictMailDomains, in the context's domain.
import type { ResourcesProperties, ResourcesProvision } from '../../aps/generated/schema-types.js';
import type { ApsCall, ResourceService } from '../../aps/types.js';
import type { OxResource } from '../../ox/principals.js';
import type { ResourceRecord } from '../../store/ledger.js';
import type { ServiceDeps } from '../shared/deps.js';
import { instanceEnv, type InstanceEnv } from '../shared/instance-env.js';
import {
  claim,
  newRecord,
  ownProperties,
  oxContextOf,
  oxIdOf,
  recordingFailures,
  requireResource,
  resourceToDelete,
  resourceView,
} from '../shared/records.js';
import { withOx } from '../shared/errors.js';
import { bookableProps, contextAdmin, contextProps, type BookableProps } from '../shared/stored.js';
import { asciiAddress, requireOwnDomain } from '../shared/addresses.js';
import { checkLimit, readyContext } from '../shared/context-children.js';
import { removeInOx } from '../shared/removal.js';

const SERVICE = 'resources';

type Props = BookableProps;

const view = (deps: ServiceDeps, rec: ResourceRecord) =>
  resourceView(deps, SERVICE, rec.id, { ...rec.props, oxResourceId: rec.oxUserId ?? undefined });

function toOx(p: Props): OxResource {
  return {
    name: p.name,
    displayname: p.displayName,
    email: p.email,
    description: p.description ?? '',
    available: p.available !== false,
  };
}

/** The address as OX stores it (ASCII domain); in the context's domain where the instance says so. */
function checkedProps(env: InstanceEnv, ctx: ResourceRecord, props: Props): Props {
  const email = asciiAddress('email', props.email);
  if (env.settings.restrictMailDomains === true) requireOwnDomain(email, contextProps(ctx).domain);
  return { ...props, email };
}

/** Created, or (a lost answer) found by its name if no other record holds it. */
async function createInOx(env: InstanceEnv, deps: ServiceDeps, ctx: ResourceRecord, rec: ResourceRecord, p: Props) {
  const ox = env.ox.principals;
  const doing = `creating resource "${p.name}" in context ${oxContextOf(ctx)}`;
  return withOx({ doing, credentials: 'context admin', email: p.email }, async () => {
    try {
      return (await ox.createResource(oxContextOf(ctx), contextAdmin(ctx), toOx(p))).id;
    } catch (err) {
      const found = await ox.getResource(oxContextOf(ctx), contextAdmin(ctx), { name: p.name }).catch(() => undefined);
      const siblings = await deps.ledger.listResources({ instanceId: ctx.instanceId, kind: SERVICE, parentId: ctx.id });
      const holder = siblings.find((r) => found?.id !== undefined && r.oxUserId === found.id);
      if (found?.id === undefined || (holder && holder.id !== rec.id)) throw err;
      return found.id;
    }
  });
}

async function provision(deps: ServiceDeps, call: ApsCall<ResourcesProvision>) {
  const ctx = await readyContext(deps, call);
  const env = await instanceEnv(deps, call);
  const { name, displayName, email, description, available } = call.body;
  const props = checkedProps(env, ctx, { name, displayName, email, description, available });
  const known = await deps.ledger.getResource(call.instanceId, call.resourceId);
  if (known?.kind !== SERVICE) await checkLimit(deps, ctx, SERVICE, 'resourcesCount', 'resources');
  const { record } = await claim(deps, newRecord(call, SERVICE, { parentId: ctx.id, props }));
  if (record.state === 'ready') return view(deps, record);
  const id = await createInOx(env, deps, ctx, record, props);
  await deps.ledger.updateResource(call.instanceId, record.id, { state: 'ready', oxUserId: id, lastError: null });
  return view(deps, { ...record, oxUserId: id });
}

async function configure(deps: ServiceDeps, call: ApsCall<ResourcesProperties>) {
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  const ctx = await readyContext(deps, call, rec);
  const env = await instanceEnv(deps, call);
  const props = checkedProps(env, ctx, { ...bookableProps(rec), ...ownProperties(deps, SERVICE, call.body) });
  await withOx({ doing: `changing resource "${props.name}"`, credentials: 'context admin', email: props.email }, () =>
    env.ox.principals.changeResource(oxContextOf(ctx), contextAdmin(ctx), { ...toOx(props), id: oxIdOf(rec) }),
  );
  await deps.ledger.updateResource(call.instanceId, rec.id, { props });
  return view(deps, { ...rec, props });
}

async function unprovision(deps: ServiceDeps, call: ApsCall): Promise<undefined> {
  const rec = await resourceToDelete(deps, call, SERVICE);
  if (rec) await removeInOx(deps, call, rec, (ox, ctxId, admin, id) => ox.principals.deleteResource(ctxId, admin, id));
  return undefined;
}

export function bookableService(deps: ServiceDeps): ResourceService<ResourcesProvision, ResourcesProperties> {
  return {
    provision: recordingFailures(deps, (call: ApsCall<ResourcesProvision>) => provision(deps, call)),
    configure: (call) => configure(deps, call),
    retrieve: async (call) => view(deps, await requireResource(deps, call, call.resourceId, SERVICE)),
    unprovision: (call) => unprovision(deps, call),
  };
}
