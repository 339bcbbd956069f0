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
import { until } from '../support/until.js';
import { mailboxBody, startStack, uuid } from '../helper.js';

const SHOTS = join('.tap', 'screenshots');
const T = (name: string) => `http://ox-connector.org/aps/${name}/1.0`;
const MAILBOX = 'http://ox-connector.org/aps/mailboxes/1.1';
const CONTEXT = 'http://ox-connector.org/aps/contexts/1.1';
const USER = 'http://aps-standard.org/types/core/service-user/1.0';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const APP = id(1);
const [CA, CB, SA, SB, P1, P2, U1, U2, MA, MB, NEWU] = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(id);
const [GA, RA, XA] = [20, 21, 22].map(id);
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
      aps: { id: ctx, type: CONTEXT, status: 'aps:ready', subscription: sub },
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
    aps: { id: MA, type: MAILBOX, status: 'aps:ready', subscription: SA },
    login: 'jo',
    passwordState: 'generated',
    adminMayOpen: false,
    email: 'jo@a.example',
    displayName: 'Jo Doe',
    context: { aps: { id: CA } },
    user: { aps: { id: U1 } },
    profile: { aps: { id: P1 } },
    mobilityEnabled: false,
  });
  panel.add({
    ...mine,
    aps: { id: MB, type: MAILBOX, status: 'aps:ready', subscription: SB },
    login: 'ann',
    passwordState: 'unknown',
    adminMayOpen: true,
    email: 'ann@b.example',
    displayName: 'Ann Lee',
    context: { aps: { id: CB } },
    user: { aps: { id: U2 } },
    profile: { aps: { id: P2 } },
    mobilityEnabled: true,
  });
}

/** Subscription A's group (Jo in it), room, and info@ read by the group. */
function collaboration(panel: PanelStandIn): void {
  const inA = { _account: ACCOUNT, context: { aps: { id: CA } } };
  panel.add({
    ...inA,
    aps: { id: GA, type: T('groups'), status: 'aps:ready', subscription: SA },
    name: 'sales',
    displayName: 'Sales',
    members: [MA],
  });
  panel.add({
    ...inA,
    aps: { id: RA, type: T('resources'), status: 'aps:ready', subscription: SA },
    name: 'room1',
    displayName: 'Room 1',
    email: 'room1@a.example',
    available: true,
  });
  panel.add({
    ...inA,
    aps: { id: XA, type: T('shared-mailboxes'), status: 'aps:ready', subscription: SA },
    address: 'info@a.example',
    displayName: 'Info desk',
    groups: [GA],
  });
}

const customer: Session = { account: ACCOUNT, locale: 'en_US', subscription: SA };
const customerB: Session = { ...customer, subscription: SB };
const provider: Session = { locale: 'en_US' };

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
const ids = (page: Page, gridId: string) =>
  rows(page, gridId).evaluateAll((r) => r.map((e) => e.getAttribute('data-id')));

t.before(async () => {
  if (needsChromium()) return;
  panel = await new PanelStandIn().start();
  fixtures(panel);
  collaboration(panel);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--ignore-certificate-errors',
    ],
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
    try {
      await fn(t);
    } finally {
      t.same(panel.errors, [], 'the panel stand-in saw no error');
    }
  });
}

journey('every view and plug-in loads in its panel', async (t) => {
  const sessions: Record<string, [Session, string?]> = {
    overview: [customer],
    mailboxes: [customer],
    'mailbox-new': [customer],
    'mailbox-edit': [customer, MA],
    'my-mailbox': [{ user: U1, locale: 'en_US' }],
    'add-mailbox': [{ ...customer, wizardUsers: [] }],
    dashboard: [{ account: ACCOUNT, locale: 'en_US' }],
    'user-mailbox': [{ ...customer, profileUser: U1 }],
    'users-column': [{ account: ACCOUNT, locale: 'en_US' }],
    groups: [customer],
    'group-new': [customer],
    'group-edit': [customer, GA],
    resources: [customer],
    'resource-new': [customer],
    'resource-edit': [customer, RA],
    'shared-mailboxes': [customer],
    'shared-new': [customer],
    'shared-edit': [customer, XA],
    settings: [provider],
    tiers: [provider],
    'tier-new': [provider],
    'tier-edit': [provider, P1],
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

journey('views and plug-ins load translated (German, French)', async (t) => {
  for (const [locale, address, title, disk] of [
    ['de_DE', 'E-Mail-Adresse', 'Titel', 'Speicherplatz'],
    ['fr_FR', 'Adresse e-mail', 'Titre', 'Espace disque'],
  ]) {
    const page = await open(t, 'mailboxes', { ...customer, locale });
    t.equal(await page.locator('th').nth(0).textContent(), address);
    const tiers = await open(t, 'tier-edit', { locale }, P1);
    t.match(await tiers.locator('label').first().textContent(), title);
    // A plug-in runs in the host application: its texts come from the package only when bound to it.
    const tile = await open(t, 'dashboard', { account: ACCOUNT, locale });
    t.equal(await widget(tile, 'dashboard1_dash_disk').locator('label').textContent(), disk, `${locale}: the tile`);
  }
});

journey("MSS: each subscription's tree lists its own context's mailboxes and adds one there", async (t) => {
  const page = await open(t, 'mailboxes', customer);
  await page.waitForSelector('[data-widget-id="mailboxes_mbx_grid"] table[data-rows]');
  t.same(await ids(page, 'mailboxes_mbx_grid'), [MA], 'subscription A: its mailbox only');
  const other = await open(t, 'mailboxes', customerB);
  await other.waitForSelector('[data-widget-id="mailboxes_mbx_grid"] table[data-rows]');
  t.same(await ids(other, 'mailboxes_mbx_grid'), [MB], 'subscription B: its mailbox only');
  t.ok(
    panel.requests.some((r) => r.path === `/aps/2/resources/${CB}/mailboxes`),
    "the list reads the context's own collection",
  );
  t.equal(await other.locator('select').count(), 0, 'no subscription picker: the panel chose');

  panel.requests.length = 0;
  await widget(other, 'mailboxes_mbx_add').locator('button').click();
  await shown(other, 'mailbox-new');
  await widget(other, 'mailbox-new_mbx_user').locator('select').selectOption(U2);
  t.equal(
    await widget(other, 'mailbox-new_mbx_email').locator('input').inputValue(),
    'ann@b.example',
    'filled from the chosen user',
  );
  await widget(other, 'mailbox-new_mbx_login').locator('input').fill('ann2');
  await widget(other, 'mailbox-new_mbx_profile').locator('select').selectOption(P2);
  t.equal(
    await widget(other, 'mailbox-new_mbx_mobility').isVisible(),
    false,
    'no mobility add-on offered with a tier that includes mobility',
  );
  await widget(other, 'mailbox-new_mbx_profile').locator('select').selectOption(P1);
  await widget(other, 'mailbox-new_mbx_mobility').locator('input').check();
  await screenshot(other, 'journey-mailbox-new-filled');
  await other.locator('[data-control="submit"]').click();
  await shown(other, 'mailboxes');
  const [mailbox, mobility] = posts();
  t.match(mailbox, {
    method: 'POST',
    path: `/aps/2/resources/${CB}/mailboxes`,
    subscriptionHeader: SB,
    body: {
      aps: { type: MAILBOX, subscription: SB },
      login: 'ann2',
      user: { aps: { id: U2 } },
      context: { aps: { id: CB } },
      profile: { aps: { id: P1 } },
    },
  });
  t.match(mobility, {
    method: 'POST',
    subscriptionHeader: SB,
    body: { aps: { type: T('mobility'), subscription: SB } },
  });
  t.match(mobility.path, /^\/aps\/2\/resources\/[0-9a-f-]{36}\/mobility$/);
});

journey('the overview leads to the list; editing a mailbox saves a PUT', async (t) => {
  const page = await open(t, 'overview', customerB);
  await widget(page, 'overview_ov_manage').locator('button').click();
  await shown(page, 'mailboxes');
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
  t.notOk('password' in sent[0].body, 'no password unless one was typed');
  t.equal(sent.length, 1, 'mobility unchanged: no second request');
});

journey('passwords: a generated one shown once, an unknown one explained', async (t) => {
  const page = await open(t, 'mailbox-edit', customer, MA);
  t.match(await widget(page, 'mailbox-edit_mbx_pw_note').textContent(), /was generated/);
  panel.requests.length = 0;
  await widget(page, 'mailbox-edit_mbx_reveal').locator('button').click();
  await page.waitForFunction(
    () => document.querySelector('[data-widget-id="mailbox-edit_mbx_pw_shown"] .value')?.textContent,
  );
  t.equal(await widget(page, 'mailbox-edit_mbx_pw_shown').locator('.value').textContent(), 'jo / generated-jo');
  t.match(posts(), [{ method: 'POST', path: `/aps/2/resources/${MA}/revealPassword` }]);
  t.equal(await widget(page, 'mailbox-edit_mbx_reveal').isVisible(), false, 'the button goes');
  t.match(panel.messages.at(-1), { description: /shown only once/ });

  const unknown = await open(t, 'mailbox-edit', customerB, MB);
  t.match(await widget(unknown, 'mailbox-edit_mbx_pw_note').textContent(), /password is not known here/);
  t.equal(await widget(unknown, 'mailbox-edit_mbx_reveal').isVisible(), false, 'nothing to reveal');
  t.equal(await widget(unknown, 'mailbox-edit_mbx_webmail').locator('button').isDisabled(), true, 'no sign-in yet');
});

journey('login buttons only where the viewer may use them', async (t) => {
  const closed = await open(t, 'mailbox-edit', customer, MA);
  t.equal(await widget(closed, 'mailbox-edit_mbx_webmail').isVisible(), false, 'adminMayOpen false: no button');
  const tile = await open(t, 'user-mailbox', { ...customer, profileUser: U1 });
  t.equal(await tile.getByText('Open webmail').count(), 0, 'nor in the user profile tile');
  const open2 = await open(t, 'user-mailbox', { ...customer, profileUser: U2 });
  t.equal(await open2.getByText('Open webmail').count(), 1, 'adminMayOpen true: the tile offers it');
  const mine = await open(t, 'my-mailbox', { user: U1, locale: 'en_US' });
  t.equal(await widget(mine, 'my-mailbox_my_webmail').isVisible(), true, 'the own mailbox always');
});

journey(
  "the add-user wizard: the chosen subscription, every new user a mailbox, Back and Cancel are the panel's",
  async (t) => {
    const newUsers: Resource[] = [
      { aps: { id: NEWU, type: USER }, login: 'max@a.example', email: 'max@a.example', displayName: 'Max Roe' },
      { aps: { id: id(13), type: USER }, login: 'eva@a.example', email: 'eva@a.example', displayName: 'Eva Poe' },
    ];
    const page = await open(t, 'add-mailbox', { ...customer, wizardUsers: newUsers });
    t.match(await widget(page, 'add-mailbox_wiz_context').textContent(), /a\.example \(101\)/);
    await widget(page, 'add-mailbox_wiz_mobility').locator('input').check();
    t.same(
      await widget(page, 'add-mailbox_wiz_profile').locator('option').allTextContents(),
      ['Groupware with mobility (with mobility)'],
      'mobility: the tiers that include it',
    );
    await screenshot(page, 'journey-wizard');
    await page.locator('[data-control="prev"]').click();
    await until(() => panel.wizardPrev === 1);
    t.equal(panel.wizardPrev, 1, 'Back goes to the previous step');
    await page.locator('[data-control="next"]').click();
    await until(() => panel.wizardNext === 1);
    t.equal(panel.wizardNext, 1, 'the step hands over to the wizard');
    t.match(panel.usageChanges, [{ subscriptionId: SA, deltas: [{ apsType: MAILBOX, delta: 2 }] }]);
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
    panel.usageChanges.length = 0;
    await page.locator('[data-control="cancel"]').click();
    await until(() => panel.wizardCancel === 1);
    t.equal(panel.wizardCancel, 1, "Cancel is the wizard's");
    for (const m of made) panel.resources.delete(m.aps.id);
  },
);

journey("a service user opens their own mailbox and settings; another user's is refused", async (t) => {
  const page = await open(t, 'my-mailbox', { user: U1, locale: 'en_US' });
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
  t.equal(await widget(page, 'my-mailbox_my_activesync').locator('.value').textContent(), 'Not included');
  const [popup] = await Promise.all([
    page.waitForEvent('popup'),
    widget(page, 'my-mailbox_my_webmail').locator('button').click(),
  ]);
  await popup.waitForURL(/\/ox\/login/);
  t.equal(new URL(popup.url()).searchParams.get('for'), MA, "the user's own mailbox opens");
  const foreign = await page.evaluate((mb) => fetch(`/aps/2/resources/${mb}/login`).then((r) => r.status), MB);
  t.equal(foreign, 403, "another user's mailbox is refused to a referrer");
  const put = await page.evaluate(
    (mb) => fetch(`/aps/2/resources/${mb}`, { method: 'PUT', body: '{}' }).then((r) => r.status),
    MA,
  );
  t.equal(put, 403, 'a referrer reads its mailbox but cannot change it');
  await screenshot(page, 'journey-my-mailbox');
});

journey("User Management shows the mailbox as the user's service: profile tile and list column", async (t) => {
  const tile = await open(t, 'user-mailbox', { ...customer, profileUser: U1 });
  t.equal(await tile.getByText('jo@a.example').count(), 1, 'the profile tile');
  const list = await open(t, 'users-column', { account: ACCOUNT, locale: 'en_US' });
  t.equal(await list.locator(`tr[data-user="${U1}"] td[data-status="Assigned"]`).textContent(), 'jo@a.example');
  t.equal(await list.locator(`tr[data-user="${U2}"] td[data-status="Assigned"]`).textContent(), 'ann@b.example');
  await screenshot(list, 'journey-users-column');
});

journey('the dashboard shows a tile per subscription; each opens its own context', async (t) => {
  const page = await open(t, 'dashboard', { account: ACCOUNT, locale: 'en_US' });
  t.equal(await widget(page, 'dashboard1_dash_disk').locator('.value').textContent(), '120 of 2,048 MB (6 %)');
  t.equal(await widget(page, 'dashboard1_dash_mailboxes').locator('.value').textContent(), '1 of 10 (10 %)');
  for (const [tile, ctx] of [
    ['dashboard1', CA],
    ['dashboard2', CB],
  ]) {
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      widget(page, `${tile}_dash_open`).locator('button').click(),
    ]);
    await popup.waitForURL(/\/ox\/login/);
    t.equal(new URL(popup.url()).searchParams.get('for'), ctx, `${tile} opens its own context`);
  }
});

journey('the provider saves settings (time zone from the list) and a new tier', async (t) => {
  const page = await open(t, 'settings', provider);
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

  const tiers = await open(t, 'tiers', provider);
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
      "label: _('Manage mailboxes'), onClick:",
      "label: _('Manage mailboxes'), onRowClick: function () {}, onClick:",
      /aps\/Button has no property "onRowClick"/,
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

  const plugin = panel.entries.get('ui/plugins/dashboard.js')!.toString();
  const bound = "['disk', _('Disk space')]";
  t.ok(plugin.includes(bound), 'the plug-in mutation applies');
  panel.overrides.set('ui/plugins/dashboard.js', plugin.replace(bound, "['disk', window._('Disk space')]"));
  panel.errors.length = 0;
  const page = await browser!.newPage();
  await page.goto(panel.open('dashboard', { account: ACCOUNT, locale: 'de_DE' }));
  for (let i = 0; i < 100 && !panel.errors.length; i++) await new Promise((r) => setTimeout(r, 50));
  t.match(
    panel.errors.join(' | '),
    /a view-plug-in translates with the host's _\(\): bind _ to the package: Disk space/,
  );
  await page.close();
  panel.overrides.clear();
  panel.errors.length = 0;
});

journey(
  'through a real endpoint: a customer sets a password in the panel and the service user signs in with it',
  async (t) => {
    const stack = await startStack(t);
    const { ctx, profile } = await stack.withContext();
    const [mailbox, owner, sub] = [uuid(), uuid(), uuid()];
    stack.controller.resources.set(owner, { login: 'rita@x.example', email: 'rita@x.example', displayName: 'Rita' });
    const made = await stack.call('POST', '/mailboxes', {
      body: {
        ...mailboxBody(mailbox, ctx, profile, { login: 'rita', email: 'rita@x.example', displayName: 'Rita' }),
        user: { aps: { id: owner } },
      },
    });
    t.equal(made.status, 200, made.text);
    // The panel's copies, as the controller holds them; changes and operations go to the endpoint.
    panel.add({ _account: ACCOUNT, aps: { id: ctx, type: CONTEXT, status: 'aps:ready', subscription: sub } });
    panel.add({ aps: { id: profile, type: T('profiles') }, title: 'Webmail', includesMobility: false });
    panel.add({ _account: ACCOUNT, aps: { id: owner, type: USER }, login: 'rita@x.example', email: 'rita@x.example' });
    panel.add({
      ...made.json,
      _account: ACCOUNT,
      aps: { ...made.json.aps, status: 'aps:ready', subscription: sub },
      context: { aps: { id: ctx } },
      profile: { aps: { id: profile } },
      user: { aps: { id: owner } },
    });
    panel.bridged.add(mailbox);
    panel.bridge = async (method, path, body, identity) => {
      const res = await stack.call(method, path, { body, headers: identity ? { 'APS-Identity-ID': identity } : {} });
      return { status: res.status, json: res.json };
    };
    t.teardown(() => {
      panel.bridge = undefined;
      for (const r of [ctx, profile, owner, mailbox]) panel.resources.delete(r);
    });

    const edit = await open(t, 'mailbox-edit', { account: ACCOUNT, locale: 'en_US', subscription: sub }, mailbox);
    await widget(edit, 'mailbox-edit_mbx_password').locator('input').fill('Rita-new-secret-1');
    await edit.locator('[data-control="submit"]').click();
    await shown(edit, 'mailboxes');
    const user = [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.name === 'rita')!;
    t.equal(user.password, 'Rita-new-secret-1', 'OX has the new password');
    const again = await open(t, 'mailbox-edit', { account: ACCOUNT, locale: 'en_US', subscription: sub }, mailbox);
    t.match(
      await widget(again, 'mailbox-edit_mbx_pw_note').textContent(),
      /Set a new password above/,
      'no longer "generated"',
    );

    const settings = await stack.call('GET', `/mailboxes/${mailbox}/clientSettings`);
    const dav = (password: string) =>
      fetch(`${stack.sim.url}/servlet/dav/`, {
        method: 'OPTIONS',
        headers: { authorization: `Basic ${Buffer.from(`${settings.json.username}:${password}`).toString('base64')}` },
      }).then((r) => r.status);
    t.equal(await dav('Rita-new-secret-1'), 207, 'a mail program signs in with it');

    const mine = await open(t, 'my-mailbox', { user: owner, locale: 'en_US' });
    await mine.waitForFunction(
      () => document.querySelector('[data-widget-id="my-mailbox_my_username"] .value')?.textContent,
    );
    const [popup] = await Promise.all([
      mine.waitForEvent('popup'),
      widget(mine, 'my-mailbox_my_webmail').locator('button').click(),
    ]);
    await popup.waitForURL((u) => u.href.startsWith(stack.sim.url), { timeout: 15000 });
    t.ok(popup.url().startsWith(stack.sim.url), `the service user lands in OX (${new URL(popup.url()).pathname})`);
  },
);

t.test('what the panel does with a package that breaks the documented model', { skip: needsChromium() }, async (t) => {
  const real = panel;
  t.teardown(() => {
    panel = real;
  });
  const edited = async (edit: (entries: Map<string, Buffer>) => void) => {
    const other = await new PanelStandIn(edit).start();
    t.teardown(() => other.stop());
    fixtures(other);
    panel = other;
    return other;
  };

  await edited((entries) => {
    const schema = JSON.parse(entries.get('schemas/mailboxes.schema')!.toString('utf8'));
    schema.implements = schema.implements.filter((i: string) => !i.includes('/core/user/service/'));
    entries.set('schemas/mailboxes.schema', Buffer.from(JSON.stringify(schema)));
  });
  const mine = await open(t, 'my-mailbox', { user: U1, locale: 'en_US' });
  t.equal(
    await widget(mine, 'my-mailbox_my_webmail').locator('button').isDisabled(),
    true,
    'no user service: no mailbox',
  );
  t.match(panel.messages.at(-1), { description: /no OX mailbox yet/ });
  const status = await mine.evaluate((mb) => fetch(`/aps/2/resources/${mb}/login`).then((r) => r.status), MA);
  t.equal(status, 403, 'and its login is refused to the service user');
  const tile = await open(t, 'user-mailbox', { ...customer, profileUser: U1 });
  t.equal(await tile.getByText('No OX mailbox').count(), 1, 'the profile tile finds none');

  await edited((entries) => {
    const meta = entries.get('APP-META.xml')!.toString('utf8');
    entries.set('APP-META.xml', Buffer.from(meta.replace(/<capabilities>[\s\S]*?<\/capabilities>/, '')));
  });
  const list = await open(t, 'mailboxes', customerB);
  await list.waitForSelector('[data-widget-id="mailboxes_mbx_grid"] table[data-rows]');
  t.same(await ids(list, 'mailboxes_mbx_grid'), [MA], "without MSS a singular var takes any subscription's context");
});

journey(
  'groups, rooms and shared mailboxes: made in the subscription, members added and removed at once',
  async (t) => {
    const page = await open(t, 'groups', customer);
    await page.waitForSelector('[data-widget-id="groups_grp_grid"] table[data-rows]');
    t.same(await ids(page, 'groups_grp_grid'), [GA], "subscription A's group");
    panel.requests.length = 0;
    await widget(page, 'groups_grp_add').locator('button').click();
    await shown(page, 'group-new');
    await widget(page, 'group-new_child_name').locator('input').fill('users');
    await widget(page, 'group-new_child_displayName').locator('input').fill('Users');
    const said = panel.messages.length;
    await page.locator('[data-control="submit"]').click();
    await until(() => panel.messages.length > said);
    t.match(panel.messages.at(-1), { description: /every user is in/ }, "OX's default group is refused in the form");
    await widget(page, 'group-new_child_name').locator('input').fill('support');
    await widget(page, 'group-new_child_displayName').locator('input').fill('Support');
    await page.locator('[data-control="submit"]').click();
    await shown(page, 'group-edit');
    const [made] = posts();
    t.match(made, {
      method: 'POST',
      path: `/aps/2/resources/${CA}/groups`,
      subscriptionHeader: SA,
      body: {
        aps: { type: T('groups'), subscription: SA },
        name: 'support',
        displayName: 'Support',
        context: { aps: { id: CA } },
      },
    });
    await page.waitForSelector('[data-widget-id="group-edit_grp_members"] table[data-rows]');
    t.same(await ids(page, 'group-edit_grp_members'), [MA], "the candidates: this subscription's mailboxes");
    await page.locator(`[data-widget-id="group-edit_grp_members"] tr[data-id="${MA}"] input.select`).check();
    panel.requests.length = 0;
    await widget(page, 'group-edit_grp_in').locator('button').click();
    await page.waitForFunction(
      (m) =>
        document
          .querySelector(`[data-widget-id="group-edit_grp_members"] tr[data-id="${m}"]`)
          ?.textContent?.includes('Yes'),
      MA,
    );
    const group = [...panel.resources.values()].find((r) => r.name === 'support')!;
    t.match(posts(), [{ method: 'POST', path: `/aps/2/resources/${group.aps.id}/members`, body: { aps: { id: MA } } }]);
    t.same(panel.resources.get(group.aps.id)!.members, [MA], 'linked');
    await page.locator(`[data-widget-id="group-edit_grp_members"] tr[data-id="${MA}"] input.select`).check();
    await widget(page, 'group-edit_grp_out').locator('button').click();
    await until(() => !(panel.resources.get(group.aps.id)!.members ?? []).length);
    t.same(panel.resources.get(group.aps.id)!.members, [], 'and unlinked');
    await screenshot(page, 'journey-group-edit');

    const rooms = await open(t, 'resource-edit', customer, RA);
    t.equal(await widget(rooms, 'resource-edit_child_name').locator('input').isDisabled(), true, 'the name stays');
    await widget(rooms, 'resource-edit_child_available').locator('input').uncheck();
    panel.requests.length = 0;
    await rooms.locator('[data-control="submit"]').click();
    await shown(rooms, 'resources');
    t.match(posts()[0], {
      method: 'PUT',
      path: `/aps/2/resources/${RA}`,
      body: { available: false, email: 'room1@a.example' },
    });

    const shared = await open(t, 'shared-edit', customer, XA);
    await shared.waitForSelector('[data-widget-id="shared-edit_shm_groups"] table[data-rows]');
    t.match(
      await shared.locator(`[data-widget-id="shared-edit_shm_groups"] tr[data-id="${GA}"]`).textContent(),
      /Yes/,
      'the group that reads info@',
    );
    const other = await open(t, 'shared-mailboxes', customerB);
    await other.waitForSelector('[data-widget-id="shared-mailboxes_shm_grid"] table[data-rows]');
    t.same(await ids(other, 'shared-mailboxes_shm_grid'), [], "subscription B sees none of A's");
    for (const r of [...panel.resources.values()].filter((x) => x.name === 'support')) panel.resources.delete(r.aps.id);
  },
);

journey("a service user's panel lists the shared mailboxes they read", async (t) => {
  const page = await open(t, 'my-mailbox', { user: U1, locale: 'en_US' });
  await page.waitForFunction(
    () => document.querySelector('[data-widget-id="my-mailbox_my_shared"] .value')?.textContent,
  );
  t.equal(
    await widget(page, 'my-mailbox_my_shared').locator('.value').textContent(),
    'Info desk <info@a.example>',
    'through the group Sales',
  );
});
