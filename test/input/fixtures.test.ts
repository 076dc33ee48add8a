import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { type InputFormat, readInput } from '../../src/input/index.js';
import { type Generated, writeGenerated } from '../fixtures/generate.js';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const badDir = `${fixtures}bad/`;
const goodDir = `${fixtures}good/`;

interface ManifestEntry {
  file: string;
  format?: InputFormat;
  /** A file-level problem: readInput throws ValidationError. Otherwise an error problem is expected. */
  fatal?: boolean;
  /** Valid for the input layer; only the platform can tell it is wrong (the CLI end-to-end tests cover it). */
  needsApi?: boolean;
  /** The CLI's exit code for it; 2 (invalid input) when absent. */
  exit?: number;
  /** Too large to keep: written at test time (test/fixtures/generate.ts). */
  generate?: Generated;
  expect: { row?: number; line?: number; column?: string; message: string };
}

const manifest = JSON.parse(readFileSync(`${badDir}manifest.json`, 'utf8')) as ManifestEntry[];
const generated = writeGenerated(manifest);
afterAll(() => generated.remove());
const pathOf = (entry: ManifestEntry) => (entry.generate ? generated.path(entry.file) : `${badDir}${entry.file}`);

describe('bad fixtures', () => {
  it('lists every fixture file in the manifest, and has at least 24 of them', () => {
    const files = readdirSync(badDir).filter((f) => f !== 'manifest.json');
    expect(new Set(manifest.filter((e) => !e.generate).map((e) => e.file))).toEqual(new Set(files));
    expect(files.length).toBeGreaterThanOrEqual(24);
  });

  for (const entry of manifest.filter((e) => !e.needsApi)) {
    it(`${entry.file}: ${entry.fatal ? 'fails' : 'reports'} "${entry.expect.message}"`, async () => {
      const path = pathOf(entry);
      const outcome = await readInput(entry.format ? { path, format: entry.format } : { path }).then(
        (parsed) => ({ parsed }),
        (error: unknown) => ({ error }),
      );
      const { row, line, column, message } = entry.expect;
      if (entry.fatal) {
        expect('error' in outcome && outcome.error).toBeInstanceOf(ValidationError);
        const text = (outcome as { error: ValidationError }).error.message;
        expect(text).toContain(entry.file);
        expect(text).toContain(message);
        if (row !== undefined) expect(text).toContain(`row ${row}`);
        if (line !== undefined) expect(text).toContain(`line ${line}`);
        if (column !== undefined) expect(text).toContain(`column "${column}"`);
        return;
      }
      expect(outcome).toHaveProperty('parsed');
      const { parsed } = outcome as { parsed: Awaited<ReturnType<typeof readInput>> };
      const matching = parsed.problems.filter(
        (p) =>
          p.severity === 'error' &&
          p.message.includes(message) &&
          (row === undefined || p.rowNumber === row) &&
          (line === undefined || p.line === line) &&
          (column === undefined || p.column === column),
      );
      expect(matching, JSON.stringify(parsed.problems, null, 2)).toHaveLength(1);
      const where = matching[0]!.message;
      if (row !== undefined) expect(where).toContain(`row ${row} (line `);
      if (column !== undefined) expect(where).toContain(`column "${column}"`);
    });
  }

  for (const entry of manifest.filter((e) => e.needsApi)) {
    it(`${entry.file} is valid locally; only the platform can reject it`, async () => {
      const parsed = await readInput({ path: `${badDir}${entry.file}` });
      expect(parsed.problems).toEqual([]);
      expect(parsed.rows).toHaveLength(1);
    });
  }
});

describe('good fixtures', () => {
  it('users-by-email.csv', async () => {
    const parsed = await readInput({ path: `${goodDir}users-by-email.csv` });
    expect(parsed.problems).toEqual([]);
    expect(parsed.totalRecords).toBe(3);
    expect(parsed.rows).toEqual([
      {
        rowNumber: 1,
        line: 2,
        key: { kind: 'email', email: 'ana.lopez@example.com' },
        changes: {
          name: 'Ana López',
          title: 'Team Lead',
          department: 'Support',
          manager: { kind: 'email', email: 'maria.silva@example.com' },
          employerInfo: { employeeId: 'E-10442', dateHire: '2021-03-15' },
          phones: { work: '+13175550100' },
        },
      },
      {
        rowNumber: 2,
        line: 3,
        key: { kind: 'email', email: 'bob.smith@example.com', spelled: 'Bob.Smith@Example.com' },
        changes: {
          email: 'robert.smith@example.com',
          title: 'Director, Sales',
          department: null,
          preferredName: 'Bob',
          phones: { mobile: '+447946095800' },
        },
      },
      {
        rowNumber: 3,
        line: 4,
        key: { kind: 'email', email: 'carl@example.com' },
        changes: { manager: null, phones: { work: null }, state: 'inactive' },
      },
    ]);
  });

  it('users-by-id.json', async () => {
    const parsed = await readInput({ path: `${goodDir}users-by-id.json` });
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows).toEqual([
      {
        rowNumber: 1,
        line: 2,
        key: { kind: 'id', id: '6a1f0c52-3c0e-4d6c-9f3e-2b8f1f0e9a11' },
        changes: {
          email: 'Ana.Lopez@Example.com',
          title: 'Team Lead',
          manager: { kind: 'id', id: '0b7d2e4c-91a5-4f3b-8c2d-5e6f7a8b9c01' },
          employerInfo: { officialName: null, employeeId: 'E-10442', dateHire: '2024-02-29' },
          phones: { work: '+13175550100', home: null },
        },
      },
      {
        rowNumber: 2,
        line: 10,
        key: { kind: 'id', id: 'c3d4e5f6-a7b8-4c9d-8e0f-112233445566' },
        changes: {
          department: null,
          employerInfo: { employeeType: 'Contractor' },
          phones: { other: '+61293744000' },
          state: 'active',
        },
      },
    ]);
  });

  it('users.jsonl', async () => {
    const parsed = await readInput({ path: `${goodDir}users.jsonl` });
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows).toEqual([
      {
        rowNumber: 1,
        line: 1,
        key: { kind: 'email', email: 'ana.lopez@example.com' },
        changes: { title: 'Team Lead', phones: { mobile: '+13175550199' } },
      },
      {
        rowNumber: 2,
        line: 3,
        key: { kind: 'id', id: '0b7d2e4c-91a5-4f3b-8c2d-5e6f7a8b9c01' },
        changes: { manager: null, employerInfo: { dateHire: '2019-11-30' } },
      },
      {
        rowNumber: 3,
        line: 4,
        key: { kind: 'email', email: 'dee@example.com' },
        changes: { email: 'dee.jones@example.com', name: 'Dee Jones' },
      },
    ]);
  });

  it('users-routing.csv', async () => {
    const parsed = await readInput({ path: `${goodDir}users-routing.csv` });
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows.map((r) => r.changes)).toEqual([
      {
        routing: {
          skills: {
            mode: 'replace',
            items: [
              { name: 'Billing', proficiency: 4 },
              { name: 'Spanish', proficiency: 3.5 },
            ],
          },
          queues: { mode: 'delta', add: ['Sales'], remove: ['Billing'] },
          roles: {
            mode: 'replace',
            items: [
              { role: 'Agent', division: 'Support' },
              { role: 'Employee', division: 'Home' },
            ],
          },
          division: 'Support',
        },
      },
      {
        title: 'Lead',
        routing: {
          skills: { mode: 'delta', add: [{ name: 'Billing' }], remove: ['Retention'] },
          languages: { mode: 'replace', items: [] },
          roles: {
            mode: 'delta',
            add: [{ role: 'Supervisor', division: 'Sales' }],
            remove: [{ role: 'Agent', division: 'Support' }],
          },
        },
      },
    ]);
  });
});
