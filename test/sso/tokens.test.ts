// Single sign-on tokens on a real ledger: 256 random bits in URL-safe base64, kept only as their
// SHA-256 in hex, redeemed once, refused unread when they do not have a token's shape.
import t from 'tap';
import { createHash } from 'node:crypto';
import { SsoTokens, hashToken } from '../../app/sso/tokens.js';
import { watchedLedger } from '../support/watched-ledger.js';

t.test('a token is kept as its hash, redeemed once, and bound to what it was issued for', async (t) => {
  const w = await watchedLedger(t);
  const tokens = new SsoTokens(w.ledger, 60);
  const token = await tokens.issue('i-1', 'r-1', 'user-7');
  t.match(token, /^[A-Za-z0-9_-]{43}$/);
  const hash = createHash('sha256').update(token).digest('hex');
  t.equal(hashToken(token), hash);
  t.match(w.calls.get('saveSsoToken')?.[0]?.[0], { hash, instanceId: 'i-1', resourceId: 'r-1', issuedTo: 'user-7' });
  t.match(await tokens.redeem(token), { instanceId: 'i-1', resourceId: 'r-1', issuedTo: 'user-7' });
  t.equal(await tokens.redeem(token), undefined, 'once only');
  const anonymous = await tokens.issue('i-1', 'r-1');
  t.match(await tokens.redeem(anonymous), { issuedTo: null });
});

t.test('what is not shaped like a token is refused without asking the ledger', async (t) => {
  const w = await watchedLedger(t);
  const tokens = new SsoTokens(w.ledger, 60);
  const token = await tokens.issue('i-1', 'r-1');
  for (const bad of [`x${token}`, `${token}x`, token.slice(1), `${token.slice(0, 42)}+`, '', '../etc/passwd'])
    t.equal(await tokens.redeem(bad), undefined, JSON.stringify(bad));
  t.equal(w.count('takeSsoToken'), 0);
  t.ok(await tokens.redeem(token), 'the token itself still works');
});

t.test('expired tokens are pruned and cannot be redeemed', async (t) => {
  const w = await watchedLedger(t);
  const tokens = new SsoTokens(w.ledger, -1);
  const token = await tokens.issue('i-1', 'r-1');
  t.equal(await tokens.prune(), 1, 'the expired token goes');
  const before = Date.now();
  t.ok((w.calls.get('pruneSsoTokens')?.[0]?.[0] as number) >= before - 1000);
  const late = await new SsoTokens(w.ledger, -1).issue('i-1', 'r-1');
  t.equal(await tokens.redeem(late), undefined, 'expired');
  t.equal(await tokens.redeem(token), undefined);
});
