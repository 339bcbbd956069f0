// GET /sso/<token>: opened by the customer's browser (no client certificate). Redeems the token
// once. App Suite: the endpoint logs in at OX itself (tokenLogin, with the browser's address and
// user agent) and redirects the browser with one-time tokens only. OX6 or form mode: the page
// that posts OX's form login. Every sign-on leaves an audit line: who, as whom, when, from where.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tokenLogin } from '../ox/http-login.js';
import type { ServiceDeps } from '../resources/shared/deps.js';
import { loginTargetFor, type LoginTarget } from '../resources/shared/sso-login.js';
import type { SsoTokenRecord } from '../store/ledger.js';
import type { SsoTokens } from '../sso/tokens.js';
import {
  REDIRECT_HEADERS,
  renderInvalidPage,
  renderLoginPage,
  renderProblemPage,
  type RenderedPage,
} from '../sso/login-page.js';

export interface SsoRoutesOptions {
  deps: ServiceDeps;
  tokens: SsoTokens;
  countLogin: (outcome: 'ok' | 'refused' | 'failed') => void;
  /** PEM of the CA behind OX's HTTPS, when not a public one. */
  oxCa?: string;
  oxTimeoutMs: number;
}

/** The browser's address as OX will see it (IPv4 without the IPv6-mapped prefix). */
function browserAddress(req: FastifyRequest): string {
  return req.ip.startsWith('::ffff:') ? req.ip.slice(7) : req.ip;
}

function send(reply: FastifyReply, status: number, page: RenderedPage): FastifyReply {
  return reply.code(status).headers(page.headers).send(page.html);
}

/** OX App Suite's token login, server side: the browser is redirected into a session, or told why not. */
async function viaToken(
  opts: SsoRoutesOptions,
  req: FastifyRequest,
  reply: FastifyReply,
  target: LoginTarget,
): Promise<FastifyReply> {
  const result = await tokenLogin(
    {
      oxPublicUrl: target.oxPublicUrl,
      login: target.login,
      password: target.password,
      client: target.client,
      clientToken: randomBytes(32).toString('base64url'),
      clientIp: browserAddress(req),
      clientUserAgent: String(req.headers['user-agent'] ?? ''),
      uiWebPath: target.uiWebPath,
    },
    { timeoutMs: opts.oxTimeoutMs, ca: opts.oxCa },
  );
  if (result.ok) {
    opts.countLogin('ok');
    return reply.code(302).headers(REDIRECT_HEADERS).header('location', result.redirect).send();
  }
  opts.countLogin('failed');
  if (result.reason === 'unreachable') {
    req.log.warn({ ox: target.oxPublicUrl, reason: result.message }, 'single sign-on: OX login did not answer');
    return send(
      reply,
      503,
      renderProblemPage(
        `${target.productName} cannot be reached`,
        'The mail service does not answer right now. Try again in a few minutes; if it keeps failing, tell your provider.',
      ),
    );
  }
  req.log.warn(
    { oxCode: result.code, oxMessage: result.message, kind: target.kind },
    'single sign-on: OX refused the login',
  );
  if (result.code === 'LGI-0006') {
    return send(
      reply,
      409,
      renderProblemPage(
        'The password was changed in OX',
        "This account's password was changed inside the mail service, so the control panel can no longer sign you in. Set a new password for the mailbox in the control panel, then use the login button again.",
      ),
    );
  }
  return send(
    reply,
    502,
    renderProblemPage(
      `${target.productName} refused the login`,
      `The mail service refused the login (${result.code}). Try again later; if it keeps failing, tell your provider this code.`,
    ),
  );
}

export default async function ssoRoutes(fastify: FastifyInstance, opts: SsoRoutesOptions) {
  // The route logs at warn (its URL holds the token); the audit line goes to the instance's logger.
  function audit(req: FastifyRequest, binding: SsoTokenRecord, target: LoginTarget): void {
    fastify.log.info(
      {
        reqId: req.id,
        audit: 'sso',
        who: binding.issuedTo ?? 'unknown',
        as: target.login,
        kind: target.kind,
        resource: binding.resourceId,
        from: browserAddress(req),
        method: target.method,
        at: new Date().toISOString(),
      },
      'single sign-on',
    );
  }

  fastify.get<{ Params: { token: string } }>('/sso/:token', { logLevel: 'warn' }, async (req, reply) => {
    const binding = await opts.tokens.redeem(req.params.token);
    const target = binding && (await loginTargetFor(opts.deps, binding));
    if (!binding || !target) {
      opts.countLogin('refused');
      return send(reply, 404, renderInvalidPage());
    }
    audit(req, binding, target);
    if (target.method === 'token') return viaToken(opts, req, reply, target);
    opts.countLogin('ok');
    return send(reply, 200, renderLoginPage(target));
  });
}
