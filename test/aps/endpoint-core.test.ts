import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MASTER_PASSWORD, contextBody, mailboxBody, startStack, uuid } from '../helper.js';
import { TestController } from '../../scripts/stand-ins/controller.js';

t.test('instance creation stores the certificates, encrypted key, and trusts only that controller', async (t) => {
  const stack = await startStack(t);
  const created = await stack.createInstance();
  t.equal(created.status, 200, created.text);
  t.equal(created.json.aps.id, stack.instanceId);
  t.notOk('masterPassword' in created.json, 'encrypted settings are not echoed');

  const ok = await stack.call('GET', `/app/${stack.instanceId}`);
  t.equal(ok.status, 200, 'the controller certificate is accepted');
  t.equal(ok.json.oxSoapUrl, stack.sim.soapUrl);

  const none = await stack.call('GET', `/app/${stack.instanceId}`, { as: 'none' });
  t.equal(none.status, 403);
  t.same(Object.keys(none.json).sort(), ['code', 'error', 'message', 'type']);
  t.match(none.json.message, /client certificate is required/);

  const stranger = await stack.call('GET', `/app/${stack.instanceId}`, { as: stack.controller.ca.issue('intruder') });
  t.equal(stranger.status, 403, 'a certificate from the same CA is not the controller certificate');

  // A second controller with its own instance: its certificate does not open the first instance.
  const other = await new TestController().start();
  t.teardown(() => other.stop());
  const inst = other.newInstance();
  const otherCreated = await other.call(stack.url, 'POST', '/app', {
    instanceId: inst.id,
    body: { aps: { id: inst.id, x509: inst.x509 }, ...stack.settings() },
  });
  t.equal(otherCreated.status, 200);
  const crossed = await other.call(stack.url, 'GET', `/app/${stack.instanceId}`, { instanceId: stack.instanceId });
  t.equal(crossed.status, 403, "another instance's controller certificate is refused");
  t.match(crossed.json.message, /not the controller certificate stored/);

  const ctxBefore = stack.sim.model.contexts.size;
  const denied = await stack.call('POST', '/contexts', { as: 'none', body: contextBody(uuid()) });
  t.equal(denied.status, 403);
  t.equal(stack.sim.model.contexts.size, ctxBefore, 'nothing reached OX');

  const db = readFileSync(join(stack.dataDir, 'ledger.sqlite'));
  const key = stack.controller.identity.key.split('\n')[1];
  t.notOk(db.includes(Buffer.from(MASTER_PASSWORD)), 'master password encrypted at rest');
  t.notOk(db.includes(Buffer.from(key)), 'no private key material in clear');
});

t.test('an existing instance is never overwritten', async (t) => {
  const stack = await startStack(t);
  await stack.createInstance();
  const stored = await stack.call('GET', `/app/${stack.instanceId}`);
  const attacker = stack.controller.newInstance();
  const again = await stack.call('POST', '/app', {
    instanceId: stack.instanceId,
    as: 'none',
    body: {
      aps: { id: stack.instanceId, x509: attacker.x509 },
      ...stack.settings({ oxSoapUrl: 'http://127.0.0.1:1/webservices/' }),
    },
  });
  t.equal(again.status, 409);
  t.match(again.json.message, /never overwritten/);
  const after = await stack.call('GET', `/app/${stack.instanceId}`);
  t.same(after.json, stored.json, 'settings unchanged');
});

t.test('instance creation only from APS_ALLOW_FROM', async (t) => {
  const stack = await startStack(t, { env: { APS_ALLOW_FROM: '10.0.0.0/8, 192.0.2.1' } });
  const res = await stack.createInstance();
  t.equal(res.status, 403);
  t.match(res.json.message, /APS_ALLOW_FROM/);
  t.equal((await stack.endpoint.ledger.listInstances()).length, 0);
  await stack.restartEndpoint({ APS_ALLOW_FROM: '127.0.0.0/8' });
  t.equal((await stack.createInstance()).status, 200);
});

t.test('bad input gets a clear APS error and changes nothing', async (t) => {
  const stack = await startStack(t, { env: { BODY_LIMIT: '4096' } });
  await stack.createInstance();
  const calls = stack.sim.count();
  const cases: Array<[string, string, Parameters<typeof stack.call>[2], number, RegExp]> = [
    ['malformed JSON', '/contexts', { rawBody: '{"aps":' }, 400, /not valid JSON/],
    ['body too large', '/contexts', { rawBody: JSON.stringify({ pad: 'x'.repeat(5000) }) }, 413, /BODY_LIMIT/],
    [
      'schema-invalid',
      '/contexts',
      { body: contextBody(uuid(), { language: 'de-DE' }) },
      400,
      /property "language" must match pattern/,
    ],
    [
      'missing required link',
      '/contexts',
      { body: { ...contextBody(uuid()), account: undefined } },
      400,
      /property "account" is required/,
    ],
    [
      'wrong type',
      '/contexts',
      { body: contextBody(uuid(), { diskspace: { limit: 'lots' } }) },
      400,
      /property "diskspace.limit" must be integer,null/,
    ],
    ['array body', '/contexts', { rawBody: '[1,2]' }, 400, /JSON object/],
    ['prototype pollution', '/contexts', { rawBody: '{"__proto__":{"admin":true},"aps":{}}' }, 400, /JSON/],
    [
      'unknown instance',
      '/contexts',
      { body: contextBody(uuid()), instanceId: uuid() },
      403,
      /Unknown application instance/,
    ],
    [
      'missing instance id',
      '/contexts',
      { body: contextBody(uuid()), instanceId: '', headers: {} },
      400,
      /APS-Instance-ID/,
    ],
  ];
  for (const [label, path, opts, status, message] of cases) {
    const res = await stack.call('POST', path, {
      ...opts,
      instanceId: opts?.instanceId === '' ? undefined : (opts?.instanceId ?? stack.instanceId),
    });
    t.equal(res.status, status, `${label}: status`);
    t.equal(res.json?.code, status, `${label}: code in body`);
    t.match(res.json?.message, message, `${label}: message`);
  }
  t.equal((await stack.call('GET', '/contexts/not-a-uuid')).json.message, 'path parameter "id" must be a UUID');
  const unknown = await stack.call('GET', '/nothing/here');
  t.equal(unknown.status, 404);
  t.match(unknown.json.message, /No such service or operation/);
  t.equal(stack.sim.count(), calls, 'OX was not called');
  t.equal(await stack.endpoint.ledger.countResources({ instanceId: undefined }), 0, 'ledger unchanged');
  t.equal((await stack.call('GET', '/healthz')).status, 200, 'still serving');
});

t.test('transaction ids: echoed, and in every log line of the request', async (t) => {
  const stack = await startStack(t);
  await stack.createInstance();
  const tx = `tx-${uuid()}`;
  const res = await stack.call('GET', `/app/${stack.instanceId}`, { transactionId: tx });
  t.equal(res.headers['aps-transaction-id'], tx);
  const lines = stack.logLines.filter((l) => l.includes(tx));
  t.ok(lines.length >= 2, 'request and response lines carry the transaction id');
  t.ok(lines.every((l) => JSON.parse(l).reqId === tx));
});

t.test('slow OX: 202 with Retry-Timeout and Info, then the final answer on the async poll', async (t) => {
  const stack = await startStack(t, { env: { SYNC_BUDGET_MS: '300' } });
  await stack.createInstance();
  stack.sim.latencyMs = 400;
  const id = uuid();
  const body = contextBody(id); // the controller polls with the same request
  const first = await stack.call('POST', '/contexts', { body });
  t.equal(first.status, 202, first.text);
  t.equal(first.headers['aps-retry-timeout'], '1');
  t.match(String(first.headers['aps-info']), /longer than/);
  const repeat = await stack.call('POST', '/contexts', { body, phase: 'async' });
  t.ok([200, 202].includes(repeat.status));
  stack.sim.latencyMs = 0;
  const { final, accepted } = await stack.settle('POST', '/contexts', { body, phase: 'async' }, repeat);
  t.equal(final.status, 200, final.text);
  t.ok(accepted >= 0);
  t.equal(final.json.contextId, 100);
  t.equal(stack.sim.model.contexts.size, 1, 'exactly one context');
});

t.test('jobs survive a restart and finish once OX is back', async (t) => {
  const stack = await startStack(t, { env: { JOB_DEADLINE: '600' } });
  await stack.createInstance();
  stack.sim.failNext(1000, { mode: 'http503' });
  const id = uuid();
  const body = contextBody(id);
  const first = await stack.call('POST', '/contexts', { body });
  t.equal(first.status, 202);
  t.match(String(first.headers['aps-info']), /HTTP 503/);
  const jobs = await stack.endpoint.ledger.listJobs({ states: ['waiting', 'running'] });
  t.equal(jobs.length, 1, 'the job is in the ledger');
  await stack.restartEndpoint();
  stack.sim.clearFailures();
  const { final } = await stack.settle('POST', '/contexts', { body, phase: 'async' });
  t.equal(final.status, 200, final.text);
  t.equal(stack.sim.model.contexts.size, 1);
  t.equal(stack.endpoint.ledger ? (await stack.endpoint.ledger.getResource(stack.instanceId, id))?.state : '', 'ready');
});

t.test('a deadline turns endless retries into a clear failure', async (t) => {
  const stack = await startStack(t, { env: { JOB_DEADLINE: '10', SYNC_BUDGET_MS: '200' } });
  await stack.createInstance();
  stack.sim.failNext(100000, { mode: 'fault' });
  const id = uuid();
  const first = await stack.call('POST', '/contexts', { body: contextBody(id) });
  t.equal(first.status, 202);
  // Age the job so that its deadline has passed.
  const job = (await stack.endpoint.ledger.listJobs({}))[0];
  await stack.endpoint.ledger.updateJob(job.key, { deadline: Date.now() - 1 });
  const { final } = await stack.settle('POST', '/contexts', { body: contextBody(id), phase: 'async' });
  t.equal(final.status, 500);
  t.match(final.json.message, /Gave up after \d+ attempt/);
  t.match(final.json.message, /OX is busy/);
});

t.test('no secret that was sent appears in any log line', async (t) => {
  const stack = await startStack(t);
  const created = await stack.createInstance();
  t.equal(created.status, 200);
  await stack.call('GET', `/app/${stack.instanceId}`);
  const log = stack.logText();
  t.ok(log.length > 0);
  const key = (await stack.endpoint.ledger.getInstance(stack.instanceId))!.secrets.instanceKey;
  for (const secret of [MASTER_PASSWORD, key.split('\n')[1], key.split('\n')[5]])
    t.notOk(log.includes(secret), 'secret absent from logs');
});

t.test('answers hold what the type declares: no secret, nothing the record keeps for itself', async (t) => {
  const stack = await startStack(t, { env: { SYNC_BUDGET_MS: '300' } });
  const { ctx, profile } = await stack.withContext();
  const mailboxes = JSON.parse(readFileSync(join('schemas', 'mailboxes.schema'), 'utf8'));
  const declared = new Set([
    'aps',
    ...Object.keys(mailboxes.properties ?? {}),
    ...Object.keys(mailboxes.relations ?? {}),
  ]);
  const password = 'Echo-Pass-2024';
  const id = uuid();
  const body = mailboxBody(id, ctx, profile, {
    login: 'echo',
    email: 'echo@x.example',
    displayName: 'Echo',
    password,
    internalNote: 'mine',
  });
  stack.sim.latencyMs = 400;
  const accepted = await stack.call('POST', '/mailboxes', { body });
  t.equal(accepted.status, 202, accepted.text);
  t.equal(accepted.json.login, 'echo', 'the 202 echoes the declared properties');
  t.notMatch(accepted.text, password, 'but not the password it was sent');
  t.notOk('internalNote' in accepted.json, 'nor a property the type does not declare');
  stack.sim.latencyMs = 0;
  const { final } = await stack.settle('POST', '/mailboxes', { body, phase: 'async' }, accepted);
  t.equal(final.status, 200, final.text);
  t.notMatch(final.text, password);

  t.equal((await stack.call('PUT', `/mailboxes/${id}/disable`)).status, 204);
  const stored = await stack.endpoint.ledger.getResource(stack.instanceId, id);
  t.ok(
    stored && 'savedMailEnabled' in stored.props && 'passwordGenerated' in stored.props,
    'the ledger keeps what a suspend saved, and whether the password was generated',
  );
  const got = await stack.call('GET', `/mailboxes/${id}`);
  t.equal(got.status, 200);
  t.same(
    Object.keys(got.json).filter((k) => !declared.has(k)),
    [],
    'the answer has declared properties only',
  );
  t.equal(got.json.oxUserId, stored?.oxUserId);
  t.notMatch(got.text, password);
});
