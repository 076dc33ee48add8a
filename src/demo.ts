import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { parse as Parse } from 'csv-parse/sync';
import type { stringify as Stringify } from 'csv-stringify/sync';
import { wantsColor } from './colors.js';
import type { ExitCodeValue } from './errors.js';

// Every command of the CLI builds this one's options; only `demo` itself loads the emulator, the run folder and the
// CSV libraries (issue #12, start-up), when it runs.

export const DEMO_MAX_USERS = 100_000;

/** `--users`: a whole number from 1 to DEMO_MAX_USERS, or a usage error (exit 2) saying so. */
export function demoUsers(raw: string): number {
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < 1 || n > DEMO_MAX_USERS) {
    throw new InvalidArgumentError(`--users must be a whole number from 1 to ${DEMO_MAX_USERS}, got "${raw}".`);
  }
  return n;
}

/** The columns the demo exports and edits: the profile columns an admin edits most. Routing columns are left out to
 * keep the demo under a minute at its limit: roles cost a call per user (README, "Export"). */
export const DEMO_COLUMNS = 'id,email,name,title,department,manager,phone.mobile';

/**
 * The demo's edit of an exported CSV, as an admin would make it in a spreadsheet: a reorganisation's titles and
 * departments, a few mobile numbers, a new manager for some. Unchanged rows stay in the file (the
 * update skips them).
 */
export function editExport(csv: string): { csv: string; summary: string } {
  const require = createRequire(import.meta.url);
  const { parse } = require('csv-parse/sync') as { parse: typeof Parse };
  const { stringify } = require('csv-stringify/sync') as { stringify: typeof Stringify };
  const rows = parse(csv, { bom: true, columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const columns = csv
    .replace(/^\ufeff/, '')
    .split(/\r?\n/, 1)[0]!
    .split(',');
  const active = rows.filter((r) => r.email);
  const manager = active[0];
  const edited = active.slice(1, Math.min(61, active.length));
  let cells = 0;
  for (const [i, row] of edited.entries()) {
    row.title = i % 3 === 0 ? 'Senior Agent' : 'Agent II';
    cells++;
    if (i % 4 === 0) {
      row.department = 'Customer Care';
      cells++;
    }
    if (i % 5 === 0) {
      row['phone.mobile'] = `+1 317 555 ${String(1000 + i).padStart(4, '0')}`;
      cells++;
    }
    if (i % 6 === 0 && manager?.id) {
      row.manager = manager.id;
      cells++;
    }
  }
  const summary = `${cells} cells in ${edited.length} of ${rows.length} rows (titles, departments, mobile numbers, managers)`;
  return { csv: stringify(rows, { header: true, columns, bom: csv.startsWith('\ufeff') }), summary };
}

export function demoCommand(
  run: (argv: string[]) => Promise<number>,
  done: (exitCode: ExitCodeValue) => void,
): Command {
  return (
    new Command('demo')
      .description('Run the main job against an embedded emulator: a dry run, then the real run, then the report.')
      // A bad option is a usage error (exit 2), which main() decides: commander must throw rather than exit.
      .exitOverride()
      .option('--users <n>', `directory size, 1 to ${DEMO_MAX_USERS}`, demoUsers, 500)
      .action(async (opts: { users: number }) => {
        const finish = (code: number) => {
          done(code as ExitCodeValue);
        };
        const [{ startEmulator }, { listRuns }] = await Promise.all([
          import('./emulator/index.js'),
          import('./run/folder.js'),
        ]);
        const emulator = await startEmulator({
          users: opts.users,
          seed: 7,
          // A tenth of the platform's default window, so the demo shows pacing without taking minutes.
          limit: 50,
          windowSeconds: 6,
          latencyMs: [20, 80],
        });
        const dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-demo-'));
        const bold = wantsColor(process.stdout);
        let kept = false;
        const say = (s: string) => process.stdout.write(bold ? `\n\x1b[1m== ${s}\x1b[0m\n` : `\n== ${s}\n`);
        const state = join(dir, 'state');
        // The emulator's settings go in a dotenv file of the demo's own, never into process.env: a ./.env in the
        // folder the demo is run from (with a region, say) is then not read, and a library caller's environment is
        // left as it was.
        const envFile = join(dir, 'demo.env');
        const tool = (...args: string[]) =>
          run(['node', 'genesys-bulk', ...args, '--state-dir', state, '--env-file', envFile]);
        try {
          await writeFile(
            envFile,
            `GENESYS_BASE_URL=${emulator.url}\nGENESYS_CLIENT_ID=${emulator.clientId}\nGENESYS_CLIENT_SECRET=${emulator.clientSecret}\n`,
            { mode: 0o600 },
          );
          say(`Emulator at ${emulator.url}: ${opts.users} users, 50 requests per 6 s window, 20-80 ms latency`);

          const exported = join(dir, 'users.csv');
          say(`1. Export what is there: genesys-bulk export users.csv --columns ${DEMO_COLUMNS}`);
          let code = await tool('export', exported, '--columns', DEMO_COLUMNS);
          if (code !== 0) return finish(code);
          const before = await readFile(exported, 'utf8');

          const edited = editExport(before);
          await writeFile(exported, edited.csv, { mode: 0o600 });
          say(`2. Edit it as an admin would in a spreadsheet: ${edited.summary}`);

          say('3. Review the change: genesys-bulk update users.csv --dry-run');
          code = await tool('update', exported, '--dry-run');
          if (code !== 0) return finish(code);

          const report = join(dir, 'report.csv');
          say('4. Apply it: genesys-bulk update users.csv --yes --report report.csv');
          code = await tool('update', exported, '--yes', '--report', report);
          if (code !== 0) return finish(code);
          process.stdout.write(
            `Report, first lines:\n${(await readFile(report, 'utf8'))
              .replace(/^\ufeff/, '')
              .split('\n')
              .slice(0, 6)
              .join('\n')}\n`,
          );

          say('5. Check: the same file again plans no change (--detailed-exitcode: 0 = nothing pending)');
          code = await tool('update', exported, '--dry-run', '--detailed-exitcode');
          if (code !== 0) return finish(code);

          const runs = await listRuns(state);
          const applied = runs.filter((r) => r.command === 'update' && r.status === 'completed').at(-1);
          if (applied) {
            say(`6. Roll it back: genesys-bulk rollback ${applied.runId} --yes`);
            code = await tool('rollback', applied.runId, '--yes');
            if (code !== 0) return finish(code);
          } else {
            say('6. Nothing was written (the directory is too small for the edit), so there is nothing to roll back');
          }

          const after = join(dir, 'after-rollback.csv');
          say('7. Export again: the directory is as it was before step 4');
          code = await tool('export', after, '--columns', DEMO_COLUMNS);
          if (code !== 0) return finish(code);
          const same = (await readFile(after, 'utf8')) === before;
          process.stdout.write(
            same
              ? 'after-rollback.csv is identical to the first export.\n'
              : 'after-rollback.csv differs from the first export: see the rollback summary above.\n',
          );

          const s = emulator.stats();
          say('What the emulator saw');
          process.stdout.write(
            `${s.requests} requests (${s.tokensIssued} logins), ${s.rateLimited} answered 429, ${s.patchesApplied} PATCHes applied.\n`,
          );
          // The paths printed above stay valid: the files, the report and the journals are left for a look.
          say(`The export, the report and the run journals are kept in ${dir} (delete it when done).`);
          kept = true;
          return finish(same ? 0 : 1);
        } finally {
          await emulator.stop();
          if (!kept) await rm(dir, { recursive: true, force: true });
        }
      })
  );
}
