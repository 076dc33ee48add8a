/**
 * The admin UI's import layout (issue #11 item 5): recognised by its header, each column read with the meaning
 * Genesys documents (docs/admin-ui-layout.md), and the columns whose format is not documented refused.
 */
import { describe, expect, it } from 'vitest';
import { adminUiRecord, isAdminUiHeader } from '../../src/input/admin-ui.js';
import { errors, parseText } from './helpers.js';

const HEADER =
  'name,email,phone_work,extension,title,department,email_manager,location_work,roles_divisions,queues,division,skills';

/** One data row in the layout, from the cells given by column (the rest empty). */
function row(cells: Record<string, string>, header = HEADER): string {
  const columns = header.split(',');
  const quoted = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return columns.map((c) => quoted(cells[c.trim()] ?? '')).join(',');
}

const base = { name: 'Ana López', email: 'ana@example.com' };

async function one(cells: Record<string, string>, header = HEADER) {
  return parseText(`${header}\n${row({ ...base, ...cells }, header)}\n`, 'csv');
}

describe('recognising the layout', () => {
  it('reads a header with every column of the layout, in any case, spacing and order, as the layout', async () => {
    const spaced =
      'Name,E-mail,Phone Work,Extension,Title,Department,Email Manager,Location Work,Roles Divisions,Queues,Division,Skills';
    expect(isAdminUiHeader(spaced.split(','))).toBe(true);
    expect(isAdminUiHeader([...HEADER.split(',')].reverse())).toBe(true);
    expect(isAdminUiHeader([...HEADER.split(','), 'hire_date'])).toBe(true);
    const parsed = await parseText(`${spaced}\nAna,ana@example.com,,,Lead,Support,,,,,,\n`, 'csv');
    expect(parsed.layout).toBe('admin-ui');
    expect(errors(parsed)).toEqual([]);
  });

  it('reads a semicolon-separated export (a spreadsheet in a decimal-comma locale), commas inside cells kept', async () => {
    const header = HEADER.replace(/,/g, ';');
    const parsed = await parseText(
      `${header}\nAna;ana@example.com;;;Lead;Care;;;;Sales,Support;;Billing:4,Spanish:3\n`,
      'csv',
    );
    expect(parsed.layout).toBe('admin-ui');
    expect(errors(parsed)).toEqual([]);
    expect(parsed.rows[0]!.changes.routing?.queues).toEqual({ mode: 'delta', add: ['Sales', 'Support'], remove: [] });
    expect(parsed.rows[0]!.changes.routing?.skills).toMatchObject({ add: [{ name: 'Billing' }, { name: 'Spanish' }] });
  });

  it("does not take the tool's own header, or one missing a layout column, for the layout", async () => {
    expect(isAdminUiHeader(HEADER.split(',').filter((c) => c !== 'skills'))).toBe(false);
    const own = await parseText('email,title\nana@example.com,Lead\n', 'csv');
    expect(own.layout).toBeUndefined();
  });

  it('names the missing columns when a header has some of the layout columns but not all', async () => {
    const parsed = await parseText('email,email_manager,title\nana@example.com,boss@example.com,Lead\n', 'csv');
    expect(parsed.layout).toBeUndefined();
    const [p] = errors(parsed);
    expect(p?.column).toBe('email_manager');
    expect(p?.message).toContain("admin UI's import layout");
    expect(p?.message).toContain('missing: name, phone_work, extension, department, location_work');
    expect(p?.message).toContain('"manager"');
  });

  it("refuses a column that is not the layout's in a header that is the layout, naming it", async () => {
    const parsed = await parseText(`${HEADER},roles\n${row(base)},+Agent\n`, 'csv');
    const [p] = errors(parsed);
    expect(p?.column).toBe('roles');
    expect(p?.message).toContain('separate file');
    expect(p?.rowNumber).toBeUndefined();
  });
});

describe('each column', () => {
  it('maps a full row onto the tool’s changes: profile, manager, phone, location and routing', async () => {
    const parsed = await one({
      phone_work: '+1 317 555 0100',
      title: 'Team Lead',
      department: 'Support',
      email_manager: 'Boss@Example.com',
      location_work: 'Indianapolis HQ',
      queues: 'Sales, Support Desk',
      division: 'Support',
      skills: 'Billing:4,Spanish:3.5',
    });
    expect(errors(parsed)).toEqual([]);
    expect(parsed.rows[0]!.key).toEqual({ kind: 'email', email: 'ana@example.com' });
    expect(parsed.rows[0]!.changes).toEqual({
      name: 'Ana López',
      title: 'Team Lead',
      department: 'Support',
      manager: { kind: 'email', email: 'boss@example.com' },
      phones: { work: '+13175550100' },
      locations: { mode: 'delta', add: ['Indianapolis HQ'], remove: [] },
      routing: {
        queues: { mode: 'delta', add: ['Sales', 'Support Desk'], remove: [] },
        division: 'Support',
        skills: {
          mode: 'delta',
          add: [
            { name: 'Billing', proficiency: 4 },
            { name: 'Spanish', proficiency: 3.5 },
          ],
          remove: [],
        },
      },
    });
  });

  it('reads an extension alone as the work phone’s extension', async () => {
    const parsed = await one({ extension: '40-21', title: 'Lead', department: 'Support' });
    expect(parsed.rows[0]!.changes.phones).toEqual({ work: 'ext 4021' });
  });

  it('empty title, department and extension clear them; every other empty cell changes nothing', async () => {
    const parsed = await one({});
    expect(errors(parsed)).toEqual([]);
    expect(parsed.rows[0]!.changes).toEqual({
      name: 'Ana López',
      title: null,
      department: null,
      clearExtensions: ['work'],
    });
  });

  it('warns when a row is too short to reach cells whose emptiness clears (and clears them, as empty cells do)', async () => {
    const parsed = await parseText(`${HEADER}\nAna,ana@example.com,,,Lead\n`, 'csv');
    expect(errors(parsed)).toEqual([]);
    const [w] = parsed.problems;
    expect(w).toMatchObject({ severity: 'warning', code: 'short_row', rowNumber: 1 });
    expect(w?.message).toContain('so department is read as empty');
    expect(parsed.rows[0]!.changes).toMatchObject({ title: 'Lead', department: null });
    const reaching = await parseText(`${HEADER}\nAna,ana@example.com,,,Lead,Care\n`, 'csv');
    expect(reaching.problems).toEqual([]);
  });

  it('does not clear the extension when phone_work gives a number (the number replaces the entry)', async () => {
    const parsed = await one({ phone_work: '+13175550100', title: 'T', department: 'D' });
    expect(parsed.rows[0]!.changes.clearExtensions).toBeUndefined();
    expect(parsed.rows[0]!.changes.phones).toEqual({ work: '+13175550100' });
  });

  it('adds queues and skills, never replaces them: no removal is ever read from the layout', async () => {
    const parsed = await one({ queues: 'A,B,C', skills: 'X:0,Y:5' });
    const routing = parsed.rows[0]!.changes.routing!;
    expect(routing.queues).toEqual({ mode: 'delta', add: ['A', 'B', 'C'], remove: [] });
    expect(routing.skills).toMatchObject({ mode: 'delta', remove: [] });
  });

  it('keeps `;` inside a queue name (the layout separates queues with commas only)', async () => {
    const parsed = await one({ queues: 'Sales;EMEA' });
    expect(parsed.rows[0]!.changes.routing!.queues).toEqual({ mode: 'delta', add: ['Sales;EMEA'], remove: [] });
  });
});

describe('problems name the layout’s columns', () => {
  const only = async (cells: Record<string, string>, header = HEADER) => {
    const found = errors(await one(cells, header));
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it('refuses a non-empty roles_divisions: its format is not documented', async () => {
    const p = await only({ roles_divisions: 'Agent:Home' });
    expect(p).toMatchObject({ column: 'roles_divisions', code: 'undocumented_format', rowNumber: 1, line: 2 });
    expect(p.message).toContain('does not document');
    expect(p.message).toContain('`roles`');
  });

  it('refuses a non-empty hire_date, pointing to employerInfo.dateHire; an empty one is fine', async () => {
    const header = `${HEADER},hire_date`;
    const p = await only({ hire_date: '03/15/2021' }, header);
    expect(p).toMatchObject({ column: 'hire_date', code: 'undocumented_format' });
    expect(p.message).toContain('employerInfo.dateHire');
    expect(errors(await one({}, header))).toEqual([]);
  });

  it('refuses a skill without a proficiency, or with one out of range', async () => {
    expect((await only({ skills: 'Billing' })).message).toContain('has no proficiency');
    expect((await only({ skills: 'Billing:7' })).message).toContain('from 0 to 5');
    expect((await only({ skills: 'Billing:2,billing:3' })).message).toContain('repeats');
  });

  it('requires name and email', async () => {
    expect(await only({ name: '' })).toMatchObject({ column: 'name', code: 'missing_name' });
    expect(await only({ email: '' })).toMatchObject({ column: 'email', code: 'missing_key' });
  });

  it('refuses <clear>, which is not the layout’s notation', async () => {
    expect(await only({ title: '<clear>' })).toMatchObject({ column: 'title', code: 'not_in_layout' });
  });

  it('restates the tool’s own checks with the layout’s column', async () => {
    const phone = await only({ phone_work: '317-555' });
    expect(phone.column).toBe('phone_work');
    expect(phone.message).toContain('column "phone_work"');
    expect((await only({ email_manager: 'boss' })).column).toBe('email_manager');
    expect((await only({ extension: '12a' })).column).toBe('extension');
    // The tool's locations keep `;` for separating items; its refusal is the location_work column's here.
    expect((await only({ location_work: 'HQ; Floor 2' })).column).toBe('location_work');
    const both = await only({ phone_work: '+13175550100', extension: '4021' });
    expect(both).toMatchObject({ column: 'extension', code: 'phone_and_extension' });
  });

  it('names the layout’s column when two rows for one user differ', async () => {
    const text = `${HEADER}\n${row({ ...base, email_manager: 'a@example.com' })}\n${row({ ...base, email_manager: 'b@example.com' })}\n`;
    const [p] = errors(await parseText(text, 'csv'));
    expect(p?.message).toContain('(email_manager: "a@example.com" here, "b@example.com" there)');
  });

  it('reports a row’s problems in the layout’s column order', () => {
    const result = adminUiRecord(
      new Map([
        ['skills', 'Billing'],
        ['email', 'ana@example.com'],
        ['roles_divisions', 'Agent'],
        ['name', 'Ana'],
      ] as const),
      { rowNumber: 1, line: 2 },
    );
    expect(result.problems.map((p) => p.column)).toEqual(['roles_divisions', 'skills']);
  });
});
