import { describe, expect, it } from 'vitest';
import type { PlannedRow } from '../../src/plan/plan.js';
import { combine, partFromApply } from '../../src/run/outcome.js';

describe('combine', () => {
  it("leaves out of a row's changes the fields its write left as someone else set them", () => {
    const planned: PlannedRow = {
      rowNumber: 1,
      line: 2,
      key: 'ann@example.com',
      userId: 'u1',
      status: 'change',
      diffs: [
        { field: 'title', before: 'Lead', after: 'Agent' },
        { field: 'department', before: 'Sales', after: 'Support' },
      ],
    };
    const part = partFromApply({
      status: 'updated',
      attempts: 2,
      writes: 1,
      conflictRounds: 1,
      kept: 'changed by someone else after the plan, left as is: department is now "Billing"',
      keptFields: [{ field: 'department', now: 'Billing' }],
    });
    const record = combine(planned, [part]);
    expect(record.changes).toEqual([{ field: 'title', before: 'Lead', after: 'Agent' }]);
    expect(record.message).toContain('department is now "Billing"');
    expect(record.status).toBe('updated');
  });
});
