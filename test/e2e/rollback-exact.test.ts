/**
 * Rollback restores exactly (issue #10 item 8): address entries go back whole (display, countryCode, extension),
 * entries and fields someone else changed since are kept, and the plan and summary name the fields left.
 * Run under both readings of how a PATCH meets the stored `addresses`: replaced whole (documented) or merged by
 * mediaType and type.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import type { Contact, GenesysUser } from '../../src/genesys/types.js';
import { BIN, type Sandbox, sandbox } from './harness.js';
import { activeUsers, asAnotherAdmin, csv, messages, writeInput } from './helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

/** Changes a user as another admin would, through the emulator's API, at the user's current version. */
function patchAsAnotherAdmin(emu: RunningEmulator, userId: string, body: Record<string, unknown>): Promise<void> {
  return asAnotherAdmin(emu, 'PATCH', `/api/v2/users/${userId}`, { ...body, version: emu.user(userId)!.version });
}

/** Runs the CLI at a pseudo-terminal (script(1)) typing `answer`; stdout and stderr both come back as `output`. */
function atTerminal(b: Sandbox, args: string[], answer: string): Promise<{ code: number | null; output: string }> {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, '--', BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: b.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...b.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(answer);
  });
}

const line = (i: number, base: number) => String(base + i).padStart(4, '0');

/** Every kind of entry a user can have, each with what a bare number would lose. */
function richAddresses(i: number): Contact[] {
  return [
    {
      address: `+1317555${line(i, 1000)}`,
      display: `(317) 555-${line(i, 1000)}`,
      countryCode: 'US',
      mediaType: 'PHONE',
      type: 'WORK',
    },
    { extension: `4${line(i, 100)}`, display: `x4${line(i, 100)}`, mediaType: 'PHONE', type: 'WORK2' },
    {
      address: `+44207946${line(i, 2000)}`,
      display: `020 7946 ${line(i, 2000)}`,
      countryCode: 'GB',
      mediaType: 'PHONE',
      type: 'MOBILE',
    },
    {
      address: `+1317555${line(i, 3000)}`,
      display: `317.555.${line(i, 3000)}`,
      countryCode: 'US',
      mediaType: 'PHONE',
      type: 'HOME',
    },
    { address: `person${i}@other.example.org`, display: `Person ${i}`, mediaType: 'EMAIL', type: 'WORK' },
    {
      address: `+44207946${line(i, 4000)}`,
      display: `020 7946 ${line(i, 4000)}`,
      countryCode: 'GB',
      mediaType: 'SMS',
      type: 'MOBILE',
    },
  ];
}

const entryKey = (c: Contact) => JSON.stringify(Object.entries(c).sort(([a], [b]) => (a < b ? -1 : 1)));
/** Addresses as a multiset: under `merge` the platform may store the entries in another order. */
const unordered = (list: readonly Contact[] | undefined) => (list ?? []).map(entryKey).sort();
const withoutVersion = ({ version: _v, ...rest }: GenesysUser) => rest;

const USERS = 40;

/**
 * Seeds rich addresses, then updates phones (number over extension too) and a title; with `clearHome`, every third
 * user's HOME line is removed (which a platform that merges addresses cannot do).
 */
async function seedAndUpdate(b: Sandbox, clearHome = false) {
  const emu = b.emulator;
  const people = activeUsers(b).slice(0, USERS);
  for (const [i, u] of people.entries()) await patchAsAnotherAdmin(emu, u.id, { addresses: richAddresses(i) });
  const before = new Map(people.map((u) => [u.id, structuredClone(emu.user(u.id)!)]));
  const rows = people.map((u, i) => [
    u.email!,
    `New title ${i}`,
    `+1 206 555 ${line(i, 5000)}`,
    `+1 206 555 ${line(i, 6000)}`,
    // Every other user's extension-only WORK2 line becomes a number.
    i % 2 === 0 ? `+1 206 555 ${line(i, 7000)}` : '',
    clearHome && i % 3 === 0 ? '<clear>' : '',
  ]);
  const file = await writeInput(
    b,
    'update.csv',
    csv([['email', 'title', 'phone.mobile', 'phone.work', 'phone.work2', 'phone.home'], ...rows]),
  );
  const up = await b.cli(['update', file, '--yes']);
  expect(up.code, up.stderr).toBe(0);
  const runId = /\(run (\d{8}-\d{6}-[0-9a-f]{6})\)/.exec(up.stderr)?.[1];
  expect(runId).toBeDefined();
  // The update really changed them (or the rollback below proves nothing).
  for (const u of people)
    expect(unordered(emu.user(u.id)!.addresses)).not.toEqual(unordered(before.get(u.id)!.addresses));
  return { people, before, runId: runId! };
}

describe.each(['replace', 'merge'] as const)('rollback of phone numbers (PATCH %s addresses)', (addressesPatch) => {
  it('puts every address entry back whole: each user deep-equals its state before the update', async () => {
    box = await sandbox({ addressesPatch });
    const emu = box.emulator;
    const { people, before, runId } = await seedAndUpdate(box, addressesPatch === 'replace');
    if (addressesPatch === 'replace') {
      expect(emu.user(people[0]!.id)!.addresses!.some((c) => c.mediaType === 'PHONE' && c.type === 'HOME')).toBe(false);
    }

    const rb = await box.cli(['rollback', runId, '--yes']);
    expect(rb.code, rb.stderr).toBe(0);
    let exact = 0;
    for (const u of people) {
      const now = emu.user(u.id)!;
      const was = before.get(u.id)!;
      expect(unordered(now.addresses)).toEqual(unordered(was.addresses));
      // Under `replace` the platform keeps the order sent, and entries go back where they were (a removed HOME
      // line included).
      if (addressesPatch === 'replace') expect(now.addresses).toEqual(was.addresses);
      expect(withoutVersion({ ...now, addresses: [] })).toEqual(withoutVersion({ ...was, addresses: [] }));
      exact++;
    }
    expect(exact).toBe(USERS);
  });

  it('keeps an entry and a field someone else changed since, and names the field in the plan and the summary', async () => {
    box = await sandbox({ addressesPatch });
    const emu = box.emulator;
    const { people, before, runId } = await seedAndUpdate(box);
    const [a, bUser, c] = people as [GenesysUser, GenesysUser, GenesysUser];
    // A: another admin adds a MAIN line. B: retitled. C: a new mobile number over the run's.
    const added: Contact = {
      address: '+13125550199',
      display: '(312) 555-0199',
      countryCode: 'US',
      mediaType: 'PHONE',
      type: 'MAIN',
    };
    await patchAsAnotherAdmin(emu, a.id, { addresses: [...emu.user(a.id)!.addresses!, added] });
    await patchAsAnotherAdmin(emu, bUser.id, { title: 'Retitled by someone else' });
    const cMobile: Contact = {
      address: '+13125550142',
      display: '(312) 555-0142',
      countryCode: 'US',
      mediaType: 'PHONE',
      type: 'MOBILE',
    };
    await patchAsAnotherAdmin(emu, c.id, {
      addresses: [
        ...emu.user(c.id)!.addresses!.filter((x) => !(x.mediaType === 'PHONE' && x.type === 'MOBILE')),
        cMobile,
      ],
    });

    // The question, asked at a real terminal (a pseudo-terminal from script(1)), counts them; "n" writes nothing.
    const patches = emu.stats().patchesApplied;
    const asked = await atTerminal(box, ['rollback', runId], 'n\n');
    expect(asked.output).toMatch(
      /as they were before run \S+, leaving 2 field\(s\) someone changed since \(listed above\)\?/,
    );
    expect(asked.output).toContain('Nothing was written.');
    expect(emu.stats().patchesApplied).toBe(patches);

    const dry = await box.cli(['rollback', runId, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`Left as is, changed by someone else since run ${runId}: 2 field(s) of 2 user(s):`);
    expect(dry.stdout).toMatch(
      new RegExp(`${bUser.email} \\(row \\d+\\) title: now "Retitled by someone else", the run set "New title 1"`),
    );
    expect(dry.stdout).toMatch(new RegExp(`${c.email} \\(row \\d+\\) phone.mobile: now "\\+13125550142"`));

    const rb = await box.cli(['rollback', runId, '--yes', '--report', 'rb.jsonl']);
    expect(rb.code, rb.stderr).toBe(0);
    const said = messages(rb.stderr);
    expect(said).toContain('Left as is because someone changed them since the run: 2 field(s):');
    expect(said).toContain(`${bUser.email} title`);
    expect(said).toContain(`${c.email} phone.mobile`);

    const aNow = emu.user(a.id)!;
    expect(unordered(aNow.addresses)).toEqual(unordered([...before.get(a.id)!.addresses!, added]));
    expect(aNow.title).toBe(before.get(a.id)!.title);

    const bNow = emu.user(bUser.id)!;
    expect(bNow.title).toBe('Retitled by someone else');
    expect(unordered(bNow.addresses)).toEqual(unordered(before.get(bUser.id)!.addresses));

    const cNow = emu.user(c.id)!;
    const notMobile = (x: Contact) => !(x.mediaType === 'PHONE' && x.type === 'MOBILE');
    expect(unordered(cNow.addresses)).toEqual(unordered([...before.get(c.id)!.addresses!.filter(notMobile), cMobile]));
    expect(cNow.title).toBe(before.get(c.id)!.title);

    for (const u of people.slice(3)) expect(withoutVersion(emu.user(u.id)!)).toEqual(withoutVersion(before.get(u.id)!));
  });
});

describe('rollback of a run whose journal predates whole entries', () => {
  it('restores the numbers as before, says so, and does not restore display or countryCode', async () => {
    box = await sandbox();
    const emu = box.emulator;
    const { people, before, runId } = await seedAndUpdate(box);
    const journal = join(box.dir, '.genesys-bulk', 'runs', runId, 'journal.jsonl');
    const old = (await readFile(journal, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => {
        const { replaced: _r, ...rest } = JSON.parse(l) as Record<string, unknown>;
        return JSON.stringify(rest);
      });
    await writeFile(journal, `${old.join('\n')}\n`);

    const rb = await box.cli(['rollback', runId, '--yes']);
    // Extension-only WORK2 lines go back as extensions even from a number-only journal.
    expect(rb.code, rb.stderr).toBe(0);
    expect(rb.stdout).toContain(`Run ${runId}'s journal was written by an older version that kept phone numbers only`);
    const exact = people.filter(
      (u) =>
        JSON.stringify(unordered(emu.user(u.id)!.addresses)) === JSON.stringify(unordered(before.get(u.id)!.addresses)),
    ).length;
    expect(exact).toBe(0);
  });
});
