import { describe, expect, it } from 'vitest';
import type { IntentRecord } from '../../src/run/journal.js';
import { rollbackFields } from '../../src/run/rollback.js';
import { writtenByRun } from '../../src/run/written.js';
import { user } from './fakes.js';
import { afterValues, beforeValues } from './written-values.js';

const intent = (
  row: number,
  userId: string,
  before: Record<string, string | null>,
  after: Record<string, string | null>,
): IntentRecord => ({ t: 'intent', at: '2026-11-29T10:00:00.000Z', row, userId, version: 1, before, after });

describe('writtenByRun', () => {
  it('keeps, per user, the earliest before-value and the latest after-value of each field', () => {
    const written = writtenByRun([
      intent(2, 'u-2', { title: 'Agent' }, { title: 'Lead' }),
      // A conflict made the run write again over another admin's value: "before" stays the value before the run.
      intent(2, 'u-2', { title: 'Other' }, { title: 'Lead' }),
      // Then state, in a write of its own.
      intent(2, 'u-2', { state: 'active' }, { state: 'inactive' }),
      intent(1, 'u-1', { department: null, title: 'A' }, { department: 'Sales', title: 'B' }),
    ]);
    expect(written.map((w) => w.userId)).toEqual(['u-1', 'u-2']);
    const [u1, u2] = written;
    expect(Object.fromEntries(beforeValues(u1!))).toEqual({ department: null, title: 'A' });
    expect(Object.fromEntries(afterValues(u1!))).toEqual({ department: 'Sales', title: 'B' });
    expect(Object.fromEntries(beforeValues(u2!))).toEqual({ title: 'Agent', state: 'active' });
    expect(Object.fromEntries(afterValues(u2!))).toEqual({ title: 'Lead', state: 'inactive' });
    expect(u2!.row).toBe(2);
  });

  it('takes the last value when a user is written to twice with different targets', () => {
    const [w] = writtenByRun([
      intent(1, 'u-1', { title: 'A' }, { title: 'B' }),
      intent(1, 'u-1', { title: 'B' }, { title: 'C' }),
    ]);
    expect(beforeValues(w!).get('title')).toBe('A');
    expect(afterValues(w!).get('title')).toBe('C');
  });

  it('is empty for a run that wrote nothing', () => {
    expect(writtenByRun([])).toEqual([]);
  });
});

describe('rollbackFields', () => {
  const w = writtenByRun([
    intent(
      1,
      'u-1',
      { title: 'Agent', department: 'Sales', email: 'old@example.com', 'phone.mobile': null },
      { title: 'Lead', department: 'Billing', email: 'new@example.com', 'phone.mobile': '+15550100' },
    ),
  ])[0]!;

  it('restores a field that still holds what the run set', () => {
    const { restore, changedSince } = rollbackFields(
      w,
      user({
        title: 'Lead',
        department: 'Billing',
        email: 'NEW@example.com',
        addresses: [{ address: '+1 555 0100', mediaType: 'PHONE', type: 'MOBILE' }],
      }),
    );
    expect(restore).toEqual([
      { field: 'title', before: 'Agent', after: 'Lead' },
      { field: 'department', before: 'Sales', after: 'Billing' },
      // The address in another case (a platform may store its own), phones by digits: these still hold the run's values.
      { field: 'email', before: 'old@example.com', after: 'new@example.com' },
      { field: 'phone.mobile', before: null, after: '+15550100' },
    ]);
    expect(changedSince).toEqual([]);
  });

  it('needs nothing for a field back at its before-value, and reports one changed since', () => {
    const { restore, changedSince } = rollbackFields(
      w,
      user({ title: 'Agent', department: 'Support', email: 'new@example.com' }),
    );
    expect(restore).toEqual([{ field: 'email', before: 'old@example.com', after: 'new@example.com' }]);
    // The mobile the run added is gone again: back at its before-value (none), so nothing to do for it either.
    expect(changedSince).toEqual([{ field: 'department', now: 'Support', runSet: 'Billing' }]);
  });

  it('reports a field cleared since the run', () => {
    const { changedSince } = rollbackFields(w, user({ title: undefined, department: 'Billing' }));
    expect(changedSince).toContainEqual({ field: 'title', now: null, runSet: 'Lead' });
  });
});
