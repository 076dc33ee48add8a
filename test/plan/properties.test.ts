import { describe, expect, it } from 'vitest';
import type { Contact, ContactType, GenesysUser } from '../../src/genesys/types.js';
import type { ProfileChanges } from '../../src/input/index.js';
import { applyPatch } from '../../src/plan/apply-patch.js';
import { PlanError } from '../../src/plan/errors.js';
import { FIELD_ORDER, isPhoneOfType, PHONE_TYPES, readField } from '../../src/plan/fields.js';
import { beforeValues, inverseChanges, planUserChange, type UserChangePlan } from '../../src/plan/user-change.js';
import { managers, rng } from './fixtures.js';

const RUNS = 3000;
const ctx = managers({ 'm1@example.com': 'm-1', 'm2@example.com': 'm-2', 'm3@example.com': 'm-3' });

type Rand = () => number;
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const maybe = (r: Rand, p: number) => r() < p;

const NUMBERS = ['13175550100', '13175550111', '442079460000'];
function storedNumber(r: Rand): Partial<Contact> {
  const n = pick(r, NUMBERS);
  const formatted = `+${n.slice(0, -10)} (${n.slice(-10, -7)}) ${n.slice(-7, -4)}-${n.slice(-4)}`;
  return pick(r, [
    { address: `+${n}` },
    { address: n },
    { address: formatted },
    { address: `+${n}`, display: formatted, countryCode: 'US' },
    { display: formatted },
    { extension: pick(r, ['4410', '77']) },
  ]);
}
function wantedNumber(r: Rand): string | null {
  const n = pick(r, NUMBERS);
  return pick(r, [`+${n}`, `+${n.slice(0, -10)} ${n.slice(-10, -7)} ${n.slice(-7)}`, null, '']);
}
const CONTACT_TYPES: ContactType[] = ['WORK', 'WORK2', 'HOME', 'MOBILE', 'MAIN', 'OTHER', 'PRIMARY'];
const text = (r: Rand, values: string[]) => (maybe(r, 0.2) ? undefined : pick(r, [...values, '', '  ']));

function randomUser(r: Rand, n: number): GenesysUser {
  const addresses: Contact[] = [];
  const count = Math.floor(r() * 6);
  for (let i = 0; i < count; i++) {
    const kind = r();
    if (kind < 0.15)
      addresses.push({ address: `a${i}@example.com`, mediaType: 'EMAIL', type: pick(r, ['WORK', 'HOME']) });
    else if (kind < 0.25) addresses.push({ address: `+${pick(r, NUMBERS)}`, mediaType: 'SMS', type: 'MOBILE' });
    else addresses.push({ ...storedNumber(r), mediaType: 'PHONE', type: pick(r, CONTACT_TYPES) });
  }
  const u: GenesysUser = {
    id: `u-${n}`,
    name: pick(r, ['Jane Doe', ' Jane Doe ', 'John Roe']),
    email: pick(r, ['jane@example.com', 'Jane@Example.com', 'john@example.com']),
    state: pick(r, ['active', 'inactive'] as const),
    version: 1 + Math.floor(r() * 50),
  };
  const title = text(r, ['Agent', ' Agent', 'Lead']);
  if (title !== undefined) u.title = title;
  const department = text(r, ['Sales', 'Ops']);
  if (department !== undefined) u.department = department;
  const preferredName = text(r, ['JD']);
  if (preferredName !== undefined) u.preferredName = preferredName;
  if (maybe(r, 0.6)) u.manager = { id: pick(r, ['m-1', 'm-2']) };
  if (maybe(r, 0.6)) {
    u.employerInfo = {};
    for (const k of ['officialName', 'employeeId', 'employeeType', 'dateHire'] as const) {
      const v = text(r, [`${k}-a`, `${k}-b`]);
      if (v !== undefined) u.employerInfo[k] = v;
    }
  }
  if (addresses.length > 0 || maybe(r, 0.5)) u.addresses = addresses;
  return u;
}

function randomChanges(r: Rand): ProfileChanges {
  const c: ProfileChanges = {};
  const opt = <T>(p: number, values: readonly T[]): T | undefined => (maybe(r, p) ? pick(r, values) : undefined);
  const name = opt(0.3, ['Jane Doe', 'Jane  Doe', 'John Roe ']);
  if (name !== undefined) c.name = name;
  const email = opt(0.3, ['jane@example.com', 'JOHN@example.com', 'new@example.com']);
  if (email !== undefined) c.email = email;
  const title = opt(0.5, ['Agent', 'Lead ', 'Senior Agent', null, '']);
  if (title !== undefined) c.title = title;
  const department = opt(0.3, ['Sales', 'Ops', null]);
  if (department !== undefined) c.department = department;
  const preferredName = opt(0.3, ['JD', null]);
  if (preferredName !== undefined) c.preferredName = preferredName;
  const manager = opt(0.4, [
    null,
    { kind: 'id', id: 'm-1' },
    { kind: 'id', id: 'm-3' },
    { kind: 'email', email: 'm2@example.com' },
  ] as const);
  if (manager !== undefined) c.manager = manager;
  if (maybe(r, 0.4)) {
    c.employerInfo = {};
    for (const k of ['officialName', 'employeeId', 'employeeType', 'dateHire'] as const) {
      const v = opt(0.5, [`${k}-a`, ` ${k}-b`, null]);
      if (v !== undefined) c.employerInfo[k] = v;
    }
  }
  if (maybe(r, 0.7)) {
    c.phones = {};
    for (const t of PHONE_TYPES) if (maybe(r, 0.35)) c.phones[t] = wantedNumber(r);
  }
  const state = opt(0.3, ['active', 'inactive'] as const);
  if (state !== undefined) c.state = state;
  return c;
}

function apply(user: GenesysUser, plan: UserChangePlan): GenesysUser {
  let next = plan.patch ? applyPatch(user, { version: user.version, ...plan.patch }) : user;
  if (plan.state) next = applyPatch(next, { version: next.version, state: plan.state });
  return next;
}

/** The plan; undefined when the row changes a phone type of which the user has more than one entry (refused). */
function planOrRefused(user: GenesysUser, changes: ProfileChanges, context: string): UserChangePlan | undefined {
  try {
    return planUserChange(user, changes, ctx);
  } catch (err) {
    if (!(err instanceof PlanError) || err.code !== 'ambiguous_phone') throw err;
    const type = err.field.slice('phone.'.length).toUpperCase() as ContactType;
    expect((user.addresses ?? []).filter((c) => isPhoneOfType(c, type)).length, context).toBeGreaterThan(1);
    return undefined;
  }
}

describe('planUserChange properties (seeded)', () => {
  it('is idempotent, minimal, and keeps everything it does not change', () => {
    const r = rng(20240611);
    let withDiffs = 0;
    let withPhoneChange = 0;
    let unchanged = 0;
    let refused = 0;
    for (let n = 0; n < RUNS; n++) {
      const current = randomUser(r, n);
      const changes = randomChanges(r);
      const context = `run ${n}: ${JSON.stringify({ current, changes })}`;
      const plan = planOrRefused(current, changes, context);
      if (!plan) {
        refused++;
        continue;
      }
      if (plan.diffs.length > 0) withDiffs++;
      else unchanged++;
      if (plan.patch?.addresses) withPhoneChange++;

      expect(JSON.parse(JSON.stringify(plan)), context).toEqual(plan);
      expect(plan.patch && 'state' in plan.patch, context).toBeFalsy();
      expect(plan.patch !== undefined, context).toBe(plan.diffs.some((d) => d.field !== 'state'));
      expect(plan.state !== undefined, context).toBe(plan.diffs.some((d) => d.field === 'state'));
      const order = plan.diffs.map((d) => FIELD_ORDER.indexOf(d.field));
      expect(order, context).toEqual([...order].sort((a, b) => a - b));
      expect(beforeValues(current, plan.diffs), context).toEqual(
        Object.fromEntries(plan.diffs.map((d) => [d.field, d.before])),
      );

      const after = apply(current, plan);
      expect(planUserChange(after, changes, ctx), context).toEqual({ diffs: [] });

      const diffed = new Set(plan.diffs.map((d) => d.field));
      for (const field of FIELD_ORDER) {
        if (!diffed.has(field)) expect(readField(after, field), `${context} ${field}`).toBe(readField(current, field));
      }

      if (plan.patch?.addresses) {
        // Phone types the plan changes have at most one entry; everything else is sent back as it was, in order.
        const changed = plan.diffs
          .filter((d) => d.field.startsWith('phone.'))
          .map((d) => d.field.slice('phone.'.length).toUpperCase() as ContactType);
        const keep = (c: Contact) => !changed.some((t) => isPhoneOfType(c, t));
        expect(plan.patch.addresses.filter(keep), context).toEqual((current.addresses ?? []).filter(keep));
        for (const t of changed) {
          expect(plan.patch.addresses.filter((c) => isPhoneOfType(c, t)).length, context).toBeLessThanOrEqual(1);
        }
        for (const c of plan.patch.addresses) {
          expect(c.address !== undefined && c.extension !== undefined, context).toBe(false);
        }
      }
    }
    // The generator must exercise both outcomes, or the assertions above prove little.
    expect(withDiffs).toBeGreaterThan(RUNS / 2);
    expect(unchanged).toBeGreaterThan(RUNS / 50);
    expect(withPhoneChange).toBeGreaterThan(RUNS / 4);
    expect(refused).toBeGreaterThan(0);
  });

  it('rolls back: the inverse changes restore every diffed field', () => {
    const r = rng(7);
    let restoredCount = 0;
    for (let n = 0; n < RUNS; n++) {
      const original = randomUser(r, n);
      const changes = randomChanges(r);
      const context = `run ${n}: ${JSON.stringify({ original, changes })}`;
      const forward = planOrRefused(original, changes, context);
      if (!forward) continue;
      const changed = apply(original, forward);

      // An extension-only phone goes back as an extension too: nothing a forward plan makes is refused.
      const inverse: ProfileChanges = inverseChanges(forward.diffs);
      const restored = apply(changed, planUserChange(changed, inverse, ctx));
      expect(beforeValues(restored, forward.diffs), context).toEqual(beforeValues(original, forward.diffs));
      for (const field of FIELD_ORDER)
        expect(readField(restored, field), `${context} ${field}`).toBe(readField(original, field));
      if (forward.diffs.length > 0) restoredCount++;
    }
    expect(restoredCount).toBeGreaterThan(RUNS / 3);
  });
});
