import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { startEmulator } from './emulator/index.js';
import type { GenesysUser } from './genesys/types.js';

/** A sample change file over the emulator's directory: what an admin might send after a reorganisation. */
export function sampleRows(users: GenesysUser[]): Record<string, string>[] {
  const active = users.filter((u) => u.state === 'active' && u.email);
  const rows: Record<string, string>[] = [];
  const manager = active[0]!;
  for (const [i, u] of active.slice(1, 91).entries()) {
    // Keys are matched case-insensitively, as admins' spreadsheets rarely agree on case.
    const row: Record<string, string> = { email: i % 2 === 0 ? u.email!.toUpperCase() : u.email! };
    row.title = i % 3 === 0 ? 'Senior Agent' : 'Agent II';
    if (i % 4 === 0) row.department = 'Customer Care';
    if (i % 5 === 0) row['phone.mobile'] = `+1 (317) 555-${String(1000 + i).padStart(4, '0')}`;
    if (i % 6 === 0) row.manager = manager.email!;
    if (i === 7) row['employerInfo.employeeType'] = 'Contractor';
    rows.push(row);
  }
  // Rows that change nothing: the values they carry are the ones the users already have.
  for (const u of active.slice(91, 96)) rows.push({ email: u.email!, title: u.title ?? '<clear>' });
  rows.push({ email: active[96]!.email!, state: 'inactive' });
  rows.push({ email: 'nobody.here@example.com', title: 'Agent' });
  rows.push({ email: 'former.employee@example.com', title: 'Agent' });
  return rows;
}

export function demoCommand(run: (argv: string[]) => Promise<number>): Command {
  return new Command('demo')
    .description('Run the main job against an embedded emulator: a dry run, then the real run, then the report.')
    .option('--users <n>', 'directory size', '500')
    .action(async (opts: { users: string }) => {
      const emulator = await startEmulator({
        users: Number(opts.users),
        seed: 7,
        // A tenth of the platform's default window, so the demo shows pacing without taking minutes.
        limit: 50,
        windowSeconds: 6,
        latencyMs: [20, 80],
      });
      const dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-demo-'));
      const say = (s: string) => process.stdout.write(`\n\x1b[1m== ${s}\x1b[0m\n`);
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
        process.stdout.write((await readFile(report, 'utf8')).split('\n').slice(0, 8).join('\n'));
        const s = emulator.stats();
        say('What the emulator saw');
        process.stdout.write(
          `${s.requests} requests (${s.tokensIssued} logins), ${s.rateLimited} answered 429, ${s.patchesApplied} PATCHes applied.\n`,
        );
      } finally {
        await emulator.stop();
        await rm(dir, { recursive: true, force: true });
      }
    });
}
