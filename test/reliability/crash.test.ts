import t, { type Test } from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OxSimulator } from '../../scripts/ox-sim/server.js';
import { TestController, type CallResult } from '../../scripts/stand-ins/controller.js';
import { EndpointProcess } from '../../scripts/stand-ins/endpoint-process.js';
import { loadConfig } from '../../app/config.js';
import { openLedger } from '../../app/store/open-ledger.js';
import { MASTER_PASSWORD, contextBody, mailboxBody, profileBody, uuid } from '../helper.js';

t.test('SIGKILL in the middle of provisions: retries end with one context and one user each', async (t) => {
  const { sim, env, call, crash, instanceId } = await killableStack(
    t,
    { SYNC_BUDGET_MS: '5000', OX_TIMEOUT_MS: '3000' },
    700,
  );
  const profile = uuid();
  await call('POST', '/profiles', profileBody(profile));

  const contexts = Array.from({ length: 5 }, () => ({ id: uuid(), mailbox: uuid() }));
  const requests = [
    ...contexts.map((c) => ['POST', '/contexts', contextBody(c.id)] as const),
    ...contexts.map(
      (c, i) =>
        [
          'POST',
          '/mailboxes',
          mailboxBody(c.mailbox, c.id, profile, { login: `m${i}`, email: `m${i}@x.example`, displayName: `M ${i}` }),
        ] as const,
    ),
  ];
  // Slow OX so that the kill lands while calls are in flight.
  sim.latencyMs = 250;
  const inflight = requests.map(([m, p, b]) => call(m, p, b));
  await new Promise((r) => setTimeout(r, 400));
  await crash(async () => {
    await Promise.all(inflight);
    sim.latencyMs = 0;
  });

  // The controller repeats what did not finish, then polls until every request is done.
  for (const [m, p, b] of requests) {
    let res = await call(m, p, b);
    for (let i = 0; (res.status === 202 || res.status === 409) && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      res = await call(m, p, b, res.status === 202 ? 'async' : 'sync');
    }
    t.equal(res.status, 200, `${p} ${(b.aps as { id: string }).id.slice(0, 8)}: ${res.text.slice(0, 200)}`);
  }
  t.equal(sim.model.contexts.size, 5, 'exactly five contexts');
  for (const [i, c] of contexts.entries()) {
    const ctx = [...sim.model.contexts.values()].find(
      (x) => x.name === `aps-${(requests[i][2].aps as { subscription: string }).subscription}`,
    );
    t.ok(ctx, `context of subscription ${i} exists once`);
    t.equal([...ctx!.users.values()].filter((u) => u.name === `m${i}`).length, 1, `user m${i} exists once`);
    void c;
  }
  const users = [...sim.model.contexts.values()].flatMap((x) => [...x.users.values()].filter((u) => !u.contextadmin));
  t.equal(users.length, 5, 'no orphaned users');
  const { ledger } = await openLedger(loadConfig(env));
  t.teardown(() => ledger.close());
  const rows = await ledger.listResources({ instanceId: instanceId() });
  t.same(
    rows.filter((r) => r.state !== 'ready').map((r) => `${r.kind}:${r.state}`),
    [],
    'no resource left half-provisioned in the ledger',
  );
  const ledgerContexts = new Set(rows.filter((r) => r.kind === 'contexts').map((r) => r.oxContextId));
  t.ok(
    [...sim.model.contexts.keys()].every((id) => ledgerContexts.has(id)),
    'every OX context is in the ledger',
  );
});

t.test('SIGKILL during a background attempt: a new process takes the job over when its lease runs out', async (t) => {
  const { sim, call, crash } = await killableStack(t, { SYNC_BUDGET_MS: '300', OX_TIMEOUT_MS: '2500' }, 900);

  const body = contextBody(uuid());
  sim.failNext(1, {
    mode: 'fault',
    exceptionClass: 'DatabaseUpdateException',
    message: 'Database is locked or is now beeing updated, please try again later',
  });
  const first = await call('POST', '/contexts', body);
  t.equal(first.status, 202, 'the first attempt meets a busy OX: 202, a job waits');
  // The runner's next attempt reaches OX, which takes its time: kill the endpoint while it waits.
  sim.latencyMs = 1500;
  const until = Date.now() + 10_000;
  while (sim.load.active === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  t.ok(sim.load.active > 0, 'a background attempt is at OX');
  await crash(async () => {
    await new Promise((r) => setTimeout(r, 1600)); // OX commits the attempt nobody hears about
    t.equal(sim.model.contexts.size, 1, 'OX made the context of the lost attempt');
    sim.latencyMs = 0;
  });
  let res = await call('POST', '/contexts', body, 'async');
  const started = Date.now();
  for (let i = 0; res.status === 202 && i < 300; i++) {
    await new Promise((r) => setTimeout(r, 100));
    res = await call('POST', '/contexts', body, 'async');
  }
  t.equal(res.status, 200, `the poll ends with the context (${res.text.slice(0, 200)})`);
  t.ok(Date.now() - started < 20_000, 'within the lease and a retry');
  t.equal(sim.model.contexts.size, 1, 'one context: the new process adopted what the killed one made');
  t.equal(res.json.contextId, [...sim.model.contexts.keys()][0]);
});

/**
 * The simulator, a scripted controller and the endpoint as its own process with one application
 * instance; `crash` kills the endpoint (SIGKILL), runs `meanwhile`, and starts a new process on
 * the same ledger and port.
 */
async function killableStack(t: Test, extraEnv: Record<string, string>, contextIdStart: number) {
  const sim = await new OxSimulator({ masterPassword: MASTER_PASSWORD }).start();
  t.teardown(() => sim.stop());
  const controller = await new TestController().start();
  t.teardown(() => controller.stop());
  const env: Record<string, string> = {
    DATA_DIR: mkdtempSync(join(tmpdir(), 'crash-')),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    APS_RETRY_TIMEOUT: '1',
    JOB_RETRY_MAX_DELAY: '1',
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...extraEnv,
  };
  let endpoint = await new EndpointProcess(env).start();
  t.teardown(() => endpoint.stop());
  const inst = controller.newInstance();
  const call = (method: string, path: string, body: unknown, phase: 'sync' | 'async' = 'sync') =>
    controller
      .call(endpoint.url, method, path, { instanceId: inst.id, body, phase })
      .catch((err: Error) => ({ status: 0, text: err.message, json: undefined, headers: {} }) as CallResult);
  const created = await call('POST', '/app', {
    aps: { id: inst.id, x509: inst.x509 },
    oxSoapUrl: sim.soapUrl,
    oxPublicUrl: sim.url,
    masterPassword: MASTER_PASSWORD,
    contextIdStart,
  });
  t.equal(created.status, 200, 'instance created');
  const crash = async (meanwhile: () => Promise<void>) => {
    await endpoint.kill();
    await meanwhile();
    endpoint = await new EndpointProcess(env).start();
    controller.resetConnections();
  };
  return { sim, env, call, crash, instanceId: () => inst.id };
}
