// Facts of a mailbox that only the endpoint knows and the panel reads (passwordState, adminMayOpen),
// kept on the controller's copies: after an upgrade (mailboxes made before 1.1 have neither) and
// after the provider changes adminMailboxLogin, in a background job that pages through them.
import type { ApsCall } from '../../aps/types.js';
import type { ServiceDeps } from '../shared/deps.js';
import { controllerFor } from '../shared/instance-env.js';
import { settingsOf } from '../shared/instance-settings.js';
import { callingInstance } from '../shared/records.js';
import { passwordState } from '../shared/stored.js';
import type { ResourceRecord } from '../../store/ledger.js';
import { isRetryable } from '../../aps/errors.js';
import { errorMessage } from '../../util/errors.js';

const AT_ONCE = 8;

/**
 * Writes each live mailbox's facts to the controller; answers how many were written. A mailbox
 * the controller refuses for good (gone there) is skipped; an outage fails the job, which retries
 * (writing the same facts twice changes nothing).
 */
export async function publishMailboxFacts(
  deps: ServiceDeps,
  call: ApsCall,
): Promise<{ published: number; skipped: number }> {
  const instance = await callingInstance(deps, call);
  const controller = controllerFor(deps, call, instance);
  const adminMayOpen = settingsOf(instance).adminMailboxLogin === true;
  const mailboxes = await deps.ledger.listResources({
    instanceId: call.instanceId,
    kind: 'mailboxes',
    states: ['ready', 'disabled'],
  });
  let skipped = 0;
  const publish = (rec: ResourceRecord) =>
    controller
      .request('PUT', `aps/2/resources/${encodeURIComponent(rec.id)}`, {
        passwordState: passwordState(rec),
        adminMayOpen,
      })
      .catch((err: unknown) => {
        if (isRetryable(err)) throw err;
        skipped++;
        call.log.warn({ resource: rec.id, err: errorMessage(err) }, 'mailbox facts not written to the controller');
      });
  for (let i = 0; i < mailboxes.length; i += AT_ONCE) await Promise.all(mailboxes.slice(i, i + AT_ONCE).map(publish));
  return { published: mailboxes.length - skipped, skipped };
}

/** Queues the publication (one job per instance and moment: a later change queues its own). */
export async function queueMailboxFacts(deps: ServiceDeps, call: ApsCall, why: string): Promise<void> {
  await deps.jobs.enqueue({
    key: `${call.instanceId} MAILBOX-FACTS ${why}/${Date.now()}`,
    service: 'app',
    name: 'publishMailboxFacts',
    resourceId: call.resourceId,
    instanceId: call.instanceId,
    body: {},
    controllerUri: call.controllerUri,
  });
}
