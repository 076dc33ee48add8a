import { describe, expect, it } from 'vitest';
import {
  dateOrdersOf,
  dateReadings,
  isDate,
  isErrorValue,
  numberReading,
  savedBoolean,
  writesNumber,
} from '../../src/input/saved-cells.js';

describe('numbers as a spreadsheet writes them', () => {
  it.each([
    ['14155550123', '14155550123', true],
    ['456', '000456', true],
    ['2867.0', '2867', true],
    ['2867,00', '2867', true],
    ['4.42079E+11', '442079460762', true],
    ['4,42079E+11', '442079460762', true],
    ['1.23457E+11', '123456789012', true],
    ['1.23457E+11', '123456500000', true],
    ['1.23457E+11', '123456499999', false],
    ['1E+12', '1000000000000', true],
    ['1.00000E+12', '999999500000', true],
    ['456', '000457', false],
    ['4.42079E+11', '44207946076', false],
    ['1.5E+0', '1', false],
    ['1234567890123460000', '1234567890123456789', true],
    ['1234567890123450000', '1234567890123456789', false],
    ['1234567890123456000', '1234567890123456789', false],
  ])('%s is how a spreadsheet writes %s: %s', (cell, digits, expected) => {
    const reading = numberReading(cell);
    expect(reading).toBeDefined();
    expect(writesNumber(reading!, digits)).toBe(expected);
  });

  it.each(['+14155550123', '1 415 555', '12a', '1.5', '1e5e5', ''])('%s is no number a spreadsheet writes', (cell) => {
    expect(numberReading(cell)).toBeUndefined();
  });
});

describe('dates as a spreadsheet writes them', () => {
  const iso = (cell: string, orders?: Parameters<typeof dateReadings>[1]) =>
    dateReadings(cell, orders).map((r) => [r.year, r.month, r.day, r.century]);

  it.each([
    ['3/14/2021', [[2021, 3, 14, true]]],
    ['14/03/2021', [[2021, 3, 14, true]]],
    ['14.03.2021', [[2021, 3, 14, true]]],
    ['14. 3. 2021', [[2021, 3, 14, true]]],
    ['2021/03/14', [[2021, 3, 14, true]]],
    ['2021.03.14.', [[2021, 3, 14, true]]],
    ['2021-03-14 00:00:00', [[2021, 3, 14, true]]],
    ['2021-03-14T00:00:00.000Z', [[2021, 3, 14, true]]],
    ['3/14/21', [[21, 3, 14, false]]],
    ['3/14/2021 12:00:00 AM', [[2021, 3, 14, true]]],
    ['3/14/2021 0:00', [[2021, 3, 14, true]]],
    [
      '3/4/2021',
      [
        [2021, 3, 4, true],
        [2021, 4, 3, true],
      ],
    ],
    ['4/4/2021', [[2021, 4, 4, true]]],
  ])('%s reads as %j', (cell, expected) => {
    expect(iso(cell)).toEqual(expected);
  });

  it.each(['2021-03-14 09:30:00', '3/14/2021 12:00:00 PM', '31/31/2021', '2/30/2021', 'March 14', '14/03/202'])(
    '%s is no date-only cell',
    (cell) => {
      expect(dateReadings(cell)).toEqual([]);
    },
  );

  it('reads only in the orders given', () => {
    expect(iso('3/4/2021', ['mdy'])).toEqual([[2021, 3, 4, true]]);
    expect(iso('3/4/2021', ['dmy'])).toEqual([[2021, 4, 3, true]]);
  });

  it('a column in one locale fixes the order its ambiguous cells are read in', () => {
    expect(dateOrdersOf(['3/4/2021', '3/14/2021'])).toEqual(['mdy', 'ymd']);
    expect(dateOrdersOf(['3/4/2021', '14/3/2021', '2021-03-14 00:00:00'])).toEqual(['dmy', 'ymd']);
    expect(dateOrdersOf(['3/4/2021', '5/6/2021'])).toEqual(['mdy', 'dmy', 'ymd']);
    // Two locales in one file: each cell is read alone, in every order.
    expect(dateOrdersOf(['3/14/2021', '14/3/2021'])).toEqual(['mdy', 'dmy', 'ymd']);
  });

  it('a two-digit year matches the year in any century', () => {
    const [reading] = dateReadings('3/14/21');
    expect(isDate(reading!, '2021-03-14')).toBe(true);
    expect(isDate(reading!, '1921-03-14')).toBe(true);
    expect(isDate(reading!, '2022-03-14')).toBe(false);
  });
});

describe('booleans and error values', () => {
  it.each([
    ['TRUE', true],
    ['FALSCH', false],
    ['vrai', true],
    ['Falso', false],
    ['1', true],
    ['0', false],
    ['yes', undefined],
  ])('%s stands for %s', (cell, expected) => {
    expect(savedBoolean(cell)).toBe(expected);
  });

  it.each(['#NAME?', '#NOM?', '#WERT!', '#N/A', '#ERROR!', '#¿NOMBRE?', 'Err:508', '#VALUE!'])(
    '%s is an error value',
    (cell) => {
      expect(isErrorValue(cell)).toBe(true);
    },
  );

  it.each(['#1 Agent', 'Team #2', '#', 'Err:5', '#WINNING!'])('%s is not', (cell) => {
    expect(isErrorValue(cell)).toBe(false);
  });
});
