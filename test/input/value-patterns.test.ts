import { describe, expect, it } from 'vitest';
import { regexes, z } from 'zod';
import { checkDate, DATE_PATTERN, EMAIL_PATTERN, isEmail } from '../../src/input/values.js';

// The input layer checks emails and dates with zod's own patterns, copied so that reading a file does not load zod
// at start-up. These tests hold the copies to what zod (the version installed) does.
describe('email and date patterns copied from zod', () => {
  // The linter drops zod's `\-` at the end of a character class, where `-` is literal anyway.
  const plain = (r: RegExp) => r.source.replaceAll('\\-]', '-]');
  it('are the patterns zod uses', () => {
    expect(plain(EMAIL_PATTERN)).toBe(plain(regexes.email));
    expect(EMAIL_PATTERN.flags).toBe(regexes.email.flags);
    expect(plain(DATE_PATTERN)).toBe(plain(regexes.date));
    expect(DATE_PATTERN.flags).toBe(regexes.date.flags);
  });

  const emails = [
    'ana@example.com',
    'Ana.Smith+tag@sub.example.co.uk',
    "o'brien@example.ie",
    '.ana@example.com',
    'ana..b@example.com',
    'ana.@example.com',
    'ana@example',
    'ana@-example.com',
    'ana@example.c',
    'ana@@example.com',
    'ana @example.com',
    'ana@exa_mple.com',
    '',
    'a@b.cd',
  ];
  it.each(emails)('judge %j as z.email() does', (value) => {
    expect(isEmail(value)).toBe(z.email().safeParse(value).success);
  });

  const dates = [
    '2021-03-15',
    '2024-02-29',
    '2023-02-29',
    '1900-02-29',
    '2000-02-29',
    '2021-04-31',
    '2021-13-01',
    '2021-00-10',
    '2021-1-5',
    '15/03/2021',
    '2021-03-15T00:00:00Z',
    '',
  ];
  it.each(dates)('judge %j as z.iso.date() does', (value) => {
    expect(checkDate(value).ok).toBe(z.iso.date().safeParse(value).success);
  });
});
