import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { wantsColor } from './colors.js';
import { startEmulator } from './emulator/index.js';
import type { GenesysUser } from './genesys/types.js';

/** A sample change file over the emulator's directory: what an admin might send after a reorganisation. */
export function sampleRows(users: GenesysUser[]): Record<string, string>[] {
  const active = users.filter((u) => u.state === 'active' && u.email);
  const rows: Record<string, string>[] = [];
  // A small directory gets a smaller sample of the same kinds: the first active user is the manager, then up to 90
  // changed rows, 5 unchanged ones and a deactivation, as far as there are users.
  const manager = active[0];
  const changed = active.slice(1, Math.min(91, Math.max(1, active.length - 6)));
  for (const [i, u] of changed.entries()) {
    // Keys are matched case-insensitively, as admins' spreadsheets rarely agree on case.
    const row: Record<string, string> = { email: i % 2 === 0 ? u.email!.toUpperCase() : u.email! };
    row.title = i % 3 === 0 ? 'Senior Agent' : 'Agent II';
    if (i % 4 === 0) row.department = 'Customer Care';
    if (i % 5 === 0) row['phone.mobile'] = `+1 (317) 555-${String(1000 + i).padStart(4, '0')}`;
    if (i % 6 === 0 && manager) row.manager = manager.email!;
    if (i === 7) row['employerInfo.employeeType'] = 'Contractor';
    rows.push(row);
  }
  const rest = active.slice(1 + changed.length);
  // Rows that change nothing: the values they carry are the ones the users already have.
  for (const u of rest.slice(0, 5)) rows.push({ email: u.email!, title: u.title ?? '<clear>' });
  const last = rest[5];
  if (last) rows.push({ email: last.email!, state: 'inactive' });
  rows.push({ email: 'nobody.here@example.com', title: 'Agent' });
  rows.push({ email: 'former.employee@example.com', title: 'Agent' });
  return rows;
}

export const DEMO_MAX_USERS = 100_000;

/** `--users`: a whole number from 1 to DEMO_MAX_USERS, or a usage error (exit 2) saying so. */
export function demoUsers(raw: string): number {
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < 1 || n > DEMO_MAX_USERS) {
    throw new InvalidArgumentError(`--users must be a whole number from 1 to ${DEMO_MAX_USERS}, got "${raw}".`);
  }
  return n;
}

export function demoCommand(run: (argv: string[]) => Promise<number>): Command {
  return (
    new Command('demo')
      .description('Run the main job against an embedded emulator: a dry run, then the real run, then the report.')
      // A bad option is a usage error (exit 2), which main() decides: commander must throw rather than exit.
      .exitOverride()
      .option('--users <n>', `directory size, 1 to ${DEMO_MAX_USERS}`, demoUsers, 500)
      .action(async (opts: { users: number }) => {
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
        try {
          const rows = sampleRows(emulator.users());
          const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
          const file = join(dir, 'users.csv');
          await writeFile(file, stringify(rows, { header: true, columns }), { mode: 0o600 });
          process.env.GENESYS_BASE_URL = emulator.url;
          process.env.GENESYS_CLIENT_ID = emulator.clientId;
          process.env.GENESYS_CLIENT_SECRET = emulator.clientSecret;
          delete process.env.GENESYS_REGION;
          // An empty dotenv file of its own: a ./.env in the folder the demo is run from (with a region, say) would
          // otherwise meet the emulator's base URL, and two targets are an error.
          const envFile = join(dir, 'demo.env');
          await writeFile(envFile, '', { mode: 0o600 });
          say(`Emulator at ${emulator.url}: ${opts.users} users, 50 requests per 6 s window, 20-80 ms latency`);
          say(`Sample file ${file} (${rows.length} rows):`);
          process.stdout.write((await readFile(file, 'utf8')).split('\n').slice(0, 6).join('\n'));
          process.stdout.write('\n…\n');
          say('genesys-bulk update users.csv --dry-run');
          await run([
            'node',
            'genesys-bulk',
            'update',
            file,
            '--dry-run',
            '--state-dir',
            join(dir, 'state'),
            '--env-file',
            envFile,
          ]);
          say('genesys-bulk update users.csv --yes --report report.csv');
          const report = join(dir, 'report.csv');
          const code = await run([
            'node',
            'genesys-bulk',
            'update',
            file,
            '--yes',
            '--report',
            report,
            '--state-dir',
            join(dir, 'state'),
            '--env-file',
            envFile,
          ]);
          say(`Exit code ${code} (1: some rows were not found, as the sample intends). Report, first lines:`);
          process.stdout.write(
            (await readFile(report, 'utf8'))
              .replace(/^\ufeff/, '')
              .split('\n')
              .slice(0, 8)
              .join('\n'),
          );
          const s = emulator.stats();
          say('What the emulator saw');
          process.stdout.write(
            `${s.requests} requests (${s.tokensIssued} logins), ${s.rateLimited} answered 429, ${s.patchesApplied} PATCHes applied.\n`,
          );
          // The paths printed above stay valid: the sample, the report and the journal are left for a look.
          say(`The sample, the report and the run journal are kept in ${dir} (delete it when done).`);
          kept = true;
        } finally {
          await emulator.stop();
          if (!kept) await rm(dir, { recursive: true, force: true });
        }
      })
  );
}
