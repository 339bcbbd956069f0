// The mobility add-on: USM and ActiveSync for one mailbox. With mobilityMode=included every
// mailbox has them already and the add-on changes nothing in OX.
import type { ResourceService } from '../../aps/types.js';
import { applyAccess, tierMobility, wantsMobility } from '../shared/access.js';
import { contextAdmin } from '../shared/stored.js';
import type { ServiceDeps } from '../shared/deps.js';
import { instanceEnv } from '../shared/instance-env.js';
import {
  claim,
  linkId,
  modifyRecord,
  newRecord,
  oxContextOf,
  oxUserOf,
  relatedRecord,
  requireResource,
  resourceToDelete,
  resourceView,
} from '../shared/records.js';
import { apsError, withOx } from '../shared/errors.js';
import type { ApsCall } from '../../aps/types.js';
import type { ResourceRecord } from '../../store/ledger.js';
import { tierOf } from '../shared/stored.js';

const SERVICE = 'mobility';

/** Records the add-on on the mailbox and brings OX in line with it. */
async function setAddon(deps: ServiceDeps, call: ApsCall, mailbox: ResourceRecord, addon: boolean): Promise<void> {
  const env = await instanceEnv(deps, call);
  const ctx = await relatedRecord(deps, mailbox, 'parentId');
  const profile = tierOf(await relatedRecord(deps, mailbox, 'profileId'));
  const updated = { ...mailbox, props: { ...mailbox.props, mobilityAddon: addon } };
  const wanted = wantsMobility(env.settings, profile, updated);
  // Mobility the tier grants stays when the add-on goes (OX's flags decide): the add-on and the
  // tier never disagree. A suspended mailbox gets its rights at resume.
  const tier = tierMobility(profile);
  const on = mailbox.props.mobilityEnabled === true;
  let mobility = wanted || tier === true;
  // OX is asked only when the state could change: on → off unless the tier keeps it, off → on.
  const mayChange = on ? !wanted && tier !== true : wanted;
  if (mailbox.state === 'ready' && mayChange) {
    const applied = await withOx(
      {
        doing: `${wanted ? 'enabling' : 'disabling'} mobility for mailbox "${mailbox.login}"`,
        credentials: 'context admin',
      },
      () => applyAccess(env.ox, oxContextOf(ctx), contextAdmin(ctx), oxUserOf(mailbox), profile, wanted),
    );
    mobility = applied.mobility;
  }
  await modifyRecord(deps, mailbox, (now) => ({
    props: { ...now.props, mobilityAddon: addon, mobilityEnabled: mobility },
  }));
}

/** The add-on is never sold where mobility comes anyway: the customer would pay twice for nothing. */
async function refuseWhereIncluded(deps: ServiceDeps, call: ApsCall, mailbox: ResourceRecord): Promise<void> {
  const env = await instanceEnv(deps, call);
  const profile = tierOf(await relatedRecord(deps, mailbox, 'profileId'));
  const withoutAddon = { ...mailbox, props: { ...mailbox.props, mobilityAddon: false } };
  if (!wantsMobility(env.settings, profile, withoutAddon) && tierMobility(profile) !== true) return;
  const why =
    env.settings.mobilityMode === 'included'
      ? 'every mailbox of this installation includes mobility'
      : `its tier "${profile.title ?? mailbox.profileId}" includes mobility`;
  throw apsError(409, 'MobilityIncluded', `Mailbox "${mailbox.login}" needs no mobility add-on: ${why}`);
}

async function provision(deps: ServiceDeps, call: ApsCall) {
  const mailbox = await requireResource(deps, call, linkId(call.body, 'mailbox'), 'mailboxes');
  // A repeated POST of an add-on already taken answers it, whatever the tier says since.
  const known = await deps.ledger.getResource(call.instanceId, call.resourceId);
  if (known?.kind !== SERVICE) await refuseWhereIncluded(deps, call, mailbox);
  await claim(deps, newRecord(call, SERVICE, { state: 'ready', parentId: mailbox.id }));
  await setAddon(deps, call, mailbox, true);
  return resourceView(deps, SERVICE, call.resourceId, { mailbox: { aps: { id: mailbox.id } } });
}

async function unprovision(deps: ServiceDeps, call: ApsCall): Promise<undefined> {
  const rec = await resourceToDelete(deps, call, SERVICE);
  if (!rec) return undefined;
  const mailbox = rec.parentId ? await deps.ledger.getResource(call.instanceId, rec.parentId) : undefined;
  if (mailbox && mailbox.state !== 'deleting') await setAddon(deps, call, mailbox, false);
  await deps.ledger.deleteResource(call.instanceId, rec.id);
  return undefined;
}

export function mobilityService(deps: ServiceDeps): ResourceService {
  return {
    provision: (call) => provision(deps, call),
    retrieve: async (call) => {
      const rec = await requireResource(deps, call, call.resourceId, SERVICE);
      return resourceView(deps, SERVICE, rec.id, { mailbox: { aps: { id: rec.parentId } } });
    },
    unprovision: (call) => unprovision(deps, call),
  };
}
