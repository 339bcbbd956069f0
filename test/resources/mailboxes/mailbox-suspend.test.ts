// A suspended mailbox cannot log in to OX (its data stays); enable applies its tier again, as it is now.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { mailboxBody, startStack, uuid, type Stack } from '../../helper.js';
import { suspendReasons } from '../../../app/resources/mailboxes/suspend.js';
import type { ResourceRecord } from '../../../app/store/ledger.js';

async function formLogin(stack: Stack, login: string, password: string): Promise<number> {
  const res = await fetch(`${stack.sim.url}/ajax/login?action=formlogin&authId=${randomUUID()}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      login,
      password,
      client: 'open-xchange-appsuite',
      version: '8',
      uiWebPath: '/appsuite/',
    }).toString(),
  });
  await res.arrayBuffer();
  return res.status;
}

t.test('disable blocks OX login and keeps the data; enable restores it exactly', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const id = uuid();
  const password = 'Alice-Pass-2024';
  const body = mailboxBody(id, ctx, profile, {
    login: 'alice',
    email: 'alice@x.example',
    displayName: 'Alice',
    aliases: ['al@x.example'],
    password,
  });
  t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
  const user = () => [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.name === 'alice')!;
  t.equal(await formLogin(stack, 'alice@100', password), 302, 'an active mailbox logs in');
  const before = JSON.parse(JSON.stringify(user()));

  t.equal((await stack.call('PUT', `/mailboxes/${id}/disable`)).status, 204);
  t.equal(await formLogin(stack, 'alice@100', password), 403, 'a suspended mailbox cannot log in');
  const suspended = user();
  t.equal(suspended.id, before.id, 'the same OX user: nothing deleted');
  t.same(suspended.aliases, before.aliases, 'addresses kept');
  t.equal(suspended.display_name, before.display_name);
  t.equal(before.fields.mailenabled, true, 'OX had mail on (its default)');
  t.equal(suspended.fields.mailenabled, false, 'mail off while suspended');
  t.equal(suspended.access.deniedPortal, true, 'and no portal');
  t.equal(
    (await stack.call('PUT', `/mailboxes/${id}/disable`, { transactionId: uuid() })).status,
    204,
    'disable twice is fine',
  );
  t.equal((await stack.call('GET', `/mailboxes/${id}/login`)).status, 409, 'no SSO link while suspended');

  t.equal((await stack.call('PUT', `/mailboxes/${id}/enable`)).status, 204);
  t.equal(await formLogin(stack, 'alice@100', password), 302, 'logs in again after enable');
  const after = user();
  t.same(after.access, before.access, 'module rights restored exactly');
  t.equal(after.fields.mailenabled, true, 'mail enabled again');
  t.same(
    { ...after, fields: { ...after.fields, mailenabled: undefined } },
    { ...before, fields: { ...before.fields, mailenabled: undefined } },
    'every other field as before',
  );
});

t.test('a tier change while suspended holds at resume: resume applies the tier the mailbox has now', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const groupware = uuid();
  await stack.call('POST', '/profiles', {
    body: {
      aps: { id: groupware, type: 'http://ox-connector.org/aps/profiles/1.0' },
      app: { aps: { id: uuid() } },
      title: 'Groupware',
      accessCombination: 'groupware_standard',
    },
  });
  const id = uuid();
  const body = mailboxBody(id, ctx, profile, { login: 'erin', email: 'erin@x.example', displayName: 'Erin' });
  t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
  const user = () => [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.name === 'erin')!;
  t.equal(user().access.calendar, false, 'webmail: no calendar');
  t.equal((await stack.call('PUT', `/mailboxes/${id}/disable`)).status, 204);
  const moved = await stack.call('PUT', `/mailboxes/${id}`, { body: { ...body, profile: { aps: { id: groupware } } } });
  t.equal(moved.status, 200, 'the tier changes while suspended');
  t.equal(user().access.deniedPortal, true, 'still suspended in OX');
  t.equal((await stack.call('PUT', `/mailboxes/${id}/enable`)).status, 204);
  t.equal(user().access.calendar, true, 'resume applied the groupware tier');
  t.equal(user().access.deniedPortal, false, 'and the user can log in');
  t.equal((await stack.endpoint.ledger.getResource(stack.instanceId, id))?.profileId, groupware, 'the ledger agrees');
});

t.test('a mailbox whose mail was off in OX before the suspend has it off after the resume', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const id = uuid();
  const body = mailboxBody(id, ctx, profile, { login: 'una', email: 'una@x.example', displayName: 'Una' });
  t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
  const user = () => [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.name === 'una')!;
  user().fields.mailenabled = false; // the provider turned mail off in OX
  t.equal((await stack.call('PUT', `/mailboxes/${id}/disable`)).status, 204);
  t.equal((await stack.endpoint.ledger.getResource(stack.instanceId, id))?.props.savedMailEnabled, false);
  t.same((await stack.endpoint.ledger.getResource(stack.instanceId, id))?.props.suspendedFor, ['aps']);
  t.equal((await stack.call('PUT', `/mailboxes/${id}/enable`)).status, 204);
  t.equal(user().fields.mailenabled, false, 'still off: as it was');
  t.equal(user().access.deniedPortal, false, 'but the tier is back');
  const back = (await stack.endpoint.ledger.getResource(stack.instanceId, id))!;
  t.equal(back.state, 'ready');
  t.equal(back.props.suspendedFor, undefined, 'no reason left');
  t.equal(back.props.savedMailEnabled, undefined, 'nor what the suspend saved');
  t.equal(back.props.mobilityEnabled, false);
  t.equal((await stack.call('GET', `/mailboxes/${id}`)).json.mobilityEnabled, false);
});

t.test('OX refusing a suspend or a resume says which and changes nothing in the ledger', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const id = uuid();
  const body = mailboxBody(id, ctx, profile, { login: 'vic', email: 'vic@x.example', displayName: 'Vic' });
  t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
  stack.sim.failNext(1, { mode: 'fault', exceptionClass: 'StorageException', message: 'disk trouble' });
  const off = await stack.call('PUT', `/mailboxes/${id}/disable`);
  t.equal(off.status, 502);
  t.match(off.json.message, /while disabling mailbox "vic".*disk trouble/);
  t.equal((await stack.endpoint.ledger.getResource(stack.instanceId, id))?.state, 'ready');
  t.equal((await stack.call('PUT', `/mailboxes/${id}/disable`, { transactionId: uuid() })).status, 204);
  stack.sim.failNext(1, { mode: 'fault', exceptionClass: 'StorageException', message: 'disk trouble' });
  const on = await stack.call('PUT', `/mailboxes/${id}/enable`);
  t.equal(on.status, 502);
  t.match(on.json.message, /while enabling mailbox "vic".*disk trouble/);
  t.equal((await stack.endpoint.ledger.getResource(stack.instanceId, id))?.state, 'disabled');
});

t.test('the reasons a mailbox is suspended for, as kept and from before they were kept', async (t) => {
  const rec = (state: string, suspendedFor?: unknown) =>
    ({ state, props: suspendedFor === undefined ? {} : { suspendedFor } }) as unknown as ResourceRecord;
  t.same(suspendReasons(rec('disabled', ['service-user', 'bogus', 'aps'])), ['service-user', 'aps']);
  t.same(suspendReasons(rec('ready', [])), [], 'an empty list is kept as it is');
  t.same(suspendReasons(rec('disabled')), ['aps'], 'suspended before the reasons were kept: the controller');
  t.same(suspendReasons(rec('ready')), []);
  t.same(suspendReasons(rec('disabled', 'aps')), ['aps'], 'not a list: as if none were kept');
});

t.test('enabling a mailbox that is not suspended asks OX nothing; the context admin refused says so', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const id = uuid();
  const body = mailboxBody(id, ctx, profile, { login: 'wes', email: 'wes@x.example', displayName: 'Wes' });
  t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
  const calls = stack.sim.count();
  t.equal((await stack.call('PUT', `/mailboxes/${id}/enable`)).status, 204);
  t.equal(stack.sim.count(), calls);
  const admin = [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.contextadmin)!;
  const real = admin.password;
  admin.password = 'changed-in-ox';
  const off = await stack.call('PUT', `/mailboxes/${id}/disable`);
  t.match(off.json.message, /context administrator's credentials while disabling mailbox "wes"/);
  admin.password = real;
  t.equal((await stack.call('PUT', `/mailboxes/${id}/disable`, { transactionId: uuid() })).status, 204);
  admin.password = 'changed-in-ox';
  const on = await stack.call('PUT', `/mailboxes/${id}/enable`);
  admin.password = real;
  t.match(on.json.message, /context administrator's credentials while enabling mailbox "wes"/);
});
