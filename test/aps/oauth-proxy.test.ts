// APS Connect behind a TLS-terminating ingress: the endpoint listens in plain HTTP
// (APS_PLAIN_HTTP), serves OAuth instances only, checks signatures against the URL the controller
// used (rebuilt from the ingress's forwarded headers), and answers its root URL unsigned.
import t from 'tap';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { contextBody, profileBody, startStack, uuid, browserGet } from '../helper.js';
import { loadConfig } from '../../app/config.js';

const KEY = 'apsconnect-proxy-test-0001';
const SECRET = 'proxy-test-secret-0001';
const oauth = new OAuth({
  consumer: { key: KEY, secret: SECRET },
  signature_method: 'HMAC-SHA1',
  hash_function: (base, k) => createHmac('sha1', k).update(base).digest('base64'),
});
const signer = (method: string, url: string) => oauth.toHeader(oauth.authorize({ url, method })).Authorization;

/** An HTTPS ingress in front of a plain-HTTP endpoint that says where the request came in. */
async function ingress(t: Tap, cert: { cert: string; key: string }, target: string): Promise<string> {
  const server = https.createServer(cert, (req, res) => {
    const upstream = http.request(
      new URL(req.url ?? '/', target),
      {
        method: req.method,
        headers: { ...req.headers, 'x-forwarded-proto': 'https', 'x-forwarded-host': req.headers.host ?? '' },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

interface Tap {
  teardown(fn: () => unknown): void;
}

t.test('plain HTTP behind an ingress: OAuth instances run, signed against the forwarded URL', async (t) => {
  const stack = await startStack(t, {
    oauth: { key: KEY, secret: SECRET, signer },
    env: { APS_PLAIN_HTTP: 'true', OAUTH_SIGNED_URL: 'forwarded', TRUST_PROXY: '127.0.0.1' },
  });
  t.match(stack.url, /^http:\/\//, 'the endpoint listens in plain HTTP');
  const root = await browserGet(stack.url);
  t.equal(root.status, 200, 'the root URL answers unsigned (the ingress health check)');
  t.same(JSON.parse(root.body), { status: 'ok' }, 'and says nothing more');

  const id = uuid();
  const unsigned = await stack.call('POST', '/app', {
    instanceId: id,
    signer: 'none',
    body: {
      aps: { id, type: 'http://ox-connector.org/aps/app/1.0', x509: stack.controller.newInstance().x509 },
      ...stack.settings(),
    },
  });
  t.equal(unsigned.status, 401, 'no certificate instance over plain HTTP');
  t.match(unsigned.json.message, /APS_PLAIN_HTTP/);

  const direct = stack.url;
  stack.url = await ingress(t, stack.controller.ca.issue('127.0.0.1'), direct);
  const created = await stack.createInstance();
  t.equal(created.status, 200, created.text);
  t.equal((await stack.call('POST', '/profiles', { body: profileBody(uuid()) })).status, 200);
  const ctx = await stack.call('POST', '/contexts', { body: contextBody(uuid()) });
  t.equal(ctx.status, 200, ctx.text);
  t.equal(stack.sim.model.contexts.size, 1);

  // Sent through the ingress but signed for the endpoint's own address: not the URL the ingress saw.
  const elsewhere = await stack.call('GET', `/contexts/${uuid()}`, {
    signer: (method, url) => signer(method, new URL(new URL(url).pathname, direct).href),
  });
  t.equal(elsewhere.status, 401, elsewhere.text);
  t.match(elsewhere.json.message, /signature does not match/);
});

t.test('plain HTTP refuses to start without OAuth keys, or with certificate instances in the ledger', async (t) => {
  t.throws(() => loadConfig({ APS_PLAIN_HTTP: 'true' }), /set OAUTH_CLIENTS_FILE too/);
  t.throws(() => loadConfig({ OAUTH_CLIENTS_FILE: '/x', OAUTH_SIGNED_URL: 'forwarded' }), /set TRUST_PROXY/);
  const stack = await startStack(t);
  await stack.createInstance();
  const file = `${stack.dataDir}/oauth-clients.json`;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, JSON.stringify({ [KEY]: SECRET }), { mode: 0o600 });
  await t.rejects(
    stack.restartEndpoint({ APS_PLAIN_HTTP: 'true', OAUTH_CLIENTS_FILE: file }),
    /certificate instance\(s\) .*need TLS end to end/,
  );
});
