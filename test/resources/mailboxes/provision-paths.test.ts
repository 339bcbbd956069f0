// How a mailbox's POST becomes an OX user, path by path, on one stack: the person from the body or
// from the service user (the body wins), the language and time zone (body, then context), a user OX
// already has (taken over: mail on, the tier's rights, its own password unless one is sent or a
// migration brought one; never another mailbox's), a retry after a failed attempt, and what an
// OX refusal says.
import t from 'tap';
import { contextBody, mailboxBody, startStack, uuid } from '../../helper.js';

const stack = await startStack(t);
const { ctx, profile } = await stack.withContext({ defaultLanguage: 'en_US', defaultTimezone: 'Europe/Berlin' });
const oxUser = (login: string, contextId = 100) =>
  [...stack.sim.model.contexts.get(contextId)!.users.values()].find((u) => u.name === login);
const record = (id: string) => stack.endpoint.ledger.getResource(stack.instanceId, id);
const post = (id: string, extra: Record<string, unknown>, context = ctx) =>
  stack.call('POST', '/mailboxes', { body: mailboxBody(id, context, profile, extra) });
/** The next user OX creates fails so (by access name or by rights: whichever the tier uses). */
const failCreate = (spec: { mode: 'fault' | 'applied-reset'; exceptionClass?: string; message?: string }) => {
  for (const operation of ['OXUserService.createByModuleAccessName', 'OXUserService.createByModuleAccess'])
    stack.sim.failNext(1, { ...spec, operation });
};
/** A user made in OX behind the endpoint's back (a migration's, or one a lost answer left). */
const userInOx = (login: string, extra: Record<string, unknown> = {}) =>
  stack.sim.model.createUser(
    stack.sim.model.contexts.get(100)!,
    {
      name: login,
      password: 'Own-Pass-4711',
      display_name: `${login} in OX`,
      given_name: login,
      sur_name: 'Old',
      primaryEmail: `${login}@x.example`,
      email1: `${login}@x.example`,
      ...extra,
    },
    {
      ...[...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.contextadmin)!.access,
      calendar: true,
      deniedPortal: true,
    },
  );

t.test('a service user without login or e-mail cannot name a mailbox', async (t) => {
  const user = uuid();
  stack.controller.resources.set(user, { displayName: 'Nameless' });
  const res = await post(uuid(), { user: { aps: { id: user } } });
  t.same(
    [res.status, res.json.error, res.json.message],
    [400, 'UnknownResource', 'The mailbox has no login or e-mail, and the service user has none either'],
  );
  const solo = await post(uuid(), { user: { aps: { id: user } }, login: 'solo', displayName: 'Solo' });
  t.same([solo.status, solo.json.error], [400, 'UnknownResource'], 'a login but no address anywhere');
  const bad = uuid();
  stack.controller.resources.set(bad, { login: 'bad', email: 'no-at-sign' });
  const refused = await post(uuid(), { user: { aps: { id: bad } } });
  t.same([refused.status, refused.json.error], [400, 'InvalidAddress']);
  t.equal(refused.json.message, 'email: "no-at-sign" is not an e-mail address');
  const zone = await post(uuid(), {
    login: 'zoe',
    email: 'zoe@x.example',
    displayName: 'Zoe',
    timezone: 'Mars/Olympus',
  });
  t.equal(zone.status, 400);
  t.match(zone.json.message, /^timezone/);
});

t.test('the service user names the mailbox where the body does not, and owns it', async (t) => {
  const user = uuid();
  stack.controller.resources.set(user, {
    login: 'gil@x.example',
    email: 'gil.mail@x.example',
    displayName: 'Gil From Panel',
    givenName: 'Gil',
    familyName: 'Panel',
    userId: 77,
  });
  const id = uuid();
  const res = await post(id, { user: { aps: { id: user } } });
  t.equal(res.status, 200, res.json?.message);
  const ox = oxUser('gil@x.example')!;
  t.same(
    [ox.primaryEmail, ox.display_name, ox.given_name, ox.sur_name],
    ['gil.mail@x.example', 'Gil From Panel', 'Gil', 'Panel'],
  );
  const kept = (await record(id))!;
  t.same(kept.props.owner, { id: user, userId: '77' });
  t.equal(kept.props.emailFromServiceUser, true, 'the address is the service user’s');
  t.equal(kept.login, 'gil@x.example');
  t.same(kept.props.aps, { type: 'http://ox-connector.org/aps/mailboxes/1.1' });
  t.equal(res.json.passwordState, 'generated');

  const second = uuid();
  stack.controller.resources.set(second, { ...stack.controller.resources.get(user), displayName: 'Gil Second' });
  const bodyWins = uuid();
  const res2 = await post(bodyWins, {
    user: { aps: { id: second } },
    login: 'gil2',
    email: 'gil2@x.example',
    givenName: 'Gilbert',
    familyName: '',
  });
  t.equal(res2.status, 200, res2.json?.message);
  const ox2 = oxUser('gil2')!;
  t.same(
    [ox2.primaryEmail, ox2.given_name, ox2.display_name],
    ['gil2@x.example', 'Gilbert', 'Gil Second'],
    'the body wins; the display name, missing from it, is the service user’s',
  );
  const kept2 = (await record(bodyWins))!;
  t.equal(kept2.props.emailFromServiceUser, undefined, 'the address is the body’s');
  t.same(kept2.props.owner, { id: second, userId: '77' });
});

t.test('names missing everywhere: the login names the person, and the display name has no stray space', async (t) => {
  const user = uuid();
  stack.controller.resources.set(user, { login: 'hal@x.example' });
  const id = uuid();
  const calls = stack.sim.count();
  const res = await post(id, { user: { aps: { id: user } }, familyName: '' });
  t.equal(res.status, 200, res.json?.message);
  t.equal(stack.sim.count() - calls, 1, 'a new user: one OX call, nothing taken over');
  const ox = oxUser('hal@x.example')!;
  t.same([ox.primaryEmail, ox.given_name, ox.display_name], ['hal@x.example', 'hal', 'hal']);
  const fresh = (await record(id))!;
  t.equal(fresh.secrets.password, ox.password, 'the ledger keeps the password it made');
  t.equal(fresh.props.passwordGenerated, true);
  const named = uuid();
  stack.controller.resources.set(named, { login: 'ike', email: 'ike@x.example' });
  t.equal((await post(uuid(), { user: { aps: { id: named } }, displayName: 'Ike Body' })).status, 200);
  t.same(
    [oxUser('ike')?.primaryEmail, oxUser('ike')?.display_name],
    ['ike@x.example', 'Ike Body'],
    'only a display name given: the rest is the service user’s',
  );
  const mailOnly = uuid();
  stack.controller.resources.set(mailOnly, { login: 'other-login', email: 'jay@x.example' });
  t.equal((await post(uuid(), { user: { aps: { id: mailOnly } }, login: 'jay', displayName: 'Jay' })).status, 200);
  t.same(
    [oxUser('jay')?.primaryEmail, oxUser('other-login')],
    ['jay@x.example', undefined],
    'only the address missing: the service user’s',
  );
  const plain = uuid();
  stack.controller.resources.set(plain, { email: 'ivy@x.example', userId: 0 });
  t.equal((await post(plain, { user: { aps: { id: plain } } })).status, 200);
  t.same([oxUser('ivy@x.example')?.sur_name, oxUser('ivy@x.example')?.display_name], ['-', 'ivy -']);
  t.same((await record(plain))?.props.owner, { id: plain }, 'no user id from the controller: none kept');
});

t.test('language and time zone: the body’s, else the context’s', async (t) => {
  const other = uuid();
  t.equal(
    (await stack.call('POST', '/contexts', { body: contextBody(other, { language: 'de_DE', timezone: 'Asia/Tokyo' }) }))
      .status,
    200,
  );
  const contextId = (await stack.call('GET', `/contexts/${other}`)).json.contextId as number;
  t.equal((await post(uuid(), { login: 'jo', email: 'jo@x.example', displayName: 'Jo' }, other)).status, 200);
  t.same([oxUser('jo', contextId)?.fields.language, oxUser('jo', contextId)?.fields.timezone], ['de_DE', 'Asia/Tokyo']);
  const own = { login: 'kai', email: 'kai@x.example', displayName: 'Kai', language: 'fr_FR', timezone: 'America/Lima' };
  t.equal((await post(uuid(), own, other)).status, 200);
  t.same(
    [oxUser('kai', contextId)?.fields.language, oxUser('kai', contextId)?.fields.timezone],
    ['fr_FR', 'America/Lima'],
  );

  const jo = userInOx('jo');
  const here = uuid();
  const res = await post(here, { login: 'jo', email: 'jo@x.example', displayName: 'Jo Elsewhere' });
  t.equal(res.status, 200, "a login another context's mailbox holds does not keep this context's user from it");
  t.equal((await record(here))?.oxUserId, jo.id);
});

t.test("a user OX already has is taken over: mail on, the tier's rights, its own password", async (t) => {
  const before = userInOx('lea', { mailenabled: false });
  const id = uuid();
  const res = await post(id, { login: 'lea', email: 'lea@x.example', displayName: 'Lea' });
  t.equal(res.status, 200, res.json?.message);
  const ox = oxUser('lea')!;
  t.equal(ox.id, before.id, 'the same OX user');
  t.equal(ox.fields.mailenabled, true, 'mail on');
  t.equal(ox.access.deniedPortal, false, "the tier's rights");
  t.equal(ox.access.calendar, false, 'webmail: no calendar');
  t.equal(ox.password, 'Own-Pass-4711', 'its own password stays');
  const kept = (await record(id))!;
  t.equal(kept.oxUserId, before.id);
  t.same(kept.secrets, {}, 'the ledger knows no password for it');
  t.equal(kept.props.passwordGenerated, false);
  t.equal(kept.props.passwordState, undefined);
  const shown = (await stack.call('GET', `/mailboxes/${id}`)).json;
  t.equal(shown.oxUserId, before.id);
});

t.test('a taken-over user gets the password a migration brought, or the one the controller sends', async (t) => {
  userInOx('max');
  await stack.endpoint.ledger.keepImportedPassword(stack.instanceId, 100, 'max', 'Imported-Pass-1');
  const id = uuid();
  const taken = await post(id, { login: 'max', email: 'max@x.example', displayName: 'Max' });
  t.equal(taken.status, 200);
  t.equal(taken.json.passwordState, 'set', 'a password is known for it');
  t.equal(oxUser('max')?.password, 'Own-Pass-4711', "OX's password is left as it is");
  t.same((await record(id))?.secrets, { password: 'Imported-Pass-1' }, 'the ledger holds the imported one');

  userInOx('ned');
  const sent = uuid();
  const res = await post(sent, { login: 'ned', email: 'ned@x.example', displayName: 'Ned', password: 'Sent-Pass-123' });
  t.equal(res.status, 200, res.json?.message);
  t.equal(oxUser('ned')?.password, 'Sent-Pass-123', 'a password sent is set in OX');
  t.equal(res.json.passwordState, 'set');
  t.same((await record(sent))?.secrets, { password: 'Sent-Pass-123' });
  t.equal((await record(sent))?.props.passwordGenerated, false);
});

t.test('a retry after a failed attempt uses the password of the first, and the login it asks now', async (t) => {
  const id = uuid();
  failCreate({ mode: 'fault', exceptionClass: 'StorageException', message: 'disk trouble' });
  const calls = stack.sim.count();
  const first = await post(id, { login: 'ora', email: 'ora@x.example', displayName: 'Ora' });
  stack.sim.clearFailures();
  t.equal(stack.sim.count() - calls, 1, 'after a refusal nothing is looked up');
  t.equal(first.status, 502);
  t.match(first.json.message, 'while creating mailbox "ora" in context 100');
  const password = (await record(id))?.secrets.password;
  t.ok(password, 'the password is kept with the claim');
  const again = await post(id, { login: 'ora2', email: 'ora@x.example', displayName: 'Ora' });
  t.equal(again.status, 200, again.json?.message);
  t.equal(oxUser('ora2')?.password, password, 'the same password');
  t.equal(oxUser('ora'), undefined);
  t.equal((await record(id))?.login, 'ora2');
  t.equal((await record(id))?.secrets.password, password, 'and the ledger still has it');
  t.equal((await record(id))?.props.passwordGenerated, true);
  t.equal(stack.controller.subscriptions.filter((s) => s.subscriber === id).length, 1, 'subscribed once');
});

t.test('a retry after OX created the user but the answer was lost adopts its own user', async (t) => {
  const id = uuid();
  failCreate({ mode: 'applied-reset' });
  const first = await post(id, { login: 'pia', email: 'pia@x.example', displayName: 'Pia' });
  stack.sim.clearFailures();
  t.not(first.status, 200);
  const made = oxUser('pia')!;
  t.ok(made, 'OX has the user');
  const body = mailboxBody(id, ctx, profile, {
    login: 'pia',
    email: 'pia@x.example',
    displayName: 'Pia',
  });
  const { final: again } = await stack.settle('POST', '/mailboxes', { body, phase: 'async' });
  t.equal(again.status, 200, again.json?.message);
  t.equal((await record(id))?.oxUserId, made.id, 'its own user, adopted');
  t.equal((await record(id))?.secrets.password, oxUser('pia')?.password, 'with the password the first attempt gave it');
  t.equal((await record(id))?.props.passwordGenerated, true);
  t.equal([...stack.sim.model.contexts.get(100)!.users.values()].filter((u) => u.name === 'pia').length, 1);
});

t.test("another mailbox's user is never taken over, by login or by OX user", async (t) => {
  const first = uuid();
  t.equal((await post(first, { login: 'quinn', email: 'quinn@x.example', displayName: 'Quinn' })).status, 200);
  const res = await post(uuid(), { login: 'quinn', email: 'quinn2@x.example', displayName: 'Quinn Two' });
  t.equal(res.status, 409);
  t.equal(res.json.error, 'OxLoginTaken');
  t.equal(
    res.json.message,
    `The login "quinn" belongs to another mailbox (${first}) of this context: choose another login`,
  );
});

t.test("the profile's capabilities reach OX with the user", async (t) => {
  const rich = uuid();
  await stack.call('POST', '/profiles', {
    body: {
      aps: { id: rich, type: 'http://ox-connector.org/aps/profiles/1.0' },
      app: { aps: { id: uuid() } },
      title: 'With extras',
      accessCombination: 'webmail',
      capabilities: ['guard'],
    },
  });
  const res = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(uuid(), ctx, rich, { login: 'rey', email: 'rey@x.example', displayName: 'Rey' }),
  });
  t.equal(res.status, 200, res.json?.message);
  t.same(oxUser('rey')?.capabilities, ['guard']);
  t.same(oxUser('quinn')?.capabilities, [], 'none for a profile without');
});

t.test('a login held by a mailbox OX has no user for yet is not given to another', async (t) => {
  const first = uuid();
  failCreate({ mode: 'fault', exceptionClass: 'StorageException', message: 'disk trouble' });
  t.equal((await post(first, { login: 'xena', email: 'xena@x.example', displayName: 'Xena' })).status, 502);
  stack.sim.clearFailures();
  userInOx('xena');
  const res = await post(uuid(), { login: 'xena', email: 'xena2@x.example', displayName: 'Xena Two' });
  t.same([res.status, res.json.error], [409, 'OxLoginTaken']);
});

t.test('the context admin refused by OX: the message says so', async (t) => {
  const admin = [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.contextadmin)!;
  const real = admin.password;
  admin.password = 'changed-in-ox';
  const res = await post(uuid(), { login: 'amy', email: 'amy@x.example', displayName: 'Amy' });
  admin.password = real;
  t.same([res.status, res.json.error], [502, 'OxAuthenticationFailed']);
  t.match(res.json.message, /context administrator's credentials while creating mailbox "amy"/);
});

t.test('with restrictMailDomains every address, aliases too, is in the context’s domain', async (t) => {
  t.equal(
    (
      await stack.call('PUT', `/app/${stack.instanceId}`, {
        body: { aps: { id: stack.instanceId }, ...stack.settings({ restrictMailDomains: true }) },
      })
    ).status,
    200,
  );
  t.teardown(() =>
    stack.call('PUT', `/app/${stack.instanceId}`, { body: { aps: { id: stack.instanceId }, ...stack.settings() } }),
  );
  const zed = uuid();
  t.equal((await stack.call('POST', '/contexts', { body: contextBody(zed, { domain: 'zed.example' }) })).status, 200);
  const outside = await post(
    uuid(),
    { login: 'al', email: 'al@zed.example', displayName: 'Al', aliases: ['al@other.example'] },
    zed,
  );
  t.same([outside.status, outside.json.error], [400, 'MailDomainNotAllowed']);
  t.match(outside.json.message, /al@other\.example/);
  t.equal(
    (await post(uuid(), { login: 'al', email: 'al@zed.example', displayName: 'Al', aliases: ['al2@zed.example'] }, zed))
      .status,
    200,
  );
});

t.test('with a grace period, a cancelled mailbox’s user goes to the mailbox that takes its login', async (t) => {
  t.equal(
    (
      await stack.call('PUT', `/app/${stack.instanceId}`, {
        body: { aps: { id: stack.instanceId }, ...stack.settings({ deleteGraceDays: 2 }) },
      })
    ).status,
    200,
  );
  t.teardown(() =>
    stack.call('PUT', `/app/${stack.instanceId}`, { body: { aps: { id: stack.instanceId }, ...stack.settings() } }),
  );
  const old = uuid();
  t.equal((await post(old, { login: 'yuri', email: 'yuri@x.example', displayName: 'Yuri' })).status, 200);
  const user = oxUser('yuri')!.id;
  t.equal((await stack.call('DELETE', `/mailboxes/${old}`)).status, 204);
  t.ok(oxUser('yuri'), 'kept in OX through the grace period');
  const next = uuid();
  const res = await post(next, { login: 'yuri', email: 'yuri@x.example', displayName: 'Yuri' });
  t.equal(res.status, 200, res.json?.message);
  t.equal((await record(next))?.oxUserId, user, 'the same OX user');
  t.equal(await record(old), undefined, 'the cancelled record is forgotten');
});

t.test('a user another mailbox holds is not taken over under the name OX has for it now', async (t) => {
  const first = uuid();
  t.equal((await post(first, { login: 'kim', email: 'kim@x.example', displayName: 'Kim' })).status, 200);
  oxUser('kim')!.name = 'kim2'; // renamed in OX behind the endpoint's back
  const res = await post(uuid(), { login: 'kim2', email: 'kim2@x.example', displayName: 'Kim Two' });
  t.same([res.status, res.json.error], [409, 'OxLoginTaken']);
  t.match(res.json.message, `(${first})`);
});
