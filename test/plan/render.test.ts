import { describe, expect, it } from 'vitest';
import type { InputRow } from '../../src/input/index.js';
import { CHANGE_KINDS, countChanges, describeNotable, kindOf } from '../../src/plan/kinds.js';
import { type Plan, summarise } from '../../src/plan/plan.js';
import { planJsonChunks, planTextChunks, planToJson, renderPlanText } from '../../src/plan/render.js';
import { buildPlan } from '../models/reference-plan.js';
import { managers, user } from './fixtures.js';

const rows: InputRow[] = [
  { rowNumber: 1, line: 2, key: { kind: 'email', email: 'bob@example.com' }, changes: { title: 'Lead' } },
  {
    rowNumber: 4,
    line: 5,
    key: { kind: 'email', email: 'jane.doe@example.com' },
    changes: { title: 'Senior Agent', phones: { mobile: '+13175550100' }, department: null, state: 'inactive' },
  },
  { rowNumber: 5, line: 6, key: { kind: 'email', email: 'ghost@example.com' }, changes: { title: 'x' } },
  { rowNumber: 6, line: 7, key: { kind: 'id', id: 'u-1' }, changes: { title: 'y' } },
];
const plan = buildPlan({
  rows,
  users: [
    user({ id: 'u-1', title: 'Agent', department: 'Sales' }),
    user({ id: 'u-2', email: 'bob@example.com', title: 'Lead' }),
  ],
  managerId: managers().managerId,
});

describe('renderPlanText', () => {
  it('shows changes field by field, problems with their reason, and the totals', () => {
    expect(renderPlanText(plan, { color: false })).toBe(
      [
        '~ jane.doe@example.com (row 4)',
        '    title: "Agent" → "Senior Agent"',
        '    department: "Sales" → (none)',
        '    phone.mobile: (none) → "+13175550100"',
        '    state: "active" → "inactive"',
        '? ghost@example.com (row 5): not found (no user with this email)',
        '! u-1 (row 6): invalid: duplicate of row 4',
        '',
        'Fields: department 1, phone.mobile 1, state 1, title 1.',
        'Changes: 4 updates.',
        'Plan: 1 to change, 1 unchanged, 1 not found, 1 invalid.',
        '',
      ].join('\n'),
    );
  });

  it('comes a row at a time, one piece per listed row and one for the totals', () => {
    const chunks = [...planTextChunks(plan, { color: false })];
    expect(chunks).toHaveLength(3 + 2);
    expect(chunks[0]).toMatch(/^~ jane\.doe@example\.com \(row 4\)\n/);
    expect(chunks.join('')).toBe(renderPlanText(plan, { color: false }));
  });

  it('colours only when asked', () => {
    const plain = renderPlanText(plan, { color: false });
    expect(plain).not.toContain('\u001b');
    const coloured = renderPlanText(plan, { color: true });
    expect(coloured).toContain('\u001b[33m~\u001b[0m jane.doe@example.com (row 4)');
    expect(coloured).toContain('    title: \u001b[31m"Agent"\u001b[0m → \u001b[32m"Senior Agent"\u001b[0m');
    expect(coloured).toContain('\u001b[1mPlan: 1 to change, 1 unchanged, 1 not found, 1 invalid.\u001b[0m');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping the colour codes is the point.
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(plain);
  });

  it('lists at most maxRows rows but counts them all', () => {
    expect(renderPlanText(plan, { color: false, maxRows: 1 })).toBe(
      [
        '~ jane.doe@example.com (row 4)',
        '    title: "Agent" → "Senior Agent"',
        '    department: "Sales" → (none)',
        '    phone.mobile: (none) → "+13175550100"',
        '    state: "active" → "inactive"',
        '… 2 more rows not shown.',
        '',
        'Fields: department 1, phone.mobile 1, state 1, title 1.',
        'Changes: 4 updates.',
        'Plan: 1 to change, 1 unchanged, 1 not found, 1 invalid.',
        '',
      ].join('\n'),
    );
  });

  it('orders the field counts by frequency and leaves out invalid when there is none', () => {
    const many: Plan = buildPlan({
      rows: [1, 2, 3].map((n) => ({
        rowNumber: n,
        line: n + 1,
        key: { kind: 'id', id: `u-${n}` },
        changes: n === 1 ? { title: 'T', preferredName: 'P' } : { title: 'T' },
      })),
      users: [1, 2, 3].map((n) => user({ id: `u-${n}`, email: `u${n}@example.com` })),
      managerId: managers().managerId,
    });
    const text = renderPlanText(many, { color: false, maxRows: 0 });
    expect(text).toBe(
      [
        '… 3 more rows not shown.',
        '',
        'Fields: title 3, preferredName 1.',
        'Changes: 4 updates.',
        'Plan: 3 to change, 0 unchanged, 0 not found.',
        '',
      ].join('\n'),
    );
  });

  it('prints only the totals when nothing changes', () => {
    const quiet = buildPlan({
      rows: [rows[0]!],
      users: [user({ id: 'u-2', email: 'bob@example.com', title: 'Lead' })],
      managerId: managers().managerId,
    });
    expect(renderPlanText(quiet, { color: false })).toBe('Plan: 0 to change, 1 unchanged, 0 not found.\n');
  });

  it('escapes control characters from the data so they cannot drive the terminal', () => {
    const hostile = buildPlan({
      rows: [
        {
          rowNumber: 1,
          line: 2,
          key: { kind: 'email', email: 'x\u001b[2J@example.com' },
          changes: { title: 'evil\u001b]0;pwned\u0007\u009b31m' },
        },
      ],
      users: [user({ id: 'u-9', email: 'x\u001b[2J@example.com', title: 'ok' })],
      managerId: managers().managerId,
    });
    const text = renderPlanText(hostile, { color: false });
    expect(text).toContain('~ x\\u001b[2J@example.com (row 1)');
    expect(text).toContain('    title: "ok" → "evil\\u001b]0;pwned\\u0007\\u009b31m"');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence is the point.
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });
});

describe('planToJson', () => {
  it('writes keys in a stable, readable order and keeps array order', () => {
    const json = planToJson(plan);
    expect(JSON.parse(json)).toEqual(plan);
    expect(Object.keys(JSON.parse(json))).toEqual(['schemaVersion', 'summary', 'rows']);
    const jane = JSON.parse(json).rows[1];
    expect(Object.keys(jane)).toEqual([
      'rowNumber',
      'line',
      'key',
      'userId',
      'status',
      'baseVersion',
      'diffs',
      'patch',
      'state',
    ]);
    expect(json).toContain(
      [
        '      "patch": {',
        '        "addresses": [',
        '          {',
        '            "mediaType": "PHONE",',
        '            "type": "MOBILE",',
        '            "address": "+13175550100"',
        '          }',
        '        ],',
        '        "department": "",',
        '        "title": "Senior Agent"',
        '      },',
      ].join('\n'),
    );
  });

  it('does not depend on the key order of the value it is given', () => {
    const reversed = reverseKeys(plan) as Plan;
    expect(Object.keys(reversed)).toEqual(['rows', 'summary', 'schemaVersion']);
    expect(planToJson(reversed)).toBe(planToJson(plan));
  });

  it('is written a row at a time yet reads as one document printed with a two-space indent', () => {
    const chunks = [...planJsonChunks(plan)];
    expect(chunks.length).toBeGreaterThan(plan.rows.length);
    const json = chunks.join('');
    expect(json).toBe(JSON.stringify(JSON.parse(json), null, 2));
    const hostile = buildPlan({
      rows: [{ rowNumber: 1, line: 2, key: { kind: 'id', id: 'u-1' }, changes: { title: 'two\nlines "quoted"' } }],
      users: [user({ id: 'u-1', title: 'Agent' })],
      managerId: managers().managerId,
    });
    const text = planToJson(hostile);
    expect(text).toBe(JSON.stringify(JSON.parse(text), null, 2));
    expect(JSON.parse(text).rows[0].diffs[0].after).toBe('two\nlines "quoted"');
  });

  it('prints an empty plan as the same document', () => {
    const empty: Plan = { schemaVersion: 2, summary: summarise([]), rows: [] };
    const json = planToJson(empty);
    expect(json).toBe(JSON.stringify(JSON.parse(json), null, 2));
    expect(JSON.parse(json)).toEqual(empty);
  });
});

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  );
}

describe('renderPlanText: routing fields', () => {
  it('counts routing items by kind in the Fields line, not one entry per skill', () => {
    const plan = buildPlan({
      rows: [],
      users: [],
      managerId: () => undefined,
    });
    plan.rows.push({
      rowNumber: 1,
      line: 2,
      key: 'ana@example.com',
      userId: 'u1',
      status: 'change',
      diffs: [
        { field: 'title', before: 'A', after: 'B' },
        { field: 'skill:Billing', before: null, after: '4' },
        { field: 'skill:Spanish', before: '2', after: '3' },
        { field: 'queue:Sales', before: null, after: 'member' },
      ],
    });
    plan.summary = summarise(plan.rows);
    const text = renderPlanText(plan, { color: false });
    expect(text).toContain('Fields: skill:* 2, queue:* 1, title 1.');
    expect(text).toContain('    skill:Billing: (none) → "4"');
  });
});

describe('notes', () => {
  it("lists an unchanged row that has a note, and a changed row's note under its diffs", () => {
    const noted: Plan = {
      schemaVersion: 2,
      summary: summarise([]),
      rows: [
        { rowNumber: 1, line: 2, key: 'a@x.org', status: 'unchanged', diffs: [], note: 'held through group "Sales"' },
        { rowNumber: 2, line: 3, key: 'b@x.org', status: 'unchanged', diffs: [] },
        {
          rowNumber: 3,
          line: 4,
          key: 'c@x.org',
          status: 'change',
          diffs: [{ field: 'title', before: null, after: 'Lead' }],
          note: 'kept',
        },
      ],
    };
    const text = renderPlanText(noted, { color: false });
    expect(text).toContain('= a@x.org (row 1): no change (held through group "Sales")\n');
    expect(text).not.toContain('b@x.org');
    expect(text).toContain('    title: (none) → "Lead"\n    note: kept\n');
  });
});

describe('renderPlanText: kinds of change and names', () => {
  it('counts removals, revocations and division moves apart from updates, and names id-keyed rows', () => {
    const plan = buildPlan({ rows: [], users: [], managerId: () => undefined });
    plan.rows.push(
      {
        rowNumber: 1,
        line: 2,
        key: '0b6f4f2e-1111-4a4a-9999-000000000001',
        name: 'Ana Álvarez',
        userId: '0b6f4f2e-1111-4a4a-9999-000000000001',
        status: 'change',
        diffs: [
          { field: 'title', before: 'A', after: null },
          { field: 'skill:Billing', before: '3', after: null },
          { field: 'language:French', before: '2', after: null },
          { field: 'queue:Sales', before: 'member', after: null },
          { field: 'queue:Support', before: null, after: 'member' },
          { field: 'role:Agent@Home', before: 'granted', after: null },
          { field: 'division', before: 'Home', after: 'Support' },
        ],
      },
      {
        rowNumber: 2,
        line: 3,
        key: 'bo@example.com',
        userId: 'u2',
        status: 'change',
        diffs: [{ field: 'role:Supervisor@Home', before: null, after: 'granted' }],
      },
    );
    plan.summary = summarise(plan.rows);
    const text = renderPlanText(plan, { color: false });
    expect(text).toContain('~ 0b6f4f2e-1111-4a4a-9999-000000000001 "Ana Álvarez" (row 1)');
    expect(text).toContain('~ bo@example.com (row 2)');
    expect(text).toContain('Changes: 3 updates, 3 removals, 1 revocation, 1 division move.');
  });

  it('kindOf: one entry per kind; every change has exactly one kind', () => {
    expect(kindOf({ field: 'skill:X', before: '1', after: '2' })).toBe('updates');
    expect(kindOf({ field: 'skill:X', before: '1', after: null })).toBe('removals');
    expect(kindOf({ field: 'role:R@D', before: 'granted', after: null })).toBe('revocations');
    expect(kindOf({ field: 'division', before: 'A', after: 'B' })).toBe('divisionMoves');
    expect(kindOf({ field: 'title', before: 'A', after: null })).toBe('updates');
    const counts = countChanges([
      { field: 'queue:Q', before: 'member', after: null },
      { field: 'phone.work', before: null, after: '+1' },
    ]);
    expect(counts).toEqual({ updates: 1, removals: 1, revocations: 0, divisionMoves: 0 });
    expect(describeNotable(counts)).toBe('1 removal');
    expect(Object.keys(counts)).toEqual(CHANGE_KINDS.map((k) => k.key));
  });
});
