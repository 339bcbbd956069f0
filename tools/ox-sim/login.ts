// OX form login (POST /ajax/login?action=formlogin) and the UI pages it redirects to.
import type http from 'node:http';
import { escapeXml } from './xml.js';
import type { OxSimulator } from './server.js';

export interface Session {
  id: string;
  secret: string;
  contextId: number;
  userId: number;
  login: string;
  client: string;
}

const CLIENTS = new Set(['open-xchange-appsuite', 'com.openexchange.ox.gui.dhtml', 'com.openexchange.mobileapp']);

function page(status: number, res: http.ServerResponse, title: string, text: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
    .end(`<!doctype html><html><head><title>${escapeXml(title)}</title></head><body><h1 id="status">${escapeXml(text)}</h1></body></html>`);
}

export function handleFormLogin(sim: OxSimulator, url: URL, req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
  if (req.method !== 'POST' || url.searchParams.get('action') !== 'formlogin') return page(400, res, 'Error', 'Unsupported login action');
  const form = new URLSearchParams(body);
  const missing = ['login', 'password', 'client', 'version'].filter((k) => !form.get(k));
  if (!url.searchParams.get('authId')) missing.push('authId');
  if (missing.length) return page(400, res, 'Error', `Missing the following request parameter: ${missing.join(', ')}`);
  const login = form.get('login')!;
  const client = form.get('client')!;
  const at = login.lastIndexOf('@');
  const [name, mapping] = at < 0 ? [login, 'defaultcontext'] : [login.slice(0, at), login.slice(at + 1)];
  const ctx = [...sim.model.contexts.values()].find((c) => c.loginMappings.includes(mapping));
  const user = ctx && [...ctx.users.values()].find((u) => u.name === name);
  // OX refuses a disabled context, a user with mailenabled=false and one denied the portal; module
  // rights alone (webmail off) do not stop a login.
  const blocked = !user || user.fields.mailenabled === false || user.access.deniedPortal === true;
  const ok = Boolean(ctx?.enabled && user && !blocked && user.password === form.get('password') && CLIENTS.has(client));
  sim.logins.push({ login, ok, client });
  if (!ok || !ctx || !user) return page(403, res, 'Login failed', 'Login failed. Please check your user name and password.');
  const session: Session = { id: sim.newSessionId(), secret: sim.newSessionId(), contextId: ctx.id, userId: user.id, login, client };
  sim.sessions.set(session.id, session);
  const hash = sim.newAuthCookieSuffix();
  const uiWebPath = form.get('uiWebPath') || '/appsuite/';
  const language = String(user.fields.language ?? 'en_US');
  res.writeHead(302, {
    location: `${uiWebPath}#session=${session.id}&user_id=${user.id}&context_id=${ctx.id}&language=${language}&locale=${language}`,
    'set-cookie': [
      `open-xchange-secret-${hash}=${session.secret}; Path=/; HttpOnly`,
      `open-xchange-session-${hash}=${session.id}; Path=/; HttpOnly`,
      `JSESSIONID=${sim.newSessionId()}; Path=/; HttpOnly`,
    ],
  }).end();
}

/** /appsuite/ and /ox6/index.html: who is signed in, from the session cookie. */
export function handleUiPage(sim: OxSimulator, url: URL, req: http.IncomingMessage, res: http.ServerResponse): void {
  if (url.pathname !== '/appsuite/' && url.pathname !== '/ox6/index.html') return page(404, res, 'Not found', 'Not found');
  const pairs = (req.headers.cookie ?? '').split(/;\s*/).map((c) => c.split('=', 2));
  const sessionId = pairs.find(([k]) => k.startsWith('open-xchange-session-'))?.[1];
  const session = sessionId ? sim.sessions.get(sessionId) : undefined;
  const ui = url.pathname === '/appsuite/' ? 'OX App Suite' : 'OX6';
  if (!session) return page(401, res, ui, 'Not signed in');
  const ctx = sim.model.contexts.get(session.contextId);
  const user = ctx?.users.get(session.userId);
  page(200, res, ui, `${ui}: signed in as ${user?.name ?? '?'} in context ${session.contextId}`);
}
