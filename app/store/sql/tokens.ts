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

  async keepImportedPassword(instanceId: string, oxContextId: number, login: string, password: string): Promise<void> {
    await this.run(
      `INSERT INTO imported_passwords (instance_id, ox_context_id, login, secret, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (instance_id, ox_context_id, login) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at`,
      [instanceId, oxContextId, login, this.box.seal(password), Date.now()],
    );
  }

  async takeImportedPassword(instanceId: string, oxContextId: number, login: string): Promise<string | undefined> {
    const row = await this.one(
      'DELETE FROM imported_passwords WHERE instance_id = ? AND ox_context_id = ? AND login = ? RETURNING secret',
      [instanceId, oxContextId, login],
    );
    return row ? this.box.open(String(row.secret)) : undefined;
  }

  async pruneNonces(now: number): Promise<number> {
    return (await this.run('DELETE FROM oauth_nonces WHERE expires_at <= ?', [now])).changes;
  }
}
