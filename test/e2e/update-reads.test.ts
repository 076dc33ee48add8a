/**
 * What `update` reads for the routing columns that user expansions carry (skills, languages, an exact list of
 * groups): the emulator's counters against the bound the README documents ("Reads for the routing columns"), and
 * the plan those reads give against the plan of the per-user reads, which the emulator forces by leaving the
 * expansions out of its user lists (`expandOmitRate`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorStats } from '../../src/emulator/index.js';
import type { GenesysUser } from '../../src/genesys/types.js';
import { type Sandbox, sandbox } from './harness.js';
import { csv, GET_ONE_ROUTE, routeCount, writeInput } from './helpers.js';
import { ROUTES } from './routing-helpers.js';

let box: Sandbox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

/** A generated directory with `rows` active users who have an email, and those users. */
async function org(rows: number): Promise<{ b: Sandbox; people: GenesysUser[] }> {
  box = await sandbox({ users: Math.ceil(rows * 1.15), seed: 7 });
  const people = box.emulator
    .users()
    .filter((u) => u.state === 'active' && u.email)
    .slice(0, rows);
  expect(people).toHaveLength(rows);
  return { b: box, people };
}

/** Every read the emulator saw: the GETs and the user searches. */
function reads(stats: EmulatorStats): number {
  return Object.keys(stats.byRoute)
    .filter((route) => route.startsWith('GET ') || route === 'POST /api/v2/users/search')
    .reduce((n, route) => n + routeCount(stats, route), 0);
}

/** The reads of one user at a time that expansions replace. */
const perUser = (stats: EmulatorStats) => ({
  skills: routeCount(stats, ROUTES.userSkills),
  languages: routeCount(stats, ROUTES.userLanguages),
  groups: routeCount(stats, GET_ONE_ROUTE),
});

interface Document {
  api: { reads: { routing: Record<string, number> } };
  rows: { status: string }[];
}

describe('update: reads for skills, languages and groups', () => {
  for (const n of [300, 2000]) {
    it(`${n} rows with skills, languages and an exact list of groups: within the documented bound, none read alone`, async () => {
      const { b, people } = await org(n);
      const { skills, languages } = b.emulator.catalogue();
      const groups = b.emulator.groups();
      const file = await writeInput(
        b,
        'routing.csv',
        csv([
          ['email', 'skills', 'languages', 'groups'],
          ...people.map((u, i) => [
            u.email!,
            `+${skills[i % skills.length]!.name}:3`,
            `+${languages[i % languages.length]!.name}:2`,
            groups[i % groups.length]!.name,
          ]),
        ]),
      );
      const r = await b.cli(['update', file, '--dry-run', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as Document;
      expect(doc.rows).toHaveLength(n);
      expect(doc.rows.filter((row) => row.status === 'planned').length).toBeGreaterThan(n / 2);

      const s = b.emulator.stats();
      expect(perUser(s)).toEqual({ skills: 0, languages: 0, groups: 0 });
      // The file covers most of the directory: its listing (500 users a page) carries the expansions, so none is
      // read again by id. README: the listing pages and one catalogue page each of skills, languages and groups.
      expect(doc.api.reads.routing).toMatchObject({ expanded: 0, skills: 0, languages: 0, groupMembers: 0 });
      expect(reads(s)).toBe(Math.ceil(Math.ceil(n * 1.15) / 500) + 3);
    });
  }

  it('100 rows by id and 100 by email: the read by id carries the expansions, the searched users are read by id once', async () => {
    box = await sandbox({ users: 2000, seed: 7 });
    const b = box;
    const people = b.emulator
      .users()
      .filter((u) => u.state === 'active' && u.email)
      .slice(0, 200);
    const { skills, languages } = b.emulator.catalogue();
    const groups = b.emulator.groups();
    const file = await writeInput(
      b,
      'keys.json',
      JSON.stringify(
        people.map((u, i) => ({
          ...(i % 2 === 0 ? { id: u.id } : { email: u.email }),
          skills: `+${skills[i % skills.length]!.name}:3`,
          languages: `${languages[i % languages.length]!.name}:2`,
          groups: groups[i % groups.length]!.name,
        })),
      ),
    );
    const r = await b.cli(['update', file, '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Document;
    expect(doc.rows.filter((row) => row.status === 'planned').length).toBeGreaterThan(100);
    const s = b.emulator.stats();
    expect(perUser(s)).toEqual({ skills: 0, languages: 0, groups: 0 });
    // Users: 1 read of the 100 ids (with the expansions) and 1 search (2 calls by key: no listing probe); then the 100
    // searched users, whose search carries none, in 1 read by id with them. Before, the 100 read by id were read
    // again with the searched ones (2 reads).
    expect(doc.api.reads.routing).toMatchObject({ expanded: 1, skills: 0, languages: 0, groupMembers: 0 });
    expect(routeCount(s, 'GET /api/v2/users')).toBe(2);
    expect(reads(s)).toBe(2 + 1 + 3);
  });

  it('a user list without the expansions gives the same plan, through the per-user reads', async () => {
    const rows = 150;
    const { b, people } = await org(rows);
    const { skills, languages } = b.emulator.catalogue();
    const groups = b.emulator.groups();
    const skill = (i: number) => skills[i % skills.length]!.name;
    const language = (i: number) => languages[i % languages.length]!.name;
    const group = (i: number) => groups[i % groups.length]!.name;
    // Exact lists (which remove what the user has beyond them), additions, removals and clears, so that the plan
    // depends on every user's current skills, languages and groups.
    const file = await writeInput(
      b,
      'mixed.csv',
      csv([
        ['email', 'skills', 'languages', 'groups'],
        ...people.map((u, i) => {
          const v = i % 4;
          return [
            u.email!,
            v === 0 ? `${skill(i)}:4;${skill(i + 1)}:2` : v === 1 ? `+${skill(i)}:1;-${skill(i + 2)}` : '',
            v === 2 ? `${language(i)}:3` : v === 3 ? '<clear>' : `+${language(i)}:5`,
            v === 0 ? group(i) : v === 1 ? '<clear>' : v === 2 ? `${group(i)};${group(i + 1)}` : '',
          ];
        }),
      ]),
    );
    const plan = async (omit: number) => {
      b.emulator.reset();
      b.emulator.setFaults({ expandOmitRate: omit });
      const r = await b.cli(['update', file, '--dry-run', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const { api, ...rest } = JSON.parse(r.stdout) as Document;
      return { plan: rest, api, alone: perUser(b.emulator.stats()) };
    };

    const expanded = await plan(0);
    expect(expanded.alone).toEqual({ skills: 0, languages: 0, groups: 0 });
    expect(expanded.plan.rows.filter((row) => row.status === 'planned').length).toBeGreaterThan(rows / 2);

    const omitted = await plan(1);
    const withSkills = people.filter((_, i) => i % 4 < 2).length;
    const withGroups = people.filter((_, i) => i % 4 < 3).length;
    expect(omitted.alone).toEqual({ skills: withSkills, languages: rows, groups: withGroups });
    expect(omitted.plan).toEqual(expanded.plan);

    // Some users given with an expansion, some without: each kind read alone only for those without it.
    const mixed = await plan(0.5);
    expect(mixed.alone.skills).toBeGreaterThan(0);
    expect(mixed.alone.skills).toBeLessThan(withSkills);
    expect(mixed.alone.languages).toBeGreaterThan(0);
    expect(mixed.alone.languages).toBeLessThan(rows);
    expect(mixed.plan).toEqual(expanded.plan);
  });
});
