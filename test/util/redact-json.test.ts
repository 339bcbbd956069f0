// The log line redactor: every secret's member is censored at any depth, nothing else changes,
// and the strings that only look like members (inside other strings) are left alone.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import { loggerOptions, SECRET_KEYS } from '../../app/logging.js';
import { JsonRedactor } from '../../app/util/redact-json.js';

const redactor = new JsonRedactor(['password', 'token', 'set-cookie']);
const SECRET = new Set(['password', 'token', 'set-cookie']);

/** What a line should hold once redacted, computed on the object itself. */
function expected(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(expected);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET.has(k) ? '[redacted]' : expected(v)]));
  }
  return value;
}

// A small deterministic generator (no dependency on Math.random: a failure can be replayed).
function generator(seed: number) {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const names = ['password', 'token', 'set-cookie', 'name', 'pass', 'passwords', 'Password', 'tok"en', 'a\\', 'msg'];
  const strings = [
    'plain',
    'has "password": "x"',
    'ends with a backslash \\',
    '\\"token\\":',
    '{"password":"in a string"}',
    'line\nbreak',
    'ü €',
    '',
  ];
  const value = (depth: number): unknown => {
    const kind = depth > 4 ? pick(['s', 'n', 'b', 'z']) : pick(['s', 'n', 'b', 'z', 'o', 'o', 'a']);
    if (kind === 's') return pick(strings);
    if (kind === 'n') return Math.round(next() * 1e6) / 100 - 5000;
    if (kind === 'b') return next() < 0.5;
    if (kind === 'z') return null;
    if (kind === 'a') return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(next() * 5) }, () => [pick(names), value(depth + 1)]));
  };
  return () => ({ msg: pick(strings), payload: value(0) });
}

t.test('every secret member at any depth is censored, the rest of the line is the same JSON', async (t) => {
  const make = generator(20261203);
  let censored = 0;
  for (let i = 0; i < 3000; i++) {
    const obj = make();
    for (const line of [JSON.stringify(obj), JSON.stringify(obj, null, 2)]) {
      const out = redactor.redact(line);
      const want = expected(obj);
      if (JSON.stringify(JSON.parse(out)) !== JSON.stringify(want)) {
        t.fail(`object ${i} is redacted wrongly`, { line, out, want: JSON.stringify(want) });
        return;
      }
      if (out !== line) censored++;
    }
  }
  t.ok(censored > 1000, `the generated lines held secrets to censor (${censored})`);
  t.pass('3,000 generated objects, compact and indented, as the reference redaction says');
});

t.test('a line that names no secret is passed through as it is; one that looks like it is not changed', async (t) => {
  const line = JSON.stringify({ msg: 'request completed', req: { url: '/mailboxes' }, passwords: 3 });
  t.equal(redactor.redact(line), line);
  const lookalike = JSON.stringify({ msg: 'the "password" member', note: '"token": "abc"', field: 'password' });
  t.equal(redactor.redact(lookalike), lookalike, 'names in string values are not members');
  t.equal(
    redactor.redact('{"a":"x\\\\","password":"p"}'),
    '{"a":"x\\\\","password":"[redacted]"}',
    'a string ending in an escaped backslash',
  );
  t.equal(
    redactor.redact('{"token":{"a":[1,{"b":"}"}],"c":"]"},"d":1}'),
    '{"token":"[redacted]","d":1}',
    'a whole subtree, brackets in strings skipped',
  );
});

t.test('only plain names are accepted (JSON.stringify writes them unescaped)', async (t) => {
  t.throws(() => new JsonRedactor(['pass"word']), /only/);
  t.throws(() => new JsonRedactor(['a|b']), /only/);
});

t.test("through the endpoint's logger: bindings, errors and deep members", async (t) => {
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  const log = pino(loggerOptions('info'), sink).child({ token: 'Binding-Secret-1' });
  const err = Object.assign(new Error('OX refused'), { password: 'Error-Secret-2' });
  log.error(
    { err, a: { b: { c: { d: { masterPassword: 'Deep-Secret-3' } } } }, headers: { 'set-cookie': 'Cookie-Secret-4' } },
    'failed',
  );
  for (const secret of ['Binding-Secret-1', 'Error-Secret-2', 'Deep-Secret-3', 'Cookie-Secret-4'])
    t.notMatch(out, secret, `${secret} is not in the line`);
  const line = JSON.parse(out);
  t.equal(line.token, '[redacted]');
  t.equal(line.err.password, '[redacted]');
  t.equal(line.err.message, 'OX refused', 'the rest is there');
  t.equal(line.a.b.c.d.masterPassword, '[redacted]', "four levels down (pino's paths stopped at two)");
  t.ok(SECRET_KEYS.includes('masterPassword'));
});
