// Logger options: secrets are redacted wherever they might appear, request ids follow
// APS-Transaction-ID so one transaction reads as one thread through every log line.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggerOptions } from 'pino';

const SECRET_KEYS = [
  'password', 'masterPassword', 'adminPassword', 'oldPassword', 'newPassword', 'secret', 'secrets', 'key',
  'privateKey', 'instanceKey', 'token', 'x509', 'self', 'cert', 'auth', 'authorization', 'cookie',
];

export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method?: string; url?: string; headers?: Record<string, string>; socket?: { remoteAddress?: string } }) => ({
        method: req.method,
        url: req.url?.split('?')[0],
        instance: req.headers?.['aps-instance-id'],
        phase: req.headers?.['aps-request-phase'],
        remote: req.socket?.remoteAddress,
      }),
    },
  };
}

const TRANSACTION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(req: IncomingMessage): string {
  const tx = req.headers['aps-transaction-id'];
  const value = Array.isArray(tx) ? tx[0] : tx;
  return value && TRANSACTION_ID.test(value) ? value : randomUUID();
}
