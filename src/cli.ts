import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { type CliIo, type CommandContext, type GlobalOptions, type Runner, runCommand, runWriting } from './cli-run.js';
import { demoCommand } from './demo.js';
import { emulatorCommand } from './emulator/command.js';
import {
  ExitCode,
  type ExitCodeValue,
  exitCodeFor,
  fileSystemError,
  GenesysBulkError,
  ValidationError,
} from './errors.js';
import { isOutputClosed } from './output.js';
import { packageFile } from './package-root.js';
import { escapeControlsKeepLines } from './text.js';

// Start-up (issue #12): a command loads what it runs when it runs, by `import()` in its action, so that no command
// pays for the others' modules (the emulator, export, rollback, the report writers, zod, pino-pretty) before its
// first request. Only commander, the errors and the commands' option lists are loaded up front.

export type { CliIo } from './cli-run.js';

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
      throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}".`);
    return n;
  };
}

/** Runs the CLI; resolves with the exit code. Every error a user can meet is turned into a message and a code here. */
export async function main(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
): Promise<number> {
  let exitCode: ExitCodeValue = ExitCode.Ok;
  const signals = io.signals ?? process;
  const exit = io.exit ?? ((code: number) => process.exit(code));
  // A relative path means the same file whichever folder the process itself is in.
  const at = <T extends string | undefined>(path: T): T =>
    (io.cwd !== undefined && path !== undefined && path !== '-' ? resolve(io.cwd, path) : path) as T;
  // The program reading stdout went away (`| head`, a `less` quit early): the write that fails says so, not as a bug.
  let outputClosed = false;
  const onOutputError = (err: NodeJS.ErrnoException) => {
    if (isOutputClosed(err)) outputClosed = true;
  };
  io.stdout.on('error', onOutputError);
  // Logs whose reader went away (`2>&1 | head`, a log collector that died) have nowhere to go; the run goes on, its
  // result on stdout and in its exit code, rather than ending on an unhandled 'error' event (exit 1, nothing said).
  const onLogError = (err: NodeJS.ErrnoException) => {
    if (!isOutputClosed(err)) throw err;
  };
  io.stderr.on('error', onLogError);
  const program = new Command('genesys-bulk');
  program
    .description('Apply bulk changes to Genesys Cloud CX user profiles at the platform rate limit, safely.')
    .addOption(
      new Option('--log-level <level>', 'log verbosity')
        .choices(['silent', 'error', 'warn', 'info', 'debug', 'trace'])
        .default('info'),
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'log format on stderr (default: pretty on a terminal, json otherwise)',
      ).choices(['pretty', 'json']),
    )
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');

  const connectionOptions = (cmd: Command) =>
    cmd
      .option('--region <region>', 'Genesys Cloud region, e.g. eu_west_1 or mypurecloud.ie (env GENESYS_REGION)')
      .option('--base-url <url>', 'API base URL, e.g. the emulator http://127.0.0.1:PORT (env GENESYS_BASE_URL)')
      .option('--env-file <path>', 'dotenv file to read instead of ./.env; flags, then the environment, win over it')
      .option(
        '--tokens <n>',
        'spread requests over n client-credentials tokens, each with its own rate limit (1-20, default 1; env GENESYS_TOKENS; see README)',
      )
      .option(
        '--timeout <seconds>',
        'how long each request waits for its answer before it is retried (1-600, default 30; env GENESYS_TIMEOUT)',
      )
      .option('--state-dir <dir>', 'where run journals are kept', '.genesys-bulk');
  const runOptions = (cmd: Command) =>
    connectionOptions(cmd)
      .option('--dry-run', 'show the plan and write nothing', false)
      .option('-y, --yes', 'apply without asking for confirmation', false)
      .option('--json', 'print one JSON document on stdout, of one shape for every outcome (docs/output.md)', false)
      .option('--report <path>', 'write a per-row report (.csv or .jsonl)')
      .option(
        '--detailed-exitcode',
        'with --dry-run: exit 4 when changes are pending, 0 when there is nothing to do (errors as usual)',
        false,
      )
      .option(
        '--max-concurrency <n>',
        'upper bound on requests in flight (default 16 per token)',
        positiveInt('--max-concurrency'),
      )
      .option('--no-progress', 'no progress bar');

  const ctx: CommandContext = {
    io,
    global: () => program.opts<GlobalOptions>(),
    at,
    exit,
    signals,
    outputClosed: () => outputClosed,
  };

  runOptions(
    program
      .command('update')
      .description(
        'Validate, plan and apply profile, routing and access changes from a CSV, JSON or JSON Lines file (or - for stdin).',
      )
      .argument('[file]', 'input file, or - to read stdin')
      .addHelpText(
        'after',
        '\nCells: empty leaves a field as it is; <clear> clears it; skills/languages/roles take an exact list ' +
          '(Billing:4;Spanish:3) or changes (+Billing:4;-Spanish); queues only changes (+Sales;-Billing).\n' +
          'Every column, its meaning and notation: genesys-bulk columns',
      ),
  )
    .addOption(
      new Option('--format <format>', 'input format (default: from the extension; stdin: JSON or JSON Lines)').choices([
        'csv',
        'json',
        'jsonl',
      ]),
    )
    .option(
      '--encoding <name>',
      'input text encoding: utf-8 (default; UTF-16 with a byte-order mark is read as such), utf-16le, utf-16be, windows-1252, latin1',
    )
    .option('--skip-invalid', 'apply the valid rows and report the invalid ones, instead of writing nothing', false)
    .option(
      '--create',
      'create the users that rows name by email and that do not exist (the row needs a name; division Home unless it names one)',
      false,
    )
    .option('--invite', "with --create: send each created user the platform's invitation email", false)
    .option('--resume <run-id>', 'continue an interrupted run (no file needed)')
    .action(async (file: string | undefined, opts) => {
      const check = () => {
        if (!file && !opts.resume)
          throw new ValidationError('update needs a file (or - for stdin), or --resume <run-id>.');
        if (opts.invite && !opts.create && !opts.resume)
          throw new ValidationError(
            '--invite sends the invitation to the users an update creates: add --create, or drop --invite.',
          );
        if (opts.resume && (opts.create || opts.invite))
          throw new ValidationError(
            `--create and --invite belong to the run being resumed (its plan says whom it creates and invites): drop them from --resume ${opts.resume}.`,
          );
        if (file && opts.resume)
          throw new ValidationError(
            `update was given both a file (${file}) and --resume ${opts.resume}: a resume continues the run's own plan. ` +
              'Give one of them.',
          );
      };
      exitCode = await runWriting(
        ctx,
        'update',
        opts,
        async (): Promise<Runner> => {
          if (opts.resume) {
            const { runResume } = await import('./run/resume.js');
            return (common) => runResume(common, opts.resume, 'update');
          }
          const { runUpdate } = await import('./run/update.js');
          return (common) =>
            runUpdate({
              ...common,
              source:
                file === '-'
                  ? { stream: io.stdin, format: opts.format, ...(opts.encoding ? { encoding: opts.encoding } : {}) }
                  : { path: at(file), format: opts.format, ...(opts.encoding ? { encoding: opts.encoding } : {}) },
              skipInvalid: opts.skipInvalid,
              create: opts.create === true,
              invite: opts.invite === true,
            });
        },
        check,
      );
    });

  runOptions(
    program
      .command('rollback')
      .description(
        'Restore every field a run changed to its value before the run; fields changed again since are left and reported.',
      )
      .argument('[run-id]', 'the update run to undo (see `genesys-bulk runs`)'),
  )
    .option('--resume <run-id>', 'continue an interrupted rollback')
    .option('--last', 'undo the newest update run against the current target (see `genesys-bulk runs`)', false)
    .action(async (runId: string | undefined, opts) => {
      const check = () => {
        const given = [
          runId && `a run to undo (${runId})`,
          opts.resume && `--resume ${opts.resume}`,
          opts.last && '--last',
        ];
        const named = given.filter(Boolean);
        if (named.length === 0)
          throw new ValidationError('rollback needs a run id, or --last (see `genesys-bulk runs`).');
        if (named.length > 1) throw new ValidationError(`rollback was given ${named.join(' and ')}. Give one of them.`);
      };
      exitCode = await runWriting(
        ctx,
        'rollback',
        opts,
        async (): Promise<Runner> => {
          if (opts.resume) {
            const { runResume } = await import('./run/resume.js');
            return (common) => runResume(common, opts.resume, 'rollback');
          }
          if (opts.last) return (await import('./run/runs.js')).runRollbackLast;
          const { runRollback } = await import('./run/rollback.js');
          return (common) => runRollback(common, runId!);
        },
        check,
        runId !== undefined && !opts.resume && !opts.last ? { source: runId } : {},
      );
    });

  connectionOptions(
    program
      .command('export')
      .description(
        'Write the current users in the columns `update` reads (CSV, JSON or JSON Lines); an unedited export updates nothing.',
      )
      .argument('[path]', 'output file, or - for stdout (JSON Lines unless --format)'),
  )
    .addOption(
      new Option('--format <format>', 'output format (default: from the extension)').choices(['csv', 'json', 'jsonl']),
    )
    .option('--columns <list>', 'comma-separated, with id or email (default: every column update reads but newEmail)')
    .addOption(new Option('--state <state>', 'which users').choices(['active', 'inactive', 'any']).default('any'))
    .option('--division <name>', 'only users in this division')
    .option('--queue <name>', 'only members of this queue')
    .option('--group <name>', 'only members of this group')
    .option('--keys <file>', "only the users a file's id or email column names")
    .option('--encoding <name>', 'text encoding of the --keys file, as update takes it (default utf-8)')
    .option('--force', 'replace the output file if it exists', false)
    .option(
      '--max-concurrency <n>',
      'upper bound on requests in flight (default 16 per token)',
      positiveInt('--max-concurrency'),
    )
    .option('--no-progress', 'no progress bar')
    .action(async (path: string | undefined, opts) => {
      exitCode = await runCommand(ctx, opts, async () => {
        const { runExport } = await import('./export/run.js');
        return (common) =>
          runExport({
            ...common,
            path: path === undefined || path === '-' ? path : at(path),
            format: opts.format,
            columns: opts.columns,
            state: opts.state,
            division: opts.division,
            queue: opts.queue,
            group: opts.group,
            keysPath: at(opts.keys as string | undefined),
            keysEncoding: opts.encoding,
            force: opts.force,
          });
      });
    });

  program
    .command('runs')
    .description(
      'List the runs in the state directory, newest last: status, start (local time), target host, source and counts.',
    )
    .option('--state-dir <dir>', 'where run journals are kept', '.genesys-bulk')
    .option('--json', 'print JSON', false)
    .action(async (opts: { stateDir: string; json: boolean }) => {
      const [{ listRunFolders }, { assertPrivateDir }] = await Promise.all([
        import('./run/folder.js'),
        import('./fsutil.js'),
      ]);
      const stateDir = at(opts.stateDir);
      // Runs in a folder someone else could have written are not listed as this user's (as update refuses it).
      await assertPrivateDir(stateDir, 'state folder');
      await assertPrivateDir(join(stateDir, 'runs'), 'state folder');
      const runs = await listRunFolders(stateDir);
      if (opts.json) {
        io.stdout.write(`${JSON.stringify(runs)}\n`);
        return;
      }
      if (runs.length === 0) {
        io.stderr.write(`No runs in ${opts.stateDir}.\n`);
        return;
      }
      io.stdout.write((await import('./run/runs.js')).formatRuns(runs));
    });

  program
    .command('columns')
    .description(
      'Print every column update reads: its meaning, whether <clear> clears it, an example, and the cell notation.',
    )
    .option('--json', 'print the columns as JSON', false)
    .action(async (opts: { json: boolean }) => {
      const { columnsJson, columnsText } = await import('./columns-help.js');
      io.stdout.write(opts.json ? columnsJson() : columnsText());
    });

  program
    .command('completion')
    .description('Print a shell completion script: eval "$(genesys-bulk completion bash)", or source <(… zsh).')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .action(async (shell: 'bash' | 'zsh') => {
      const { completionScript } = await import('./completion.js');
      io.stdout.write(completionScript(program, shell));
    });

  program.addCommand(emulatorCommand(io).copyInheritedSettings(program));
  program.addCommand(
    demoCommand(
      (args) => main(args, io),
      (code) => {
        exitCode = code;
      },
    ).copyInheritedSettings(program),
  );

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other commander error is a usage error.
      if (err.exitCode === 0) return ExitCode.Ok;
      await (await import('./run/document.js')).writeUsageDocument(argv, err.message, io.stdout);
      return ExitCode.Usage;
    }
    if (outputClosed && !(err instanceof GenesysBulkError)) {
      io.stderr.write(
        'genesys-bulk: stdout was closed by the program reading it (head, less…) before all of it was written; stopped there.\n',
      );
      return ExitCode.Config;
    }
    // A file-system failure is the environment's, never a bug: exit 3 with the path and what to do.
    const known = fileSystemError(err);
    if (known instanceof GenesysBulkError) {
      io.stderr.write(`genesys-bulk: ${escapeControlsKeepLines(known.message)}\n`);
      return known.exitCode;
    }
    io.stderr.write(
      `genesys-bulk: unexpected error (a bug; please report it): ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    return exitCodeFor(err);
  } finally {
    io.stdout.off('error', onOutputError);
    io.stderr.off('error', onLogError);
  }
}

/** The version in the package's package.json. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
