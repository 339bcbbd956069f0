// Secrets at rest: each seal has its own random IV (also across the IV source's draws), and opens
// back to what was sealed; a sealed secret altered or opened with another key is refused.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { SecretBox, loadSecretKey, parseKey } from '../../app/util/secret-box.js';

t.test('a thousand seals: a thousand different IVs, each opened back', async (t) => {
  const box = new SecretBox(randomBytes(32));
  const sealed = Array.from({ length: 1000 }, (_v, i) => box.sealJson({ password: `Pw-${i}` }));
  const ivs = new Set(sealed.map((s) => s.split(':')[1]));
  t.equal(ivs.size, 1000, 'no IV twice (four draws of the IV source)');
  t.ok(
    [...ivs].every((iv) => Buffer.from(iv, 'base64').length === 12),
    '96-bit IVs',
  );
  t.ok(
    sealed.every((s, i) => box.openJson<{ password: string }>(s, { password: '' }).password === `Pw-${i}`),
    'each opens to its own value',
  );
  t.equal(
    new Set(sealed.map((s) => s.split(':')[3])).size,
    1000,
    'the same kind of value never seals to the same bytes',
  );
});

t.test('an altered secret or another key is refused', async (t) => {
  const box = new SecretBox(randomBytes(32));
  const sealed = box.seal('Hunter-2');
  const [v, iv, tag, data] = sealed.split(':');
  const flipped = Buffer.from(data, 'base64');
  flipped[0] ^= 1;
  t.throws(() => box.open([v, iv, tag, flipped.toString('base64')].join(':')), 'altered data');
  t.throws(() => new SecretBox(randomBytes(32)).open(sealed), 'another key');
  t.equal(box.open(sealed), 'Hunter-2');
});

t.test('only a 32-byte key makes a box; opening counts; what is not a sealed secret is named so', async (t) => {
  t.throws(() => new SecretBox(randomBytes(16)), /32 bytes/, 'a short key');
  const box = new SecretBox(randomBytes(32));
  const sealed = box.seal('Hunter-2');
  t.equal(box.opened, 0, 'nothing opened yet');
  box.open(sealed);
  box.openJson(box.sealJson({ a: 1 }), {});
  t.equal(box.opened, 2, 'each open counted');
  t.same(box.openJson(null, { none: true }), { none: true }, 'nothing sealed: the fallback, nothing opened');
  t.same(box.openJson('', 'empty'), 'empty');
  t.equal(box.opened, 2);
  const [, iv, tag, data] = sealed.split(':');
  for (const [what, text] of [
    ['another version', ['v2', iv, tag, data].join(':')],
    ['no IV', ['v1', '', tag, data].join(':')],
    ['no tag', ['v1', iv, '', data].join(':')],
    ['no data', ['v1', iv, tag].join(':')],
    ['plain text', 'Hunter-2'],
  ])
    t.throws(() => box.open(text), { message: 'not a sealed secret' }, what);
  t.equal(box.open(['v1', iv, tag, data].join(':')), 'Hunter-2', 'the same parts open');
});

t.test('a key is 64 hex characters or 32 bytes in base64, with white space around it', async (t) => {
  const key = randomBytes(32);
  t.same(parseKey(` ${key.toString('hex')}\n`), key, 'hex');
  t.same(parseKey(key.toString('hex').toUpperCase()), key, 'upper-case hex');
  t.same(parseKey(`${key.toString('base64')}\n`), key, 'base64');
  for (const bad of [key.toString('hex').slice(2), `${key.toString('hex')}00`, randomBytes(16).toString('base64')])
    t.throws(() => parseKey(bad), /64 hex characters or 32 bytes/, `refused: ${bad.length} characters`);
});

t.test('the key: SECRET_KEY, else SECRET_KEY_FILE, else DATA_DIR/secret.key, made once when allowed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'secret-key-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const [a, b] = [randomBytes(32), randomBytes(32)];
  const file = join(dir, 'key.txt');
  writeFileSync(file, a.toString('base64'));
  t.same(loadSecretKey({ SECRET_KEY: b.toString('hex'), SECRET_KEY_FILE: file, DATA_DIR: dir }).key, b, 'the variable');
  t.same(loadSecretKey({ SECRET_KEY_FILE: file, DATA_DIR: dir }), { key: a }, 'the file');
  t.throws(() => loadSecretKey({ SECRET_KEY: 'short', DATA_DIR: dir }), /^SECRET_KEY: /, 'a bad key is named');
  t.throws(
    () => loadSecretKey({ SECRET_KEY_FILE: join(dir, 'missing'), DATA_DIR: dir }),
    /SECRET_KEY_FILE .*missing.* cannot be read/,
  );
  const data = join(dir, 'data');
  t.throws(() => loadSecretKey({ DATA_DIR: data }, { generate: false }), /no secret key: set SECRET_KEY/);
  t.notOk(existsSync(join(data, 'secret.key')), 'nothing made when not allowed');
  const made = loadSecretKey({ DATA_DIR: data });
  t.equal(made.generated, join(data, 'secret.key'), 'made, and said so');
  t.equal(statSync(join(data, 'secret.key')).mode & 0o777, 0o600, 'readable by the endpoint only');
  t.equal(readFileSync(join(data, 'secret.key'), 'utf8'), `${made.key.toString('hex')}\n`);
  t.same(loadSecretKey({ DATA_DIR: data }, { generate: false }), { key: made.key }, 'found again, not made again');
  writeFileSync(join(data, 'secret.key'), 'garbage');
  t.throws(() => loadSecretKey({ DATA_DIR: data }), /DATA_DIR's key file/, 'a bad key file is named');
  writeFileSync(file, 'garbage');
  t.throws(() => loadSecretKey({ SECRET_KEY_FILE: file, DATA_DIR: dir }), /^SECRET_KEY_FILE ".*key\.txt": /);
  const odd = join(dir, 'odd');
  mkdirSync(join(odd, 'secret.key'), { recursive: true });
  t.throws(() => loadSecretKey({ DATA_DIR: odd }), /^DATA_DIR ".*secret\.key" cannot be read/, 'a key file not a file');
});
