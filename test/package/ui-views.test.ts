// The edit views run against a stand-in of the control panel's API (declare, View, widgets, xhr,
// aps.context, aps.apsc): they must read what APP-META.xml declares and send what the endpoint
// needs, a new mailbox with its user link above all.
import t from 'tap';
import { join } from 'node:path';
import { loadAmd } from '../support/amd.js';

interface Widget {
  props: Record<string, unknown>;
  set(prop: string, value: unknown): void;
  get(prop: string): unknown;
}
type View = Record<string, (...args: any[]) => any> & { byId(id: string): Widget };

function panel(vars: Record<string, unknown>) {
  const sent: Array<{ url: string; method: string; body: any }> = [];
  const trail: string[] = [];
  const aps = {
    context: { vars },
    apsc: {
      hideLoading: () => trail.push('ready'),
      displayMessage: (m: string) => trail.push(`message: ${m}`),
      cancelProcessing: () => trail.push('cancelled'),
      gotoView: (id: string) => trail.push(`goto ${id}`),
    },
  };
  const xhr = async (url: string, opts: { method: string; data?: string }) => {
    const body = opts.data === undefined ? undefined : JSON.parse(opts.data);
    sent.push({ url, method: opts.method, body });
    return opts.method === 'POST' && url.endsWith('/mailboxes') ? { ...body, aps: { ...body.aps, id: 'new-mbx' } } : {};
  };
  const widgets = new Map<string, Widget>();
  const View = {
    genId: (id: string) => id,
    byId(id: string): Widget {
      if (!widgets.has(id)) {
        const props: Record<string, unknown> = { value: '' };
        widgets.set(id, { props, set: (p, v) => void (props[p] = v), get: (p) => props[p] });
      }
      return widgets.get(id)!;
    },
  };
  const platform = { 'dojo/_base/declare': (_base: unknown, body: object) => ({ ...View, ...body }), 'aps/View': View, 'aps/xhr': xhr, 'aps/_': (s: string) => s };
  return { aps, platform, sent, trail };
}

function open(file: string, vars: Record<string, unknown>) {
  const p = panel(vars);
  const view = loadAmd<View>(join('aps-package', 'ui', file), { aps: p.aps }, p.platform);
  view.init();
  view.onContext();
  return { view, ...p };
}

const calls = (sent: Array<{ method: string; url: string }>) => sent.map((r) => `${r.method} ${r.url}`);
const context = { aps: { id: 'ctx-1' } };
const profiles = [{ aps: { id: 'p1' }, title: 'Webmail' }];
const users = [{ aps: { id: 'user-1' }, login: 'jo@acme.example', email: 'jo@acme.example', displayName: 'Jo Doe', givenName: 'Jo', familyName: 'Doe' }];

t.test('adding a mailbox: choose a service user, and the POST carries the user link', async (t) => {
  const { view, sent, trail } = open('mailbox-edit.js', { context, profiles, users });
  t.equal(view.byId('userId').get('visible'), true);
  t.same(view.byId('userId').get('options'), [{ value: 'user-1', label: 'Jo Doe' }]);
  view.byId('profileId').set('value', 'p1');
  await view.onSubmit();
  t.same(sent, [], 'nothing sent without a user');
  t.match(trail, ['ready', 'message: Choose the user who gets this mailbox', 'cancelled']);

  view.byId('userId').set('value', 'user-1');
  view.userChosen('user-1');
  t.equal(view.byId('email').get('value'), 'jo@acme.example', 'filled from the user');
  await view.onSubmit();
  t.same(calls(sent), ['POST /aps/2/resources/ctx-1/mailboxes'], 'no mobility add-on unless ticked');
  t.same(sent[0].body.user, { aps: { id: 'user-1' } });
  t.same(sent[0].body.context, { aps: { id: 'ctx-1' } });
  t.same(sent[0].body.profile, { aps: { id: 'p1' } });
  t.equal(trail.at(-1), 'goto mailbox-list');
});

t.test('the mobility box adds the add-on to a new mailbox and removes it from an edited one', async (t) => {
  const added = open('mailbox-edit.js', { context, profiles, users });
  added.view.byId('userId').set('value', 'user-1');
  added.view.userChosen('user-1');
  added.view.byId('profileId').set('value', 'p1');
  added.view.byId('mobility').set('checked', true);
  await added.view.onSubmit();
  t.same(calls(added.sent), ['POST /aps/2/resources/ctx-1/mailboxes', 'POST /aps/2/resources/new-mbx/mobility']);
  t.equal(added.sent[1].body.aps.type, 'http://ox-connector.org/aps/mobility/1.0');

  const mailbox = { aps: { id: 'mbx-1' }, login: 'jo', email: 'jo@acme.example', displayName: 'Jo', profile: { aps: { id: 'p1' } }, mobility: { aps: { id: 'mob-1', link: 'strong' } } };
  const edited = open('mailbox-edit.js', { context, profiles, users, mailbox });
  t.equal(edited.view.byId('mobility').get('checked'), true, 'shows the add-on it has');
  edited.view.byId('mobility').set('checked', false);
  await edited.view.onSubmit();
  t.same(calls(edited.sent), ['PUT /aps/2/resources/mbx-1', 'DELETE /aps/2/resources/mob-1']);
});

t.test('editing a mailbox loads it and PUTs it back, without a user to choose', async (t) => {
  const mailbox = { aps: { id: 'mbx-1' }, login: 'jo', email: 'jo@acme.example', displayName: 'Jo', profile: { aps: { id: 'p1' } } };
  const { view, sent } = open('mailbox-edit.js', { context, profiles, users, mailbox });
  t.equal(view.byId('userId').get('visible'), false);
  t.equal(view.byId('login').get('value'), 'jo', 'the edit screen shows its resource');
  t.equal(view.byId('profileId').get('value'), 'p1');
  view.byId('displayName').set('value', 'Jo D.');
  await view.onSubmit();
  t.same(calls(sent), ['PUT /aps/2/resources/mbx-1']);
  t.equal(sent[0].body.displayName, 'Jo D.');
  t.notOk('user' in sent[0].body, 'the user link is not changed');
});

t.test('editing a profile loads it and PUTs it back', async (t) => {
  const profile = { aps: { id: 'p1' }, title: 'Webmail', accessCombination: 'webmail', capabilities: ['text'] };
  const { view, sent } = open('profile-edit.js', { app: { aps: { id: 'app-1' } }, profile });
  t.equal(view.byId('title').get('value'), 'Webmail');
  view.byId('title').set('value', 'Webmail plus');
  await view.onSubmit();
  t.same(calls(sent), ['PUT /aps/2/resources/p1']);
  t.equal(sent[0].body.title, 'Webmail plus');
});
