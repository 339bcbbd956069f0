// What a phone, a mail program or a user's own settings page asks of OX, as a default OX answers:
// - ActiveSync (/Microsoft-Server-ActiveSync) and CalDAV/CardDAV (/servlet/dav/) with HTTP Basic
//   auth, resolving the user name as every OX login does (`user@mapping`, the last "@"; a name
//   without one goes to the default context); ActiveSync also needs the USM and ActiveSync rights.
// - The password change of the HTTP API (PUT /ajax/passwordchange?action=update&session=…), which
//   OX allows only to a user with the editPassword right.
import type http from 'node:http';
import type { OxSimulator } from './server.js';
import { resolveLogin } from './login.js';

/** user and password of a Basic Authorization header. */
function basic(req: http.IncomingMessage): { login: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
  if (!m) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { login: text.slice(0, colon), password: text.slice(colon + 1) };
}

function unauthorized(res: http.ServerResponse, realm: string): void {
  res.writeHead(401, { 'www-authenticate': `Basic realm="${realm}"` }).end();
}

/** ActiveSync and DAV: answers whether a device's credentials sign in (recorded in sim.deviceLogins). */
export function handleDevice(sim: OxSimulator, url: URL, req: http.IncomingMessage, res: http.ServerResponse): void {
  const activeSync = url.pathname === '/Microsoft-Server-ActiveSync';
  const kind = activeSync ? 'activesync' : 'dav';
  const creds = basic(req);
  const found = creds && resolveLogin(sim, creds.login, creds.password);
  const allowed = Boolean(found && (!activeSync || (found.user.access.USM && found.user.access.activeSync)));
  sim.deviceLogins.push({ kind, login: creds?.login ?? '', ok: allowed });
  if (!found) return unauthorized(res, activeSync ? 'ActiveSync' : 'OX DAV');
  if (!allowed) return void res.writeHead(403).end();
  if (activeSync) return void res.writeHead(200, { 'ms-asprotocolversions': '2.5,12.0,12.1,14.0,14.1' }).end();
  res.writeHead(207, { 'content-type': 'application/xml; charset=utf-8' }).end('<multistatus xmlns="DAV:"/>');
}

function json(res: http.ServerResponse, value: unknown): void {
  // The HTTP API answers its errors with HTTP 200 and an error object.
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
}

/** A signed-in user changing its own password: only with editPassword, and with the old password. */
export function handlePasswordChange(sim: OxSimulator, url: URL, body: string, res: http.ServerResponse): void {
  const session = sim.sessions.get(url.searchParams.get('session') ?? '');
  if (url.searchParams.get('action') !== 'update' || !session) {
    return json(res, { error: 'Your session expired. Please login again.', code: 'SES-0203', category: 4 });
  }
  const user = sim.model.contexts.get(session.contextId)?.users.get(session.userId);
  let sent: { old_password?: unknown; new_password?: unknown } = {};
  try {
    sent = JSON.parse(body) as typeof sent;
  } catch {
    sent = {};
  }
  if (!user || user.access.editPassword !== true) {
    return json(res, { error: 'Permission denied to change the password.', code: 'USS-0010', category: 3 });
  }
  if (sent.old_password !== user.password || typeof sent.new_password !== 'string' || !sent.new_password) {
    return json(res, { error: 'The current password is not correct.', code: 'PSW-0001', category: 1 });
  }
  user.password = sent.new_password;
  json(res, { data: {} });
}
