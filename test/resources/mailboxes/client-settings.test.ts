// What a phone or mail program needs (the clientSettings operation the user's panel shows), and
// the instance's default theme for contexts that name none.
import t from 'tap';
import { mailServer } from '../../../app/resources/mailboxes/client-settings.js';
import { contextBody, mailboxBody, profileBody, startStack, uuid } from '../../helper.js';

t.test('mail server settings are read as host, port and security', async (t) => {
  t.same(mailServer('imaps://imap.example.com', 'imap'), { host: 'imap.example.com', port: 993, security: 'SSL/TLS' });
  t.same(mailServer('imap://imap.example.com:1143', 'imap'), {
    host: 'imap.example.com',
    port: 1143,
    security: 'STARTTLS',
  });
  t.same(
    mailServer('smtp.example.com', 'smtp'),
    { host: 'smtp.example.com', port: 587, security: 'STARTTLS' },
    'a bare host name',
  );
  t.same(mailServer('smtps://smtp.example.com', 'smtp'), { host: 'smtp.example.com', port: 465, security: 'SSL/TLS' });
  t.equal(mailServer('ftp://x.example', 'imap'), null);
  t.equal(mailServer(undefined, 'imap'), null);
});

t.test('clientSettings answers the servers, the login and ActiveSync only with mobility; no secret', async (t) => {
  const stack = await startStack(t);
  const { profile, ctx } = await stack.withContext({
    imapServer: 'imaps://imap.example.com:993',
    smtpServer: 'smtp://smtp.example.com:587',
  });
  const id = uuid();
  t.equal(
    (
      await stack.call('POST', '/mailboxes', {
        body: mailboxBody(id, ctx, profile, { login: 'dana', email: 'dana@x.example', displayName: 'Dana' }),
      })
    ).status,
    200,
  );
  const res = await stack.call('GET', `/mailboxes/${id}/clientSettings`);
  t.equal(res.status, 200, res.json?.message);
  t.match(res.json, {
    imap: { host: 'imap.example.com', port: 993, security: 'SSL/TLS' },
    smtp: { host: 'smtp.example.com', port: 587, security: 'STARTTLS' },
    activeSync: null,
  });
  t.match(res.json.webmailUrl, /^http.*\/appsuite\/$/);
  const oxId = (await stack.endpoint.ledger.getResource(stack.instanceId, ctx))?.oxContextId;
  t.equal(res.json.username, `dana@${oxId}`, 'the OX user name with a mapping of its context (here the id)');
  t.equal(res.json.imap.username, 'dana@x.example', "IMAP: the user's imapLogin in OX");
  t.equal(res.json.smtp.username, 'dana@x.example');
  t.equal(res.json.email, 'dana@x.example');
  t.notMatch(res.text, /password/i, 'no password in the answer');

  t.equal(
    (await stack.call('POST', '/mobility', { body: { aps: { id: uuid() }, mailbox: { aps: { id } } } })).status,
    200,
  );
  const mobile = await stack.call('GET', `/mailboxes/${id}/clientSettings`);
  t.match(mobile.json.activeSync?.url ?? '', /\/Microsoft-Server-ActiveSync$/, 'with mobility: the ActiveSync URL');
  t.equal((await stack.call('GET', `/mailboxes/${uuid()}/clientSettings`)).status, 404, 'an unknown mailbox');
});

t.test('defaultTheme is given to new contexts that name no theme', async (t) => {
  const stack = await startStack(t);
  await stack.createInstance({ defaultTheme: 'dark' });
  const [plain, own] = [uuid(), uuid()];
  t.equal((await stack.call('POST', '/contexts', { body: contextBody(plain) })).status, 200);
  t.equal((await stack.call('POST', '/contexts', { body: contextBody(own, { theme: 'blue' }) })).status, 200);
  const themeOf = async (id: string) => {
    const rec = await stack.endpoint.ledger.getResource(stack.instanceId, id);
    return stack.sim.model.contexts.get(rec!.oxContextId!)?.userAttributes;
  };
  t.same(await themeOf(plain), { config: { 'io.ox/core//theme': 'dark' } });
  t.same(await themeOf(own), { config: { 'io.ox/core//theme': 'blue' } }, "the subscription's own theme wins");
});

/** A device's request with HTTP Basic credentials to the simulator's ActiveSync or DAV endpoint. */
async function deviceLogin(base: string, path: string, username: string, password: string): Promise<number> {
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  const res = await fetch(`${base}${path}`, { method: 'OPTIONS', headers: { authorization: `Basic ${auth}` } });
  return res.status;
}

t.test('a phone signs in to OX with exactly the user name the panel shows; the bare login does not', async (t) => {
  const stack = await startStack(t);
  await stack.createInstance();
  const profile = uuid();
  await stack.call('POST', '/profiles', { body: { ...profileBody(profile), includesMobility: true } });
  const ctx = uuid();
  t.equal((await stack.call('POST', '/contexts', { body: contextBody(ctx, { domain: 'shop.example' }) })).status, 200);
  const id = uuid();
  const password = 'Device-Pass-2024';
  const created = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(id, ctx, profile, { login: 'dana', email: 'dana@shop.example', displayName: 'Dana', password }),
  });
  t.equal(created.status, 200, created.json?.message);
  const settings = (await stack.call('GET', `/mailboxes/${id}/clientSettings`)).json;
  t.equal(settings.username, 'dana@shop.example', "the context's domain is its mapping");
  t.ok(settings.activeSync, 'the tier includes mobility');
  const sim = stack.sim.url;
  t.equal(await deviceLogin(sim, '/Microsoft-Server-ActiveSync', settings.username, password), 200, 'ActiveSync');
  t.equal(await deviceLogin(sim, '/servlet/dav/principals/users/', settings.username, password), 207, 'CalDAV/CardDAV');
  t.equal(
    await deviceLogin(sim, '/Microsoft-Server-ActiveSync', 'dana', password),
    401,
    'the bare login: OX looks in its default context and finds no such user',
  );
  t.equal(await deviceLogin(sim, '/Microsoft-Server-ActiveSync', settings.username, 'wrong'), 401, 'a wrong password');
});
