import t from 'tap';
import { join } from 'node:path';
import { loadAmd } from '../support/amd.js';

const lib = (name: string) => join('aps-package', 'ui', 'lib', `${name}.js`);
const _ = (s: string) => s;
type Fn = (...args: any[]) => any;

t.test('format', async (t) => {
  const format = loadAmd<Record<string, Fn>>(lib('format'));
  t.equal(format.usage({ usage: 123, limit: 2048 }, 'MB', _), '123 of 2,048 MB (6 %)');
  t.equal(format.usage({ usage: 5, limit: -1 }, 'MB', _), '5 MB (unlimited)');
  t.equal(format.usage({ usage: 3, limit: 0 }, '', _), '3 of 0 (100 %)');
  t.equal(format.stateLabel('aps:disabled', _), 'Disabled');
  t.equal(format.stateLabel('aps:provisioning', _), 'In progress');
});

t.test('context overview model', async (t) => {
  const overview = loadAmd<Fn>(lib('context-model'));
  const m = overview({ aps: { id: 'x', status: 'aps:ready' }, contextId: 101, diskspace: { usage: 10, limit: 100 }, mailboxCount: { usage: 2, limit: 5 }, mobilityCount: { usage: 0 } }, _);
  t.same(m, { contextId: '101', state: 'Active', disk: '10 of 100 MB (10 %)', mailboxes: '2 of 5 (40 %)', mobility: '0 (unlimited)', canOpenOx: true });
  t.equal(overview({ aps: { status: 'aps:disabled' }, contextId: 1 }, _).canOpenOx, false, 'no login into a disabled context');
});

t.test('mailbox form', async (t) => {
  const form = loadAmd<Record<string, Fn>>(lib('mailbox-form'));
  const profiles = [{ aps: { id: 'p1' }, title: 'Webmail' }];
  t.same(Object.keys(form.validate({ login: 'bad login', email: 'x', displayName: ' ', profileId: 'nope', password: 'short' }, profiles, _)).sort(), ['displayName', 'email', 'login', 'password', 'profileId']);
  t.same(form.validate({ login: 'jo', email: 'jo@x.example', displayName: 'Jo', profileId: 'p1' }, profiles, _), {}, 'an edit needs no user');
  const users = [{ aps: { id: 'u1' }, login: 'jo@x.example', displayName: 'Jo' }];
  t.ok(form.validate({ login: 'jo', email: 'jo@x.example', displayName: 'Jo', profileId: 'p1' }, profiles, _, users).userId, 'a new mailbox needs its user');
  t.ok(form.validate({ login: 'jo', email: 'jo@x.example', displayName: 'Jo', profileId: 'p1', userId: 'elsewhere' }, profiles, _, users).userId, 'one of the listed users');
  t.same(form.validate({ login: 'jo', email: 'jo@x.example', displayName: 'Jo', profileId: 'p1', userId: 'u1' }, profiles, _, users), {});
  t.same(form.fromUser(users[0], { login: '', email: 'kept@x.example' }), { login: 'jo@x.example', displayName: 'Jo' }, 'fills only empty fields');
  const r = form.toResource({ login: 'jo', email: 'Jo@X.example', displayName: ' Jo ', profileId: 'p1', userId: 'u1' }, 'c1');
  t.same(r, { aps: { type: 'http://ox-connector.org/aps/mailboxes/1.0' }, login: 'jo', email: 'jo@x.example', displayName: 'Jo', context: { aps: { id: 'c1' } }, profile: { aps: { id: 'p1' } }, user: { aps: { id: 'u1' } } });
  t.equal(form.mobilityChange(true, false), 1);
  t.equal(form.mobilityChange(false, true), -1);
  t.equal(form.mobilityChange(true, true), 0);
});

t.test('profile and settings forms', async (t) => {
  const profile = loadAmd<Record<string, any>>(lib('profile-form'));
  t.ok(profile.validate({ title: '', mode: 'flags', moduleAccess: [] }, _).title);
  t.ok(profile.validate({ title: 'A', mode: 'flags', moduleAccess: [] }, _).moduleAccess);
  t.ok(profile.validate({ title: 'A', mode: 'flags', moduleAccess: ['teleport'] }, _).moduleAccess);
  t.ok(profile.validate({ title: 'A', mode: 'combination', accessCombination: 'bad name' }, _).accessCombination);
  t.same(profile.validate({ title: 'A', mode: 'combination', accessCombination: 'pim', capabilities: 'text, guard' }, _), {});
  const r = profile.toResource({ title: ' Gold ', mode: 'flags', moduleAccess: ['webmail'], capabilities: 'text guard', uploadFileSizeLimit: '5' }, 'app1');
  t.same(r.capabilities, ['text', 'guard']);
  t.same(r.moduleAccess, ['webmail']);
  t.equal(r.uploadFileSizeLimit, 5);
  t.equal(r.title, 'Gold');

  const settings = loadAmd<Record<string, Fn>>(lib('settings-form'));
  const good = { oxSoapUrl: 'https://ox/webservices/', oxPublicUrl: 'https://mail', productPath: '/appsuite/', defaultQuotaMb: '100', defaultLanguage: 'de_DE' };
  t.same(settings.validate(good, _), {});
  t.ok(settings.validate({ ...good, productPath: '/appsuite' }, _).productPath);
  t.ok(settings.validate({ ...good, loginClient: 'ox6' }, _).productPath);
  t.ok(settings.validate({ ...good, oxSoapUrl: 'ftp://x' }, _).oxSoapUrl);
  const body = settings.toResource({ ...good, masterPassword: '' }, { aps: { id: 'a' }, masterPassword: 'old', debug: false });
  t.notOk('masterPassword' in body, 'an empty password field keeps the stored one');
  t.equal(settings.toResource({ masterPassword: 'new' }, {}).masterPassword, 'new');
});

t.test('operations: URL shape and opening a login', async (t) => {
  const ops = loadAmd<Record<string, Fn>>(lib('operations'));
  const id = '3f2b1c7e-0000-4000-8000-000000000001';
  t.equal(ops.url(id, 'login'), `/aps/2/resources/${id}/login`);
  t.throws(() => ops.url('../x', 'login'));
  const opened: string[] = [];
  const xhr = async (url: string) => (url.endsWith('/login') ? { url: 'https://e/sso/abc' } : { url: 'javascript:alert(1)' });
  t.equal(await ops.openLogin(xhr, id, 'login', { open: (u: string) => opened.push(u) }), 'https://e/sso/abc');
  t.same(opened, ['https://e/sso/abc']);
  await t.rejects(ops.openLogin(xhr, id, 'adminLogin', { open: (u: string) => opened.push(u) }), /no login URL/);
  t.equal(opened.length, 1, 'a non-https answer is never opened');
});
