// Every view of the package in headless Chromium, through the real Dojo AMD loader, against a
// stand-in of the panel that offers only the documented aps/* API (and throws on the rest). Each
// journey a customer, a user and a provider make is walked; a screenshot of every view is saved
// under .tap/screenshots.
import t, { type Test } from 'tap';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PanelStandIn, type Resource, type Session } from '../support/panel/server.js';
import { CHROMIUM, needsChromium } from '../support/requirements.js';

const SHOTS = join('.tap', 'screenshots');
const T = (name: string) => `http://ox-connector.org/aps/${name}/1.0`;
const USER = 'http://aps-standard.org/types/core/service-user/1.0';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const APP = id(1);
const [CA, CB, SA, SB, P1, P2, U1, U2, MA, MB, NEWU] = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(id);
const ACCOUNT = 'acct-1';

function fixtures(panel: PanelStandIn): void {
  const mine = { _account: ACCOUNT };
  panel.add({
    aps: { id: APP, type: T('app') },
    oxSoapUrl: 'https://ox.example.com/webservices/',
    oxPublicUrl: 'https://ox.example.com',
    productPath: '/appsuite/',
    loginClient: 'appsuite',
    masterLogin: 'oxadminmaster',
    defaultQuotaMb: 1024,
    defaultTimezone: 'Europe/Berlin',
    defaultLanguage: 'en_US',
    mobilityMode: 'addon',
  });
  panel.add({
    aps: { id: P1, type: T('profiles') },
    title: 'Webmail',
    accessCombination: 'webmail',
    includesMobility: false,
    app: { aps: { id: APP } },
  });
  panel.add({
    aps: { id: P2, type: T('profiles') },
    title: 'Groupware with mobility',
    accessCombination: 'groupware_premium',
    includesMobility: true,
    app: { aps: { id: APP } },
  });
  for (const [ctx, sub, domain, cid] of [
    [CA, SA, 'a.example', 101],
    [CB, SB, 'b.example', 102],
  ] as const) {
    panel.add({
      ...mine,
      aps: { id: ctx, type: T('contexts'), status: 'aps:ready', subscription: sub },
      contextId: cid,
      domain,
      diskspace: { usage: 120, limit: 2048 },
      mailboxCount: { usage: 1, limit: 10 },
      mobilityCount: { usage: 0, limit: 5 },
    });
  }
  panel.add({
    ...mine,
    aps: { id: U1, type: USER },
    login: 'jo@a.example',
    email: 'jo@a.example',
    displayName: 'Jo Doe',
    givenName: 'Jo',
    familyName: 'Doe',
  });
  panel.add({
    ...mine,
    aps: { id: U2, type: USER },
    login: 'ann@b.example',
    email: 'ann@b.example',
    displayName: 'Ann Lee',
  });
  panel.add({
    ...mine,
    aps: { id: MA, type: T('mailboxes'), status: 'aps:ready', subscription: SA },
    login: 'jo',
    email: 'jo@a.example',
    displayName: 'Jo Doe',
    context: { aps: { id: CA } },
    user: { aps: { id: U1 } },
    profile: { aps: { id: P1 } },
    mobilityEnabled: false,
  });
  panel.add({
    ...mine,
    aps: { id: MB, type: T('mailboxes'), status: 'aps:ready', subscription: SB },
    login: 'ann',
    email: 'ann@b.example',
    displayName: 'Ann Lee',
    context: { aps: { id: CB } },
    user: { aps: { id: U2 } },
    profile: { aps: { id: P2 } },
    mobilityEnabled: true,
  });
}

const customer: Session = { account: ACCOUNT, locale: 'en' };

let browser: Browser | undefined;
let panel: PanelStandIn;

async function shown(page: Page, viewId: string): Promise<void> {
  await page.waitForFunction((v) => document.body.getAttribute('data-shown') === v, viewId, { timeout: 15000 });
}

/** Opens a view in a fresh page; fails on any error the stand-in saw. */
async function open(t: Test, viewId: string, session: Session, resourceId?: string): Promise<Page> {
  const page = await browser!.newPage();
  t.teardown(() => page.close());
  page.on('pageerror', (e) => panel.errors.push(`page: ${e.message}`));
  await page.goto(panel.open(viewId, session, resourceId));
  await shown(page, viewId);
  return page;
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const widget = (page: Page, widgetId: string) => page.locator(`[data-widget-id="${widgetId}"]`);
const rows = (page: Page, gridId: string) => widget(page, gridId).locator('tr[data-id]');
const posts = () => panel.requests.filter((r) => r.method !== 'GET');

t.before(async () => {
  if (needsChromium()) return;
  panel = await new PanelStandIn().start();
  fixtures(panel);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
});
t.teardown(async () => {
  await browser?.close();
  await panel?.stop();
});
/** A test in the browser; at its end, no error may have reached the panel stand-in. */
function journey(name: string, fn: (t: Test) => Promise<void>): void {
  t.test(name, { skip: needsChromium() }, async (t) => {
    panel.errors.length = 0;
    await fn(t);
    t.same(panel.errors, [], 'the panel stand-in saw no error');
  });
}

journey('every view and plug-in loads in its panel', async (t) => {
  const sessions: Record<string, [Session, string?]> = {
    overview: [customer],
    mailboxes: [customer],
    'mailbox-new': [customer],
    'mailbox-edit': [customer, MA],
    'my-mailbox': [{ user: U1, locale: 'en' }],
    'add-mailbox': [{ ...customer, wizardUsers: [] }],
    dashboard: [customer],
    'user-mailbox': [{ ...customer, profileUser: U1 }],
    settings: [{ locale: 'en' }],
    tiers: [{ locale: 'en' }],
    'tier-new': [{ locale: 'en' }],
    'tier-edit': [{ locale: 'en' }, P1],
  };
  t.same(
    Object.keys(sessions).sort(),
    panel.views.map((v) => v.id).sort(),
    'the test covers every view APP-META.xml declares',
  );
  for (const [viewId, [session, resource]] of Object.entries(sessions)) {
    const page = await open(t, viewId, session, resource);
    await page.waitForTimeout(100);
    await screenshot(page, viewId);
    t.same(panel.errors, [], `${viewId} loaded without an error`);
  }
});

journey('every view loads translated (German, French)', async (t) => {
  for (const locale of ['de', 'fr']) {
    const page = await open(t, 'mailboxes', { ...customer, locale });
    t.equal(await page.locator('th').nth(1).textContent(), locale === 'de' ? 'E-Mail-Adresse' : 'Adresse e-mail');
    const tiers = await open(t, 'tier-edit', { locale }, P1);
    t.match(await tiers.locator('label').first().textContent(), locale === 'de' ? 'Titel' : 'Titre');
  }
});

journey(
  "an account with two subscriptions sees each context's mailboxes only, and adds one in the chosen one",
  async (t) => {
    const page = await open(t, 'mailboxes', customer);
    await page.waitForSelector('[data-widget-id="mailboxes_mbx_grid"] table[data-rows]');
    t.same(
      await rows(page, 'mailboxes_mbx_grid').evaluateAll((r) => r.map((e) => e.getAttribute('data-id'))),
      [MA],
      'subscription A: its mailbox only',
    );
    await widget(page, 'mailboxes_mbx_context').locator('select').selectOption(CB);
    await page.waitForFunction(
      (b) => document.querySelector(`[data-widget-id="mailboxes_mbx_grid"] tr[data-id="${b}"]`),
      MB,
    );
    t.same(
      await rows(page, 'mailboxes_mbx_grid').evaluateAll((r) => r.map((e) => e.getAttribute('data-id'))),
      [MB],
      'subscription B: its mailbox only',
    );
    t.ok(
      panel.requests.some((r) => r.path === `/aps/2/resources/${CB}/mailboxes`),
      "the list reads the context's own collection",
    );

    panel.requests.length = 0;
    await widget(page, 'mailboxes_mbx_add').locator('button').click();
    await shown(page, 'mailbox-new');
    await widget(page, 'mailbox-new_mbx_user').locator('select').selectOption(U2);
    t.equal(
      await widget(page, 'mailbox-new_mbx_email').locator('input').inputValue(),
      'ann@b.example',
      'filled from the chosen user',
    );
    await widget(page, 'mailbox-new_mbx_login').locator('input').fill('ann2');
    await widget(page, 'mailbox-new_mbx_profile').locator('select').selectOption(P2);
    await widget(page, 'mailbox-new_mbx_mobility').locator('input').check();
    await screenshot(page, 'journey-mailbox-new-filled');
    await page.locator('[data-control="submit"]').click();
    await shown(page, 'mailboxes');
    const [mailbox, mobility] = posts();
    t.match(mailbox, {
      method: 'POST',
      path: `/aps/2/resources/${CB}/mailboxes`,
      subscriptionHeader: SB,
      body: {
        aps: { type: T('mailboxes'), subscription: SB },
        login: 'ann2',
        user: { aps: { id: U2 } },
        context: { aps: { id: CB } },
        profile: { aps: { id: P2 } },
      },
    });
    t.match(mobility, {
      method: 'POST',
      subscriptionHeader: SB,
      body: { aps: { type: T('mobility'), subscription: SB } },
    });
    t.match(mobility.path, /^\/aps\/2\/resources\/[0-9a-f-]{36}\/mobility$/);
  },
);

journey('editing a mailbox: opened from its name in the list, saved with a PUT, mobility removed', async (t) => {
  const page = await open(t, 'mailboxes', customer);
  await widget(page, 'mailboxes_mbx_context').locator('select').selectOption(CB);
  await page.locator(`tr[data-id="${MB}"] a.resource-name`).click();
  await shown(page, 'mailbox-edit');
  t.equal(await widget(page, 'mailbox-edit_mbx_login').locator('input').isDisabled(), true, 'the login stays');
  await widget(page, 'mailbox-edit_mbx_displayName').locator('input').fill('Ann L.');
  panel.requests.length = 0;
  await page.locator('[data-control="submit"]').click();
  await shown(page, 'mailboxes');
  const sent = posts();
  t.match(sent[0], {
    method: 'PUT',
    path: `/aps/2/resources/${MB}`,
    body: { displayName: 'Ann L.', profile: { aps: { id: P2 } } },
  });
  t.notOk('user' in sent[0].body, 'the user link is not sent again');
  t.equal(sent.length, 1, 'mobility unchanged: no second request');
});

journey('the add-user wizard gives every new user a mailbox with the chosen tier', async (t) => {
  const newUsers: Resource[] = [
    { aps: { id: NEWU, type: USER }, login: 'max@a.example', email: 'max@a.example', displayName: 'Max Roe' },
    { aps: { id: id(13), type: USER }, login: 'eva@a.example', email: 'eva@a.example', displayName: 'Eva Poe' },
  ];
  const page = await open(t, 'add-mailbox', { ...customer, wizardUsers: newUsers });
  await widget(page, 'add-mailbox_wiz_context').locator('select').selectOption(CA);
  await widget(page, 'add-mailbox_wiz_mobility').locator('input').check();
  t.same(
    await widget(page, 'add-mailbox_wiz_profile').locator('option').allTextContents(),
    ['Groupware with mobility (with mobility)'],
    'mobility: the tiers that include it',
  );
  await screenshot(page, 'journey-wizard');
  await page.locator('[data-control="next"]').click();
  await page.waitForFunction(() => true);
  for (let i = 0; i < 50 && !panel.wizardNext; i++) await new Promise((r) => setTimeout(r, 50));
  t.equal(panel.wizardNext, 1, 'the step hands over to the wizard');
  t.match(panel.usageChanges, [{ deltas: [{ apsType: T('mailboxes'), delta: 2 }] }]);
  const provisions = panel.usageChanges[0].operations.map((o: { provision: Resource }) => o.provision);
  const expected = newUsers.map((u) => ({
    user: { aps: { id: u.aps.id } },
    email: u.email,
    context: { aps: { id: CA } },
    profile: { aps: { id: P2 } },
    aps: { subscription: SA },
  }));
  t.match(provisions, expected);
  const made = panel.commitWizard();
  t.equal(made.length, 2, "the wizard's commit creates both mailboxes");
});

journey('a service user opens their own webmail and sees how to connect a phone', async (t) => {
  const page = await open(t, 'my-mailbox', { user: U1, locale: 'en' });
  t.equal(await widget(page, 'my-mailbox_my_email').locator('.value').textContent(), 'jo@a.example');
  await page.waitForFunction(() => document.querySelector('[data-widget-id="my-mailbox_my_imap"] .value')?.textContent);
  t.equal(
    await widget(page, 'my-mailbox_my_imap').locator('.value').textContent(),
    'imap.example.com:993 (SSL/TLS), User name: jo@a.example',
    'the mail server with the mail login',
  );
  t.match(
    await widget(page, 'my-mailbox_my_username').locator('.value').textContent(),
    /^[^@]+@a\.example$/,
    'the user name with its context mapping',
  );
  t.equal(
    await widget(page, 'my-mailbox_my_activesync').locator('.value').textContent(),
    'Not included',
    'no mobility on this mailbox',
  );
  const [popup] = await Promise.all([
    page.waitForEvent('popup'),
    widget(page, 'my-mailbox_my_webmail').locator('button').click(),
  ]);
  await popup.waitForURL(/\/ox\/login/);
  t.equal(new URL(popup.url()).searchParams.get('for'), MA, "the user's own mailbox opens");
  t.ok(panel.requests.some((r) => r.path === `/aps/2/resources/${MA}/login`));
  await screenshot(page, 'journey-my-mailbox');
});

journey("the dashboard tile shows the context's use and opens OX as its administrator", async (t) => {
  const page = await open(t, 'dashboard', customer);
  t.equal(await widget(page, 'dashboard_dash_disk').locator('.value').textContent(), '120 of 2,048 MB (6 %)');
  t.equal(await widget(page, 'dashboard_dash_mailboxes').locator('.value').textContent(), '1 of 10 (10 %)');
  const [popup] = await Promise.all([
    page.waitForEvent('popup'),
    widget(page, 'dashboard_dash_open').locator('button').click(),
  ]);
  await popup.waitForURL(/\/ox\/login/);
  t.equal(new URL(popup.url()).searchParams.get('for'), CA, 'the context the tile shows');
  t.ok(panel.requests.some((r) => r.path === `/aps/2/resources/${CA}/adminLogin`));
});

journey('the provider saves settings (time zone from the list) and a new tier', async (t) => {
  const page = await open(t, 'settings', { locale: 'en' });
  await page.waitForFunction(
    () => document.querySelectorAll('[data-widget-id="set_defaultTimezone"] option').length > 1,
  );
  await widget(page, 'set_defaultTimezone').locator('select').selectOption('Europe/Paris');
  await widget(page, 'set_defaultTheme').locator('input').fill('dark');
  await widget(page, 'set_test').locator('button').click();
  await page.waitForFunction(() => document.querySelector('[data-widget-id="set_result"] .value')?.textContent);
  t.match(await widget(page, 'set_result').locator('.value').textContent(), /^OK: OX answered/);
  panel.requests.length = 0;
  await page.locator('[data-control="submit"]').click();
  for (let i = 0; i < 50 && !posts().length; i++) await new Promise((r) => setTimeout(r, 50));
  t.match(posts()[0], {
    method: 'PUT',
    path: `/aps/2/resources/${APP}`,
    body: {
      defaultTimezone: 'Europe/Paris',
      defaultTheme: 'dark',
      oxSoapUrl: 'https://ox.example.com/webservices/',
      ssoMethod: 'token',
    },
  });
  t.notOk('masterPassword' in posts()[0].body, 'no master password unless a new one was typed');
  t.equal(
    await widget(page, 'set_ssoMethod').locator('select').inputValue(),
    'token',
    'a setting not stored yet shows its default',
  );

  const tiers = await open(t, 'tiers', { locale: 'en' });
  await tiers.waitForSelector('[data-widget-id="tier_grid"] table[data-rows]');
  await widget(tiers, 'tier_add').locator('button').click();
  await tiers.waitForURL(/tier-new\.html$/);
  await shown(tiers, 'tier-new');
  await widget(tiers, 'tier_title').locator('input').fill('PIM');
  await widget(tiers, 'tier_accessCombination').locator('input').fill('pim');
  panel.requests.length = 0;
  await tiers.locator('[data-control="submit"]').click();
  await tiers.waitForURL(/tiers\.html$/);
  await shown(tiers, 'tiers');
  t.match(posts()[0], {
    method: 'POST',
    path: `/aps/2/resources/${APP}/profiles`,
    body: { aps: { type: T('profiles') }, title: 'PIM', accessCombination: 'pim', app: { aps: { id: APP } } },
  });
  await tiers.waitForFunction(() => document.querySelectorAll('[data-widget-id="tier_grid"] tr[data-id]').length === 3);
  await screenshot(tiers, 'journey-tiers');
});

t.test('the stand-in refuses what the panel does not document', { skip: needsChromium() }, async (t) => {
  const source = panel.entries.get('ui/ccp/overview.js')!.toString();
  const ON_CONTEXT = '    onContext: function () {\n';
  const cases: Array<[string, string, string, RegExp]> = [
    [
      'a message given as a string',
      ON_CONTEXT,
      `${ON_CONTEXT}      aps.apsc.displayMessage('saved');\n`,
      /displayMessage takes one object/,
    ],
    [
      'an undocumented panel method',
      ON_CONTEXT,
      `${ON_CONTEXT}      aps.apsc.reload();\n`,
      /aps\.apsc\.reload is not documented/,
    ],
    [
      'a widget option that does not exist',
      "label: _('Subscription'), options: []",
      "label: _('Subscription'), options: [], onRowClick: function () {}",
      /aps\/Select has no property "onRowClick"/,
    ],
    [
      'state kept on the View',
      ON_CONTEXT,
      `${ON_CONTEXT}      this.ctx = 1;\n`,
      /keeps state as a custom property: ctx/,
    ],
    [
      'a var the view does not declare',
      ON_CONTEXT,
      `${ON_CONTEXT}      void aps.context.vars.mailbox;\n`,
      /aps\.context\.vars \(view overview\)\.mailbox is not documented/,
    ],
    ['no hideLoading', 'aps.apsc.hideLoading();\n    },\n  });', '},\n  });', /never called aps\.apsc\.hideLoading/],
  ];
  for (const [label, from, to, expected] of cases) {
    t.ok(source.includes(from), `${label}: the mutation applies`);
    panel.overrides.set('ui/ccp/overview.js', source.replace(from, to));
    panel.errors.length = 0;
    const page = await browser!.newPage();
    await page.goto(panel.open('overview', customer));
    for (let i = 0; i < 100 && !panel.errors.some((e) => expected.test(e)); i++)
      await new Promise((r) => setTimeout(r, 50));
    t.ok(
      panel.errors.some((e) => expected.test(e)),
      `${label}: ${panel.errors.join(' | ')}`,
    );
    await page.close();
  }
  panel.overrides.clear();
  panel.errors.length = 0;
});
