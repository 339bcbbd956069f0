// Paths the happy flows never take: a permanent OX refusal after a 202, a poll after the job was
// pruned, a usage poll while OX is down, controller callbacks that fail in every way, the stored
// controller address following the controller, and the removal of an application instance.
import t from 'tap';
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextBody, mailboxBody, startStack, uuid } from '../helper.js';
import { TestCa } from '../../scripts/stand-ins/pki.js';

t.test(
  'a permanent OX refusal after a 202: the poll answers it with the message, the resource is failed',
  async (t) => {
    const stack = await startStack(t, { env: { SYNC_BUDGET_MS: '300' } });
    await stack.createInstance();
    const id = uuid();
    stack.sim.latencyMs = 700;
    stack.sim.failNext(1, {
      mode: 'fault',
      exceptionClass: 'InvalidDataException',
      message: 'No such filestore with id 99',
      operation: 'OXContextService.createModuleAccessByName',
    });
    const body = contextBody(id); // the controller polls with the same request
    const first = await stack.call('POST', '/contexts', { body });
    t.equal(first.status, 202, 'slower than the budget: 202');
    stack.sim.latencyMs = 0;
    const { final } = await stack.settle('POST', '/contexts', { body, phase: 'async' }, first);
    t.ok(final.status >= 400 && final.status < 500, `a client error on the poll (${final.status})`);
    t.match(final.json.message, /No such filestore with id 99/, 'with what OX said');
    const rec = await stack.endpoint.ledger.getResource(stack.instanceId, id);
    t.equal(rec?.state, 'failed', 'the resource is marked failed');
    t.match(rec?.lastError ?? '', /filestore/, 'with its reason');
    t.equal(stack.sim.model.contexts.size, 0, 'nothing was made in OX');
  },
);

t.test('a poll after its job was pruned answers from the resource, without a second context', async (t) => {
  const stack = await startStack(t, { env: { SYNC_BUDGET_MS: '300' } });
  await stack.createInstance();
  const id = uuid();
  stack.sim.latencyMs = 600;
  const body = contextBody(id);
  const first = await stack.call('POST', '/contexts', { body });
  t.equal(first.status, 202);
  stack.sim.latencyMs = 0;
  const done = await stack.settle('POST', '/contexts', { body, phase: 'async' }, first);
  t.equal(done.final.status, 200);
  t.ok((await stack.endpoint.ledger.pruneJobs(Date.now() + 1)) >= 1, 'the finished job is pruned');
  const late = await stack.call('POST', '/contexts', { body, phase: 'async' });
  t.equal(late.status, 200, 'the late poll still gets the resource');
  t.equal(late.json.contextId, done.final.json.contextId);
  t.equal(stack.sim.model.contexts.size, 1, 'one context in OX');
});

t.test('a usage poll while OX is down answers the last known figure', async (t) => {
  const stack = await startStack(t, { env: { USAGE_CACHE_SECONDS: '0', OX_TIMEOUT_MS: '500' } });
  const { ctx } = await stack.withContext();
  const oxId = (await stack.call('GET', `/contexts/${ctx}`)).json.contextId as number;
  stack.sim.model.contexts.get(oxId)!.usedQuota = 321;
  t.same(
    (await stack.call('GET', `/contexts/${ctx}`)).json.diskspace,
    { usage: 321, limit: 2048 },
    'fresh figure while OX is up',
  );
  for (const mode of ['reset', 'hang', 'http503'] as const) {
    stack.sim.failNext(1, { mode });
    const down = await stack.call('GET', `/contexts/${ctx}`);
    t.equal(down.status, 200, `${mode}: the poll does not fail`);
    t.same(down.json.diskspace, { usage: 321, limit: 2048 }, `${mode}: the last known usage`);
  }
  t.match(stack.logText(), /usage poll fell back to the cached figure/);
});

t.test('service-user lookups at the controller: 404, 5xx, timeout, not JSON', async (t) => {
  const stack = await startStack(t, { env: { SYNC_BUDGET_MS: '1500', CONTROLLER_TIMEOUT_MS: '400' } });
  const { profile, ctx } = await stack.withContext();
  const lookup = (id: string, userId = uuid()) => {
    stack.controller.resources.set(userId, {
      login: `u${id.slice(0, 6)}`,
      email: `u${id.slice(0, 6)}@x.example`,
      displayName: `User ${id.slice(0, 6)}`,
    });
    return { body: { ...mailboxBody(id, ctx, profile), user: { aps: { id: userId } } } };
  };

  const unknown = uuid();
  const missing = await stack.call('POST', '/mailboxes', { body: mailboxBody(unknown, ctx, profile) });
  t.equal(missing.status, 502, 'a service user the controller does not know: 502');
  t.match(missing.json.message, /APS controller answered GET \/aps\/2\/resources\/[0-9a-f-]+ with HTTP 404/);

  for (const trouble of ['500', 'hang', 'not-json'] as const) {
    const id = uuid();
    stack.controller.misbehave.push(trouble);
    const first = await stack.call('POST', '/mailboxes', lookup(id));
    if (trouble === 'not-json') {
      t.equal(first.status, 502, 'a body that is not JSON: 502');
      t.match(first.json.message, /not JSON/);
      const again = await stack.call('POST', '/mailboxes', lookup(id));
      t.equal(again.status, 200, "the controller's repeat succeeds");
      continue;
    }
    t.equal(first.status, 202, `${trouble}: the controller may recover: 202`);
    t.match(String(first.headers['aps-info']), /controller/i, `${trouble}: APS-Info names the controller`);
    const { final } = await stack.settle('POST', '/mailboxes', { ...lookup(id), phase: 'async' }, first);
    t.equal(final.status, 200, `${trouble}: then the mailbox is made`);
  }
  const users = [...stack.sim.model.contexts.values()][0].users.size;
  t.equal(users, 1 + 3, 'three mailboxes and the context admin, no duplicate');
});

t.test("CONTROLLER_CA_FILE: the controller's server certificate is verified on callbacks", async (t) => {
  const stack = await startStack(t, { env: { SYNC_BUDGET_MS: '1500' } });
  const { profile, ctx } = await stack.withContext();
  const lookup = () => {
    const userId = uuid();
    stack.controller.resources.set(userId, {
      login: `c${userId.slice(0, 6)}`,
      email: `c${userId.slice(0, 6)}@x.example`,
      displayName: `C ${userId.slice(0, 6)}`,
    });
    return { body: { ...mailboxBody(uuid(), ctx, profile), user: { aps: { id: userId } } } };
  };
  const right = join(stack.dataDir, 'controller-ca.pem');
  writeFileSync(right, stack.controller.ca.cert);
  await stack.restartEndpoint({ CONTROLLER_CA_FILE: right });
  t.equal(
    (await stack.call('POST', '/mailboxes', lookup())).status,
    200,
    "the controller's own CA: the callback is trusted",
  );

  const wrong = join(stack.dataDir, 'other-ca.pem');
  writeFileSync(wrong, new TestCa('Some Other CA').cert);
  await stack.restartEndpoint({ CONTROLLER_CA_FILE: wrong });
  const refused = await stack.call('POST', '/mailboxes', lookup());
  t.not(refused.status, 200, 'a controller certificate from another CA is not trusted');
  t.match(
    `${refused.json?.message ?? ''} ${String(refused.headers['aps-info'] ?? '')}`,
    /controller did not answer.*certificate/i,
    'and the reason names the certificate',
  );
});

t.test("the stored controller address follows an authenticated request's APS-Controller-URI", async (t) => {
  const stack = await startStack(t);
  await stack.createInstance();
  const moved = 'https://controller-moved.example:6308/';
  const res = await stack.call('GET', `/app/${stack.instanceId}`, { headers: { 'APS-Controller-URI': moved } });
  t.equal(res.status, 200);
  t.equal((await stack.endpoint.ledger.getInstance(stack.instanceId))?.controllerUri, moved, 'the new address is kept');
  const forged = await stack.call('GET', `/app/${stack.instanceId}`, {
    as: 'none',
    headers: { 'APS-Controller-URI': 'https://evil.example/' },
  });
  t.equal(forged.status, 403, 'a request without the controller certificate');
  t.equal((await stack.endpoint.ledger.getInstance(stack.instanceId))?.controllerUri, moved, 'changes nothing');
});

t.test('DELETE /app removes the instance with its resources, jobs, tokens and cached connections', async (t) => {
  const stack = await startStack(t, { env: { SYNC_BUDGET_MS: '300' } });
  const { profile, ctx } = await stack.withContext();
  const instanceId = stack.instanceId;
  const mb = uuid();
  const userId = uuid();
  stack.controller.resources.set(userId, { login: 'del', email: 'del@x.example', displayName: 'Del' });
  const made = await stack.call('POST', '/mailboxes', {
    body: { ...mailboxBody(mb, ctx, profile), user: { aps: { id: userId } } },
  });
  t.equal(made.status, 200, 'a mailbox (its service user looked up at the controller)');
  t.ok(stack.endpoint.controllers.has(instanceId), 'a controller connection is cached');
  t.equal(
    (await stack.call('GET', `/mailboxes/${mb}/login`, { headers: { 'APS-Identity-ID': userId } })).status,
    200,
    'a login link is issued',
  );
  stack.sim.failNext(50, {
    mode: 'fault',
    exceptionClass: 'DatabaseUpdateException',
    message: 'Database is locked or is now beeing updated, please try again later',
  });
  t.equal(
    (
      await stack.call('POST', '/mailboxes', {
        body: mailboxBody(uuid(), ctx, profile, { login: 'w', email: 'w@x.example', displayName: 'W' }),
      })
    ).status,
    202,
    'a job waits to retry',
  );
  stack.sim.clearFailures();

  const removed = await stack.call('DELETE', `/app/${instanceId}`);
  t.equal(removed.status, 204);
  const db = new Database(join(stack.dataDir, 'ledger.sqlite'), { readonly: true });
  t.teardown(() => db.close());
  for (const table of ['instances', 'resources', 'jobs', 'sso_tokens', 'sequences']) {
    const column = table === 'instances' ? 'id' : 'instance_id';
    const { n } = db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} = ?`).get(instanceId) as { n: number };
    t.equal(n, 0, `nothing of the instance left in ${table}`);
  }
  t.notOk(stack.endpoint.controllers.has(instanceId), 'its controller connection is dropped');
  t.equal((await stack.call('GET', `/app/${instanceId}`)).status, 403, 'the instance is unknown now');
  t.equal((await stack.call('DELETE', `/app/${instanceId}`)).status, 204, 'a repeated removal is done');
});
