// One controller may serve several application instances with the same certificate: a resource
// id of one instance means nothing to another. Every request naming a foreign id is refused and
// changes nothing, in OX or in either instance's ledger.
import t from 'tap';
import { contextBody, mailboxBody, profileBody, startStack, uuid } from '../helper.js';

t.test("instance B cannot read, change or delete instance A's resources", async (t) => {
  const stack = await startStack(t);
  const a = await stack.withContext();
  const instanceA = stack.instanceId;
  const mbxA = uuid();
  const mbxABody = mailboxBody(mbxA, a.ctx, a.profile, {
    login: 'alice',
    email: 'alice@a.example',
    displayName: 'Alice A',
  });
  t.equal((await stack.call('POST', '/mailboxes', { body: mbxABody })).status, 200);
  const mobA = uuid();
  t.equal(
    (await stack.call('POST', '/mobility', { body: { aps: { id: mobA }, mailbox: { aps: { id: mbxA } } } })).status,
    200,
  );

  const b = await stack.withContext();
  const instanceB = stack.instanceId;
  t.not(instanceB, instanceA);
  const ctxABody = contextBody(a.ctx);
  const snapshot = JSON.stringify(stack.sim.snapshot());
  const rows = async (instanceId: string) =>
    JSON.stringify((await stack.endpoint.ledger.listResources({ instanceId })).map(({ updatedAt: _u, ...r }) => r));
  const ledgerA = await rows(instanceA);
  const ledgerB = await rows(instanceB);

  const foreign: Array<[string, string, unknown]> = [
    ['GET', `/contexts/${a.ctx}`, undefined],
    ['PUT', `/contexts/${a.ctx}`, { ...ctxABody, diskspace: { limit: 1 } }],
    ['PUT', `/contexts/${a.ctx}/disable`, undefined],
    ['PUT', `/contexts/${a.ctx}/enable`, undefined],
    ['GET', `/contexts/${a.ctx}/adminLogin`, undefined],
    ['DELETE', `/contexts/${a.ctx}`, undefined],
    ['GET', `/mailboxes/${mbxA}`, undefined],
    ['PUT', `/mailboxes/${mbxA}`, { ...mbxABody, displayName: 'Hijacked', password: 'Hijacked-Pass-1' }],
    ['PUT', `/mailboxes/${mbxA}/disable`, undefined],
    ['GET', `/mailboxes/${mbxA}/login`, undefined],
    ['DELETE', `/mailboxes/${mbxA}`, undefined],
    ['GET', `/mobility/${mobA}`, undefined],
    ['DELETE', `/mobility/${mobA}`, undefined],
    ['GET', `/profiles/${a.profile}`, undefined],
    ['PUT', `/profiles/${a.profile}`, profileBody(a.profile, { title: 'Hijacked' })],
    ['DELETE', `/profiles/${a.profile}`, undefined],
    ['POST', '/mailboxes', mailboxBody(uuid(), a.ctx, b.profile, { login: 'mallory', email: 'm@b.example' })],
    ['POST', '/mobility', { aps: { id: uuid() }, mailbox: { aps: { id: mbxA } } }],
    ['PUT', `/app/${instanceA}`, { masterPassword: 'Hijacked-Pass-2' }],
    ['GET', `/app/${instanceA}/testConnection`, undefined],
    ['DELETE', `/app/${instanceA}`, undefined],
  ];
  for (const [method, path, body] of foreign) {
    const res = await stack.call(method, path, { body });
    t.equal(res.status, 404, `${method} ${path} of another instance: 404`);
    t.notMatch(res.text, /alice|Alice A/, 'nothing of A in the answer');
  }
  // Creating a resource under an id that another instance holds is refused without revealing it.
  for (const [path, body] of [
    ['/contexts', ctxABody],
    ['/mailboxes', { ...mbxABody, context: { aps: { id: b.ctx } }, profile: { aps: { id: b.profile } } }],
    ['/profiles', profileBody(a.profile)],
    ['/mobility', { aps: { id: mobA }, mailbox: { aps: { id: mbxA } } }],
  ] as const) {
    const res = await stack.call('POST', path, { body });
    t.ok(res.status === 409 || res.status === 404, `POST ${path} with an id of another instance: ${res.status}`);
    t.notMatch(res.text, /alice|Alice A|"contextId"/, 'nothing of A in the answer');
  }
  t.equal(JSON.stringify(stack.sim.snapshot()), snapshot, 'OX unchanged');
  t.equal(await rows(instanceA), ledgerA, "instance A's ledger unchanged");
  t.equal(await rows(instanceB), ledgerB, "instance B's ledger unchanged");

  // A's controller still has everything.
  stack.instanceId = instanceA;
  const ctxA = await stack.call('GET', `/contexts/${a.ctx}`);
  t.equal(ctxA.status, 200);
  t.same(ctxA.json.mailboxCount.usage, 1);
  t.equal((await stack.call('GET', `/mailboxes/${mbxA}`)).json.login, 'alice');
});

t.test('a delete of an id no instance holds is still done (already gone)', async (t) => {
  const stack = await startStack(t);
  await stack.createInstance();
  for (const service of ['contexts', 'mailboxes', 'mobility', 'profiles']) {
    t.equal((await stack.call('DELETE', `/${service}/${uuid()}`)).status, 204, service);
  }
});
