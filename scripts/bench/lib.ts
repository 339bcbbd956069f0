// What the bench's stages share: percentiles and a process's CPU time and memory from /proc.
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { mapLimited } from '../../app/util/limited.js';
import { projectRoot } from '../../app/util/paths.js';
import type { TestController } from '../stand-ins/controller.js';

export const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
export const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
export const link = () => ({ aps: { id: randomUUID() } });

/**
 * How long each of `n` runs of `once` (given its run's number) took (ms): one after another, or `concurrency` at a
 * time.
 */
export async function timedRuns(n: number, once: (i: number) => Promise<unknown>, concurrency = 1): Promise<number[]> {
  const times: number[] = [];
  await mapLimited(
    Array.from({ length: n }, (_v, i) => i),
    concurrency,
    async (i) => {
      const t0 = process.hrtime.bigint();
      await once(i);
      times.push(ms(t0));
    },
  );
  return times;
}

/**
 * A poster of the SOAP request the endpoint sent last (the simulator keeps it), each time for a new
 * login, warmed by 20 unmeasured posts. Plain node:http with keep-alive, nothing of our stack: so
 * that the SOAP client's own cost counts against the endpoint.
 */
async function directPoster(sim: Simulator): Promise<{ post: () => Promise<void>; close: () => void }> {
  const last = (await sim.calls()).at(-1);
  const login = last && /<(?:\w+:)?name\b[^>]*>([^<]+)</.exec(last.xml)?.[1];
  if (!last || !login) throw new Error('the simulator kept no request to replay (start it with --keep-calls)');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(`${sim.soapUrl}${last.service}`);
  const loginAt = new RegExp(`\\b${login}\\b`, 'g');
  let i = 0;
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const body = last.xml.replace(loginAt, `r${i++}${login}`);
      const req = http.request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'text/xml; charset=utf-8',
            soapaction: '""',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () =>
            res.statusCode === 200
              ? resolve()
              : reject(new Error(`replayed ${last.operation}: HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  for (let w = 0; w < 20; w++) await post();
  return { post, close: () => agent.destroy() };
}

/** Runs of the endpoint and of the direct post alternate in blocks of this many. */
const PAIRED_BLOCK = 20;

/**
 * How long each of `n` runs of `once` through the endpoint took (ms), one after another, and each
 * of `n` posts of its SOAP request straight to the simulator, in alternating blocks: whatever the
 * host does meanwhile (its load moves between minutes) falls on both sides alike. With `pid`, also
 * that process's CPU per run of `once` (its blocks only).
 */
export async function pairedRuns(
  sim: Simulator,
  n: number,
  once: () => Promise<unknown>,
  pid?: number,
): Promise<{ via: number[]; direct: number[]; viaCpuMs: number }> {
  const via: number[] = [];
  const direct: number[] = [];
  let cpu = 0;
  let poster: Awaited<ReturnType<typeof directPoster>> | undefined;
  try {
    for (let done = 0; done < n; done += PAIRED_BLOCK) {
      const size = Math.min(PAIRED_BLOCK, n - done);
      const run = () => timedRuns(size, once);
      const block = pid === undefined ? { cpuMs: 0, result: await run() } : await cpuPer(pid, 1, run);
      cpu += block.cpuMs;
      via.push(...block.result);
      poster ??= await directPoster(sim);
      direct.push(...(await timedRuns(size, poster.post)));
    }
  } finally {
    poster?.close();
  }
  return { via, direct, viaCpuMs: cpu / n };
}

/**
 * A controller's calls as one instance to the endpoint `url()` names (it may restart): the answer, or an error naming
 * the call.
 */
export function callerAs(controller: TestController, url: () => string, instanceId: string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await controller.call(url(), method, path, { instanceId, body });
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.json;
  };
}

/**
 * CPU time (ms) a process has used so far, all its threads: the scheduler's nanoseconds
 * (/proc/<pid>/task/<tid>/schedstat), not /proc/<pid>/stat's 10 ms ticks, which made a 30 s idle
 * window read in steps of 0.33 ms/s. A thread that ended takes its time with it (Node's threads
 * live as long as the process).
 */
export function cpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // ended between the listing and the read
    }
  }
  return ns / 1e6;
}

/**
 * How often the process's main thread has left the CPU so far (voluntary and forced context
 * switches): about once per wake-up of its event loop, so per request it tells how much the
 * requests share their wake-ups.
 */
export function mainThreadSwitches(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return field('voluntary_ctxt_switches') + field('nonvoluntary_ctxt_switches');
}

/** The process's CPU (ms) per unit of `work`, which does `units` of it, and what the work answered. */
export async function cpuPer<T>(
  pid: number,
  units: number,
  work: () => Promise<T>,
): Promise<{ cpuMs: number; result: T }> {
  const before = cpuMs(pid);
  const result = await work();
  return { cpuMs: (cpuMs(pid) - before) / units, result };
}

function statusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
}

/** The most memory the process has held. */
export const peakRssMb = (pid: number) => statusMb(pid, 'VmHWM');
/** The memory it holds now. */
export const rssMb = (pid: number) => statusMb(pid, 'VmRSS');

/** The simulator in a process of its own, so that OX's side does not share a core with the load. */
export type Simulator = Awaited<ReturnType<typeof startSimulator>>;

export async function startSimulator(master: string, latencyMs: number) {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/ox-sim/main.ts',
      '--master-password',
      master,
      '--latency',
      String(latencyMs),
      '--master-account-override',
      '--allow-duplicate-display-names',
      '--keep-calls',
      '1',
    ],
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', (c: Buffer) => {
      const m = /listening on (\S+)/.exec(String(c));
      if (m) resolve(m[1]);
    });
    proc.on('exit', () => reject(new Error('the OX simulator exited')));
  });
  const control = async <T>(action: string, body?: unknown) =>
    (await (
      await fetch(`${url}/__sim/${action}`, {
        method: body ? 'POST' : 'GET',
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    ).json()) as T;
  const counts = () => control<Record<string, number>>('counts');
  return {
    /** The SOAP calls it keeps (the last one). */
    calls: () => control<Array<{ service: string; operation: string; xml: string }>>('calls'),
    soapUrl: `${url}/webservices/`,
    url,
    setLatency: (ms: number) => control('latency', { ms }),
    load: (reset = false) =>
      control<{ active: number; peak: number; usersChanged: number; mostChangesOfOneUser: number }>(
        'load',
        reset ? { reset } : undefined,
      ),
    count: async (op?: string) => {
      const c = await counts();
      return op ? (c[op] ?? 0) : Object.values(c).reduce((a, b) => a + b, 0);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}
