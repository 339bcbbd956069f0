// An APS Connect instance on the real stack: created by a signed request without certificates,
// every call signed (here by the oauth-1.0a package), its calls back to the controller signed
// with the same key; unsigned, replayed or foreign-key requests are 401 and change nothing.
import t from 'tap';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import OAuth from 'oauth-1.0a';
import { contextBody, mailboxBody, profileBody, ssoFormLogin, startStack, uuid } from '../helper.js';
import type { Signer } from '../../scripts/stand-ins/controller.js';
import { TIMESTAMP_WINDOW_S } from '../../app/aps/oauth.js';

const KEY = 'apsconnect-3f1c0b6e9d2a4b7c8e5f1a2b3c4d5e6f';
const SECRET = '9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e';

function oauthOf(key: string, secret: string, fixed?: { nonce: string; timestamp: number }): OAuth {
  const oauth = new OAuth({
    consumer: { key, secret },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, k) => createHmac('sha1', k).update(base).digest('base64'),
  });
  if (fixed) {
    oauth.getNonce = () => fixed.nonce;
    oauth.getTimeStamp = () => fixed.timestamp;
  }
  return oauth;
}

function signerOf(key: string, secret: string): Signer {
  const oauth = oauthOf(key, secret);
  return (method, url) => oauth.toHeader(oauth.authorize({ url, method })).Authorization;
}

/** Whether a header the endpoint sent is what the other signer makes with its nonce and time. */
function signedRight(authorization: string, method: string, url: string): boolean {
  const field = (name: string) => decodeURIComponent(new RegExp(`${name}="([^"]*)"`).exec(authorization)?.[1] ?? '');
  const fixed = { nonce: field('oauth_nonce'), timestamp: Number(field('oauth_timestamp')) };
  return (
    field('oauth_consumer_key') === KEY &&
    oauthOf(KEY, SECRET, fixed).authorize({ url, method }).oauth_signature === field('oauth_signature')
  );
}

t.test('an OAuth instance runs the whole customer lifecycle with signed requests both ways', async (t) => {
  const stack = await startStack(t, { oauth: { key: KEY, secret: SECRET, signer: signerOf(KEY, SECRET) } });
  const created = await stack.createInstance();
  t.equal(created.status, 200, created.text);
  const instance = await stack.endpoint.ledger.getInstance(stack.instanceId);
  t.equal(instance?.oauthKey, KEY, 'the instance is bound to its consumer key');
  t.equal(instance?.controllerCert, '', 'and holds no certificate');

  const profile = uuid();
  t.equal((await stack.call('POST', '/profiles', { body: profileBody(profile) })).status, 200);
  const ctx = uuid();
  const ctxRes = await stack.call('POST', '/contexts', { body: contextBody(ctx) });
  t.equal(ctxRes.status, 200, ctxRes.text);
  const mailbox = uuid();
  const owner = uuid(); // the service user, which the endpoint reads from the controller
  stack.controller.resources.set(owner, {
    login: 'olga@x.example',
    email: 'olga@x.example',
    displayName: 'Olga',
    userId: 'platform-user-9',
  });
  const body = {
    ...mailboxBody(mailbox, ctx, profile, { login: 'olga', email: 'olga@x.example', displayName: 'Olga' }),
    user: { aps: { id: owner } },
  };
  const mbx = await stack.call('POST', '/mailboxes', { body });
  t.equal(mbx.status, 200, mbx.text);
  const mobility = await stack.call('POST', '/mobility', {
    body: { aps: { id: uuid() }, mailbox: { aps: { id: mailbox } } },
  });
  t.equal(mobility.status, 200, mobility.text);
  const usage = await stack.call('GET', `/contexts/${ctx}`);
  t.equal(usage.status, 200);
  t.same(
    [usage.json.mailboxCount.usage, usage.json.mobilityCount.usage],
    [1, 1],
    'usage counts the mailbox and its mobility',
  );
  const link = await stack.call('GET', `/mailboxes/${mailbox}/login`, { headers: { 'APS-Identity-ID': owner } });
  t.equal(link.status, 200, link.text);
  t.equal((await ssoFormLogin(String(link.json.url))).status, 302, 'the login link signs in at OX');
  t.equal(stack.sim.model.contexts.size, 1);

  const callbacks = stack.controller.received.filter((r) => r.authorization);
  t.ok(callbacks.length >= 1, `the endpoint called the controller back (${callbacks.length} calls)`);
  t.ok(
    callbacks.every((r) => signedRight(r.authorization ?? '', r.method, new URL(r.url, stack.controller.uri).href)),
    'every callback is signed with the instance key',
  );
  t.ok(
    stack.controller.received.every((r) => !r.instanceCertOk),
    'and presents no certificate',
  );

  t.equal((await stack.call('DELETE', `/mailboxes/${mailbox}`)).status, 204);
  t.equal((await stack.call('DELETE', `/contexts/${ctx}`)).status, 204);
  t.equal(stack.sim.model.contexts.size, 0, 'unprovisioned in OX');
});

t.test('unsigned, replayed and foreign-key requests are 401 with a reason and change nothing', async (t) => {
  const stack = await startStack(t, { oauth: { key: KEY, secret: SECRET, signer: signerOf(KEY, SECRET) } });
  await stack.createInstance();
  const profile = uuid();
  await stack.call('POST', '/profiles', { body: profileBody(profile) });
  const before = await stack.endpoint.ledger.listResources({ instanceId: stack.instanceId });

  const unsigned = await stack.call('POST', '/contexts', {
    body: contextBody(uuid()),
    signer: 'none',
    as: 'controller',
  });
  t.equal(unsigned.status, 401, 'the controller certificate is no substitute for the signature');
  t.match(unsigned.json.message, /must be signed with its consumer key/);

  // The same signed request twice: the second is a replay.
  const body = contextBody(uuid());
  const once = signerOf(KEY, SECRET)('POST', new URL('/contexts', stack.url).href);
  const first = await stack.call('POST', '/contexts', { body, signer: () => once });
  t.equal(first.status, 200, first.text);
  const replay = await stack.call('POST', '/contexts', { body: contextBody(uuid()), signer: () => once });
  t.equal(replay.status, 401);
  t.match(replay.json.message, /nonce was used before/);

  // A correctly signed request made long ago (a captured one, or a clock far off) is refused end to end.
  const staleAt = Math.floor(Date.now() / 1000) - TIMESTAMP_WINDOW_S - 60;
  const stale = oauthOf(KEY, SECRET, { nonce: uuid().replaceAll('-', ''), timestamp: staleAt });
  const staleRes = await stack.call('POST', '/contexts', {
    body: contextBody(uuid()),
    signer: (method, url) => stale.toHeader(stale.authorize({ url, method })).Authorization,
  });
  t.equal(staleRes.status, 401, 'a stale timestamp');
  t.match(staleRes.json.message, /timestamp/i);

  const wrongSecret = await stack.call('POST', '/contexts', {
    body: contextBody(uuid()),
    signer: signerOf(KEY, 'not-the-secret'),
  });
  t.equal(wrongSecret.status, 401);
  t.match(wrongSecret.json.message, /signature does not match/);
  const invalidAndUnsigned = await stack.call('POST', '/contexts', {
    body: { aps: 'nonsense' },
    signer: signerOf(KEY, 'not-the-secret'),
  });
  t.equal(invalidAndUnsigned.status, 401, 'the signature is checked before the body');

  // A second APS Connect key and instance: its key cannot act on the first instance.
  const other = { key: 'apsconnect-second-hub-0001', secret: 'second-secret-0001' };
  writeFileSync(stack.env.OAUTH_CLIENTS_FILE ?? '', JSON.stringify({ [KEY]: SECRET, [other.key]: other.secret }));
  await new Promise((r) => setTimeout(r, 1100)); // the endpoint looks at the file at most once a second
  const firstInstance = stack.instanceId;
  stack.instanceId = '';
  const second = uuid();
  const made = await stack.call('POST', '/app', {
    instanceId: second,
    signer: signerOf(other.key, other.secret),
    body: { aps: { id: second, type: 'http://ox-connector.org/aps/app/1.0' }, ...stack.settings() },
  });
  t.equal(made.status, 200, made.text);
  const foreign = await stack.call('POST', '/contexts', {
    instanceId: firstInstance,
    body: contextBody(uuid()),
    signer: signerOf(other.key, other.secret),
  });
  t.equal(foreign.status, 401);
  t.match(foreign.json.message, /consumer key other than the one/);

  const after = await stack.endpoint.ledger.listResources({ instanceId: firstInstance });
  t.equal(after.length, before.length + 1, 'only the one good request made a resource');
  t.equal(stack.sim.model.contexts.size, 1, 'and only one context in OX');
});
