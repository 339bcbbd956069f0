// A start that cannot succeed stops at once with one line naming the setting, never a stack and
// never a secret. Run as `npm start` would, as its own process.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/stand-ins/net.js';
import { SqliteLedger } from '../../app/store/sqlite-ledger.js';
import { SecretBox } from '../../app/util/secret-box.js';

function start(
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<{ code: number | null; out: string; err: string; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'app/server.ts'], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, killed });
    });
  });
}

t.test('bad start-up settings: exit 1 with one line naming the setting', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'startup-'));
  const aFile = join(dir, 'a-file');
  writeFileSync(aFile, 'not a directory');
  const badKey = join(dir, 'bad.key');
  writeFileSync(badKey, 'Not-A-Key-But-A-Secret-Text\n');
  const data = (name: string) => join(dir, name);
  // A ledger written with one key, started with another (a replica given the wrong key).
  const keyA = 'a'.repeat(64);
  const keyB = 'b'.repeat(64);
  await (await SqliteLedger.open(join(data('d7'), 'ledger.sqlite'), new SecretBox(Buffer.from(keyA, 'hex')))).close();
  const cases: Array<[string, Record<string, string>, RegExp, string?]> = [
    ['DATA_DIR under /proc', { DATA_DIR: '/proc/x/y' }, /DATA_DIR/],
    ['DATA_DIR that is a file', { DATA_DIR: aFile }, /DATA_DIR .*not a directory/],
    [
      'missing TLS files',
      { DATA_DIR: data('d1'), TLS_CERT_FILE: join(dir, 'nope.crt'), TLS_KEY_FILE: join(dir, 'nope.key') },
      /TLS_CERT_FILE .*cannot be read/,
    ],
    [
      'TLS file that is no certificate',
      { DATA_DIR: data('d2'), TLS_CERT_FILE: aFile, TLS_KEY_FILE: aFile },
      /TLS_CERT_FILE .*not a PEM certificate/,
    ],
    [
      'missing secret key file',
      { DATA_DIR: data('d3'), SECRET_KEY_FILE: join(dir, 'nope.key') },
      /SECRET_KEY_FILE .*cannot be read/,
    ],
    [
      'malformed secret key file',
      { DATA_DIR: data('d4'), SECRET_KEY_FILE: badKey },
      /SECRET_KEY_FILE .*64 hex/,
      'Not-A-Key-But-A-Secret-Text',
    ],
    [
      'malformed SECRET_KEY',
      { DATA_DIR: data('d5'), SECRET_KEY: 'Malformed-Secret-Key-Value-77' },
      /SECRET_KEY /,
      'Malformed-Secret-Key-Value-77',
    ],
    [
      'a ledger sealed with another key',
      { DATA_DIR: data('d7'), SECRET_KEY: keyB },
      /^Configuration error: SECRET_KEY \/ SECRET_KEY_FILE: this key does not open the ledger's secrets/,
      keyB,
    ],
    [
      'closed DATABASE_URL',
      { DATA_DIR: data('d6'), DATABASE_URL: 'postgres://oxaps:Db-Secret-Pass-55@127.0.0.1:1/oxaps' },
      /DATABASE_URL.*cannot connect to PostgreSQL \(connect ECONNREFUSED/,
      'Db-Secret-Pass-55',
    ],
  ];
  // Side by side: each start is its own process with its own DATA_DIR.
  const results = await Promise.all(cases.map(async ([, env]) => start({ PORT: String(await freePort()), ...env })));
  for (const [i, [label, , message, secret]] of cases.entries()) {
    const res = results[i];
    t.notOk(res.killed, `${label}: stops by itself`);
    t.equal(res.code, 1, `${label}: exit 1`);
    // Log lines (JSON, on standard output) may come first; the failure is one line on standard error.
    const lines = res.err.trim().split('\n');
    t.equal(lines.length, 1, `${label}: one line (${res.err.slice(0, 300)})`);
    t.match(lines[0], message, `${label}: names the setting`);
    t.notMatch(res.err + res.out, /\n\s+at /, `${label}: no stack`);
    if (secret) t.notMatch(res.err + res.out, secret, `${label}: the secret is not echoed`);
  }
});
