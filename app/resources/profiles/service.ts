// Profiles: the provider's sellable tiers. A change is re-applied to every mailbox of the profile
// in the background, one job per mailbox, so one failing mailbox never blocks the others.
import type { ProfilesProperties, ProfilesProvision } from '../../aps/generated/schema-types.js';
import type { ApsCall, ResourceService } from '../../aps/types.js';
import type { ProfileProps } from '../shared/access.js';
import type { ServiceDeps } from '../shared/deps.js';
import { claim, newRecord, ownProperties, requireResource, resourceToDelete, resourceView } from '../shared/records.js';
import { apsError } from '../shared/errors.js';
import { tierOf } from '../shared/stored.js';

const SERVICE = 'profiles';

function checkProfile(props: ProfileProps): void {
  if (!props.accessCombination && !props.moduleAccess?.length) {
    throw apsError(
      400,
      'InvalidSettings',
      'A profile needs accessCombination (e.g. groupware_standard) or moduleAccess (e.g. ["webmail","contacts"])',
    );
  }
}

// The answer schema leaves out the access flags learned from OX (combinationFlags): ours, not the controller's.
const view = (deps: ServiceDeps, id: string, props: Record<string, unknown>) => resourceView(deps, SERVICE, id, props);

/** Queues the profile's re-application to each of its mailboxes: one background job per mailbox. */
async function reapply(deps: ServiceDeps, call: ApsCall, previous: ProfileProps): Promise<number> {
  const mailboxes = await deps.ledger.listResources({
    instanceId: call.instanceId,
    kind: 'mailboxes',
    profileId: call.resourceId,
    states: ['ready', 'disabled'],
  });
  const stamp = Date.now();
  for (const m of mailboxes) {
    await deps.jobs.enqueue({
      key: `${call.instanceId} PROFILE mailboxes/${m.id}/applyProfile/${stamp}`,
      service: 'mailboxes',
      name: 'applyProfile',
      resourceId: m.id,
      instanceId: call.instanceId,
      body: { previousCapabilities: previous.capabilities ?? [] },
      transactionId: call.transactionId,
      controllerUri: call.controllerUri,
    });
  }
  return mailboxes.length;
}

async function provision(deps: ServiceDeps, call: ApsCall<ProfilesProvision>) {
  const props: ProfileProps = ownProperties(deps, SERVICE, call.body);
  checkProfile(props);
  const { record } = await claim(deps, newRecord(call, SERVICE, { state: 'ready', props }));
  return view(deps, record.id, record.props);
}

async function configure(deps: ServiceDeps, call: ApsCall<ProfilesProperties>) {
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  const props: ProfileProps = { ...tierOf(rec), ...ownProperties(deps, SERVICE, call.body) };
  // Learned again from OX at the next use: the combination, or OX's definition of it, may differ now.
  delete props.combinationFlags;
  checkProfile(props);
  await deps.ledger.updateResource(call.instanceId, rec.id, { props });
  const queued = await reapply(deps, call, tierOf(rec));
  call.log.info({ profile: rec.id, mailboxes: queued }, 'profile change queued for its mailboxes');
  return view(deps, rec.id, props);
}

/** A profile still used by mailboxes stays: they would have no rights to move back to. */
async function unprovision(deps: ServiceDeps, call: ApsCall): Promise<undefined> {
  const rec = await resourceToDelete(deps, call, SERVICE);
  if (!rec) return undefined;
  const used = await deps.ledger.countResources({ instanceId: call.instanceId, kind: 'mailboxes', profileId: rec.id });
  if (used)
    throw apsError(
      409,
      'ProfileInUse',
      `Profile ${rec.id} is used by ${used} mailbox(es): move them to another profile first`,
    );
  await deps.ledger.deleteResource(call.instanceId, rec.id);
  return undefined;
}

export function profileService(deps: ServiceDeps): ResourceService<ProfilesProvision, ProfilesProperties> {
  return {
    provision: (call) => provision(deps, call),
    retrieve: async (call) =>
      view(deps, call.resourceId, (await requireResource(deps, call, call.resourceId, SERVICE)).props),
    configure: (call) => configure(deps, call),
    unprovision: (call) => unprovision(deps, call),
  };
}
