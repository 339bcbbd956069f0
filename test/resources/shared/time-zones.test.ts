// One list of the time zones OX accepts (Java's ids, aliases included), checked wherever a zone
// comes in, and served to the panel.
import t from 'tap';
import { contextBody, mailboxBody, startStack, uuid } from '../../helper.js';

t.test('zones OX knows pass everywhere; others are refused before OX sees them', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const app = `/app/${stack.instanceId}`;
  for (const zone of [
    'Asia/Kolkata',
    'Asia/Calcutta',
    'Europe/Kyiv',
    'Etc/UTC',
    'UTC',
    'America/Argentina/Buenos_Aires',
  ]) {
    const res = await stack.call('PUT', app, { body: { aps: { id: stack.instanceId }, defaultTimezone: zone } });
    t.equal(res.status, 200, `defaultTimezone ${zone}`);
  }
  const zoned = uuid();
  t.equal(
    (await stack.call('POST', '/contexts', { body: contextBody(zoned, { timezone: 'Europe/Kyiv' }) })).status,
    200,
    'a context in Europe/Kyiv',
  );
  const mb = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(uuid(), ctx, profile, {
      login: 'ravi',
      email: 'ravi@x.example',
      displayName: 'Ravi',
      timezone: 'Asia/Kolkata',
    }),
  });
  t.equal(mb.status, 200, 'a mailbox in Asia/Kolkata');
  const ravi = [...stack.sim.model.contexts.get(100)!.users.values()].find((u) => u.name === 'ravi')!;
  t.equal(ravi.fields.timezone, 'Asia/Kolkata', 'OX got the zone as given');

  const contextsBefore = stack.sim.model.contexts.size;
  const calls = stack.sim.count();
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['PUT', app, { aps: { id: stack.instanceId }, defaultTimezone: 'Mars/Olympus' }],
    ['POST', '/contexts', contextBody(uuid(), { timezone: 'Mars/Olympus' })],
    ['PUT', `/contexts/${ctx}`, contextBody(ctx, { timezone: 'Mars/Olympus' })],
    [
      'POST',
      '/mailboxes',
      mailboxBody(uuid(), ctx, profile, {
        login: 'zed',
        email: 'zed@x.example',
        displayName: 'Zed',
        timezone: 'Mars/Olympus',
      }),
    ],
  ];
  for (const [method, path, body] of cases) {
    const res = await stack.call(method, path, { body });
    t.equal(res.status, 400, `${method} ${path}: 400`);
    t.equal(res.json.error, 'InvalidTimeZone');
    t.match(res.json.message, /"Mars\/Olympus" is not a time zone OX knows/);
  }
  t.equal(stack.sim.model.contexts.size, contextsBefore, 'no context made');
  t.notOk(
    [...stack.sim.model.contexts.get(100)!.users.values()].some((u) => u.name === 'zed'),
    'no user made',
  );
  t.equal(stack.sim.count(), calls, 'OX was not called');
  t.equal(
    (await stack.endpoint.ledger.getInstance(stack.instanceId))?.settings.defaultTimezone,
    'America/Argentina/Buenos_Aires',
    'the setting kept its last valid value',
  );
});

t.test('the panel gets the list', async (t) => {
  const stack = await startStack(t);
  await stack.createInstance();
  const res = await stack.call('GET', `/app/${stack.instanceId}/timezones`);
  t.equal(res.status, 200);
  const zones = res.json.timezones as string[];
  t.ok(zones.length > 600, `${zones.length} zones`);
  for (const z of ['Asia/Kolkata', 'Asia/Calcutta', 'Europe/Kyiv', 'Europe/Kiev', 'Etc/UTC', 'UTC', 'Europe/Berlin'])
    t.ok(zones.includes(z), z);
  t.notOk(zones.includes('Mars/Olympus'));
});
