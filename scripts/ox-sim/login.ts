// OX's HTTP login as a default OX serves it (shared/spec/ox-login.md §1–§2, ox-soap.md §10):
// `formlogin` (302 to the UI with the session in the fragment, cookies), `tokenLogin` (a token
// session that lives 60 s, JSON answer with jsonResponse=true) and `tokens` (redeemed once, from
// the client address and user agent given at tokenLogin: com.openexchange.IPCheck=true), and the
// UI pages: /appsuite/ completes `tokens` from its URL fragment as App Suite's boot code does.
import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import { escapeXml } from './xml.js';
import type { OxSimulator } from './server.js';
import type { SimContext, SimUser } from './ox-model.js';

export interface Session {
  id: string;
  secret: string;
  contextId: number;
  userId: number;
  login: string;
  client: string;
}

/** A session made by tokenLogin, not active until `tokens` redeems it. */
export interface TokenSession {
  serverToken: string;
  clientToken: string;
  clientIp: string;
  userAgent: string;
  createdAt: number;
  contextId: number;
  userId: number;
  login: string;
  client: string;
}

export const TOKEN_SESSION_MS = 60_000;
const CLIENTS = new Set(['open-xchange-appsuite', 'com.openexchange.ox.gui.dhtml', 'com.openexchange.mobileapp']);
const newId = () => randomBytes(16).toString('hex');

function page(status: number, res: http.ServerResponse, title: string, text: string, script = ''): void {
  res
    .writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
    .end(
      `<!doctype html><html><head><title>${escapeXml(title)}</title></head><body><h1 id="status">${escapeXml(text)}</h1>${script}</body></html>`,
    );
}

function json(res: http.ServerResponse, value: unknown): void {
  // OX answers login errors with HTTP 200 and an error object.
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
}

function oxError(code: string, error: string) {
  return { error, error_params: [], category: 1, code, error_id: newId() };
}

/**
 * The user a login name and password name, if OX would let them in: OX splits `user@mapping` at the
 * last "@" and resolves a name without one in the default context (defaultcontext mapping). OX
 * refuses a disabled context, a user with mailenabled=false and one denied the portal; module
 * rights alone (webmail off) do not stop a login.
 */
export function resolveLogin(
  sim: OxSimulator,
  login: string,
  password: string | null,
): { ctx: SimContext; user: SimUser } | undefined {
  const at = login.lastIndexOf('@');
  const [name, mapping] = at < 0 ? [login, 'defaultcontext'] : [login.slice(0, at), login.slice(at + 1)];
  const ctx = [...sim.model.contexts.values()].find((c) => c.loginMappings.includes(mapping));
  const user = ctx && [...ctx.users.values()].find((u) => u.name === name);
  const blocked = !user || user.fields.mailenabled === false || user.access.deniedPortal === true;
  return ctx?.enabled && user && !blocked && user.password === password ? { ctx, user } : undefined;
}

/** The user a form or token login authenticates (a known client only), recorded in `sim.logins`. */
function authenticate(
  sim: OxSimulator,
  login: string,
  password: string | null,
  client: string,
): { ctx: SimContext; user: SimUser } | undefined {
  const found = CLIENTS.has(client) ? resolveLogin(sim, login, password) : undefined;
  sim.logins.push({ login, ok: Boolean(found), client });
  return found;
}

function missing(url: URL, form: URLSearchParams, names: string[], inQuery: string[] = []): string[] {
  return [...names.filter((k) => !form.get(k)), ...inQuery.filter((k) => !url.searchParams.get(k))];
}

function cookieHash(sim: OxSimulator, userAgent: string): string {
  // OX names the cookies after a hash of the user agent (and client); any stable digest will do here.
  return sim.cookieHash(userAgent);
}

function activate(
  sim: OxSimulator,
  res: http.ServerResponse,
  s: Omit<Session, 'id' | 'secret'>,
  userAgent: string,
): Session {
  const session: Session = { ...s, id: newId(), secret: newId() };
  sim.sessions.set(session.id, session);
  const hash = cookieHash(sim, userAgent);
  res.setHeader('set-cookie', [
    `open-xchange-secret-${hash}=${session.secret}; Path=/; HttpOnly`,
    `open-xchange-session-${hash}=${session.id}; Path=/; HttpOnly`,
    `JSESSIONID=${newId()}; Path=/; HttpOnly`,
  ]);
  return session;
}

export function handleLogin(
  sim: OxSimulator,
  url: URL,
  req: http.IncomingMessage,
  body: string,
  res: http.ServerResponse,
): void {
  const action = url.searchParams.get('action');
  const form = new URLSearchParams(body);
  if (req.method !== 'POST') return page(400, res, 'Error', 'Unsupported login action');
  if (action === 'formlogin') return formLogin(sim, url, req, form, res);
  if (action === 'tokenLogin') return tokenLogin(sim, url, req, form, res);
  if (action === 'tokens') return tokens(sim, req, form, res);
  return page(400, res, 'Error', 'Unsupported login action');
}

function formLogin(
  sim: OxSimulator,
  url: URL,
  req: http.IncomingMessage,
  form: URLSearchParams,
  res: http.ServerResponse,
): void {
  const absent = missing(url, form, ['login', 'password', 'client', 'version'], ['authId']);
  if (absent.length) return page(400, res, 'Error', `Missing the following request parameter: ${absent.join(', ')}`);
  const client = form.get('client')!;
  const who = authenticate(sim, form.get('login')!, form.get('password'), client);
  if (!who) return page(403, res, 'Login failed', 'Login failed. Please check your user name and password.');
  const session = activate(
    sim,
    res,
    { contextId: who.ctx.id, userId: who.user.id, login: form.get('login')!, client },
    String(req.headers['user-agent'] ?? ''),
  );
  const uiWebPath = form.get('uiWebPath') || '/appsuite/';
  const language = String(who.user.fields.language ?? 'en_US');
  res
    .writeHead(302, {
      location: `${uiWebPath}#session=${session.id}&user_id=${who.user.id}&context_id=${who.ctx.id}&language=${language}&locale=${language}`,
    })
    .end();
}

function tokenLogin(
  sim: OxSimulator,
  url: URL,
  req: http.IncomingMessage,
  form: URLSearchParams,
  res: http.ServerResponse,
): void {
  const absent = missing(url, form, ['login', 'password', 'client', 'version', 'clientToken'], ['authId']);
  if (absent.length)
    return json(res, oxError('SVL-0002', `Missing the following request parameter: ${absent.join(', ')}`));
  const client = form.get('client')!;
  const who = authenticate(sim, form.get('login')!, form.get('password'), client);
  if (!who) return json(res, oxError('LGI-0006', 'The user name or password is incorrect.'));
  const serverToken = newId();
  const userAgent = form.get('clientUserAgent') ?? String(req.headers['user-agent'] ?? '');
  sim.tokenSessions.set(serverToken, {
    serverToken,
    clientToken: form.get('clientToken')!,
    createdAt: Date.now(),
    contextId: who.ctx.id,
    userId: who.user.id,
    login: form.get('login')!,
    client,
    userAgent,
    clientIp: form.get('clientIP') ?? req.socket.remoteAddress ?? '',
  });
  sim.tokenLogins.push({
    clientIp: form.get('clientIP'),
    clientUserAgent: form.get('clientUserAgent'),
    jsonResponse: form.get('jsonResponse'),
  });
  const language = String(who.user.fields.language ?? 'en_US');
  const uiWebPath = form.get('uiWebPath') || '/appsuite/';
  const jsessionid = newId();
  const target = `${uiWebPath}#jsessionid=${jsessionid}&serverToken=${serverToken}&user_id=${who.user.id}&language=${language}&locale=${language}`;
  if (form.get('jsonResponse') === 'true') {
    return json(res, { serverToken, jsessionid, user: form.get('login'), user_id: who.user.id, url: target });
  }
  res.writeHead(302, { location: target }).end();
}

function tokens(sim: OxSimulator, req: http.IncomingMessage, form: URLSearchParams, res: http.ServerResponse): void {
  const serverToken = form.get('serverToken') ?? '';
  const pending = sim.tokenSessions.get(serverToken);
  sim.tokenSessions.delete(serverToken); // one attempt per token session, right or wrong
  const userAgent = String(req.headers['user-agent'] ?? '');
  const fresh = pending && Date.now() - pending.createdAt <= sim.tokenSessionMs;
  if (!pending || !fresh || pending.clientToken !== form.get('clientToken') || pending.client !== form.get('client')) {
    return json(res, oxError('SES-0206', fresh === false ? 'The token session expired.' : 'No such token session.'));
  }
  if (pending.clientIp !== req.socket.remoteAddress) {
    return json(
      res,
      oxError(
        'SES-0205',
        `The request's IP address ${req.socket.remoteAddress} does not match the session's ${pending.clientIp}.`,
      ),
    );
  }
  if (pending.userAgent !== userAgent)
    return json(res, oxError('SES-0206', 'The token session belongs to another client.'));
  const session = activate(sim, res, pending, userAgent);
  json(res, { session: session.id, user_id: session.userId, context_id: session.contextId });
}

/** What App Suite's boot code does with `#serverToken=…&clientToken=…`: redeem them, then start. */
const TOKEN_BOOT = `<script>
(function () {
  var hash = new URLSearchParams(location.hash.slice(1));
  if (!hash.get('serverToken')) return;
  var form = new URLSearchParams({ serverToken: hash.get('serverToken'), clientToken: hash.get('clientToken') || '',
    client: 'open-xchange-appsuite', version: 'sim', jsessionid: hash.get('jsessionid') || '' });
  document.getElementById('status').textContent = 'Signing in…';
  fetch('/ajax/login?action=tokens', { method: 'POST', body: form, credentials: 'same-origin' })
    .then(function (r) { return r.json(); })
    .then(function (answer) {
      if (answer.error) document.getElementById('status').textContent = 'OX App Suite: ' + answer.code + ' ' + answer.error;
      else location.replace(location.pathname);
    });
})();
</script>`;

/** /appsuite/ and /ox6/index.html: who is signed in, from the session cookie. */
export function handleUiPage(sim: OxSimulator, url: URL, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (url.pathname !== '/appsuite/' && url.pathname !== '/ox6/index.html')
    return page(404, res, 'Not found', 'Not found');
  const hash = cookieHash(sim, String(req.headers['user-agent'] ?? ''));
  const pairs = (req.headers.cookie ?? '').split(/;\s*/).map((c) => c.split('=', 2));
  const sessionId = pairs.find(([k]) => k === `open-xchange-session-${hash}`)?.[1];
  const session = sessionId ? sim.sessions.get(sessionId) : undefined;
  const appSuite = url.pathname === '/appsuite/';
  const ui = appSuite ? 'OX App Suite' : 'OX6';
  if (!session) return page(401, res, ui, 'Not signed in', appSuite ? TOKEN_BOOT : '');
  page(200, res, ui, `${ui}: signed in as user ${session.userId} in context ${session.contextId}`);
}
