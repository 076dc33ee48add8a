import { describe, expect, it } from 'vitest';
import type { InputRow, ProfileChanges } from '../../src/input/index.js';
import { planRowAgainst, summarise } from '../../src/plan/plan.js';
import { readAsSaved, type SavedContext, savedContext, savedNotes } from '../../src/plan/spreadsheet.js';
import { user } from './fixtures.js';

const current = user({
  name: 'Łukasz Nowak',
  title: 'Jefe de Atención',
  employerInfo: { employeeId: '000456', dateHire: '2021-03-04' },
  addresses: [
    { mediaType: 'PHONE', type: 'MOBILE', address: '+14155550123' },
    { mediaType: 'PHONE', type: 'WORK', address: '+442079460762' },
    { mediaType: 'PHONE', type: 'HOME', extension: '0123' },
  ],
  acdAutoAnswer: false,
});
const anyOrder: SavedContext = { dateOrders: ['mdy', 'dmy', 'ymd'] };
const mdy: SavedContext = { dateOrders: ['mdy', 'ymd'] };

const row = (changes: ProfileChanges): InputRow => ({
  rowNumber: 1,
  line: 2,
  key: { kind: 'email', email: 'a@b.co' },
  changes,
});
const plan = (changes: ProfileChanges, ctx: SavedContext = mdy) =>
  planRowAgainst(row(changes), current, () => undefined, {}, ctx);

describe('a cell that is the current value as a spreadsheet saved it is no change', () => {
  it.each<[string, ProfileChanges, string]>([
    ['a phone without its +', { asSaved: { 'phone.mobile': '14155550123' } }, 'number'],
    ['a phone in scientific notation', { asSaved: { 'phone.work': '4.42079E+11' } }, 'number'],
    ['a phone with .0', { asSaved: { 'phone.mobile': '14155550123.0' } }, 'number'],
    ['an extension with .0', { asSaved: { 'phone.home.extension': '123.0' } }, 'number'],
    ['an extension without its leading zero', { phones: { home: 'ext 123' } }, 'number'],
    ['a date, month first', { asSaved: { 'employerInfo.dateHire': '3/4/2021' } }, 'date'],
    ['a date with a time of midnight', { asSaved: { 'employerInfo.dateHire': '2021-03-04 00:00:00' } }, 'date'],
    ['a two-digit year', { asSaved: { 'employerInfo.dateHire': '3/4/21' } }, 'date'],
    ['an id without its leading zeros', { employerInfo: { employeeId: '456' } }, 'number'],
    ['a name with ? for what the code page lacks', { name: '?ukasz Nowak' }, 'characters'],
    ['a title read as Windows-1252', { title: 'Jefe de AtenciÃ³n' }, 'encoding'],
  ])('%s', (_, changes, kind) => {
    const planned = plan(changes);
    expect(planned.status).toBe('unchanged');
    expect(planned.diffs).toEqual([]);
    expect(Object.values(planned.lenient ?? {})).toEqual([kind]);
  });

  // Free text that a spreadsheet read as a date or a number, in every free-text column: the cell is what a save
  // makes of the current value.
  const texts = user({
    title: '3/4',
    department: '00123',
    preferredName: 'Mar 4',
    employerInfo: { officialName: '1E5', employeeType: '2-1-1', employeeId: '1/2' },
    addresses: [{ mediaType: 'PHONE', type: 'WORK', extension: '0042' }],
  });
  it.each<[string, ProfileChanges, string]>([
    ['3/4 as Excel en-US writes it', { title: '4-Mar' }, 'date'],
    ['3/4 as Sheets writes it', { title: '3/4/2026' }, 'date'],
    ['3/4 as LibreOffice writes it', { title: '03/04/26' }, 'date'],
    ['3/4 read day first', { title: '03-Apr' }, 'date'],
    ['00123 without its zeros', { department: '123' }, 'number'],
    ['Mar 4', { preferredName: '4-Mar' }, 'date'],
    ['1E5 as a number', { employerInfo: { officialName: '100000' } }, 'number'],
    ['1E5 in scientific notation', { employerInfo: { officialName: '1.00E+05' } }, 'number'],
    ['2-1-1', { employerInfo: { employeeType: '2/1/2001' } }, 'date'],
    ['1/2', { employerInfo: { employeeId: '2-Jan' } }, 'date'],
    ['an extension without its zeros', { phones: { work: 'ext 42' } }, 'number'],
  ])('a text saved as a date or a number: %s', (_, changes, kind) => {
    const planned = planRowAgainst(row(changes), texts, () => undefined, {}, mdy);
    expect(planned.status).toBe('unchanged');
    expect(Object.values(planned.lenient ?? {})).toEqual([kind]);
  });

  const lists = user({ profileSkills: ['Gestión', 'Español'], certifications: ['Zürich CX', 'ITIL'] });
  const planLists = (changes: ProfileChanges) => planRowAgainst(row(changes), lists, () => undefined, {}, mdy);
  it('a list item with a ? per character the code page lacks, or read as Windows-1252, is the current item', () => {
    const planned = planLists({
      profileSkills: { mode: 'replace', items: ['Gesti?n', 'Espa?ol'] },
      certifications: { mode: 'replace', items: ['ZÃ¼rich CX', 'ITIL'] },
    });
    expect(planned.status).toBe('unchanged');
    expect(planned.lenient).toEqual({ profileSkills: 'characters', certifications: 'encoding' });
    const removed = planLists({ profileSkills: { mode: 'delta', add: [], remove: ['Espa?ol'] } });
    expect(removed.diffs).toEqual([{ field: 'profileSkills', before: 'Español;Gestión', after: 'Gestión' }]);
  });

  it('a list item damaged the same way that is no current item is refused, naming the column', () => {
    const planned = planLists({ profileSkills: { mode: 'replace', items: ['Gestión', 'Fran?ais'] } });
    expect(planned.status).toBe('invalid');
    expect(planned.note).toContain('profileSkills: "Fran?ais" has a "?" where a letter was');
  });

  it('a name error where the export wrote a +list or a text starting with - (taken for a formula) is no change', () => {
    expect(plan({ asSaved: { queues: '#NAME?' } }).lenient).toEqual({ queues: 'error' });
    const dash = user({ title: '-Night shift' });
    const planned = planRowAgainst(row({ asSaved: { title: '#ERROR!' } }), dash, () => undefined, {}, mdy);
    expect([planned.status, planned.lenient]).toEqual(['unchanged', { title: 'error' }]);
  });

  it('leaves the rest of the row to change, and carries what a later plan of the row starts from', () => {
    const planned = plan({
      title: 'Lead',
      employerInfo: { employeeId: '456', dateHire: '2022-01-01' },
      asSaved: { 'phone.mobile': '14155550123' },
    });
    expect(planned.diffs.map((d) => d.field)).toEqual(['title', 'employerInfo.dateHire']);
    expect(planned.patch?.employerInfo).toEqual({ employeeId: '000456', dateHire: '2022-01-01' });
    expect(planned.changes).toEqual({ title: 'Lead', employerInfo: { dateHire: '2022-01-01' } });
    expect(planned.lenient).toEqual({ 'employerInfo.employeeId': 'number', 'phone.mobile': 'number' });
  });

  it('an edit that only looks like a spreadsheet value is an edit', () => {
    expect(plan({ employerInfo: { employeeId: 'E-457' } }).diffs).toEqual([
      { field: 'employerInfo.employeeId', before: '000456', after: 'E-457' },
    ]);
    expect(plan({ title: 'Why? Lead' }).status).toBe('change');
    expect(plan({ title: '3/4' }).status).toBe('change');
    expect(plan({ department: '42' }).status).toBe('change');
  });
});

describe('a spreadsheet cell that is not the current value is refused, never written', () => {
  it.each<[string, ProfileChanges, SavedContext, string]>([
    [
      'a phone without its +',
      { asSaved: { 'phone.mobile': '14155550124' } },
      mdy,
      'phone.mobile: "14155550124" is a phone number without its +',
    ],
    ['a phone into an empty field', { asSaved: { 'phone.other': '14155550124' } }, mdy, 'the field is empty'],
    [
      'a phone in scientific notation',
      { asSaved: { 'phone.work': '4.42078E+11' } },
      mdy,
      'scientific notation, which loses digits',
    ],
    [
      'a date of two readings',
      { asSaved: { 'employerInfo.dateHire': '4/3/2021' } },
      anyOrder,
      '"4/3/2021" could be 2021-04-03 or 2021-03-04',
    ],
    [
      'a date of one reading',
      { asSaved: { 'employerInfo.dateHire': '3/5/2021' } },
      mdy,
      'write a new date as yyyy-MM-dd (2021-03-05)',
    ],
    [
      'a date read the other way round',
      { asSaved: { 'employerInfo.dateHire': '3/4/2021' } },
      { dateOrders: ['dmy', 'ymd'] },
      'the current value is "2021-03-04"',
    ],
    [
      'an error value in a list',
      { asSaved: { queues: '#N/A' } },
      mdy,
      'queues: "#N/A" is a spreadsheet\'s error value',
    ],
    [
      'a name error in skills',
      { asSaved: { skills: '#NAME?' } },
      mdy,
      'skills: "#NAME?" is a spreadsheet\'s error value',
    ],
    ['a name error in a text not written with +', { asSaved: { title: '#NAME?' } }, mdy, 'format the column as text'],
    ['an error value of LibreOffice', { asSaved: { department: 'Err:502' } }, mdy, 'department: "Err:502"'],
    ['a name error for a user to create', { asSaved: { queues: '#NAME?' } }, { ...mdy, create: true }, 'queues'],
    ['an error value in a text', { asSaved: { title: '#N/A' } }, mdy, 'title: "#N/A" is a spreadsheet\'s error value'],
    ['a text turned into a date', { title: '4-Mar' }, mdy, 'title: "4-Mar" is a date as a spreadsheet writes one'],
    ['a text turned into a local date', { department: '03/04/2026' }, mdy, 'format the column as Text'],
    ['a text in scientific notation', { preferredName: '1.00E+05' }, mdy, 'scientific notation'],
    ['an id that lost its leading zeros', { employerInfo: { employeeId: '457' } }, mdy, 'without the leading zeros'],
    ['a name with ? for a letter', { name: 'Fran?ois Nowak' }, mdy, 'save the file as "CSV UTF-8"'],
    ['an extension', { asSaved: { 'phone.home.extension': '124.0' } }, mdy, "type the extension's digits"],
    [
      'an id in scientific notation',
      { asSaved: { 'employerInfo.employeeId': '1.23457E+11' } },
      mdy,
      'type the whole value',
    ],
  ])('%s', (_, changes, ctx, message) => {
    const planned = plan(changes, ctx);
    expect(planned.status).toBe('invalid');
    expect(planned.patch).toBeUndefined();
    expect(planned.note).toContain(message);
    expect(planned.note).toContain('or leave the cell empty to keep the current value');
  });

  it('names every such cell of the row', () => {
    const planned = plan({ title: '4-Mar', asSaved: { 'phone.mobile': '14155550124', queues: '#REF!' } });
    expect(planned.note).toMatch(/^title: "4-Mar" .*; phone\.mobile: "14155550124" .*; queues: "#REF!" /);
  });

  it('without a spreadsheet context (JSON, a resume) a cell kept as written changes nothing', () => {
    expect(planRowAgainst(row({ asSaved: { 'phone.mobile': '1' } }), current, () => undefined).status).toBe(
      'unchanged',
    );
    expect(readAsSaved(current, { name: '?ukasz Nowak' }, mdy)).toEqual({
      changes: {},
      lenient: { name: 'characters' },
    });
  });
});

describe('the file and the plan', () => {
  it('the dates of the whole file decide the order an ambiguous one is read in', () => {
    const rows = ['3/4/2021', '14/3/2021'].map((d) => row({ asSaved: { 'employerInfo.dateHire': d } }));
    expect(savedContext(rows).dateOrders).toEqual(['dmy', 'ymd']);
  });

  it('one warning per column, in the columns order, counting its rows', () => {
    const rows = [
      plan({ asSaved: { acdAutoAnswer: 'FALSE', 'phone.mobile': '14155550123' } }),
      plan({ asSaved: { 'phone.mobile': '1.41556E+10' } }),
    ];
    const notes = savedNotes(summarise(rows).lenient);
    expect(notes.map((n) => [n.column, n.code, n.severity])).toEqual([
      ['phone.mobile', 'spreadsheet_format', 'warning'],
      ['acdAutoAnswer', 'spreadsheet_format', 'warning'],
    ]);
    expect(notes[0]!.message).toBe(
      'column "phone.mobile": 2 rows hold the current value as a spreadsheet saved it (a number without its +, or in scientific notation), read as no change; to change such a cell, format the column as text and type the value as `genesys-bulk columns` shows it',
    );
  });
});
