import { describe, expect, it } from 'vitest';
import { madeBySpreadsheet, savedTextForm } from '../../src/input/saved-text.js';

describe('free text as a spreadsheet saves it', () => {
  it.each<[string, string, 'number' | 'date']>([
    ['3/4', '4-Mar', 'date'],
    ['3/4', '3-Apr', 'date'],
    ['3/4', '03/04/2026', 'date'],
    ['3/4', '3/4/2026', 'date'],
    ['3/4', '04.03.2026', 'date'],
    ['1-2', '2-Jan', 'date'],
    ['1/2', '2-Jan', 'date'],
    ['Mar 4', '4-Mar', 'date'],
    ['4 March', '04-Mar', 'date'],
    ['2-1-1', '2/1/2001', 'date'],
    ['2-1-1', '1/2/2001', 'date'],
    ['March 2026', 'Mar-26', 'date'],
    ['2026-03-04', '3/4/2026', 'date'],
    ['3.4.', '03.04.2026', 'date'],
    ['4-Mär', '04. Mär', 'date'],
    ['1E5', '100000', 'number'],
    ['1E5', '1.00E+05', 'number'],
    ['00123', '123', 'number'],
    ['1.50', '1.5', 'number'],
    ['1,50', '1,5', 'number'],
    ['1,234', '1234', 'number'],
    ['+42', '42', 'number'],
    ['(42)', '-42', 'number'],
    ['.5', '0.5', 'number'],
    ['123456789012', '1.23457E+11', 'number'],
    ['12345678901234567', '12345678901234600', 'number'],
    ['2867', '2867.0', 'number'],
  ])('%s saved as %s is the current value (%s)', (current, cell, kind) => {
    expect(savedTextForm(current, cell)).toBe(kind);
  });

  it.each([
    ['3/4', '5-Mar'],
    ['3/4', '3/4/2026 12:30'],
    ['2026-03-04', '3/5/2026'],
    ['1E5', '100001'],
    ['00123', '124'],
    ['Team Lead', 'Team Leader'],
    ['1.50', '1.6'],
    ['May', '1-May'],
    ['123', '123'],
  ])('%s saved as %s is not', (current, cell) => {
    expect(savedTextForm(current, cell)).toBeUndefined();
  });
});

describe('a cell that is not the current value but looks made by a spreadsheet', () => {
  it.each<[string, string | null, string]>([
    ['4-Mar', 'Lead', 'date'],
    ['04-Mar-26', null, 'date'],
    ['Mar-26', null, 'date'],
    ['3/4/2026', 'Lead', 'date'],
    ['03.04.2026', null, 'date'],
    ['2026-03-04', null, 'date'],
    ['1.00E+05', null, 'scientific'],
    ['1.5E-03', null, 'scientific'],
    ['1234567890123450000', null, 'digits'],
    ['457', '000456', 'zeros'],
    ['Fran?ois', 'Lead', 'characters'],
    ['?ukasz', null, 'characters'],
    ['FranÃ§ois', null, 'encoding'],
  ])('%s (current %s): %s', (cell, current, made) => {
    expect(madeBySpreadsheet(cell, current)).toBe(made);
  });

  it.each<[string, string | null]>([
    ['Team Lead', 'Lead'],
    ['3/4', null],
    ['1-2', null],
    ['Mar 4', null],
    ['Q1-2024', null],
    ['Sales 2', null],
    ['2024', null],
    ['42', '17'],
    ['12E45', null],
    ['3e4', null],
    ['1E5', 'Lead'],
    ['4567', '0123'],
    ['1.5', null],
    ['Why? Lead', null],
    ['Lead?', null],
    ['Ana López', null],
    ['São Paulo', null],
    ['May', null],
    ['E-10442', '000456'],
  ])('%s (current %s) is written as typed', (cell, current) => {
    expect(madeBySpreadsheet(cell, current)).toBeUndefined();
  });

  it('a date column is not judged for its dates', () => {
    expect(madeBySpreadsheet('2026-03-04', null, false)).toBeUndefined();
  });
});
