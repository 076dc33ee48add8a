/**
 * Small things (#14.8): `columns` prints every column update reads with its notation; `completion bash|zsh` prints a
 * script generated from the program itself that the shell accepts and that completes every command and option.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLUMNS } from '../../src/input/columns.js';
import { ROOT, runCli } from './harness.js';

const run = promisify(execFile);
const COMMANDS = ['update', 'rollback', 'export', 'runs', 'columns', 'completion', 'emulator', 'demo'];

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'genesys-bulk-completion-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('columns', () => {
  it('prints every column with its meaning and example, and the cell notation', async () => {
    const r = await runCli(['columns']);
    expect(r.code).toBe(0);
    for (const c of COLUMNS) {
      expect(r.stdout).toMatch(new RegExp(`^${c.name.replace('.', '\\.')}(  \\(clearable\\))?$`, 'm'));
      expect(r.stdout).toContain(`e.g. ${c.example}`);
    }
    for (const notation of ['<clear>', '+Billing:4;-Spanish', 'Billing:4;Spanish:3', 'proficiency', 'Role@Division'])
      expect(r.stdout).toContain(notation);
    const json = JSON.parse((await runCli(['columns', '--json'])).stdout) as { name: string }[];
    expect(json.map((c) => c.name)).toEqual(COLUMNS.map((c) => c.name));
  });

  it('update --help names the notation and the columns command', async () => {
    const r = await runCli(['update', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('<clear>');
    expect(r.stdout).toContain('genesys-bulk columns');
  });
});

describe('--help and the docs', () => {
  /** Every long option a command's --help lists, --help itself aside. */
  async function optionsOf(args: string[]): Promise<string[]> {
    const r = await runCli([...args, '--help']);
    expect(r.code).toBe(0);
    const options = r.stdout.split('Options:')[1]!.split(/\n\S/)[0]!;
    return [...new Set(options.match(/--[a-z0-9-]+/g))].filter((o) => o !== '--help');
  }

  it("every command's options are in README (the emulator's in docs/emulator.md)", async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const emulatorDoc = await readFile(join(ROOT, 'docs', 'emulator.md'), 'utf8');
    const named = (doc: string, option: string) => new RegExp(`${option}(?![a-z0-9-])`).test(doc);
    const missing: string[] = [];
    for (const command of [[], ...COMMANDS.filter((c) => c !== 'emulator').map((c) => [c])])
      for (const o of await optionsOf(command)) if (!named(readme, o)) missing.push(`${command.join(' ')} ${o}`);
    for (const o of await optionsOf(['emulator'])) if (!named(emulatorDoc, o)) missing.push(`emulator ${o}`);
    expect(missing).toEqual([]);
  });

  it('a bad option of emulator or demo is a usage error, exit 2, as docs/emulator.md says (commander exited 1)', async () => {
    for (const command of ['emulator', 'demo']) {
      const r = await runCli([command, '--bogus']);
      expect(r.stderr, command).toContain("unknown option '--bogus'");
      expect(r.code, command).toBe(2);
    }
  });
});

/** What bash completes for the words typed so far (the last one being completed). */
async function bashCompletes(script: string, words: string[]): Promise<string[]> {
  const file = join(tmp, 'complete.bash');
  await writeFile(file, script);
  const line = [
    `source ${JSON.stringify(file)}`,
    `COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    '_genesys_bulk',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash expansion, not a template.
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const { stdout } = await run('bash', ['-c', line]);
  return stdout.split('\n').filter(Boolean);
}

describe('completion', () => {
  it('bash: valid (bash -n); completes every command, options, and option values', async () => {
    const r = await runCli(['completion', 'bash']);
    expect(r.code).toBe(0);
    const file = join(tmp, 'check.bash');
    await writeFile(file, r.stdout);
    execFileSync('bash', ['-n', file]);
    expect((await bashCompletes(r.stdout, ['genesys-bulk', ''])).filter((w) => !w.startsWith('-'))).toEqual(COMMANDS);
    expect(await bashCompletes(r.stdout, ['genesys-bulk', 'ro'])).toEqual(['rollback']);
    expect(await bashCompletes(r.stdout, ['genesys-bulk', 'update', '--dry'])).toEqual(['--dry-run']);
    expect(await bashCompletes(r.stdout, ['genesys-bulk', 'rollback', '--la'])).toEqual(['--last']);
    expect(await bashCompletes(r.stdout, ['genesys-bulk', 'update', '--format', ''])).toEqual(['csv', 'json', 'jsonl']);
    expect(await bashCompletes(r.stdout, ['genesys-bulk', '--log-level', 'de'])).toEqual(['debug']);
    expect(await bashCompletes(r.stdout, ['genesys-bulk', 'completion', ''])).toEqual(['bash', 'zsh']);
  });

  it('zsh: names every command and option; valid (zsh -n) where zsh is installed', async () => {
    const r = await runCli(['completion', 'zsh']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('#compdef genesys-bulk\n')).toBe(true);
    for (const c of COMMANDS) expect(r.stdout).toContain(`'${c}:`);
    for (const o of ['--dry-run', '--last', '--skip-invalid', '--detailed-exitcode'])
      expect(r.stdout).toContain(`${o}[`);
    const file = join(tmp, '_genesys-bulk');
    await writeFile(file, r.stdout);
    let zsh = true;
    try {
      execFileSync('zsh', ['-c', 'true']);
    } catch {
      zsh = false;
    }
    if (zsh) execFileSync('zsh', ['-n', file]);
  });

  it('another shell is a usage error (exit 2) naming the choices', async () => {
    const r = await runCli(['completion', 'fish']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bash, zsh');
  });
});
