// A throwaway PostgreSQL server on loopback for tests and the bench: initdb into a temp dir,
// postgres on a free port, stopped (and removed) at the end. PostgreSQL refuses to run as root,
// so as root the server runs as `nobody`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { freePort } from './net.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

function findBin(name: string): string | undefined {
  const onPath = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).sort().reverse();
  return versions.map((v) => join(base, v, 'bin', name)).find((p) => existsSync(p));
}

export const postgresAvailable = Boolean(findBin('initdb') && findBin('postgres'));

// setpriv execs the command itself, so signals reach postgres directly.
const asServerUser = (cmd: string, args: string[]): [string, string[]] =>
  process.getuid?.() === 0
    ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', cmd, ...args]]
    : [cmd, args];

export class TestPostgres {
  private proc?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'pg-'));
  private port = 0;
  url = '';

  /**
   * `sharedBuffers`: PostgreSQL's page cache. Small for the suite's small ledgers; the bench's
   * scale stage gives it room for the whole ledger, as a production server sized for it would.
   */
  constructor(private readonly opts: { sharedBuffers?: string } = {}) {}

  async start(): Promise<this> {
    const initdb = findBin('initdb');
    const postgres = findBin('postgres');
    if (!initdb || !postgres) throw new Error('PostgreSQL server binaries not found (install the postgresql package)');
    if (process.getuid?.() === 0) chownSync(this.dir, 65534, 65534);
    const data = join(this.dir, 'data');
    const [icmd, iargs] = asServerUser(initdb, [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    const init = spawnSync(icmd, iargs, { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    this.port = await freePort();
    this.url = `postgres://postgres@127.0.0.1:${this.port}/postgres`;
    return this.resume();
  }

  /** Starts the server again (after `pause`) on the same port with the same data. */
  async resume(): Promise<this> {
    const [pcmd, pargs] = asServerUser(findBin('postgres')!, [
      '-D',
      join(this.dir, 'data'),
      '-p',
      String(this.port),
      '-k',
      this.dir,
      '-h',
      '127.0.0.1',
      '-F',
      '-c',
      'max_connections=100',
      '-c',
      `shared_buffers=${this.opts.sharedBuffers ?? '32MB'}`,
    ]);
    this.proc = spawn(pcmd, pargs, { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try {
        const client = new pg.Client(this.url);
        await client.connect();
        await client.end();
        return this;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error('PostgreSQL did not start');
  }

  /** A fresh, empty database on this server. */
  async database(name: string): Promise<string> {
    const client = new pg.Client(this.url);
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
    await client.query(`CREATE DATABASE ${name}`);
    await client.end();
    return this.url.replace(/\/postgres$/, `/${name}`);
  }

  async stop(): Promise<void> {
    await this.pause();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Stops the server (fast shutdown: clients' connections are terminated), keeping its data. */
  async pause(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc!.once('exit', r));
      this.proc.kill('SIGINT'); // fast shutdown
      const timer = setTimeout(() => this.proc?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  }
}
