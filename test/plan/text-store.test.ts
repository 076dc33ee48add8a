import { describe, expect, it } from 'vitest';
import { TextStore, textList, textListOf } from '../../src/plan/text-store.js';

describe('TextStore', () => {
  it('gives back every text as stored, across chunks, whatever its characters and size', () => {
    const store = new TextStore();
    const texts: string[] = [];
    for (let i = 0; i < 20_000; i++)
      texts.push(`[${i},"émilie.${i}@exämple.com","ünïcode ✓ 😀",${'x'.repeat(i % 97)}]`);
    texts.push('y'.repeat(3 << 20), '', 'after the big one');
    const entries = texts.map((t) => store.add(t));
    expect(entries).toEqual(texts.map((_, i) => i));
    expect(store.size).toBe(texts.length);
    for (const [i, t] of texts.entries()) expect(store.text(i)).toBe(t);
    expect(() => store.text(texts.length)).toThrow(RangeError);
  });

  it('copies an entry from another store, and lists entries in any order', () => {
    const a = new TextStore();
    const b = new TextStore();
    a.add('one');
    a.add('twö');
    b.add('zero');
    const copied = b.copy(a, 1);
    expect(b.text(copied)).toBe('twö');
    const list = textList(b, [copied, 0]);
    expect(list.length).toBe(2);
    expect([...list]).toEqual(['twö', 'zero']);
    expect(list.at(1)).toBe('zero');
    expect(() => list.at(2)).toThrow(RangeError);
    expect([...textListOf(['p', 'q'])]).toEqual(['p', 'q']);
  });
});
