/**
 * A run folder written before plan.json schema version 2 (test/fixtures/v1-run, made by the previous version): it
 * is read and converted, so that it can still be resumed and rolled back; a plan.json of an unknown version is
 * refused with what to do.
 */
import { chmod, cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readStoredPlan } from '../../src/run/plan-read.js';
import { ROOT } from './harness.js';
import { type RoutingOrg, routingOrg, routingSnapshot } from './routing-helpers.js';

const RUN = '20261205-090510-2a2924';
const FIXTURE = join(ROOT, 'test', 'fixtures', 'v1-run', 'runs', RUN);
const EMAILS = [
  'jacqueline.barnes@example.com',
  'jean.tran@example.com',
  'alexis.cook@example.com',
  'natalie.davis@example.com',
];

let org: RoutingOrg | undefined;
afterEach(async () => {
  await org?.box.close();
  org = undefined;
});

/** The fixture in the sandbox's state folder, owner-only as the tool keeps it, pointed at this emulator. */
async function install(o: RoutingOrg): Promise<string> {
  const state = join(o.box.dir, '.genesys-bulk');
  const dir = join(state, 'runs', RUN);
  await cp(FIXTURE, dir, { recursive: true });
  for (const d of [state, join(state, 'runs'), dir]) await chmod(d, 0o700);
  for (const f of await readdir(dir)) await chmod(join(dir, f), 0o600);
  const meta = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'));
  const target = { target: o.box.env.GENESYS_BASE_URL, clientId: o.box.env.GENESYS_CLIENT_ID };
  await writeFile(join(dir, 'run.json'), JSON.stringify({ ...meta, ...target }), { mode: 0o600 });
  return dir;
}

describe('a run folder of plan schema version 1', () => {
  it('is read as version 2: each row holds its routing part and what it asked for', async () => {
    const stored = await readStoredPlan(FIXTURE);
    const saved = { ...stored, plan: { ...stored.plan, rows: [...stored.plan.rows] } };
    expect(saved.plan.schemaVersion).toBe(2);
    const [first] = saved.plan.rows;
    expect(first!.diffs.map((d) => d.field)).toEqual(['title']);
    expect(first!.routing?.diffs.map((d) => d.field)).toEqual(['skill:Sales', 'queue:Sales Inbound']);
    expect(first!.routing?.memberships).toEqual([
      expect.objectContaining({ kind: 'queue', remove: false, diff: expect.objectContaining({ after: 'member' }) }),
    ]);
    expect(first!.changes?.routing?.queues).toEqual({ mode: 'delta', add: ['Sales Inbound'], remove: [] });
    expect(saved.routing?.catalogue.queue?.length).toBeGreaterThan(0);
    expect(saved.plan.rows[3]!.routing).toBeUndefined();
  });

  it('is resumed (the routing left is planned again and sent) and then rolled back', async () => {
    org = await routingOrg();
    const { emu, box } = org;
    const people = EMAILS.map((email) => org!.people.find((u) => u.email === email)!);
    expect(people.every(Boolean)).toBe(true);
    const before = people.map((u) => routingSnapshot(emu, u.id));
    await install(org);

    const resumed = await box.cli(['update', '--resume', RUN, '--yes']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = people.map((u) => routingSnapshot(emu, u.id));
    expect(after[0]!.skills.Sales).toBe(4);
    expect(after[0]!.queues).toContain('Sales Inbound');
    expect(after[1]!.languages.German).toBe(3);
    expect(after[1]!.grants).toContain('Supervisor@Support');
    expect(after[2]!.division).toBe('Support');
    expect(after[3]).toEqual(before[3]);

    const rolledBack = await box.cli(['rollback', RUN, '--yes']);
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    expect(people.map((u) => routingSnapshot(emu, u.id))).toEqual(before);
  });

  it('of an unknown version is refused, saying what to do, and nothing is written', async () => {
    org = await routingOrg();
    const dir = await install(org);
    const saved = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8'));
    saved.plan.schemaVersion = 3;
    await writeFile(join(dir, 'plan.json'), JSON.stringify(saved), { mode: 0o600 });
    const writes = org.emu.stats().patchesApplied;
    // A rollback of this folder reads only its journals (no routing call was journaled), so resume is what reads plan.json.
    for (const command of [['update', '--resume']]) {
      const r = await org.box.cli([...command, RUN, '--yes']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('plan schema version 3');
      expect(r.stderr).toContain('with the version of genesys-bulk that made it');
    }
    expect(org.emu.stats().patchesApplied).toBe(writes);
  });
});
