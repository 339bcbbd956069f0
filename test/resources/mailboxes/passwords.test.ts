// Passwords: tiers deny editPassword unless the provider allows it on purpose (a password changed
// inside OX breaks one-click login); the panel sets new ones (OX and the ledger in one step); a
// generated password can be revealed once.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import type { ApsCall } from '../../../app/aps/types.js';
import { SecretBox } from '../../../app/util/secret-box.js';
import { mailboxBody, profileBody, startStack, uuid, type Stack } from '../../helper.js';

const user = (stack: Stack, login: string) =>
  [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.name === login)!;

async function oxAccepts(stack: Stack, login: string, password: string): Promise<boolean> {
  const res = await fetch(`${stack.sim.url}/ajax/login?action=formlogin&authId=${randomUUID()}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      login: `${login}@100`,
      password,
      client: 'open-xchange-appsuite',
      version: 'test',
    }).toString(),
  });
  await res.arrayBuffer();
  return res.status === 302;
}

t.test('tiers grant editPassword only on purpose', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext(); // webmail: OX's combination includes editpassword
  const tiers = {
    allowed: uuid(),
    explicit: uuid(),
    explicitWithout: uuid(),
  };
  await stack.call('POST', '/profiles', {
    body: profileBody(tiers.allowed, { title: 'Webmail (own passwords)', allowPasswordChange: true }),
  });
  await stack.call('POST', '/profiles', {
    body: profileBody(tiers.explicit, {
      title: 'Explicit',
      accessCombination: undefined,
      moduleAccess: ['webmail', 'contacts', 'editPassword'],
    }),
  });
  await stack.call('POST', '/profiles', {
    body: profileBody(tiers.explicitWithout, {
      title: 'Explicit without',
      accessCombination: undefined,
      moduleAccess: ['webmail', 'contacts'],
    }),
  });
  const cases: Array<[string, string, boolean]> = [
    ['first', profile, false],
    ['second', profile, false],
    ['allowed', tiers.allowed, true],
    ['explicit', tiers.explicit, true],
    ['without', tiers.explicitWithout, false],
  ];
  for (const [login, tier, expected] of cases) {
    const res = await stack.call('POST', '/mailboxes', {
      body: mailboxBody(uuid(), ctx, tier, { login, email: `${login}@x.example`, displayName: login }),
    });
    t.equal(res.status, 200, res.json?.message);
    t.equal(user(stack, login).access.editPassword, expected, `${login}: editPassword ${expected}`);
    t.equal(user(stack, login).access.webmail, true, `${login}: the rest of the tier is there`);
  }
  const learned = (await stack.endpoint.ledger.getResource(stack.instanceId, profile))!.props.combinationFlags;
  t.ok(learned, 'the webmail combination was learned from OX');
  t.notOk('combinationFlags' in (await stack.call('GET', `/profiles/${profile}`)).json, "and stays the endpoint's own");
});

t.test('the panel sets a new password: OX and the ledger; a generated one is revealed once', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const id = uuid();
  const body = mailboxBody(id, ctx, profile, { login: 'gus', email: 'gus@x.example', displayName: 'Gus' });
  t.equal((await stack.call('POST', '/mailboxes', { body })).status, 200);
  const revealed = await stack.call('POST', `/mailboxes/${id}/revealPassword`);
  t.equal(revealed.status, 200);
  t.equal(revealed.json.login, 'gus');
  stack.secrets.add(revealed.json.password as string);
  t.ok(await oxAccepts(stack, 'gus', revealed.json.password as string), 'the revealed password logs in to OX');
  const again = await stack.call('POST', `/mailboxes/${id}/revealPassword`);
  t.equal(again.status, 409, 'only once');
  t.equal(again.json.error, 'PasswordNotRevealable');
  t.notOk(again.text.includes(revealed.json.password as string));

  // Two panels (or a double click) at once: one of them sees the password. The service is called
  // twice in the same tick, so both read the record before either writes.
  const hal = uuid();
  t.equal(
    (
      await stack.call('POST', '/mailboxes', {
        body: mailboxBody(hal, ctx, profile, { login: 'hal', email: 'hal@x.example', displayName: 'Hal' }),
      })
    ).status,
    200,
  );
  const reveal = stack.endpoint.apsServices.mailboxes.operations?.revealPassword;
  const call: ApsCall = {
    service: 'mailboxes',
    operation: 'custom',
    name: 'revealPassword',
    resourceId: hal,
    instanceId: stack.instanceId,
    body: {},
    query: {},
    params: {},
    transactionId: uuid(),
    phase: 'sync',
    controllerUri: 'https://controller.invalid/',
    log: stack.endpoint.log,
  };
  const both = await Promise.allSettled([reveal!(call), reveal!(call)]);
  for (const r of both) if (r.status === 'fulfilled') stack.secrets.add(String(r.value?.password));
  t.same(both.map((r) => r.status).sort(), ['fulfilled', 'rejected'], 'revealed once');
  t.match(
    both.find((r) => r.status === 'rejected'),
    { reason: { status: 409, error: 'PasswordNotRevealable' } },
  );

  const next = 'Gus-New-Pass-77';
  stack.secrets.add(next);
  t.equal((await stack.call('PUT', `/mailboxes/${id}`, { body: { ...body, password: next } })).status, 200);
  t.ok(await oxAccepts(stack, 'gus', next), 'OX has the new password');
  t.equal(
    (await stack.endpoint.ledger.getResource(stack.instanceId, id))?.secrets.password,
    next,
    "the ledger's copy is the new one",
  );
  t.equal(
    (await stack.call('POST', `/mailboxes/${id}/revealPassword`)).status,
    409,
    'a password the panel set is not revealed',
  );
  t.notOk(stack.logText().includes(next), 'no password in the log');
});

t.test(
  "a mailbox provision decrypts only the secret it sends to OX (the context administrator's password)",
  async (t) => {
    const stack = await startStack(t);
    const { ctx, profile } = await stack.withContext();
    const provision = (login: string) =>
      stack.call('POST', '/mailboxes', {
        body: mailboxBody(uuid(), ctx, profile, {
          login,
          email: `${login}@x.example`,
          displayName: login,
          password: `Pw-${login}-1x`,
        }),
      });
    t.equal((await provision('first')).status, 200, 'the first one loads the instance (its master password)');
    const opened: string[] = [];
    const openJson = SecretBox.prototype.openJson;
    t.teardown(() => void (SecretBox.prototype.openJson = openJson));
    SecretBox.prototype.openJson = function <T>(this: SecretBox, sealed: string | null | undefined, fallback: T): T {
      const value = openJson.call(this, sealed, fallback);
      opened.push(Object.keys(value ?? {}).join(','));
      return value as T; // what the original returned for this T
    };
    t.equal((await provision('second')).status, 200);
    t.same(opened, ['adminPassword'], "the new mailbox's own password is sealed, never opened again");
  },
);
