// Single sign-on tokens (stored hashed, taken once) and signed requests' nonces, over SQL.
import type { SsoTokenRecord, TokenStore } from '../ledger.js';
import { SqlCore } from './core.js';

export abstract class SqlTokens extends SqlCore implements TokenStore {
  async saveSsoToken(token: SsoTokenRecord): Promise<void> {
    await this.run(
      'INSERT INTO sso_tokens (hash, instance_id, resource_id, expires_at, issued_to) VALUES (?, ?, ?, ?, ?)',
      [token.hash, token.instanceId, token.resourceId, token.expiresAt, token.issuedTo ?? null],
    );
  }

  async takeSsoToken(hash: string, now: number): Promise<SsoTokenRecord | undefined> {
    const row = await this.one('DELETE FROM sso_tokens WHERE hash = ? RETURNING *', [hash]);
    if (!row || Number(row.expires_at) <= now) return undefined;
    const issuedTo = row.issued_to == null ? null : String(row.issued_to);
    return {
      hash,
      instanceId: String(row.instance_id),
      resourceId: String(row.resource_id),
      expiresAt: Number(row.expires_at),
      issuedTo,
    };
  }

  async pruneSsoTokens(now: number): Promise<number> {
    return (await this.run('DELETE FROM sso_tokens WHERE expires_at <= ?', [now])).changes;
  }

  async useNonce(id: string, expiresAt: number): Promise<boolean> {
    return (
      (
        await this.run('INSERT INTO oauth_nonces (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING', [
          id,
          expiresAt,
        ])
      ).changes === 1
    );
  }

  async pruneNonces(now: number): Promise<number> {
    return (await this.run('DELETE FROM oauth_nonces WHERE expires_at <= ?', [now])).changes;
  }
}
