import { describe, expect, it } from 'vitest';
import type { InputRow, ProfileChanges } from '../../src/input/index.js';
import { decodePlan, IncrementalPlanner } from '../../src/plan/incremental.js';
import { changedPart } from '../../src/plan/plan.js';
import { user } from './fixtures.js';

/** A row of a whole export edited in a spreadsheet: every column given, the title alone changed. */
const exported: ProfileChanges = {
  name: 'Jane Doe',
  email: 'jane.doe@example.com',
  title: 'Lead VI',
  department: 'Sales',
  employerInfo: { employeeId: 'E1' },
  phones: { work: '+13175550100' },
  profileSkills: { mode: 'replace', items: ['Spanish'] },
  acdAutoAnswer: false,
  state: 'active',
  routing: { division: 'Home' },
  asSaved: { 'phone.mobile': '13175550101' },
};

describe('what a changing row keeps of what it asked (issue #12)', () => {
  it('keeps only the profile columns the row changes, with routing and spreadsheet cells as they are', () => {
    expect(changedPart(exported, [{ field: 'title', before: 'Lead', after: 'Lead VI' }])).toEqual({
      title: 'Lead VI',
      routing: { division: 'Home' },
      asSaved: { 'phone.mobile': '13175550101' },
    });
    // A field stands for every key its write reads: a phone's entries, an employer field's object.
    expect(
      changedPart({ ...exported, clearExtensions: ['home'] }, [
        { field: 'phone.work', before: null, after: '+13175550100' },
        { field: 'employerInfo.employeeId', before: null, after: 'E1' },
      ]),
    ).toEqual({
      employerInfo: { employeeId: 'E1' },
      phones: { work: '+13175550100' },
      clearExtensions: ['home'],
      routing: { division: 'Home' },
      asSaved: { 'phone.mobile': '13175550101' },
    });
    // A diff of a field it cannot map keeps the row whole.
    expect(changedPart(exported, [{ field: 'biography', before: null, after: 'x' }])).toBe(exported);
  });

  it('a planned changing row carries only its changed columns; an unchanged row what it asked', () => {
    const { routing: _r, asSaved: _s, ...changes } = exported;
    const rows: InputRow[] = [
      { rowNumber: 1, line: 2, key: { kind: 'id', id: 'u-1' }, changes },
      { rowNumber: 2, line: 3, key: { kind: 'id', id: 'u-2' }, changes: { ...changes, title: 'Lead' } },
    ];
    const kept: Record<string, ProfileChanges | undefined> = {};
    const planner = new IncrementalPlanner(rows, {
      asked: true,
      keep: () => true,
      project: (u, _row, planned) => {
        kept[u.id] = planned?.changes;
        return u;
      },
    });
    const current = {
      name: 'Jane Doe',
      email: 'jane.doe@example.com',
      title: 'Lead',
      department: 'Sales',
      employerInfo: { employeeId: 'E1' },
      addresses: [{ address: '+13175550100', mediaType: 'PHONE' as const, type: 'WORK' as const }],
      profileSkills: ['Spanish'],
      acdAutoAnswer: false,
    };
    planner.add(user({ id: 'u-1', ...current }));
    planner.add(user({ id: 'u-2', ...current }));
    const plan = decodePlan(planner.finish());
    expect(plan.rows.map((r) => r.status)).toEqual(['change', 'unchanged']);
    expect(plan.rows[0]!.changes).toEqual({ title: 'Lead VI' });
    expect(kept['u-1']).toEqual({ title: 'Lead VI' });
    expect(plan.rows[1]!.changes).toEqual({ ...changes, title: 'Lead' });
  });
});
