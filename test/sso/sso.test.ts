// Single sign-on on the real stack: one-time links, who may have one, OX App Suite's token flow
// (the endpoint calls tokenLogin, the browser only ever holds one-time tokens), form login for
// OX6, clear failures, forwarded client addresses, and the separate public listener.
import t, { type Test } from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { browserGet, contextBody, mailboxBody, profileBody, startStack, uuid, type Stack } from '../helper.js';
import { selfSignedCertificate } from '../../app/util/tls.js';
import { hashToken } from '../../app/sso/tokens.js';
import { CHROMIUM, needsChromium } from '../support/requirements.js';
import { freePort } from '../../scripts/stand-ins/net.js';
import { sideBySide } from '../support/side-by-side.js';

const PASSWORD = 'Mailbox-Pass-2024!';
const LOGIN = 'alice';
t.jobs = sideBySide(4);

interface Provisioned {
  stack: Stack;
  ctx: string;
  mailbox: string;
  /** The mailbox's service user: the identity of its own user in the panel. */
  owner: string;
}

/** An OX whose public side is HTTPS with its own certificate, which the endpoint is told to trust. */
async function provisioned(
  t: Test,
  settings: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<Provisioned> {
  const tls = selfSignedCertificate('127.0.0.1');
  const stack = await startStack(t, { sim: { tls }, env: { SSO_TOKEN_TTL: '60', ...env } });
  const caFile = join(stack.dataDir, 'ox-ca.pem');
  writeFileSync(caFile, tls.cert);
  await stack.restartEndpoint({ OX_CA_FILE: caFile });
  await stack.createInstance({ oxPublicUrl: stack.sim.httpsUrl, ...settings });
  const profile = uuid();
  await stack.call('POST', '/profiles', { body: profileBody(profile) });
  const ctx = uuid();
  await stack.call('POST', '/contexts', { body: contextBody(ctx) });
  const mailbox = uuid();
  const owner = uuid();
  stack.controller.resources.set(owner, {
    login: LOGIN,
    email: 'alice@x.example',
    displayName: 'Alice',
    userId: 'platform-user-7',
  });
  const body = { ...mailboxBody(mailbox, ctx, profile, { password: PASSWORD }), user: { aps: { id: owner } } };
  const res = await stack.call('POST', '/mailboxes', { body });
  t.equal(res.status, 200, res.json?.message);
  stack.secrets.add(PASSWORD);
  return { stack, ctx, mailbox, owner };
}

async function loginUrl(stack: Stack, path: string, identity?: string): Promise<string> {
  const res = await stack.call('GET', path, identity ? { headers: { 'APS-Identity-ID': identity } } : {});
  if (res.status !== 200) throw new Error(`login URL from ${path}: ${res.status} ${res.text}`);
  return res.json.url as string;
}

t.test('tokens: one time, bound, hashed at rest, expiring, unguessable (form login page)', async (t) => {
  const { stack, mailbox, ctx, owner } = await provisioned(t, { ssoMethod: 'form' });
  const url = await loginUrl(stack, `/mailboxes/${mailbox}/login`, owner);
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
  t.match(page.body, /<noscript>/);

  const replay = await browserGet(url);
  t.equal(replay.status, 404, 'a used token is refused');
  t.match(replay.body, /cannot be used/);
  t.notMatch(replay.body, /alice/);

  const expiring = (await loginUrl(stack, `/contexts/${ctx}/adminLogin`)).split('/').pop()!;
  const rec = await stack.endpoint.ledger.takeSsoToken(hashToken(expiring), 0);
  await stack.endpoint.ledger.saveSsoToken({ ...rec!, expiresAt: Date.now() - 1 });
  t.equal((await browserGet(`${stack.url}sso/${expiring}`)).status, 404, 'an expired token is refused');
  for (const guess of [
    'A'.repeat(43),
    token.replace(/.$/, token.endsWith('A') ? 'B' : 'A'),
    'short',
    '../../etc/passwd',
  ]) {
    t.equal((await browserGet(`${stack.url}sso/${encodeURIComponent(guess)}`)).status, 404, 'guesses are refused');
  }

  const admin = await browserGet(await loginUrl(stack, `/contexts/${ctx}/adminLogin`));
  t.match(admin.body, /name="login" value="oxadmin@100"/, "the context admin's link logs in the admin");
  t.notMatch(admin.body, /alice/);

  const early = await loginUrl(stack, `/mailboxes/${mailbox}/login`, owner);
  t.equal((await stack.call('PUT', `/mailboxes/${mailbox}/disable`)).status, 204);
  const refused = await stack.call('GET', `/mailboxes/${mailbox}/login`, { headers: { 'APS-Identity-ID': owner } });
  t.equal(refused.status, 409);
  t.match(refused.json.message, /disabled/);
  t.equal((await browserGet(early)).status, 404, 'a link issued before the disable is refused');
  t.notOk(stack.logText().includes(token), 'no token in the logs');
});

t.test('who may open a mailbox: its own user; others only with adminMailboxLogin; every sign-on audited', async (t) => {
  const { stack, mailbox, owner } = await provisioned(t, { ssoMethod: 'form' });
  const path = `/mailboxes/${mailbox}/login`;
  const as = (identity?: string) =>
    stack.call('GET', path, identity ? { headers: { 'APS-Identity-ID': identity } } : {});
  t.equal((await as(owner)).status, 200, 'the service user itself');
  t.equal((await as('platform-user-7')).status, 200, 'its platform user id (read once from the controller)');
  const other = await as(uuid());
  t.equal(other.status, 403, 'another user of the account');
  t.equal(other.json.error, 'MailboxLoginRefused');
  t.match(other.json.message, /adminMailboxLogin/);
  t.equal((await as()).status, 403, 'a request without an identity counts as someone else');

  t.equal(
    (
      await stack.call('PUT', `/app/${stack.instanceId}`, {
        body: { aps: { id: stack.instanceId }, adminMailboxLogin: true, ssoMethod: 'form' },
      })
    ).status,
    200,
  );
  const boss = uuid();
  const allowed = await as(boss);
  t.equal(allowed.status, 200, 'with adminMailboxLogin an account administrator may');
  await browserGet(allowed.json.url as string, { 'user-agent': 'audit-test' });
  const audit = stack.logLines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.audit === 'sso' && l.who === boss);
  t.equal(audit.length, 1, 'the sign-on left one audit line');
  t.match(
    audit[0],
    { who: boss, as: 'alice@100', kind: 'mailboxes', from: '127.0.0.1', method: 'form' },
    'who, as whom, from where',
  );
  t.ok(typeof audit[0].at === 'string' && !Number.isNaN(Date.parse(audit[0].at as string)), 'and when');
  const issued = stack.logLines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.audit === 'sso-link' && l.who === boss);
  t.match(issued[0], { role: 'administrator' }, 'the link was issued to an administrator');
});

t.test("token login: OX gets the browser's address and agent; failures say what to do", async (t) => {
  const { stack, mailbox, owner } = await provisioned(t, {}, { TRUST_PROXY: '127.0.0.1' });
  const path = `/mailboxes/${mailbox}/login`;
  const first = await browserGet(await loginUrl(stack, path, owner), {
    'user-agent': 'Agent/1.0',
    'x-forwarded-for': '198.51.100.23',
  });
  t.equal(first.status, 302, 'a redirect to OX');
  const location = String(first.headers.location);
  t.match(
    location,
    new RegExp(
      `^${stack.sim.httpsUrl}/appsuite/#jsessionid=\\w+&serverToken=\\w+&user_id=\\d+&language=\\w+&locale=\\w+&clientToken=[\\w-]{43}$`,
    ),
  );
  t.notMatch(location + first.body, /alice|Mailbox-Pass/, 'neither login nor password in the answer');
  t.equal(first.headers['cache-control'], 'no-store');
  t.equal(first.headers['referrer-policy'], 'no-referrer');
  t.same(
    stack.sim.tokenLogins.at(-1),
    { clientIp: '198.51.100.23', clientUserAgent: 'Agent/1.0', jsonResponse: 'true' },
    'the forwarded address (from a trusted proxy) and the agent reach OX',
  );

  // The user changed the password inside OX: the stored one no longer works.
  const user = [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.name === LOGIN)!;
  user.password = 'Changed-In-OX-1';
  const changed = await browserGet(await loginUrl(stack, path, owner));
  t.equal(changed.status, 409);
  t.match(changed.body, /password was changed/i);
  t.match(changed.body, /Set a new password/);
  t.match(stack.logText(), /"oxCode":"LGI-0006"/, "the log names OX's code");
  user.password = PASSWORD;

  // OX's login cannot be reached.
  const dead = await freePort();
  t.equal(
    (
      await stack.call('PUT', `/app/${stack.instanceId}`, {
        body: { aps: { id: stack.instanceId }, oxPublicUrl: `https://127.0.0.1:${dead}` },
      })
    ).status,
    200,
  );
  const down = await browserGet(await loginUrl(stack, path, owner));
  t.equal(down.status, 503);
  t.match(down.body, /cannot be reached/);
  t.match(down.body, /Try again in a few minutes/);
  t.notOk(stack.logText().includes(PASSWORD), 'no password in any log line');
});

t.test('forwarded addresses count only from a trusted proxy', async (t) => {
  const { stack, mailbox, owner } = await provisioned(t);
  await browserGet(await loginUrl(stack, `/mailboxes/${mailbox}/login`, owner), { 'x-forwarded-for': '203.0.113.9' });
  t.equal(stack.sim.tokenLogins.at(-1)?.clientIp, '127.0.0.1', 'without TRUST_PROXY the TCP peer is the browser');
});

t.test('a separate public listener serves the login pages and nothing else', async (t) => {
  const { stack, ctx } = await provisioned(t, { ssoMethod: 'form' }, { SSO_PORT: '0' });
  t.ok(stack.publicUrl.startsWith('http://127.0.0.1:'), 'plain HTTP on its own port');
  const url = await loginUrl(stack, `/contexts/${ctx}/adminLogin`);
  t.ok(url.startsWith(`${stack.publicUrl}/sso/`), 'links point at the public listener');
  const token = url.split('/').pop()!;
  t.equal((await browserGet(`${stack.url}sso/${token}`)).status, 404, 'the APS port no longer serves login pages');
  const page = await fetch(url);
  t.equal(page.status, 200, 'the public listener does');
  t.match(await page.text(), /oxadmin@100/);
  const aps = await fetch(`${stack.publicUrl}/contexts/${ctx}`);
  t.equal(aps.status, 404, 'and serves no APS route');
});

t.test(
  'a real browser: App Suite through the token flow, OX6 through form login',
  { skip: needsChromium() },
  async (t) => {
    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    t.teardown(() => browser.close());

    /** Everything the browser received: every URL, status, header and body. */
    const record = (context: BrowserContext) => {
      const seen: string[] = [];
      context.on('response', (r) => {
        seen.push(`${r.url()} ${r.status()} ${JSON.stringify(r.headers())}`);
        void r.body().then(
          (b) => seen.push(b.toString('utf8')),
          () => undefined,
        );
      });
      context.on('request', (r) => seen.push(r.url()));
      return seen;
    };

    // App Suite (the default): the endpoint logs in; the browser holds one-time tokens only.
    {
      const { stack, mailbox, owner } = await provisioned(t, {}, { TRUST_PROXY: '127.0.0.1' });
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const seen = record(context);
      const page = await context.newPage();
      const url = await loginUrl(stack, `/mailboxes/${mailbox}/login`, owner);
      await page.goto(url);
      await page.waitForFunction(
        () => document.getElementById('status')?.textContent?.includes('signed in'),
        undefined,
        { timeout: 15_000 },
      );
      const userId = [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.name === LOGIN)!.id;
      t.equal(
        await page.locator('#status').textContent(),
        `OX App Suite: signed in as user ${userId} in context 100`,
        'signed in as the mailbox user',
      );
      t.notMatch(page.url(), /serverToken|clientToken/, 'the UI removed the tokens from the address');
      const cookies = JSON.stringify(await context.cookies());
      await new Promise((r) => setTimeout(r, 200)); // bodies arrive asynchronously
      const everything = `${seen.join('\n')}\n${cookies}`;
      t.ok(seen.length >= 4, `recorded ${seen.length} requests and responses`);
      t.notOk(
        everything.includes(PASSWORD) || everything.includes(encodeURIComponent(PASSWORD)),
        'no password anywhere the browser saw',
      );
      t.notMatch(everything, /alice@100|alice%40100/, 'no login anywhere the browser saw');
      t.same(
        stack.sim.logins.map((l) => l.ok),
        [true],
        'OX saw one successful (token) login',
      );

      await page.goto(url);
      t.match(await page.locator('h1').textContent(), /cannot be used/, 'the same link fails the second time');

      // OX's token session lives 60 s: one that is not redeemed in time fails in the UI.
      stack.sim.tokenSessionMs = 0;
      const late = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
      await late.goto(await loginUrl(stack, `/mailboxes/${mailbox}/login`, owner));
      await late.waitForFunction(() => /SES-/.test(document.getElementById('status')?.textContent ?? ''), undefined, {
        timeout: 15_000,
      });
      t.match(await late.locator('#status').textContent(), /expired/, 'an expired token session is refused');
      stack.sim.tokenSessionMs = 60_000;

      // Another client address than the one the endpoint vouched for: OX's IP check refuses it.
      const elsewhere = await (
        await browser.newContext({ ignoreHTTPSErrors: true, extraHTTPHeaders: { 'X-Forwarded-For': '192.0.2.44' } })
      ).newPage();
      await elsewhere.goto(await loginUrl(stack, `/mailboxes/${mailbox}/login`, owner));
      await elsewhere.waitForFunction(
        () => /SES-/.test(document.getElementById('status')?.textContent ?? ''),
        undefined,
        { timeout: 15_000 },
      );
      t.match(
        await elsewhere.locator('#status').textContent(),
        /IP address/,
        'a token redeemed from another address is refused',
      );
      await context.close();
    }

    // OX6: form login.
    {
      const { stack, mailbox, owner } = await provisioned(t, { loginClient: 'ox6', productPath: '/ox6/' });
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      await page.goto(await loginUrl(stack, `/mailboxes/${mailbox}/login`, owner));
      await page.waitForURL((u) => u.pathname === '/ox6/index.html', { timeout: 15_000 });
      t.match(
        await page.locator('#status').textContent(),
        /^OX6: signed in as user \d+ in context 100$/,
        'OX6 signs in by form login',
      );
      t.same(
        stack.sim.logins.map((l) => l.ok),
        [true],
      );
      await context.close();
    }
  },
);

t.test('a mailbox from before owners were kept learns its service user from the controller', async (t) => {
  const { stack, mailbox, owner } = await provisioned(t, { ssoMethod: 'form' });
  const rec = (await stack.endpoint.ledger.getResource(stack.instanceId, mailbox))!;
  const { owner: _owner, ...legacy } = rec.props;
  await stack.endpoint.ledger.updateResource(stack.instanceId, mailbox, { props: legacy });
  // The controller's copy of the mailbox links its service user.
  stack.controller.resources.set(mailbox, { aps: { id: mailbox }, user: { aps: { id: owner } } });
  const path = `/mailboxes/${mailbox}/login`;
  t.equal(
    (await stack.call('GET', path, { headers: { 'APS-Identity-ID': uuid() } })).status,
    403,
    'someone else is still refused',
  );
  t.equal(
    (await stack.call('GET', path, { headers: { 'APS-Identity-ID': owner } })).status,
    200,
    'its own user gets the link',
  );
  t.same(
    (await stack.endpoint.ledger.getResource(stack.instanceId, mailbox))?.props.owner,
    { id: owner, userId: 'platform-user-7' },
    'the owner is kept',
  );
  stack.controller.resources.delete(mailbox);
  t.equal(
    (await stack.call('GET', path, { headers: { 'APS-Identity-ID': 'platform-user-7' } })).status,
    200,
    'from then on without asking the controller',
  );
});
