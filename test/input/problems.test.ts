import { describe, expect, it } from 'vitest';
import { formatProblems, type InputProblem } from '../../src/input/index.js';

const error = (n: number): InputProblem => ({ severity: 'error', rowNumber: n, line: n + 1, message: `row ${n}: bad` });
const warning = (n: number): InputProblem => ({
  severity: 'warning',
  rowNumber: n,
  line: n + 1,
  message: `row ${n}: odd`,
});

describe('formatProblems', () => {
  it('is empty for no problems', () => {
    expect(formatProblems([])).toBe('');
  });

  it('lists errors before warnings, each in input order', () => {
    expect(formatProblems([warning(1), error(2), warning(3), error(4)])).toBe(
      ['error: row 2: bad', 'error: row 4: bad', 'warning: row 1: odd', 'warning: row 3: odd'].join('\n'),
    );
  });

  it('caps the list and says how many more there are', () => {
    const problems = Array.from({ length: 25 }, (_, i) => error(i + 1));
    const lines = formatProblems(problems).split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[19]).toBe('error: row 20: bad');
    expect(lines[20]).toBe('… and 5 more problems');
    expect(formatProblems(problems.slice(0, 4), 3).split('\n').pop()).toBe('… and 1 more problem');
  });

  it('shows errors even when many warnings come first', () => {
    const problems = [...Array.from({ length: 30 }, (_, i) => warning(i + 1)), error(31)];
    expect(formatProblems(problems, 2)).toBe(
      ['error: row 31: bad', 'warning: row 1: odd', '… and 29 more problems'].join('\n'),
    );
  });
});
