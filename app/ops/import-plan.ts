// A migration plan from OX: what the provider creates in the controller to bring an existing OX
// context under this application — the context resource with its takeover fields, one mailbox
// resource per user (each with the tier whose rights match the user's), its groups, rooms and
// shared mailboxes with their members' logins (their provisioning takes each over by name or
// address) — and the users no tier fits.
import type { Credentials, OxClient, OxUser } from '../ox/ox-client.js';
import type { ModuleAccess } from '../ox/module-access.js';
import type { ResourceRecord } from '../store/ledger.js';
import { grantsMobility, tierDrift } from '../resources/shared/access.js';
import { findOxContext } from '../resources/contexts/adoption.js';
import type { ServiceDeps } from '../resources/shared/deps.js';
import { oxClientOf } from '../resources/shared/instance-env.js';
import { settingsOf } from '../resources/shared/instance-settings.js';
import { tierOf } from '../resources/shared/stored.js';
import { isRecord } from '../util/errors.js';

export interface ImportPlan {
  context: Record<string, unknown>;
  mailboxes: Array<{ resource: Record<string, unknown>; mobility: boolean }>;
  /** Each with the logins of the mailboxes to link as its members once they are provisioned. */
  groups: Array<{ resource: Record<string, unknown>; members: string[] }>;
  resources: Array<{ resource: Record<string, unknown> }>;
  sharedMailboxes: Array<{ resource: Record<string, unknown>; members: string[] }>;
  unmatched: Array<{ login: string; oxUserId: number; reason: string; moduleAccess: string[] }>;
  /** With a password list: how many were kept (sealed) for the takeover; the list's logins OX does not have. */
  passwords?: { kept: number; notInContext: string[] };
}

export interface ImportPlanOptions {
  instanceId: string;
  /** The OX context's id or name. */
  context: string;
  /** Its administrator; without them the master acts (MASTER_ACCOUNT_OVERRIDE). */
  admin?: Credentials;
  /** The old package's mailbox passwords (its `user_password` setting) by login. */
  passwords?: Map<string, string>;
}

/**
 * A password list as the old package's data gives it: `login,password` per line (blank lines and
 * `#` comments skipped; the first comma splits, so a password may hold commas), or JSON, an
 * object of login → password or an array of {login, password}. A bad entry is named by its line
 * or position, never by its content.
 */
export function parsePasswordList(text: string): Map<string, string> {
  const list = new Map<string, string>();
  const add = (login: unknown, password: unknown, where: string) => {
    if (typeof login !== 'string' || !login.trim() || typeof password !== 'string' || !password)
      throw new Error(`the password list has an entry without a login or a password (${where})`);
    list.set(login.trim(), password);
  };
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new Error('the password list is not valid JSON');
    }
    if (Array.isArray(parsed))
      parsed.forEach((e: { login?: unknown; password?: unknown }, i) => add(e?.login, e?.password, `entry ${i + 1}`));
    else if (isRecord(parsed))
      for (const [login, password] of Object.entries(parsed)) add(login, password, `login ${login}`);
    else throw new Error('the password list is neither lines nor a JSON object or array');
    return list;
  }
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim() || line.trimStart().startsWith('#')) return;
    const comma = line.indexOf(',');
    add(comma < 0 ? undefined : line.slice(0, comma), comma < 0 ? undefined : line.slice(comma + 1), `line ${i + 1}`);
  });
  return list;
}

const TYPES = {
  contexts: 'http://ox-connector.org/aps/contexts/1.1',
  mailboxes: 'http://ox-connector.org/aps/mailboxes/1.1',
  groups: 'http://ox-connector.org/aps/groups/1.0',
  resources: 'http://ox-connector.org/aps/resources/1.0',
  sharedMailboxes: 'http://ox-connector.org/aps/shared-mailboxes/1.0',
};

/** The context's groups (not OX's default one), rooms and shared mailboxes, members by login. */
async function collaboration(ox: OxClient, ctxId: number, admin: Credentials, users: OxUser[]) {
  const login = new Map(users.map((u) => [u.id, u.name ?? '']));
  const logins = (ids: number[]) => ids.flatMap((id) => (login.get(id) ? [login.get(id) ?? ''] : [])).sort();
  const p = ox.principals;
  const groups = (await p.listGroups(ctxId, admin))
    .filter((g) => g.name !== 'users')
    .map((g) => ({
      resource: { aps: { type: TYPES.groups }, name: g.name, displayName: g.displayname },
      members: logins(g.members ?? []),
    }));
  const resources = (await p.listResources(ctxId, admin)).map((r) => ({
    resource: {
      aps: { type: TYPES.resources },
      name: r.name,
      displayName: r.displayname,
      email: r.email,
      description: r.description,
      available: r.available,
    },
  }));
  const accounts = (await p.accountsAvailable(admin)) ? await p.listAccounts(ctxId, admin) : [];
  const addresses = [...new Set(accounts.map((a) => a.primaryAddress))].sort();
  const sharedMailboxes = addresses.map((address) => {
    const of = accounts.filter((a) => a.primaryAddress === address);
    return {
      resource: { aps: { type: TYPES.sharedMailboxes }, address, displayName: of[0].name || address },
      members: logins(of.map((a) => a.userId)),
    };
  });
  return { groups, resources, sharedMailboxes };
}

/** The first ready tier whose rights equal the user's (mobility aside: that is the add-on). */
function matchTier(profiles: ResourceRecord[], access: ModuleAccess): ResourceRecord | undefined {
  return profiles.find((p) => {
    const drift = tierDrift(tierOf(p), access);
    return drift !== undefined && Object.keys(drift.tier).length === 0;
  });
}

function mailboxResource(user: OxUser, tier: ResourceRecord): Record<string, unknown> {
  const primary = user.primaryEmail?.toLowerCase();
  const aliases = (user.aliases ?? []).map((a) => a.toLowerCase()).filter((a) => a !== primary);
  return {
    aps: { type: TYPES.mailboxes },
    login: user.name,
    email: user.primaryEmail,
    displayName: user.display_name,
    givenName: user.given_name,
    familyName: user.sur_name,
    ...(user.language ? { language: user.language } : {}),
    ...(user.timezone ? { timezone: user.timezone } : {}),
    ...(aliases.length ? { aliases } : {}),
    profile: { aps: { id: tier.id } },
  };
}

/** Seals the list's passwords of the context's users in the ledger, for the takeover of each mailbox. */
async function keepPasswords(
  deps: Pick<ServiceDeps, 'ledger'>,
  instanceId: string,
  oxContextId: number,
  users: OxUser[],
  passwords: Map<string, string>,
): Promise<{ kept: number; notInContext: string[] }> {
  const logins = new Set(users.map((u) => u.name));
  let kept = 0;
  for (const [login, password] of passwords) {
    if (!logins.has(login)) continue;
    await deps.ledger.keepImportedPassword(instanceId, oxContextId, login, password);
    kept++;
  }
  return { kept, notInContext: [...passwords.keys()].filter((l) => !logins.has(l)).sort() };
}

export async function importPlan(
  deps: Pick<ServiceDeps, 'ledger' | 'ox' | 'log'>,
  opts: ImportPlanOptions,
): Promise<ImportPlan> {
  const instance = await deps.ledger.getInstance(opts.instanceId);
  if (!instance) throw new Error(`no application instance ${opts.instanceId} in the ledger`);
  const settings = settingsOf(instance);
  if (!opts.admin && !settings.masterAccountOverride) {
    throw new Error(
      "name the context administrator (--admin-login, --admin-password-file), or set masterAccountOverride with OX's MASTER_ACCOUNT_OVERRIDE",
    );
  }
  const ox = await oxClientOf(deps, instance);
  const oxCtx = await findOxContext(ox, opts.context);
  if (!oxCtx) throw new Error(`OX has no context "${opts.context}"`);
  const admin = opts.admin ?? { login: 'oxadmin', password: '' };
  const profiles = await deps.ledger.listResources({ instanceId: instance.id, kind: 'profiles', states: ['ready'] });
  const plan: ImportPlan = {
    context: {
      aps: { type: TYPES.contexts },
      adopt: { context: String(oxCtx.id), ...(opts.admin ? { adminLogin: opts.admin.login } : {}) },
      ...(oxCtx.maxQuota !== undefined ? { diskspace: { limit: oxCtx.maxQuota } } : {}),
    },
    mailboxes: [],
    groups: [],
    resources: [],
    sharedMailboxes: [],
    unmatched: [],
  };
  const users = await ox.listUsers(oxCtx.id, admin);
  if (opts.passwords) plan.passwords = await keepPasswords(deps, instance.id, oxCtx.id, users, opts.passwords);
  for (const user of users) {
    if (user.id === undefined || !user.name || user.contextadmin === true || user.name === admin.login) continue;
    const access = await ox.getUserAccess(oxCtx.id, admin, user.id);
    const tier = matchTier(profiles, access);
    if (tier) plan.mailboxes.push({ resource: mailboxResource(user, tier), mobility: grantsMobility(access) });
    else {
      const granted = Object.entries(access)
        .filter(([, on]) => on)
        .map(([flag]) => flag)
        .sort();
      plan.unmatched.push({
        login: user.name,
        oxUserId: user.id,
        reason: 'its rights match no tier of this instance',
        moduleAccess: granted,
      });
    }
  }
  Object.assign(plan, await collaboration(ox, oxCtx.id, admin, users));
  return plan;
}
