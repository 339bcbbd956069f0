// Secrets at rest: each seal has its own random IV (also across the IV source's draws), and opens
// back to what was sealed; a sealed secret altered or opened with another key is refused.
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { SecretBox } from '../../app/util/secret-box.js';

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
