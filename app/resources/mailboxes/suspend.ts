// Suspend and resume: a suspended mailbox keeps its data and is shut out of OX (mail off, no
// rights); resume gives it the tier it has now and the mail flag it had.
import { contextAdmin } from '../shared/stored.js';
import type { ApsCall } from '../../aps/types.js';
import { shutOut } from '../shared/access.js';
import type { ServiceDeps } from '../shared/deps.js';
import { instanceEnv } from '../shared/instance-env.js';
import { oxContextOf, oxUserOf, requireResource } from '../shared/records.js';
import { withOx } from '../shared/errors.js';
import { SERVICE, parents, withoutSuspendState } from './common.js';
import { applyTier } from './tiers.js';

export async function disable(deps: ServiceDeps, call: ApsCall): Promise<undefined> {
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  if (rec.state === 'disabled') return undefined;
  const env = await instanceEnv(deps, call);
  const { ctx } = await parents(deps, call, rec);
  const admin = contextAdmin(ctx);
  await withOx({ doing: `disabling mailbox "${rec.login}"`, credentials: 'context admin' }, async () => {
    const { mailenabled } = await env.ox.getUser(oxContextOf(ctx), admin, { id: oxUserOf(rec) });
    const savedMailEnabled = String(mailenabled) !== 'false';
    await deps.ledger.updateResource(call.instanceId, rec.id, { props: { ...rec.props, savedMailEnabled } });
    await shutOut(env.ox, oxContextOf(ctx), admin, oxUserOf(rec));
  });
  await deps.ledger.updateResource(call.instanceId, rec.id, { state: 'disabled' });
  return undefined;
}

export async function enable(deps: ServiceDeps, call: ApsCall): Promise<undefined> {
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  if (rec.state !== 'disabled') return undefined;
  const env = await instanceEnv(deps, call);
  const { ctx, profile } = await parents(deps, call, rec);
  const admin = contextAdmin(ctx);
  // The tier the mailbox has now (it may have changed while suspended), not the rights it had.
  const mobility = await withOx(
    { doing: `enabling mailbox "${rec.login}"`, credentials: 'context admin' },
    async () => {
      const on = await applyTier(deps, env, { ...rec, state: 'ready' }, ctx, profile);
      await env.ox.changeUser(oxContextOf(ctx), admin, {
        id: oxUserOf(rec),
        mailenabled: rec.props.savedMailEnabled !== false,
      });
      return on;
    },
  );
  await deps.ledger.updateResource(call.instanceId, rec.id, {
    state: 'ready',
    props: { ...withoutSuspendState(rec.props), mobilityEnabled: mobility },
  });
  return undefined;
}
