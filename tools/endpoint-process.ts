// Runs the endpoint as its own process (node + tsx loader), as `npm start` would, for tests that
// need several replicas or a hard kill.
import { spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import { projectRoot } from '../app/util/paths.js';

export class EndpointProcess {
  private proc?: ChildProcess;
  /** When the process was spawned (Date.now()). */
  spawnedAt = 0;
  readonly output: string[] = [];

  /** `compiled`: run dist/app/server.js (after npm run build), as the container does. */
  constructor(readonly env: Record<string, string>, private readonly compiled = false) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get url(): string {
    return `https://127.0.0.1:${this.env.PORT}/`;
  }

  async start(): Promise<this> {
    const args = this.compiled ? ['dist/app/server.js'] : ['--import', 'tsx', 'app/server.ts'];
    this.spawnedAt = Date.now();
    this.proc = spawn(process.execPath, args, {
      cwd: projectRoot, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout!.on('data', (c: Buffer) => this.output.push(String(c)));
    this.proc.stderr!.on('data', (c: Buffer) => this.output.push(String(c)));
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
      https.get(`${this.url}${path}`, { rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      }).on('error', () => resolve(false));
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
