import { describe, expect, it } from 'vitest';
import { generateDirectory } from '../../src/emulator/directory.js';
import { UserStore } from '../../src/emulator/store.js';

describe('generateDirectory', () => {
  const users = generateDirectory({ users: 2000, seed: 7 });

  it('is deterministic per seed', () => {
    expect(generateDirectory({ users: 2000, seed: 7 })).toEqual(users);
    const other = generateDirectory({ users: 2000, seed: 8 });
    expect(other.map((u) => u.id)).not.toEqual(users.map((u) => u.id));
    // A longer directory starts with the same users.
    expect(generateDirectory({ users: 10, seed: 7 })).toEqual(users.slice(0, 10));
  });

  it('gives unique ids, emails and usernames; emails lower-case', () => {
    expect(new Set(users.map((u) => u.id)).size).toBe(users.length);
    expect(new Set(users.map((u) => u.email)).size).toBe(users.length);
    expect(new Set(users.map((u) => u.username)).size).toBe(users.length);
    for (const u of users) {
      expect(u.email).toMatch(/^[a-z0-9.]+@example\.com$/);
      expect(u.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(u.primaryContactInfo).toEqual([{ address: u.email, mediaType: 'EMAIL', type: 'PRIMARY' }]);
      expect(u.version).toBe(1);
    }
  });

  it('makes the managers a tree rooted at the first user', () => {
    const byId = new Map(users.map((u) => [u.id, u]));
    expect(users[0]?.manager).toBeUndefined();
    for (const u of users.slice(1)) {
      let steps = 0;
      for (let at = u; at.manager; at = byId.get(at.manager.id)!) {
        expect(byId.has(at.manager.id)).toBe(true);
        expect(++steps).toBeLessThan(users.length);
      }
    }
  });

  it('has realistic variety', () => {
    const share = (pred: (u: (typeof users)[number]) => boolean) => users.filter(pred).length / users.length;
    expect(share((u) => u.state === 'inactive')).toBeGreaterThan(0.03);
    expect(share((u) => u.state === 'inactive')).toBeLessThan(0.07);
    const contacts = users.flatMap((u) => u.addresses ?? []);
    for (const c of contacts) {
      expect(c.mediaType).toBe('PHONE');
      if (c.address !== undefined) expect(c.address).toMatch(/^\+(1\d{3}5550[1]\d{2}|442079460\d{3})$/);
      else expect(c.extension).toMatch(/^\d{4}$/);
    }
    const types = new Set(contacts.map((c) => c.type));
    expect([...types].sort()).toEqual(['HOME', 'MOBILE', 'WORK', 'WORK2']);
    expect(contacts.filter((c) => c.extension !== undefined).length).toBeGreaterThan(50);
    expect(new Set(users.map((u) => u.division?.name)).size).toBe(5);
    expect(new Set(users.map((u) => u.department)).size).toBeGreaterThan(5);
    expect(new Set(users.map((u) => u.title)).size).toBeGreaterThan(15);
    for (const u of users) {
      expect(u.employerInfo?.dateHire).toMatch(/^20(0[89]|1\d|2[0-4])-\d{2}-\d{2}$/);
      expect(u.employerInfo?.employeeId).toMatch(/^E\d{6}$/);
    }
    // Names with diacritics fold to plain ASCII addresses.
    expect(users.some((u) => /[^ -~]/.test(u.name ?? ''))).toBe(true);
  });

  it('generates 20,000 users into a store and 100,000 at all', () => {
    const big = generateDirectory({ users: 20_000, seed: 1 });
    expect(new UserStore(big).size).toBe(20_000);
    expect(generateDirectory({ users: 100_000, seed: 1 })).toHaveLength(100_000);
  });

  it('rejects a bad count', () => {
    expect(() => generateDirectory({ users: -1, seed: 1 })).toThrow(RangeError);
  });
});
