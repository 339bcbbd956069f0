// Typed OX provisioning operations over one SoapTransport. Knows OX, nothing of APS.
import type { SoapTransport } from './soap-transport.js';
import { completeAccess, type ModuleAccess } from './module-access.js';
import { OxFault, OxTransportError, ignoreKinds } from './faults.js';
import type { ServiceName } from './contract.js';
import { OxPrincipals } from './principals.js';
import { errorMessage } from '../util/errors.js';
import {
  asArray,
  asBoolean,
  asWire,
  contextFromWire,
  contextToWire,
  userFromWire,
  userToWire,
  type OxContext,
  type OxUser,
  type Wire,
} from './wire-mapping.js';

export type { Attributes, OxContext, OxUser } from './wire-mapping.js';

export interface Credentials {
  login: string;
  password: string;
}

/** Rights as an access combination name or explicit flags (completed: OX grants omitted flags). */
export type Access = { combination: string } | { flags: Partial<ModuleAccess> };

export interface OxClientOptions {
  master: Credentials;
  /** OX MASTER_ACCOUNT_OVERRIDE: the master admin may act inside every context. */
  masterAccountOverride: boolean;
  /** Sees every call of this client with its arguments, passwords replaced (diagnostics). */
  trace?: (entry: OxTraceEntry) => void;
}

export interface OxTraceEntry {
  service: string;
  operation: string;
  args: unknown;
  ms: number;
  outcome: 'ok' | 'failed';
  error?: string;
}

/** Arguments as they may be logged: every credential and password replaced. */
export function redactArgs(value: unknown, key = ''): unknown {
  if (/^(password|auth)$/i.test(key)) return '[redacted]';
  if (Array.isArray(value)) return value.map((v) => redactArgs(v));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactArgs(v, k)]));
  return value;
}

/** What `asItself` answers when OX refuses the administrator's own credentials. */
const REFUSED = Symbol('refused');

/** OX's module access answer, every flag present. */
function accessFromWire(answer: unknown): ModuleAccess {
  const wire = asWire(answer);
  return completeAccess(Object.fromEntries(Object.entries(wire).map(([k, v]) => [k, asBoolean(v)])));
}

export class OxClient {
  /** Groups, resources and functional (secondary) mail accounts of a context. */
  readonly principals: OxPrincipals;

  constructor(
    private readonly soap: SoapTransport,
    private readonly opts: OxClientOptions,
  ) {
    this.principals = new OxPrincipals((admin, service, operation, args) =>
      this.asAdmin(admin, service, operation, args),
    );
  }

  // ----- contexts (master admin) -----

  async createContext(ctx: OxContext, admin: OxUser, access: Access): Promise<OxContext> {
    const args = { ctx: contextToWire(ctx), admin_user: userToWire(admin) };
    const result =
      'combination' in access
        ? await this.context('createModuleAccessByName', { ...args, access_combination_name: access.combination })
        : await this.context('createModuleAccess', { ...args, access: completeAccess(access.flags) });
    return contextFromWire(asWire(result));
  }

  async changeContext(ctx: OxContext): Promise<void> {
    await this.context('change', { ctx: contextToWire(ctx) });
  }

  async changeContextAccess(id: number, combination: string): Promise<void> {
    await this.context('changeModuleAccessByName', { ctx: { id }, access_combination_name: combination });
  }

  async getContext(id: number): Promise<OxContext> {
    return contextFromWire(asWire(await this.context('getData', { ctx: { id } })));
  }

  async contextExists(id: number): Promise<boolean> {
    return asBoolean(await this.context('exists', { ctx: { id } }));
  }

  /** Contexts whose id or name match the pattern (`*` wildcard). */
  async listContexts(pattern: string): Promise<OxContext[]> {
    return asArray(await this.context('list', { search_pattern: pattern })).map((c) => contextFromWire(asWire(c)));
  }

  async enableContext(id: number): Promise<void> {
    await this.context('enable', { ctx: { id } });
  }

  /** Disables; a context already disabled counts as done. */
  async disableContext(id: number): Promise<void> {
    await ignoreKinds(this.context('disable', { ctx: { id } }), ['already-disabled']);
  }

  /** Deletes; a context already gone counts as done. */
  async deleteContext(id: number): Promise<void> {
    await ignoreKinds(this.context('delete', { ctx: { id } }), ['no-such-context']);
  }

  // ----- users (context admin, or master with MASTER_ACCOUNT_OVERRIDE) -----

  async createUser(ctxId: number, admin: Credentials, user: OxUser, access: Access): Promise<OxUser & { id: number }> {
    const args = { ctx: { id: ctxId }, usrdata: userToWire(user) };
    const operation = 'combination' in access ? 'createByModuleAccessName' : 'createByModuleAccess';
    const result =
      'combination' in access
        ? await this.user(admin, operation, { ...args, access_combination_name: access.combination })
        : await this.user(admin, operation, { ...args, access: completeAccess(access.flags) });
    const created = userFromWire(asWire(result));
    // Retryable: the retry finds the user by its login (user-exists) and adopts it.
    if (created.id === undefined)
      throw new OxTransportError(`OXUserService.${operation}`, 'its answer holds no user id');
    return { ...created, id: created.id };
  }

  /** Changes the fields given (absent = unchanged, "" = cleared); `user.id` or `user.name` names the user. */
  async changeUser(ctxId: number, admin: Credentials, user: OxUser): Promise<void> {
    await this.user(admin, 'change', { ctx: { id: ctxId }, usrdata: userToWire(user) });
  }

  async changeUserAccess(ctxId: number, admin: Credentials, userId: number, access: Access): Promise<void> {
    const base = { ctx: { id: ctxId }, user: { id: userId } };
    if ('combination' in access) {
      await this.user(admin, 'changeByModuleAccessName', { ...base, access_combination_name: access.combination });
    } else {
      await this.user(admin, 'changeByModuleAccess', { ...base, moduleAccess: completeAccess(access.flags) });
    }
  }

  async getUserAccess(ctxId: number, admin: Credentials, userId: number): Promise<ModuleAccess> {
    return accessFromWire(await this.user(admin, 'getModuleAccess', { ctx: { id: ctxId }, user: { id: userId } }));
  }

  /**
   * The administrator's own rights, asked with its own credentials even under
   * MASTER_ACCOUNT_OVERRIDE: one call that also tells whether OX still takes them (undefined when
   * it refuses them), where `adminCanLogIn` and `getUserAccess` would take two.
   */
  async adminOwnAccess(ctxId: number, admin: Credentials, adminId: number): Promise<ModuleAccess | undefined> {
    const answer = await this.asItself(admin, 'getModuleAccess', { ctx: { id: ctxId }, user: { id: adminId } });
    return answer === REFUSED ? undefined : accessFromWire(answer);
  }

  async changeUserCapabilities(
    ctxId: number,
    admin: Credentials,
    userId: number,
    add: string[],
    remove: string[],
  ): Promise<void> {
    await this.user(admin, 'changeCapabilities', {
      ctx: { id: ctxId },
      user: { id: userId },
      capsToAdd: add.join(','),
      capsToRemove: remove.join(','),
      capsToDrop: '',
    });
  }

  async getUser(ctxId: number, admin: Credentials, ref: { id: number } | { name: string }): Promise<OxUser> {
    return userFromWire(asWire(await this.user(admin, 'getData', { ctx: { id: ctxId }, user: ref })));
  }

  /**
   * Whether OX takes these credentials for the context and knows their login there: asked with
   * the credentials themselves even under MASTER_ACCOUNT_OVERRIDE (single sign-on uses them).
   */
  async adminCanLogIn(ctxId: number, admin: Credentials): Promise<boolean> {
    const answer = await this.asItself(admin, 'exists', { ctx: { id: ctxId }, user: { name: admin.login } });
    return answer !== REFUSED && asBoolean(answer);
  }

  /** Every user of the context with its data: one call for the ids, one for their data. */
  async listUsers(ctxId: number, admin: Credentials): Promise<OxUser[]> {
    const ids = asArray(await this.user(admin, 'list', { ctx: { id: ctxId }, search_pattern: '*' })).map(
      (u) => userFromWire(asWire(u)).id,
    );
    const refs = ids.filter((id): id is number => id !== undefined).map((id) => ({ id }));
    if (!refs.length) return [];
    return asArray(await this.user(admin, 'getMultipleData', { ctx: { id: ctxId }, users: refs })).map((u) =>
      userFromWire(asWire(u)),
    );
  }

  /** The user's capabilities as OX lists them. */
  async getUserCapabilities(ctxId: number, admin: Credentials, userId: number): Promise<string[]> {
    const list = await this.user(admin, 'getUserCapabilities', { ctx: { id: ctxId }, user: { id: userId } });
    return String(list ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
  }

  /** The user with this login, or undefined. */
  async findUser(ctxId: number, admin: Credentials, name: string): Promise<OxUser | undefined> {
    if (!asBoolean(await this.user(admin, 'exists', { ctx: { id: ctxId }, user: { name } }))) return undefined;
    return this.getUser(ctxId, admin, { name });
  }

  /** Deletes; a user already gone counts as done. */
  async deleteUser(ctxId: number, admin: Credentials, userId: number): Promise<void> {
    await ignoreKinds(this.user(admin, 'delete', { ctx: { id: ctxId }, user: { id: userId } }), ['no-such-user']);
  }

  private context(operation: string, args: Wire): Promise<unknown> {
    return this.send('OXContextService', operation, { ...args, auth: this.opts.master });
  }

  private user(admin: Credentials, operation: string, args: Wire): Promise<unknown> {
    return this.asAdmin(admin, 'OXUserService', operation, args);
  }

  /** A user call with the administrator's own credentials even under master override (REFUSED: OX refused them). */
  private async asItself(admin: Credentials, operation: string, args: Wire): Promise<unknown> {
    try {
      return await this.send('OXUserService', operation, { ...args, auth: admin });
    } catch (err) {
      if (err instanceof OxFault && err.kind === 'authentication') return REFUSED;
      throw err;
    }
  }

  /** A context-admin call (the master admin's under MASTER_ACCOUNT_OVERRIDE). */
  private asAdmin(admin: Credentials, service: ServiceName, operation: string, args: Wire): Promise<unknown> {
    const auth = this.opts.masterAccountOverride ? this.opts.master : admin;
    return this.send(service, operation, { ...args, auth });
  }

  private async send(service: ServiceName, operation: string, args: Wire): Promise<unknown> {
    const { trace } = this.opts;
    if (!trace) return this.soap.call(service, operation, args);
    const started = Date.now();
    try {
      const result = await this.soap.call(service, operation, args);
      trace({ service, operation, args: redactArgs(args), ms: Date.now() - started, outcome: 'ok' });
      return result;
    } catch (err) {
      trace({
        service,
        operation,
        args: redactArgs(args),
        ms: Date.now() - started,
        outcome: 'failed',
        error: errorMessage(err),
      });
      throw err;
    }
  }
}
