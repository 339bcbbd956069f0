import t from 'tap';
import { until } from '../support/until.js';
import { contextBody, mailboxBody, profileBody, ssoFormLogin, startStack, uuid, type Stack } from '../helper.js';

function oxContext(stack: Stack, id: number) {
  return stack.sim.model.contexts.get(id)!;
}

function oxUser(stack: Stack, ctxId: number, name: string) {
  return [...oxContext(stack, ctxId).users.values()].find((u) => u.name === name);
}

t.test('the customer workflow end to end', async (t) => {
  const stack = await startStack(t);
  t.equal((await stack.createInstance()).status, 200);

  // Profiles: one by access combination, one by explicit flags with capabilities and limits.
  const webmail = uuid();
  const groupware = uuid();
  t.equal((await stack.call('POST', '/profiles', { body: profileBody(webmail) })).status, 200);
  const gw = await stack.call('POST', '/profiles/', {
    body: profileBody(groupware, {
      title: 'Groupware',
      accessCombination: undefined,
      moduleAccess: ['webmail', 'contacts', 'calendar', 'tasks', 'infostore'],
      capabilities: ['mobile_mail_app'],
      uploadFileSizeLimit: 1000000,
      uploadFileSizeLimitPerFile: 50000,
    }),
  });
  t.equal(gw.status, 200, 'trailing slash accepted');
  const noAccess = await stack.call('POST', '/profiles', {
    body: profileBody(uuid(), { accessCombination: undefined }),
  });
  t.equal(noAccess.status, 400);
  t.match(noAccess.json.message, /accessCombination .* or moduleAccess/);

  // Context.
  const ctxId = uuid();
  const ctxBody = contextBody(ctxId, {
    domain: 'acme.example',
    theme: 'dark',
    timezone: 'Europe/Amsterdam',
    language: 'nl_NL',
  });
  const ctxRes = await stack.call('POST', '/contexts', { body: ctxBody });
  t.equal(ctxRes.status, 200);
  t.equal(ctxRes.json.contextId, 100, 'first id from contextIdStart');
  t.same(ctxRes.json.diskspace, { usage: 0, limit: 2048 });
  const ox = oxContext(stack, 100);
  t.equal(ox.maxQuota, 2048);
  t.ok(ox.loginMappings.includes('acme.example'), 'domain is a login mapping');
  t.same(ox.userAttributes, { config: { 'io.ox/core//theme': 'dark' } });
  const admin = ox.users.get(ox.adminId)!;
  t.equal(admin.name, 'oxadmin');
  t.equal(admin.access.USM, true, 'context admin has groupware_premium');
  t.equal(admin.fields.timezone, 'Europe/Amsterdam');

  // Repeats create nothing twice, in either phase.
  for (const phase of ['sync', 'async'] as const) {
    const again = await stack.call('POST', '/contexts', { body: ctxBody, phase });
    t.equal(again.status, 200);
    t.equal(again.json.contextId, 100);
  }
  t.equal(stack.sim.model.contexts.size, 1, 'one context');

  // Mailbox with everything in the body.
  const alice = uuid();
  const aliceBody = mailboxBody(alice, ctxId, webmail, {
    login: 'alice',
    email: 'Alice@acme.example',
    displayName: 'Alice A',
    givenName: 'Alice',
    familyName: 'A',
    aliases: ['al@acme.example'],
  });
  const mbx = await stack.call('POST', '/mailboxes', { body: aliceBody });
  t.equal(mbx.status, 200, mbx.json?.message);
  t.notOk('password' in mbx.json, 'no password in the answer');
  const oxAlice = oxUser(stack, 100, 'alice')!;
  t.equal(mbx.json.oxUserId, oxAlice.id);
  t.equal(oxAlice.primaryEmail, 'alice@acme.example');
  t.equal(oxAlice.fields.language, 'nl_NL', 'language from the context');
  t.equal(oxAlice.access.webmail, true);
  t.equal(oxAlice.access.calendar, false, 'webmail profile');
  t.ok(oxAlice.aliases.includes('al@acme.example'));
  t.equal((await stack.call('POST', '/mailboxes', { body: aliceBody })).status, 200);
  t.equal([...oxContext(stack, 100).users.values()].filter((u) => u.name === 'alice').length, 1, 'repeat: one user');

  // Mailbox whose login and names come from the linked service user at the controller.
  const bob = uuid();
  const bobUser = uuid();
  stack.controller.resources.set(bobUser, {
    aps: { id: bobUser },
    login: 'bob@acme.example',
    email: 'bob@acme.example',
    displayName: 'Bob B',
    givenName: 'Bob',
    familyName: 'B',
  });
  const tx = `tx-${uuid()}`;
  const bobRes = await stack.call('POST', '/mailboxes', {
    transactionId: tx,
    body: { ...mailboxBody(bob, ctxId, groupware), user: { aps: { id: bobUser } } },
  });
  t.equal(bobRes.status, 200, bobRes.json?.message);
  const oxBob = oxUser(stack, 100, 'bob@acme.example')!;
  t.equal(oxBob.display_name, 'Bob B');
  t.equal(oxBob.access.calendar, true, 'explicit flags');
  t.equal(oxBob.access.activeSync, false, 'omitted flags denied');
  t.same(oxBob.capabilities, ['mobile_mail_app']);
  t.equal(oxBob.fields.uploadFileSizeLimitPerFile, 50000);
  const callback = stack.controller.received.find((r) => r.url === `/aps/2/resources/${bobUser}`)!;
  t.ok(callback.instanceCertOk, 'endpoint called the controller with the instance certificate');
  t.equal(callback.transactionId, tx, 'and with the transaction id');

  // Mobility add-on.
  const mob = uuid();
  const mobRes = await stack.call('POST', '/mobility', { body: { aps: { id: mob }, mailbox: { aps: { id: alice } } } });
  t.equal(mobRes.status, 200);
  t.equal(oxUser(stack, 100, 'alice')!.access.activeSync, true);
  t.equal(oxUser(stack, 100, 'alice')!.access.USM, true);

  // Limit change and usage poll (cached).
  const put = await stack.call('PUT', `/contexts/${ctxId}`, { body: { ...ctxBody, diskspace: { limit: 4096 } } });
  t.equal(put.status, 200);
  t.equal(oxContext(stack, 100).maxQuota, 4096);
  oxContext(stack, 100).usedQuota = 123;
  await stack.endpoint.ledger.updateResource(stack.instanceId, ctxId, { usageAt: 0 });
  const before = stack.sim.count('OXContextService.getData');
  const poll1 = await stack.call('GET', `/contexts/${ctxId}`);
  const poll2 = await stack.call('GET', `/contexts/${ctxId}`);
  t.same(poll1.json.diskspace, { usage: 123, limit: 4096 });
  t.same(poll1.json.mailboxCount, { usage: 2, limit: 10 });
  t.same(poll1.json.mobilityCount, { usage: 1, limit: 5 });
  t.same(poll2.json.diskspace, poll1.json.diskspace);
  t.equal(stack.sim.count('OXContextService.getData') - before, 1, 'one SOAP call for two polls in the cache period');

  // Disable keeps data and blocks login; enable restores the exact rights.
  const rights = { ...oxUser(stack, 100, 'alice')!.access };
  t.equal((await stack.call('PUT', `/mailboxes/${alice}/disable`)).status, 204);
  const { deniedPortal, ...modules } = oxUser(stack, 100, 'alice')!.access;
  t.ok(
    Object.values(modules).every((v) => v === false),
    'all rights off',
  );
  t.equal(deniedPortal, true, 'and the portal denied');
  t.equal((await stack.call('PUT', `/mailboxes/${alice}/enable`)).status, 204);
  t.same(oxUser(stack, 100, 'alice')!.access, rights, 'rights restored exactly');

  t.equal((await stack.call('PUT', `/contexts/${ctxId}/disable`)).status, 204);
  t.equal(oxContext(stack, 100).enabled, false);
  t.equal(
    (await stack.call('PUT', `/contexts/${ctxId}/disable`, { transactionId: uuid() })).status,
    204,
    'disable twice is fine',
  );
  t.equal((await stack.call('PUT', `/contexts/${ctxId}/enable`)).status, 204);
  t.equal(oxContext(stack, 100).enabled, true);

  // Configure a mailbox: names and password change; the language the user chose in OX stays.
  oxUser(stack, 100, 'alice')!.fields.language = 'de_DE';
  const cfg = await stack.call('PUT', `/mailboxes/${alice}`, {
    body: { ...aliceBody, displayName: 'Alice Changed', password: 'New-Passw0rd!', language: 'en_US' },
  });
  t.equal(cfg.status, 200, cfg.json?.message);
  t.equal(oxUser(stack, 100, 'alice')!.display_name, 'Alice Changed');
  t.equal(oxUser(stack, 100, 'alice')!.password, 'New-Passw0rd!');
  t.equal(oxUser(stack, 100, 'alice')!.fields.language, 'de_DE', 'user-owned language untouched');

  // Move Alice to the groupware profile.
  const moved = await stack.call('PUT', `/mailboxes/${alice}`, {
    body: { ...aliceBody, displayName: 'Alice Changed', profile: { aps: { id: groupware } } },
  });
  t.equal(moved.status, 200, moved.json?.message);
  t.equal(oxUser(stack, 100, 'alice')!.access.calendar, true);
  t.equal(oxUser(stack, 100, 'alice')!.access.activeSync, true, 'mobility add-on kept');
  t.same(oxUser(stack, 100, 'alice')!.capabilities, ['mobile_mail_app']);

  // A profile change reaches all its mailboxes in the background.
  const gwBody = profileBody(groupware, {
    title: 'Groupware',
    accessCombination: undefined,
    moduleAccess: ['webmail', 'contacts', 'calendar', 'tasks', 'infostore'],
    capabilities: ['mobile_mail_app', 'text'],
  });
  t.equal((await stack.call('PUT', `/profiles/${groupware}`, { body: gwBody })).status, 200);
  t.ok(
    await until(
      () => ['alice', 'bob@acme.example'].every((n) => oxUser(stack, 100, n)!.capabilities.includes('text')),
      10_000,
    ),
    'both mailboxes got the new capability',
  );

  // Removal: mobility, mailboxes, context; each twice.
  t.equal((await stack.call('DELETE', `/mobility/${mob}`)).status, 204);
  t.equal(oxUser(stack, 100, 'alice')!.access.activeSync, false);
  for (let i = 0; i < 2; i++) t.equal((await stack.call('DELETE', `/mailboxes/${alice}`)).status, 204);
  t.equal(oxUser(stack, 100, 'alice'), undefined);
  const inUse = await stack.call('DELETE', `/profiles/${groupware}`);
  t.equal(inUse.status, 409);
  t.match(inUse.json.message, /used by 1 mailbox/);
  for (let i = 0; i < 2; i++) t.equal((await stack.call('DELETE', `/contexts/${ctxId}`)).status, 204);
  t.equal(stack.sim.model.contexts.size, 0);
  t.equal(await stack.endpoint.ledger.countResources({ instanceId: stack.instanceId, kind: 'mailboxes' }), 0);
});

t.test(
  'renaming the context admin where OX refuses user-name changes (its default): a clear 409, the old login kept',
  async (t) => {
    const stack = await startStack(t);
    await stack.createInstance();
    const id = uuid();
    const body = contextBody(id, { domain: 'old.example', theme: 'light' });
    await stack.call('POST', '/contexts', { body });
    const res = await stack.call('PUT', `/contexts/${id}`, {
      body: { ...body, domain: 'new.example', theme: 'dark', adminLogin: 'boss' },
    });
    t.equal(res.status, 409);
    t.equal(res.json.error, 'OxChangeNotAllowed');
    t.match(res.json.message, /USERNAME_CHANGEABLE=true/, 'names the OX setting');
    const ctx = stack.sim.model.contexts.get(100)!;
    t.equal(ctx.users.get(ctx.adminId)!.name, 'oxadmin', 'OX kept the login');
    const rec = await stack.endpoint.ledger.getResource(stack.instanceId, id);
    t.equal(rec?.login, 'oxadmin', 'so does the ledger');
    const now = await stack.call('GET', `/contexts/${id}`);
    t.equal(now.json.adminLogin, 'oxadmin', 'and the panel');
    t.equal(now.json.domain, 'new.example', 'the domain change OX took is recorded');
    t.ok(ctx.loginMappings.includes('new.example'));
    const signedIn = await ssoFormLogin((await stack.call('GET', `/contexts/${id}/adminLogin`)).json.url as string);
    t.equal(signedIn.status, 302, 'the admin still logs in');
  },
);

t.test('context configure: domain, theme, admin login (OX with USERNAME_CHANGEABLE=true)', async (t) => {
  const stack = await startStack(t, { sim: { usernameChangeable: true } });
  await stack.createInstance();
  const id = uuid();
  const body = contextBody(id, { domain: 'old.example', theme: 'light' });
  await stack.call('POST', '/contexts', { body });
  const res = await stack.call('PUT', `/contexts/${id}`, {
    body: { ...body, domain: 'new.example', theme: 'dark', adminLogin: 'boss' },
  });
  t.equal(res.status, 200, res.json?.message);
  t.equal(res.json.adminLogin, 'boss');
  const ctx = stack.sim.model.contexts.get(100)!;
  t.ok(ctx.loginMappings.includes('new.example'));
  t.notOk(ctx.loginMappings.includes('old.example'), 'the old domain mapping is replaced');
  t.ok(ctx.loginMappings.includes('100'), 'the context id stays a login mapping (OX stores exactly what change sends)');
  t.same(ctx.userAttributes.config, { 'io.ox/core//theme': 'dark' });
  t.equal(ctx.users.get(ctx.adminId)!.name, 'boss');
  // The renamed admin still works for user operations and single sign-on.
  const profile = uuid();
  await stack.call('POST', '/profiles', { body: profileBody(profile) });
  const m = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(uuid(), id, profile, { login: 'after', email: 'after@new.example', displayName: 'After' }),
  });
  t.equal(m.status, 200, m.json?.message);
  const login = await stack.call('GET', `/contexts/${id}/adminLogin`);
  t.equal(login.status, 200);
  const signedIn = await ssoFormLogin(login.json.url as string);
  t.equal(signedIn.status, 302, 'single sign-on still logs in after the domain change');
  t.match(signedIn.location, /#(session|jsessionid)=[0-9a-f]+&(serverToken=\w+&)?user_id=\d+/);
});

t.test('retry safety: OX down in the middle of a provision, adoption of our own user', async (t) => {
  const stack = await startStack(t, { env: { SYNC_BUDGET_MS: '500' } });
  const { profile, ctx: ctxId } = await stack.withContext();

  stack.sim.failNext(3, { mode: 'reset', operation: 'OXUserService.createByModuleAccessName' });
  const id = uuid();
  const body = mailboxBody(id, ctxId, profile, { login: 'carol', email: 'carol@x.example', displayName: 'Carol' });
  const first = await stack.call('POST', '/mailboxes', { body });
  t.equal(first.status, 202);
  const { final } = await stack.settle('POST', '/mailboxes', { body, phase: 'async' });
  t.equal(final.status, 200, final.json?.message);
  t.equal([...oxContext(stack, 100).users.values()].filter((u) => u.name === 'carol').length, 1);

  // OX has our login in our context (created before a crash): adopted, not duplicated.
  const ctx = oxContext(stack, 100);
  const existing = stack.sim.model.createUser(
    ctx,
    {
      name: 'dave',
      display_name: 'Dave',
      password: 'x1',
      given_name: 'D',
      sur_name: 'D',
      primaryEmail: 'dave@x.example',
    },
    stack.sim.model.resolveAccess('webmail'),
  );
  const dave = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(uuid(), ctxId, profile, { login: 'dave', email: 'dave@x.example', displayName: 'Dave' }),
  });
  t.equal(dave.status, 200);
  t.equal(dave.json.oxUserId, existing.id, 'adopted');
});

t.test('permanent faults answer with what to fix; transient ones retry', async (t) => {
  const stack = await startStack(t);
  await stack.createInstance();
  const profile = uuid();
  await stack.call('POST', '/profiles', { body: profileBody(profile) });
  const badProfile = uuid();
  await stack.call('POST', '/profiles', { body: profileBody(badProfile, { accessCombination: 'gold_plus' }) });
  const ctxId = uuid();
  await stack.call('POST', '/contexts', { body: contextBody(ctxId) });
  await stack.call('POST', '/mailboxes', {
    body: mailboxBody(uuid(), ctxId, profile, { login: 'erin', email: 'erin@x.example', displayName: 'Erin' }),
  });

  const dupId = uuid();
  const dupBody = mailboxBody(dupId, ctxId, profile, { login: 'erin2', email: 'erin2@x.example', displayName: 'Erin' });
  const dup = await stack.call('POST', '/mailboxes', { body: dupBody });
  t.equal(dup.status, 409);
  t.equal(dup.json.error, 'OxDisplayNameTaken');
  t.match(dup.json.message, /com\.openexchange\.user\.enforceUniqueDisplayName=false/);
  const failed = await stack.endpoint.ledger.getResource(stack.instanceId, dupId);
  t.equal(failed?.state, 'failed', 'the ledger shows the failure');
  t.match(failed?.lastError, /display name "Erin"/);
  stack.sim.model.options.enforceUniqueDisplayName = false; // the provider fixes OX as the message says
  const fixed = await stack.call('POST', '/mailboxes', { body: dupBody });
  t.equal(fixed.status, 200, 'the controller retries the task: it goes through');
  t.equal((await stack.endpoint.ledger.getResource(stack.instanceId, dupId))?.state, 'ready');
  stack.sim.model.options.enforceUniqueDisplayName = true;

  const mail = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(uuid(), ctxId, profile, { login: 'erin3', email: 'erin@x.example', displayName: 'Erin 3' }),
  });
  t.equal(mail.status, 409);
  t.match(mail.json.message, /e-mail address "erin@x.example"/);

  const combo = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(uuid(), ctxId, badProfile, { login: 'fred', email: 'fred@x.example', displayName: 'Fred' }),
  });
  t.equal(combo.status, 400);
  t.match(combo.json.message, /no access combination "gold_plus"/);

  const unknownCtx = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(uuid(), uuid(), profile, { login: 'g', email: 'g@x.example' }),
  });
  t.equal(unknownCtx.status, 404);
  t.match(unknownCtx.json.message, /Unknown contexts resource/);

  const calls = stack.sim.count();
  const invalid = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(uuid(), ctxId, profile, { login: 'bad login!' }),
  });
  t.equal(invalid.status, 400);
  t.equal(stack.sim.count(), calls, 'no OX call for an invalid body');

  // Wrong master password: the instance is refused with a message naming the setting.
  const wrong = await stack.createInstance({ masterPassword: 'not-the-password' });
  t.equal(wrong.status, 502);
  t.match(wrong.json.message, /check masterLogin and masterPassword/);
});

t.test('OX unreachable at instance creation does not block it', async (t) => {
  const stack = await startStack(t);
  const res = await stack.createInstance({ oxSoapUrl: 'http://127.0.0.1:9/webservices/' });
  t.equal(res.status, 200);
  const ready = await stack.call('GET', '/readyz');
  t.match(ready.json.instances[0].lastOxError, /OX did not answer/);
});

t.test('mobilityMode included: every mailbox has ActiveSync, no add-on is sold', async (t) => {
  const stack = await startStack(t, { settings: { mobilityMode: 'included' } });
  const { profile, ctx: ctxId } = await stack.withContext();
  const id = uuid();
  await stack.call('POST', '/mailboxes', {
    body: mailboxBody(id, ctxId, profile, { login: 'hank', email: 'hank@x.example', displayName: 'Hank' }),
  });
  t.equal(oxUser(stack, 100, 'hank')!.access.activeSync, true);
  const calls = stack.sim.count();
  const mob = uuid();
  t.equal(
    (await stack.call('POST', '/mobility', { body: { aps: { id: mob }, mailbox: { aps: { id } } } })).status,
    409,
  );
  t.equal((await stack.call('DELETE', `/mobility/${mob}`)).status, 204, 'deleting the refused add-on succeeds');
  t.equal(oxUser(stack, 100, 'hank')!.access.activeSync, true);
  t.equal(stack.sim.count(), calls, 'no OX calls for the add-on');
});

t.test('context ids OX reports taken are skipped', async (t) => {
  const stack = await startStack(t);
  await stack.createInstance();
  const model = stack.sim.model;
  model.createContext(
    { id: 100, name: 'foreign', maxQuota: 1 },
    { name: 'a', display_name: 'a', password: 'p', given_name: 'a', sur_name: 'a', primaryEmail: 'a@f.example' },
    model.minimalAccess(),
  );
  const res = await stack.call('POST', '/contexts', { body: contextBody(uuid()) });
  t.equal(res.status, 200);
  t.equal(res.json.contextId, 101);
  const upgrade = await stack.call('POST', `/app/${stack.instanceId}/upgrade?version=0.9-1`);
  t.equal(upgrade.status, 200);
  t.ok(upgrade.json.migrated >= 0);
  const entry = await stack.call('GET', `/app/${stack.instanceId}/publicUrl`);
  t.equal(entry.json.url, `${stack.sim.url}/appsuite/`, 'the public entry point to OX');
  const link = await stack.call('POST', `/app/${stack.instanceId}/contexts`, { body: { aps: { id: uuid() } } });
  t.equal(link.status, 200, 'link notifications are acknowledged');
  t.same(link.json, {});
});

t.test('an unlimited or absent disk space limit reports the quota OX enforces', async (t) => {
  const stack = await startStack(t);
  await stack.createInstance({ defaultQuotaMb: 750 });
  for (const [label, diskspace] of [
    ['unlimited', { limit: -1 }],
    ['no limit', {}],
    ['null', { limit: null }],
  ] as const) {
    const id = uuid();
    const res = await stack.call('POST', '/contexts', { body: contextBody(id, { diskspace }) });
    t.equal(res.status, 200, `${label}: ${res.json?.message ?? ''}`);
    const oxQuota = stack.sim.model.contexts.get(res.json.contextId as number)!.maxQuota;
    t.equal(oxQuota, 750, `${label}: OX enforces defaultQuotaMb`);
    t.equal(res.json.diskspace.limit, oxQuota, `${label}: the answer reports it`);
    t.equal((await stack.call('GET', `/contexts/${id}`)).json.diskspace.limit, oxQuota, `${label}: so does every poll`);
  }
});
