/**
 * What the CLI's commands that talk to the platform share: where they read and write, their logger, connection
 * settings, progress and consent, Ctrl-C, and with --json the document of a refused run.
 */
import { setMaxListeners } from 'node:events';
import { wantsColor } from './colors.js';
import {
  ExitCode,
  type ExitCodeValue,
  exitCodeFor,
  fileSystemError,
  interruptedBy,
  ValidationError,
} from './errors.js';
import type { LogFormat, LogLevel } from './log.js';
import type { OpenTerminal } from './run/consent.js';
import type { CommandOptions } from './run/pipeline.js';

/**
 * Where the CLI reads and writes; `openTerminal` is where it asks for consent. The rest is the process's own by
 * default; tests that run the CLI in-process give their own, so that nothing global (the environment, the working
 * folder, signal handlers, exiting) is read or changed.
 */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  openTerminal?: OpenTerminal;
  /** The environment the connection settings are read from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** The folder relative paths are taken from (default the process's). */
  cwd?: string;
  /** Where SIGINT, SIGTERM and SIGHUP are listened for (default `process`). */
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  /** Exits at once, on a second Ctrl-C (default `process.exit`). */
  exit?: (code: number) => void;
}

/**
 * A signal this soon after the first is that one delivered twice, not a second Ctrl-C: a terminal or a CI runner
 * signals the whole process group, and `npx`/`npm run` forward what they get to the CLI as well.
 */
const SAME_SIGNAL_MS = 250;

/** The signals that stop a run as Ctrl-C does (exit 130, resumable). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The default in-flight bound, per token: each token's lane keeps its own requests in flight. */
const CONCURRENCY_PER_TOKEN = 16;

/** What runs a command that talks to the platform, once its modules are loaded. */
export type Runner = (common: CommandOptions) => Promise<{ exitCode: ExitCodeValue }>;

export interface GlobalOptions {
  logLevel: LogLevel;
  logFormat?: LogFormat;
}

/** The CLI's state a command runs in (`main`). */
export interface CommandContext {
  io: CliIo;
  /** The options given before the command (`--log-level`, `--log-format`). */
  global: () => GlobalOptions;
  /** A path given relative to the CLI's folder, absolute (stdin's `-` as it is). */
  at: <T extends string | undefined>(path: T) => T;
  exit: (code: number) => void;
  signals: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  /** Whether the program reading stdout went away. */
  outputClosed: () => boolean;
}

/**
 * A command that writes (update, rollback): its own usage checks, then `runCommand`. With --json, a refusal (by the
 * checks or by anything before the run's own document) is a document too.
 */
export async function runWriting(
  ctx: CommandContext,
  command: 'update' | 'rollback',
  opts: Record<string, unknown>,
  load: () => Promise<Runner>,
  /** The command's own usage checks: a refusal by them is reported in the document too. */
  check: () => void,
  /** What the command line names as the source (a rollback's run id): in the document of a refusal before any read. */
  named: { source?: string } = {},
): Promise<ExitCodeValue> {
  const { io } = ctx;
  const known: { target?: string; source?: string } = { ...named };
  try {
    check();
    return await runCommand(ctx, opts, load, known);
  } catch (err) {
    const [{ invalidDocumentRow, isDocumented, refusedHead, runMode, writeDocument }, { InvalidInputError }] =
      await Promise.all([import('./run/document.js'), import('./run/invalid.js')]);
    // With --json, stdout carries a document however the run ended: a refused one says why.
    if (opts.json === true && !isDocumented(err) && !ctx.outputClosed()) {
      const mode = runMode(command, { dryRun: opts.dryRun === true, resume: Boolean(opts.resume) });
      const what = {
        command,
        mode,
        exitCode: exitCodeFor(fileSystemError(err)),
        source: known.source ?? null,
        target: known.target ?? null,
      } as const;
      const head =
        err instanceof InvalidInputError
          ? refusedHead(
              { ...what, source: err.source, target: err.target, layout: err.layout },
              { kind: 'invalid', fileProblems: err.fileProblems, rows: err.rows.length },
            )
          : refusedHead(what, { kind: 'error', message: err instanceof Error ? err.message : String(err) });
      const rows = err instanceof InvalidInputError ? err.rows.map(invalidDocumentRow) : [];
      await writeDocument(io.stdout, head, rows);
    }
    throw err;
  }
}

/**
 * Runs a command that talks to the platform: its logger, connection settings, progress, consent and Ctrl-C handling
 * (the first stops new requests, the second exits at once). `load` imports the command's modules and gives what runs
 * it, loaded with the rest.
 */
export async function runCommand(
  ctx: CommandContext,
  opts: Record<string, unknown>,
  load: () => Promise<Runner>,
  /** Filled in as the run learns its target and source, for the document of a refusal. */
  known: { target?: string; source?: string } = {},
): Promise<ExitCodeValue> {
  const { io, at, exit, signals } = ctx;
  if (opts.detailedExitcode === true && opts.dryRun !== true)
    throw new ValidationError(
      '--detailed-exitcode only applies to --dry-run (it tells "changes pending" from "nothing to do"); add --dry-run or drop it.',
    );
  const [{ loadConnectionConfig }, { createLogger }, { createProgress }, { openControllingTerminal }, run] =
    await Promise.all([
      import('./config.js'),
      import('./log.js'),
      import('./progress.js'),
      import('./run/consent.js'),
      load(),
    ]);
  const global = ctx.global();
  const env = io.env ?? process.env;
  const log = createLogger({
    level: global.logLevel,
    format: global.logFormat,
    destination: io.stderr,
    color: wantsColor(io.stderr, env),
  });
  const connection = loadConnectionConfig(
    {
      region: opts.region as string | undefined,
      baseUrl: opts.baseUrl as string | undefined,
      envFile: opts.envFile as string | undefined,
      tokens: opts.tokens as string | undefined,
      timeout: opts.timeout as string | undefined,
    },
    io.env ?? process.env,
    io.cwd ?? process.cwd(),
  );
  const stop = new AbortController();
  // Every request waiting in the governor listens for the stop; hundreds may wait at once, and that is no leak.
  setMaxListeners(0, stop.signal);
  let firstSignalAt: number | undefined;
  let started: { command: string; runId: string } | undefined;
  const onSignal = () => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      stop.abort();
      return;
    }
    if (Date.now() - firstSignalAt < SAME_SIGNAL_MS) return;
    io.stderr.write(
      started
        ? `genesys-bulk: exiting now. The journal is consistent; to settle what was in flight and finish: genesys-bulk ${started.command} --resume ${started.runId}\n`
        : 'genesys-bulk: exiting now; this run had written nothing yet.\n',
    );
    exit(ExitCode.Interrupted);
  };
  // SIGHUP (the terminal closed, an SSH session dropped) too: by default it would end the process with no journal
  // saved and no document, where a stop like Ctrl-C's leaves a run that resumes.
  for (const name of STOP_SIGNALS) signals.on(name, onSignal);
  try {
    const result = await run({
      connection,
      dryRun: opts.dryRun as boolean,
      json: opts.json as boolean,
      detailedExitcode: opts.detailedExitcode === true,
      reportPath: at(opts.report as string | undefined),
      stateDir: at(opts.stateDir as string),
      maxConcurrency: (opts.maxConcurrency as number | undefined) ?? CONCURRENCY_PER_TOKEN * connection.tokens,
      log,
      stdout: io.stdout,
      stderr: io.stderr,
      progress: createProgress(
        io.stderr as NodeJS.WriteStream,
        opts.progress === true && io.stderr.isTTY === true,
        env,
      ),
      color: wantsColor(io.stdout, env),
      consent: { yes: opts.yes === true, openTerminal: io.openTerminal ?? openControllingTerminal },
      stopSignal: stop.signal,
      onKnown: (k) => Object.assign(known, k),
      onRun: (meta) => {
        started = meta;
      },
    });
    return result.exitCode;
  } catch (err) {
    throw interruptedBy(err, stop.signal);
  } finally {
    for (const name of STOP_SIGNALS) signals.off(name, onSignal);
  }
}
