// Environment configuration, validated at start: a bad value stops the start with one line that
// names the variable.
import { BlockList, isIP } from 'node:net';
import envSchema from 'env-schema';
import { ConfigError } from './util/setting-files.js';
import { errorField, errorMessage } from './util/errors.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const schema = {
  type: 'object',
  properties: {
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 8443 },
    HOST: { type: 'string', minLength: 1, default: '0.0.0.0' },
    DATA_DIR: { type: 'string', minLength: 1, default: './data' },
    PUBLIC_URL: { type: 'string', pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$' },
    LOG_LEVEL: { type: 'string', enum: LOG_LEVELS, default: 'info' },
    LOG_FORMAT: { type: 'string', enum: ['auto', 'json', 'pretty'], default: 'auto' },
    APS_ALLOW_FROM: { type: 'string' },
    HEALTH_ALLOW_FROM: { type: 'string', default: '127.0.0.1, ::1' },
    SECRET_KEY: { type: 'string', pattern: '^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$' },
    SECRET_KEY_FILE: { type: 'string', minLength: 1 },
    DATABASE_URL: { type: 'string', pattern: '^(postgres(ql)?|sqlite)://' },
    TLS_CERT_FILE: { type: 'string', minLength: 1 },
    TLS_KEY_FILE: { type: 'string', minLength: 1 },
    METRICS_PORT: { type: 'integer', minimum: 0, maximum: 65535 },
    CONTROLLER_CA_FILE: { type: 'string', minLength: 1 },
    OX_CA_FILE: { type: 'string', minLength: 1 },
    OAUTH_CLIENTS_FILE: { type: 'string', minLength: 1 },
    OAUTH_SIGNED_URL: { type: 'string', enum: ['public', 'forwarded'], default: 'public' },
    APS_PLAIN_HTTP: { type: 'boolean', default: false },
    TRUST_PROXY: { type: 'string' },
    SSO_PORT: { type: 'integer', minimum: 0, maximum: 65535 },
    SSO_HOST: { type: 'string', minLength: 1 },
    SSO_TLS_CERT_FILE: { type: 'string', minLength: 1 },
    SSO_TLS_KEY_FILE: { type: 'string', minLength: 1 },
    CONTROLLER_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 30000 },
    SYNC_BUDGET_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 10000 },
    APS_RETRY_TIMEOUT: { type: 'integer', minimum: 1, maximum: 3600, default: 15 },
    JOB_DEADLINE: { type: 'integer', minimum: 10, maximum: 2592000, default: 21600 },
    JOB_RETRY_MAX_DELAY: { type: 'integer', minimum: 1, maximum: 3600, default: 300 },
    JOB_CONCURRENCY: { type: 'integer', minimum: 1, maximum: 256, default: 8 },
    OX_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: 600000, default: 30000 },
    RECONCILE_INTERVAL: { type: 'integer', minimum: 0, maximum: 2592000, default: 0 },
    DELETION_SWEEP_SECONDS: { type: 'integer', minimum: 1, maximum: 86400, default: 60 },
    OX_CONCURRENCY: { type: 'integer', minimum: 1, maximum: 1024, default: 16 },
    OX_QUEUE: { type: 'integer', minimum: 0, maximum: 100000, default: 64 },
    OX_BACKLOG: { type: 'integer', minimum: 0, maximum: 10000000, default: 10000 },
    BODY_LIMIT: { type: 'integer', minimum: 1024, maximum: 104857600, default: 1048576 },
    // Just under the controller's usage sync period (180 s): each sync reads OX once, the panel's
    // own reads and retries within a period reuse that figure.
    USAGE_CACHE_SECONDS: { type: 'integer', minimum: 0, maximum: 86400, default: 170 },
    READY_TIERS_DELAY: { type: 'integer', minimum: 0, maximum: 3600, default: 20 },
    SSO_TOKEN_TTL: { type: 'integer', minimum: 5, maximum: 3600, default: 60 },
    MAX_EVENT_LOOP_DELAY_MS: { type: 'integer', minimum: 0, maximum: 60000, default: 1000 },
    MAX_HEAP_MB: { type: 'integer', minimum: 32, maximum: 65536, default: 1024 },
    HEAP_GROWTH_PERCENT: { type: 'integer', minimum: 0, maximum: 400, default: 50 },
  },
} as const;

export interface Config {
  PORT: number;
  HOST: string;
  DATA_DIR: string;
  PUBLIC_URL: string;
  LOG_LEVEL: string;
  /** auto: readable lines on a terminal, JSON lines otherwise (a log collector). */
  LOG_FORMAT: 'auto' | 'json' | 'pretty';
  APS_ALLOW_FROM?: string;
  /** Addresses that see /readyz's details (instances, last OX errors, certificates); others its status only. */
  HEALTH_ALLOW_FROM: string;
  SECRET_KEY?: string;
  SECRET_KEY_FILE?: string;
  DATABASE_URL?: string;
  TLS_CERT_FILE?: string;
  TLS_KEY_FILE?: string;
  METRICS_PORT?: number;
  CONTROLLER_CA_FILE?: string;
  CONTROLLER_TIMEOUT_MS: number;
  /** PEM of the CA behind OX's HTTPS login (single sign-on calls OX's tokenLogin); unset = system CAs. */
  OX_CA_FILE?: string;
  /** APS Connect: a JSON object of OAuth consumer key → secret; unset = certificate instances only. */
  OAUTH_CLIENTS_FILE?: string;
  /** The URL an OAuth signature is checked against: PUBLIC_URL + path, or the forwarded scheme and host. */
  OAUTH_SIGNED_URL: 'public' | 'forwarded';
  /** Plain HTTP on PORT behind a TLS-terminating proxy: APS Connect (OAuth) instances only. */
  APS_PLAIN_HTTP: boolean;
  /** Proxies (addresses/CIDRs) whose X-Forwarded-For names the browser; unset = none is trusted. */
  TRUST_PROXY?: string;
  /** A separate listener for the single sign-on pages only (customers' browsers). */
  SSO_PORT?: number;
  SSO_HOST?: string;
  SSO_TLS_CERT_FILE?: string;
  SSO_TLS_KEY_FILE?: string;
  SYNC_BUDGET_MS: number;
  APS_RETRY_TIMEOUT: number;
  JOB_DEADLINE: number;
  JOB_RETRY_MAX_DELAY: number;
  JOB_CONCURRENCY: number;
  OX_TIMEOUT_MS: number;
  /** Seconds between report-only reconcile runs (0: off); each run is spread over the interval. */
  RECONCILE_INTERVAL: number;
  /** How often what is due after its grace period (deleteGraceDays) is looked for and deleted in OX. */
  DELETION_SWEEP_SECONDS: number;
  /** SOAP calls in flight towards one OX from this process, requests and jobs together. */
  OX_CONCURRENCY: number;
  /** Calls that may wait for a slot; beyond, a request becomes a background job (202). */
  OX_QUEUE: number;
  /** Background jobs that may wait (unfinished) before a request beyond the OX bound is refused with 503. */
  OX_BACKLOG: number;
  BODY_LIMIT: number;
  USAGE_CACHE_SECONDS: number;
  /** Seconds after instance creation before the ready tiers are created in the controller. */
  READY_TIERS_DELAY: number;
  SSO_TOKEN_TTL: number;
  MAX_EVENT_LOOP_DELAY_MS: number;
  MAX_HEAP_MB: number;
  /** How far V8's old generation may grow past what was live at its last collection (0: V8's own choice). */
  HEAP_GROWTH_PERCENT: number;
  /** Parsed APS_ALLOW_FROM; undefined = any address may create instances. */
  allowFrom?: BlockList;
  /** Parsed HEALTH_ALLOW_FROM. */
  healthAllowFrom?: BlockList;
}

interface AjvLikeError {
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Settings that may hold a secret (a key, a password in a URL): never echoed. */
const SECRET_SETTINGS = new Set(['SECRET_KEY', 'DATABASE_URL']);

function describe(err: AjvLikeError, env: Record<string, unknown>): string {
  const name = err.instancePath.replace(/^\//, '');
  const values = err.params?.allowedValues;
  const allowed = Array.isArray(values) ? ` (one of ${values.join(', ')})` : '';
  const got = SECRET_SETTINGS.has(name)
    ? `a value of ${String(env[name]).length} characters (not shown)`
    : JSON.stringify(env[name]);
  return `${name} ${err.message ?? 'is invalid'}${allowed}; got ${got}`;
}

/** Reads a file a setting names; a failure is a ConfigError naming the setting (never the content). */

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty variables count as unset, as a shell user would expect.
  const data = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  let parsed: Config;
  try {
    parsed = envSchema<Config>({ schema, data, env: false, dotenv: false });
  } catch (err) {
    const errors = errorField(err, 'errors');
    const first: AjvLikeError | undefined = Array.isArray(errors) ? errors[0] : undefined;
    throw new ConfigError(first ? describe(first, data) : errorMessage(err));
  }
  parsed.PUBLIC_URL = (parsed.PUBLIC_URL ?? `https://localhost:${parsed.PORT}`).replace(/\/+$/, '');
  if (parsed.APS_ALLOW_FROM) parsed.allowFrom = parseAllowFrom(parsed.APS_ALLOW_FROM);
  if (parsed.TRUST_PROXY) parseAllowFrom(parsed.TRUST_PROXY, 'TRUST_PROXY');
  parsed.healthAllowFrom = parseAllowFrom(parsed.HEALTH_ALLOW_FROM, 'HEALTH_ALLOW_FROM');
  if (Boolean(parsed.SSO_TLS_CERT_FILE) !== Boolean(parsed.SSO_TLS_KEY_FILE)) {
    throw new ConfigError(
      'SSO_TLS_CERT_FILE and SSO_TLS_KEY_FILE go together: set both (HTTPS) or neither (plain HTTP behind a proxy)',
    );
  }
  if (parsed.APS_PLAIN_HTTP && !parsed.OAUTH_CLIENTS_FILE) {
    throw new ConfigError(
      'APS_PLAIN_HTTP serves APS Connect (OAuth) instances only: set OAUTH_CLIENTS_FILE too (certificate instances need TLS end to end)',
    );
  }
  if (parsed.OAUTH_SIGNED_URL === 'forwarded' && !parsed.TRUST_PROXY) {
    throw new ConfigError(
      'OAUTH_SIGNED_URL=forwarded reads X-Forwarded-Proto and X-Forwarded-Host from TRUST_PROXY addresses only: set TRUST_PROXY to the ingress',
    );
  }
  if (parsed.SSO_PORT !== undefined && parsed.SSO_PORT !== 0 && parsed.SSO_PORT === parsed.PORT)
    throw new ConfigError('SSO_PORT must differ from PORT');
  return parsed;
}

/** "10.0.0.0/8, 192.0.2.7, ::1" → BlockList; a bad entry names itself and its setting. */
export function parseAllowFrom(value: string, setting = 'APS_ALLOW_FROM'): BlockList {
  const list = new BlockList();
  for (const raw of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [address, bits] = raw.split('/');
    const family = isIP(address);
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    const max = family === 6 ? 128 : 32;
    if (
      !family ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > max ||
      (bits !== undefined && !/^\d+$/.test(bits))
    ) {
      throw new ConfigError(`${setting} has an entry that is not an address or CIDR: ${JSON.stringify(raw)}`);
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

/** Whether a peer address is allowed; IPv4-mapped IPv6 addresses are checked as IPv4. */
export function isAllowed(list: BlockList | undefined, address: string | undefined): boolean {
  if (!list) return true;
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return isIP(v4) === 4 ? list.check(v4, 'ipv4') : list.check(address, 'ipv6');
}
