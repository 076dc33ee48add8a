/** `genesys-bulk emulator`: runs the emulator until SIGINT or SIGTERM. */
import { spawn } from 'node:child_process';
import { Command } from 'commander';
import { ConfigError, ValidationError } from '../errors.js';
import { packageFile } from '../package-root.js';
import { RATE_LIMIT_ALGORITHMS, type RateLimitAlgorithm } from './limiter.js';
import type { EmulatorOptions } from './options.js';
import { HEADER_MODELS, type HeaderModel } from './rate-headers.js';
import type { RunningEmulator } from './server.js';
import { readUsersFile } from './users-file.js';

/** The options as commander hands them over: strings, except the boolean flags. */
export interface EmulatorCliOptions {
  port: string;
  users: string;
  usersFile?: string;
  seed: string;
  limit: string;
  window: string;
  algorithm: string;
  ratelimitHeaders: boolean;
  burst?: string;
  headerModel?: string;
  headerLag?: string;
  windowOrigin?: string;
  latency: string;
  fault502: string;
  fault503: string;
  fault503RetryAfter: string;
  dropAfterWrite: string;
  dropAfterCreate?: string;
  timeoutAfterWrite?: string;
  concurrentEdits: string;
  expandOmit?: string;
  tokenLifetime: string;
  tokenFaults: boolean;
  tokenIssueLimit?: string;
  orgLimit?: string;
  orgWindow?: string;
  hostileNames?: boolean;
  detach?: boolean;
  clientId?: string;
  clientSecret?: string;
  skills?: string;
  languages?: string;
  queues?: string;
  roles?: string;
}

const wholeNumber = (name: string, raw: string, min: number, what: string): number => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new ValidationError(`${name} must be ${what}, got "${raw}"`);
  }
  return n;
};
const positiveInt = (name: string, raw: string) => wholeNumber(name, raw, 1, 'a positive integer');
const nonNegativeInt = (name: string, raw: string) => wholeNumber(name, raw, 0, 'a non-negative integer');

function share(name: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new ValidationError(`${name} must be a number from 0 to 1, got "${raw}"`);
  }
  return n;
}

function latency(raw: string): [number, number] {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(raw);
  const min = m ? Number(m[1]) : Number.NaN;
  const max = m ? Number(m[2] ?? m[1]) : Number.NaN;
  if (!m || min > max)
    throw new ValidationError(`--latency must be MIN-MAX in ms (e.g. 20-80) or one number, got "${raw}"`);
  return [min, max];
}

function burstShare(raw: string): number {
  const value = Number(raw.trim().replace(/%$/, '')) / (raw.trim().endsWith('%') ? 100 : 1);
  if (raw.trim() === '' || !(value > 0 && value <= 1)) {
    throw new ValidationError(
      `--burst must be a share of the limit in (0, 1] or a percentage (e.g. 0.1 or 10%), got "${raw}"`,
    );
  }
  return value;
}

function headerModel(raw: string): HeaderModel {
  if (!HEADER_MODELS.includes(raw as HeaderModel)) {
    throw new ValidationError(`--header-model must be one of ${HEADER_MODELS.join(', ')}, got "${raw}"`);
  }
  return raw as HeaderModel;
}

/** The most users `--users` generates: 1,000,000 take about 2.5 GB; many more end in an out-of-memory crash. */
const MAX_CLI_USERS = 1_000_000;

/** Turns the command line into emulator options; throws ValidationError with a message naming the option. */
export function parseEmulatorCliOptions(opts: EmulatorCliOptions): EmulatorOptions {
  const port = nonNegativeInt('--port', opts.port);
  if (port > 65_535) throw new ValidationError(`--port must be at most 65535, got "${opts.port}"`);
  if (nonNegativeInt('--users', opts.users) > MAX_CLI_USERS) {
    throw new ValidationError(
      `--users must be at most ${MAX_CLI_USERS} (a million users take about 2.5 GB of memory), got "${opts.users}"`,
    );
  }
  if (!RATE_LIMIT_ALGORITHMS.includes(opts.algorithm as RateLimitAlgorithm)) {
    throw new ValidationError(
      `--algorithm must be one of ${RATE_LIMIT_ALGORITHMS.join(', ')}, got "${opts.algorithm}"`,
    );
  }
  const options: EmulatorOptions = {
    port,
    users: nonNegativeInt('--users', opts.users),
    seed: nonNegativeInt('--seed', opts.seed),
    limit: positiveInt('--limit', opts.limit),
    windowSeconds: positiveInt('--window', opts.window),
    algorithm: opts.algorithm as RateLimitAlgorithm,
    rateLimitHeaders: opts.ratelimitHeaders,
    ...(opts.burst !== undefined && { burst: burstShare(opts.burst) }),
    ...(opts.headerModel !== undefined && { headerModel: headerModel(opts.headerModel) }),
    ...(opts.headerLag !== undefined && { headerLagMs: nonNegativeInt('--header-lag', opts.headerLag) }),
    ...(opts.windowOrigin !== undefined && { windowOriginMs: nonNegativeInt('--window-origin', opts.windowOrigin) }),
    latencyMs: latency(opts.latency),
    error502Rate: share('--fault-502', opts.fault502),
    error503Rate: share('--fault-503', opts.fault503),
    error503RetryAfterRate: share('--fault-503-retry-after', opts.fault503RetryAfter),
    dropAfterWriteRate: share('--drop-after-write', opts.dropAfterWrite),
    ...(opts.dropAfterCreate !== undefined && {
      dropAfterCreateRate: share('--drop-after-create', opts.dropAfterCreate),
    }),
    ...(opts.timeoutAfterWrite !== undefined && {
      timeoutAfterWriteRate: share('--timeout-after-write', opts.timeoutAfterWrite),
    }),
    concurrentEditRate: share('--concurrent-edits', opts.concurrentEdits),
    ...(opts.expandOmit !== undefined && { expandOmitRate: share('--expand-omit', opts.expandOmit) }),
    tokenLifetimeSeconds: positiveInt('--token-lifetime', opts.tokenLifetime),
    tokenFaults: opts.tokenFaults,
    ...(opts.tokenIssueLimit !== undefined && {
      tokenIssueLimit: nonNegativeInt('--token-issue-limit', opts.tokenIssueLimit),
    }),
    ...(opts.orgLimit !== undefined && {
      orgLimit: nonNegativeInt('--org-limit', opts.orgLimit),
      orgWindowSeconds: positiveInt('--org-window', opts.orgWindow ?? opts.window),
    }),
    ...(opts.hostileNames ? { hostileNames: true } : {}),
  };
  for (const key of ['skills', 'languages', 'queues', 'roles'] as const) {
    const raw = opts[key];
    if (raw !== undefined) options[key] = nonNegativeInt(`--${key}`, raw);
  }
  if ((options.error502Rate ?? 0) + (options.error503Rate ?? 0) > 1) {
    throw new ValidationError(
      `--fault-502 and --fault-503 together must not exceed 1, got ${opts.fault502} + ${opts.fault503}`,
    );
  }
  for (const [name, value] of [
    ['--client-id', opts.clientId],
    ['--client-secret', opts.clientSecret],
  ] as const) {
    if (value === undefined) continue;
    if (value.trim() === '') throw new ValidationError(`${name} must not be empty`);
    // The settings are printed one per line, and Basic authentication splits `id:secret` at the first colon.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      throw new ValidationError(`${name} must not contain a line break or control character`);
    }
    if (name === '--client-id' && value.includes(':')) {
      throw new ValidationError('--client-id must not contain ":" (Basic authentication could not send it)');
    }
    if (name === '--client-id') options.clientId = value;
    else options.clientSecret = value;
  }
  return options;
}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export function emulatorCommand(io: Io = { stdout: process.stdout, stderr: process.stderr }): Command {
  return new Command('emulator')
    .description(
      'Run a Genesys Cloud emulator on 127.0.0.1 (OAuth, Users, routing and authorization APIs, rate limits, faults) ' +
        'and print its connection settings.',
    )
    .option('--port <n>', 'port on 127.0.0.1; 0 picks a free one', '0')
    .option('--users <n>', 'users in the generated directory', '1000')
    .option(
      '--users-file <path>',
      'serve the users of this JSON array (as GET /__emulator/users gives them) instead of generating them',
    )
    .option('--seed <n>', 'seed of the directory and of every random draw', '1')
    .option('--limit <n>', 'requests per window per access token', '300')
    .option('--window <seconds>', 'rate-limit window', '60')
    .option('--algorithm <name>', `rate-limit algorithm: ${RATE_LIMIT_ALGORITHMS.join(', ')}`, 'fixed')
    .option('--no-ratelimit-headers', 'leave out the inin-ratelimit-* response headers')
    .option('--burst <share>', 'bucket and gcra: capacity as a share of --limit, (0, 1] or a percentage (default 1)')
    .option('--header-model <name>', `what the rate-limit headers say: ${HEADER_MODELS.join(', ')} (default truthful)`)
    .option('--header-lag <ms>', 'stale headers: how far behind they are (default 1000)')
    .option('--window-origin <ms>', 'fixed-clock and sliding-counter: where windows start on the clock (default 0)')
    .option('--latency <ms>', 'added latency per API request, MIN-MAX ms (uniform)', '0')
    .option('--fault-502 <share>', 'share of API requests answered 502', '0')
    .option('--fault-503 <share>', 'share of API requests answered 503', '0')
    .option('--fault-503-retry-after <share>', 'share of 503s carrying Retry-After (1-3 s)', '0.5')
    .option(
      '--drop-after-write <share>',
      'share of applied writes (PATCHes, creations, routing, groups) whose connection is dropped before the response',
      '0',
    )
    .option(
      '--drop-after-create <share>',
      'share of user creations (POST /api/v2/users) whose connection is dropped once the user exists',
      '0',
    )
    .option(
      '--timeout-after-write <share>',
      'share of applied writes answered 504 (gateway timeout) though the write stands (default 0)',
    )
    .option('--concurrent-edits <share>', 'share of PATCHes preceded by another admin editing the user', '0')
    .option(
      '--expand-omit <share>',
      'share of the skills, languages and groups expansions a user list leaves out of a user (default 0)',
    )
    .option('--token-lifetime <seconds>', 'access-token lifetime (expires_in)', '86400')
    .option('--token-faults', 'apply latency and 502/503 faults to the token endpoint too', false)
    .option('--token-issue-limit <n>', 'tokens the token endpoint issues per minute; 0: no limit', '0')
    .option(
      '--org-limit <n>',
      "requests per --org-window of all the client's tokens together (429 code too.many.requests); 0: none",
      '0',
    )
    .option('--org-window <seconds>', 'window of --org-limit (default: --window)')
    .option('--skills <n>', 'routing skills in the catalogue (default 40)')
    .option('--languages <n>', 'routing languages in the catalogue (default 10)')
    .option('--queues <n>', 'queues in the catalogue (default 20)')
    .option('--roles <n>', 'roles in the catalogue (default 12)')
    .option(
      '--hostile-names',
      'catalogue names and error messages carry terminal escape sequences (hygiene tests)',
      false,
    )
    .option('--client-id <id>', 'OAuth client id to accept (default emulator-client)')
    .option('--client-secret <secret>', 'OAuth client secret to accept (default: random)')
    .option(
      '--detach',
      'start in the background, print the settings as shell exports with GENESYS_EMULATOR_PID, and exit: ' +
        'eval "$(genesys-bulk emulator --detach)"',
      false,
    )
    .action(async (opts: EmulatorCliOptions, cmd: Command) => {
      const options = parseEmulatorCliOptions(opts);
      if (opts.usersFile !== undefined) {
        if (cmd.getOptionValueSource('users') === 'cli') {
          throw new ValidationError('--users and --users-file cannot be used together: give one');
        }
        options.users = await readUsersFile(opts.usersFile);
      }
      if (opts.detach) {
        io.stdout.write(await detach(['emulator', ...givenOptions(cmd)]));
        return;
      }
      // Listening for the signals before the connection lines go out: whoever reads them may stop us at once.
      let onSignal = (): void => {};
      const signalled = new Promise<void>((resolve) => {
        onSignal = () => resolve();
      });
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const emulator = await listen(options);
        io.stdout.write(
          `GENESYS_BASE_URL=${emulator.url}\nGENESYS_CLIENT_ID=${emulator.clientId}\nGENESYS_CLIENT_SECRET=${emulator.clientSecret}\n`,
        );
        io.stderr.write(
          `emulator: ${Array.isArray(options.users) ? options.users.length : options.users} users, ${options.limit} requests per ${options.windowSeconds} s per token (${options.algorithm}); stop with Ctrl-C\n`,
        );
        await signalled;
        await emulator.stop();
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

async function listen(options: EmulatorOptions): Promise<RunningEmulator> {
  try {
    // Loaded here, not at the top: every other command of the CLI builds this one's options and never starts it.
    const { startEmulator } = await import('./server.js');
    return await startEmulator(options);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      const why = code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied';
      throw new ConfigError(
        `cannot listen on 127.0.0.1:${options.port}: ${why}; pick another --port (0 picks a free one)`,
      );
    }
    throw err;
  }
}

/** The options given on the command line, as flags again (for the background emulator), without --detach. */
function givenOptions(cmd: Command): string[] {
  const args: string[] = [];
  for (const option of cmd.options) {
    const key = option.attributeName();
    if (key === 'detach' || cmd.getOptionValueSource(key) !== 'cli' || !option.long) continue;
    const value = cmd.getOptionValue(key) as unknown;
    if (typeof value === 'boolean') args.push(option.long);
    else args.push(option.long, String(value));
  }
  return args;
}

const DETACH_WAIT_MS = 30_000;
const SETTINGS = ['GENESYS_BASE_URL', 'GENESYS_CLIENT_ID', 'GENESYS_CLIENT_SECRET'];

const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * Starts the emulator as a process of its own (its own session, so the shell's Ctrl-C and exit leave it running),
 * waits for its three connection lines, and returns them as shell exports with its pid. Command substitution
 * waits for stdout to close: a foreground emulator never closes it, which is why `eval "$(genesys-bulk emulator)"`
 * would wait forever.
 */
async function detach(args: readonly string[]): Promise<string> {
  const bin = packageFile('bin/genesys-bulk.js');
  const child = spawn(process.execPath, [bin, ...args], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = await new Promise<string[]>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => fail(`it printed no settings within ${DETACH_WAIT_MS / 1000} s`), DETACH_WAIT_MS);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill();
      reject(new ConfigError(`the emulator did not start: ${why}; run it without --detach to see why.`));
    };
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code) => fail(`it exited with code ${code}`));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      const got = text.split('\n');
      if (got.length <= SETTINGS.length) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve(got.slice(0, SETTINGS.length));
    });
  });
  child.stdout.destroy();
  child.unref();
  const exports = lines.map((line, i) => {
    const eq = line.indexOf('=');
    return `export ${SETTINGS[i]}=${shellQuote(line.slice(eq + 1))}\n`;
  });
  return `${exports.join('')}export GENESYS_EMULATOR_PID=${child.pid}\n`;
}
