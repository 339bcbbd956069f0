import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { isAllowed, loadConfig } from '../app/config.js';
import { ConfigError } from '../app/util/setting-files.js';
import { loadSecretKey } from '../app/util/secret-box.js';
import { startStack } from './helper.js';

t.test('defaults, and one clear line naming the bad variable', async (t) => {
  const c = loadConfig({});
  t.equal(c.PORT, 8443);
  t.equal(c.DATA_DIR, './data');
  t.equal(c.PUBLIC_URL, 'https://localhost:8443');
  t.equal(c.allowFrom, undefined);
  t.equal(c.HEAP_GROWTH_PERCENT, 50, "the heap's growth is bounded unless told otherwise");
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'abc' }, /^PORT must be integer; got "abc"$/],
    [{ PORT: '70000' }, /^PORT must be <= 65535/],
    [
      { LOG_LEVEL: 'loud' },
      /^LOG_LEVEL must be equal to one of the allowed values \(one of fatal, error, warn, info, debug, trace, silent\)/,
    ],
    [{ PUBLIC_URL: 'ftp://x' }, /^PUBLIC_URL must match pattern/],
    [{ SECRET_KEY: 'short' }, /^SECRET_KEY must match pattern/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL must match pattern/],
    [
      { APS_ALLOW_FROM: '10.0.0.0/8, not-an-ip' },
      /^APS_ALLOW_FROM has an entry that is not an address or CIDR: "not-an-ip"$/,
    ],
    [{ APS_ALLOW_FROM: '10.0.0.0/33' }, /APS_ALLOW_FROM .*"10\.0\.0\.0\/33"/],
    [{ HEAP_GROWTH_PERCENT: '500' }, /^HEAP_GROWTH_PERCENT must be <= 400; got "500"$/],
  ];
  for (const [env, message] of bad) {
    const err = (() => {
      try {
        loadConfig(env);
      } catch (e) {
        return e;
      }
    })();
    t.type(err, ConfigError, JSON.stringify(env));
    t.match((err as Error).message, message);
    t.notMatch((err as Error).message, /\n/, 'one line');
  }
  t.equal(loadConfig({ PORT: '' }).PORT, 8443, 'an empty variable counts as unset');
});

t.test('APS_ALLOW_FROM: CIDRs, single addresses, IPv4-mapped IPv6', async (t) => {
  const list = loadConfig({ APS_ALLOW_FROM: '10.0.0.0/8,192.0.2.7, ::1' }).allowFrom;
  t.ok(isAllowed(list, '10.1.2.3'));
  t.ok(isAllowed(list, '::ffff:10.9.9.9'));
  t.ok(isAllowed(list, '192.0.2.7'));
  t.ok(isAllowed(list, '::1'));
  t.notOk(isAllowed(list, '192.0.2.8'));
  t.notOk(isAllowed(list, undefined));
  t.ok(isAllowed(undefined, '203.0.113.1'), 'unset allows any address');
});

t.test('the secret key: configured, from a file, or generated once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'key-'));
  const generated = loadSecretKey({ DATA_DIR: dir });
  t.ok(generated.generated, 'generated on first start');
  const again = loadSecretKey({ DATA_DIR: dir });
  t.notOk(again.generated);
  t.ok(again.key.equals(generated.key), 'and reused');
  const file = join(dir, 'k');
  writeFileSync(file, 'ab'.repeat(32));
  t.equal(loadSecretKey({ DATA_DIR: dir, SECRET_KEY_FILE: file }).key.toString('hex'), 'ab'.repeat(32));
  t.equal(loadSecretKey({ DATA_DIR: dir, SECRET_KEY: Buffer.alloc(32, 7).toString('base64') }).key[0], 7);
});

t.test('npm start with a bad value exits 1 with one line', async (t) => {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'app/server.ts'], {
    env: { ...process.env, PORT: 'eighty', DATA_DIR: mkdtempSync(join(tmpdir(), 'cfg-')) },
    encoding: 'utf8',
  });
  t.equal(res.status, 1);
  t.equal(res.stderr.trim(), 'Configuration error: PORT must be integer; got "eighty"');
});

t.test('the generated TLS certificate is kept and served again after a restart', async (t) => {
  const stack = await startStack(t, { generatedTls: true });
  const served = () =>
    new Promise<string>((resolve, reject) => {
      const { port } = new URL(stack.url);
      const socket = tls.connect({ host: '127.0.0.1', port: Number(port), rejectUnauthorized: false }, () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.end();
      });
      socket.on('error', reject);
    });
  const first = await served();
  const file = readFileSync(join(stack.dataDir, 'tls.crt'), 'utf8');
  await stack.restartEndpoint();
  t.equal(await served(), first);
  t.equal(readFileSync(join(stack.dataDir, 'tls.crt'), 'utf8'), file);
});
