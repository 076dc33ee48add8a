import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'pretty' | 'json';
export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface LoggerOptions {
  level?: LogLevel;
  /** Default: pretty on a terminal, JSON otherwise. */
  format?: LogFormat;
  /** Default: stderr. Logs never go to stdout, which carries only results. */
  destination?: NodeJS.WritableStream;
}

/**
 * Every key that could carry a credential. Belt and braces: the code never logs these, but a log call that
 * passes a whole options object must not leak one either.
 */
const REDACT = [
  'clientSecret',
  'secret',
  'token',
  'accessToken',
  'access_token',
  'authorization',
  'Authorization',
  '*.clientSecret',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
];

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const isTty = (destination as NodeJS.WriteStream).isTTY === true;
  const format = options.format ?? (isTty ? 'pretty' : 'json');
  const stream: DestinationStream =
    format === 'pretty'
      ? pretty({
          destination,
          colorize: isTty,
          ignore: 'pid,hostname',
          translateTime: 'HH:MM:ss',
          sync: true,
        })
      : (destination as DestinationStream);
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    stream,
  );
}

export type { Logger };
