// An upgrade moves the controller's resources from older minor versions of our types to the
// current ones: paged, only what is still on an old id, nothing twice.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { ControllerClients } from '../../../app/aps/controller-client.js';
import { moveToCurrentTypes, olderTypeIds } from '../../../app/resources/app/type-upgrade.js';
import { TestController } from '../../../scripts/stand-ins/controller.js';
import { mailboxBody, startStack, uuid } from '../../helper.js';
import { until } from '../../support/until.js';

const MAILBOX_1_0 = 'http://ox-connector.org/aps/mailboxes/1.0';
const MAILBOX_1_1 = 'http://ox-connector.org/aps/mailboxes/1.1';

const BASE = 'http://ox-connector.org/aps/contexts';

t.test('older ids of a type: the lower minors of its major', async (t) => {
  t.same(olderTypeIds(`${BASE}/1.2`), [`${BASE}/1.0`, `${BASE}/1.1`]);
  t.same(olderTypeIds(`${BASE}/1.0`), []);
  t.same(olderTypeIds('not-a-type-id'), []);
});

t.test('resources on older versions move, in pages, once', async (t) => {
  const controller = await new TestController().start();
  t.teardown(() => controller.stop());
  const seed = (type: string, n: number) => {
    for (let i = 0; i < n; i++) controller.resources.set(randomUUID(), { aps: { type }, contextId: i });
  };
  seed(`${BASE}/1.0`, 1500); // two pages
  seed(`${BASE}/1.1`, 20);
  seed(`${BASE}/1.2`, 5); // current already
  seed('http://ox-connector.org/aps/mailboxes/1.0', 7); // another type, current
  const inst = controller.newInstance();
  const clients = new ControllerClients({ timeoutMs: 5000, log: pino({ level: 'silent' }) });
  t.teardown(() => clients.close());
  const client = clients.for({
    instanceId: inst.id,
    controllerUri: controller.uri,
    cert: inst.cert.cert,
    key: inst.cert.key,
  });
  const currentIds = [`${BASE}/1.2`, 'http://ox-connector.org/aps/mailboxes/1.0'];

  const moved = await moveToCurrentTypes(client, currentIds);
  t.same(moved, { [`${BASE}/1.2`]: 1520 });
  const types = [...controller.resources.values()].map((r) => (r.aps as { type: string }).type);
  t.equal(types.filter((x) => x === `${BASE}/1.2`).length, 1525, 'every context resource is on 1.2');
  t.equal(types.filter((x) => x.includes('mailboxes')).length, 7, 'other types untouched');
  t.equal(controller.updates.length, 1520, 'one PUT per moved resource');
  t.ok(
    controller.updates.every((u) => JSON.stringify(u.patch) === JSON.stringify({ aps: { type: `${BASE}/1.2` } })),
    'each PUT changes the type only',
  );
  const pages = controller.received.filter((r) => r.method === 'GET' && r.url.includes('implementing'));
  t.same(
    pages.map((r) => decodeURIComponent(r.url).replace(/^.*limit/, 'limit')),
    ['limit(0,1000)', 'limit(1000,1000)', 'limit(0,1000)'],
    'pages of 1,000',
  );

  t.same(await moveToCurrentTypes(client, currentIds), {}, 'run again: nothing left to move');
  t.equal(controller.updates.length, 1520);
});

/** No background job waiting or running: each upgrade and rule change queues one. */
const jobsDone = (stack: Awaited<ReturnType<typeof startStack>>) => async () =>
  (await stack.endpoint.ledger.listJobs({ states: ['waiting', 'running'] })).length === 0;

t.test('an upgrade moves 1.0 mailboxes to the user-service 1.1 and writes the facts the panel reads', async (t) => {
  const stack = await startStack(t);
  const { ctx, profile } = await stack.withContext();
  const id = uuid();
  const made = await stack.call('POST', '/mailboxes', {
    body: mailboxBody(id, ctx, profile, { login: 'uma', email: 'uma@x.example', displayName: 'Uma' }),
  });
  t.match(made.json, { aps: { type: MAILBOX_1_1 }, passwordState: 'generated', adminMayOpen: false });
  // As the controller held it before the upgrade: on 1.0, with its links, without the new facts.
  const held = {
    aps: { type: MAILBOX_1_0 },
    login: 'uma',
    context: { aps: { id: ctx } },
    user: { aps: { id: uuid() } },
  };
  stack.controller.resources.set(id, held);

  const upgrade = await stack.call('POST', `/app/${stack.instanceId}/upgrade?version=1.0-1`);
  t.equal(upgrade.status, 200, upgrade.text);
  t.same(upgrade.json.moved, { [MAILBOX_1_1]: 1 }, 'the 1.0 mailbox moves to 1.1');
  t.ok(await until(() => 'passwordState' in held), 'a background job writes the facts');
  t.match(held, {
    aps: { type: MAILBOX_1_1 },
    passwordState: 'generated',
    adminMayOpen: false,
    context: { aps: { id: ctx } },
  });
  t.same(
    await stack.call('POST', `/app/${stack.instanceId}/upgrade?version=1.1-1`).then((r) => r.json.moved),
    {},
    'run again: nothing left to move',
  );

  t.ok(await until(jobsDone(stack)), "the second upgrade's job has run");
  const updates = stack.controller.updates.length;
  const put = await stack.call('PUT', `/app/${stack.instanceId}`, { body: { adminMailboxLogin: true } });
  t.equal(put.status, 200, put.text);
  t.ok(await until(() => (held as Record<string, unknown>).adminMayOpen === true), 'the new rule reaches the mailbox');
  t.ok(await until(jobsDone(stack)), "the rule change's job has run");
  const again = stack.controller.updates.length;
  t.ok(again > updates);
  await stack.call('PUT', `/app/${stack.instanceId}`, { body: { adminMailboxLogin: true, defaultTheme: 'dark' } });
  await new Promise((r) => setTimeout(r, 300));
  t.ok(await until(jobsDone(stack)));
  t.equal(stack.controller.updates.length, again, 'another setting changes no mailbox');
  t.equal((await stack.call('GET', `/mailboxes/${id}`)).json.adminMayOpen, true, 'the endpoint answers the same');
});
