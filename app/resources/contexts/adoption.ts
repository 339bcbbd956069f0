// Taking over an OX context this application did not create (migration from the APS 1.2 package,
// contexts made by hand, a ledger rebuilt after loss): the context must exist, no resource of any
// instance on the same OX may hold it, and its administrator must be able to log in. Nothing is
// renamed; the quota, suspend state and single sign-on are ours from then on.
import type { ContextsProvision } from '../../aps/generated/schema-types.js';
import { isGone } from '../../ox/faults.js';
import type { Credentials, OxClient, OxContext } from '../../ox/ox-client.js';
import type { ResourceRecord } from '../../store/ledger.js';
import type { ServiceDeps } from '../shared/deps.js';
import type { InstanceEnv } from '../shared/instance-env.js';
import { settingsOf } from '../shared/instance-settings.js';
import { apsError, withOx } from '../shared/errors.js';
import { forgetContext } from '../shared/deletions.js';
import { generatePassword, isReleased } from '../shared/records.js';

export type Adoption = NonNullable<ContextsProvision['adopt']>;

/** What a resource keeps of its adoption: the password lives with the other secrets. */
export const adoptionProps = (adopt: Adoption, login: string) => ({ context: adopt.context, adminLogin: login });

const LOCK_MS = 60_000;

/** The OX context named by id or by name, or undefined. */
export async function findOxContext(ox: OxClient, ref: string): Promise<OxContext | undefined> {
  if (/^\d+$/.test(ref)) {
    try {
      return await ox.getContext(Number(ref));
    } catch (err) {
      if (isGone(err)) return undefined;
      throw err;
    }
  }
  return (await ox.listContexts(ref)).find((c) => c.name === ref);
}

/** The ledger's records holding this OX context, of every instance provisioning to the same OX. */
export async function holdersOf(
  deps: Pick<ServiceDeps, 'ledger'>,
  oxSoapUrl: string,
  oxContextId: number,
): Promise<ResourceRecord[]> {
  const records = await deps.ledger.listResources({ instanceId: undefined, kind: 'contexts', oxContextId });
  const servers = new Map<string, string | undefined>();
  for (const id of new Set(records.map((r) => r.instanceId))) {
    const instance = await deps.ledger.getInstance(id);
    servers.set(id, instance ? settingsOf(instance).oxSoapUrl : undefined);
  }
  return records.filter((r) => servers.get(r.instanceId) === oxSoapUrl);
}

/**
 * Under MASTER_ACCOUNT_OVERRIDE the master may act in the context: the administrator gets a new
 * password only this application knows (the provider did not give one).
 */
async function takeAdmin(ox: OxClient, ctxId: number, login: string | undefined): Promise<Credentials> {
  const users = await ox.listUsers(ctxId, { login: login ?? 'oxadmin', password: '' });
  const admin = users.find((u) => (login ? u.name === login : u.contextadmin === true));
  if (!admin?.id || !admin.name)
    throw apsError(400, 'AdoptionRefused', `OX context ${ctxId} has no administrator "${login ?? '(context admin)'}"`);
  const password = generatePassword();
  await ox.changeUser(ctxId, { login: admin.name, password: '' }, { id: admin.id, password });
  return { login: admin.name, password };
}

/**
 * The administrator's credentials: given, kept from a cancelled resource of this instance, or taken with the master.
 */
async function credentials(
  env: InstanceEnv,
  ctxId: number,
  adopt: Adoption,
  previous: ResourceRecord | undefined,
): Promise<Credentials> {
  if (adopt.adminPassword) return { login: adopt.adminLogin ?? 'oxadmin', password: adopt.adminPassword };
  if (previous?.secrets.adminPassword)
    return { login: previous.login ?? 'oxadmin', password: previous.secrets.adminPassword };
  if (env.settings.masterAccountOverride) return takeAdmin(env.ox, ctxId, adopt.adminLogin);
  throw apsError(
    400,
    'AdoptionRefused',
    `Taking over OX context ${ctxId} needs adopt.adminLogin and adopt.adminPassword (or the instance setting masterAccountOverride with OX's MASTER_ACCOUNT_OVERRIDE)`,
  );
}

/**
 * Takes the OX context the adoption names for the resource `rec`: checks it, brings back a
 * cancellation still within its grace period (those records are let go), enables it in OX.
 */
export async function adoptContext(
  deps: ServiceDeps,
  env: InstanceEnv,
  rec: ResourceRecord,
  adopt: Adoption,
): Promise<{ oxCtx: OxContext; admin: Credentials; previous?: ResourceRecord }> {
  const doing = { doing: `taking over OX context ${adopt.context}`, credentials: 'master' as const };
  const oxCtx = await withOx(doing, () => findOxContext(env.ox, adopt.context));
  if (!oxCtx)
    throw apsError(
      400,
      'AdoptionRefused',
      `OX has no context "${adopt.context}" to take over: name an existing context by its id or name`,
    );
  const server = env.settings.oxSoapUrl ?? '';
  const lock = `adopt ${server} ${oxCtx.id}`;
  if (!(await deps.ledger.tryLock(lock, rec.id, LOCK_MS))) {
    throw apsError(
      409,
      'ContextHeld',
      `OX context ${oxCtx.id} is being taken over by another request right now; try again`,
      true,
    );
  }
  try {
    const holders = (await holdersOf(deps, server, oxCtx.id)).filter(
      (h) => !(h.instanceId === rec.instanceId && h.id === rec.id),
    );
    const held = holders.find((h) => !isReleased(h));
    if (held) {
      const whose = held.instanceId === rec.instanceId ? 'resource' : 'a resource of another application instance,';
      throw apsError(
        409,
        'ContextHeld',
        `OX context ${oxCtx.id} (${oxCtx.name ?? ''}) is already managed by ${whose} ${held.id}: a context belongs to one subscription`,
      );
    }
    const previous = holders.find((h) => h.instanceId === rec.instanceId);
    const admin = await credentials(env, oxCtx.id, adopt, previous);
    if (!(await withOx(doing, () => env.ox.adminCanLogIn(oxCtx.id, admin)))) {
      throw apsError(
        400,
        'AdoptionRefused',
        `OX refused the administrator "${admin.login}" of context ${oxCtx.id}: check adopt.adminLogin and adopt.adminPassword`,
      );
    }
    for (const h of holders) await forgetContext(deps, h);
    if (oxCtx.enabled === false) await withOx(doing, () => env.ox.enableContext(oxCtx.id));
    return { oxCtx: { ...oxCtx, enabled: true }, admin, previous };
  } finally {
    await deps.ledger.unlock(lock, rec.id);
  }
}
