import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';
import type Pretty from 'pino-pretty';
import { wantsColor } from './colors.js';
import { escapeControls, escapeJsonTextAsText } from './text.js';

export type LogFormat = 'pretty' | 'json';
export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface LoggerOptions {
  level?: LogLevel;
  /** Default: pretty on a terminal, JSON otherwise. */
  format?: LogFormat;
  /** Default: stderr. Logs never go to stdout, which carries only results. */
  destination?: NodeJS.WritableStream;
  /** Colour in the pretty format; default: `wantsColor(destination)`, from the process's environment. */
  color?: boolean;
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

/** pino-pretty and its dependencies load only for a pretty log (a terminal): a JSON log never needs them. */
function loadPretty(): typeof Pretty {
  return createRequire(import.meta.url)('pino-pretty') as typeof Pretty;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const isTty = (destination as NodeJS.WriteStream).isTTY === true;
  const format = options.format ?? (isTty ? 'pretty' : 'json');
  const sink: NodeJS.WritableStream =
    format === 'pretty'
      ? loadPretty()({
          destination,
          colorize: options.color ?? wantsColor(destination),
          ignore: 'pid,hostname',
          translateTime: 'HH:MM:ss',
          sync: true,
        })
      : destination;
  // The last guard, for what no hook sees (a child logger's bindings): JSON.stringify escapes C0 but leaves DEL and
  // C1 raw, and pino-pretty would print them as they are.
  const stream: DestinationStream = { write: (line: string) => sink.write(escapeJsonTextAsText(line)) };
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      redact: { paths: REDACT, censor: '[redacted]' },
      // Log lines carry outside text (file names, column names, server messages): every string, key and message
      // is escaped before pino formats it, so that no log line, JSON or pretty, holds a raw control character.
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => cleanForLog(a, 0)) as Parameters<typeof method>);
        },
      },
    },
    stream,
  );
}

const MAX_DEPTH = 8;

/** A copy of a log argument with every string and key escaped; errors become `{type, message, stack}`. */
export function cleanForLog(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return escapeControls(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[deep]';
  if (value instanceof Error) {
    const copy = new Error(escapeControls(value.message));
    copy.name = escapeControls(value.name);
    copy.stack = value.stack?.split('\n').map(escapeControls).join('\n');
    return copy;
  }
  if (Array.isArray(value)) return value.map((v) => cleanForLog(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[escapeControls(k)] = cleanForLog(v, depth + 1);
  return out;
}

export type { Logger };
