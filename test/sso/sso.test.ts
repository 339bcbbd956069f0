import t, { type Test } from 'tap';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { contextBody, mailboxBody, profileBody, startStack, uuid, type Stack } from '../helper.js';
import { selfSignedCertificate } from '../../app/util/tls.js';
import { hashToken } from '../../app/sso/tokens.js';
import { CHROMIUM, needsChromium } from '../support/requirements.js';

const PASSWORD = 'Mailbox-Pass-2024!';

/** A plain browser-like GET: no client certificate. */
function browserGet(url: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

async function provisioned(t: Test, settings: Record<string, unknown> = {}) {
  const stack = await startStack(t, { sim: { tls: selfSignedCertificate('127.0.0.1') }, env: { SSO_TOKEN_TTL: '60' } });
  await stack.createInstance({ oxPublicUrl: stack.sim.httpsUrl, ...settings });
  const profile = uuid();
  await stack.call('POST', '/profiles', { body: profileBody(profile) });
  const ctx = uuid();
  await stack.call('POST', '/contexts', { body: contextBody(ctx) });
  const mailbox = uuid();
  const res = await stack.call('POST', '/mailboxes', { body: mailboxBody(mailbox, ctx, profile, { login: 'alice', email: 'alice@x.example', displayName: 'Alice', password: PASSWORD }) });
  t.equal(res.status, 200);
  return { stack, ctx, mailbox };
}

async function loginUrl(stack: Stack, path: string): Promise<string> {
  const res = await stack.call('GET', path);
  if (res.status !== 200) throw new Error(`login URL from ${path}: ${res.status} ${res.text}`);
  return res.json.url as string;
}


t.test('tokens: one time, bound, hashed at rest, expiring, unguessable', async (t) => {
  const { stack, mailbox, ctx } = await provisioned(t);
  const url = await loginUrl(stack, `/mailboxes/${mailbox}/login`);
  t.match(url, new RegExp(`^${stack.endpoint.config.PUBLIC_URL}/sso/[A-Za-z0-9_-]{43}$`));
  const token = url.split('/').pop()!;
  const db = readFileSync(join(stack.dataDir, 'ledger.sqlite'));
  t.notOk(db.includes(Buffer.from(token)), 'the token itself is not stored');

  const page = await browserGet(url);
  t.equal(page.status, 200);
  t.equal(page.headers['cache-control'], 'no-store');
  t.equal(page.headers['referrer-policy'], 'no-referrer');
  const csp = String(page.headers['content-security-policy']);
  const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
  t.ok(nonce, 'CSP with a script nonce');
  t.match(page.body, new RegExp(`<script nonce="${nonce!.replace(/[+/=]/g, '\\$&')}">`));
  t.match(csp, new RegExp(`form-action ${stack.sim.httpsUrl.replace(/[.]/g, '\\.')}`));
  t.match(page.body, /action="https:\/\/127\.0\.0\.1:\d+\/ajax\/login\?action=formlogin&amp;authId=[0-9a-f-]{36}"/);
  t.match(page.body, /name="login" value="alice@100"/);
  t.match(page.body, /name="client" value="open-xchange-appsuite"/);
  t.match(page.body, /name="uiWebPath" value="\/appsuite\/"/);
  t.match(page.body, /<noscript>/);

  const replay = await browserGet(url);
  t.equal(replay.status, 404, 'a used token is refused');
  t.match(replay.body, /cannot be used/);
  t.notMatch(replay.body, /alice/);

  // Expired: rewrite the stored expiry.
  const expiring = (await loginUrl(stack, `/contexts/${ctx}/adminLogin`)).split('/').pop()!;
  const rec = await stack.endpoint.ledger.takeSsoToken(hashToken(expiring), 0);
  await stack.endpoint.ledger.saveSsoToken({ ...rec!, expiresAt: Date.now() - 1 });
  t.equal((await browserGet(`${stack.url}sso/${expiring}`)).status, 404, 'an expired token is refused');

  for (const guess of ['A'.repeat(43), token.replace(/.$/, token.endsWith('A') ? 'B' : 'A'), 'short', '../../etc/passwd']) {
    t.equal((await browserGet(`${stack.url}sso/${encodeURIComponent(guess)}`)).status, 404, 'guesses are refused');
  }

  // The context admin's link logs in the admin, never the mailbox.
  const admin = await browserGet(await loginUrl(stack, `/contexts/${ctx}/adminLogin`));
  t.match(admin.body, /name="login" value="oxadmin@100"/);
  t.notMatch(admin.body, /alice/);

  // Disabled: no URL; a token issued before the disable is refused at redemption.
  const early = await loginUrl(stack, `/mailboxes/${mailbox}/login`);
  t.equal((await stack.call('PUT', `/mailboxes/${mailbox}/disable`)).status, 204);
  const refused = await stack.call('GET', `/mailboxes/${mailbox}/login`);
  t.equal(refused.status, 409);
  t.match(refused.json.message, /disabled/);
  t.notOk(refused.json.url);
  t.equal((await browserGet(early)).status, 404);
  t.equal((await stack.call('PUT', `/contexts/${ctx}/disable`)).status, 204);
  t.equal((await stack.call('GET', `/contexts/${ctx}/adminLogin`)).status, 409);

  const log = stack.logText();
  t.notOk(log.includes(PASSWORD), 'no password in the logs');
  t.notOk(log.includes(token), 'no token in the logs');
});

t.test('a real browser lands in OX signed in, once', { skip: needsChromium() }, async (t) => {
  let browser: Browser | undefined;
  t.teardown(() => browser?.close());
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  for (const flavour of [{ name: 'App Suite', settings: {}, path: '/appsuite/', ui: 'OX App Suite' }, { name: 'OX6', settings: { loginClient: 'ox6', productPath: '/ox6/' }, path: '/ox6/index.html', ui: 'OX6' }]) {
    const { stack, mailbox, ctx } = await provisioned(t, flavour.settings);
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const visited: string[] = [];
    page.on('request', (r) => visited.push(r.url()));

    const url = await loginUrl(stack, `/mailboxes/${mailbox}/login`);
    await page.goto(url);
    await page.waitForURL((u) => u.pathname === flavour.path, { timeout: 15_000 });
    t.equal(await page.locator('#status').textContent(), `${flavour.ui}: signed in as alice in context 100`, `${flavour.name}: signed in as the mailbox user`);
    t.match(page.url(), /#session=[0-9a-f]+&user_id=\d+&context_id=100/);

    await page.goto(url);
    t.match(await page.locator('h1').textContent(), /cannot be used/, `${flavour.name}: the same link fails the second time`);

    // The customer's administrator, in a browser of their own.
    const adminContext = await browser.newContext({ ignoreHTTPSErrors: true });
    const adminPage = await adminContext.newPage();
    adminPage.on('request', (r) => visited.push(r.url()));
    await adminPage.goto(await loginUrl(stack, `/contexts/${ctx}/adminLogin`));
    await adminPage.waitForURL((u) => u.pathname === flavour.path, { timeout: 15_000 });
    t.equal(await adminPage.locator('#status').textContent(), `${flavour.ui}: signed in as oxadmin in context 100`);

    t.ok(visited.length >= 3);
    t.notOk(visited.some((u) => u.includes(PASSWORD) || u.includes(encodeURIComponent(PASSWORD))), `${flavour.name}: no password in any visited URL`);
    t.notOk(stack.logText().includes(PASSWORD), `${flavour.name}: no password in the endpoint's logs`);
    t.same(stack.sim.logins.map((l) => l.ok), [true, true], 'OX saw two successful form logins');
    await context.close();
    await adminContext.close();
  }
});
