import { describe, expect, it } from 'vitest';
import { csvCell, DEFAULT_COLUMNS, jsonRecord, type Names, userCells } from '../../src/export/cells.js';
import { parseColumns } from '../../src/export/run.js';
import { formatFor } from '../../src/export/sink.js';
import type { GenesysUser } from '../../src/genesys/types.js';
import { COLUMNS } from '../../src/input/columns.js';

const names: Names = {
  skill: () => undefined,
  language: () => undefined,
  role: () => undefined,
  division: () => undefined,
};
const user: GenesysUser = {
  id: 'u1',
  version: 3,
  state: 'inactive',
  name: 'Ana',
  email: 'ana@example.com',
  title: '=HYPERLINK("http://x")',
  manager: { id: 'm1' },
  division: { id: 'd1', name: 'Support' },
  employerInfo: { employeeId: 'E-1' },
  addresses: [
    { mediaType: 'PHONE', type: 'WORK', address: '+1 (317) 555-0100' },
    { mediaType: 'PHONE', type: 'HOME', extension: '1234' },
  ],
};

function cells(extras = {}, columns = DEFAULT_COLUMNS) {
  const problems: { column: string; reason: string }[] = [];
  const out = userCells(user, extras, columns, names, (p) => problems.push(p));
  return { out, problems };
}

describe('userCells', () => {
  it('writes every profile column in the form update compares', () => {
    const { out, problems } = cells();
    expect(out.get('id')).toBe('u1');
    expect(out.get('phone.work')).toBe('+13175550100');
    expect(out.get('manager')).toBe('m1');
    expect(out.get('employerInfo.employeeId')).toBe('E-1');
    expect(out.get('employerInfo.officialName')).toBe('');
    expect(out.get('state')).toBe('inactive');
    expect(out.get('division')).toBe('Support');
    // An extension-only phone goes in its extension column; the number column is blank ("no change").
    expect(out.get('phone.home')).toBe('');
    expect(out.get('phone.home.extension')).toBe('1234');
    expect(out.get('phone.work.extension')).toBe('');
    expect(out.get('acdAutoAnswer')).toBe('false');
    expect(problems).toEqual([]);
  });

  it('says an extension-only phone was left blank when its extension column is not exported', () => {
    const problems: string[] = [];
    const out = userCells(user, {}, ['id', 'phone.home'], names, (p) => problems.push(p.column));
    expect(out.get('phone.home')).toBe('');
    expect(problems).toEqual(['phone.home']);
  });

  it('writes the profile lists sorted, locations by name, and blanks a list an item of which cannot be written', () => {
    const problems: string[] = [];
    const located = {
      ...user,
      locations: [{ id: 'loc2', notes: 'x' }, { id: 'loc1' }],
      profileSkills: ['Spanish', 'Java'],
      certifications: ['+Weird'],
    };
    const withLocations = { ...names, location: (id: string) => ({ loc1: 'HQ', loc2: 'Annex' })[id] };
    const out = userCells(located, {}, ['id', 'locations', 'profileSkills', 'certifications'], withLocations, (p) =>
      problems.push(p.column),
    );
    expect(out.get('locations')).toBe('Annex;HQ');
    expect(out.get('profileSkills')).toBe('Java;Spanish');
    expect(out.get('certifications')).toBe('');
    expect(problems).toEqual(['certifications']);
    const unnamed = userCells({ ...user, locations: [{ id: 'gone' }] }, {}, ['id', 'locations'], names, (p) =>
      problems.push(p.column),
    );
    expect(unnamed.get('locations')).toBe('');
  });

  it('writes routing and access as exact lists, sorted, and queues as + items', () => {
    const { out } = cells({
      skills: [
        { id: 's2', name: 'Spanish', proficiency: 3.5 },
        { id: 's1', name: 'Billing', proficiency: 4 },
      ],
      languages: [{ id: 'l1', proficiency: 5 }],
      queues: ['Sales', 'Billing Inquiries'],
      grants: [
        { role: { id: 'r1', name: 'Agent' }, division: { id: 'd1', name: 'Support' } },
        { role: { id: 'r2', name: 'Employee' }, division: { id: 'd0', name: 'Home' } },
      ],
    });
    expect(out.get('skills')).toBe('Billing:4;Spanish:3.5');
    expect(out.get('queues')).toBe('+Sales;+Billing Inquiries');
    expect(out.get('roles')).toBe('Agent@Support;Employee@Home');
    // A language without a name and none in the catalogue cannot be written: blank.
    expect(out.get('languages')).toBe('');
  });

  it('leaves a whole list blank when one item cannot be written, rather than write a shorter list', () => {
    const { out, problems } = cells({
      skills: [
        { id: 's1', name: 'Billing', proficiency: 4 },
        { id: 's2', name: 'A;B', proficiency: 1 },
      ],
      grants: [{ role: { id: 'r1', name: 'Agent' }, division: { id: 'd1', name: 'EU@Support' } }],
    });
    expect(out.get('skills')).toBe('');
    expect(out.get('roles')).toBe('');
    expect(problems.map((p) => p.column).sort()).toEqual(['roles', 'skills']);
  });

  it('leaves blank a value with a control character, which update would refuse', () => {
    const problems: string[] = [];
    const out = userCells({ ...user, title: 'Lead\nAgent' }, {}, ['id', 'title'], names, (p) =>
      problems.push(p.column),
    );
    expect(out.get('title')).toBe('');
    expect(problems).toEqual(['title']);
  });

  it('leaves blank a value with a bidirectional control, which would show the line in another order', () => {
    const problems: string[] = [];
    const out = userCells(
      { ...user, title: 'Lead\u202eAgent', department: 'Sales\u2066x\u2069', preferredName: 'Ana' },
      {},
      ['id', 'title', 'department', 'preferredName'],
      names,
      (p) => problems.push(`${p.column}: ${p.reason}`),
    );
    expect([out.get('title'), out.get('department'), out.get('preferredName')]).toEqual(['', '', 'Ana']);
    expect(problems).toEqual([
      'title: a bidirectional control character, which would show the line in another order',
      'department: a bidirectional control character, which would show the line in another order',
    ]);
  });

  it('leaves blank a free-text value longer than update accepts (255 characters), which would stop the round trip', () => {
    const problems: string[] = [];
    const long = 'x'.repeat(256);
    const out = userCells(
      { ...user, title: 'x'.repeat(255), department: long, employerInfo: { employeeId: long } },
      {},
      ['id', 'title', 'department', 'employerInfo.employeeId'],
      names,
      (p) => problems.push(`${p.column}: ${p.reason}`),
    );
    expect([out.get('title'), out.get('department'), out.get('employerInfo.employeeId')]).toEqual([
      'x'.repeat(255),
      '',
      '',
    ]);
    expect(problems).toEqual([
      'department: a value longer than the 255 characters update accepts',
      'employerInfo.employeeId: a value longer than the 255 characters update accepts',
    ]);
  });

  it('exports exactly the columns update reads, newEmail only when asked', () => {
    expect(DEFAULT_COLUMNS).toEqual(COLUMNS.map((c) => c.name).filter((c) => c !== 'newEmail'));
    expect(cells({}, ['email', 'newEmail']).out).toEqual(
      new Map([
        ['email', 'ana@example.com'],
        ['newEmail', ''],
      ]),
    );
  });
});

describe('csvCell', () => {
  it('neutralises what a spreadsheet would run, and counts it', () => {
    let n = 0;
    const count = () => n++;
    expect(csvCell('=HYPERLINK("http://x")', count)).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell('@SUM(A1)', count)).toBe("'@SUM(A1)");
    expect(csvCell('\tx', count)).toBe("'\tx");
    expect(n).toBe(3);
  });
  it("gives a value that already starts with ' before a formula start one more, so update's one off restores it", () => {
    let n = 0;
    const count = () => n++;
    expect(csvCell("'=x", count)).toBe("''=x");
    expect(csvCell("''+1", count)).toBe("'''+1");
    expect(csvCell("'quoted", count)).toBe("'quoted");
    expect(n).toBe(2);
  });
  it('leaves phone numbers and prefixed lists, which update must read back as they are', () => {
    const never = () => {
      throw new Error('neutralised');
    };
    expect(csvCell('+13175550100', never)).toBe('+13175550100');
    expect(csvCell('+Sales;+Billing Inquiries', never)).toBe('+Sales;+Billing Inquiries');
    expect(csvCell('-Lead', never)).toBe('-Lead');
    expect(csvCell('a, b', never)).toBe('"a, b"');
    expect(csvCell(' padded', never)).toBe('" padded"');
  });
});

describe('jsonRecord', () => {
  it('leaves blank cells out: absent means no change', () => {
    expect(
      jsonRecord(
        new Map([
          ['id', 'u1'],
          ['title', ''],
          ['skills', 'A:1'],
        ]),
      ),
    ).toEqual({ id: 'u1', skills: 'A:1' });
  });
});

describe('parseColumns and formatFor', () => {
  it('defaults to every column update reads, and refuses unknown ones with a suggestion', () => {
    expect(parseColumns(undefined)).toEqual([...DEFAULT_COLUMNS]);
    expect(parseColumns(' id , title ')).toEqual(['id', 'title']);
    expect(() => parseColumns('id,titel')).toThrow(/did you mean "title"/);
    expect(() => parseColumns('id,employeeId')).toThrow(/employerInfo.employeeId/);
    expect(() => parseColumns('title')).toThrow(/must include id or email/);
    expect(() => parseColumns('id,id')).toThrow(/twice/);
    expect(() => parseColumns('title')).toThrow(/^--columns must include/);
    expect(() => parseColumns('title', 'columns')).toThrow(/^columns must include/);
    expect(() => parseColumns('id,titel', 'columns')).toThrow(/^columns: /);
    expect(() => parseColumns(',')).toThrow(/empty/);
  });
  it('takes the format from the extension, stdout JSON Lines', () => {
    expect(formatFor('a.CSV', undefined)).toBe('csv');
    expect(formatFor('a.json', undefined)).toBe('json');
    expect(formatFor('a.ndjson', undefined)).toBe('jsonl');
    expect(formatFor('-', undefined)).toBe('jsonl');
    expect(formatFor(undefined, undefined)).toBe('jsonl');
    expect(formatFor('a.txt', 'csv')).toBe('csv');
    expect(() => formatFor('a.txt', undefined)).toThrow(/--format/);
  });
});
