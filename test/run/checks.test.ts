import { describe, expect, it } from 'vitest';
import type { PlannedRow } from '../../src/plan/index.js';
import { planRefusals } from '../../src/run/checks.js';

const refused = (note: string): PlannedRow => ({
  rowNumber: 3,
  line: 4,
  key: 'a@b.co',
  userId: 'u',
  status: 'invalid',
  diffs: [],
  note,
});

describe('planning refusals as problems', () => {
  it('name every column of a row refused for several cells, the first as column', () => {
    const [p] = planRefusals([
      refused(
        'phone.mobile: "1415" is a phone number without its +; type the number with its +; title: "4-Mar" is a date; acdAutoAnswer: x',
      ),
    ]);
    expect(p).toMatchObject({ code: 'invalid_change', rowNumber: 3, column: 'phone.mobile' });
    expect(p!.columns).toEqual(['phone.mobile', 'title', 'acdAutoAnswer']);
    expect(p!.message).toMatch(/^row 3 \(line 4\): phone\.mobile: .*; title: .*; acdAutoAnswer: x$/);
  });

  it('one column: column alone; none: neither', () => {
    const [one, none] = planRefusals([refused('title: "4-Mar" is a date'), refused('name cannot be cleared')]);
    expect(one!.column).toBe('title');
    expect(one!.columns).toBeUndefined();
    expect(none!.column).toBeUndefined();
  });
});
