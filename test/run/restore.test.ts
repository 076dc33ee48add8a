/** The inverse a rollback builds: phone entries whole from the journal's `replaced`, merged onto the user now. */
import { describe, expect, it } from 'vitest';
import type { Contact, GenesysUser } from '../../src/genesys/types.js';
import { applyPatch } from '../../src/plan/apply-patch.js';
import { planUserChange } from '../../src/plan/user-change.js';
import { replacedObjects } from '../../src/run/engine.js';
import type { IntentRecord } from '../../src/run/journal.js';
import { inverseOf } from '../../src/run/restore.js';
import { leftClosing, leftNotice, rollbackFields, rollbackQuestion } from '../../src/run/rollback.js';
import { writtenByRun } from '../../src/run/written.js';
import { user } from './fakes.js';

const ctx = { managerId: () => undefined };

const work: Contact = {
  address: '+13175550100',
  display: '(317) 555-0100',
  countryCode: 'US',
  mediaType: 'PHONE',
  type: 'WORK',
};
const work2: Contact = { extension: '4321', display: 'x4321', mediaType: 'PHONE', type: 'WORK2' };
const mobile: Contact = {
  address: '+442079460000',
  display: '020 7946 0000',
  countryCode: 'GB',
  mediaType: 'PHONE',
  type: 'MOBILE',
};
const email: Contact = { address: 'x@other.example.org', display: 'X', mediaType: 'EMAIL', type: 'WORK' };
const sms: Contact = { address: '+442079460001', countryCode: 'GB', mediaType: 'SMS', type: 'MOBILE' };
const original = [work, work2, mobile, email, sms];

/** Runs an update's changes through the planner and the assumed PATCH, journaling as the engine does. */
function update(
  u: GenesysUser,
  changes: Parameters<typeof planUserChange>[1],
): { after: GenesysUser; intent: IntentRecord } {
  const plan = planUserChange(u, changes, ctx);
  const body = { ...plan.patch!, version: u.version };
  const intent: IntentRecord = {
    t: 'intent',
    at: '2026-12-05T06:00:00.000Z',
    row: 1,
    userId: u.id,
    version: u.version,
    before: Object.fromEntries(plan.diffs.map((d) => [d.field, d.before])),
    after: Object.fromEntries(plan.diffs.map((d) => [d.field, d.after])),
    replaced: replacedObjects(u, body),
  };
  return { after: applyPatch(u, body), intent };
}

/** What a rollback computes and sends, against `now`. */
function rollback(intents: IntentRecord[], now: GenesysUser) {
  const [w] = writtenByRun(intents);
  const { restore, changedSince } = rollbackFields(w!, now);
  const inverse = inverseOf(restore, w!.replaced);
  const plan = planUserChange(now, inverse.changes, ctx);
  const after = plan.patch ? applyPatch(now, { ...plan.patch, version: now.version }) : now;
  return { after, changedSince, inverse, plan };
}

describe('replacedObjects', () => {
  it('copies, whole and as read, each object-valued field the PATCH carries, and null for one the user lacks', () => {
    const u = user({ addresses: original, employerInfo: { employeeId: 'E1', officialName: ' Jane ' } });
    const got = replacedObjects(u, { version: 7, title: 'X', addresses: [], employerInfo: {}, manager: 'm-1' });
    expect(got).toEqual({ addresses: original, employerInfo: { employeeId: 'E1', officialName: ' Jane ' } });
    expect(got.addresses).not.toBe(u.addresses);
    expect(replacedObjects(user(), { version: 7, addresses: [] })).toEqual({ addresses: null });
  });
});

describe('rollback of phone entries', () => {
  const start = user({ addresses: original });

  it('puts every changed entry back whole, in place, extension included', () => {
    const { after, intent } = update(start, {
      phones: { work: '+12065550100', work2: '+12065550101', mobile: '+12065550102' },
      title: 'Lead',
    });
    expect(after.addresses).not.toEqual(original);
    const rb = rollback([intent], after);
    expect(rb.changedSince).toEqual([]);
    expect(rb.inverse.byValueOnly).toEqual([]);
    expect(rb.after.addresses).toEqual(original);
    expect(rb.after.title).toBe('Agent');
    // Planning again against the result finds nothing: a retry or resume of the rollback is a no-op.
    expect(planUserChange(rb.after, rb.inverse.changes, ctx).diffs).toEqual([]);
  });

  it('puts back an entry the run removed, and removes one the run added', () => {
    const noHome = user({ addresses: [work, email] });
    const { after, intent } = update(noHome, { phones: { work: null, home: '+12065550199' } });
    expect(after.addresses).toEqual([email, { address: '+12065550199', mediaType: 'PHONE', type: 'HOME' }]);
    const rb = rollback([intent], after);
    // A removed entry comes back where it was.
    expect(rb.after.addresses).toEqual([work, email]);
  });

  it('keeps entries someone added since, and leaves an entry someone changed since', () => {
    const { after, intent } = update(start, { phones: { work: '+12065550100', mobile: '+12065550102' } });
    const theirs: Contact = { address: '+13125550142', mediaType: 'PHONE', type: 'MOBILE' };
    const added: Contact = { address: '+13125550199', mediaType: 'PHONE', type: 'MAIN' };
    const now = applyPatch(after, {
      version: after.version,
      addresses: [...after.addresses!.filter((c) => c.type !== 'MOBILE' || c.mediaType !== 'PHONE'), theirs, added],
    });
    const rb = rollback([intent], now);
    expect(rb.changedSince).toEqual([{ field: 'phone.mobile', now: '+13125550142', runSet: '+12065550102' }]);
    expect(rb.after.addresses).toEqual([work, work2, email, sms, theirs, added]);
  });

  it('takes the entries from the earliest write of the run, not a later one', () => {
    const first = update(start, { phones: { mobile: '+12065550102' } });
    const second = update(first.after, { phones: { mobile: '+12065550103' } });
    const rb = rollback([first.intent, second.intent], second.after);
    expect(rb.after.addresses).toEqual(original);
  });
});

describe('a journal without whole entries', () => {
  const start = user({ addresses: [work, mobile] });

  it('falls back to the number alone and says which fields', () => {
    const { after, intent } = update(start, { phones: { mobile: '+12065550102' } });
    const { replaced: _gone, ...old } = intent;
    const rb = rollback([old], after);
    expect(rb.inverse.byValueOnly).toEqual(['phone.mobile']);
    expect(rb.inverse.changes.phones).toEqual({ mobile: '+442079460000' });
    expect(rb.after.addresses).toEqual([work, { address: '+442079460000', mediaType: 'PHONE', type: 'MOBILE' }]);
  });

  it('never takes the entries of a later, newer intent as the original', () => {
    const first = update(start, { phones: { mobile: '+12065550102' } });
    const second = update(first.after, { phones: { mobile: '+12065550103' } });
    const { replaced: _gone, ...old } = first.intent;
    const [w] = writtenByRun([old, second.intent]);
    expect(w!.legacy).toBe(true);
    expect(
      inverseOf([{ field: 'phone.mobile', before: '+442079460000', after: '+12065550103' }], w!.replaced),
    ).toMatchObject({ byValueOnly: ['phone.mobile'] });
  });

  it('uses the number when the kept entries do not match the diff (a journal it does not understand)', () => {
    const got = inverseOf(
      [{ field: 'phone.work', before: '+19999999999', after: '+12065550100' }],
      new Map([['addresses', [work]]]),
    );
    expect(got.byValueOnly).toEqual(['phone.work']);
    expect(got.changes).toEqual({ phones: { work: '+19999999999' } });
  });
});

describe('planUserChange with restorePhones', () => {
  it('an empty list removes the type, and restorePhones wins over phones for its type', () => {
    const u = user({ addresses: [work, mobile] });
    const plan = planUserChange(
      u,
      { phones: { work: '+1555', mobile: '+1666' }, restorePhones: { from: [mobile], types: ['work'] } },
      ctx,
    );
    expect(plan.diffs).toEqual([
      { field: 'phone.work', before: '+13175550100', after: null },
      { field: 'phone.mobile', before: '+442079460000', after: '+1666' },
    ]);
    expect(plan.patch?.addresses).toEqual([{ address: '+1666', mediaType: 'PHONE', type: 'MOBILE' }]);
  });

  it('puts an entry back after the entries that came before it, whatever was added since', () => {
    const added: Contact = { address: '+13125550199', mediaType: 'PHONE', type: 'MAIN' };
    const u = user({ addresses: [added, work, email] });
    const from = [work, work2, mobile, email];
    const plan = planUserChange(u, { restorePhones: { from, types: ['mobile', 'work2'] } }, ctx);
    expect(plan.patch?.addresses).toEqual([added, work, work2, mobile, email]);
    const first = planUserChange(user({ addresses: [email] }), { restorePhones: { from, types: ['work'] } }, ctx);
    expect(first.patch?.addresses).toEqual([work, email]);
  });

  it('judges by value: entries whose number is already there are not sent again', () => {
    const u = user({ addresses: [{ address: '+13175550100', mediaType: 'PHONE', type: 'WORK' }] });
    expect(planUserChange(u, { restorePhones: { from: [work], types: ['work'] } }, ctx)).toEqual({ diffs: [] });
  });
});

describe('what a rollback says about the fields it leaves', () => {
  const left = [
    { key: 'a@example.com', rowNumber: 1, field: 'title', now: 'Theirs', runSet: 'Ours' },
    { key: 'a@example.com', rowNumber: 1, field: 'phone.mobile', now: null, runSet: '+1555' },
    { key: 'b\u001b]0;x\u0007@example.com', rowNumber: 2, field: 'department', now: 'D', runSet: 'E' },
  ];

  it('counts them by field and user, lists each with its value now, and escapes what came from outside', () => {
    const text = leftNotice('R1', left);
    expect(text).toContain('Left as is, changed by someone else since run R1: 3 field(s) of 2 user(s):');
    expect(text).toContain('a@example.com (row 1) title: now "Theirs", the run set "Ours"');
    expect(text).toContain('a@example.com (row 1) phone.mobile: now (none), the run set "+1555"');
    expect(text).not.toContain('\u001b');
    expect(leftNotice('R1', [])).toBe('');
  });

  it('asks with the count', () => {
    expect(rollbackQuestion('R1', 'api.example.com', 5, 3)).toBe(
      'Restore 5 user(s) on api.example.com as they were before run R1, leaving 3 field(s) someone changed since (listed above)?',
    );
    expect(rollbackQuestion('R1', 'api.example.com', 5, 0)).toBe(
      'Restore 5 user(s) on api.example.com as they were before run R1?',
    );
  });

  it('closes with the count, including fields found changed while applying', () => {
    const line = leftClosing(left.slice(0, 1), [{ key: 'c@example.com', field: 'title' }]);
    expect(line).toBe(
      'Left as is because someone changed them since the run: 2 field(s) (1 found while applying): a@example.com title, c@example.com title. See the report.\n',
    );
    expect(leftClosing([], [])).toBeUndefined();
  });
});
