// The chaos drill: two endpoint processes on one PostgreSQL, the scripted controller spreading 300
// provisions, configures (ten mailboxes changed twice at once) and unprovisions over 20 contexts
// across both, while a replica is killed with SIGKILL mid-work and started again, PostgreSQL
// restarts once, and OX applies calls and loses the answers. The controller behaves as its task
// manager does: a 202 is polled with the same transaction id, a lost connection or a 5xx is tried
// again. Afterwards every request ended 2xx, reconcile finds no drift, OX holds each context and
// user once, nothing orphaned, every change applied, and no job is left.
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { OxSimulator } from '../../scripts/ox-sim/server.js';
import { TestController, type CallResult } from '../../scripts/stand-ins/controller.js';
import { EndpointProcess } from '../../scripts/stand-ins/endpoint-process.js';
import { TestPostgres } from '../../scripts/stand-ins/postgres-server.js';
import { mapLimited } from '../../app/util/limited.js';
import { needsPostgres } from '../support/requirements.js';
import { runCli } from '../support/cli.js';
import { MASTER_PASSWORD, contextBody, mailboxBody, profileBody, uuid } from '../helper.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test(
  'chaos drill: two replicas, a kill, a PostgreSQL restart and lost OX answers; nothing lost',
  { skip: needsPostgres() },
  async (t) => {
    const started = Date.now();
    const pgServer = await new TestPostgres().start();
    t.teardown(() => pgServer.stop());
    const sim = await new OxSimulator({ masterPassword: MASTER_PASSWORD, latencyMs: 5, keepCalls: 0 }).start();
    t.teardown(() => sim.stop());
    const controller = await new TestController().start();
    t.teardown(() => controller.stop());
    const databaseUrl = await pgServer.database('chaos');
    const secretKey = randomBytes(32).toString('hex');
    const replicas = [0, 1].map(
      (i) =>
        new EndpointProcess({
          DATABASE_URL: databaseUrl,
          SECRET_KEY: secretKey,
          DATA_DIR: mkdtempSync(join(tmpdir(), `chaos${i}-`)),
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          SYNC_BUDGET_MS: '2000',
          APS_RETRY_TIMEOUT: '1',
          JOB_RETRY_MAX_DELAY: '1',
          MAX_EVENT_LOOP_DELAY_MS: '0',
        }),
    );
    for (const r of replicas) t.teardown(() => r.stop());
    await Promise.all(replicas.map((r) => r.start()));
    const inst = controller.newInstance();
    const stats = { requests: 0, accepted: 0, retried: 0, lostConnections: 0, statuses: new Map<number, number>() };

    /** One controller task: the same transaction id for its retries and polls, until a final answer. */
    async function task(method: string, path: string, body?: unknown): Promise<CallResult> {
      stats.requests++;
      const transactionId = randomUUID();
      let phase: 'sync' | 'async' = 'sync';
      for (let attempt = 0; attempt < 600; attempt++) {
        const replica = replicas[Math.floor(Math.random() * replicas.length)];
        let answer: CallResult;
        try {
          answer = await controller.call(replica.url, method, path, {
            instanceId: inst.id,
            body,
            phase,
            transactionId,
          });
        } catch {
          stats.lostConnections++;
          await sleep(100);
          continue;
        }
        if (answer.status === 202) {
          stats.accepted++;
          phase = 'async';
          await sleep(150);
          continue;
        }
        if (answer.status >= 500) {
          stats.retried++;
          await sleep(200);
          continue;
        }
        stats.statuses.set(answer.status, (stats.statuses.get(answer.status) ?? 0) + 1);
        return answer;
      }
      throw new Error(`${method} ${path}: no final answer`);
    }

    const made = await task('POST', '/app', {
      aps: { id: inst.id, x509: inst.x509 },
      oxSoapUrl: sim.soapUrl,
      oxPublicUrl: sim.url,
      masterPassword: MASTER_PASSWORD,
      contextIdStart: 700,
    });
    t.equal(made.status, 200, made.text);
    const profile = uuid();
    t.equal((await task('POST', '/profiles', profileBody(profile))).status, 200);

    // The chaos, each once, at a point of the work.
    let done = 0;
    const chaos = [
      {
        at: 40,
        what: 'kill -9 of replica A, started again',
        run: async () => {
          await replicas[0].kill();
          await sleep(500);
          await replicas[0].start();
        },
      },
      {
        at: 120,
        what: 'PostgreSQL restart',
        run: async () => {
          await pgServer.pause();
          await sleep(800);
          await pgServer.resume();
        },
      },
    ];
    // One after the other: a process manager restarts a killed replica; PostgreSQL restarts after that.
    const happened: Promise<void>[] = [];
    let previous = Promise.resolve();
    const step = () => {
      done++;
      for (const c of chaos)
        if (done === c.at) {
          previous = previous.then(c.run);
          happened.push(previous);
        }
    };

    // 20 contexts, then 10 mailboxes each, OX losing the answers of some creations.
    const contexts = Array.from({ length: 20 }, () => uuid());
    const ctxAnswers = await mapLimited(contexts, 8, async (id) => {
      const r = await task('POST', '/contexts', contextBody(id));
      step();
      return r;
    });
    sim.failNext(6, { mode: 'applied-reset', operation: 'OXUserService.createByModuleAccessName' });
    sim.failNext(4, { mode: 'applied-reset', operation: 'OXUserService.createByModuleAccess' });
    const mailboxes = contexts.flatMap((ctx, c) =>
      Array.from({ length: 10 }, (_v, m) => ({ id: uuid(), ctx, login: `c${c}m${m}` })),
    );
    const mbxAnswers = await mapLimited(mailboxes, 12, async (m) => {
      const r = await task(
        'POST',
        '/mailboxes',
        mailboxBody(m.id, m.ctx, profile, { login: m.login, email: `${m.login}@x.example`, displayName: m.login }),
      );
      step();
      return r;
    });

    // Then 60 configures and 20 unprovisions of other mailboxes, OX losing some changes' answers.
    // Ten mailboxes get two different changes at the same moment (a rename and a given name),
    // sent side by side, mostly to different replicas: both must be applied.
    sim.failNext(4, { mode: 'applied-reset', operation: 'OXUserService.change' });
    const renamed = mailboxes.slice(0, 50).map((m) => ({ ...m, name: `Renamed ${m.login}` }));
    const secondChange = renamed.slice(0, 10).map((m) => ({ ...m, name: undefined, given: `Given ${m.login}` }));
    const removed = mailboxes.slice(50, 70);
    type Later = { id: string; login: string; name?: string; given?: string };
    const work: Later[] = [...renamed.flatMap((m, i) => (secondChange[i] ? [m, secondChange[i]] : [m])), ...removed];
    const later = await mapLimited(work, 12, async (m) => {
      const r = m.name
        ? await task('PUT', `/mailboxes/${m.id}`, { displayName: m.name })
        : m.given
          ? await task('PUT', `/mailboxes/${m.id}`, { givenName: m.given })
          : await task('DELETE', `/mailboxes/${m.id}`);
      step();
      return r;
    });
    await Promise.all(happened);

    const answers = [...ctxAnswers, ...mbxAnswers, ...later];
    t.equal(stats.requests, 302, '300 operations (and the instance and its tier)');
    t.same(
      answers.filter((a) => a.status >= 300).map((a) => `${a.status} ${a.text}`),
      [],
      'every request ended 2xx',
    );
    t.equal(happened.length, chaos.length, `the chaos happened: ${chaos.map((c) => c.what).join('; ')}`);

    // No job left: the ledger empties once the background work is done.
    const client = new pg.Client(databaseUrl);
    await client.connect();
    t.teardown(() => client.end());
    let unfinished = -1;
    for (let i = 0; i < 100 && unfinished !== 0; i++) {
      unfinished = Number(
        (await client.query("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('waiting', 'running')")).rows[0].n,
      );
      if (unfinished) await sleep(200);
    }
    t.equal(unfinished, 0, 'no job left running or waiting');

    // OX: each context and user once, nothing orphaned, every change applied.
    const oxContexts = [...sim.model.contexts.values()];
    t.equal(oxContexts.length, 20, 'twenty contexts in OX');
    t.equal(new Set(ctxAnswers.map((a) => a.json.contextId)).size, 20, 'distinct context ids');
    const users = oxContexts.flatMap((c) => [...c.users.values()].filter((u) => !u.contextadmin));
    const expected = mailboxes.filter((m) => !removed.includes(m));
    t.equal(users.length, expected.length, `${expected.length} users: none twice, none left of a removed mailbox`);
    t.same(users.map((u) => u.name).sort(), expected.map((m) => m.login).sort(), 'exactly the mailboxes that stay');
    const byName = new Map(users.map((u) => [u.name, u]));
    t.same(
      renamed.filter((m) => byName.get(m.login)?.display_name !== m.name).map((m) => m.login),
      [],
      'every rename reached OX',
    );
    t.same(
      secondChange.filter((m) => byName.get(m.login)?.given_name !== m.given).map((m) => m.login),
      [],
      'the second change of each of those ten mailboxes reached OX too',
    );

    const env = { DATABASE_URL: databaseUrl, SECRET_KEY: secretKey };
    const reconciled = await runCli(['reconcile', '--json'], { env });
    t.equal(reconciled.code, 0, reconciled.stderr);
    t.same(JSON.parse(reconciled.stdout || '{}').drift, [], 'reconcile finds no drift');

    const seconds = (Date.now() - started) / 1000;
    t.comment(
      `drill: ${stats.requests} requests in ${seconds.toFixed(1)} s; ${stats.accepted} answers 202, ${stats.retried} 5xx tried again, ${stats.lostConnections} lost connections; OX calls ${sim.count()}`,
    );
    t.ok(seconds < 180, `under three minutes (${seconds.toFixed(1)} s)`);
  },
);
