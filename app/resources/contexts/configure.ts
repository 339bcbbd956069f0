// A context changed: quota, theme and domain (login mappings) go to OX in one call; the
// administrator's rename, which OX refuses by default, after the rest is recorded.
import { contextAdmin, contextProps } from '../shared/stored.js';
import type { ContextsProperties } from '../../aps/generated/schema-types.js';
import type { ApsCall } from '../../aps/types.js';
import type { OxContext } from '../../ox/ox-client.js';
import type { ServiceDeps } from '../shared/deps.js';
import { instanceEnv } from '../shared/instance-env.js';
import { modifyRecord, ownProperties, oxContextOf, requireResource, reread } from '../shared/records.js';
import { withOx } from '../shared/errors.js';
import { checkTimeZone } from '../shared/time-zones.js';
import { SERVICE, contextDomain, contextName, loginMappings, quotaFrom, themeAttributes, view } from './common.js';

export async function configure(deps: ServiceDeps, call: ApsCall<ContextsProperties>) {
  checkTimeZone('timezone', call.body.timezone);
  contextDomain(call.body);
  const rec = await requireResource(deps, call, call.resourceId, SERVICE);
  const { ox, settings } = await instanceEnv(deps, call);
  const before = contextProps(rec);
  // the takeover is read once, at provisioning
  const { adopt: _adopt, ...sent } = ownProperties(deps, SERVICE, call.body);
  const after = { ...sent, ...(call.body.domain !== undefined ? { domain: contextDomain(call.body) } : {}) };
  const id = oxContextOf(rec);
  const change: OxContext = { id };
  const newQuota = quotaFrom(call.body, settings);
  if (newQuota !== quotaFrom(before, settings)) change.maxQuota = newQuota;
  if (after.theme !== undefined && after.theme !== before.theme) change.userAttributes = themeAttributes(after.theme);
  if (after.domain !== undefined && after.domain !== before.domain) {
    change.loginMappings = loginMappings(id, String(before.contextName ?? contextName(call)), after.domain);
  }
  const errCtx = { doing: `changing context ${id}`, domain: after.domain };
  if (Object.keys(change).length > 1) await withOx(errCtx, () => ox.changeContext(change));
  // What OX took is recorded before the rename, which OX refuses by default: the ledger then
  // keeps the old login (and says so) while the other changes stand.
  const { adminLogin: wantedLogin, ...rest } = after;
  const written = await modifyRecord(deps, rec, (now) => ({ props: { ...now.props, ...rest } }));
  if (typeof wantedLogin === 'string' && wantedLogin !== rec.login) {
    const admin = contextAdmin(rec);
    await withOx(
      { doing: `renaming the administrator of context ${id} to "${wantedLogin}"`, credentials: 'context admin' },
      async () => {
        const current = await ox.findUser(id, admin, admin.login);
        if (current?.id) await ox.changeUser(id, admin, { id: current.id, name: wantedLogin });
      },
    );
    await modifyRecord(deps, written, (now) => ({
      props: { ...now.props, adminLogin: wantedLogin },
      login: wantedLogin,
    }));
  }
  return view(deps, await reread(deps, rec));
}
