// OAuth 1.0a (RFC 5849), two-legged, HMAC-SHA1, as APS Connect instances use it: checking the
// signature of a controller request against the public URL it was sent to, and signing the
// endpoint's own calls back with the same key and secret. No I/O here: the caller looks up the
// secret and keeps the nonces.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a request is checked by: the method, the URL the controller used, and the raw body. */
export interface SignedRequest {
  method: string;
  /** The public URL, query included, as the controller signed it. */
  url: string;
  authorization: string | undefined;
  /** The raw body, only needed when the request carries oauth_body_hash. */
  body?: string;
}

export type OAuthCheck = { ok: true; key: string; nonce: string; timestamp: number } | { ok: false; reason: string };

export const TIMESTAMP_WINDOW_S = 600;
const REQUIRED = ['oauth_consumer_key', 'oauth_signature', 'oauth_signature_method', 'oauth_timestamp', 'oauth_nonce'];
const NONCE = /^[A-Za-z0-9]{16,50}$/;
const TIMESTAMP = /^\d{10}$/;
// Computed for an unknown key, so that a wrong key costs what a wrong secret costs.
const DUMMY_SECRET = randomBytes(20).toString('hex');

/** RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - . _ ~, upper-case hex. */
export function pct(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Whether an Authorization header says OAuth (the request is then checked as signed, whatever else it carries). */
export function isOAuthSigned(authorization: string | undefined): boolean {
  return /^OAuth\s/i.test(authorization ?? '');
}

/** The OAuth parameters of an `Authorization: OAuth …` header, or why it cannot be read. */
export function parseAuthorization(header: string | undefined): Map<string, string> | string {
  if (!header || !isOAuthSigned(header)) return 'the request carries no OAuth Authorization header';
  const params = new Map<string, string>();
  for (const part of header.replace(/^OAuth\s+/i, '').split(',')) {
    const m = /^\s*([^=\s]+)\s*=\s*"([^"]*)"\s*$/.exec(part);
    if (!m) return 'the OAuth Authorization header is not a list of name="value" pairs';
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(m[1]);
      value = decodeURIComponent(m[2]);
    } catch {
      return 'the OAuth Authorization header holds a malformed percent-encoding';
    }
    if (name === 'realm') continue;
    if (params.has(name)) return `the OAuth parameter ${name} appears twice`;
    params.set(name, value);
  }
  return params;
}

/** scheme://host[:port]/path, lower-case scheme and host, the default port left out (URL drops it already). */
function baseUri(url: URL): string {
  const port = url.port ? `:${url.port}` : '';
  return `${url.protocol.toLowerCase()}//${url.hostname.toLowerCase()}${port}${url.pathname}`;
}

/** The signature base string of RFC 5849 §3.4.1 over the query and the oauth_* parameters. */
export function baseString(method: string, url: string, oauthParams: Map<string, string>): string {
  const parsed = new URL(url);
  const pairs: [string, string][] = [];
  // URLSearchParams decodes as form-urlencoding does: + is a space, a name without = has ''.
  for (const [name, value] of new URLSearchParams(parsed.search)) pairs.push([pct(name), pct(value)]);
  for (const [name, value] of oauthParams) if (name !== 'oauth_signature') pairs.push([pct(name), pct(value)]);
  pairs.sort(([an, av], [bn, bv]) => (an === bn ? compare(av, bv) : compare(an, bn)));
  const normalized = pairs.map(([n, v]) => `${n}=${v}`).join('&');
  return [method.toUpperCase(), pct(baseUri(parsed)), pct(normalized)].join('&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** HMAC-SHA1 with the consumer secret and an empty token secret, base64. */
export function signature(secret: string, base: string): string {
  return createHmac('sha1', `${pct(secret)}&`)
    .update(base)
    .digest('base64');
}

function sameSignature(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Checks a signed request: the header's form, HMAC-SHA1 and version 1.0, the timestamp within
 * ±600 s of now, the nonce's form, the signature with the key's secret (an unknown key fails the
 * same way, after the same work) and, when present, oauth_body_hash against the body.
 * The replay check (each nonce once) and the key's binding to an instance are the caller's.
 */
export function checkSignature(
  req: SignedRequest,
  secretOf: (key: string) => string | undefined,
  nowMs = Date.now(),
): OAuthCheck {
  const params = parseAuthorization(req.authorization);
  if (typeof params === 'string') return { ok: false, reason: params };
  const missing = REQUIRED.filter((name) => !params.get(name));
  if (missing.length) return { ok: false, reason: `the OAuth parameters ${missing.join(', ')} are missing` };
  if (params.has('oauth_token'))
    return { ok: false, reason: 'oauth_token is not used here: requests are signed with the consumer key alone' };
  const version = params.get('oauth_version');
  if (version !== undefined && version !== '1.0')
    return { ok: false, reason: `oauth_version must be 1.0, not ${version}` };
  const method = params.get('oauth_signature_method');
  if (method !== 'HMAC-SHA1') return { ok: false, reason: `the signature method must be HMAC-SHA1, not ${method}` };
  const ts = params.get('oauth_timestamp') ?? '';
  if (!TIMESTAMP.test(ts)) return { ok: false, reason: 'oauth_timestamp must be ten digits (seconds since 1970)' };
  const timestamp = Number(ts);
  if (Math.abs(nowMs / 1000 - timestamp) > TIMESTAMP_WINDOW_S) {
    return {
      ok: false,
      reason: `the timestamp differs from the endpoint's clock by more than ${TIMESTAMP_WINDOW_S} s; check both clocks (NTP)`,
    };
  }
  const nonce = params.get('oauth_nonce') ?? '';
  if (!NONCE.test(nonce)) return { ok: false, reason: 'oauth_nonce must be 16 to 50 letters and digits' };
  const key = params.get('oauth_consumer_key') ?? '';
  const secret = secretOf(key);
  let base: string;
  try {
    base = baseString(req.method, req.url, params);
  } catch {
    return { ok: false, reason: 'the request URL cannot be read for the signature' };
  }
  const expected = signature(secret ?? DUMMY_SECRET, base);
  if (!sameSignature(expected, params.get('oauth_signature') ?? '') || secret === undefined) {
    return {
      ok: false,
      reason:
        'the OAuth signature does not match (unknown consumer key, wrong secret, or a URL other than the signed one)',
    };
  }
  const bodyHash = params.get('oauth_body_hash');
  if (
    bodyHash !== undefined &&
    !sameSignature(
      bodyHash,
      createHash('sha1')
        .update(req.body ?? '')
        .digest('base64'),
    )
  ) {
    return { ok: false, reason: 'oauth_body_hash does not match the body' };
  }
  return { ok: true, key, nonce, timestamp };
}

/** The Authorization header of a call the endpoint signs (no body hash, as the APS samples sign). */
export function authorizationHeader(
  method: string,
  url: string,
  key: string,
  secret: string,
  nowMs = Date.now(),
): string {
  const params = new Map<string, string>([
    ['oauth_consumer_key', key],
    ['oauth_nonce', randomBytes(16).toString('hex')],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', String(Math.floor(nowMs / 1000))],
    ['oauth_version', '1.0'],
  ]);
  params.set('oauth_signature', signature(secret, baseString(method, url, params)));
  return `OAuth ${[...params].map(([n, v]) => `${n}="${pct(v)}"`).join(', ')}`;
}
