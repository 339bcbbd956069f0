// The bench's scale stage: one endpoint process on a ledger (SQLite or PostgreSQL) measured at 100
// contexts and again once the ledger holds 10,000 contexts and 200,000 mailboxes. The baseline is
// provisioned through the endpoint; the bulk is written straight into the ledger (the same records
// provisioning writes, their OX objects absent: cached usage polls and the cold start do not ask
// OX). What must stay flat: poll p99, CPU per provision, RSS; the cold start must stay short.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../app/config.js';
import { openLedger } from '../../app/store/open-ledger.js';
import type { ResourceRecord } from '../../app/store/ledger.js';
import { mapLimited } from '../../app/util/limited.js';
import type { TestController } from '../stand-ins/controller.js';
import { EndpointProcess } from '../stand-ins/endpoint-process.js';
import {
  callerAs,
  cpuPer,
  link,
  mainThreadSwitches,
  pairedRuns,
  pct,
  rssMb,
  timedRuns,
  type Simulator,
} from './lib.js';

export interface ScaleOptions {
  controller: TestController;
  sim: Simulator;
  master: string;
  latencyMs: number;
  /** PostgreSQL URL; SQLite in a fresh DATA_DIR without it. */
  databaseUrl?: string;
  contexts: number;
  mailboxes: number;
  baseContexts: number;
}

export interface ScaleFigures {
  resources: number;
  rssMb: number;
  ledgerBytesPerResource: number;
  pollP99Ms: number;
  /** CPU per usage poll answered from the cache (the 1,000 polls of the p99, after a warm-up poll of each context). */
  cachedPollCpuMs: number;
  /** CPU per usage poll that asks OX (each base context's cache period ended, then polled once; five rounds). */
  coldPollCpuMs: number;
  provisionCpuMs: number;
  /** Context switches of the process's main thread per provision at concurrency 16 (its wake-ups). */
  provisionSwitches: number;
  /** CPU per provision one at a time (no two requests share a wake-up of the process). */
  sequentialCpuMs: number;
  /**
   * One mailbox provision after another through the endpoint, and its SOAP request posted again directly, in
   * alternating blocks (pairedRuns): p50 of each (ms).
   */
  provisionP50Ms: number;
  directP50Ms: number;
}

/**
 * The scale stage's PostgreSQL: a page cache that holds the ledger at 1,000,000 resources (about
 * 730 MB), as a server sized for it would have; the suite's 32 MB sends every index lookup through
 * the kernel's page cache.
 */
const SCALE_POSTGRES = { sharedBuffers: '1GB' };

/** Provisions before measuring: each measured process was just started and compiles its hot paths first. */
const WARM_UP = Number(process.env.SCALE_WARM_UP ?? 2000);
/** Provisions whose CPU is measured (at concurrency 16), and sequential ones whose latency is. */
const PROVISIONS = 1000;
/** Cached usage polls, one at a time: their p99 and CPU. */
const POLLS = 1000;
const SEQUENTIAL = 200;
const CONTEXT_TYPE = 'http://ox-connector.org/aps/contexts/1.1';
const MAILBOX_TYPE = 'http://ox-connector.org/aps/mailboxes/1.1';

function dirBytes(dir: string): number {
  return readdirSync(dir)
    .filter((f) => f.startsWith('ledger.sqlite'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

async function settlePostgres(url: string): Promise<void> {
  const pg = (await import('pg')).default;
  const client = new pg.Client(url);
  await client.connect();
  try {
    await client.query('VACUUM ANALYZE resources');
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}

function progress(label: string, done: number, total: number): void {
  if (process.stderr.isTTY && (done % 1000 === 0 || done === total))
    process.stderr.write(`\r${label}: ${done}/${total}${done === total ? '\n' : ''}`);
}

async function scaleStage(
  opts: ScaleOptions,
): Promise<{ base: ScaleFigures; scaled: ScaleFigures; coldStartMs: number; fillS: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ox-aps-scale-'));
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    SECRET_KEY: randomBytes(32).toString('hex'),
    // Cached polls throughout: the bulk's usage figures were written at fill time.
    USAGE_CACHE_SECONDS: '86400',
    MAX_EVENT_LOOP_DELAY_MS: '0',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
  };
  let endpoint = await new EndpointProcess(env, true).start();
  const inst = opts.controller.newInstance();
  const call = callerAs(opts.controller, () => endpoint.url, inst.id);
  try {
    await call('POST', '/app', {
      aps: { id: inst.id, x509: inst.x509 },
      oxSoapUrl: opts.sim.soapUrl,
      oxPublicUrl: opts.sim.url,
      masterPassword: opts.master,
      masterAccountOverride: true,
      contextIdStart: 200_000,
    });
    const tier = randomUUID();
    await call('POST', '/profiles', {
      aps: { id: tier },
      app: { aps: { id: inst.id } },
      title: 'Webmail',
      moduleAccess: ['webmail', 'contacts'],
    });
    const perContext = Math.max(1, Math.round(opts.mailboxes / opts.contexts));
    let seq = 0;
    const mailbox = (ctx: string) => {
      const n = seq++;
      return call('POST', '/mailboxes', {
        aps: { id: randomUUID() },
        context: { aps: { id: ctx } },
        profile: { aps: { id: tier } },
        user: link(),
        login: `s${n}`,
        email: `s${n}@scale.example`,
        displayName: `Scale ${n}`,
        password: `Pw-${n}-scale`,
      });
    };
    // The baseline, provisioned: OX answers at once while it is built.
    await opts.sim.setLatency(0);
    const base: string[] = [];
    await mapLimited(Array.from({ length: opts.baseContexts }), 16, async () => {
      const id = randomUUID();
      await call('POST', '/contexts', {
        aps: { id, subscription: randomUUID() },
        app: link(),
        subscription: link(),
        account: link(),
        diskspace: { limit: 1024 },
      });
      for (let i = 0; i < perContext; i++) await mailbox(id);
      base.push(id);
    });
    await opts.sim.setLatency(opts.latencyMs);

    const measure = async (resources: number): Promise<ScaleFigures> => {
      // Warm: the same work once unmeasured (a restarted process compiles its hot paths first).
      for (const id of base) await call('GET', `/contexts/${id}`);
      await mapLimited(
        Array.from({ length: WARM_UP }, (_v, i) => base[i % base.length]),
        16,
        async (ctx) => void (await mailbox(ctx)),
      );
      const pid = endpoint.pid!;
      const { cpuMs: cachedPollCpuMs, result: polls } = await cpuPer(pid, POLLS, () =>
        timedRuns(POLLS, (i) => call('GET', `/contexts/${base[i % base.length]}`)),
      );
      const coldPollCpuMs = await coldPolls();
      const targets = Array.from({ length: PROVISIONS }, (_v, i) => base[i % base.length]);
      const switchesBefore = mainThreadSwitches(pid);
      const { cpuMs: provisionCpuMs } = await cpuPer(pid, PROVISIONS, () =>
        mapLimited(targets, 16, async (ctx) => void (await mailbox(ctx))),
      );
      const provisionSwitches = (mainThreadSwitches(pid) - switchesBefore) / PROVISIONS;
      const {
        via: sequential,
        direct,
        viaCpuMs: sequentialCpuMs,
      } = await pairedRuns(opts.sim, SEQUENTIAL, () => mailbox(base[0]), pid);
      return {
        resources,
        rssMb: rssMb(pid),
        ledgerBytesPerResource: Math.round((await ledgerBytes()) / resources),
        pollP99Ms: +pct(polls, 99).toFixed(2),
        cachedPollCpuMs: +cachedPollCpuMs.toFixed(3),
        coldPollCpuMs: +coldPollCpuMs.toFixed(3),
        provisionCpuMs: +provisionCpuMs.toFixed(2),
        provisionSwitches: +provisionSwitches.toFixed(2),
        sequentialCpuMs: +sequentialCpuMs.toFixed(2),
        provisionP50Ms: +pct(sequential, 50).toFixed(2),
        directP50Ms: +pct(direct, 50).toFixed(2),
      };
    };
    // A new cache period for every base context (its usage time reset by the bench, beside the
    // running endpoint), then each polled once: five rounds of 100, after one unmeasured (a
    // just-started process compiles the cold path's code first).
    const coldPolls = async (rounds = 5): Promise<number> => {
      const { ledger } = await openLedger(loadConfig(env), { existing: true });
      let cpu = 0;
      try {
        for (let round = 0; round <= rounds; round++) {
          for (const id of base) await ledger.updateResource(inst.id, id, { usageAt: 0 });
          const polled = await cpuPer(endpoint.pid!, 1, () =>
            mapLimited(base, 16, async (id) => void (await call('GET', `/contexts/${id}`))),
          );
          if (round > 0) cpu += polled.cpuMs;
        }
      } finally {
        await ledger.close();
      }
      return cpu / (rounds * base.length);
    };
    const ledgerBytes = async () => {
      if (!opts.databaseUrl) return dirBytes(dataDir);
      const pg = (await import('pg')).default;
      const client = new pg.Client(opts.databaseUrl);
      await client.connect();
      try {
        return Number((await client.query("SELECT pg_total_relation_size('resources') AS n")).rows[0].n);
      } finally {
        await client.end();
      }
    };
    // A new process, to ready: its time from spawn. Both measurements run on a process with the same
    // history (started, then WARM_UP provisions), so that only the ledger's size differs between them.
    const restart = async (): Promise<number> => {
      await endpoint.stop();
      endpoint = new EndpointProcess(env, true);
      await endpoint.start();
      await endpoint.waitReady();
      const startedMs = Date.now() - endpoint.spawnedAt;
      opts.controller.resetConnections();
      return startedMs;
    };
    await restart();
    const baseFigures = await measure(base.length * (1 + perContext) + WARM_UP + PROVISIONS + SEQUENTIAL);

    // The bulk, written into the ledger as provisioning writes it.
    const fillStarted = Date.now();
    const { ledger } = await openLedger(loadConfig(env), { existing: true });
    const now = Date.now();
    let written = 0;
    const bulk = opts.contexts - base.length;
    await mapLimited(
      Array.from({ length: bulk }, (_v, i) => i),
      opts.databaseUrl ? 16 : 1,
      async (i) => {
        const ctxId = randomUUID();
        const sub = randomUUID();
        const ctx: ResourceRecord = {
          id: ctxId,
          instanceId: inst.id,
          kind: 'contexts',
          state: 'ready',
          oxContextId: 1_000_000 + i,
          login: 'oxadmin',
          props: {
            diskspace: { limit: 1024 },
            mailboxCount: { limit: 50 },
            mobilityCount: { limit: 5 },
            contextName: `aps-${sub}`,
            aps: { type: CONTEXT_TYPE },
          },
          secrets: { adminPassword: randomBytes(12).toString('base64url') },
          usage: { diskspace: 10 },
          usageAt: now,
          createdAt: now,
          updatedAt: now,
        };
        await ledger.claimResource(ctx);
        for (let j = 0; j < perContext; j++) {
          await ledger.claimResource({
            id: randomUUID(),
            instanceId: inst.id,
            kind: 'mailboxes',
            parentId: ctxId,
            profileId: tier,
            state: 'ready',
            oxUserId: 3 + j,
            login: `b${i}u${j}`,
            props: {
              email: `b${i}u${j}@scale.example`,
              displayName: `Bulk ${i} ${j}`,
              givenName: 'Bulk',
              familyName: `${i}`,
              mobilityEnabled: j % 10 === 0,
              aps: { type: MAILBOX_TYPE },
            },
            secrets: { password: randomBytes(12).toString('base64url') },
            createdAt: now,
            updatedAt: now,
          });
        }
        progress('scale fill, contexts', ++written, bulk);
      },
    );
    await ledger.close();
    // After a bulk load PostgreSQL's autovacuum would vacuum and analyse the table now, beside the
    // restart: done here first, as after any import, so that the cold start measures the endpoint.
    if (opts.databaseUrl) await settlePostgres(opts.databaseUrl);
    const fillS = (Date.now() - fillStarted) / 1000;

    // Cold start on the full ledger, then the same figures at size.
    const coldStartMs = await restart();
    const scaled = await measure(opts.contexts * (1 + perContext) + 2 * (WARM_UP + PROVISIONS + SEQUENTIAL));
    return { base: baseFigures, scaled, coldStartMs, fillS };
  } finally {
    await endpoint.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type ScaleResult = Awaited<ReturnType<typeof scaleStage>>;

/**
 * The stage as `npm run bench` runs it: in a process of its own (this file's main, with its own
 * simulator, controller and PostgreSQL), so that what the bench's earlier stages left in the load
 * generator (its heap, the controller's and the simulator's records) does not share the cores with
 * the measured endpoint. Progress goes to the terminal; the figures come back as JSON.
 */
export async function scaleInOwnProcess(
  ledger: 'sqlite' | 'postgres',
  args: { contexts?: string; mailboxes?: string; base?: string; latency: string },
): Promise<ScaleResult> {
  const { spawn } = await import('node:child_process');
  const { projectRoot } = await import('../../app/util/paths.js');
  const flags = Object.entries(args).flatMap(([k, v]) => (v === undefined ? [] : [`--${k}`, v]));
  const child = ['--import', 'tsx', 'scripts/bench/scale.ts', '--no-build', '--ledger', ledger, ...flags];
  // stderr is the bench's own: a terminal sees the stage's progress.
  const proc = spawn(process.execPath, child, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  proc.stdout.on('data', (c: Buffer) => (stdout += String(c)));
  const code = await new Promise<number | null>((resolve) => proc.on('close', resolve));
  if (code !== 0) throw new Error(`the ${ledger} scale stage exited with ${code}`);
  return JSON.parse(stdout) as ScaleResult;
}

/** `npm run bench:scale [-- --ledger sqlite|postgres] [--contexts N --mailboxes N] [--no-build]`: this stage alone. */
async function main(): Promise<void> {
  const { parseArgs } = await import('node:util');
  const { randomUUID: uuid } = await import('node:crypto');
  const { TestController } = await import('../stand-ins/controller.js');
  const { TestPostgres } = await import('../stand-ins/postgres-server.js');
  const { startSimulator } = await import('./lib.js');
  const { values } = parseArgs({
    options: {
      ledger: { type: 'string', default: 'sqlite' },
      contexts: { type: 'string', default: '10000' },
      mailboxes: { type: 'string', default: '200000' },
      base: { type: 'string', default: '100' },
      latency: { type: 'string', default: '20' },
      'no-build': { type: 'boolean', default: false },
    },
  });
  const { execFileSync } = await import('node:child_process');
  const { projectRoot } = await import('../../app/util/paths.js');
  if (!values['no-build']) execFileSync('npm', ['run', '-s', 'build'], { cwd: projectRoot, stdio: 'inherit' });
  const master = `bench-${uuid()}`;
  const sim = await startSimulator(master, Number(values.latency));
  const controller = await new TestController().start();
  const pgServer = values.ledger === 'postgres' ? await new TestPostgres(SCALE_POSTGRES).start() : undefined;
  try {
    const figures = await scaleStage({
      controller,
      sim,
      master,
      latencyMs: Number(values.latency),
      databaseUrl: pgServer?.url,
      contexts: Number(values.contexts),
      mailboxes: Number(values.mailboxes),
      baseContexts: Number(values.base),
    });
    console.log(JSON.stringify(figures, null, 2));
  } finally {
    await pgServer?.stop();
    await controller.stop();
    await sim.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
