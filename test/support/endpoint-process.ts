// Runs the endpoint as its own process (node + tsx loader), as `npm start` would, for tests that
// need several replicas or a hard kill.
import { spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import { projectRoot } from '../../app/util/paths.js';

export class EndpointProcess {
  private proc?: ChildProcess;
  readonly output: string[] = [];

  constructor(readonly env: Record<string, string>) {}

  get url(): string {
    return `https://127.0.0.1:${this.env.PORT}/`;
  }

  async start(): Promise<this> {
    this.proc = spawn(process.execPath, ['--import', 'tsx', 'app/server.ts'], {
      cwd: projectRoot, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout!.on('data', (c: Buffer) => this.output.push(String(c)));
    this.proc.stderr!.on('data', (c: Buffer) => this.output.push(String(c)));
    for (let i = 0; i < 150; i++) {
      if (this.proc.exitCode !== null) throw new Error(`endpoint exited: ${this.output.join('')}`);
      if (await this.healthy()) return this;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`endpoint did not start: ${this.output.join('')}`);
  }

  private healthy(): Promise<boolean> {
    return new Promise((resolve) => {
      https.get(`${this.url}healthz`, { rejectUnauthorized: false }, (res) => {
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
