// npm run bench [-- --latency 20 --json out.json]: the endpoint's own cost on top of OX, and a
// profile change over many mailboxes at a slow OX (the job runner's bound towards OX).
// Starts the OX simulator (fixed latency per SOAP call), the compiled endpoint as its own process
// (SQLite), and a controller load generator with mutual TLS, all on loopback; prints a table.
import { mapLimited } from '../../app/util/limited.js';
import { callerAs, cpuMs, cpuPer, pairedRuns, link, ms, pct, peakRssMb, startSimulator, timedRuns } from './lib.js';
import { floorStage } from './floor.js';
import { scaleInOwnProcess } from './scale.js';
import { postgresAvailable } from '../stand-ins/postgres-server.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../app/config.js';
import { OxConnections } from '../../app/ox/connections.js';
import { openLedger } from '../../app/store/open-ledger.js';
import { projectRoot } from '../../app/util/paths.js';
import { TestController } from '../stand-ins/controller.js';
import { EndpointProcess } from '../stand-ins/endpoint-process.js';

const { values } = parseArgs({
  options: {
    latency: { type: 'string', default: '20' },
    json: { type: 'string' },
    mailboxes: { type: 'string', default: '2000' },
    contexts: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '32' },
    polled: { type: 'string', default: '1000' },
    sequential: { type: 'string', default: '200' },
    'no-build': { type: 'boolean', default: false },
    'profile-mailboxes': { type: 'string', default: '2000' },
    'slow-latency': { type: 'string', default: '500' },
    'job-concurrency': { type: 'string', default: '32' },
    burst: { type: 'string', default: '200' },
    'reconcile-contexts': { type: 'string', default: '2000' },
    'reconcile-users': { type: 'string', default: '10' },
    'scale-contexts': { type: 'string', default: '10000' },
    'scale-mailboxes': { type: 'string', default: '200000' },
    // PostgreSQL, the ledger of a large provider's replicas, at issue 37's size: 1,000,000 resources.
    'scale-postgres-contexts': { type: 'string', default: '50000' },
    'scale-postgres-mailboxes': { type: 'string', default: '950000' },
    'scale-base': { type: 'string', default: '100' },
  },
});
const LATENCY = Number(values.latency);
const CONCURRENCY = Number(values.concurrency);
const MASTER = `bench-${randomUUID()}`;
const JOB_CONCURRENCY = Number(values['job-concurrency']);
// The bound towards OX: above the load generator's and the job runner's own, so that only the burst meets it.
const OX_CONCURRENCY = Math.max(CONCURRENCY, JOB_CONCURRENCY) + 1;
const BURST_BOUND = 8;
const WARM_UP = 2000;
const BURST_QUEUE = 16;

// The controller's rhythm (issue 37 item 7): a context's periodic usage sync finds the cache
// period over (USAGE_CACHE_SECONDS is just under the 180 s sync period) and asks OX; the panel's
// reads in between are answered from the cache. The mix: one of each per period, at the least.
const pollMix = (coldMs: number, cachedMs: number) => +((coldMs + cachedMs) / 2).toFixed(3);

const pool = <T>(items: T[], n: number, fn: (item: T) => Promise<void>) => mapLimited(items, n, fn);

if (!values['no-build']) execFileSync('npm', ['run', '-s', 'build'], { cwd: projectRoot, stdio: 'inherit' });
const sim = await startSimulator(MASTER, LATENCY);
const controller = await new TestController().start();
// LOG_LEVEL stays at its default (info), as `npm start` runs: the log's cost counts.
const env: Record<string, string> = {
  DATA_DIR: mkdtempSync(join(tmpdir(), 'ox-aps-bench-')),
  PORT: '0',
  HOST: '127.0.0.1',
  SECRET_KEY: randomBytes(32).toString('hex'),
  SYNC_BUDGET_MS: '60000',
  USAGE_CACHE_SECONDS: '170',
  MAX_EVENT_LOOP_DELAY_MS: '0',
  JOB_CONCURRENCY: String(JOB_CONCURRENCY),
  OX_CONCURRENCY: String(OX_CONCURRENCY),
};
let endpoint = await new EndpointProcess(env, true).start();
const inst = controller.newInstance();
const call = callerAs(controller, () => endpoint.url, inst.id);
await call('POST', '/app', {
  aps: { id: inst.id, x509: inst.x509 },
  oxSoapUrl: sim.soapUrl,
  oxPublicUrl: sim.url,
  masterPassword: MASTER,
  masterAccountOverride: true,
  contextIdStart: 1,
});
const profile = randomUUID();
await call('POST', '/profiles', {
  aps: { id: profile },
  app: { aps: { id: inst.id } },
  title: 'Webmail',
  accessCombination: 'webmail',
});
const newContext = async () => {
  const id = randomUUID();
  await call('POST', '/contexts', {
    aps: { id, subscription: randomUUID() },
    app: link(),
    subscription: link(),
    account: link(),
    diskspace: { limit: 1024 },
  });
  return { id };
};
let userSeq = 0;
const mailbox = (ctxId: string, profileId = profile) => {
  const n = userSeq++;
  return call('POST', '/mailboxes', {
    aps: { id: randomUUID() },
    context: { aps: { id: ctxId } },
    profile: { aps: { id: profileId } },
    user: link(),
    login: `u${n}`,
    email: `u${n}@bench.example`,
    displayName: `User ${n}`,
    password: `Pw-${n}-bench`,
  });
};

// 1. Latency of one mailbox provision, through the endpoint and as its SOAP request posted again directly,
// after 2,000 unmeasured provisions (as the scale stage: the process compiles its hot paths first).
const warm = await newContext();
await pool(
  Array.from({ length: WARM_UP }, () => warm.id),
  CONCURRENCY,
  async (ctxId) => void (await mailbox(ctxId)),
);
const seq = Number(values.sequential);
/** Provisions counted for the SOAP calls each makes (the paired runs below post beside them). */
const PAIRED_PROBE = 20;
const before = await sim.count();
await timedRuns(PAIRED_PROBE, () => mailbox(warm.id));
const soapPerProvision = ((await sim.count()) - before) / PAIRED_PROBE;
const { via: viaEndpoint, direct } = await pairedRuns(sim, seq, () => mailbox(warm.id));

// 2. Throughput: many provisions over several contexts at a fixed concurrency.
const contexts = await Promise.all(Array.from({ length: Number(values.contexts) }, () => newContext()));
const jobs = Array.from({ length: Number(values.mailboxes) }, (_v, i) => contexts[i % contexts.length].id);
const cpuBefore = cpuMs(endpoint.pid!);
const t0 = process.hrtime.bigint();
await pool(jobs, CONCURRENCY, async (ctxId) => void (await mailbox(ctxId)));
const elapsedS = ms(t0) / 1000;
const endpointCpuMsPerProvision = (cpuMs(endpoint.pid!) - cpuBefore) / jobs.length;
const measured = jobs.length / elapsedS;
const ideal = CONCURRENCY / (soapPerProvision * (LATENCY / 1000));
// What one core allows at the CPU a provision measurably takes (issue 37: the rate to hold is the
// lower of the two bounds).
const cpuBound = 1000 / endpointCpuMsPerProvision;

// 3. Usage polls: many contexts, each polled twice inside the cache period (first poll of a period).
// The ledger is opened beside the running endpoint (SQLite WAL) to start a new cache period, so
// that one process runs every phase and its peak RSS covers them all.
const polled = Array.from({ length: Number(values.polled) }, () => 0);
const pollContexts: string[] = [];
await pool(polled, CONCURRENCY, async () => void pollContexts.push((await newContext()).id));
{
  const { ledger } = await openLedger(loadConfig(env), { existing: true });
  for (const id of pollContexts) await ledger.updateResource(inst.id, id, { usageAt: 0 });
  await ledger.close();
}
const pollsBefore = await sim.count('OXContextService.getData');
// The first poll of a period asks OX (cold); the second is answered from the ledger (cached).
const coldCpuBefore = cpuMs(endpoint.pid!);
await pool(pollContexts, CONCURRENCY, async (id) => void (await call('GET', `/contexts/${id}`)));
const coldPollCpuMs = (cpuMs(endpoint.pid!) - coldCpuBefore) / pollContexts.length;
const cachedCpuBefore = cpuMs(endpoint.pid!);
await pool(pollContexts, CONCURRENCY, async (id) => void (await call('GET', `/contexts/${id}`)));
const cachedPollCpuMs = (cpuMs(endpoint.pid!) - cachedCpuBefore) / pollContexts.length;
const retrieveSoapCallsPerPoll =
  ((await sim.count('OXContextService.getData')) - pollsBefore) / (2 * pollContexts.length);
await pool(jobs.slice(0, 500), CONCURRENCY, async (ctxId) => void (await mailbox(ctxId)));

// 5. A profile change over many mailboxes at a slow OX: bounded at OX, each user changed once,
// while new mailboxes (the probes) are still provisioned at once.
const changed = randomUUID();
await call('POST', '/profiles', {
  aps: { id: changed },
  app: { aps: { id: inst.id } },
  title: 'Groupware',
  accessCombination: 'webmail',
});
const big = await newContext();
await pool(
  Array.from({ length: Number(values['profile-mailboxes']) }, () => big.id),
  CONCURRENCY,
  async (ctxId) => void (await mailbox(ctxId, changed)),
);
await sim.setLatency(Number(values['slow-latency']));
await sim.load(true);
const callsBeforeChange = await sim.count();
const t1 = process.hrtime.bigint();
await call('PUT', `/profiles/${changed}`, {
  aps: { id: changed },
  title: 'Groupware plus',
  accessCombination: 'webmail',
  uploadFileSizeLimit: 100,
});
const profileChangeAnswerMs = ms(t1);
const probes: number[] = [];
let load = await sim.load();
while (load.usersChanged < Number(values['profile-mailboxes']) && ms(t1) < 15 * 60_000) {
  if (probes.length < 10) {
    const p0 = process.hrtime.bigint();
    await mailbox(warm.id);
    probes.push(ms(p0));
  }
  await new Promise((r) => setTimeout(r, 1000));
  load = await sim.load();
}
const profileChangeConvergeS = ms(t1) / 1000;
// The bound: the change's SOAP calls (the probes' excluded) at the slow latency, JOB_CONCURRENCY at a time.
const changeCalls = (await sim.count()) - callsBeforeChange - probes.length * soapPerProvision;
const profileChangeIdealS = (changeCalls * Number(values['slow-latency'])) / 1000 / JOB_CONCURRENCY;
await sim.setLatency(LATENCY);

// 5b. Usage polls of that big context, inside the cache period: their cost must not grow with it.
// CPU as stage 3 measured the small contexts' cached polls (CONCURRENCY at a time); then one at a
// time, for the latency and beside a small context's polls one at a time: a lone request pays
// the process's wake-ups on its own, whatever the context's size.
await call('GET', `/contexts/${big.id}`);
await new Promise((r) => setTimeout(r, 2000)); // the change's last jobs are pruned meanwhile
const cpuPerCall = async (n: number, concurrency: number, path: string) => {
  const run = await cpuPer(endpoint.pid!, n, () => timedRuns(n, () => call('GET', path), concurrency));
  return { cpuMs: run.cpuMs, times: run.result };
};
const bigPath = `/contexts/${big.id}`;
await cpuPerCall(1000, CONCURRENCY, bigPath); // unmeasured: the 2,000 jobs just before ran other code
const bigContextPollCpuMs = (await cpuPerCall(1000, CONCURRENCY, bigPath)).cpuMs;
// Alternating blocks, so that the process's drift (JIT, GC) falls on both alike.
const bigAlone = { cpuMs: 0, times: [] as number[] };
const smallAlone = { cpuMs: 0, times: [] as number[] };
for (let block = 0; block < 4; block++) {
  for (const [sum, path] of [
    [smallAlone, `/contexts/${pollContexts[0]}`],
    [bigAlone, bigPath],
  ] as const) {
    const run = await cpuPerCall(250, 1, path);
    sum.cpuMs += run.cpuMs / 4;
    sum.times.push(...run.times);
  }
}
const bigPolls = bigAlone.times;

// 6. Peak RSS of the one process that ran every phase above.
const rss = peakRssMb(endpoint.pid!);

// 7. Cold start: a restart with the populated ledger, to ready (SOAP clients built). It comes up
// with a tight bound towards OX for the burst of stage 8.
await endpoint.stop();
endpoint = new EndpointProcess({ ...env, OX_CONCURRENCY: String(BURST_BOUND), OX_QUEUE: String(BURST_QUEUE) }, true);
await endpoint.start();
await endpoint.waitReady();
const coldStartMs = Date.now() - endpoint.spawnedAt;

// 7b. Idle: no requests for 30 s (after 45 s to settle: V8 finishes its start-up GC work): the endpoint's CPU per
// second, all threads.
await new Promise((r) => setTimeout(r, 45_000));
const idleCpuBefore = cpuMs(endpoint.pid!);
await new Promise((r) => setTimeout(r, 30_000));
const idleCpuMsPerSecond = (cpuMs(endpoint.pid!) - idleCpuBefore) / 30;

// 8. A controller burst at once: OX sees the bound at most; what the queue cannot hold waits as a
// job (202) up to OX_BACKLOG, only beyond that 503.
await sim.setLatency(100);
await sim.load(true);
const burst = await Promise.all(
  Array.from({ length: Number(values.burst) }, () => {
    const n = userSeq++;
    return controller.call(endpoint.url, 'POST', '/mailboxes', {
      instanceId: inst.id,
      body: {
        aps: { id: randomUUID() },
        context: { aps: { id: warm.id } },
        profile: { aps: { id: profile } },
        user: link(),
        login: `u${n}`,
        email: `u${n}@bench.example`,
        displayName: `User ${n}`,
      },
    });
  }),
);
const burstPeakAtOx = (await sim.load()).peak;
const burstShed = burst.filter((r) => r.status === 503 && r.headers['retry-after']).length;
const burstOk = burst.filter((r) => r.status === 200).length;
const burstQueued = burst.filter((r) => r.status === 202).length;
await sim.setLatency(LATENCY);

// 9. Reconcile: a second instance with many contexts of many users (filled with OX answering at
// once), then `ox-aps reconcile` of that instance at the usual latency, JOB_CONCURRENCY contexts
// at a time: its time and the SOAP calls it made per resource.
await endpoint.stop();
endpoint = await new EndpointProcess(env, true).start();
const second = controller.newInstance();
const callAs = callerAs(controller, () => endpoint.url, second.id);
await callAs('POST', '/app', {
  aps: { id: second.id, x509: second.x509 },
  oxSoapUrl: sim.soapUrl,
  oxPublicUrl: sim.url,
  masterPassword: MASTER,
  masterAccountOverride: true,
  contextIdStart: 100_000,
});
const tier = randomUUID();
await callAs('POST', '/profiles', {
  aps: { id: tier },
  app: { aps: { id: second.id } },
  title: 'Webmail',
  moduleAccess: ['webmail', 'contacts'],
});
await sim.setLatency(0);
const reconcileContexts = Array.from({ length: Number(values['reconcile-contexts']) }, () => randomUUID());
const fillStarted = Date.now();
let filled = 0;
await pool(reconcileContexts, CONCURRENCY, async (id) => {
  await callAs('POST', '/contexts', {
    aps: { id, subscription: randomUUID() },
    app: link(),
    subscription: link(),
    account: link(),
    diskspace: { limit: 1024 },
  });
  for (let u = 0; u < Number(values['reconcile-users']); u++) {
    const n = userSeq++;
    await callAs('POST', '/mailboxes', {
      aps: { id: randomUUID() },
      context: { aps: { id } },
      profile: { aps: { id: tier } },
      user: link(),
      login: `u${n}`,
      email: `u${n}@bench.example`,
      displayName: `User ${n}`,
      password: `Pw-${n}-bench`,
    });
  }
  if (process.stderr.isTTY)
    process.stderr.write(`\rreconcile stage: ${++filled}/${reconcileContexts.length} contexts filled`);
});
if (process.stderr.isTTY) process.stderr.write(`\n`);
console.log(`reconcile stage filled in ${((Date.now() - fillStarted) / 1000).toFixed(0)} s`);
await sim.setLatency(LATENCY);
const reconcileResources = reconcileContexts.length * (1 + Number(values['reconcile-users']));
const reconcileCallsBefore = await sim.count();
const reconcileStarted = Date.now();
const reconcileReport = await (async () => {
  const { reconcile } = await import('../../app/ops/reconcile.js');
  const { ledger } = await openLedger(loadConfig(env), { existing: true });
  const ox = OxConnections.forTool();
  try {
    return await reconcile({ ledger, ox }, { instanceId: second.id, concurrency: JOB_CONCURRENCY });
  } finally {
    await ox.close();
    await ledger.close();
  }
})();
const reconcileS = (Date.now() - reconcileStarted) / 1000;
const reconcileSoapCallsPerResource = ((await sim.count()) - reconcileCallsBefore) / reconcileResources;
// The floor: every call at the latency, JOB_CONCURRENCY at a time.
const reconcileIdealS = (reconcileSoapCallsPerResource * reconcileResources * LATENCY) / 1000 / JOB_CONCURRENCY;

// 10. Scale: the same figures at 100 contexts and at 10,000 contexts with 200,000 mailboxes on
// SQLite, 50,000 contexts with 950,000 mailboxes on PostgreSQL (where its server binaries are
// installed); and the cold start at that size. Each in a process of its own (scaleInOwnProcess).
const scale: Record<string, number> = {};
for (const kind of ['sqlite', 'postgres'] as const) {
  if (kind === 'postgres' && !postgresAvailable) {
    console.log('scale stage: no PostgreSQL server binaries here, PostgreSQL skipped');
    continue;
  }
  const r = await scaleInOwnProcess(kind, {
    contexts: values[kind === 'postgres' ? 'scale-postgres-contexts' : 'scale-contexts'],
    mailboxes: values[kind === 'postgres' ? 'scale-postgres-mailboxes' : 'scale-mailboxes'],
    base: values['scale-base'],
    latency: String(LATENCY),
  });
  console.log(`scale stage (${kind}): the bulk written into the ledger in ${r.fillS.toFixed(0)} s`);
  const prefix = kind === 'sqlite' ? 'scaleSqlite' : 'scalePostgres';
  Object.assign(scale, {
    [`${prefix}BaseResources`]: r.base.resources,
    [`${prefix}Resources`]: r.scaled.resources,
    [`${prefix}BaseRssMb`]: r.base.rssMb,
    [`${prefix}RssMb`]: r.scaled.rssMb,
    [`${prefix}BaseBytesPerResource`]: r.base.ledgerBytesPerResource,
    [`${prefix}BytesPerResource`]: r.scaled.ledgerBytesPerResource,
    [`${prefix}BasePollP99Ms`]: r.base.pollP99Ms,
    [`${prefix}PollP99Ms`]: r.scaled.pollP99Ms,
    [`${prefix}CachedPollCpuMs`]: r.scaled.cachedPollCpuMs,
    [`${prefix}ColdPollCpuMs`]: r.scaled.coldPollCpuMs,
    [`${prefix}PollMixCpuMs`]: pollMix(r.scaled.coldPollCpuMs, r.scaled.cachedPollCpuMs),
    [`${prefix}BaseProvisionCpuMs`]: r.base.provisionCpuMs,
    [`${prefix}ProvisionCpuMs`]: r.scaled.provisionCpuMs,
    [`${prefix}BaseProvisionSwitches`]: r.base.provisionSwitches,
    [`${prefix}ProvisionSwitches`]: r.scaled.provisionSwitches,
    [`${prefix}ProvisionP50Ms`]: r.base.provisionP50Ms,
    [`${prefix}DirectP50Ms`]: r.base.directP50Ms,
    [`${prefix}OverheadRatioP50`]: +(r.base.provisionP50Ms / r.base.directP50Ms).toFixed(3),
    [`${prefix}PollGrowth`]: +(r.scaled.pollP99Ms / r.base.pollP99Ms).toFixed(3),
    [`${prefix}ProvisionCpuGrowth`]: +(r.scaled.provisionCpuMs / r.base.provisionCpuMs).toFixed(3),
    [`${prefix}SequentialCpuGrowth`]: +(r.scaled.sequentialCpuMs / r.base.sequentialCpuMs).toFixed(3),
    [`${prefix}ColdStartMs`]: r.coldStartMs,
  });
}

// 11. The stack's floor: stages 1 and 2's load against a process running only what the endpoint
// is built on (TLS, Fastify, a request line, two SQLite writes, node-soap, the controller call).
// Last: run between the stages, it slowed the profile change that followed by ~10% (not found why;
// a pause of the same length did not).
const floor = await floorStage({
  controller,
  latencyMs: LATENCY,
  warmUp: WARM_UP,
  provisions: jobs.length,
  concurrency: CONCURRENCY,
  sequential: seq,
});

const results = {
  soapLatencyMs: LATENCY,
  soapCallsPerProvision: soapPerProvision,
  provisionP50Ms: +pct(viaEndpoint, 50).toFixed(2),
  provisionP99Ms: +pct(viaEndpoint, 99).toFixed(2),
  directP50Ms: +pct(direct, 50).toFixed(2),
  directP99Ms: +pct(direct, 99).toFixed(2),
  overheadRatioP50: +(pct(viaEndpoint, 50) / pct(direct, 50)).toFixed(3),
  overheadRatioP99: +(pct(viaEndpoint, 99) / pct(direct, 99)).toFixed(3),
  provisionsPerSecond: +measured.toFixed(1),
  idealPerSecond: +ideal.toFixed(1),
  cpuBoundPerSecond: +cpuBound.toFixed(1),
  throughputRatio: +(measured / Math.min(ideal, cpuBound)).toFixed(3),
  endpointCpuMsPerProvision: +endpointCpuMsPerProvision.toFixed(2),
  // The stack alone (no target): what of the two figures above is not ours.
  floorCpuMsPerProvision: floor.cpuMsPerProvision,
  floorOverheadRatioP50: floor.overheadRatioP50,
  floorProvisionsPerSecond: floor.perSecond,
  endpointCpuAboveFloorMs: +(endpointCpuMsPerProvision - floor.cpuMsPerProvision).toFixed(2),
  retrieveSoapCallsPerPoll,
  coldPollCpuMs: +coldPollCpuMs.toFixed(3),
  cachedPollCpuMs: +cachedPollCpuMs.toFixed(3),
  pollMixCpuMs: pollMix(coldPollCpuMs, cachedPollCpuMs),
  peakRssMb: rss,
  coldStartMs,
  idleCpuMsPerSecond: +idleCpuMsPerSecond.toFixed(2),
  profileChangeAnswerMs: +profileChangeAnswerMs.toFixed(1),
  profileChangeConvergeS: +profileChangeConvergeS.toFixed(1),
  profileChangeIdealS: +profileChangeIdealS.toFixed(1),
  profileChangeRatio: +(profileChangeConvergeS / profileChangeIdealS).toFixed(3),
  usersChanged: load.usersChanged,
  mostChangesOfOneUser: load.mostChangesOfOneUser,
  peakOxCallsDuringChange: load.peak,
  mailboxPostDuringChangeMaxMs: +Math.max(...probes).toFixed(1),
  bigContextPollP50Ms: +pct(bigPolls, 50).toFixed(2),
  bigContextPollP99Ms: +pct(bigPolls, 99).toFixed(2),
  bigContextPollCpuMs: +bigContextPollCpuMs.toFixed(3),
  // One poll at a time: the big context's CPU per poll over a small one's.
  pollAloneCpuMs: +smallAlone.cpuMs.toFixed(3),
  bigContextPollAloneCpuMs: +bigAlone.cpuMs.toFixed(3),
  pollAloneCpuGrowth: +(bigAlone.cpuMs / smallAlone.cpuMs).toFixed(3),
  burstRequests: burst.length,
  burstPeakAtOx,
  burstOk,
  burstQueued202: burstQueued,
  burstShed503: burstShed,
  reconcileResources,
  reconcileS: +reconcileS.toFixed(1),
  reconcileIdealS: +reconcileIdealS.toFixed(1),
  reconcileRatio: +(reconcileS / reconcileIdealS).toFixed(3),
  reconcileSoapCallsPerResource: +reconcileSoapCallsPerResource.toFixed(3),
  reconcileDrift: reconcileReport.drift.length,
  ...scale,
  ...(scale.scalePostgresProvisionCpuMs !== undefined && scale.scaleSqliteProvisionCpuMs !== undefined
    ? {
        scalePostgresCpuAboveSqliteMs: +(scale.scalePostgresProvisionCpuMs - scale.scaleSqliteProvisionCpuMs).toFixed(
          2,
        ),
      }
    : {}),
};
// Issue 37: the targets are relative to the stack's floor (stage 11: what TLS, Fastify, a ledger
// write, node-soap and the controller call cost with none of our logic), measured in the same run.
const floorRatio = floor.overheadRatioP50;
const MAX_RSS_MB = 180;
const atMost = (bound: number): [string, (v: number) => boolean] => [`≤ ${bound}`, (v) => v <= bound];
const targets: Record<string, [string, (v: number) => boolean]> = {
  overheadRatioP50: [`≤ floor ${floorRatio} + 0.02`, (v) => v <= floorRatio + 0.02],
  throughputRatio: ['≥ 0.8 of min(ideal, CPU bound)', (v) => v >= 0.8],
  endpointCpuAboveFloorMs: atMost(0.25),
  retrieveSoapCallsPerPoll: atMost(0.5),
  peakRssMb: atMost(MAX_RSS_MB),
  coldStartMs: atMost(1500),
  usersChanged: [`= ${values['profile-mailboxes']}`, (v) => v === Number(values['profile-mailboxes'])],
  mostChangesOfOneUser: ['= 1', (v) => v === 1],
  // One probe provision at a time runs beside the jobs; its SOAP calls are sequential.
  peakOxCallsDuringChange: [`≤ ${JOB_CONCURRENCY} + 1 probe`, (v) => v <= JOB_CONCURRENCY + 1],
  mailboxPostDuringChangeMaxMs: ['< 2000', (v) => v < 2000],
  // A usage poll's cost is independent of the context's size.
  bigContextPollP99Ms: atMost(5),
  // README: "converges close to the ideal" — the job runner keeps JOB_CONCURRENCY calls busy.
  profileChangeRatio: atMost(1.1),
  bigContextPollCpuMs: atMost(0.3),
  // Issue 37: ≤ 0.5 ms per poll in the controller's mix of cached and cold polls, on both ledgers.
  cachedPollCpuMs: atMost(0.5),
  pollMixCpuMs: atMost(0.5),
  pollAloneCpuGrowth: atMost(1.25),
  idleCpuMsPerSecond: atMost(1),
  burstPeakAtOx: [`= ${BURST_BOUND} (OX_CONCURRENCY)`, (v) => v === BURST_BOUND],
  burstOk: [`= ${values.burst} - queued - shed`, (v) => v + burstQueued + burstShed === burst.length],
  // Issue 37: the overflow waits as jobs within OX_BACKLOG (10,000): none is refused.
  burstShed503: ['= 0', (v) => v === 0],
  // About one SOAP call per resource (per context: getData, list, getMultipleData and, under
  // master override, the administrator's check; per mailbox: getModuleAccess), and no drift.
  reconcileSoapCallsPerResource: atMost(1.3),
  reconcileDrift: ['= 0', (v) => v === 0],
  // The scale stages: memory, start-up and growth bounded at their size.
  scaleSqliteRssMb: atMost(MAX_RSS_MB),
  scalePostgresRssMb: atMost(MAX_RSS_MB),
  scaleSqliteBaseRssMb: atMost(MAX_RSS_MB),
  scalePostgresBaseRssMb: atMost(MAX_RSS_MB),
  scalePostgresResources: ['≥ 1,000,000', (v) => v >= 1_000_000],
  scaleSqlitePollP99Ms: atMost(5),
  scalePostgresPollP99Ms: atMost(5),
  scaleSqliteCachedPollCpuMs: atMost(0.5),
  scalePostgresCachedPollCpuMs: atMost(0.5),
  scaleSqlitePollMixCpuMs: atMost(0.5),
  scalePostgresPollMixCpuMs: atMost(0.5),
  scaleSqliteProvisionCpuGrowth: atMost(1.2),
  scalePostgresProvisionCpuGrowth: atMost(1.2),
  scaleSqliteColdStartMs: atMost(1500),
  scalePostgresColdStartMs: atMost(1500),
  scalePostgresCpuAboveSqliteMs: atMost(0.3),
  scaleSqliteOverheadRatioP50: [`≤ floor ${floorRatio} + 0.02`, (v) => v <= floorRatio + 0.02],
  scalePostgresOverheadRatioP50: ['≤ 1.10', (v) => v <= 1.1],
};
console.log(
  `\nOX SOAP latency ${LATENCY} ms; ${soapPerProvision} SOAP call(s) per mailbox provision; concurrency ${CONCURRENCY}`,
);
console.log(
  `profile change: ${values['profile-mailboxes']} mailboxes at ${values['slow-latency']} ms per SOAP call, JOB_CONCURRENCY ${JOB_CONCURRENCY}`,
);
console.log(
  `big context polls: the context of the profile change (${values['profile-mailboxes']} mailboxes), 1000 cached polls ${CONCURRENCY} at a time (CPU, after 1000 unmeasured), then 1000 one at a time (latency) in blocks alternating with a small context's`,
);
console.log(
  `burst: ${values.burst} mailbox provisions at once at 100 ms per SOAP call; OX_CONCURRENCY ${BURST_BOUND}, OX_QUEUE ${BURST_QUEUE}`,
);
console.log(
  `reconcile: ${values['reconcile-contexts']} contexts x ${values['reconcile-users']} users at ${LATENCY} ms per SOAP call, JOB_CONCURRENCY ${JOB_CONCURRENCY}\n`,
);
console.log('figure'.padEnd(26) + 'value'.padStart(10) + '  target');
for (const [k, v] of Object.entries(results)) {
  const target = targets[k];
  console.log(
    k.padEnd(26) + String(v).padStart(10) + (target ? `  ${target[0]} ${target[1](v) ? 'met' : 'MISSED'}` : ''),
  );
}
if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
await endpoint.stop();
await controller.stop();
await sim.stop();
rmSync(env.DATA_DIR, { recursive: true, force: true });
// Peak RSS is VmHWM of the endpoint process that ran phases 1–5; cold start is a separate restart.
