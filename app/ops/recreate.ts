// `ox-aps retry` for a resource reconcile found gone from OX: its provisioning, rebuilt from what
// the ledger recorded, for the job runner to perform (the password stays in the ledger's record,
// where provisioning reuses it; the job holds none).
import type { QueuedCall } from '../aps/dispatch.js';
import type { InstanceRecord, ResourceRecord } from '../store/ledger.js';
import { isRecord } from '../util/errors.js';
import { contextProps, mailboxProps } from '../resources/shared/stored.js';

const KEPT = {
  contexts: [
    'adminLogin',
    'domain',
    'timezone',
    'language',
    'theme',
    'diskspace',
    'mailboxCount',
    'mobilityCount',
    'groupsCount',
    'resourcesCount',
    'sharedMailboxesCount',
  ],
  mailboxes: ['login', 'email', 'displayName', 'givenName', 'familyName', 'aliases', 'language', 'timezone'],
} as const;

const link = (id: string | null | undefined) => (id ? { aps: { id } } : undefined);

/** The provision call that creates the resource again, or undefined for a kind that cannot be. */
export function recreateCall(instance: InstanceRecord, rec: ResourceRecord): QueuedCall | undefined {
  if (rec.kind !== 'contexts' && rec.kind !== 'mailboxes') return undefined;
  const type = isRecord(rec.props.aps) && typeof rec.props.aps.type === 'string' ? rec.props.aps.type : undefined;
  const body: Record<string, unknown> = {};
  for (const name of KEPT[rec.kind]) if (rec.props[name] !== undefined) body[name] = rec.props[name];
  if (rec.kind === 'contexts') {
    // The context keeps its name: aps-<subscription>.
    const name = contextProps(rec).contextName ?? '';
    body.aps = { id: rec.id, type, ...(name.startsWith('aps-') ? { subscription: name.slice(4) } : {}) };
  } else {
    body.aps = { id: rec.id, type };
    body.login = rec.login ?? body.login;
    body.context = link(rec.parentId);
    body.profile = link(rec.profileId);
    body.user = link(mailboxProps(rec).owner?.id);
  }
  return {
    service: rec.kind,
    resourceId: rec.id,
    instanceId: rec.instanceId,
    body,
    controllerUri: instance.controllerUri,
  };
}
