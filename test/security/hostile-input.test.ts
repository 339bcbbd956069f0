import t from 'tap';
import { contextBody, mailboxBody, profileBody, startStack, uuid } from '../helper.js';

t.test('wrong certificates change nothing, for every kind of request', async (t) => {
  const stack = await startStack(t);
  await stack.createInstance();
  const profile = uuid();
  await stack.call('POST', '/profiles', { body: profileBody(profile) });
  const ctx = uuid();
  const body = contextBody(ctx);
  await stack.call('POST', '/contexts', { body });
  const before = JSON.stringify(stack.sim.snapshot());
  const calls = stack.sim.count();
  const intruder = stack.controller.ca.issue('intruder');
  for (const as of ['none', intruder] as const) {
    for (const [method, path, b] of [
      ['PUT', `/contexts/${ctx}`, { ...body, diskspace: { limit: 1 } }],
      ['DELETE', `/contexts/${ctx}`, undefined],
      ['PUT', `/contexts/${ctx}/disable`, undefined],
      ['GET', `/contexts/${ctx}/adminLogin`, undefined],
      ['POST', '/mailboxes', mailboxBody(uuid(), ctx, profile, { login: 'x', email: 'x@x.example' })],
      ['GET', `/app/${stack.instanceId}/testConnection`, undefined],
    ] as const) {
      const res = await stack.call(method, path, { as, body: b });
      t.equal(res.status, 403, `${method} ${path} with ${as === 'none' ? 'no' : 'a wrong'} certificate`);
    }
  }
  t.equal(JSON.stringify(stack.sim.snapshot()), before, 'OX unchanged');
  t.equal(stack.sim.count(), calls, 'OX not even called');
  t.equal((await stack.endpoint.ledger.getResource(stack.instanceId, ctx))?.state, 'ready');
});

t.test('hostile bodies: 4xx, OX untouched, the endpoint still serving', async (t) => {
  const stack = await startStack(t, { env: { BODY_LIMIT: '65536' } });
  const { profile, ctx } = await stack.withContext();
  const calls = stack.sim.count();
  const mbx = (extra: Record<string, unknown>) =>
    JSON.stringify(
      mailboxBody(uuid(), ctx, profile, { login: 'eve', email: 'eve@x.example', displayName: 'Eve', ...extra }),
    );
  const hostile: Array<[string, string]> = [
    ['truncated JSON', '{"aps":{"id":'],
    ['not JSON at all', '<xml/>'],
    ['a JSON string', '"hello"'],
    ['null', 'null'],
    ['wrong types', mbx({ login: 42, aliases: 'not-an-array' })],
    ['__proto__ key', mbx({}).replace('{', '{"__proto__":{"polluted":true},')],
    ['constructor.prototype key', mbx({}).replace('{', '{"constructor":{"prototype":{"polluted":true}},')],
    ['control characters in a name', mbx({ displayName: 'Eve\u0000\u001b[31mRed' })],
    ['newline in a login', mbx({ login: 'eve\nadmin' })],
    ['very long name', mbx({ displayName: 'E'.repeat(5000) })],
    ['very long login', mbx({ login: 'e'.repeat(300) })],
    ['huge body', JSON.stringify({ pad: 'x'.repeat(70_000) })],
    ['deep nesting', `${'['.repeat(5000)}${']'.repeat(5000)}`],
    ['link that is not a UUID', mbx({ context: { aps: { id: "' OR 1=1 --" } } })],
  ];
  for (const [label, raw] of hostile) {
    const res = await stack.call('POST', '/mailboxes', { rawBody: raw });
    t.ok(res.status >= 400 && res.status < 500, `${label}: ${res.status}`);
    t.equal(res.json?.type, 'Exception', `${label}: APS error body`);
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  t.equal(stack.sim.count(), calls, 'OX untouched');
  t.equal(
    await stack.endpoint.ledger.countResources({ instanceId: stack.instanceId, kind: 'mailboxes' }),
    0,
    'nothing stored',
  );
  const ok = await stack.call('POST', '/mailboxes', { rawBody: mbx({}) });
  t.equal(ok.status, 200, 'a good request still works afterwards');
  t.equal((await stack.call('GET', '/healthz')).status, 200);
});

t.test('the log scan finds a secret when one leaks (the check itself can fail)', async (t) => {
  const stack = await startStack(t);
  const canary = `canary-${uuid()}`;
  stack.secrets.add(canary);
  stack.endpoint.log.info({ note: canary }, 'deliberate leak');
  t.same(stack.leakedSecrets(), [canary]);
  stack.secrets.delete(canary);
  t.same(stack.leakedSecrets(), []);
  stack.endpoint.log.info(
    { password: 'Should-Be-Redacted-1', auth: { password: 'x' }, masterPassword: 'Should-Be-Redacted-2' },
    'redaction',
  );
  t.notMatch(stack.logText(), /Should-Be-Redacted/, 'pino redacts password fields');
});
