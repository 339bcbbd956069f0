// The bench's stack floor (scripts/bench/floor-server.ts): the same load as the main stage's
// provisions against a process that runs only the parts the endpoint is built on. Its figures say
// what of the endpoint's cost is the stack's and what is ours; they have no target of their own.
// It has a simulator of its own, so that the later stages find OX as the earlier ones left it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { OxConnections } from '../../app/ox/connections.js';
import { mapLimited } from '../../app/util/limited.js';
import { projectRoot } from '../../app/util/paths.js';
import type { TestController } from '../stand-ins/controller.js';
import { cpuMs, pairedRuns, pct, startSimulator, type Simulator } from './lib.js';

export interface FloorOptions {
  controller: TestController;
  /** OX's time per SOAP call (ms). */
  latencyMs: number;
  warmUp: number;
  provisions: number;
  concurrency: number;
  sequential: number;
}

export interface FloorFigures {
  cpuMsPerProvision: number;
  overheadRatioP50: number;
  /** Provisions per second at the stage's concurrency. */
  perSecond: number;
}

export async function floorStage(opts: FloorOptions): Promise<FloorFigures> {
  const master = `floor-${randomUUID()}`;
  const sim = await startSimulator(master, opts.latencyMs);
  try {
    return await measureFloor(opts, sim, master);
  } finally {
    await sim.stop();
  }
}

async function measureFloor(opts: FloorOptions, sim: Simulator, master: string): Promise<FloorFigures> {
  const contextId = 1;
  const connections = OxConnections.forTool();
  const ox = await connections.client(sim.soapUrl, {
    master: { login: 'oxadminmaster', password: master },
    masterAccountOverride: true,
  });
  const admin = {
    name: 'floor-admin',
    password: `Floor-${randomUUID()}`,
    display_name: 'Floor',
    given_name: 'Floor',
    sur_name: 'Admin',
    primaryEmail: 'admin@floor.example',
    email1: 'admin@floor.example',
  };
  await ox.createContext({ id: contextId, name: 'floor', maxQuota: 1024 }, admin, { combination: 'webmail' });
  await connections.close();

  const instance = opts.controller.newInstance();
  const dataDir = mkdtempSync(join(tmpdir(), 'ox-aps-bench-floor-'));
  const config = {
    soapUrl: sim.soapUrl,
    master,
    contextId,
    controllerUrl: opts.controller.uri,
    cert: instance.cert.cert,
    key: instance.cert.key,
    dataDir,
  };
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/floor-server.ts'], {
    cwd: projectRoot,
    env: { ...process.env, BENCH_FLOOR: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout.resume();
  try {
    const port = await new Promise<string>((resolve, reject) => {
      proc.stderr.on('data', (c: Buffer) => {
        const m = /listening on (\d+)/.exec(String(c));
        if (m) resolve(m[1]);
      });
      proc.on('exit', (code) => reject(new Error(`the bench floor exited (${code})`)));
    });
    const url = `https://127.0.0.1:${port}/`;
    let seq = 0;
    const provision = async () => {
      const n = seq++;
      const body = {
        aps: { id: randomUUID() },
        login: `f${n}`,
        email: `f${n}@floor.example`,
        displayName: `Floor ${n}`,
        password: `Pw-${n}-floor`,
      };
      const res = await opts.controller.call(url, 'POST', '/mailboxes', { instanceId: instance.id, body });
      if (res.status !== 200) throw new Error(`bench floor: ${res.status} ${res.text}`);
    };
    await mapLimited(Array.from({ length: opts.warmUp }), opts.concurrency, provision);
    const before = cpuMs(proc.pid!);
    const started = performance.now();
    await mapLimited(Array.from({ length: opts.provisions }), opts.concurrency, provision);
    const perSecond = opts.provisions / ((performance.now() - started) / 1000);
    const cpuMsPerProvision = (cpuMs(proc.pid!) - before) / opts.provisions;
    const { via, direct } = await pairedRuns(sim, opts.sequential, provision);
    return {
      cpuMsPerProvision: +cpuMsPerProvision.toFixed(2),
      // The same load's rate against the floor: what this machine gives a process that does less.
      perSecond: +perSecond.toFixed(1),
      overheadRatioP50: +(pct(via, 50) / pct(direct, 50)).toFixed(3),
    };
  } finally {
    proc.kill('SIGTERM');
    await new Promise((resolve) => (proc.exitCode === null ? proc.once('exit', resolve) : resolve(undefined)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
