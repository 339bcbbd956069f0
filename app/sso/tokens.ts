// Single sign-on tokens: 256 random bits, stored only as a SHA-256 hash, bound to one resource,
// single use, short lived.
import { createHash, randomBytes } from 'node:crypto';
import type { TokenStore, SsoTokenRecord } from '../store/ledger.js';

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class SsoTokens {
  constructor(
    private readonly ledger: Pick<TokenStore, 'saveSsoToken' | 'takeSsoToken' | 'pruneSsoTokens'>,
    private readonly ttlSeconds: number,
  ) {}

  async issue(instanceId: string, resourceId: string, issuedTo?: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = Date.now() + this.ttlSeconds * 1000;
    await this.ledger.saveSsoToken({
      hash: hashToken(token),
      instanceId,
      resourceId,
      expiresAt,
      issuedTo: issuedTo ?? null,
    });
    return token;
  }

  /** The token's binding if it is valid now; it can never be used again either way. */
  async redeem(token: string): Promise<SsoTokenRecord | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    return this.ledger.takeSsoToken(hashToken(token), Date.now());
  }

  prune(): Promise<number> {
    return this.ledger.pruneSsoTokens(Date.now());
  }
}
