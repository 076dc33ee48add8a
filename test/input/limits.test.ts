import { describe, expect, it } from 'vitest';
import { MAX_NAME_LENGTH, MAX_TEXT_LENGTH } from '../../src/input/values.js';
import { errors, parseText } from './helpers.js';

describe('profile text is capped at the platform lengths', () => {
  it.each([
    ['name', MAX_NAME_LENGTH],
    ['title', MAX_TEXT_LENGTH],
    ['department', MAX_TEXT_LENGTH],
    ['preferredName', MAX_TEXT_LENGTH],
    ['employerInfo.officialName', MAX_TEXT_LENGTH],
    ['employerInfo.employeeId', MAX_TEXT_LENGTH],
    ['employerInfo.employeeType', MAX_TEXT_LENGTH],
  ])('%s: %i characters pass, one more is an error naming the cap', async (column, cap) => {
    const ok = await parseText(`email,${column}\na@example.com,${'n'.repeat(cap)}\n`, 'csv');
    expect(errors(ok)).toEqual([]);
    const long = await parseText(`email,${column}\na@example.com,${'n'.repeat(cap + 1)}\n`, 'csv');
    expect(errors(long).map((p) => [p.column, p.message])).toEqual([
      [column, expect.stringContaining(`is ${cap + 1} characters long; the maximum is ${cap}`)],
    ]);
  });
});

describe('prototype keys', () => {
  it('are unknown columns wherever they appear, and change no object', async () => {
    const parsed = await parseText(
      '{"email": "a@example.com", "__proto__": {"title": "P"}, "constructor": {"prototype": {"title": "P"}}, "phone": {"__proto__": {"work": "+13175550100"}}, "employerInfo": {"constructor": "x"}, "skills": {"__proto__": {"add": []}}}\n',
      'jsonl',
    );
    expect(
      errors(parsed)
        .map((p) => p.column)
        .sort(),
    ).toEqual(['__proto__', 'constructor', 'employerInfo.constructor', 'phone.__proto__', 'skills']);
    expect(parsed.rows).toEqual([]);
    const probe: Record<string, unknown> = {};
    expect([probe.title, probe.work, probe.add, Object.keys(Object.prototype)]).toEqual([
      undefined,
      undefined,
      undefined,
      [],
    ]);
  });

  it('as CSV headers are unknown columns', async () => {
    const parsed = await parseText('email,__proto__,constructor,prototype,toString\na@example.com,1,2,3,4\n', 'csv');
    expect(errors(parsed).map((p) => p.column)).toEqual(['__proto__', 'constructor', 'prototype', 'toString']);
  });
});
