import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OxSimulator } from '../../scripts/ox-sim/server.js';
import { TestController, type CallResult } from '../../scripts/stand-ins/controller.js';
import { EndpointProcess } from '../../scripts/stand-ins/endpoint-process.js';
import { TestPostgres } from '../../scripts/stand-ins/postgres-server.js';
import { needsPostgres } from '../support/requirements.js';
import { MASTER_PASSWORD, contextBody, mailboxBody, profileBody, uuid } from '../helper.js';

t.test(
  'two endpoints on one PostgreSQL create every context and user exactly once',
  { skip: needsPostgres() },
  async (t) => {
    const pgServer = await new TestPostgres().start();
    t.teardown(() => pgServer.stop());
    const sim = await new OxSimulator({ masterPassword: MASTER_PASSWORD, latencyMs: 15 }).start();
    t.teardown(() => sim.stop());
    const controller = await new TestController().start();
    t.teardown(() => controller.stop());
    const databaseUrl = await pgServer.database('replicas');
    const secretKey = randomBytes(32).toString('hex');
    const replicas: EndpointProcess[] = [];
    for (let i = 0; i < 2; i++) {
      const replica = new EndpointProcess({
        DATABASE_URL: databaseUrl,
        SECRET_KEY: secretKey,
        DATA_DIR: mkdtempSync(join(tmpdir(), `replica${i}-`)),
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        SYNC_BUDGET_MS: '5000',
        APS_RETRY_TIMEOUT: '1',
        JOB_RETRY_MAX_DELAY: '1',
        MAX_EVENT_LOOP_DELAY_MS: '0',
      });
      replicas.push(replica);
      t.teardown(() => replica.stop());
    }
    await Promise.all(replicas.map((r) => r.start()));
    const [a, b] = replicas;

    const inst = controller.newInstance();
    const created = await controller.call(a.url, 'POST', '/app', {
      instanceId: inst.id,
      body: {
        aps: { id: inst.id, x509: inst.x509 },
        oxSoapUrl: sim.soapUrl,
        oxPublicUrl: sim.url,
        masterPassword: MASTER_PASSWORD,
        contextIdStart: 500,
      },
    });
    t.equal(created.status, 200);
    const call = (r: EndpointProcess, method: string, path: string, body?: unknown, phase: 'sync' | 'async' = 'sync') =>
      controller.call(r.url, method, path, { instanceId: inst.id, body, phase });
    /** The controller sends the same request to both replicas, twice, then polls until it is done. */
    async function everywhere(method: string, path: string, body: unknown): Promise<CallResult> {
      const answers = await Promise.all([a, b, a, b].map((r) => call(r, method, path, body)));
      let last = answers.find((x) => x.status === 200) ?? answers[0];
      for (let i = 0; last.status === 202 && i < 100; i++) {
        await new Promise((r) => setTimeout(r, 100));
        last = await call(i % 2 ? a : b, method, path, body, 'async');
      }
      return last;
    }

    const profile = uuid();
    t.equal((await everywhere('POST', '/profiles', profileBody(profile))).status, 200);
    const contexts = Array.from({ length: 6 }, () => uuid());
    const ctxResults = await Promise.all(contexts.map((id) => everywhere('POST', '/contexts', contextBody(id))));
    t.ok(
      ctxResults.every((r) => r.status === 200),
      'every context provisioned',
    );
    const mailboxes = contexts.flatMap((ctx, c) =>
      Array.from({ length: 3 }, (_v, m) => ({ id: uuid(), ctx, login: `u${c}x${m}` })),
    );
    const mbxResults = await Promise.all(
      mailboxes.map((m) =>
        everywhere(
          'POST',
          '/mailboxes',
          mailboxBody(m.id, m.ctx, profile, { login: m.login, email: `${m.login}@x.example`, displayName: m.login }),
        ),
      ),
    );
    t.ok(
      mbxResults.every((r) => r.status === 200),
      `every mailbox provisioned: ${mbxResults.map((r) => r.status).join(',')}`,
    );

    t.equal(sim.model.contexts.size, 6, 'six contexts in OX');
    t.equal(sim.count('OXContextService.createModuleAccessByName'), 6, 'each context created exactly once');
    // The first user of the tier goes by combination name; once OX showed its flags, by those.
    const userCreates =
      sim.count('OXUserService.createByModuleAccessName') + sim.count('OXUserService.createByModuleAccess');
    t.equal(userCreates, 18, 'each user created exactly once');
    const users = [...sim.model.contexts.values()].flatMap((c) => [...c.users.values()].filter((u) => !u.contextadmin));
    t.equal(users.length, 18);
    t.same(new Set(ctxResults.map((r) => r.json.contextId)).size, 6, 'distinct context ids');
  },
);
