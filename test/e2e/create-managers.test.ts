/**
 * update --create with a `manager` that names, by email, a user the same file creates (issue #11, item 2): the
 * reference resolves once that user exists, whichever row comes first; a manager whose creation fails leaves the
 * rows that name it failed and unwritten. Over real HTTP through the SDK against the emulator.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenesysUser } from '../../src/genesys/types.js';
import { applyUpdate } from '../../src/index.js';
import { asAnotherAdmin, csv, readJsonlReport, routeCount, untouched, writeInput } from './helpers.js';
import { type RoutingOrg, routingOrg } from './routing-helpers.js';

const BOSS = 'boss@newco.example';
const HIRE = 'hire@newco.example';

let org: RoutingOrg | undefined;
afterEach(async () => {
  await org?.box.close();
  org = undefined;
});

const byEmail = (o: RoutingOrg, email: string): GenesysUser[] =>
  o.emu.users().filter((u) => u.email === email && u.state !== 'deleted');

/** An existing user and a new hire report to the boss, whose own row comes last and names an existing manager. */
function rows(o: RoutingOrg): string[][] {
  const [subject, bossManager] = o.people;
  return [
    ['email', 'name', 'title', 'manager'],
    [subject!.email!, '', '', BOSS],
    [HIRE, 'New Hire', 'Agent', BOSS],
    [BOSS, 'New Boss', 'Team Lead', bossManager!.email!],
  ];
}

describe('a manager created in the same file', () => {
  it('is set on the rows that name it once it exists, whatever the order; rollback puts everything back', async () => {
    org = await routingOrg({ users: 20 });
    const o = org;
    const { box, emu, people } = o;
    const subject = people[0]!;
    const before = emu.user(subject.id)!;
    const file = await writeInput(box, 'team.csv', csv(rows(o)));

    const dry = await box.cli(['update', file, '--create', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as {
      summary: Record<string, number>;
      rows: { status: string; changes: { field: string; after: string | null }[] }[];
    };
    expect(plan.summary).toMatchObject({ to_create: 2, planned: 1 });
    expect(plan.rows[0]!.changes).toContainEqual(expect.objectContaining({ field: 'manager', after: `new:${BOSS}` }));
    expect(routeCount(emu.stats(), 'POST /api/v2/users') + emu.stats().patchesApplied).toBe(0);

    const up = await box.cli(['update', file, '--create', '--yes', '--json', '--report', 'report.jsonl']);
    expect(up.code, up.stderr).toBe(0);
    const runId = (JSON.parse(up.stdout) as { runId: string }).runId;
    const [boss] = byEmail(o, BOSS);
    const [hire] = byEmail(o, HIRE);
    expect(boss).toMatchObject({ name: 'New Boss', title: 'Team Lead', manager: { id: people[1]!.id } });
    expect(hire).toMatchObject({ name: 'New Hire', manager: { id: boss!.id } });
    expect(emu.user(subject.id)!.manager?.id).toBe(boss!.id);
    expect(untouched(emu.user(subject.id), ['manager'])).toEqual(untouched(before, ['manager']));
    const report = await readJsonlReport(box, 'report.jsonl');
    expect(report.map((r) => r.status)).toEqual(['updated', 'created', 'created']);
    expect(report[0]!.changes).toContainEqual({
      field: 'manager',
      before: before.manager?.id ?? null,
      after: boss!.id,
    });
    expect(routeCount(emu.stats(), 'POST /api/v2/users')).toBe(2);

    const back = await box.cli(['rollback', runId, '--yes']);
    expect(back.code, back.stderr).toBe(0);
    expect(untouched(emu.user(subject.id))).toEqual(untouched(before));
    for (const u of [boss!, hire!]) expect(emu.user(u.id)!.state).toBe('deleted');
  });

  it('created by an earlier attempt of the run: a resume resolves it from the run journal', async () => {
    org = await routingOrg({ users: 20 });
    const o = org;
    const { box, emu, people } = o;
    const subject = people[0]!;
    const file = await writeInput(box, 'team.csv', csv(rows(o)));
    const up = await box.cli(['update', file, '--create', '--yes', '--json']);
    expect(up.code, up.stderr).toBe(0);
    const runId = (JSON.parse(up.stdout) as { runId: string }).runId;
    const [boss] = byEmail(o, BOSS);
    // The state a crash before the subject's PATCH leaves: both creations complete, row 1 never written (and its
    // manager something else than the boss).
    await asAnotherAdmin(emu, 'PATCH', `/api/v2/users/${subject.id}`, {
      version: emu.user(subject.id)!.version,
      manager: people[2]!.id,
    });
    const journal = join(box.dir, '.genesys-bulk', 'runs', runId, 'journal.jsonl');
    const kept = (await readFile(journal, 'utf8')).split('\n').filter((l) => l !== '' && !l.includes('"row":1,'));
    await writeFile(journal, kept.map((l) => `${l}\n`).join(''));

    const resumed = await box.cli(['update', '--resume', runId, '--yes', '--report', 'resumed.jsonl']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(emu.user(subject.id)!.manager?.id).toBe(boss!.id);
    const report = await readJsonlReport(box, 'resumed.jsonl');
    expect(report.map((r) => r.status)).toEqual(['updated', 'created', 'created']);
    expect(routeCount(emu.stats(), 'POST /api/v2/users')).toBe(2);
  });

  it('whose creation fails: the rows that name it fail, saying why, and write no manager', async () => {
    org = await routingOrg({ users: 20 });
    const o = org;
    const { box, emu, people } = o;
    const subject = people[0]!;
    const before = emu.user(subject.id)!;
    const [header, ...body] = rows(o);
    const records = body.map((r) => Object.fromEntries(header!.map((c, i) => [c, r[i]!]).filter(([, v]) => v !== '')));
    const result = await applyUpdate(
      { rows: records },
      {
        create: true,
        cwd: box.dir,
        connection: {
          baseUrl: box.env.GENESYS_BASE_URL!,
          clientId: box.env.GENESYS_CLIENT_ID!,
          clientSecret: box.env.GENESYS_CLIENT_SECRET!,
        },
        // Another admin takes the boss's email between the plan and the creation.
        confirm: async () => {
          await asAnotherAdmin(emu, 'POST', '/api/v2/users', {
            name: 'Someone Else',
            email: BOSS,
            divisionId: o.homeId,
          });
          return true;
        },
      },
    );
    expect(result.exitCode).toBe(1);
    const [first, second, third] = result.records;
    expect(third).toMatchObject({ status: 'failed', errorCode: 'email_taken' });
    expect(first).toMatchObject({ status: 'failed', errorCode: 'manager_not_created' });
    expect(first!.message).toContain(`the manager ${BOSS} was to be created by this run`);
    expect(second).toMatchObject({ status: 'failed', errorCode: 'manager_not_created' });
    expect(second!.message).toContain('created, but the rest of the row cannot apply');
    // The hire exists (its creation stands) with no manager; the subject is as it was.
    const [hire] = byEmail(o, HIRE);
    expect(hire!.manager).toBeUndefined();
    expect(emu.user(subject.id)).toEqual(before);
    expect(byEmail(o, BOSS).map((u) => u.name)).toEqual(['Someone Else']);
  });
});
