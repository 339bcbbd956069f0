import t from 'tap';
import { freePort } from '../../scripts/stand-ins/net.js';
import { contextBody, startStack, uuid } from '../helper.js';

t.test('readiness waits for SOAP clients and reports the last OX error; metrics count what happened', async (t) => {
  const metricsPort = await freePort();
  const stack = await startStack(t, { env: { METRICS_PORT: String(metricsPort) } });
  t.equal((await stack.call('GET', '/healthz', { as: 'none' })).status, 200);
  const empty = await stack.call('GET', '/readyz', { as: 'none' });
  t.equal(empty.status, 200);
  t.same(empty.json.instances, []);
  await stack.createInstance();
  await stack.call('POST', '/contexts', { body: contextBody(uuid()) });
  await stack.restartEndpoint();
  const ready = await stack.call('GET', '/readyz', { as: 'none' });
  t.equal(ready.status, 200, 'SOAP clients built at start');
  t.equal(ready.json.instances[0].soapClients, 'ready');
  t.equal(ready.json.instances[0].lastOxError, null);

  const ctx = uuid();
  await stack.call('POST', '/contexts', { body: contextBody(ctx) });
  await stack.call('GET', `/contexts/${ctx}/adminLogin`);
  await stack.call('GET', '/sso/nope', { as: 'none' });
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  t.match(metrics, /aps_requests_duration_seconds_count\{service="contexts",operation="provision",status="200"\} 1/);
  t.match(
    metrics,
    /aps_requests_duration_seconds_count\{service="contexts",operation="adminLogin",status="200"\} 1/,
    'a custom operation by its name',
  );
  t.notMatch(metrics, /aps_requests_duration_seconds_count\{service="sso"/, 'the login pages are not APS requests');
  t.match(
    metrics,
    /ox_soap_duration_seconds_count\{service="OXContextService",operation="createModuleAccessByName",outcome="ok"\} 1/,
  );
  t.match(metrics, /aps_async_jobs\{state="pending"\} 0/);
  t.match(metrics, /sso_logins_total\{outcome="refused"\} 1/);
  t.match(metrics, /process_resident_memory_bytes/);
});

t.test('/readyz tells its details only to HEALTH_ALLOW_FROM addresses; others get the status alone', async (t) => {
  // The tests reach the endpoint from loopback: a list without loopback makes the test a stranger.
  const stack = await startStack(t, { env: { HEALTH_ALLOW_FROM: '192.0.2.0/24' } });
  await stack.createInstance();
  await stack.call('POST', '/contexts', { body: contextBody(uuid()) });
  const res = await stack.call('GET', '/readyz', { as: 'none' });
  t.equal(res.status, 200);
  t.same(res.json, { status: 'ready' }, 'no instance ids, OX errors or certificates');
  t.notMatch(res.text, new RegExp(stack.instanceId), 'the instance id is not in the answer');
});

t.test('overload answers 503 with Retry-After and the APS error body; liveness still answers', async (t) => {
  // Heap pressure rather than a blocked event loop: a busy-wait depends on the sampler's timing
  // under load, while a heap above the bound is seen by the next sample whatever the load.
  const stack = await startStack(t, { env: { MAX_EVENT_LOOP_DELAY_MS: '0', MAX_HEAP_MB: '32' } });
  const ballast = Array.from({ length: 400_000 }, (_, i) => `ballast-${i}-${'x'.repeat(48)}`);
  let res = await stack.call('GET', '/readyz', { as: 'none' });
  for (let i = 0; i < 50 && res.status !== 503; i++) {
    await new Promise((r) => setTimeout(r, 100));
    res = await stack.call('GET', '/readyz', { as: 'none' });
  }
  t.ok(ballast.length > 0 && process.memoryUsage().heapUsed > 32 * 1024 * 1024, 'the heap is above MAX_HEAP_MB');
  t.equal(res.status, 503);
  t.equal(res.headers['retry-after'], '10');
  t.equal(res.json.error, 'Overloaded');
  t.equal((await stack.call('GET', '/healthz', { as: 'none' })).status, 200, 'liveness is exempt');
});

t.test('certificates running out: days left in /readyz and metrics, a warning from 30 days ahead', async (t) => {
  const metricsPort = await freePort();
  const stack = await startStack(t, { env: { METRICS_PORT: String(metricsPort) } });
  const day = 86_400_000;
  const inst = stack.controller.newInstance();
  const short = stack.controller.ca.issue('aps-instance', { from: -60_000, to: 10 * day + 3_600_000 });
  stack.controller.instanceCerts.add(short.cert);
  const created = await stack.call('POST', '/app', {
    instanceId: inst.id,
    body: {
      aps: {
        id: inst.id,
        type: 'http://ox-connector.org/aps/app/1.0',
        x509: { ...inst.x509, self: `${short.cert}${short.key}` },
      },
      ...stack.settings(),
    },
  });
  t.equal(created.status, 200, created.text);
  const ready = await stack.call('GET', '/readyz', { as: 'none' });
  const certs = ready.json.instances[0].certificates;
  t.same(
    certs.map((c: { certificate: string; daysLeft: number }) => [c.certificate, c.daysLeft]),
    [
      ['instance', 10],
      ['controller', 364],
    ],
  );
  t.equal(ready.json.warnings.length, 1, 'one warning: the instance certificate');
  t.match(
    ready.json.warnings[0],
    /instance certificate of application instance .* expires in 10 day\(s\).*cannot be renewed/,
  );
  t.equal(ready.status, 200, 'and the endpoint stays ready');
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const seconds = Number(
    new RegExp(`aps_certificate_expiry_seconds\\{instance="${inst.id}",certificate="instance"\\} (\\d+)`).exec(
      metrics,
    )?.[1],
  );
  t.ok(Math.abs(seconds - (10 * 86_400 + 3_600)) < 120, `seconds left in metrics: ${seconds}`);

  await stack.restartEndpoint();
  t.match(stack.logText(), /"daysLeft":10.*expires in 10 day\(s\)/, 'the start logs the warning');
});
