// The simulator's OX: contexts and users with OX's rules and fault texts (shared/spec/ox-soap.md §9).
import { ACCESS_COMBINATIONS, MINIMAL_ACCESS, applyDefaultTrue, combinationNameOf, type Flags } from './access.js';

export class OxError extends Error {
  constructor(
    readonly exceptionClass: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new OxError('InvalidDataException', message);
const authFailed = () => new OxError('InvalidCredentialsException', 'Authentication failed');

type Attrs = Record<string, Record<string, string>>;
type Obj = Record<string, unknown>;

export interface SimUser {
  id: number;
  name: string;
  password: string;
  display_name: string;
  given_name: string;
  sur_name: string;
  primaryEmail: string;
  email1: string;
  aliases: string[];
  defaultSenderAddress: string;
  contextadmin: boolean;
  access: Flags;
  capabilities: string[];
  fields: Obj; // every other field we were sent (language, timezone, imapServer…)
}

export interface SimContext {
  id: number;
  name: string;
  enabled: boolean;
  loginMappings: string[];
  maxQuota: number;
  usedQuota: number;
  userAttributes: Attrs;
  capabilities: string[];
  adminId: number;
  users: Map<number, SimUser>;
  nextUserId: number;
}

/** OX's server settings that decide what provisioning may do; defaults as a default OX ships. */
export interface ModelOptions {
  masterLogin: string;
  masterPassword: string;
  /** com.openexchange.user.enforceUniqueDisplayName (default true). */
  enforceUniqueDisplayName: boolean;
  /** MASTER_ACCOUNT_OVERRIDE (default false). */
  masterAccountOverride: boolean;
  /** USERNAME_CHANGEABLE in AdminUser.properties (shipped false, code fallback false). */
  usernameChangeable: boolean;
  /** PRIMARY_MAIL_UNCHANGEABLE (shipped false; some versions refuse regardless, ox-login.md §3.2). */
  primaryMailUnchangeable: boolean;
}

const LOGIN_CHARS = /^[$@%.+a-zA-Z0-9_-]+$/;
const USER_MANDATORY = ['name', 'display_name', 'password', 'given_name', 'sur_name', 'primaryEmail'];
const USER_CORE = new Set([
  ...USER_MANDATORY,
  'id',
  'email1',
  'aliases',
  'defaultSenderAddress',
  'contextadmin',
  'userAttributes',
]);

export class OxModel {
  readonly contexts = new Map<number, SimContext>();

  constructor(readonly options: ModelOptions) {}

  reset(): void {
    this.contexts.clear();
  }

  // ----- authentication -----

  checkMaster(auth: Obj | undefined): void {
    if (auth?.login !== this.options.masterLogin || auth?.password !== this.options.masterPassword) throw authFailed();
  }

  /** Context-admin calls authenticate before the context is looked up: a missing context also fails here. */
  checkContextAdmin(ctxRef: Obj | undefined, auth: Obj | undefined): SimContext {
    const ctx = this.contexts.get(Number(ctxRef?.id));
    if (this.options.masterAccountOverride && auth?.login === this.options.masterLogin) {
      this.checkMaster(auth);
      if (!ctx) throw new OxError('NoSuchContextException', `Context ${String(ctxRef?.id)} does not exist`);
      return ctx;
    }
    const admin = ctx?.users.get(ctx.adminId);
    if (!ctx || !admin || auth?.login !== admin.name || auth?.password !== admin.password) throw authFailed();
    return ctx;
  }

  // ----- contexts -----

  findContext(ref: Obj | undefined): SimContext {
    const ctx =
      ref?.id !== undefined
        ? this.contexts.get(Number(ref.id))
        : [...this.contexts.values()].find((c) => c.name === ref?.name);
    if (!ctx) throw new OxError('NoSuchContextException', `Context ${String(ref?.id ?? ref?.name)} does not exist`);
    return ctx;
  }

  createContext(ctx: Obj, admin: Obj, access: Flags): SimContext {
    if (ctx.maxQuota === undefined) throw invalid('Mandatory fields in context not set: maxQuota');
    const missing = USER_MANDATORY.filter((f) => !admin[f]);
    if (missing.length) throw invalid(`Mandatory fields in admin user not set: ${missing.join(', ')}`);
    const id = ctx.id !== undefined ? Number(ctx.id) : this.nextContextId();
    if (this.contexts.has(id)) throw new OxError('ContextExistsException', `Context ${id} already exists!`);
    const name = String(ctx.name ?? id);
    if ([...this.contexts.values()].some((c) => c.name === name)) {
      throw new OxError('ContextExistsException', `Context ${name} already exists!`);
    }
    const mappings = this.checkMappings(id, [String(id), name, ...((ctx.loginMappings as string[]) ?? [])]);
    const created: SimContext = {
      id,
      name,
      enabled: ctx.enabled !== false,
      loginMappings: mappings,
      maxQuota: Number(ctx.maxQuota),
      usedQuota: 0,
      userAttributes: attrsFromWire(ctx.userAttributes),
      capabilities: [],
      adminId: 2,
      users: new Map(),
      nextUserId: 2,
    };
    this.validateUser(created, admin, true);
    this.contexts.set(id, created);
    this.addUser(created, { ...admin, contextadmin: true }, access);
    return created;
  }

  changeContext(ref: Obj): void {
    const ctx = this.findContext({ id: ref.id, name: ref.id === undefined ? ref.name : undefined });
    if (ref.name !== undefined && ref.name !== ctx.name) {
      if ([...this.contexts.values()].some((c) => c.name === ref.name)) {
        throw new OxError('InvalidDataException', `Context ${String(ref.name)} already exists!`);
      }
      ctx.name = String(ref.name);
    }
    // A change replaces the mappings with exactly what was sent: the caller keeps the id and name.
    if (ref.loginMappings !== undefined) ctx.loginMappings = this.checkMappings(ctx.id, ref.loginMappings as string[]);
    if (ref.maxQuota !== undefined) ctx.maxQuota = Number(ref.maxQuota);
    for (const [ns, map] of Object.entries(attrsFromWire(ref.userAttributes))) {
      const target = (ctx.userAttributes[ns] ??= {});
      for (const [k, v] of Object.entries(map)) {
        if (v === '') delete target[k];
        else target[k] = v;
      }
    }
  }

  disableContext(ctx: SimContext): void {
    if (!ctx.enabled) throw new OxError('OXContextException', 'Context already disabled');
    ctx.enabled = false;
  }

  listContexts(pattern: string): SimContext[] {
    const re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    return [...this.contexts.values()].filter((c) => re.test(String(c.id)) || re.test(c.name));
  }

  contextView(ctx: SimContext): Obj {
    return {
      average_size: 100,
      enabled: ctx.enabled,
      filestoreId: 3,
      filestore_name: `${ctx.id}_ctx_store`,
      id: ctx.id,
      loginMappings: ctx.loginMappings,
      maxQuota: ctx.maxQuota,
      name: ctx.name,
      usedQuota: ctx.usedQuota,
      userAttributes: attrsToWire(ctx.userAttributes),
    };
  }

  private nextContextId(): number {
    return Math.max(0, ...this.contexts.keys()) + 1;
  }

  private checkMappings(id: number, mappings: string[]): string[] {
    const unique = [...new Set(mappings)];
    for (const m of unique) {
      const owner = [...this.contexts.values()].find((c) => c.id !== id && c.loginMappings.includes(m));
      if (owner) throw invalid(`Cannot map '${m}' to context ${id}. This mapping is already in use.`);
    }
    return unique;
  }

  // ----- users -----

  createUser(ctx: SimContext, data: Obj, access: Flags): SimUser {
    this.validateUser(ctx, data, false);
    return this.addUser(ctx, { ...data, contextadmin: false }, access);
  }

  findUser(ctx: SimContext, ref: Obj | undefined): SimUser {
    const user =
      ref?.id !== undefined ? ctx.users.get(Number(ref.id)) : [...ctx.users.values()].find((u) => u.name === ref?.name);
    if (!user)
      throw new OxError('NoSuchUserException', `No such user ${String(ref?.id ?? ref?.name)} in context ${ctx.id}`);
    return user;
  }

  changeUser(ctx: SimContext, data: Obj): void {
    const user = this.findUser(ctx, { id: data.id, name: data.id === undefined ? data.name : undefined });
    if (data.password === '') throw invalid('Empty password is not allowed.');
    if (data.display_name !== undefined && data.display_name !== user.display_name) {
      this.checkDisplayName(ctx, String(data.display_name), user.id);
    }
    if (data.primaryEmail !== undefined && data.primaryEmail !== user.primaryEmail) {
      this.checkPrimaryMail(ctx, String(data.primaryEmail), user.id);
    }
    if (
      data.primaryEmail !== undefined &&
      String(data.primaryEmail).toLowerCase() !== user.primaryEmail.toLowerCase()
    ) {
      if (this.options.primaryMailUnchangeable) throw invalid('primary mail must not be changed');
      if (data.email1 === undefined) throw invalid('email1 not sent but required!');
    }
    const next = {
      ...user,
      ...pick(data, [
        'password',
        'display_name',
        'given_name',
        'sur_name',
        'primaryEmail',
        'email1',
        'defaultSenderAddress',
      ]),
    };
    if (next.primaryEmail !== next.email1) throw invalid('email1 not equal with primarymail!');
    const mailFields = ['primaryEmail', 'email1', 'defaultSenderAddress', 'aliases'];
    if (mailFields.some((f) => data[f] !== undefined)) {
      const aliases = (data.aliases as string[] | undefined) ?? user.aliases;
      if (![next.primaryEmail, next.email1, next.defaultSenderAddress].every((a) => aliases.includes(a))) {
        throw invalid('primaryMail, Email1 and defaultSenderAddress must be present in set of aliases.');
      }
      next.aliases = aliases;
    }
    if (data.language !== undefined) checkLanguage(String(data.language));
    const rename = data.id !== undefined && data.name !== undefined && data.name !== user.name;
    // Renaming a login: only where USERNAME_CHANGEABLE=true, and then under the creation rules.
    if (rename && !this.options.usernameChangeable) throw invalid('Changing username is disabled!');
    if (rename) this.checkLogin(String(data.name));
    if (rename && [...ctx.users.values()].some((u) => u.name === data.name))
      throw invalid(`User ${String(data.name)} already exists in this context`);
    Object.assign(user, next);
    if (rename) user.name = String(data.name);
    for (const [k, v] of Object.entries(data)) {
      if (!USER_CORE.has(k)) {
        if (v === '') delete user.fields[k];
        else user.fields[k] = v;
      }
    }
  }

  deleteUser(ctx: SimContext, ref: Obj): void {
    const user = this.findUser(ctx, ref);
    ctx.users.delete(user.id);
  }

  userView(user: SimUser): Obj {
    return {
      ...user.fields,
      aliases: user.aliases,
      contextadmin: user.contextadmin,
      defaultSenderAddress: user.defaultSenderAddress,
      display_name: user.display_name,
      email1: user.email1,
      given_name: user.given_name,
      id: user.id,
      name: user.name,
      primaryEmail: user.primaryEmail,
      sur_name: user.sur_name,
    };
  }

  resolveAccess(name: unknown): Flags {
    const flags = ACCESS_COMBINATIONS[String(name)];
    if (!flags) throw invalid(`No such access combination name "${String(name)}"`);
    return { ...flags };
  }

  explicitAccess(given: Obj | undefined): Flags {
    return applyDefaultTrue((given ?? {}) as Flags);
  }

  minimalAccess(): Flags {
    return { ...MINIMAL_ACCESS };
  }

  combinationName(flags: Flags): string | null {
    return combinationNameOf(flags) ?? null;
  }

  private validateUser(ctx: SimContext, data: Obj, isAdmin: boolean): void {
    const missing = USER_MANDATORY.filter((f) => data[f] === undefined);
    if (missing.length) throw invalid(`Mandatory fields not set: ${missing.join(', ')}`);
    if (data.password === '') throw invalid('Empty password is not allowed.');
    const name = String(data.name);
    this.checkLogin(name);
    if (data.email1 !== undefined && data.email1 !== data.primaryEmail) {
      throw invalid('primarymail must have the same value as email1');
    }
    if (data.language !== undefined) checkLanguage(String(data.language));
    if ([...ctx.users.values()].some((u) => u.name === name))
      throw invalid(`User ${name} already exists in this context`);
    if (!isAdmin) this.checkDisplayName(ctx, String(data.display_name), -1);
    this.checkPrimaryMail(ctx, String(data.primaryEmail), -1);
  }

  private checkLogin(name: string): void {
    const illegal = [...name].filter((c) => !LOGIN_CHARS.test(c));
    if (illegal.length) throw invalid(`Illegal chars: "${illegal.join('')}"`);
  }

  private checkDisplayName(ctx: SimContext, displayName: string, selfId: number): void {
    if (!this.options.enforceUniqueDisplayName) return;
    const clash = [...ctx.users.values()].some(
      (u) => u.id !== selfId && !u.contextadmin && u.display_name === displayName,
    );
    if (clash) throw invalid('The displayname is already used');
  }

  private checkPrimaryMail(ctx: SimContext, mail: string, selfId: number): void {
    const clash = [...ctx.users.values()].some(
      (u) => u.id !== selfId && (u.primaryEmail === mail || u.aliases.includes(mail)),
    );
    if (clash) throw invalid(`Primary mail address "${mail}" already exists in context ${ctx.id}`);
  }

  private addUser(ctx: SimContext, data: Obj, access: Flags): SimUser {
    const primaryEmail = String(data.primaryEmail);
    const defaultSenderAddress = String(data.defaultSenderAddress ?? primaryEmail);
    const aliases = [...new Set([...((data.aliases as string[]) ?? []), primaryEmail, defaultSenderAddress])];
    // OX creates a user with mail enabled unless told otherwise.
    const fields: Obj = { mailenabled: true };
    for (const [k, v] of Object.entries(data)) if (!USER_CORE.has(k)) fields[k] = v;
    const user: SimUser = {
      id: ctx.nextUserId++,
      name: String(data.name),
      password: String(data.password),
      display_name: String(data.display_name),
      given_name: String(data.given_name),
      sur_name: String(data.sur_name),
      primaryEmail,
      email1: primaryEmail,
      aliases,
      defaultSenderAddress,
      contextadmin: data.contextadmin === true,
      access,
      capabilities: [],
      fields,
    };
    ctx.users.set(user.id, user);
    return user;
  }
}

function checkLanguage(language: string): void {
  if (!language.includes('_')) throw invalid('language must contain an underscore, e.g. en_US');
}

function pick(source: Obj, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (source[k] !== undefined) out[k] = String(source[k]);
  return out;
}

function attrsFromWire(wire: unknown): Attrs {
  const attrs: Attrs = {};
  for (const e of ((wire as Obj | undefined)?.entries as Obj[]) ?? []) {
    const inner = ((e.value as Obj | undefined)?.entries as Obj[]) ?? [];
    attrs[String(e.key)] = Object.fromEntries(inner.map((i) => [String(i.key), String(i.value ?? '')]));
  }
  return attrs;
}

function attrsToWire(attrs: Attrs): Obj | undefined {
  const entries = Object.entries(attrs).map(([key, map]) => ({
    key,
    value: { entries: Object.entries(map).map(([k, value]) => ({ key: k, value })) },
  }));
  return entries.length ? { entries } : undefined;
}
