// Who holds a shared mailbox: its member mailboxes and the members of its linked groups, as OX
// user ids; and whether the OX installation has functional accounts at all.
import type { ResourceRecord } from '../../store/ledger.js';
import type { ServiceDeps } from '../shared/deps.js';
import type { InstanceEnv } from '../shared/instance-env.js';
import { apsError, withOx } from '../shared/errors.js';
import { linkedIds, memberUserIds } from '../shared/context-children.js';
import { contextAdmin } from '../shared/stored.js';

/** The OX user ids the account belongs to, each once. */
export async function holdersOf(deps: Pick<ServiceDeps, 'ledger'>, rec: ResourceRecord): Promise<number[]> {
  const direct = await memberUserIds(deps, rec);
  const groups = await deps.ledger.getResources(rec.instanceId, linkedIds(rec, 'groups'));
  const viaGroups = await Promise.all(groups.filter((g) => g.kind === 'groups').map((g) => memberUserIds(deps, g)));
  return [...new Set([...direct, ...viaGroups.flat()])].sort((a, b) => a - b);
}

/** OX before 7.10.6 has no OXSecondaryAccountService: refused plainly, not retried. */
export async function ensureSupported(env: InstanceEnv, ctx: ResourceRecord): Promise<void> {
  const available = await withOx({ doing: 'checking for functional accounts', credentials: 'context admin' }, () =>
    env.ox.principals.accountsAvailable(contextAdmin(ctx)),
  );
  if (!available)
    throw apsError(
      409,
      'SharedMailboxesUnsupported',
      'This OX has no OXSecondaryAccountService (it needs OX App Suite 7.10.6 or later, with the secondary-account SOAP bundle): shared mailboxes cannot be provisioned',
    );
}
