import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, type Sandbox, sandbox } from './harness.js';
import { activeUsers, writeInput } from './helpers.js';

/**
 * Start-up (issue #12, item 4): a command loads what it needs when it needs it. The built CLI runs as a process of
 * its own with a module tracer (`--import`): every ES module Node loads (a loader hook) and every CommonJS module in
 * `require.cache` at exit are listed, and the heavy ones a path does not need must not be among them. Each case also
 * names modules that must be there, so that a tracer that saw nothing cannot pass. The CLI runs from its bundle
 * (scripts/bundle-cli.js): a file of dist/bundle/ stands for the modules of dist/ it holds, as its meta.json says.
 */

const TRACER_HOOKS = `
import { appendFileSync } from 'node:fs';
let out;
export function initialize(data) { out = data.out; }
export async function load(url, context, next) { appendFileSync(out, url + '\\n'); return next(url, context); }
`;
const TRACER = `
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
const out = process.env.MODULE_TRACE;
register(new URL('./hooks.mjs', import.meta.url), { data: { out } });
process.on('exit', () => appendFileSync(out, Object.keys(createRequire(import.meta.url).cache).join('\\n') + '\\n'));
`;

/** Heavy modules, by the path that names them in a module's URL or file name. */
const HEAVY = {
  zod: '/node_modules/zod/',
  // The CLI's SDK is the bundle of its parts (src/genesys/sdk.ts); the whole package is never its to load.
  sdk: '/dist/bundle/sdk.cjs',
  sdkPackage: '/node_modules/purecloud-platform-client-v2/',
  pino: '/node_modules/pino/',
  pinoPretty: '/node_modules/pino-pretty/',
  csvParse: '/node_modules/csv-parse/',
  csvStringify: '/node_modules/csv-stringify/',
  cliProgress: '/node_modules/cli-progress/',
  emulatorServer: '/dist/emulator/server.js',
  emulatorIndex: '/dist/emulator/index.js',
  exportRun: '/dist/export/run.js',
  documentSchema: '/dist/run/document-schema.js',
  update: '/dist/run/update.js',
  resume: '/dist/run/resume.js',
  rollback: '/dist/run/rollback.js',
} as const;
type Heavy = keyof typeof HEAVY;

let box: Sandbox;
let runs = 0;

beforeAll(async () => {
  box = await sandbox();
  await writeFile(join(box.dir, 'hooks.mjs'), TRACER_HOOKS);
  await writeFile(join(box.dir, 'tracer.mjs'), TRACER);
});
afterAll(() => box.close());

/** Runs the built CLI with the tracer; returns its exit code and which heavy modules it loaded. */
async function traced(args: string[]): Promise<{ code: number | null; loaded: Set<Heavy>; count: number }> {
  const trace = join(box.dir, `trace-${++runs}.txt`);
  const result = await box.spawnCli(args, {
    env: { NODE_OPTIONS: `--import=${join(box.dir, 'tracer.mjs')}`, MODULE_TRACE: trace, NO_COLOR: '1' },
  });
  expect(result.stderr).not.toMatch(/unexpected (error|failure)/);
  const modules = withBundled((await readFile(trace, 'utf8')).split('\n').filter(Boolean), await bundleInputs());
  const loaded = new Set<Heavy>();
  for (const [name, path] of Object.entries(HEAVY) as [Heavy, string][])
    if (modules.some((m) => m.includes(path))) loaded.add(name);
  return { code: result.code, loaded, count: modules.length };
}

/** Each file of the CLI's bundle (its path from the root, e.g. `dist/bundle/update-ABC.js`) → the dist/ modules in it. */
async function bundleInputs(): Promise<Map<string, string[]>> {
  const meta = JSON.parse(await readFile(join(ROOT, 'dist', 'bundle', 'meta.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  return new Map(Object.entries(meta.outputs).map(([file, { inputs }]) => [file, Object.keys(inputs)]));
}

/** The modules traced, with the dist/ modules each loaded bundle file holds, as `<root>/dist/...` paths. */
function withBundled(modules: string[], bundle: ReadonlyMap<string, string[]>): string[] {
  const held = modules.flatMap((m) => {
    const file = [...bundle.keys()].find((f) => m.endsWith(`/${f}`));
    return file ? bundle.get(file)!.map((input) => join(ROOT, input)) : [];
  });
  return [...modules, ...held];
}

async function fiveRowFile(name: string, title: string): Promise<string> {
  const users = activeUsers(box)
    .filter((u) => u.email)
    .slice(0, 5);
  return writeInput(box, name, `email,title\n${users.map((u) => `${u.email},${title}`).join('\n')}\n`);
}

describe('a command loads only what it needs', () => {
  it('--version loads commander and none of the heavy modules', async () => {
    const { code, loaded, count } = await traced(['--version']);
    expect(code).toBe(0);
    expect(count).toBeGreaterThan(5);
    expect([...loaded]).toEqual([]);
  });

  it('update --dry-run --json of a CSV: the SDK, pino and csv-parse; no zod, pretty log, report writer, bar or emulator', async () => {
    const file = await fiveRowFile('five.csv', 'Lazy Loader');
    const { code, loaded } = await traced(['update', file, '--dry-run', '--json']);
    expect(code).toBe(0);
    expect([...loaded].sort()).toEqual(['csvParse', 'pino', 'sdk', 'update']);
  });

  it("an apply loads neither resume's nor rollback's code; a rerun that finishes an interrupted run loads resume's", async () => {
    const file = await fiveRowFile('five-applied.csv', 'Lazy Apply');
    const applied = await traced(['update', file, '--yes', '--json']);
    expect(applied.code).toBe(0);
    expect(applied.loaded).not.toContain('resume');
    expect(applied.loaded).not.toContain('rollback');

    // The same file again after its run is marked interrupted: update finishes that run, as --resume does.
    const { listRunFolders } = await import('../../src/run/folder.js');
    const [run] = (await listRunFolders(join(box.dir, '.genesys-bulk'))).filter(
      (r) => 'source' in r && String(r.source).endsWith('five-applied.csv'),
    );
    const meta = join(box.dir, '.genesys-bulk', 'runs', run!.runId, 'run.json');
    await writeFile(meta, JSON.stringify({ ...JSON.parse(await readFile(meta, 'utf8')), status: 'interrupted' }));
    const rerun = await traced(['update', file, '--yes', '--json']);
    expect(rerun.code).toBe(0);
    expect(rerun.loaded).toContain('resume');
    expect(rerun.loaded).not.toContain('rollback');
  });

  it("rollback --last loads rollback's code", async () => {
    const { code, loaded } = await traced(['rollback', '--last', '--yes', '--json']);
    expect(code).toBe(0);
    expect(loaded).toContain('rollback');
  });

  it('the apply of a JSON Lines file loads no CSV library', async () => {
    const users = activeUsers(box).filter((u) => u.email);
    const file = await writeInput(
      box,
      'two.jsonl',
      `${users
        .slice(5, 7)
        .map((u) => JSON.stringify({ email: u.email, title: 'Lazy JSON' }))
        .join('\n')}\n`,
    );
    const { code, loaded } = await traced(['update', file, '--yes', '--json']);
    expect(code).toBe(0);
    expect([...loaded].sort()).toEqual(['pino', 'sdk', 'update']);
  });

  it('what a run asks for is loaded: a pretty log, a CSV report', async () => {
    const file = await fiveRowFile('five-again.csv', 'Lazy Reporter');
    const { code, loaded } = await traced([
      '--log-format',
      'pretty',
      'update',
      file,
      '--dry-run',
      '--report',
      join(box.dir, 'report.csv'),
    ]);
    expect(code).toBe(0);
    expect(loaded).toContain('pinoPretty');
    expect(loaded).toContain('csvStringify');
    expect(loaded).not.toContain('zod');
    expect(loaded).not.toContain('cliProgress');
  });

  it('columns and runs load neither the SDK nor the logger', async () => {
    for (const args of [['columns'], ['runs', '--json']]) {
      const { code, loaded } = await traced(args);
      expect(code).toBe(0);
      expect([...loaded]).toEqual([]);
    }
  });
});
