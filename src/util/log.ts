import { pino, type DestinationStream, type Logger } from 'pino';

// Secret material must never reach a log line, whatever object a caller passes in.
const REDACT_PATHS = [
  '*.apiToken',
  '*.apiTokens',
  '*.apiKey',
  '*.token',
  '*.password',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.data',
  '*.stringData',
];

export type { Logger };

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    base: { component: name },
  };
  return destination ? pino(options, destination) : pino(options);
}
