// One place that turns every failure into the APS error body {code, type, error, message}.
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ApsError, errorBody } from '../aps/errors.js';
import { LedgerUnavailableError } from '../store/ledger.js';

const CLIENT_ERRORS: Record<string, [string, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: ['MalformedJson', 'The request body is not valid JSON'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['BodyTooLarge', 'The request body is larger than BODY_LIMIT allows'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UnsupportedMediaType', 'Send the body as application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['BadRequest', 'The Content-Length does not match the body'],
};

export default fp(
  async (fastify: FastifyInstance) => {
    fastify.setErrorHandler((err: FastifyError | ApsError, req, reply) => {
      if (err instanceof ApsError) {
        req.log[err.status >= 500 && !err.retryAfterS ? 'error' : err.retryAfterS ? 'warn' : 'info'](
          { err: { type: err.error, message: err.message } },
          'APS request refused',
        );
        if (err.retryAfterS) reply.header('Retry-After', String(err.retryAfterS));
        return reply.code(err.status).send(err.toBody());
      }
      if (err instanceof LedgerUnavailableError) {
        req.log.warn({ err: { message: err.message } }, 'ledger unavailable: request refused');
        return reply
          .code(503)
          .header('Retry-After', '5')
          .send(errorBody(503, 'LedgerUnavailable', err.message));
      }
      const fe: FastifyError = err;
      if (fe.validation) {
        const first = fe.validation[0];
        const where =
          fe.validationContext === 'params'
            ? `path parameter "${String(first?.instancePath).replace(/^\//, '')}"`
            : fe.validationContext;
        const message =
          first?.keyword === 'pattern' && fe.validationContext === 'params'
            ? `${where} must be a UUID`
            : `${where} ${first?.message ?? 'is invalid'}`;
        return reply.code(400).send(errorBody(400, 'ValidationError', message));
      }
      const status = fe.statusCode ?? 500;
      if (status < 500) {
        const [error, message] = CLIENT_ERRORS[fe.code] ?? [
          'BadRequest',
          /JSON/i.test(fe.message) ? 'The request body is not valid JSON' : fe.message,
        ];
        req.log.info({ code: fe.code, status }, message);
        return reply.code(status).send(errorBody(status, error, message));
      }
      req.log.error({ err }, 'unexpected failure');
      return reply
        .code(500)
        .send(
          errorBody(
            500,
            'InternalError',
            `The endpoint failed unexpectedly; its log has the details under request ${req.id}`,
          ),
        );
    });

    fastify.setNotFoundHandler((req, reply) => {
      reply
        .code(404)
        .send(errorBody(404, 'NotFound', `No such service or operation: ${req.method} ${req.url.split('?')[0]}`));
    });
  },
  { name: 'error-handler' },
);
