// `npm start` compiles only when a source changed since the last build; without TypeScript (a
// production install) an up-to-date build starts as it is and a stale one says what to run.
// Run on a copy of the project so that the tree other tests use is never rebuilt under them.
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { OxSimulator } from '../../scripts/ox-sim/server.js';
import { MASTER_PASSWORD } from '../helper.js';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const run = (root: string) =>
  spawnSync(process.execPath, ['scripts/hooks/build-if-stale.mjs', root], { encoding: 'utf8' });

t.test('builds once, then only after a source changes', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'build-'));
  for (const p of ['app', 'scripts', 'schemas', 'tsconfig.json', 'tsconfig.build.json', 'package.json'])
    cpSync(p, join(root, p), { recursive: true });
  const withTypescript = join(root, 'node_modules');
  symlinkSync(resolve('node_modules'), withTypescript, 'dir');

  const first = run(root);
  t.equal(first.status, 0, first.stderr);
  t.match(first.stdout, /compiling into dist\//);
  t.ok(statSync(join(root, 'dist/app/server.js')).isFile(), 'the server is built');
  const stamp = statSync(join(root, 'dist/.build-stamp')).mtimeMs;
  await compiledBin(t, root);

  const second = run(root);
  t.equal(second.status, 0);
  t.match(second.stdout, /^dist\/ is up to date$/m, 'nothing to compile');
  t.equal(statSync(join(root, 'dist/.build-stamp')).mtimeMs, stamp, 'no rebuild');

  // The last build is older than a source (moving the stamp back, not a source forward: a source
  // in the future would still be newer than the stamp that a fast rebuild writes).
  const earlier = new Date(Date.now() - 60_000);
  utimesSync(join(root, 'dist/.build-stamp'), earlier, earlier);
  const third = run(root);
  t.match(third.stdout, /compiling into dist\//, 'a changed source is compiled');

  // A production install: no TypeScript.
  spawnSync('rm', [withTypescript]);
  t.match(run(root).stdout, /up to date/, 'an up-to-date build starts without TypeScript');
  writeFileSync(join(root, 'app/new-module.ts'), 'export {};\n');
  utimesSync(join(root, 'app/new-module.ts'), new Date(Date.now() + 10_000), new Date(Date.now() + 10_000));
  const stale = run(root);
  t.equal(stale.status, 1);
  t.match(
    stale.stderr,
    /^dist\/ is older than the sources and TypeScript is not installed: run `npm ci && npm run build`/,
  );
});

/** The `ox-aps` command as npm installs it: package.json's bin, compiled, run by node. */
async function compiledBin(t: Test, root: string): Promise<void> {
  const bin = join(
    root,
    (JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> }).bin['ox-aps'],
  );
  t.ok(statSync(bin).isFile(), 'the bin is built');
  const oxAps = (args: string[]) =>
    new Promise<{ code: number | null; out: string }>((done) => {
      const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      child.on('exit', (code) => done({ code, out }));
    });
  const help = await oxAps(['--help']);
  t.equal(help.code, 0, help.out);
  t.match(help.out, /check[\s\S]*resources[\s\S]*retry/, 'the compiled bin lists its commands');
  const sim = await new OxSimulator({ masterPassword: MASTER_PASSWORD }).start();
  t.teardown(() => sim.stop());
  const file = join(root, 'master.secret');
  writeFileSync(file, `${MASTER_PASSWORD}\n`);
  const ok = await oxAps(['check', '--url', sim.soapUrl, '--password-file', file]);
  t.equal(ok.code, 0, ok.out);
  t.match(ok.out, /^OK: /m, 'the compiled bin talks SOAP to OX');
  const usage = await oxAps(['no-such-command']);
  t.equal(usage.code, 2, 'a usage error is exit 2');
}
