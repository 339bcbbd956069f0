import t from 'tap';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

// No Docker engine here: the image's rules are checked by reading the Dockerfile.
const lines = readFileSync('Dockerfile', 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const stages = lines.filter((l) => /^FROM /i.test(l));
const final = lines.slice(lines.lastIndexOf(stages[stages.length - 1]));

/** Every package npm installed (nested and scoped ones too). */
function installedPackages(root = 'node_modules'): string[] {
  return readdirSync(root)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) => {
      const dir = join(root, name);
      if (name.startsWith('@')) return installedPackages(dir);
      const nested = join(dir, 'node_modules');
      return [
        ...(existsSync(join(dir, 'package.json')) ? [dir] : []),
        ...(existsSync(nested) ? installedPackages(nested) : []),
      ];
    });
}

t.test('both stages on a Node LTS line that is still supported (22 or 24)', async (t) => {
  for (const stage of stages) t.match(stage, /^FROM node:(22|24)[-.\w]*( AS \w+)?$/i, stage);
  const engines = JSON.parse(readFileSync('package.json', 'utf8')).engines.node as string;
  t.match(engines, /\^22\.|>=24/, `engines names the LTS lines (${engines})`);
  t.notMatch(engines, /(^|[\s^~=<>|])(1\d|20)\./, 'and no line past its end of life');
  // No installed package may refuse a supported version (npm's EBADENGINE warning).
  // The lowest version of each line engines accepts (22.13.0, 24.0.0).
  const supported = engines.split('||').map((range) => semver.minVersion(range.trim())?.version ?? range);
  const refusing: string[] = [];
  for (const dir of installedPackages()) {
    const wanted = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { engines?: { node?: string } })
      .engines?.node;
    if (wanted && supported.some((v) => !semver.satisfies(v, wanted))) refusing.push(`${dir}: node ${wanted}`);
  }
  t.same(refusing, [], `every installed package accepts Node ${supported.join(' and ')}`);
});

t.test('multi-stage, and the runtime stage takes only build output', async (t) => {
  t.ok(stages.length >= 2, 'at least two stages');
  t.match(stages[0], / AS build$/i);
  t.ok(final.some((l) => /^COPY --from=build /.test(l)));
  t.notOk(
    final.some((l) => /g\+\+|make|python3/.test(l)),
    'no compiler in the runtime image',
  );
});

t.test('non-root, init as PID 1, exec-form node CMD, health check, data volume', async (t) => {
  const user = final.filter((l) => /^USER /.test(l)).pop();
  t.ok(user && !/^USER (root|0)$/.test(user), `runs as ${user}`);
  t.ok(
    final.some((l) => /^ENTRYPOINT \[".*tini", "--"\]$/.test(l)),
    'tini is PID 1',
  );
  t.match(final.filter((l) => /^CMD /.test(l)).pop() ?? '', /^CMD \["node", "dist\/app\/server\.js"\]$/);
  t.ok(
    final.some((l) => /^HEALTHCHECK /.test(l)),
    'health check',
  );
  t.ok(
    lines.some((l) => /\/healthz/.test(l)),
    'the health check asks /healthz',
  );
  t.ok(final.some((l) => /^VOLUME \["\/data"\]$/.test(l)));
  t.ok(final.some((l) => /DATA_DIR=\/data/.test(l)));
});

t.test('every file the runtime reads is copied', async (t) => {
  for (const dir of ['app/ox/wsdl', 'schemas']) {
    t.ok(existsSync(dir));
    t.ok(
      final.some((l) => l.startsWith(`COPY ${dir} `)),
      `${dir} copied`,
    );
  }
});

t.test('the image is built from app/ only, without tests or developer tools', async (t) => {
  t.notOk(
    lines.some((l) => /^COPY\s+test\b/.test(l)),
    'test/ is never copied',
  );
  t.notOk(
    lines.some((l) => /^COPY\s+(scripts|tools)\b/.test(l)),
    'scripts/ (simulator, bench, package builder) is never copied',
  );
  t.ok(
    lines.some((l) => /^COPY app /.test(l)),
    'app/ is',
  );
  const build = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { include: string[] };
  t.same(build.include, ['app/**/*.ts'], 'the build compiles app/ only');
});
