// OX's SOAP data types as the client uses them, and their conversion to and from what node-soap
// sends and decodes. Knows OX's wire shapes, nothing of APS.

export type Wire = Record<string, unknown>;

/** Namespaced key/value attributes (OX `userAttributes`), e.g. { config: { key: value } }. */
export type Attributes = Record<string, Record<string, string>>;

// Type aliases, not interfaces: a plain object type is a Record<string, unknown> (for ordered()).
export type OxContext = {
  id: number;
  name?: string;
  enabled?: boolean;
  loginMappings?: string[];
  maxQuota?: number;
  usedQuota?: number;
  userAttributes?: Attributes;
};

export type OxUser = {
  id?: number;
  name?: string;
  password?: string;
  display_name?: string;
  given_name?: string;
  sur_name?: string;
  primaryEmail?: string;
  email1?: string;
  aliases?: string[];
  defaultSenderAddress?: string;
  mailenabled?: boolean;
  imapServer?: string;
  imapLogin?: string;
  smtpServer?: string;
  language?: string;
  timezone?: string;
  uploadFileSizeLimit?: number;
  uploadFileSizeLimitPerFile?: number;
  userAttributes?: Attributes;
  contextadmin?: boolean;
};

// node-soap serialises keys in object order: follow the schema's order.

const CONTEXT_ORDER = ['enabled', 'id', 'loginMappings', 'maxQuota', 'name', 'userAttributes'] as const;
const USER_ORDER = [
  'aliases',
  'contextadmin',
  'defaultSenderAddress',
  'display_name',
  'email1',
  'given_name',
  'id',
  'imapLogin',
  'imapServer',
  'language',
  'mailenabled',
  'name',
  'password',
  'primaryEmail',
  'smtpServer',
  'sur_name',
  'timezone',
  'uploadFileSizeLimit',
  'uploadFileSizeLimitPerFile',
  'userAttributes',
] as const;

function ordered(source: Record<string, unknown>, order: readonly string[]): Wire {
  const out: Wire = {};
  for (const key of order) {
    const value = source[key];
    if (value === undefined) continue;
    out[key] = value;
  }
  return out;
}

export function contextToWire(ctx: OxContext): Wire {
  return ordered({ ...ctx, userAttributes: ctx.userAttributes && attributesToWire(ctx.userAttributes) }, CONTEXT_ORDER);
}

export function userToWire(user: OxUser): Wire {
  return ordered({ ...user, userAttributes: user.userAttributes && attributesToWire(user.userAttributes) }, USER_ORDER);
}

function attributesToWire(attrs: Attributes): Wire {
  return {
    entries: Object.entries(attrs).map(([ns, map]) => ({
      key: ns,
      value: { entries: Object.entries(map).map(([key, value]) => ({ key, value })) },
    })),
  };
}

function attributesFromWire(wire: unknown): Attributes | undefined {
  const entries = asArray(asWire(wire).entries);
  if (!entries.length) return undefined;
  const attrs: Attributes = {};
  for (const e of entries.map(asWire)) {
    const inner = asArray(asWire(e.value).entries).map(asWire);
    attrs[String(e.key)] = Object.fromEntries(inner.map((i) => [String(i.key), String(i.value ?? '')]));
  }
  return attrs;
}

export function contextFromWire(wire: Wire | null | undefined): OxContext {
  const w = wire ?? {};
  return {
    id: Number(w.id),
    name: typeof w.name === 'string' ? w.name : undefined,
    enabled: w.enabled === undefined ? undefined : asBoolean(w.enabled),
    loginMappings: asArray(w.loginMappings).map(String),
    maxQuota: asNumber(w.maxQuota),
    usedQuota: asNumber(w.usedQuota),
    userAttributes: attributesFromWire(w.userAttributes),
  };
}

export function userFromWire(wire: Wire | null | undefined): OxUser {
  const w = { ...(wire ?? {}) };
  // The other fields keep the types node-soap decoded from the WSDL (strings, booleans).
  const user: OxUser = { ...(w as OxUser), id: asNumber(w.id), aliases: asArray(w.aliases).map(String) };
  user.userAttributes = attributesFromWire(w.userAttributes);
  delete user.password;
  return user;
}

/** A decoded SOAP object, or an empty one for anything else (OX omits empty structures). */
export function asWire(value: unknown): Wire {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...value } : {};
}

export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function asNumber(value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : Number(value);
}

export function asBoolean(value: unknown): boolean {
  return value === true || value === 'true';
}
