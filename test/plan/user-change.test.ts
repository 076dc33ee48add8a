import { describe, expect, it } from 'vitest';
import type { Contact } from '../../src/genesys/types.js';
import { applyPatch } from '../../src/plan/apply-patch.js';
import { isRowProblem, PlanError, UnresolvedManagerError } from '../../src/plan/errors.js';
import { beforeValues, inverseChanges, planUserChange } from '../../src/plan/user-change.js';
import { managers, user } from './fixtures.js';

const ctx = managers({ 'boss@example.com': 'm-boss', 'other@example.com': 'm-other' });

function planError(fn: () => unknown): PlanError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PlanError) return err;
    throw err;
  }
  throw new Error('expected a PlanError');
}

describe('text fields', () => {
  it('diffs and patches a changed title, and nothing else', () => {
    const plan = planUserChange(user({ title: 'Agent', department: 'Sales' }), { title: 'Senior Agent' }, ctx);
    expect(plan).toEqual({
      diffs: [{ field: 'title', before: 'Agent', after: 'Senior Agent' }],
      patch: { title: 'Senior Agent' },
    });
  });

  it('treats trimmed-equal values as unchanged and sends trimmed values', () => {
    expect(planUserChange(user({ title: 'Agent ' }), { title: '  Agent' }, ctx)).toEqual({ diffs: [] });
    expect(planUserChange(user({ title: 'Agent' }), { title: ' Lead ' }, ctx).patch).toEqual({ title: 'Lead' });
  });

  it('is case-sensitive for text and for email: a change of only the case of an address is a change', () => {
    expect(planUserChange(user({ title: 'agent' }), { title: 'Agent' }, ctx).diffs).toHaveLength(1);
    expect(planUserChange(user({ email: 'Jane.Doe@example.com' }), { email: 'Jane.Doe@example.com' }, ctx)).toEqual({
      diffs: [],
    });
    expect(planUserChange(user({ email: 'Jane.Doe@example.com' }), { email: 'jane.doe@example.com' }, ctx)).toEqual({
      diffs: [{ field: 'email', before: 'Jane.Doe@example.com', after: 'jane.doe@example.com' }],
      patch: { email: 'jane.doe@example.com' },
    });
    expect(planUserChange(user({ email: 'jane@example.com' }), { email: 'j.doe@example.com' }, ctx)).toEqual({
      diffs: [{ field: 'email', before: 'jane@example.com', after: 'j.doe@example.com' }],
      patch: { email: 'j.doe@example.com' },
    });
  });

  it('clears with an empty string, and null, blank and missing are all "no value"', () => {
    expect(planUserChange(user({ department: 'Sales' }), { department: null }, ctx)).toEqual({
      diffs: [{ field: 'department', before: 'Sales', after: null }],
      patch: { department: '' },
    });
    expect(planUserChange(user({ department: 'Sales' }), { department: '  ' }, ctx).patch).toEqual({ department: '' });
    for (const current of [undefined, '', '   ']) {
      expect(planUserChange(user({ preferredName: current }), { preferredName: null }, ctx)).toEqual({ diffs: [] });
      expect(planUserChange(user({ preferredName: current }), { preferredName: '' }, ctx)).toEqual({ diffs: [] });
    }
  });

  it('sets a field the user did not have', () => {
    expect(planUserChange(user(), { preferredName: 'JD' }, ctx)).toEqual({
      diffs: [{ field: 'preferredName', before: null, after: 'JD' }],
      patch: { preferredName: 'JD' },
    });
  });

  it('leaves fields the row does not name alone', () => {
    expect(planUserChange(user({ title: 'Agent', department: 'Sales' }), {}, ctx)).toEqual({ diffs: [] });
  });

  it('refuses to clear a required field', () => {
    for (const field of ['name', 'email'] as const) {
      const err = planError(() => planUserChange(user(), { [field]: ' ' }, ctx));
      expect(err.code).toBe('required_field');
      expect(err.field).toBe(field);
      expect(isRowProblem(err)).toBe(true);
    }
  });
});

describe('manager', () => {
  it('compares the resolved id with the current manager id', () => {
    const current = user({ manager: { id: 'm-old', selfUri: '/api/v2/users/m-old' } });
    expect(planUserChange(current, { manager: { kind: 'email', email: 'boss@example.com' } }, ctx)).toEqual({
      diffs: [{ field: 'manager', before: 'm-old', after: 'm-boss' }],
      patch: { manager: 'm-boss' },
    });
    expect(planUserChange(current, { manager: { kind: 'id', id: 'm-old' } }, ctx)).toEqual({ diffs: [] });
  });

  it("clears with '' and does nothing when there is no manager to clear", () => {
    expect(planUserChange(user({ manager: { id: 'm-old' } }), { manager: null }, ctx)).toEqual({
      diffs: [{ field: 'manager', before: 'm-old', after: null }],
      patch: { manager: '' },
    });
    expect(planUserChange(user(), { manager: null }, ctx)).toEqual({ diffs: [] });
  });

  it('throws a typed programming error for an unresolved reference', () => {
    const ref = { kind: 'email', email: 'ghost@example.com' } as const;
    const err = planError(() => planUserChange(user(), { manager: ref }, ctx));
    expect(err).toBeInstanceOf(UnresolvedManagerError);
    expect(err.code).toBe('unresolved_manager');
    expect((err as UnresolvedManagerError).ref).toEqual(ref);
    expect(isRowProblem(err)).toBe(false);
  });

  it('refuses to make a user their own manager', () => {
    const err = planError(() => planUserChange(user({ id: 'u-1' }), { manager: { kind: 'id', id: 'u-1' } }, ctx));
    expect(err.code).toBe('self_manager');
  });
});

describe('employerInfo', () => {
  const current = user({
    employerInfo: { officialName: 'Jane Q. Doe', employeeId: 'E1', employeeType: 'Full-time', dateHire: '2020-01-06' },
  });

  it('sends the whole merged object so the other sub-fields are kept', () => {
    expect(planUserChange(current, { employerInfo: { employeeId: 'E2' } }, ctx)).toEqual({
      diffs: [{ field: 'employerInfo.employeeId', before: 'E1', after: 'E2' }],
      patch: {
        employerInfo: {
          officialName: 'Jane Q. Doe',
          employeeId: 'E2',
          employeeType: 'Full-time',
          dateHire: '2020-01-06',
        },
      },
    });
  });

  it('removes a cleared sub-field from the merged object', () => {
    expect(planUserChange(current, { employerInfo: { employeeType: null, dateHire: '2021-02-01' } }, ctx)).toEqual({
      diffs: [
        { field: 'employerInfo.employeeType', before: 'Full-time', after: null },
        { field: 'employerInfo.dateHire', before: '2020-01-06', after: '2021-02-01' },
      ],
      patch: { employerInfo: { officialName: 'Jane Q. Doe', employeeId: 'E1', dateHire: '2021-02-01' } },
    });
  });

  it('sends nothing when every named sub-field already has its value', () => {
    expect(planUserChange(current, { employerInfo: { employeeId: ' E1 ', officialName: 'Jane Q. Doe' } }, ctx)).toEqual(
      { diffs: [] },
    );
    expect(planUserChange(user(), { employerInfo: { employeeId: null } }, ctx)).toEqual({ diffs: [] });
  });

  it('starts from nothing for a user without employerInfo', () => {
    expect(planUserChange(user(), { employerInfo: { employeeId: 'E9' } }, ctx).patch).toEqual({
      employerInfo: { employeeId: 'E9' },
    });
  });
});

describe('phones', () => {
  const email: Contact = { address: 'jane@home.example', mediaType: 'EMAIL', type: 'HOME' };
  const extension: Contact = { extension: '4410', mediaType: 'PHONE', type: 'WORK2' };
  const mobile: Contact = { address: '+13175550100', display: '+1 317-555-0100', mediaType: 'PHONE', type: 'MOBILE' };
  const sms: Contact = { address: '+13175550100', mediaType: 'SMS', type: 'MOBILE' };
  const home: Contact = { address: '13175550199', countryCode: 'US', mediaType: 'PHONE', type: 'HOME' };
  const addresses = [email, extension, mobile, sms, home];

  it('replaces the phone of the same type in place and keeps every other contact as it was', () => {
    const plan = planUserChange(user({ addresses }), { phones: { mobile: '+44 20 7946 0000' } }, ctx);
    expect(plan).toEqual({
      diffs: [{ field: 'phone.mobile', before: '+13175550100', after: '+442079460000' }],
      patch: {
        addresses: [email, extension, { address: '+442079460000', mediaType: 'PHONE', type: 'MOBILE' }, sms, home],
      },
    });
  });

  it('appends a phone type the user did not have', () => {
    const plan = planUserChange(user({ addresses }), { phones: { work: '+13175550123' } }, ctx);
    expect(plan.diffs).toEqual([{ field: 'phone.work', before: null, after: '+13175550123' }]);
    expect(plan.patch?.addresses).toEqual([
      ...addresses,
      { address: '+13175550123', mediaType: 'PHONE', type: 'WORK' },
    ]);
  });

  it('removes a cleared phone and only that one', () => {
    const plan = planUserChange(user({ addresses }), { phones: { home: null } }, ctx);
    expect(plan).toEqual({
      diffs: [{ field: 'phone.home', before: '+13175550199', after: null }],
      patch: { addresses: [email, extension, mobile, sms] },
    });
  });

  it('compares numbers by digits, whatever form the platform stored them in', () => {
    const u = user({ addresses });
    expect(planUserChange(u, { phones: { mobile: '+1 (317) 555-0100', home: '+13175550199' } }, ctx)).toEqual({
      diffs: [],
    });
    const displayOnly = user({ addresses: [{ display: '+1 (317) 555-0100', mediaType: 'PHONE', type: 'MAIN' }] });
    expect(planUserChange(displayOnly, { phones: { main: '+13175550100' } }, ctx)).toEqual({ diffs: [] });
    expect(planUserChange(u, { phones: { other: null, work3: '' } }, ctx)).toEqual({ diffs: [] });
  });

  it('replaces an extension-only contact with an address-only one', () => {
    const plan = planUserChange(user({ addresses }), { phones: { work2: '+13175550142' } }, ctx);
    expect(plan.diffs).toEqual([{ field: 'phone.work2', before: 'ext 4410', after: '+13175550142' }]);
    expect(plan.patch?.addresses?.[1]).toEqual({ address: '+13175550142', mediaType: 'PHONE', type: 'WORK2' });
    expect(plan.patch?.addresses).toHaveLength(addresses.length);
  });

  it('does not touch an SMS contact of the same type', () => {
    const plan = planUserChange(user({ addresses: [sms] }), { phones: { mobile: '+13175550100' } }, ctx);
    expect(plan.patch?.addresses).toEqual([sms, { address: '+13175550100', mediaType: 'PHONE', type: 'MOBILE' }]);
  });

  it('merges several phones into one array, diffs in type order', () => {
    const plan = planUserChange(
      user({ addresses }),
      { phones: { home: null, work: '+13175550123', mobile: '+13175550111' } },
      ctx,
    );
    expect(plan.diffs.map((d) => d.field)).toEqual(['phone.work', 'phone.home', 'phone.mobile']);
    expect(plan.patch?.addresses).toEqual([
      email,
      extension,
      { address: '+13175550111', mediaType: 'PHONE', type: 'MOBILE' },
      sms,
      { address: '+13175550123', mediaType: 'PHONE', type: 'WORK' },
    ]);
  });

  it('refuses to set or clear a type the user has two entries of (which one is meant is unknown), and plans the rest', () => {
    const dup: Contact = { address: '+13175550999', mediaType: 'PHONE', type: 'MOBILE' };
    const u = user({ addresses: [mobile, email, dup] });
    for (const value of ['+15550001', null]) {
      const err = planError(() => planUserChange(u, { phones: { mobile: value } }, ctx));
      expect(err.code).toBe('ambiguous_phone');
      expect(err.field).toBe('phone.mobile');
      expect(err.message).toContain('2 MOBILE phone entries ("+13175550100", "+13175550999")');
    }
    // The first entry's value (an export's) is no change, and another type is planned with both entries kept.
    expect(planUserChange(u, { phones: { mobile: '+13175550100' } }, ctx).diffs).toEqual([]);
    const home = planUserChange(u, { phones: { home: '+15550002' } }, ctx);
    expect(home.patch?.addresses).toEqual([
      mobile,
      email,
      dup,
      { address: '+15550002', mediaType: 'PHONE', type: 'HOME' },
    ]);
  });

  it('does not share contact objects with the current user', () => {
    const u = user({ addresses: [email, { ...mobile }] });
    const plan = planUserChange(u, { phones: { home: '+15550002' } }, ctx);
    plan.patch?.addresses?.forEach((c) => {
      c.address = 'mutated';
    });
    expect(u.addresses).toEqual([email, mobile]);
  });

  it('rejects a number without digits', () => {
    const err = planError(() => planUserChange(user(), { phones: { work: 'n/a' } }, ctx));
    expect(err.code).toBe('invalid_value');
    expect(err.field).toBe('phone.work');
  });
});

describe('state', () => {
  it('is planned alone, outside the patch', () => {
    expect(planUserChange(user({ state: 'active' }), { state: 'inactive' }, ctx)).toEqual({
      diffs: [{ field: 'state', before: 'active', after: 'inactive' }],
      state: 'inactive',
    });
  });

  it('keeps the profile patch and the state apart when a row does both', () => {
    const plan = planUserChange(user({ title: 'Agent' }), { title: 'Lead', state: 'inactive' }, ctx);
    expect(plan.patch).toEqual({ title: 'Lead' });
    expect(plan.state).toBe('inactive');
    expect(plan.diffs.map((d) => d.field)).toEqual(['title', 'state']);
  });

  it('is not planned when the user already has it', () => {
    expect(planUserChange(user({ state: 'inactive' }), { state: 'inactive' }, ctx)).toEqual({ diffs: [] });
  });
});

describe('applyPatch', () => {
  it('replaces fields and arrays, clears with empty strings, bumps the version, leaves the input alone', () => {
    const before = user({
      title: 'Agent',
      manager: { id: 'm-1' },
      addresses: [{ address: '+1555', mediaType: 'PHONE', type: 'WORK' }],
      employerInfo: { employeeId: 'E1', officialName: 'J' },
    });
    const snapshot = structuredClone(before);
    const after = applyPatch(before, {
      version: 7,
      title: '',
      manager: '',
      department: 'Ops',
      addresses: [],
      employerInfo: { employeeId: 'E2' },
    });
    expect(after).toEqual({
      id: 'u-1',
      name: 'Jane Doe',
      email: 'jane.doe@example.com',
      state: 'active',
      department: 'Ops',
      addresses: [],
      employerInfo: { employeeId: 'E2' },
      version: 8,
    });
    expect(before).toEqual(snapshot);
  });

  it('rejects a stale version and a state sent with other fields, as the platform does', () => {
    expect(() => applyPatch(user({ version: 3 }), { version: 2, title: 'x' })).toThrow(/version/);
    expect(() => applyPatch(user(), { state: 'inactive', title: 'x' })).toThrow(/state/);
    expect(applyPatch(user({ version: 3 }), { version: 3, state: 'inactive' })).toMatchObject({
      state: 'inactive',
      version: 4,
    });
  });
});

describe('rollback', () => {
  const original = user({
    title: 'Agent',
    manager: { id: 'm-old' },
    employerInfo: { employeeId: 'E1', officialName: 'Jane Q. Doe' },
    addresses: [
      { address: 'jane@home.example', mediaType: 'EMAIL', type: 'HOME' },
      { address: '13175550100', mediaType: 'PHONE', type: 'MOBILE' },
    ],
  });
  const changes = {
    title: null,
    department: 'Ops',
    manager: { kind: 'email', email: 'boss@example.com' },
    employerInfo: { employeeId: 'E2', dateHire: '2024-03-01' },
    phones: { mobile: null, work: '+13175550123' },
    state: 'inactive',
  } as const;

  it('beforeValues reads the diffed fields in the form diffs use', () => {
    const { diffs } = planUserChange(original, changes, ctx);
    expect(beforeValues(original, diffs)).toEqual(Object.fromEntries(diffs.map((d) => [d.field, d.before])));
    expect(beforeValues(original, diffs)['phone.mobile']).toBe('+13175550100');
  });

  it('inverseChanges sets every diffed field back to its before-value, manager by id', () => {
    const { diffs } = planUserChange(original, changes, ctx);
    expect(inverseChanges(diffs)).toEqual({
      title: 'Agent',
      department: null,
      manager: { kind: 'id', id: 'm-old' },
      employerInfo: { employeeId: 'E1', dateHire: null },
      phones: { work: null, mobile: '+13175550100' },
      state: 'active',
    });
  });

  it('plan, apply, inverse plan, apply restores the original values', () => {
    const forward = planUserChange(original, changes, ctx);
    let changed = applyPatch(original, forward.patch ?? {});
    changed = applyPatch(changed, { state: forward.state });
    expect(changed).toMatchObject({ department: 'Ops', state: 'inactive', manager: { id: 'm-boss' } });

    const backward = planUserChange(changed, inverseChanges(forward.diffs), ctx);
    expect(backward.diffs.map((d) => d.field)).toEqual(forward.diffs.map((d) => d.field));
    let restored = applyPatch(changed, backward.patch ?? {});
    restored = applyPatch(restored, { state: backward.state });

    expect(beforeValues(restored, forward.diffs)).toEqual(beforeValues(original, forward.diffs));
    expect(restored.title).toBe('Agent');
    expect(restored.department).toBeUndefined();
    expect(restored.employerInfo).toEqual({ employeeId: 'E1', officialName: 'Jane Q. Doe' });
    expect(restored.addresses).toEqual([
      { address: 'jane@home.example', mediaType: 'EMAIL', type: 'HOME' },
      { address: '+13175550100', mediaType: 'PHONE', type: 'MOBILE' },
    ]);
    expect(planUserChange(restored, inverseChanges(forward.diffs), ctx)).toEqual({ diffs: [] });
  });

  it('inverts an extension-only phone to its extension', () => {
    expect(inverseChanges([{ field: 'phone.work', before: 'ext 4410', after: '+1555' }])).toEqual({
      phones: { work: 'ext 4410' },
    });
  });

  it('refuses to invert what a row cannot express', () => {
    const locations = planError(() => inverseChanges([{ field: 'locations', before: 'HQ', after: null }]));
    expect(locations.code).toBe('not_invertible');
    expect(isRowProblem(locations)).toBe(true);
    expect(planError(() => inverseChanges([{ field: 'name', before: null, after: 'Jane' }])).code).toBe(
      'not_invertible',
    );
    expect(() => inverseChanges([{ field: 'phone.fax', before: null, after: '+1' }])).toThrow(RangeError);
  });
});
