// OX's HTTP login API (/ajax/login), server side: `tokenLogin` creates a token session for a user
// without the browser ever holding the password (shared/spec/ox-login.md §2). Knows OX, nothing of APS.
import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import { errorMessage } from '../util/errors.js';

export interface TokenLoginRequest {
  /** OX's public origin as the browser reaches it (the token session lives on that OX node). */
  oxPublicUrl: string;
  login: string;
  password: string;
  client: string;
  clientToken: string;
  /** The browser's address and user agent: OX binds the session to them (IPCheck, cookie hash). */
  clientIp: string;
  clientUserAgent: string;
  uiWebPath: string;
}

export type TokenLoginResult =
  | { ok: true; redirect: string }
  | { ok: false; reason: 'refused'; code: string; message: string }
  | { ok: false; reason: 'unreachable'; message: string };

export interface HttpLoginOptions {
  timeoutMs: number;
  /** CA for OX's HTTPS (PEM); unset = the system's. */
  ca?: string;
}

/** Calls tokenLogin; on success the browser's target is OX's `url` plus our client token. */
export async function tokenLogin(req: TokenLoginRequest, opts: HttpLoginOptions): Promise<TokenLoginResult> {
  const base = req.oxPublicUrl.endsWith('/') ? req.oxPublicUrl : `${req.oxPublicUrl}/`;
  const url = new URL('ajax/login', base);
  url.searchParams.set('action', 'tokenLogin');
  url.searchParams.set('authId', randomUUID());
  const form = new URLSearchParams({
    login: req.login,
    password: req.password,
    client: req.client,
    version: 'OX APS connector',
    clientToken: req.clientToken,
    clientIP: req.clientIp,
    clientUserAgent: req.clientUserAgent,
    uiWebPath: req.uiWebPath,
    jsonResponse: 'true',
  });
  let answer: { status: number; text: string };
  try {
    answer = await post(url, form.toString(), opts);
  } catch (err) {
    return { ok: false, reason: 'unreachable', message: errorMessage(err) };
  }
  let body: { serverToken?: string; url?: string; error?: string; code?: string };
  try {
    body = JSON.parse(answer.text);
  } catch {
    return { ok: false, reason: 'unreachable', message: `OX answered HTTP ${answer.status} without JSON` };
  }
  if (body.error || !body.serverToken || !body.url) {
    return {
      ok: false,
      reason: 'refused',
      code: body.code ?? 'unknown',
      message: body.error ?? 'no server token in the answer',
    };
  }
  // `url` is a path with the fragment; OX leaves appending the client token to the caller.
  return { ok: true, redirect: `${new URL(body.url, base).href}&clientToken=${encodeURIComponent(req.clientToken)}` };
}

function post(url: URL, body: string, opts: HttpLoginOptions): Promise<{ status: number; text: string }> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      url,
      {
        method: 'POST',
        timeout: opts.timeoutMs,
        ...(opts.ca ? { ca: opts.ca } : {}),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
