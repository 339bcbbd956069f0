// Logger options: secrets are redacted wherever they might appear, request ids follow
// APS-Transaction-ID so one transaction reads as one thread through every log line.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import { levels, type DestinationStream, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import { JsonRedactor } from './util/redact-json.js';

/** Members whose values never reach a log line, at any depth (headers included). */
export const SECRET_KEYS = [
  'password',
  'masterPassword',
  'adminPassword',
  'oldPassword',
  'newPassword',
  'secret',
  'secrets',
  'key',
  'privateKey',
  'instanceKey',
  'token',
  'x509',
  'self',
  'cert',
  'auth',
  'authorization',
  'cookie',
  'set-cookie',
];

const secrets = new JsonRedactor(SECRET_KEYS);

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    // On the finished line: bindings, serialised errors and every depth alike.
    hooks: { streamWrite: (line) => secrets.redact(line) },
    serializers: {
      req: (req: {
        method?: string;
        url?: string;
        headers?: Record<string, string>;
        socket?: { remoteAddress?: string };
      }) => ({
        method: req.method,
        url: req.url?.split('?')[0],
        instance: req.headers?.['aps-instance-id'],
        phase: req.headers?.['aps-request-phase'],
        remote: req.socket?.remoteAddress,
      }),
    },
  };
}

/**
 * Where log lines go: pino's JSON lines on stdout for a log collector, or readable coloured lines
 * when a person watches a terminal (LOG_FORMAT=auto). Redaction happens before either. The pretty
 * stream writes synchronously, in the process (no worker thread), so no line is lost at exit.
 */
export function logDestination(
  format: 'auto' | 'json' | 'pretty',
  terminal: boolean,
  out: NodeJS.WritableStream = process.stdout,
): DestinationStream | undefined {
  if (format === 'json' || (format === 'auto' && !terminal)) return undefined;
  return pinoPretty({
    destination: out,
    sync: true,
    colorize: terminal,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
}

const TRANSACTION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(req: IncomingMessage): string {
  const tx = req.headers['aps-transaction-id'];
  const value = Array.isArray(tx) ? tx[0] : tx;
  return value && TRANSACTION_ID.test(value) ? value : randomUUID();
}

const enabled = (log: FastifyBaseLogger, level: 'debug' | 'info') =>
  levels.values[level] >= (levels.values[log.level] ?? Infinity);

/**
 * Fastify's request lines, one per finished request: a change (POST, PUT, DELETE) or a refusal
 * at info, a read that succeeds at debug (its arrival at debug too). The controller polls every
 * context's usage every 180 s and health checks come every few seconds: Fastify's two info lines
 * per request were most of the log, and writing them cost half a usage poll's CPU.
 */
export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (enabled(request.log, 'debug')) request.log.debug({ req: request }, 'request received');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const responseTime = Math.round(reply.elapsedTime * 10) / 10;
    if (error) return void reply.log.error({ req: request, res: reply, err: error, responseTime }, 'request errored');
    const read = (request.method === 'GET' || request.method === 'HEAD') && reply.statusCode < 400;
    const level = read ? 'debug' : 'info';
    if (enabled(reply.log, level)) reply.log[level]({ req: request, res: reply, responseTime }, 'request completed');
  }
}
