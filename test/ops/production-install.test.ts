// A production install as the deployment guide and the image make it: `npm ci --omit=dev` from the
// lockfile (offline, from npm's cache, which the suite's own install filled), the build of app/
// only, the WSDLs and schemas beside it. Every shipped module must load there, the bin must work,
// its demo must say that the developer tools are absent, and the server must start and answer.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { get } from 'node:https';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { freePort } from '../../scripts/stand-ins/net.js';

const root = mkdtempSync(join(tmpdir(), 'prod-install-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const full = join(dir, n);
    return statSync(full).isDirectory() ? jsFiles(full) : full.endsWith('.js') ? [full] : [];
  });
}

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, args, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}

t.before(() => {
  for (const f of ['package.json', 'package-lock.json']) cpSync(f, join(root, f));
  // --ignore-scripts: no native build here (the addon this machine built is copied in below).
  const npm = spawnSync('npm', ['ci', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (npm.status !== 0) throw new Error(`npm ci --omit=dev --offline failed: ${npm.stderr.slice(-500)}`);
  const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
  mkdirSync(join(root, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
  cpSync(addon, join(root, addon));
  const tsc = spawnSync(
    process.execPath,
    [
      'node_modules/typescript/bin/tsc',
      '-p',
      'tsconfig.build.json',
      '--outDir',
      join(root, 'dist'),
      '--incremental',
      'false',
    ],
    { encoding: 'utf8' },
  );
  if (tsc.status !== 0) throw new Error(`the build failed: ${tsc.stdout}`);
  cpSync('app/ox/wsdl', join(root, 'app/ox/wsdl'), { recursive: true });
  cpSync('schemas', join(root, 'schemas'), { recursive: true });
});

t.test('no development package is installed, and the build holds app/ only', async (t) => {
  // What the lockfile installs for development only.
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const devOnly = Object.entries(lock.packages)
    .filter(([path, p]) => path && p.dev === true)
    .map(([path]) => path);
  t.ok(
    devOnly.includes('node_modules/typescript') && devOnly.includes('node_modules/tap'),
    `${devOnly.length} dev-only packages`,
  );
  t.same(
    devOnly.filter((path) => existsSync(join(root, path))),
    [],
    'none is installed',
  );
  t.same(readdirSync(join(root, 'dist')), ['app'], 'dist/ holds app/ only');
});

t.test('every shipped module loads', async (t) => {
  // The bin runs its command when loaded: it is run below instead.
  const modules = jsFiles(join(root, 'dist/app')).filter((f) => !f.endsWith('/cli/ox-aps.js'));
  t.ok(modules.length > 50, `${modules.length} modules`);
  const loader = `const failed = []; for (const f of ${JSON.stringify(modules)}) { try { await import(f); } catch (err) { failed.push(f + ': ' + err.message.split('\\n')[0]); } } console.log(JSON.stringify(failed));`;
  const res = run(['--input-type=module', '-e', loader]);
  t.equal(res.status, 0, res.stderr);
  const failed = JSON.parse(res.stdout.trim().split('\n').pop() ?? '[]') as string[];
  t.same(
    failed.map((f) => relative(root, f)),
    [],
    'none fails to load',
  );
});

t.test('the bin answers, and its demo says the developer tools are absent', async (t) => {
  const help = run(['dist/app/cli/ox-aps.js', '--help']);
  t.equal(help.status, 0, help.stderr);
  t.match(help.stdout, /reconcile[\s\S]*import-plan[\s\S]*demo/);
  const demo = run(['dist/app/cli/ox-aps.js', 'demo']);
  t.equal(demo.status, 1);
  t.match(demo.stderr, /ox-aps demo needs the development tools .*npm run demo/);
  t.notMatch(demo.stderr, /at .*\.js:\d+/, 'no stack trace');
});

/**
 * The status of /healthz (its certificate is the self-signed one the first start generates), 0 while it does not
 * answer.
 */
function healthz(port: number): Promise<number> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', () => resolve(0));
  });
}

t.test('the server starts from the production install and answers /healthz', async (t) => {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/app/server.js'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: join(root, 'data'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  t.teardown(() => void child.kill('SIGKILL'));
  let status = 0;
  for (let i = 0; i < 100 && status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = await healthz(port);
  }
  t.equal(status, 200, `healthz answers (${err.slice(-300)})`);
});
