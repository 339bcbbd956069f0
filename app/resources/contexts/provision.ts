// A subscription provisioned as an OX context: its id allocated in the ledger before OX is asked,
// created with its administrator, or taken over from OX (adopt).
import { contextProps } from '../shared/stored.js';
import { settleContextAdmin } from '../shared/admin-rights.js';
import type { ContextsProvision } from '../../aps/generated/schema-types.js';
import type { ApsCall } from '../../aps/types.js';
import { OxFault } from '../../ox/faults.js';
import type { OxContext } from '../../ox/ox-client.js';
import type { ResourceRecord } from '../../store/ledger.js';
import type { ServiceDeps } from '../shared/deps.js';
import { instanceEnv, type InstanceEnv } from '../shared/instance-env.js';
import {
  claim,
  generatePassword,
  inconsistent,
  newRecord,
  ownProperties,
  oxContextOf,
  reread,
} from '../shared/records.js';
import { apsError, toApsError, withOx } from '../shared/errors.js';
import { checkTimeZone } from '../shared/time-zones.js';
import { adoptContext, adoptionProps, type Adoption } from './adoption.js';
import { SERVICE, contextDomain, contextName, loginMappings, quotaFrom, themeAttributes, view } from './common.js';

const MAX_ID_ATTEMPTS = 100;

async function createInOx(
  env: InstanceEnv,
  deps: ServiceDeps,
  call: ApsCall<ContextsProvision>,
  rec: ResourceRecord,
): Promise<OxContext> {
  const { ox, settings } = env;
  const name = contextName(call);
  const domain = contextDomain(call.body);
  const adminLogin = rec.login ?? inconsistent(`admin login of context ${rec.id}`);
  const admin = {
    name: adminLogin,
    password: rec.secrets.adminPassword,
    display_name: `Context administrator ${name}`,
    given_name: 'Context',
    sur_name: 'Administrator',
    primaryEmail: `${adminLogin}@${domain ?? `${name}.invalid`}`,
    language: call.body.language ?? settings.defaultLanguage,
    timezone: call.body.timezone ?? settings.defaultTimezone,
  };
  admin.primaryEmail = admin.primaryEmail.toLowerCase();
  const errCtx = {
    doing: `creating the context for subscription ${name}`,
    domain,
    accessCombination: settings.contextAdminAccess,
  };
  let id = oxContextOf(rec);
  for (let attempt = 0; attempt < MAX_ID_ATTEMPTS; attempt++) {
    try {
      return await ox.createContext(
        {
          id,
          name,
          maxQuota: quotaFrom(call.body, settings),
          loginMappings: loginMappings(id, name, domain),
          userAttributes: themeAttributes(call.body.theme ?? (settings.defaultTheme || undefined)),
        },
        { ...admin, email1: admin.primaryEmail },
        { combination: settings.contextAdminAccess },
      );
    } catch (err) {
      if (!(err instanceof OxFault && err.kind === 'context-exists')) throw toApsError(err, errCtx);
      // Our name means our context from an earlier attempt: adopt it. Otherwise the id is taken.
      const ours = (await withOx(errCtx, () => ox.listContexts(name))).find((c) => c.name === name);
      if (ours) return ours;
      id = await deps.ledger.nextSequence(call.instanceId, 'context', settings.contextIdStart);
      await deps.ledger.updateResource(call.instanceId, rec.id, { oxContextId: id });
    }
  }
  throw apsError(
    503,
    'ContextIdsExhausted',
    `No free OX context id after ${MAX_ID_ATTEMPTS} tries from contextIdStart ${settings.contextIdStart}`,
  );
}

/** A context taken over from OX: recorded with its administrator, its quota and domain made ours, nothing renamed. */
async function adopt(
  deps: ServiceDeps,
  env: InstanceEnv,
  call: ApsCall<ContextsProvision>,
  record: ResourceRecord,
  adoption: Adoption,
) {
  const { oxCtx, admin, previous } = await adoptContext(deps, env, record, adoption);
  const domain = contextDomain(call.body);
  const change: OxContext = { id: oxCtx.id };
  const quota = quotaFrom(call.body, env.settings);
  if (oxCtx.maxQuota !== quota) change.maxQuota = quota;
  if (domain && !oxCtx.loginMappings?.includes(domain))
    change.loginMappings = [...new Set([...(oxCtx.loginMappings ?? []), String(oxCtx.id), domain])];
  if (Object.keys(change).length > 1)
    await withOx({ doing: `changing context ${oxCtx.id}`, domain }, () => env.ox.changeContext(change));
  const props = {
    ...ownProperties(deps, SERVICE, call.body),
    domain,
    contextName: oxCtx.name,
    adminLogin: admin.login,
    // Brought back from this instance's own cancellation, a context stays what it was (ours, or taken over).
    adopt: previous ? contextProps(previous).adopt : adoptionProps(adoption, admin.login),
    aps: { type: deps.schemas.get(SERVICE)?.schema.id },
  };
  await deps.ledger.updateResource(call.instanceId, record.id, {
    state: 'ready',
    oxContextId: oxCtx.id,
    login: admin.login,
    secrets: { adminPassword: admin.password },
    props,
    lastError: null,
    usage: { diskspace: oxCtx.usedQuota ?? 0 },
    usageAt: Date.now(),
  });
  return view(deps, await reread(deps, record));
}

export async function provision(deps: ServiceDeps, call: ApsCall<ContextsProvision>) {
  const { ledger } = deps;
  checkTimeZone('timezone', call.body.timezone);
  contextDomain(call.body); // refused before anything is claimed
  const env = await instanceEnv(deps, call);
  const { record } = await claim(
    deps,
    newRecord(call, SERVICE, {
      login: call.body.adminLogin ?? 'oxadmin',
      secrets: { adminPassword: generatePassword() },
    }),
  );
  if (record.state === 'ready' || record.state === 'disabled') return view(deps, record);
  if (call.body.adopt) return adopt(deps, env, call, record, call.body.adopt);
  if (record.oxContextId == null) {
    record.oxContextId = await ledger.nextSequence(call.instanceId, 'context', env.settings.contextIdStart);
    await ledger.updateResource(call.instanceId, record.id, { oxContextId: record.oxContextId });
  }
  const created = await createInOx(env, deps, call, record);
  await settleContextAdmin(env.ox, created.id, record);
  const props = {
    ...ownProperties(deps, SERVICE, call.body),
    domain: contextDomain(call.body),
    contextName: created.name ?? contextName(call),
    aps: { type: deps.schemas.get(SERVICE)?.schema.id },
  };
  await ledger.updateResource(call.instanceId, record.id, {
    state: 'ready',
    oxContextId: created.id,
    props,
    lastError: null,
    usage: { diskspace: 0 },
    usageAt: Date.now(),
  });
  return view(deps, await reread(deps, record));
}
