import { describe, expect, it } from 'vitest';
import type { GenesysUser } from '../../src/genesys/types.js';
import type { InputRow, InvalidRow } from '../../src/input/index.js';
import { UnresolvedManagerError } from '../../src/plan/errors.js';
import { planToJson } from '../../src/plan/render.js';
import { buildPlan } from '../models/reference-plan.js';
import { managers, user } from './fixtures.js';

const ctx = managers({ 'boss@example.com': 'm-boss' });

const users: GenesysUser[] = [
  user({ id: 'u-1', email: 'Jane.Doe@example.com', title: 'Agent', version: 3 }),
  user({ id: 'u-2', email: 'bob@example.com', name: 'Bob', title: 'Lead', version: 9 }),
  user({ id: 'u-3', email: 'carol@example.com', name: 'Carol', state: 'deleted' }),
  user({ id: 'u-4', email: 'shared@example.com', name: 'Shared A' }),
  user({ id: 'u-5', email: 'shared@example.com', name: 'Shared B' }),
  user({ id: 'u-6', email: 'dan@example.com', name: 'Dan', manager: { id: 'm-old' }, version: 1 }),
];

const rows: InputRow[] = [
  { rowNumber: 4, line: 5, key: { kind: 'email', email: 'jane.doe@example.com' }, changes: { title: 'Senior' } },
  { rowNumber: 1, line: 2, key: { kind: 'id', id: 'u-1' }, changes: { title: 'Senior Agent', state: 'inactive' } },
  { rowNumber: 2, line: 3, key: { kind: 'id', id: 'u-2' }, changes: { title: ' Lead' } },
  { rowNumber: 3, line: 4, key: { kind: 'email', email: 'ghost@example.com' }, changes: { title: 'x' } },
  { rowNumber: 5, line: 6, key: { kind: 'id', id: 'u-3' }, changes: { title: 'x' } },
  { rowNumber: 6, line: 7, key: { kind: 'email', email: 'shared@example.com' }, changes: { title: 'x' } },
  {
    rowNumber: 7,
    line: 8,
    key: { kind: 'id', id: 'U-6' },
    changes: { manager: { kind: 'email', email: 'boss@example.com' }, phones: { mobile: '+15550001' } },
  },
  { rowNumber: 9, line: 10, key: { kind: 'email', email: 'bob@example.com' }, changes: { name: '' } },
];

const rejected: InvalidRow[] = [
  {
    rowNumber: 8,
    line: 9,
    key: 'eve@example.com',
    problems: [
      { severity: 'warning', message: 'row 8 (line 9), column "title": trailing spaces removed' },
      { severity: 'error', message: 'row 8 (line 9), column "phone.work": "12ab" is not an E.164 number' },
    ],
  },
];

describe('buildPlan', () => {
  const plan = buildPlan({ rows, users, managerId: ctx.managerId, rejected });

  it('plans every row, in row order, with the status and reason of each', () => {
    expect(plan.rows).toEqual([
      {
        rowNumber: 1,
        line: 2,
        key: 'u-1',
        userId: 'u-1',
        name: 'Jane Doe',
        status: 'change',
        diffs: [
          { field: 'title', before: 'Agent', after: 'Senior Agent' },
          { field: 'state', before: 'active', after: 'inactive' },
        ],
        patch: { title: 'Senior Agent' },
        state: 'inactive',
        baseVersion: 3,
      },
      { rowNumber: 2, line: 3, key: 'u-2', userId: 'u-2', name: 'Bob', status: 'unchanged', diffs: [], baseVersion: 9 },
      {
        rowNumber: 3,
        line: 4,
        key: 'ghost@example.com',
        status: 'not_found',
        diffs: [],
        note: 'no user with this email',
      },
      {
        rowNumber: 4,
        line: 5,
        key: 'jane.doe@example.com',
        userId: 'u-1',
        status: 'invalid',
        diffs: [],
        note: 'duplicate of row 1',
      },
      { rowNumber: 5, line: 6, key: 'u-3', status: 'not_found', diffs: [], note: 'the user is deleted' },
      {
        rowNumber: 6,
        line: 7,
        key: 'shared@example.com',
        status: 'invalid',
        diffs: [],
        note: '2 users have this email: u-4, u-5',
      },
      {
        rowNumber: 7,
        line: 8,
        key: 'U-6',
        userId: 'u-6',
        name: 'Dan',
        status: 'change',
        diffs: [
          { field: 'manager', before: 'm-old', after: 'm-boss' },
          { field: 'phone.mobile', before: null, after: '+15550001' },
        ],
        patch: { manager: 'm-boss', addresses: [{ address: '+15550001', mediaType: 'PHONE', type: 'MOBILE' }] },
        baseVersion: 1,
      },
      {
        rowNumber: 8,
        line: 9,
        key: 'eve@example.com',
        status: 'invalid',
        diffs: [],
        note: 'row 8 (line 9), column "phone.work": "12ab" is not an E.164 number',
      },
      {
        rowNumber: 9,
        line: 10,
        key: 'bob@example.com',
        userId: 'u-2',
        status: 'invalid',
        diffs: [],
        note: 'duplicate of row 2',
      },
    ]);
  });

  it('summarises counts by status, fields changed and the PATCH requests to send', () => {
    expect(plan.schemaVersion).toBe(2);
    expect(plan.summary).toEqual({
      rows: 9,
      byStatus: { change: 2, unchanged: 1, not_found: 2, invalid: 4, create: 0, delete: 0 },
      fields: { manager: 1, 'phone.mobile': 1, state: 1, title: 1 },
      requests: 3,
    });
  });

  it('is plain JSON and does not depend on the order of its inputs', () => {
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    const again = buildPlan({
      rows: [...rows].reverse(),
      users: [...users].reverse(),
      managerId: ctx.managerId,
      rejected,
    });
    expect(planToJson(again)).toBe(planToJson(plan));
  });

  it('marks a row whose data the platform would refuse as invalid, and plans the others', () => {
    const p = buildPlan({
      rows: [
        { rowNumber: 1, line: 2, key: { kind: 'id', id: 'u-2' }, changes: { name: ' ' } },
        { rowNumber: 2, line: 3, key: { kind: 'id', id: 'u-6' }, changes: { manager: { kind: 'id', id: 'u-6' } } },
        { rowNumber: 3, line: 4, key: { kind: 'id', id: 'u-1' }, changes: { title: 'Agent' } },
      ],
      users,
      managerId: ctx.managerId,
    });
    expect(p.rows.map((r) => [r.status, r.note])).toEqual([
      ['invalid', 'name cannot be cleared: every user must have one.'],
      ['invalid', 'A user cannot be their own manager.'],
      ['unchanged', undefined],
    ]);
  });

  it('treats a user read twice as one user', () => {
    const p = buildPlan({
      rows: [{ rowNumber: 1, line: 2, key: { kind: 'email', email: 'bob@example.com' }, changes: { title: 'CTO' } }],
      users: [...users, structuredClone(users[1] as GenesysUser)],
      managerId: ctx.managerId,
    });
    expect(p.rows[0]?.status).toBe('change');
  });

  it('lets programming errors through: an unresolved manager, a row number used twice', () => {
    const ghost = { kind: 'email', email: 'ghost@example.com' } as const;
    expect(() =>
      buildPlan({
        rows: [{ rowNumber: 1, line: 2, key: { kind: 'id', id: 'u-1' }, changes: { manager: ghost } }],
        users,
        managerId: ctx.managerId,
      }),
    ).toThrow(UnresolvedManagerError);
    expect(() =>
      buildPlan({ rows, users, managerId: ctx.managerId, rejected: [{ ...rejected[0]!, rowNumber: 4 }] }),
    ).toThrow(/Row 4 appears twice/);
  });
});
