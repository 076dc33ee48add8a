import { describe, expect, it } from 'vitest';
import { readInput, readInputHeld } from '../../src/input/index.js';
import { Packer } from '../../src/input/packed.js';
import { IncrementalPlanner } from '../../src/plan/incremental.js';
import { streamOf } from './helpers.js';

const wide = [
  'id,email,name,title,manager,employerInfo.employeeId,phone.work,phone.work.extension,locations,profileSkills,state',
  '47976d13-026f-4b9e-9438-c4776ea2d49a,ana@example.com,Ana López,Lead VI,8e68baf4-4e10-4ad0-b4fa-915e7b208535,E1,+13175550100,,Raleigh;Austin,Negotiation,active',
  '7286aab7-8e72-4f4c-ad36-358da6f7316f,bo@example.com,Bo,,,,,2867,,<clear>,inactive',
].join('\n');

describe('input rows held as text (issue #12)', () => {
  it('holds the valid rows as packed text, each pass decoding fresh copies equal to the rows as objects', async () => {
    const held = await readInputHeld({ stream: streamOf(wide), format: 'csv' });
    const objects = await readInput({ stream: streamOf(wide), format: 'csv' });
    expect(held.rows.held?.store.size).toBe(2);
    expect(held.rows.length).toBe(2);
    const first = [...held.rows];
    expect(first).toEqual(objects.rows);
    first[0]!.changes.title = 'changed';
    expect([...held.rows][0]!.changes.title).toBe('Lead VI');
    expect([...held.rows][0]).not.toBe(first[0]);
  });

  it('packs a row in fewer bytes than its JSON, and unpacks it to the same value', () => {
    const packer = new Packer();
    const row = {
      rowNumber: 1,
      key: { kind: 'id', id: 'x' },
      changes: { title: null, phones: { work: 'ext 1' }, locations: { mode: 'replace', items: ['a', { b: [] }] } },
      skipped: undefined,
    };
    const text = packer.pack(row);
    expect(text.length).toBeLessThan(JSON.stringify(row).length);
    expect(packer.unpack(packer.pack({ ...row, rowNumber: 2 }))).toEqual({ ...row, rowNumber: 2 });
    expect(packer.unpack(text)).toEqual(JSON.parse(JSON.stringify(row)));
    const proto = packer.unpack(packer.pack(JSON.parse('{"__proto__":{"polluted":1}}'))) as object;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(['__proto__']);
  });

  it('the planner takes the held rows over instead of copying them', async () => {
    const held = await readInputHeld({ stream: streamOf(wide), format: 'csv' });
    const store = held.rows.held!.store;
    // Not decoded and encoded again into a store of the planner's own: the held entries are used as they are.
    const rows = {
      length: held.rows.length,
      held: held.rows.held!,
      [Symbol.iterator]: (): Iterator<never> => {
        throw new Error('the planner copied the rows');
      },
    };
    const planner = new IncrementalPlanner(rows, { release: true });
    expect(store.size).toBe(2);
    expect(planner.rows()).toEqual([...held.rows]);
  });
});
