/**
 * A plan that tells the whole story (#14.6): every row at the prompt (no cut), names beside id-keyed rows, and the
 * removals, revocations and division moves counted apart from other changes in the plan, the question, the closing
 * line and the --json document.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Sandbox } from './harness.js';
import { csv, writeInput } from './helpers.js';
import { runOnPty } from './pty.js';
import { queue, type RoutingOrg, role, routingOrg, skill } from './routing-helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

const ROWS = 60;

/** 60 title rows keyed by id, and one row that removes a skill, leaves a queue, revokes a role and moves division. */
async function story(): Promise<RoutingOrg & { file: string }> {
  const org = await routingOrg({
    assign: (people, home) => ({
      [people[0]!.id]: {
        skills: [{ id: skill('Billing'), proficiency: 3 }],
        queues: [queue('Sales Inbound')],
        grants: [
          { roleId: role('Agent'), divisionId: home },
          { roleId: role('Employee'), divisionId: home },
        ],
      },
    }),
  });
  box = org.box;
  const [first, ...rest] = org.people;
  const rows = [
    ['id', 'title', 'skills', 'queues', 'roles', 'division'],
    [first!.id, '', '-Billing', '-Sales Inbound', '-Agent', 'Support'],
    ...rest.slice(0, ROWS).map((u, i) => [u.id, `Story ${i}`, '', '', '', '']),
  ];
  const file = await writeInput(org.box, 'story.csv', csv(rows));
  return { ...org, file };
}

const KINDS = '60 updates, 2 removals, 1 revocation, 1 division move';

describe('the whole story', () => {
  it('dry run: every row listed, names beside ids, kinds counted apart; --json has the same counts', async () => {
    const org = await story();
    const r = await org.box.cli(['update', org.file, '--dry-run']);
    expect(r.code).toBe(0);
    const listed = r.stdout.split('\n').filter((l) => l.startsWith('~ '));
    expect(listed).toHaveLength(ROWS + 1);
    expect(r.stdout).not.toContain('more rows not shown');
    for (const u of org.people.slice(0, ROWS + 1))
      expect(r.stdout).toContain(`~ ${u.id} ${JSON.stringify(u.name)} (row`);
    expect(r.stdout).toContain(`Changes: ${KINDS}.`);
    expect(r.stderr).toContain(`Changes planned: ${KINDS}.`);

    const json = await org.box.cli(['update', org.file, '--dry-run', '--json']);
    const doc = JSON.parse(json.stdout);
    const counts = { updates: 60, removals: 2, revocations: 1, divisionMoves: 1 };
    expect(doc.summary.changes).toEqual(counts);
    expect(doc.plan.changes).toEqual(counts);
    expect(doc.rows).toHaveLength(ROWS + 1);
  }, 120_000);

  it('at the prompt (a terminal): the whole plan, and the question names the removals, revocation and move', async () => {
    const org = await story();
    const r = await runOnPty(['update', org.file], { cwd: org.box.dir, env: { ...org.box.env }, answer: 'n' });
    expect(r.asked).toBe(1);
    expect(r.terminal).not.toContain('more rows not shown');
    expect(r.terminal.split('\n').filter((l) => l.startsWith('~ '))).toHaveLength(ROWS + 1);
    expect(r.terminal).toMatch(
      /Apply \d+ write\(s\) to 61 user\(s\) on [^\n]* \(2 removals, 1 revocation, 1 division move among them\)\? \[y\/N\]/,
    );
    expect(org.emu.stats().patchesApplied).toBe(0);
  }, 120_000);

  it('applied: the closing line counts the changes made by kind', async () => {
    const org = await story();
    const r = await org.box.cli(['update', org.file, '--yes']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Changes made: ${KINDS}.`);
  }, 120_000);
});
