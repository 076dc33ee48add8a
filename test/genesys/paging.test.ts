import { describe, expect, it } from 'vitest';
import { morePages, servedSize } from '../../src/genesys/paging.js';

describe('morePages', () => {
  it('goes by the page count where the page has one, whatever else it says', () => {
    expect(morePages({ pageCount: 3, nextUri: '/next' }, 3, 100, 100)).toBe(false);
    expect(morePages({ pageCount: 3 }, 2, 100, 7)).toBe(true);
  });

  it('without a page count, goes by nextUri (queue members have only that)', () => {
    expect(morePages({ nextUri: '/api/v2/routing/queues/q/members?pageNumber=2' }, 1, 100, 100)).toBe(true);
    expect(morePages({ nextUri: '' }, 1, 100, 40)).toBe(false);
  });

  it('without either, by the total over the size served', () => {
    expect(morePages({ total: 250 }, 2, 100, 100)).toBe(true);
    expect(morePages({ total: 250 }, 3, 100, 50)).toBe(false);
    expect(morePages({ total: 60 }, 2, 25, 25)).toBe(true);
  });

  it('with nothing, by the page being full: a full last page costs one more, empty, read; no page is left unread', () => {
    expect(morePages({}, 1, 100, 100)).toBe(true);
    expect(morePages({}, 2, 100, 99)).toBe(false);
  });

  it('an empty page is the last, whatever it claims', () => {
    expect(morePages({ pageCount: 9, nextUri: '/next', total: 900 }, 2, 100, 0)).toBe(false);
  });
});

describe('servedSize', () => {
  it('is the size asked unless the page says, or shows, it was cut', () => {
    expect(servedSize({ pageSize: 500 }, 500, 500)).toBe(500);
    expect(servedSize({ pageSize: 200 }, 200, 500)).toBe(200);
    expect(servedSize({ total: 1000 }, 200, 500)).toBe(200);
    expect(servedSize({ total: 120 }, 120, 500)).toBe(500);
    expect(servedSize({ pageSize: 'x' }, 10, 500)).toBe(500);
  });
});
