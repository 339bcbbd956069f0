// Plans that differ: the context's time zone, language and theme as activation parameters of a
// resource type, provisioned through the controller as a subscription to each plan; the mailboxes
// of a context take its time zone and language unless they name their own.
import t from 'tap';
import { mailboxBody, profileBody, startStack, uuid } from '../../helper.js';

t.test('two plans with different time zones, languages and themes create contexts that differ', async (t) => {
  const stack = await startStack(t);
  await stack.createInstance({ defaultTimezone: 'Europe/Berlin', defaultLanguage: 'de_DE' });
  const rts = stack.controller.resourceTypes;
  rts.set('ox-us', {
    service: 'contexts',
    activationParameters: { timezone: 'America/New_York', language: 'en_US', theme: 'blue' },
  });
  rts.set('ox-nl', { service: 'contexts', activationParameters: { timezone: 'Europe/Amsterdam', language: 'nl_NL' } });
  const us = await stack.controller.buyPlan(stack.url, stack.instanceId, 'ox-us', { diskspace: { limit: 1024 } });
  const nl = await stack.controller.buyPlan(stack.url, stack.instanceId, 'ox-nl', { diskspace: { limit: 2048 } });
  for (const s of [us, nl]) t.equal(s.answer.status, 200, s.answer.json?.message);

  const oxContext = async (id: string) => {
    const rec = await stack.endpoint.ledger.getResource(stack.instanceId, id);
    return stack.sim.model.contexts.get(rec!.oxContextId!)!;
  };
  const admin = async (id: string) => [...(await oxContext(id)).users.values()].find((u) => u.contextadmin)!;
  t.equal((await admin(us.id)).fields.timezone, 'America/New_York', "plan US: its administrator's time zone");
  t.equal((await admin(us.id)).fields.language, 'en_US');
  t.same((await oxContext(us.id)).userAttributes, { config: { 'io.ox/core//theme': 'blue' } }, 'and its theme');
  t.equal((await admin(nl.id)).fields.timezone, 'Europe/Amsterdam', 'plan NL: another time zone');
  t.equal((await admin(nl.id)).fields.language, 'nl_NL');
  t.equal((await oxContext(nl.id)).maxQuota, 2048, "each with its plan's disk space");

  // Mailboxes take their context's settings (the instance's defaults come last).
  const profile = uuid();
  t.equal((await stack.call('POST', '/profiles', { body: profileBody(profile) })).status, 200);
  const mailboxes: Record<string, string> = {};
  for (const [name, ctx] of [
    ['ann', us.id],
    ['bas', nl.id],
  ] as const) {
    const res = await stack.call('POST', '/mailboxes', {
      body: mailboxBody(uuid(), ctx, profile, { login: name, email: `${name}@x.example`, displayName: name }),
    });
    t.equal(res.status, 200, res.json?.message);
    mailboxes[name] = ctx;
  }
  const user = async (ctx: string, name: string) =>
    [...(await oxContext(ctx)).users.values()].find((u) => u.name === name)!;
  t.equal((await user(us.id, 'ann')).fields.timezone, 'America/New_York');
  t.equal((await user(nl.id, 'bas')).fields.timezone, 'Europe/Amsterdam');
  t.equal((await user(nl.id, 'bas')).fields.language, 'nl_NL');

  // A bad activation parameter is refused at provisioning, with a message the provider can act on.
  rts.set('ox-bad', { service: 'contexts', activationParameters: { timezone: 'Mars/Olympus' } });
  const bad = await stack.controller.buyPlan(stack.url, stack.instanceId, 'ox-bad');
  t.equal(bad.answer.status, 400);
  t.match(bad.answer.json.message, /timezone/);
});
