import { describe, expect, it } from 'vitest';
import { CLEAR_TOKEN, COLUMNS, suggestColumn } from '../../src/input/index.js';

describe('COLUMNS', () => {
  it('documents every column of issues #3 and #6, in order', () => {
    expect(COLUMNS.map((c) => c.name)).toEqual([
      'id',
      'email',
      'newEmail',
      'name',
      'title',
      'department',
      'preferredName',
      'manager',
      'employerInfo.officialName',
      'employerInfo.employeeId',
      'employerInfo.employeeType',
      'employerInfo.dateHire',
      'phone.work',
      'phone.work2',
      'phone.work3',
      'phone.work4',
      'phone.home',
      'phone.mobile',
      'phone.main',
      'phone.other',
      'phone.work.extension',
      'phone.work2.extension',
      'phone.work3.extension',
      'phone.work4.extension',
      'phone.home.extension',
      'phone.mobile.extension',
      'phone.main.extension',
      'phone.other.extension',
      'acdAutoAnswer',
      'locations',
      'profileSkills',
      'certifications',
      'state',
      'skills',
      'languages',
      'queues',
      'groups',
      'roles',
      'division',
    ]);
  });
  it('marks exactly the key, name, auto-answer, state, queues, roles and division columns as not clearable', () => {
    expect(COLUMNS.filter((c) => !c.clearable).map((c) => c.name)).toEqual([
      'id',
      'email',
      'newEmail',
      'name',
      'acdAutoAnswer',
      'state',
      'queues',
      'roles',
      'division',
    ]);
  });
  it('gives every column a description and an example', () => {
    for (const c of COLUMNS) {
      expect(c.description, c.name).not.toBe('');
      expect(c.example, c.name).not.toBe('');
    }
  });
  it('uses <clear> as the clear token', () => {
    expect(CLEAR_TOKEN).toBe('<clear>');
  });
});

describe('suggestColumn', () => {
  it.each([
    ['Title', 'title'],
    ['ID', 'id'],
    ['eamil', 'email'],
    ['EMAIL', 'email'],
    ['phone.mobil', 'phone.mobile'],
    ['Phone.Work', 'phone.work'],
    ['preferred_name', 'preferredName'],
    ['employeeId', 'employerInfo.employeeId'],
    ['mobile', 'phone.mobile'],
    ['departmnt', 'department'],
    ['employerInfo.dateHired', 'employerInfo.dateHire'],
    ['new email', 'newEmail'],
    ['Skills', 'skills'],
    ['skill', 'skills'],
    ['language', 'languages'],
    ['queue', 'queues'],
    ['role', 'roles'],
    ['divison', 'division'],
    ['location', 'locations'],
    ['certification', 'certifications'],
    ['acd auto answer', 'acdAutoAnswer'],
  ])('maps %j to %j', (unknown, expected) => {
    expect(suggestColumn(unknown)).toBe(expected);
  });
  it.each(['building', 'teams', 'x', ''])('suggests nothing for %j', (unknown) => {
    expect(suggestColumn(unknown)).toBeUndefined();
  });
});
