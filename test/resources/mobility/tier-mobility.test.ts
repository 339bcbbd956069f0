// Mobility that comes with the tier: counted, never stripped by a tier re-apply or by removing an
// add-on; a tier without it still follows the add-on.
import t from 'tap';
import { mailboxBody, profileBody, startStack, uuid, type Stack } from '../../helper.js';

const user = (stack: Stack, login: string) =>
  [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.name === login)!;

async function settled(stack: Stack, check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  return check();
}

for (const [label, tier] of [
  ['a combination that grants mobility', { accessCombination: 'groupware_premium' }],
  [
    'explicit rights with USM and ActiveSync',
    { accessCombination: undefined, moduleAccess: ['webmail', 'contacts', 'calendar', 'USM', 'activeSync'] },
  ],
] as const) {
  t.test(`${label}: on in OX, counted, kept by re-applies and add-on changes`, async (t) => {
    const stack = await startStack(t);
    const { ctx } = await stack.withContext();
    const premium = uuid();
    await stack.call('POST', '/profiles', { body: profileBody(premium, { title: 'Premium', ...tier }) });
    const id = uuid();
    const made = await stack.call('POST', '/mailboxes', {
      body: mailboxBody(id, ctx, premium, { login: 'pia', email: 'pia@x.example', displayName: 'Pia' }),
    });
    t.equal(made.status, 200, made.json?.message);
    t.equal(user(stack, 'pia').access.activeSync, true, 'OX has ActiveSync from the tier');
    t.equal(made.json.mobilityEnabled, true, 'the mailbox says so');
    t.equal(
      (await stack.call('GET', `/contexts/${ctx}`)).json.mobilityCount.usage,
      1,
      'the mobility counter counts it',
    );

    t.equal(
      (
        await stack.call('PUT', `/profiles/${premium}`, {
          body: profileBody(premium, { title: 'Premium plus', ...tier, uploadFileSizeLimit: 50 }),
        })
      ).status,
      200,
    );
    t.ok(
      await settled(
        stack,
        () =>
          user(stack, 'pia').fields.uploadFileSizeLimit !== undefined &&
          user(stack, 'pia').fields.uploadFileSizeLimit !== 0,
      ),
      'the tier re-apply ran',
    );
    t.equal(user(stack, 'pia').access.activeSync, true, 'a tier re-apply does not strip it');
    t.equal(user(stack, 'pia').access.USM, true);

    const calls = stack.sim.count();
    const refused = await stack.call('POST', '/mobility', { body: { aps: { id: uuid() }, mailbox: { aps: { id } } } });
    t.equal(refused.status, 409, 'an add-on on a tier with mobility is refused');
    t.equal(refused.json.error, 'MobilityIncluded');
    t.match(refused.json.message, /needs no mobility add-on: its tier "Premium plus" includes mobility/);
    t.equal(stack.sim.count(), calls, 'OX was not asked');
    t.equal((await stack.call('GET', `/contexts/${ctx}`)).json.mobilityCount.usage, 1, 'still counted once');
  });
}

t.test('a tier without mobility follows the add-on', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const id = uuid();
  t.equal(
    (
      await stack.call('POST', '/mailboxes', {
        body: mailboxBody(id, ctx, profile, { login: 'walt', email: 'walt@x.example', displayName: 'Walt' }),
      })
    ).status,
    200,
  );
  t.equal(user(stack, 'walt').access.activeSync, false);
  t.equal((await stack.call('GET', `/contexts/${ctx}`)).json.mobilityCount.usage, 0);
  const addon = uuid();
  t.equal(
    (await stack.call('POST', '/mobility', { body: { aps: { id: addon }, mailbox: { aps: { id } } } })).status,
    200,
  );
  t.equal(user(stack, 'walt').access.activeSync, true, 'the add-on turns it on');
  t.equal((await stack.call('GET', `/contexts/${ctx}`)).json.mobilityCount.usage, 1);
  t.equal((await stack.call('DELETE', `/mobility/${addon}`)).status, 204);
  t.equal(user(stack, 'walt').access.activeSync, false, 'and off again');
  t.equal((await stack.call('GET', `/contexts/${ctx}`)).json.mobilityCount.usage, 0);
});

t.test('an add-on bought before a tier with mobility: a repeat answers it, removing it keeps the tier', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const id = uuid();
  await stack.call('POST', '/mailboxes', {
    body: mailboxBody(id, ctx, profile, { login: 'ida', email: 'ida@x.example', displayName: 'Ida' }),
  });
  const addon = { aps: { id: uuid() }, mailbox: { aps: { id } } };
  t.equal((await stack.call('POST', '/mobility', { body: addon })).status, 200);
  const premium = uuid();
  await stack.call('POST', '/profiles', {
    body: profileBody(premium, {
      title: 'Premium',
      accessCombination: undefined,
      moduleAccess: ['webmail', 'USM', 'activeSync'],
    }),
  });
  const moved = await stack.call('PUT', `/mailboxes/${id}`, { body: { profile: { aps: { id: premium } } } });
  t.equal(moved.status, 200, moved.text);
  t.equal((await stack.call('POST', '/mobility', { body: addon })).status, 200, 'the controller repeating its POST');
  t.equal((await stack.call('DELETE', `/mobility/${addon.aps.id}`)).status, 204);
  t.equal(user(stack, 'ida').access.activeSync, true, "removing the add-on keeps the tier's mobility");
  t.equal((await stack.call('GET', `/contexts/${ctx}`)).json.mobilityCount.usage, 1);
});

t.test('with mobilityMode=included no add-on is sold', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext({ mobilityMode: 'included' });
  const id = uuid();
  await stack.call('POST', '/mailboxes', {
    body: mailboxBody(id, ctx, profile, { login: 'ola', email: 'ola@x.example', displayName: 'Ola' }),
  });
  const refused = await stack.call('POST', '/mobility', { body: { aps: { id: uuid() }, mailbox: { aps: { id } } } });
  t.equal(refused.status, 409);
  t.match(refused.json.message, /every mailbox of this installation includes mobility/);
  t.equal((await stack.call('GET', `/contexts/${ctx}`)).json.mobilityCount.usage, 1, 'the mailbox counted once');
});
