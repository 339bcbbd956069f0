// A mailbox follows its service user: subscribed at provisioning to the controller's `changed`
// events; the handler brings the names to OX and the ledger, the e-mail where the mailbox took the
// user's at creation (and a PUT would take it), and a disabled user's mailbox is shut out until
// the user is enabled; the language is set at creation only.
import t from 'tap';
import { mailboxBody, startStack, uuid, type Stack } from '../../helper.js';

const user = (stack: Stack, login: string) =>
  [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.name === login)!;
const CHANGED = 'http://aps-standard.org/core/events/changed';

t.test('changes of the linked service user reach the mailbox and OX', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const serviceUser = uuid();
  stack.controller.resources.set(serviceUser, {
    login: 'fay',
    email: 'fay@x.example',
    displayName: 'Fay Old',
    givenName: 'Fay',
    familyName: 'Old',
    locale: 'en-US',
  });
  const id = uuid();
  const made = await stack.call('POST', '/mailboxes', {
    body: { ...mailboxBody(id, ctx, profile), user: { aps: { id: serviceUser } } },
  });
  t.equal(made.status, 200, made.json?.message);
  const languageAtCreation = user(stack, 'fay').fields.language;
  const sub = stack.controller.subscriptions.find((s) => s.subscriber === id);
  t.ok(sub, 'the mailbox subscribed');
  t.match(sub, { event: CHANGED, source: { id: serviceUser }, handler: 'onServiceUserChange' });

  stack.controller.resources.set(serviceUser, {
    login: 'fay',
    email: 'fay@x.example',
    displayName: 'Fay New',
    givenName: 'Fay',
    familyName: 'New',
    locale: 'de-DE',
  });
  const notification = {
    type: CHANGED,
    time: new Date().toISOString(),
    serial: 1,
    source: { type: 'http://parallels.com/aps/types/pa/service-user/1.1', id: serviceUser },
  };
  const handled = await stack.call('POST', `/mailboxes/${id}/onServiceUserChange`, { body: notification });
  t.equal(handled.status, 200);
  t.equal(user(stack, 'fay').display_name, 'Fay New', 'OX has the new display name');
  t.equal(user(stack, 'fay').sur_name, 'New');
  t.equal(
    user(stack, 'fay').fields.language,
    languageAtCreation,
    "a locale change leaves OX's language alone: after creation it is the user's own choice in OX",
  );
  const shown = (await stack.call('GET', `/mailboxes/${id}`)).json;
  t.equal(shown.displayName, 'Fay New', 'the mailbox shows it');
  t.equal(shown.familyName, 'New');

  const repeat = await stack.call('POST', `/mailboxes/${id}/onServiceUserChange`, {
    body: { ...notification, serial: 2 },
  });
  t.equal(repeat.status, 200, 'a repeated notification is harmless');
  t.same(repeat.json.changed, [], 'and changes nothing');

  // A new e-mail address follows the primary-address rule: OX takes it here (its shipped default).
  stack.controller.resources.set(serviceUser, {
    login: 'fay',
    email: 'fay@new.example',
    displayName: 'Fay New',
    givenName: 'Fay',
    familyName: 'New',
    locale: 'de-DE',
  });
  t.equal(
    (await stack.call('POST', `/mailboxes/${id}/onServiceUserChange`, { body: { ...notification, serial: 3 } })).status,
    200,
  );
  t.equal(user(stack, 'fay').primaryEmail, 'fay@new.example');

  // A removed service user leaves the mailbox until the controller unprovisions it.
  stack.controller.resources.delete(serviceUser);
  const gone = await stack.call('POST', `/mailboxes/${id}/onServiceUserChange`, {
    body: { ...notification, serial: 4 },
  });
  t.equal(gone.status, 200, 'answered as done (no endless redelivery)');
  t.equal(gone.json.followed, false);
  t.ok(user(stack, 'fay'), 'the OX user stays');
});

t.test(
  'where OX refuses the new address, the mailbox keeps it, takes the rest, and the controller gets done',
  async (t) => {
    const stack = await startStack(t, { sim: { primaryMailUnchangeable: true } });
    const { ctx, profile } = await stack.withContext();
    const serviceUser = uuid();
    stack.controller.resources.set(serviceUser, { login: 'gil', email: 'gil@x.example', displayName: 'Gil' });
    const id = uuid();
    t.equal(
      (
        await stack.call('POST', '/mailboxes', {
          body: { ...mailboxBody(id, ctx, profile), user: { aps: { id: serviceUser } } },
        })
      ).status,
      200,
    );
    stack.controller.resources.set(serviceUser, {
      login: 'gil',
      email: 'gil@elsewhere.example',
      displayName: 'Gil Renamed',
    });
    const res = await stack.call('POST', `/mailboxes/${id}/onServiceUserChange`, {
      body: { type: CHANGED, serial: 1, source: { id: serviceUser } },
    });
    t.equal(res.status, 200);
    t.equal(res.json.followed, false);
    t.match(res.json.reason, /PRIMARY_MAIL_UNCHANGEABLE/);
    t.equal(user(stack, 'gil').primaryEmail, 'gil@x.example', 'OX kept the address');
    t.equal(user(stack, 'gil').display_name, 'Gil Renamed', 'the name change went through on its own');
    const shown = (await stack.call('GET', `/mailboxes/${id}`)).json;
    t.equal(shown.email, 'gil@x.example', 'the mailbox shows what OX has');
    t.equal(shown.displayName, 'Gil Renamed');
    t.match(stack.logText(), /OX refused the service user's changes/);
  },
);

t.test("the subscription goes out once, beside OX's calls, even when OX fails the first attempt", async (t) => {
  const stack = await startStack(t, { env: { SYNC_BUDGET_MS: '500' } });
  const { ctx, profile } = await stack.withContext();
  const serviceUser = uuid();
  stack.controller.resources.set(serviceUser, { login: 'hal', email: 'hal@x.example', displayName: 'Hal' });
  const id = uuid();
  const body = { ...mailboxBody(id, ctx, profile), user: { aps: { id: serviceUser } } };
  stack.sim.failNext(1, { mode: 'http503', operation: 'OXUserService.createByModuleAccessName' });
  const first = await stack.call('POST', '/mailboxes', { body });
  t.equal(first.status, 202, 'OX failed the first attempt: the job retries');
  const { final } = await stack.settle('POST', '/mailboxes', { body, phase: 'async' });
  t.equal(final.status, 200, final.json?.message);
  t.equal(
    stack.controller.subscriptions.filter((s) => s.subscriber === id).length,
    1,
    'one subscription for the attempts',
  );
  t.equal(
    [...stack.sim.model.contexts.get(100)!.users.values()].filter((u) => u.name === 'hal').length,
    1,
    'one user in OX',
  );
});

/** A mailbox for a service user, made with or without an address of its own. */
async function linkedMailbox(stack: Stack, serviceUser: string, extra: Record<string, unknown> = {}) {
  const { ctx, profile } = await stack.withContext(extra.settings as Record<string, unknown> | undefined);
  const id = uuid();
  const { settings: _s, ...own } = extra;
  const made = await stack.call('POST', '/mailboxes', {
    body: { ...mailboxBody(id, ctx, profile, own), user: { aps: { id: serviceUser } } },
  });
  if (made.status !== 200) throw new Error(`mailbox: ${made.status} ${made.text}`);
  return id;
}

const notify = (stack: Stack, id: string, serviceUser: string, serial: number) =>
  stack.call('POST', `/mailboxes/${id}/onServiceUserChange`, {
    body: { type: CHANGED, serial, source: { id: serviceUser } },
  });

t.test(
  'the address follows only where the mailbox took it from the service user, within the domain rule',
  async (t) => {
    const stack = await startStack(t);
    const [own, taken] = [uuid(), uuid()];
    stack.controller.resources.set(own, { login: 'hal', email: 'hal@x.example', displayName: 'Hal' });
    const id = await linkedMailbox(stack, own, { login: 'hal', email: 'hal.box@x.example', displayName: 'Hal' });
    stack.controller.resources.set(own, { login: 'hal', email: 'hal@moved.example', displayName: 'Hal' });
    t.equal((await notify(stack, id, own, 1)).status, 200);
    t.equal(user(stack, 'hal').primaryEmail, 'hal.box@x.example', 'a mailbox with its own address keeps it');

    // restrictMailDomains: the context serves x.example; a new address elsewhere is refused as a PUT's would be.
    const stack2 = await startStack(t);
    stack2.controller.resources.set(taken, { login: 'ivy', email: 'ivy@x.example', displayName: 'Ivy' });
    const { ctx, profile } = await stack2.withContext({ restrictMailDomains: true });
    await stack2.call('PUT', `/contexts/${ctx}`, { body: { domain: 'x.example' } });
    const mailbox = uuid();
    const made = await stack2.call('POST', '/mailboxes', {
      body: { ...mailboxBody(mailbox, ctx, profile), user: { aps: { id: taken } } },
    });
    t.equal(made.status, 200, made.json?.message);
    stack2.controller.resources.set(taken, { login: 'ivy', email: 'ivy@elsewhere.example', displayName: 'Ivy' });
    const outside = await notify(stack2, mailbox, taken, 1);
    t.equal(outside.status, 200, 'the event is done');
    t.equal(user(stack2, 'ivy').primaryEmail, 'ivy@x.example', 'outside the domain: not taken');
    stack2.controller.resources.set(taken, { login: 'ivy', email: 'ivy.new@x.example', displayName: 'Ivy' });
    t.equal((await notify(stack2, mailbox, taken, 2)).status, 200);
    t.equal(user(stack2, 'ivy').primaryEmail, 'ivy.new@x.example', 'inside it: taken');
    t.equal((await stack2.call('GET', `/mailboxes/${mailbox}`)).json.email, 'ivy.new@x.example');
  },
);

t.test("a disabled service user's mailbox is shut out, and comes back when the user is enabled", async (t) => {
  const stack = await startStack(t);
  const su = uuid();
  stack.controller.resources.set(su, { login: 'jan', email: 'jan@x.example', displayName: 'Jan' });
  const id = await linkedMailbox(stack, su);
  stack.controller.resources.set(su, { login: 'jan', email: 'jan@x.example', displayName: 'Jan', disabled: true });
  const off = await notify(stack, id, su, 1);
  t.equal(off.status, 200);
  t.equal(off.json.suspended, true);
  t.equal(user(stack, 'jan').fields.mailenabled, false, 'OX: mail off');
  t.equal(user(stack, 'jan').access.deniedPortal, true, 'OX: no login');
  t.equal((await stack.endpoint.ledger.getResource(stack.instanceId, id))?.state, 'disabled');

  // The subscription is suspended and resumed meanwhile: the mailbox stays shut out for its user.
  t.equal((await stack.call('PUT', `/mailboxes/${id}/disable`)).status, 204);
  t.equal((await stack.call('PUT', `/mailboxes/${id}/enable`)).status, 204);
  t.equal(user(stack, 'jan').fields.mailenabled, false, 'still shut out: its user is disabled');

  stack.controller.resources.set(su, { login: 'jan', email: 'jan@x.example', displayName: 'Jan', disabled: false });
  const on = await notify(stack, id, su, 2);
  t.equal(on.json.suspended, false);
  t.equal(user(stack, 'jan').fields.mailenabled, true, 'OX: mail on again');
  t.equal(user(stack, 'jan').access.deniedPortal, false);
  t.equal((await stack.endpoint.ledger.getResource(stack.instanceId, id))?.state, 'ready');
  t.equal((await notify(stack, id, su, 3)).json.suspended, undefined, 'a repeat changes nothing');
});
