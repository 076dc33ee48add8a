import { describe, expect, it } from 'vitest';
import { COLUMNS, type ParsedInput, type RoutingChanges } from '../../src/input/index.js';
import { ANA_ID, errors, parseText, warnings } from './helpers.js';

/** One CSV row keyed by email with one routing column. */
async function csvCell(column: string, value: string): Promise<ParsedInput> {
  return parseText(`email,${column}\nana@example.com,${JSON.stringify(value)}\n`, 'csv');
}

async function routingOf(column: string, value: string): Promise<RoutingChanges | undefined> {
  const parsed = await csvCell(column, value);
  expect(parsed.problems).toEqual([]);
  expect(parsed.rows).toHaveLength(1);
  return parsed.rows[0]!.changes.routing;
}

/** The only problem of a one-row CSV, which must be an error on `column` at row 1, line 2. */
async function cellError(column: string, value: string): Promise<string> {
  const parsed = await csvCell(column, value);
  expect(parsed.problems).toHaveLength(1);
  const p = parsed.problems[0]!;
  expect(p).toMatchObject({ severity: 'error', rowNumber: 1, line: 2, column });
  expect(p.message.startsWith(`row 1 (line 2), column "${column}": `)).toBe(true);
  expect(parsed.rows).toEqual([]);
  expect(parsed.invalidRows).toHaveLength(1);
  return p.message.slice(`row 1 (line 2), column "${column}": `.length);
}

describe('skills and languages', () => {
  it.each(['skills', 'languages'] as const)('%s: a plain list replaces the whole set', async (column) => {
    expect(await routingOf(column, 'Billing:4; Spanish : 3.5 ;Retention')).toEqual({
      [column]: {
        mode: 'replace',
        items: [{ name: 'Billing', proficiency: 4 }, { name: 'Spanish', proficiency: 3.5 }, { name: 'Retention' }],
      },
    });
  });

  it.each(['skills', 'languages'] as const)('%s: + and - items change only the named ones', async (column) => {
    expect(await routingOf(column, '+Billing:4;+ Spanish;-Retention;')).toEqual({
      [column]: {
        mode: 'delta',
        add: [{ name: 'Billing', proficiency: 4 }, { name: 'Spanish' }],
        remove: ['Retention'],
      },
    });
  });

  it.each(['skills', 'languages'] as const)('%s: <clear> (any case) is an empty replace', async (column) => {
    expect(await routingOf(column, '<CLEAR>')).toEqual({ [column]: { mode: 'replace', items: [] } });
  });

  it('accepts 0, 5, 5.0 and one decimal; normalises 5.0 to 5', async () => {
    expect(await routingOf('skills', 'A:0;B:5;C:5.0;D:0.5')).toEqual({
      skills: {
        mode: 'replace',
        items: [
          { name: 'A', proficiency: 0 },
          { name: 'B', proficiency: 5 },
          { name: 'C', proficiency: 5 },
          { name: 'D', proficiency: 0.5 },
        ],
      },
    });
  });

  it('splits the proficiency at the last colon, so a name may contain one', async () => {
    expect(await routingOf('skills', '+Tier:1:4;-Tier:Gold')).toEqual({
      skills: { mode: 'delta', add: [{ name: 'Tier:1', proficiency: 4 }], remove: ['Tier:Gold'] },
    });
  });

  it('leaves the user as they are when the cell is empty, and a routing-only row is a change', async () => {
    const parsed = await parseText('email,title,skills\nana@example.com,,\nbob@example.com,,+Billing:2\n', 'csv');
    expect(parsed.skippedRows.map((r) => r.rowNumber)).toEqual([1]);
    expect(parsed.rows).toEqual([
      {
        rowNumber: 2,
        line: 3,
        key: { kind: 'email', email: 'bob@example.com' },
        changes: { routing: { skills: { mode: 'delta', add: [{ name: 'Billing', proficiency: 2 }], remove: [] } } },
      },
    ]);
  });

  it.each([
    ['Billing:7', '"Billing:7": the proficiency must be a number from 0 to 5 with at most one decimal, e.g. Billing:4'],
    ['Billing:4.25', '"Billing:4.25": the proficiency must be a number from 0 to 5'],
    ['Billing:-1', '"Billing:-1": the proficiency must be a number from 0 to 5'],
    ['Billing:high', '"Billing:high": the proficiency must be a number'],
    ['Billing:', '"Billing:": the proficiency must be a number'],
    ['Billing:4,5', 'at most one decimal (use a dot for the decimal), e.g. Billing:4'],
    ['+Billing:5.5', '"+Billing:5.5": the proficiency must be a number from 0 to 5'],
  ])('rejects the proficiency in %j', async (value, message) => {
    expect(await cellError('skills', value)).toContain(message);
  });

  it('rejects a removal with a proficiency', async () => {
    expect(await cellError('skills', '+Billing:4;-Retention:3')).toBe(
      '"-Retention:3": a removal takes no proficiency; write "-Retention"',
    );
  });

  it('rejects mixing plain and prefixed items', async () => {
    expect(await cellError('languages', 'English:5;+Spanish:3')).toBe(
      'mixes an item without a prefix ("English:5") with a prefixed one ("+Spanish:3"): either list the whole set without prefixes (it replaces the user\'s languages), or prefix every item with + (add or update) or - (remove)',
    );
  });

  it.each([
    ['Billing:4;billing:3', '"billing:3" repeats the skill of "Billing:4"; name each skill once'],
    ['+Billing:4;-BILLING', '"-BILLING" repeats the skill of "+Billing:4"; name each skill once'],
  ])('rejects the same name twice in %j, ignoring case', async (value, message) => {
    expect(await cellError('skills', value)).toBe(message);
  });

  it.each([
    ['+:4', '"+:4": the skill name is missing'],
    ['+', '"+": the skill name is missing'],
    [';;', '";;" names nothing; leave the cell empty to keep the user\'s skills as they are'],
    ['<clear>;+Billing', '<clear> must be alone in the cell, not one item of a list'],
  ])('rejects %j', async (value, message) => {
    expect(await cellError('skills', value)).toBe(message);
  });

  it('lists the first three problems of a cell and counts the rest', async () => {
    expect(await cellError('skills', 'A:9;B:9;C:9;D:9;E:9')).toMatch(
      /^"A:9": .*; "B:9": .*; "C:9": .*; and 2 more problems$/,
    );
  });
});

describe('queues', () => {
  it('adds with + and removes with -', async () => {
    expect(await routingOf('queues', '+Sales; +Support ;-Billing')).toEqual({
      queues: { mode: 'delta', add: ['Sales', 'Support'], remove: ['Billing'] },
    });
  });

  it('rejects a name without a prefix, saying how to add or remove', async () => {
    expect(await cellError('queues', '+Sales;Billing')).toBe(
      '"Billing" has no prefix: use +Name to add or -Name to remove a membership (a list without prefixes would replace the user\'s whole membership list, which this tool does not do)',
    );
  });

  it('rejects <clear>', async () => {
    expect(await cellError('queues', '<clear>')).toContain(
      'queues cannot be cleared, so "<clear>" is not allowed here: removing every membership would mean reading',
    );
  });

  it('rejects a queue named twice', async () => {
    expect(await cellError('queues', '+Sales;-sales')).toBe(
      '"-sales" repeats the queue of "+Sales"; name each queue once',
    );
  });
});

describe('roles', () => {
  it('reads Role@Division, and Role alone as the Home division; a plain list replaces', async () => {
    expect(await routingOf('roles', 'Agent@Support;Employee')).toEqual({
      roles: {
        mode: 'replace',
        items: [
          { role: 'Agent', division: 'Support' },
          { role: 'Employee', division: 'Home' },
        ],
      },
    });
  });

  it('grants with + and revokes with -, removals as grants', async () => {
    expect(await routingOf('roles', '+Agent@Support;-Supervisor@Home;-Admin')).toEqual({
      roles: {
        mode: 'delta',
        add: [{ role: 'Agent', division: 'Support' }],
        remove: [
          { role: 'Supervisor', division: 'Home' },
          { role: 'Admin', division: 'Home' },
        ],
      },
    });
  });

  it('splits at the last @, so a role name may contain one when the division is given', async () => {
    expect(await routingOf('roles', '+Ops@EU@ Support ')).toEqual({
      roles: { mode: 'delta', add: [{ role: 'Ops@EU', division: 'Support' }], remove: [] },
    });
  });

  it('rejects <clear>, saying it would lock the user out', async () => {
    expect(await cellError('roles', '<clear>')).toBe(
      'roles cannot be cleared, so "<clear>" is not allowed here: a user without roles is locked out; list the roles the user keeps, or revoke some with -Role@Division',
    );
  });

  it('treats Agent and Agent@home as the same grant', async () => {
    expect(await cellError('roles', '+Agent;-Agent@home')).toBe(
      '"-Agent@home" repeats the grant of "+Agent"; name each grant once',
    );
  });

  it.each([
    ['+Agent@', '"+Agent@": the division is missing after "@"; write "+Agent" alone for the Home division'],
    ['@Support', '"@Support": the role name is missing'],
    ['Agent;+Supervisor', 'mixes an item without a prefix ("Agent") with a prefixed one ("+Supervisor")'],
  ])('rejects %j', async (value, message) => {
    expect(await cellError('roles', value)).toContain(message);
  });
});

describe('division', () => {
  it('takes a name', async () => {
    expect(await routingOf('division', ' Support ')).toEqual({ division: 'Support' });
  });

  it('rejects <clear>', async () => {
    expect(await cellError('division', '<clear>')).toContain('division cannot be cleared, so "<clear>" is not allowed');
  });
});

describe('all routing columns together', () => {
  it('parses every documented example, and several columns in one row', async () => {
    const routingColumns = ['skills', 'languages', 'queues', 'roles', 'division'];
    const examples = COLUMNS.filter((c) => routingColumns.includes(c.name));
    expect(examples.map((c) => c.name)).toEqual(routingColumns);
    const header = ['email', ...examples.map((c) => c.name)].join(',');
    const values = ['ana@example.com', ...examples.map((c) => JSON.stringify(c.example))].join(',');
    const parsed = await parseText(`${header}\n${values}\n`, 'csv');
    expect(parsed.problems).toEqual([]);
    expect(Object.keys(parsed.rows[0]!.changes.routing ?? {})).toEqual(routingColumns);
  });

  it('reports each bad column of a row with its own column', async () => {
    const parsed = await parseText('email,skills,queues,roles\nana@example.com,A:9,Sales,<clear>\n', 'csv');
    expect(errors(parsed).map((p) => p.column)).toEqual(['skills', 'queues', 'roles']);
  });
});

describe('duplicate rows', () => {
  it('treats rows asking for the same routing change in another order, case or spelling as a repeat', async () => {
    const parsed = await parseText(
      [
        'email,skills,roles,division',
        'ana@example.com,Billing:4;Spanish:3,+Agent;-Admin@Ops,Support',
        'ANA@example.com,spanish:3.0;BILLING:4,-admin@ops;+agent@home,support',
      ].join('\n'),
      'csv',
    );
    expect(errors(parsed)).toEqual([]);
    expect(parsed.rows.map((r) => r.rowNumber)).toEqual([1]);
    expect(warnings(parsed).map((w) => w.message)).toEqual([
      expect.stringContaining('repeats row 1 (line 2) for the same user'),
    ]);
  });

  it('reports rows that differ only in routing as conflicting, naming the column', async () => {
    const parsed = await parseText(
      'email,title,skills\nana@example.com,Lead,+Billing:4\nana@example.com,Lead,+Billing:3\n',
      'csv',
    );
    expect(parsed.rows).toEqual([]);
    expect(errors(parsed).map((p) => p.message)).toEqual([
      expect.stringContaining('with different changes (skills: "+Billing:4" here, "+Billing:3" there)'),
      expect.stringContaining('with different changes (skills: "+Billing:3" here, "+Billing:4" there)'),
    ]);
  });

  it('tells a kept proficiency from an explicit 0, and replace from add', async () => {
    const parsed = await parseText(
      'email,skills\nana@example.com,+Billing\nana@example.com,+Billing:0\nbob@example.com,Billing:4\nbob@example.com,+Billing:4\n',
      'csv',
    );
    expect(parsed.rows).toEqual([]);
    expect(errors(parsed)).toHaveLength(4);
    expect(errors(parsed)[2]!.message).toContain('skills: "Billing:4" here, "+Billing:4" there');
  });

  it('shows a cleared list as <clear>', async () => {
    const parsed = await parseText('email,skills\nana@example.com,<clear>\nana@example.com,+A\n', 'csv');
    expect(errors(parsed)[0]!.message).toContain('skills: <clear> here, "+A" there');
  });
});

const json = (value: unknown) => JSON.stringify(value, null, 2);

describe('JSON', () => {
  it('takes the same strings as CSV', async () => {
    const parsed = await parseText(
      json([{ id: ANA_ID, skills: 'Billing:4', queues: '+Sales', roles: 'Agent@Support', division: 'Support' }]),
      'json',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows[0]!.changes).toEqual({
      routing: {
        skills: { mode: 'replace', items: [{ name: 'Billing', proficiency: 4 }] },
        queues: { mode: 'delta', add: ['Sales'], remove: [] },
        roles: { mode: 'replace', items: [{ role: 'Agent', division: 'Support' }] },
        division: 'Support',
      },
    });
  });

  it('takes structured replace, add and remove', async () => {
    const parsed = await parseText(
      json([
        {
          email: 'ana@example.com',
          skills: { replace: [{ name: 'Billing', proficiency: 4 }, { name: 'Sales' }] },
          languages: { add: [{ name: 'Spanish', proficiency: 3.5 }], remove: ['French'] },
          queues: { add: ['Sales'], remove: ['Billing'] },
          roles: { add: [{ role: 'Agent', division: 'Support' }], remove: [{ role: 'Admin' }] },
        },
        { email: 'bob@example.com', skills: { replace: [] }, languages: null, roles: { replace: [{ role: 'Agent' }] } },
      ]),
      'json',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.rows.map((r) => r.changes.routing)).toEqual([
      {
        skills: { mode: 'replace', items: [{ name: 'Billing', proficiency: 4 }, { name: 'Sales' }] },
        languages: { mode: 'delta', add: [{ name: 'Spanish', proficiency: 3.5 }], remove: ['French'] },
        queues: { mode: 'delta', add: ['Sales'], remove: ['Billing'] },
        roles: {
          mode: 'delta',
          add: [{ role: 'Agent', division: 'Support' }],
          remove: [{ role: 'Admin', division: 'Home' }],
        },
      },
      {
        skills: { mode: 'replace', items: [] },
        languages: { mode: 'replace', items: [] },
        roles: { mode: 'replace', items: [{ role: 'Agent', division: 'Home' }] },
      },
    ]);
  });

  it.each([
    ['skills', { replace: [{ name: 'A' }], add: [] }, '"replace" cannot be combined with "add" or "remove"'],
    [
      'skills',
      { add: [{ name: 'A', level: 3 }] },
      'add[0] has unknown key "level"; a skill has "name" and "proficiency"',
    ],
    ['skills', { add: [{ name: 'A', proficiency: '4' }] }, 'add[0].proficiency must be a number from 0 to 5'],
    ['skills', { add: [{ name: 'A', proficiency: 4.25 }] }, 'add[0].proficiency must be a number from 0 to 5'],
    ['skills', { add: ['A:4'] }, 'add[0] must be an object such as {"name": "Billing", "proficiency": 4}, got string'],
    ['skills', { add: { name: 'A' } }, '"add" must be an array, got object'],
    ['skills', { add: [{ name: 'A' }, { name: 'a' }] }, '"add[1]" repeats the skill of "add[0]"'],
    ['skills', { add: [], remove: [] }, 'names no skill'],
    ['skills', {}, 'the object names nothing'],
    ['skills', { set: [] }, 'unknown key "set"; use "replace", "add", "remove"'],
    ['skills', ['Billing:4'], 'expected a string or an object such as {"replace": '],
    ['skills', 4, 'expected a string such as "+Billing:4;-Retention" or an object'],
    ['languages', { remove: [3] }, 'remove[0] must be a language name (a string), got number'],
    ['queues', { replace: ['Sales'] }, '"replace" is not allowed here'],
    ['queues', null, 'queues cannot be cleared, so null is not allowed here'],
    ['roles', null, 'roles cannot be cleared, so null is not allowed here: a user without roles is locked out'],
    ['roles', { replace: [] }, '"replace" is empty: a user without roles is locked out'],
    ['roles', { add: [{ role: 'Agent', division: 3 }] }, 'add[0].division must be a string, got number'],
    ['division', { name: 'Support' }, 'expected a string such as "Support", got object'],
    ['division', null, 'division cannot be cleared, so null is not allowed here'],
  ])('%s: rejects %j', async (column, value, message) => {
    const parsed = await parseText(json([{ email: 'ana@example.com', [column]: value }]), 'json');
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]).toMatchObject({ severity: 'error', rowNumber: 1, line: 2, column });
    expect(parsed.problems[0]!.message).toContain(message);
  });

  it('still rejects objects in the other columns as before', async () => {
    const parsed = await parseText(json([{ email: 'ana@example.com', title: { replace: [] } }]), 'json');
    expect(errors(parsed).map((p) => p.message)).toEqual([
      'row 1 (line 2), column "title": expected a string, got object',
    ]);
  });

  it('reads structured values in JSON Lines too', async () => {
    const parsed = await parseText(
      '{"email":"ana@example.com","skills":{"remove":["Retention"]}}\n{"email":"bob@example.com","queues":"Sales"}\n',
      'jsonl',
    );
    expect(parsed.rows.map((r) => r.changes.routing)).toEqual([
      { skills: { mode: 'delta', add: [], remove: ['Retention'] } },
    ]);
    expect(errors(parsed)).toMatchObject([{ rowNumber: 2, line: 2, column: 'queues' }]);
  });
});
