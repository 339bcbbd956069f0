// APS Connect (OAuth) requests: the consumer keys of OAUTH_CLIENTS_FILE, and the check of a
// signed request (signature over the public URL, ±600 s, each nonce once on the shared ledger).
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { unauthorized } from '../aps/errors.js';
import { TIMESTAMP_WINDOW_S, checkSignature } from '../aps/oauth.js';
import { OAuthClients } from '../aps/oauth-clients.js';
import type { InstanceStore } from '../store/ledger.js';
import { ConfigError } from '../util/setting-files.js';
import { periodically } from '../util/periodic.js';

export interface OAuthGate {
  clients: OAuthClients;
  /** The request's verified consumer key; 401 with the reason when the signature does not hold. */
  verify(req: FastifyRequest): Promise<string>;
}

/** Plain HTTP cannot serve a certificate instance: its controller proves itself by TLS. */
async function refuseCertificateInstances(ledger: Pick<InstanceStore, 'listInstances'>): Promise<void> {
  const ids = (await ledger.listInstances()).filter((i) => !i.oauthKey).map((i) => i.id);
  if (ids.length) {
    throw new ConfigError(
      `APS_PLAIN_HTTP: the ledger holds ${ids.length} certificate instance(s) (${ids.slice(0, 3).join(', ')}), which need TLS end to end; serve them over HTTPS`,
    );
  }
}

export default fp(
  async (fastify) => {
    const { config, ledger } = fastify;
    const clients = new OAuthClients(config.OAUTH_CLIENTS_FILE);
    if (config.APS_PLAIN_HTTP) await refuseCertificateInstances(ledger);
    // Behind an ingress that sets X-Forwarded-Proto and -Host (Fastify honours them from TRUST_PROXY
    // addresses only), the controller's URL is rebuilt from them; PUBLIC_URL keeps its path prefix.
    const prefix = new URL(config.PUBLIC_URL).pathname.replace(/\/$/, '');
    const signedUrl = (req: FastifyRequest) =>
      config.OAUTH_SIGNED_URL === 'forwarded'
        ? `${req.protocol}://${req.host}${prefix}${req.url}`
        : `${config.PUBLIC_URL}${req.url}`;
    const gate: OAuthGate = {
      clients,
      async verify(req) {
        if (!clients.enabled)
          throw unauthorized('This endpoint serves no OAuth instances: set OAUTH_CLIENTS_FILE to serve APS Connect');
        const check = checkSignature(
          {
            method: req.method,
            url: signedUrl(req),
            authorization: req.headers.authorization,
            body: req.rawBody ?? undefined,
          },
          (key) => clients.secretOf(key),
        );
        if (!check.ok) throw unauthorized(`OAuth: ${check.reason}`);
        const id = createHash('sha256').update(`${check.key}\n${check.nonce}\n${check.timestamp}`).digest('base64url');
        if (!(await ledger.useNonce(id, (check.timestamp + TIMESTAMP_WINDOW_S + 1) * 1000))) {
          throw unauthorized('OAuth: this nonce was used before (a replayed request); sign every request anew');
        }
        return check.key;
      },
    };
    fastify.decorate('oauth', gate);
    fastify.decorateRequest('oauthKey', null);
    const stop = periodically(60_000, () => ledger.pruneNonces(Date.now()));
    fastify.addHook('onClose', async () => stop());
  },
  { name: 'oauth', dependencies: ['ledger', 'config'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    oauth: OAuthGate;
  }
  interface FastifyRequest {
    /** The consumer key a valid OAuth signature names (APS Connect instances); null otherwise. */
    oauthKey: string | null;
    /** The request body as it arrived (JSON bodies), for oauth_body_hash. */
    rawBody: string | null;
  }
}
