// Runs the endpoint as its own process (node + tsx loader), as `npm start` would, for tests that
// need several replicas or a hard kill.
import { spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import { projectRoot } from '../../app/util/paths.js';
import { freePort } from './net.js';

const MAX_CHUNKS = 2000;

export class EndpointProcess {
  private proc?: ChildProcess;
  /** When the process was spawned (Date.now()). */
  spawnedAt = 0;
  readonly output: string[] = [];

  /** `compiled`: run dist/app/server.js (after npm run build), as the container does. */
  constructor(
    readonly env: Record<string, string>,
    private readonly compiled = false,
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get url(): string {
    return `https://127.0.0.1:${this.env.PORT}/`;
  }

  /**
   * With PORT "0" a free port is chosen here and written into `env` (so a restart with the same
   * env reuses it), with PUBLIC_URL to match when none was given. A port chosen here can be taken
   * by someone else before the endpoint binds it: then another is chosen.
   */
  async start(): Promise<this> {
    if (this.env.PORT !== '0') return this.spawnAndWait();
    const derivedUrl = this.env.PUBLIC_URL === undefined;
    for (let attempt = 1; ; attempt++) {
      this.env.PORT = String(await freePort());
      if (derivedUrl) this.env.PUBLIC_URL = `https://127.0.0.1:${this.env.PORT}`;
      try {
        return await this.spawnAndWait();
      } catch (err) {
        if (attempt >= 5 || !this.output.join('').includes('EADDRINUSE')) throw err;
        this.output.length = 0;
      }
    }
  }

  private async spawnAndWait(): Promise<this> {
    // ENDPOINT_NODE_ARGS: flags Node takes only on its command line (e.g. --cpu-prof, for profiling a bench).
    const nodeArgs = process.env.ENDPOINT_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const args = [...nodeArgs, ...(this.compiled ? ['dist/app/server.js'] : ['--import', 'tsx', 'app/server.ts'])];
    this.spawnedAt = Date.now();
    this.proc = spawn(process.execPath, args, {
      cwd: projectRoot,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The last chunks only: a bench at the default log level writes a line per change.
    const keep = (c: Buffer) => {
      this.output.push(String(c));
      if (this.output.length > MAX_CHUNKS) this.output.shift();
    };
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', keep);
    for (let i = 0; i < 750; i++) {
      if (this.proc.exitCode !== null) throw new Error(`endpoint exited: ${this.output.join('')}`);
      if (await this.answers('healthz')) return this;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`endpoint did not start: ${this.output.join('')}`);
  }

  /** Resolves once /readyz answers 200 (polling every 10 ms). */
  async waitReady(timeoutMs = 15_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (await this.answers('readyz')) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('endpoint not ready');
  }

  private answers(path: string): Promise<boolean> {
    return new Promise((resolve) => {
      https
        .get(`${this.url}${path}`, { rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on('error', () => resolve(false));
    });
  }

  /** SIGKILL: no shutdown hooks, as in a crash. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode) return;
    const exited = new Promise((r) => this.proc!.once('exit', r));
    this.proc.kill(sig);
    await exited;
  }
}
