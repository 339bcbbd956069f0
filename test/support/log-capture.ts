// A pino logger whose every line is kept, so tests can assert what was (not) logged.
import pino, { type Logger } from 'pino';
import { Writable } from 'node:stream';

export interface CapturedLog {
  logger: Logger;
  lines: string[];
  text(): string;
}

export function captureLog(level = 'debug', options: pino.LoggerOptions = {}): CapturedLog {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const logger = pino({ level, ...options }, stream);
  return { logger, lines, text: () => lines.join('') };
}
