// GET /sso/<token>: opened by the customer's browser (no client certificate). Redeems the token
// once and serves the auto-submitting OX login form; any invalid token gets the same page.
import type { FastifyInstance } from 'fastify';
import { renderInvalidPage, renderLoginPage } from './login-page.js';
import { formLoginFor } from '../services/sso-login.js';

export default async function ssoRoutes(fastify: FastifyInstance) {
  fastify.get<{ Params: { token: string } }>('/sso/:token', { logLevel: 'warn' }, async (req, reply) => {
    const binding = await fastify.sso.redeem(req.params.token);
    const form = binding && (await formLoginFor(fastify.serviceDeps, binding));
    fastify.metrics.ssoLogin(form ? 'ok' : 'refused');
    const page = form ? renderLoginPage(form) : renderInvalidPage();
    if (form) req.log.info({ resource: binding!.resourceId }, 'single sign-on page served');
    return reply.code(form ? 200 : 404).headers(page.headers).send(page.html);
  });
}
