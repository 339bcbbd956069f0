// The views' logic modules (plain AMD, no panel needed): formatting, validation, the JSON sent,
// the user services and opening a login link.
import t from 'tap';
import { join } from 'node:path';
import { loadAmd } from '../support/amd.js';

const lib = (name: string) => join('aps-package', 'ui', 'lib', `${name}.js`);
// Every module binds _ to the package (ui/lib/i18n.js); here the binding gives the text back.
const bound: string[] = [];
const PLATFORM = {
  module: { id: 'app/lib/i18n', uri: '/package/ui/lib/i18n.js' },
  'aps/common': { getPackageId: (m: { uri: string }) => (m.uri.includes('/package/') ? 'pkg' : 'host') },
  'aps/i18n': {
    bindToPackage: (id: string) => {
      bound.push(id);
      return (s: string, params: Record<string, string> = {}) =>
        Object.entries(params).reduce((out, [k, v]) => out.split(`__${k}__`).join(v), s);
    },
  },
};
type Fn = (...args: any[]) => any;
const load = <T = Record<string, Fn>>(name: string) => loadAmd<T>(lib(name), {}, PLATFORM);

t.test('format and the context summary', async (t) => {
  const format = load('format');
  t.equal(format.usage({ usage: 123, limit: 2048 }, 'MB'), '123 of 2,048 MB (6 %)');
  t.equal(format.usage({ usage: 5, limit: -1 }, 'MB'), '5 MB (unlimited)');
  t.equal(format.usage({ usage: 3, limit: 0 }, ''), '3 of 0 (100 %)');
  t.equal(format.stateLabel('aps:disabled'), 'Disabled');
  t.equal(format.stateLabel('aps:provisioning'), 'In progress');
  const m = format.contextSummary({
    aps: { id: 'x', status: 'aps:ready' },
    contextId: 101,
    diskspace: { usage: 10, limit: 100 },
    mailboxCount: { usage: 2, limit: 5 },
    mobilityCount: { usage: 0 },
  });
  t.same(m, {
    contextId: '101',
    state: 'Active',
    disk: '10 of 100 MB (10 %)',
    mailboxes: '2 of 5 (40 %)',
    mobility: '0 (unlimited)',
    canOpenOx: true,
  });
  t.equal(
    format.contextSummary({ aps: { status: 'aps:disabled' }, contextId: 1 }).canOpenOx,
    false,
    'no login into a disabled context',
  );
  t.ok(bound.length && bound.every((id) => id === 'pkg'), "its texts are bound to the package's translations");
  const services = [
    { aps: { type: 'http://ox-connector.org/aps/mailboxes/1.0' }, email: 'old@x' },
    { aps: { type: 'http://other.example/vps/1.0' } },
    { aps: { type: 'http://ox-connector.org/aps/mailboxes/1.1' }, email: 'new@x' },
  ];
  t.same(
    format.mailboxesOf(services, 'http://ox-connector.org/aps/mailboxes/1.1').map((m: { email: string }) => m.email),
    ['old@x', 'new@x'],
    "a user's OX mailboxes of any version, nothing else",
  );
  t.same(
    ['aps:ready', 'aps:provisioning', 'aps:configuring', 'aps:unprovisioning', undefined].map(format.serviceStatus),
    ['Assigned', 'Updating', 'Updating', 'Deleting', 'Assigned'],
    "the user list's fixed states",
  );
});

t.test('contexts: lists, labels, subscriptions', async (t) => {
  const contexts = load('contexts');
  const a = { aps: { id: 'a', subscription: 'sa' }, domain: 'a.example', contextId: 1 };
  const b = { aps: { id: 'b', subscription: { aps: { id: 'sb' } } }, contextName: 'b' };
  t.same(contexts.list(undefined), []);
  t.same(contexts.list(a), [a], 'a single bound resource is a list of one');
  t.equal(contexts.subscriptionOf(a), 'sa');
  t.equal(contexts.subscriptionOf(b), 'sb', 'a subscription given as a link');
  t.same([contexts.label(a), contexts.label(b)], ['a.example (1)', 'b']);
});

t.test('mailbox form', async (t) => {
  const form = load('mailbox-form');
  const profiles = [{ aps: { id: 'p1' }, title: 'Webmail' }];
  t.same(
    Object.keys(
      form.validate(
        { login: 'bad login', email: 'x', displayName: ' ', profileId: 'nope', password: 'short' },
        profiles,
      ),
    ).sort(),
    ['displayName', 'email', 'login', 'password', 'profileId'],
  );
  t.same(
    form.validate({ login: 'jo', email: 'jo@x.example', displayName: 'Jo', profileId: 'p1' }, profiles),
    {},
    'an edit needs no user',
  );
  const users = [{ aps: { id: 'u1' }, login: 'jo@x.example', displayName: 'Jo' }];
  t.ok(
    form.validate({ login: 'jo', email: 'jo@x.example', displayName: 'Jo', profileId: 'p1' }, profiles, users).userId,
    'a new mailbox needs its user',
  );
  t.same(
    form.validate(
      { login: 'jo', email: 'jo@x.example', displayName: 'Jo', profileId: 'p1', userId: 'u1' },
      profiles,
      users,
    ),
    {},
  );
  t.same(
    form.fromUser(users[0], { login: '', email: 'kept@x.example' }),
    { login: 'jo@x.example', displayName: 'Jo' },
    'fills only empty fields',
  );
  const created = form.toResource(
    { login: 'jo', email: 'Jo@X.example', displayName: ' Jo ', profileId: 'p1', userId: 'u1' },
    { aps: { id: 'c1' } },
    'sub-1',
  );
  t.same(created, {
    aps: { type: 'http://ox-connector.org/aps/mailboxes/1.1', subscription: 'sub-1' },
    login: 'jo',
    email: 'jo@x.example',
    displayName: 'Jo',
    context: { aps: { id: 'c1' } },
    profile: { aps: { id: 'p1' } },
    user: { aps: { id: 'u1' } },
  });
  const edited = form.toResource({ login: 'jo', email: 'jo@x.example', displayName: 'Jo', profileId: 'p1' });
  t.notOk('user' in edited || 'login' in edited || 'context' in edited, 'an edit sends no user, login or context');
  const tiers = [
    { aps: { id: 'p1' }, title: 'Webmail' },
    { aps: { id: 'p2' }, title: 'Premium', includesMobility: true },
  ];
  t.equal(form.offersMobility(tiers, 'p1'), true);
  t.equal(form.offersMobility(tiers, 'p2'), false, 'never sold with a tier that has mobility');
  const widgets: Record<string, Record<string, unknown>> = {
    mbx_profile: { value: 'p2' },
    mbx_mobility: { checked: true },
  };
  const byId = (id: string) => ({
    get: (k: string) => widgets[id][k],
    set: (k: string, v: unknown) => void (widgets[id][k] = v),
  });
  form.showMobility(byId, tiers, false);
  t.same(widgets.mbx_mobility, { checked: false, visible: false }, 'hidden and unchecked with such a tier');
  form.showMobility(byId, tiers, true);
  t.equal(widgets.mbx_mobility.visible, true, 'shown where the mailbox has an add-on already (to remove it)');
  t.equal(form.mobilityChange(true, false), 1);
  t.equal(form.mobilityChange(false, true), -1);
  t.equal(form.mobilityChange(true, true), 0);
});

t.test('profile and settings forms', async (t) => {
  const profile = load<Record<string, any>>('profile-form');
  t.ok(profile.validate({ title: '', mode: 'flags', moduleAccess: [] }).title);
  t.ok(profile.validate({ title: 'A', mode: 'flags', moduleAccess: [] }).moduleAccess);
  t.ok(profile.validate({ title: 'A', mode: 'flags', moduleAccess: ['teleport'] }).moduleAccess);
  t.ok(profile.validate({ title: 'A', mode: 'combination', accessCombination: 'bad name' }).accessCombination);
  t.same(
    profile.validate({ title: 'A', mode: 'combination', accessCombination: 'pim', capabilities: 'text, guard' }),
    {},
  );
  const r = profile.toResource(
    {
      title: ' Gold ',
      mode: 'flags',
      moduleAccess: ['webmail'],
      capabilities: 'text guard',
      uploadFileSizeLimit: '5',
      allowPasswordChange: true,
    },
    'app1',
  );
  t.same(r.capabilities, ['text', 'guard']);
  t.same(r.moduleAccess, ['webmail']);
  t.equal(r.uploadFileSizeLimit, 5);
  t.equal(r.title, 'Gold');
  t.equal(r.allowPasswordChange, true);

  const settings = load('settings-form');
  const good = {
    oxSoapUrl: 'https://ox/webservices/',
    oxPublicUrl: 'https://mail',
    productPath: '/appsuite/',
    defaultQuotaMb: '100',
    defaultLanguage: 'de_DE',
  };
  t.same(settings.validate(good), {});
  t.ok(settings.validate({ ...good, productPath: '/appsuite' }).productPath);
  t.ok(settings.validate({ ...good, loginClient: 'ox6' }).productPath);
  t.ok(settings.validate({ ...good, oxSoapUrl: 'ftp://x' }).oxSoapUrl);
  t.ok(settings.validate({ ...good, defaultTheme: 'dark theme' }).defaultTheme);
  const body = settings.toResource(
    { ...good, masterPassword: '', debug: false, restrictMailDomains: true },
    { aps: { id: 'a' }, masterPassword: 'old', debug: true },
  );
  t.notOk('masterPassword' in body, 'an empty password field keeps the stored one');
  t.equal(body.defaultQuotaMb, 100, 'numbers are sent as numbers');
  t.equal(body.debug, false);
  t.equal(body.restrictMailDomains, true);
  t.equal(settings.toResource({ masterPassword: 'new' }, {}).masterPassword, 'new');
  t.ok(settings.validate({ ...good, deleteGraceDays: '366' }).deleteGraceDays, 'a grace period of at most a year');
  t.ok(settings.validate({ ...good, deleteGraceDays: '1.5' }).deleteGraceDays, 'in whole days');
  t.same(settings.validate({ ...good, deleteGraceDays: '30' }), {});
  const grace = settings.toResource({ ...good, deleteGraceDays: '30', adoptedUnprovision: 'delete' }, {});
  t.equal(grace.deleteGraceDays, 30);
  t.equal(grace.adoptedUnprovision, 'delete');
});

t.test('operations: URL shape, and a login window opened within the click', async (t) => {
  const ops = load('operations');
  const id = '3f2b1c7e-0000-4000-8000-000000000001';
  t.equal(ops.url(id, 'login'), `/aps/2/resources/${id}/login`);
  t.throws(() => ops.url('../x', 'login'));
  const tabs: Array<{ opener: unknown; location: { href: string }; closed: boolean; close(): void }> = [];
  const win = {
    open: () => {
      const tab = {
        opener: {},
        location: { href: 'about:blank' },
        closed: false,
        close() {
          this.closed = true;
        },
      };
      tabs.push(tab);
      return tab;
    },
  };
  const xhr = async (url: string) =>
    url.endsWith('/login') ? { url: 'https://e/sso/abc' } : { url: 'javascript:alert(1)' };
  t.same(await ops.openLogin(xhr, id, 'login', win), { url: 'https://e/sso/abc', opened: true });
  t.equal(tabs[0].location.href, 'https://e/sso/abc');
  t.equal(tabs[0].opener, null, 'the new tab cannot reach the panel');
  await t.rejects(ops.openLogin(xhr, id, 'adminLogin', win), /no login URL/);
  t.ok(tabs[1].closed, 'a bad answer closes the blank tab and is never opened');
  t.same(
    await ops.openLogin(xhr, id, 'login', { open: () => null }),
    { url: 'https://e/sso/abc', opened: false },
    'a blocked window: the URL is given back to show',
  );
  t.equal(ops.errorText({ response: { data: '{"message":"OX refused"}' } }), 'OX refused');
});
