// The views' logic modules (plain AMD, no panel needed): formatting, validation, the JSON sent,
// the subscription choice and opening a login link.
import t from 'tap';
import { join } from 'node:path';
import { loadAmd } from '../support/amd.js';

const lib = (name: string) => join('aps-package', 'ui', 'lib', `${name}.js`);
const globals = { _: (s: string) => s };
type Fn = (...args: any[]) => any;
const load = <T = Record<string, Fn>>(name: string) => loadAmd<T>(lib(name), globals);

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
});

t.test('the subscription choice', async (t) => {
  const contexts = load('contexts');
  const a = { aps: { id: 'a', subscription: 'sa' }, domain: 'a.example', contextId: 1 };
  const b = { aps: { id: 'b', subscription: { aps: { id: 'sb' } } }, contextName: 'b' };
  t.same(contexts.list(undefined), []);
  t.same(contexts.list(a), [a], 'a single bound resource is a list of one');
  t.equal(contexts.current([a, b]), a, 'the first until one is chosen');
  t.equal(contexts.choose([a, b], 'b'), b);
  t.equal(contexts.current([a, b]), b, 'the choice is kept');
  t.equal(contexts.current([a]), a, 'a choice no longer bound falls back to the first');
  t.equal(contexts.subscriptionOf(a), 'sa');
  t.equal(contexts.subscriptionOf(b), 'sb', 'a subscription given as a link');
  t.same(contexts.options([a, b]), [
    { value: 'a', label: 'a.example (1)' },
    { value: 'b', label: 'b' },
  ]);
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
    aps: { type: 'http://ox-connector.org/aps/mailboxes/1.0', subscription: 'sub-1' },
    login: 'jo',
    email: 'jo@x.example',
    displayName: 'Jo',
    context: { aps: { id: 'c1' } },
    profile: { aps: { id: 'p1' } },
    user: { aps: { id: 'u1' } },
  });
  const edited = form.toResource({ login: 'jo', email: 'jo@x.example', displayName: 'Jo', profileId: 'p1' });
  t.notOk('user' in edited || 'login' in edited || 'context' in edited, 'an edit sends no user, login or context');
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
