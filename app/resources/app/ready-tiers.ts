// Ready tiers: a new instance gets the classic tiers of the old OX APS package as profile
// resources, created through the controller (so they are the provider's to edit or delete) once
// the instance is ready. Idempotent: a tier whose title the instance already has is left alone.
import type { ApsCall } from '../../aps/types.js';
import type { InstanceRecord } from '../../store/ledger.js';
import type { ServiceDeps } from '../shared/deps.js';
import { controllerFor } from '../shared/instance-env.js';
import type { AppSettings } from '../shared/instance-settings.js';

export const READY_TIERS = [
  { title: 'Webmail', accessCombination: 'webmail', includesMobility: false },
  { title: 'PIM', accessCombination: 'pim', includesMobility: false },
  // The old package's Groupware access level is OX's `groupware` combination (with groups and resources).
  { title: 'Groupware', accessCombination: 'groupware', includesMobility: false },
  { title: 'Groupware with mobility', accessCombination: 'groupware_premium', includesMobility: true },
] as const;

/** The internal operation of the app service that the job runs. */
export const READY_TIERS_OPERATION = 'readyTiers';

/** Queues the tiers' creation for a new instance that asks for them and has no profile yet. */
export async function queueReadyTiers(deps: ServiceDeps, call: ApsCall, settings: Partial<AppSettings>): Promise<void> {
  if (settings.readyTiers === false) return;
  if (await deps.ledger.countResources({ instanceId: call.instanceId, kind: 'profiles' })) return;
  await deps.jobs.enqueue({
    key: `${call.instanceId} READY-TIERS`,
    service: 'app',
    name: READY_TIERS_OPERATION,
    resourceId: call.resourceId,
    instanceId: call.instanceId,
    body: {},
    controllerUri: call.controllerUri,
    delayMs: deps.config.READY_TIERS_DELAY * 1000,
  });
}

/** The background job: creates the missing tiers in the controller, which provisions them here. */
export async function createReadyTiers(
  deps: ServiceDeps,
  call: ApsCall,
  instance: InstanceRecord,
): Promise<{ created: string[] }> {
  const controller = controllerFor(deps, call, instance);
  const collection = `aps/2/resources/${encodeURIComponent(call.resourceId)}/profiles`;
  const existing = await controller.request<Array<{ title?: string }>>('GET', collection);
  const titles = new Set((existing ?? []).map((p) => p.title));
  const type = deps.schemas.get('profiles')?.schema.id;
  const created: string[] = [];
  for (const tier of READY_TIERS) {
    if (titles.has(tier.title)) continue;
    await controller.request('POST', collection, { aps: { type }, ...tier });
    created.push(tier.title);
  }
  call.log.info(
    { created },
    created.length ? 'ready tiers created in the controller' : 'the ready tiers exist already',
  );
  return { created };
}
