// Internationalised domains and logins reach OX in punycode; with restrictMailDomains a mailbox's
// addresses stay in its subscription's domain.
import t from 'tap';
import { contextBody, mailboxBody, profileBody, startStack, uuid } from '../../helper.js';

t.test('IDN domain, login and addresses go to OX as punycode', async (t) => {
  const stack = await startStack(t);
  await stack.createInstance();
  const profile = uuid();
  await stack.call('POST', '/profiles', { body: profileBody(profile) });
  const ctx = uuid();
  const made = await stack.call('POST', '/contexts', { body: contextBody(ctx, { domain: 'Bücher.example' }) });
  t.equal(made.status, 200, made.json?.message);
  const oxCtx = stack.sim.model.contexts.get(100)!;
  t.ok(oxCtx.loginMappings.includes('xn--bcher-kva.example'), 'the login mapping is in punycode');
  t.equal(made.json.domain, 'xn--bcher-kva.example', 'the context shows what OX has');
  const body = mailboxBody(uuid(), ctx, profile, {
    login: 'joerg@Bücher.example',
    email: 'Joerg@bücher.example',
    displayName: 'Jörg',
    aliases: ['info@bücher.example'],
  });
  const mb = await stack.call('POST', '/mailboxes', { body });
  t.equal(mb.status, 200, mb.json?.message);
  const user = [...oxCtx.users.values()].find((u) => !u.contextadmin)!;
  t.equal(user.name, 'joerg@xn--bcher-kva.example', "login with a punycode domain (passes OX's default name check)");
  t.equal(user.primaryEmail, 'joerg@xn--bcher-kva.example');
  t.ok(user.aliases.includes('info@xn--bcher-kva.example'));
  t.equal(user.display_name, 'Jörg', 'display names stay as they are');

  const bad = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(uuid(), ctx, profile, { login: 'jörg', email: 'j2@bücher.example', displayName: 'J2' }),
  });
  t.equal(bad.status, 400, "a login OX's name check would refuse");
  t.equal(bad.json.error, 'InvalidAddress');
  t.match(bad.json.message, /punycode/);
});

t.test("restrictMailDomains: addresses only in the context's domain", async (t) => {
  const stack = await startStack(t);
  await stack.createInstance({ restrictMailDomains: true });
  const profile = uuid();
  await stack.call('POST', '/profiles', { body: profileBody(profile) });
  const ctx = uuid();
  await stack.call('POST', '/contexts', { body: contextBody(ctx, { domain: 'acme.example' }) });
  const ok = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(uuid(), ctx, profile, {
      login: 'ann',
      email: 'ann@acme.example',
      displayName: 'Ann',
      aliases: ['ann@sales.acme.example'],
    }),
  });
  t.equal(ok.status, 200, 'the domain and one below it');
  const calls = stack.sim.count();
  for (const [label, extra] of [
    ['e-mail', { email: 'bo@other.example' }],
    ['alias', { email: 'bo@acme.example', aliases: ['bo@other.example'] }],
  ] as const) {
    const res = await stack.call('POST', '/mailboxes', {
      body: mailboxBody(uuid(), ctx, profile, { login: `bo-${label}`, displayName: `Bo ${label}`, ...extra }),
    });
    t.equal(res.status, 400, `${label} outside the domain`);
    t.equal(res.json.error, 'MailDomainNotAllowed');
    t.match(res.json.message, /acme\.example.*restrictMailDomains/);
  }
  t.equal(stack.sim.count(), calls, 'OX was not called');
});
