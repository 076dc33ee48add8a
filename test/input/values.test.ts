import { describe, expect, it } from 'vitest';
import {
  checkDate,
  checkEmail,
  checkPhone,
  checkState,
  checkText,
  checkUuid,
  MAX_NAME_LENGTH,
} from '../../src/input/values.js';

const ok = <T>(value: T) => ({ ok: true, value });

describe('checkEmail', () => {
  it('accepts a valid address as spelled (the platform keeps its case)', () => {
    expect(checkEmail('Ana.Lopez+ops@Example.CO.UK')).toEqual(ok('Ana.Lopez+ops@Example.CO.UK'));
  });
  it.each(['bob@', 'bob', '@example.com', 'bob@example', 'a..b@example.com', 'bob @example.com', 'bob@exa mple.com'])(
    'rejects %j',
    (value) => {
      const result = checkEmail(value);
      expect(result).toEqual({ ok: false, message: `${JSON.stringify(value)} is not a valid email address` });
    },
  );
  it('rejects an address longer than 254 characters', () => {
    expect(checkEmail(`${'a'.repeat(64)}@${'b'.repeat(186)}.com`).ok).toBe(false);
  });
});

describe('checkUuid', () => {
  it('accepts any 8-4-4-4-12 hex id and lower-cases it', () => {
    expect(checkUuid('6A1F0C52-3C0E-4D6C-9F3E-2B8F1F0E9A11', 'user id')).toEqual(
      ok('6a1f0c52-3c0e-4d6c-9f3e-2b8f1f0e9a11'),
    );
  });
  it.each([
    '12345',
    '6a1f0c52-3c0e-4d6c-9f3e-2b8f1f0e9a1',
    '6a1f0c52-3c0e-4d6c-9f3e-2b8f1f0e9a1g',
    '{6a1f0c52-3c0e-4d6c-9f3e-2b8f1f0e9a11}',
  ])('rejects %j', (value) => {
    const result = checkUuid(value, 'user id');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain(`${JSON.stringify(value)} is not a valid user id`);
  });
});

describe('checkDate', () => {
  it.each(['2021-03-15', '2024-02-29', '2000-02-29', '1999-12-31'])('accepts %s', (value) => {
    expect(checkDate(value)).toEqual(ok(value));
  });
  it.each(['2023-02-30', '2023-02-29', '1900-02-29', '2021-04-31', '2021-13-01', '2021-00-10'])(
    'rejects the impossible date %s',
    (value) => {
      expect(checkDate(value)).toEqual({ ok: false, message: `"${value}" is not a real calendar date` });
    },
  );
  it.each(['15/03/2021', '2021-3-15', '2021-03-15T00:00:00Z', '20210315'])('rejects the wrong form %s', (value) => {
    const result = checkDate(value);
    expect(!result.ok && result.message).toContain('is not a date in the form yyyy-MM-dd');
  });
});

describe('checkPhone', () => {
  it.each([
    ['+1 (317) 555-0100', '+13175550100'],
    ['+44 20.7946.0958', '+442079460958'],
    ['+61-2-9374-4000', '+61293744000'],
    ['+1234567', '+1234567'],
    ['+123456789012345', '+123456789012345'],
  ])('normalises %j to %j', (value, expected) => {
    expect(checkPhone(value)).toEqual(ok(expected));
  });
  it.each([
    '555-0100',
    '13175550100',
    '0044 20 7946 0958',
    '+0 317 555 0100',
    '+123456',
    '+1234567890123456',
    '+1 317 555 0100 x12',
    '+1/317/5550100',
  ])('rejects %j', (value) => {
    const result = checkPhone(value);
    expect(!result.ok && result.message).toContain('must be in international format, e.g. +13175550100');
  });
  it('rejects a "(0)" trunk prefix, which would dial a wrong number', () => {
    const result = checkPhone('+44 (0)20 7946 0958');
    expect(!result.ok && result.message).toContain('trunk prefix "(0)"');
  });
});

describe('checkState', () => {
  it('accepts active and inactive in any case', () => {
    expect(checkState('ACTIVE')).toEqual(ok('active'));
    expect(checkState('Inactive')).toEqual(ok('inactive'));
  });
  it.each(['deleted', 'enabled', 'act ive'])('rejects %j', (value) => {
    expect(checkState(value)).toEqual({
      ok: false,
      message: `"${value}" is not a valid state: use active or inactive`,
    });
  });
});

describe('checkText', () => {
  it('enforces the maximum length', () => {
    expect(checkText('x'.repeat(MAX_NAME_LENGTH), MAX_NAME_LENGTH).ok).toBe(true);
    expect(checkText('x'.repeat(MAX_NAME_LENGTH + 1), MAX_NAME_LENGTH)).toEqual({
      ok: false,
      message: 'is 256 characters long; the maximum is 255',
    });
  });
  it.each(['Team\nLead', 'Team\r\nLead', 'Team\tLead', 'Team\u0000Lead', 'Team\u0085Lead'])(
    'rejects control characters in %j',
    (value) => {
      const result = checkText(value);
      expect(!result.ok && result.message).toContain('contains a line break or control character');
    },
  );
  it('accepts non-ASCII text', () => {
    expect(checkText('Zoë Ångström 王')).toEqual(ok('Zoë Ångström 王'));
  });
});
