// Subscriptions as OX contexts: allocation of context ids, the context admin, quota from the
// diskspace limit, branding, usage polling with a cache, suspend/resume and removal.
import { contextAdmin, contextProps } from './stored.js';
import type { ContextsProperties, ContextsProvision } from '../aps/schema-types.js';
import type { ApsCall, ResourceService } from '../aps/types.js';
import { OxFault, goneFromOx } from '../ox/faults.js';
import type { OxContext } from '../ox/ox-client.js';
import type { ResourceRecord, ResourceState } from '../store/ledger.js';
import type { ServiceDeps } from './deps.js';
import { instanceEnv, type InstanceEnv } from './instance-env.js';
import type { AppSettings } from './instance-settings.js';
import { claim, isReleased, recordOfCall, generatePassword, inconsistent, newRecord, ownProperties, oxContextOf, recordingFailures, reread, requireResource, resourceToDelete, resourceView } from './resources.js';
import { apsError, toApsError, withOx } from './ox-errors.js';
import { issueLoginUrl } from './sso-login.js';
import { adoptContext, adoptionProps, type Adoption } from './context-adoption.js';
import { deferDeletion, forgetContext } from './deferred-deletion.js';
import { checkTimeZone } from './time-zones.js';
import { asciiDomain } from './addresses.js';
import { errorMessage, isRecord } from '../util/errors.js';

const SERVICE = 'contexts';
/** Mailboxes that count against the subscription's limits. */
const COUNTED_STATES: ResourceState[] = ['ready', 'disabled', 'provisioning'];
const THEME_KEY = 'io.ox/core//theme';
const MAX_ID_ATTEMPTS = 100;

interface Counter {
  usage?: number | null;
  limit?: number | null;
}

/** MB for OX's maxQuota: the diskspace limit, or the default when absent or unlimited. */
export function quotaFrom(body: { diskspace?: Pick<Counter, 'limit'> }, settings: AppSettings): number {
  const limit = body.diskspace?.limit;
  return typeof limit === 'number' && limit >= 0 ? limit : settings.defaultQuotaMb;
}

function contextName(call: ApsCall): string {
  const subscription = isRecord(call.body.aps) ? call.body.aps.subscription : undefined;
  return `aps-${typeof subscription === 'string' ? subscription : call.resourceId}`;
}

/**
 * OX logs users in as `user@<mapping>`, and `change` replaces the whole mapping list: every list we
 * send keeps the context id (single sign-on logs in as `user@<id>`) and name beside the domain.
 */
function loginMappings(id: number, name: string, domain: string | undefined): string[] {
  return [...new Set([String(id), name, ...(domain ? [domain] : [])])];
}

/** The customer's domain in the ASCII form OX maps logins with (punycode for IDN names). */
function contextDomain(body: { domain?: unknown }): string | undefined {
  return typeof body.domain === 'string' ? asciiDomain('domain', body.domain) : undefined;
}

function themeAttributes(theme: unknown) {
  return typeof theme === 'string' ? { config: { [THEME_KEY]: theme } } : undefined;
}

async function createInOx(env: InstanceEnv, deps: ServiceDeps, call: ApsCall<ContextsProvision>, rec: ResourceRecord): Promise<OxContext> {
  const { ox, settings } = env;
  const name = contextName(call);
  const domain = contextDomain(call.body);
  const adminLogin = rec.login ?? inconsistent(`admin login of context ${rec.id}`);
  const admin = {
    name: adminLogin, password: rec.secrets.adminPassword, display_name: `Context administrator ${name}`,
    given_name: 'Context', sur_name: 'Administrator', primaryEmail: `${adminLogin}@${domain ?? `${name}.invalid`}`,
    language: call.body.language ?? settings.defaultLanguage,
    timezone: call.body.timezone ?? settings.defaultTimezone,
  };
  admin.primaryEmail = admin.primaryEmail.toLowerCase();
  const errCtx = { doing: `creating the context for subscription ${name}`, domain, accessCombination: settings.contextAdminAccess };
  let id = oxContextOf(rec);
  for (let attempt = 0; attempt < MAX_ID_ATTEMPTS; attempt++) {
    try {
      return await ox.createContext({
        id, name, maxQuota: quotaFrom(call.body, settings), loginMappings: loginMappings(id, name, domain),
        userAttributes: themeAttributes(call.body.theme ?? (settings.defaultTheme || undefined)),
      }, { ...admin, email1: admin.primaryEmail }, { combination: settings.contextAdminAccess });
    } catch (err) {
      if (!(err instanceof OxFault && err.kind === 'context-exists')) throw toApsError(err, errCtx);
      // Our name means our context from an earlier attempt: adopt it. Otherwise the id is taken.
      const ours = (await withOx(errCtx, () => ox.listContexts(name))).find((c) => c.name === name);
      if (ours) return ours;
      id = await deps.ledger.nextSequence(call.instanceId, 'context', settings.contextIdStart);
      await deps.ledger.updateResource(call.instanceId, rec.id, { oxContextId: id });
    }
  }
  throw apsError(503, 'ContextIdsExhausted', `No free OX context id after ${MAX_ID_ATTEMPTS} tries from contextIdStart ${settings.contextIdStart}`);
}

export function contextService(deps: ServiceDeps): ResourceService<ContextsProvision, ContextsProperties> {
  const { ledger } = deps;

  /** From the ledger's tallies: a usage poll reads no mailbox record (nor decrypts any password), at any context size. */
  async function counts(ctx: ResourceRecord) {
    const total = { mailboxes: 0, mobility: 0 };
    for (const t of await ledger.tallyChildren(ctx.instanceId, ctx.id, 'mailboxes')) {
      if (!COUNTED_STATES.includes(t.state)) continue;
      total.mailboxes += t.count;
      total.mobility += t.mobility;
    }
    return total;
  }

  async function view(rec: ResourceRecord, usedMb?: number): Promise<Record<string, unknown>> {
    const { mailboxes, mobility } = await counts(rec);
    const p = contextProps(rec);
    const limit = (name: 'diskspace' | 'mailboxCount' | 'mobilityCount') => p[name]?.limit ?? null;
    // The disk space limit is the quota OX enforces: an absent or unlimited one is defaultQuotaMb.
    const { settings } = await instanceEnv(deps, rec.instanceId);
    return resourceView(deps, SERVICE, rec.id, {
      ...p,
      contextId: rec.oxContextId, contextName: p.contextName, adminLogin: rec.login,
      diskspace: { usage: usedMb ?? rec.usage?.diskspace ?? 0, limit: quotaFrom(p, settings) },
      mailboxCount: { usage: mailboxes, limit: limit('mailboxCount') },
      mobilityCount: { usage: mobility, limit: limit('mobilityCount') },
    });
  }

  /** A context taken over from OX: recorded with its administrator, its quota and domain made ours, nothing renamed. */
  async function adopt(env: InstanceEnv, call: ApsCall<ContextsProvision>, record: ResourceRecord, adoption: Adoption) {
    const { oxCtx, admin, previous } = await adoptContext(deps, env, record, adoption);
    const domain = contextDomain(call.body);
    const change: OxContext = { id: oxCtx.id };
    const quota = quotaFrom(call.body, env.settings);
    if (oxCtx.maxQuota !== quota) change.maxQuota = quota;
    if (domain && !oxCtx.loginMappings?.includes(domain)) change.loginMappings = [...new Set([...(oxCtx.loginMappings ?? []), String(oxCtx.id), domain])];
    if (Object.keys(change).length > 1) await withOx({ doing: `changing context ${oxCtx.id}`, domain }, () => env.ox.changeContext(change));
    const props = {
      ...ownProperties(deps, SERVICE, call.body), domain, contextName: oxCtx.name, adminLogin: admin.login,
      // Brought back from this instance's own cancellation, a context stays what it was (ours, or taken over).
      adopt: previous ? contextProps(previous).adopt : adoptionProps(adoption, admin.login), aps: { type: deps.schemas.get(SERVICE)?.schema.id },
    };
    await ledger.updateResource(call.instanceId, record.id, {
      state: 'ready', oxContextId: oxCtx.id, login: admin.login, secrets: { adminPassword: admin.password }, props, lastError: null,
      usage: { diskspace: oxCtx.usedQuota ?? 0 }, usageAt: Date.now(),
    });
    return view(await reread(deps, record));
  }

  async function requireContext(call: ApsCall): Promise<ResourceRecord> {
    return requireResource(deps, call, call.resourceId, SERVICE);
  }

  /** Suspend or resume: OX keeps the data, its users cannot log in while disabled. */
  async function setEnabled(call: ApsCall, enabled: boolean): Promise<undefined> {
    const rec = await requireContext(call);
    const { ox } = await instanceEnv(deps, call.instanceId);
    const id = oxContextOf(rec);
    await withOx({ doing: `${enabled ? 'enabling' : 'disabling'} context ${id}` }, () => (enabled ? ox.enableContext(id) : ox.disableContext(id)));
    await ledger.updateResource(call.instanceId, rec.id, { state: enabled ? 'ready' : 'disabled' });
    return undefined;
  }

  return {
    provision: recordingFailures(deps, async (call: ApsCall<ContextsProvision>) => {
      checkTimeZone('timezone', call.body.timezone);
      contextDomain(call.body); // refused before anything is claimed
      const env = await instanceEnv(deps, call.instanceId);
      const { record } = await claim(deps, newRecord(call, SERVICE, {
        login: call.body.adminLogin ?? 'oxadmin',
        secrets: { adminPassword: generatePassword() },
      }));
      if (record.state === 'ready' || record.state === 'disabled') return view(record);
      if (call.body.adopt) return adopt(env, call, record, call.body.adopt);
      if (record.oxContextId == null) {
        record.oxContextId = await ledger.nextSequence(call.instanceId, 'context', env.settings.contextIdStart);
        await ledger.updateResource(call.instanceId, record.id, { oxContextId: record.oxContextId });
      }
      const created = await createInOx(env, deps, call, record);
      const props = {
        ...ownProperties(deps, SERVICE, call.body), domain: contextDomain(call.body), contextName: created.name ?? contextName(call),
        aps: { type: deps.schemas.get(SERVICE)?.schema.id },
      };
      await ledger.updateResource(call.instanceId, record.id, { state: 'ready', oxContextId: created.id, props, lastError: null, usage: { diskspace: 0 }, usageAt: Date.now() });
      return view(await reread(deps, record));
    }),

    // A 202 can already tell the controller the OX context id: it is taken before OX is asked.
    async known(call) {
      const rec = await recordOfCall(deps, call, SERVICE);
      return rec && { contextId: rec.oxContextId ?? undefined, adminLogin: rec.login ?? undefined };
    },

    async retrieve(call) {
      const rec = await requireContext(call);
      const fresh = rec.usageAt && Date.now() - rec.usageAt < deps.config.USAGE_CACHE_SECONDS * 1000;
      if (fresh || rec.state !== 'ready' && rec.state !== 'disabled') return view(rec);
      try {
        const { ox } = await instanceEnv(deps, call.instanceId);
        const ctx = await ox.getContext(oxContextOf(rec));
        const usedMb = ctx.usedQuota ?? 0;
        await ledger.updateResource(call.instanceId, rec.id, { usage: { diskspace: usedMb }, usageAt: Date.now() });
        return view(rec, usedMb);
      } catch (err) {
        // Usage polling must not fail the platform task: report the last known figure.
        call.log.warn({ err: errorMessage(err) }, 'usage poll fell back to the cached figure');
        return view(rec);
      }
    },

    async configure(call) {
      checkTimeZone('timezone', call.body.timezone);
      contextDomain(call.body);
      const rec = await requireContext(call);
      const { ox, settings } = await instanceEnv(deps, call.instanceId);
      const before = contextProps(rec);
      const { adopt: _adopt, ...sent } = ownProperties(deps, SERVICE, call.body); // the takeover is read once, at provisioning
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
      await ledger.updateResource(call.instanceId, rec.id, { props: { ...before, ...rest } });
      if (typeof wantedLogin === 'string' && wantedLogin !== rec.login) {
        const admin = contextAdmin(rec);
        await withOx({ doing: `renaming the administrator of context ${id} to "${wantedLogin}"`, credentials: 'context admin' }, async () => {
          const current = await ox.findUser(id, admin, admin.login);
          if (current?.id) await ox.changeUser(id, admin, { id: current.id, name: wantedLogin });
        });
        await ledger.updateResource(call.instanceId, rec.id, { props: { ...before, ...rest, adminLogin: wantedLogin }, login: wantedLogin });
      }
      return view(await reread(deps, rec));
    },

    disable: (call) => setEnabled(call, false),
    enable: (call) => setEnabled(call, true),

    operations: {
      adminLogin: (call) => issueLoginUrl(deps, call, 'contexts'),
    },

    async unprovision(call) {
      const rec = await resourceToDelete(deps, call, SERVICE);
      if (!rec || isReleased(rec)) return undefined; // already gone, or cancelled with a grace period
      if (rec.oxContextId == null) return void (await forgetContext(deps, rec));
      const { ox, settings } = await instanceEnv(deps, call.instanceId);
      const id = oxContextOf(rec);
      // A context taken over is left disabled in OX unless the instance says to delete it.
      const leave = contextProps(rec).adopt !== undefined && settings.adoptedUnprovision !== 'delete';
      if (leave || settings.deleteGraceDays > 0) {
        // A context already gone from OX has nothing left to keep.
        const gone = await withOx({ doing: `disabling context ${id}` }, () => goneFromOx(ox.disableContext(id)));
        return void (await (leave || gone ? forgetContext(deps, rec) : deferDeletion(deps, rec, settings.deleteGraceDays)));
      }
      await ledger.updateResource(call.instanceId, rec.id, { state: 'deleting' });
      await withOx({ doing: `deleting context ${id}` }, () => ox.deleteContext(id));
      await forgetContext(deps, rec);
      return undefined;
    },
  };
}
