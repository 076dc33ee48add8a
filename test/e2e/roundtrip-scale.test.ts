/**
 * The admin's round trip at scale (issue #11, "Must show"): a generated directory whose users have skills,
 * languages, queues, groups and roles, seeded in the emulator directly; `export` → `update` of the unedited file
 * (no write at all) → 50 edited cells across profile, skills, queues, roles and groups (exactly those changes, every
 * other user and field as it was) → `rollback` (the exported state again). ROUNDTRIP_USERS sets the directory's size
 * (default 500; the figure is 5000). The emulator's rate limit is lifted: pacing is the bench's subject.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { type Sandbox, sandbox } from './harness.js';
import { csv } from './helpers.js';
import { routingWritesApplied, writeRequests } from './routing-helpers.js';

const USERS = Number(process.env.ROUNDTRIP_USERS ?? 500);
/** Per CLI command: generous, since ROUNDTRIP_USERS may be large. A bound, not an assertion. */
const TIMEOUT = 60_000 + USERS * 100;

type Row = Record<string, string>;

/** Everything the round trip may touch of one user, by name, so that a difference reads plainly. */
interface UserState {
  profile: Record<string, unknown>;
  skills: Record<string, number>;
  languages: Record<string, number>;
  queues: string[];
  roles: string[];
  groups: string[];
}

/** The whole directory's state (deleted users left out), the users' versions apart. */
function snapshot(emu: RunningEmulator): { users: Map<string, UserState>; versions: Map<string, number> } {
  const catalogue = emu.catalogue();
  const queueName = new Map(catalogue.queues.map((q) => [q.id, q.name]));
  const roleName = new Map(catalogue.roles.map((r) => [r.id, r.name]));
  const divisionName = new Map(catalogue.divisions.map((d) => [d.id, d.name]));
  const groupName = new Map(emu.groups().map((g) => [g.id, g.name]));
  const users = new Map<string, UserState>();
  const versions = new Map<string, number>();
  const levels = (list: { name?: string; proficiency?: number }[] | undefined) =>
    Object.fromEntries((list ?? []).map((s) => [s.name, s.proficiency]));
  for (const user of emu.users()) {
    if (user.state === 'deleted') continue;
    const { version, ...profile } = user;
    versions.set(user.id, version);
    users.set(user.id, {
      profile,
      skills: levels(emu.userSkills(user.id)),
      languages: levels(emu.userLanguages(user.id)),
      queues: (emu.userQueues(user.id) ?? []).map((id) => queueName.get(id) ?? id).sort(),
      roles: (emu.grants(user.id) ?? [])
        .map((g) => `${roleName.get(g.roleId)}@${divisionName.get(g.divisionId)}`)
        .sort(),
      groups: (emu.userGroups(user.id) ?? []).map((id) => groupName.get(id) ?? id).sort(),
    });
  }
  return { users, versions };
}

/** JSON with every object's keys sorted: equal states give equal text. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );

const split = (cell: string | undefined) => (cell ? cell.split(';') : []);

/** One edited cell: the row's new value, and what it does to the user's state. */
interface Edit {
  column: string;
  value: string;
  apply: (s: UserState) => void;
}

/**
 * 50 edits, 10 of each kind, each on a user of its own and each making exactly one change: a profile field (title,
 * department, preferredName), a skill's level or a new skill, a queue joined or left, a role granted or revoked, a
 * group joined or left. The users are spread over the whole file.
 */
function plan50(rows: Row[], emu: RunningEmulator): Map<number, Edit> {
  const catalogue = emu.catalogue();
  const queues = catalogue.queues.map((q) => q.name);
  const skills = catalogue.skills.map((s) => s.name);
  const roles = catalogue.roles.map((r) => r.name);
  const groups = emu
    .groups()
    .map((g) => g.name)
    .sort();
  const kinds: ((row: Row, n: number) => Edit | undefined)[] = [
    (row, n) => {
      const column = ['title', 'department', 'preferredName'][n % 3]!;
      const value = `${row[column] || 'Round'} trip ${n}`;
      return {
        column,
        value,
        apply: (s) => {
          s.profile[column] = value;
        },
      };
    },
    (row, n) => {
      const have = split(row.skills);
      if (n % 2 === 0 && have.length > 0) {
        const [name, level] = have[0]!.split(':') as [string, string];
        const next = level === '5' ? 4 : Number(level) + 1;
        return {
          column: 'skills',
          value: [`${name}:${next}`, ...have.slice(1)].join(';'),
          apply: (s) => {
            s.skills[name] = next;
          },
        };
      }
      const name = skills.find((k) => !have.some((h) => h.startsWith(`${k}:`)));
      if (!name) return undefined;
      return {
        column: 'skills',
        value: [...have, `${name}:3`].join(';'),
        apply: (s) => {
          s.skills[name] = 3;
        },
      };
    },
    (row, n) => {
      const have = split(row.queues).map((q) => q.slice(1));
      if (n % 2 === 0 && have.length > 0) {
        const gone = have[0]!;
        return {
          column: 'queues',
          value: [`-${gone}`, ...have.slice(1).map((q) => `+${q}`)].join(';'),
          apply: (s) => {
            s.queues = s.queues.filter((q) => q !== gone);
          },
        };
      }
      const name = queues.find((q) => !have.includes(q));
      if (!name) return undefined;
      return {
        column: 'queues',
        value: [...have, name].map((q) => `+${q}`).join(';'),
        apply: (s) => {
          s.queues = [...s.queues, name].sort();
        },
      };
    },
    (row, n) => {
      const have = split(row.roles);
      if (n % 2 === 0 && have.length > 1) {
        const gone = have[have.length - 1]!;
        return {
          column: 'roles',
          value: have.slice(0, -1).join(';'),
          apply: (s) => {
            s.roles = s.roles.filter((r) => r !== gone);
          },
        };
      }
      const grant = roles.map((r) => `${r}@Home`).find((r) => !have.includes(r));
      if (!grant) return undefined;
      return {
        column: 'roles',
        value: [...have, grant].join(';'),
        apply: (s) => {
          s.roles = [...s.roles, grant].sort();
        },
      };
    },
    (row, n) => {
      const have = split(row.groups);
      if (have.length > 0) {
        // Leaving the only group: `<clear>` and the `-` notation alike.
        const gone = have[0]!;
        if (have.length > 1) return undefined;
        return {
          column: 'groups',
          value: n % 2 === 0 ? '<clear>' : `-${gone}`,
          apply: (s) => {
            s.groups = [];
          },
        };
      }
      const name = groups[n % groups.length]!;
      return {
        column: 'groups',
        value: name,
        apply: (s) => {
          s.groups = [name];
        },
      };
    },
  ];
  const edits = new Map<number, Edit>();
  const stride = Math.max(1, Math.floor(rows.length / 60));
  for (const [k, make] of kinds.entries()) {
    let made = 0;
    for (let i = k; made < 10 && i < rows.length * 2; i += stride) {
      const at = i % rows.length;
      const row = rows[at]!;
      if (edits.has(at) || row.state !== 'active') continue;
      const edit = make(row, made);
      if (!edit) continue;
      edits.set(at, edit);
      made++;
    }
    if (made < 10) throw new Error(`only ${made} users fit edit kind ${k}`);
  }
  return edits;
}

const runIdOf = (stdout: string): string => (JSON.parse(stdout) as { runId: string }).runId;

describe(`the round trip on ${USERS} users with skills, queues, roles and groups`, () => {
  let box: Sandbox;
  let emu: RunningEmulator;
  let rows: Row[];
  let header: string[];
  let exported: ReturnType<typeof snapshot>;
  let runId: string;
  let edits: Map<number, Edit>;

  beforeAll(async () => {
    box = await sandbox({ users: USERS, limit: 1_000_000 });
    emu = box.emulator;
    exported = snapshot(emu);
    // The generated directory holds every kind the round trip edits, or the test proves little.
    const all = [...exported.users.values()];
    for (const kind of ['skills', 'queues', 'roles', 'groups'] as const)
      expect(all.filter((s) => Object.keys(s[kind]).length > 0).length, kind).toBeGreaterThan(USERS / 4);
  }, TIMEOUT);
  afterAll(() => box?.close());

  it(
    'export, then update of the unedited file: no write of any kind',
    async () => {
      const ex = await box.cli(['export', 'users.csv']);
      expect(ex.code, ex.stderr).toBe(0);
      const text = await readFile(join(box.dir, 'users.csv'), 'utf8');
      header = text
        .slice(0, text.indexOf('\n'))
        .replace(/^\uFEFF/, '')
        .split(',');
      rows = parse(text, { columns: true, bom: true }) as Row[];
      expect(rows).toHaveLength(exported.users.size);
      const before = emu.stats();
      const up = await box.cli(['update', 'users.csv', '--yes', '--json']);
      expect(up.code, up.stderr).toBe(0);
      const doc = JSON.parse(up.stdout) as { summary: Record<string, number> };
      expect(doc.summary).toMatchObject({ rows: rows.length, unchanged: rows.length, planned: 0 });
      const after = emu.stats();
      expect(writeRequests(after) - writeRequests(before)).toBe(0);
      expect(after.patchesApplied).toBe(0);
      expect(routingWritesApplied(after)).toBe(0);
      expect(snapshot(emu)).toEqual(exported);
    },
    TIMEOUT,
  );

  it(
    '50 edited cells across profile, skills, queues, roles and groups: exactly those changes on the emulator',
    async () => {
      edits = plan50(rows, emu);
      expect(edits.size).toBe(50);
      const edited = rows.map((row, i) => {
        const edit = edits.get(i);
        return edit ? { ...row, [edit.column]: edit.value } : row;
      });
      await writeFile(join(box.dir, 'edited.csv'), csv([header, ...edited.map((r) => header.map((c) => r[c] ?? ''))]));
      const up = await box.cli(['update', 'edited.csv', '--yes', '--json', '--report', 'edited.jsonl']);
      expect(up.code, up.stderr).toBe(0);
      runId = runIdOf(up.stdout);
      const report = (await readFile(join(box.dir, 'edited.jsonl'), 'utf8'))
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { row: number; status: string; changes: { field: string }[] });
      const changed = report.filter((r) => r.status !== 'unchanged');
      expect(changed.map((r) => r.row).sort((a, b) => a - b)).toEqual(
        [...edits.keys()].map((i) => i + 1).sort((a, b) => a - b),
      );
      for (const r of changed) expect(r.changes, `row ${r.row}`).toHaveLength(1);

      // The state expected: the exported one with each edit applied to its user, and nothing else.
      const expected = structuredClone(exported.users);
      for (const [i, edit] of edits) edit.apply(expected.get(rows[i]!.id!)!);
      const now = snapshot(emu);
      const differing = [...expected.keys()].filter(
        (id) => canonical(now.users.get(id)) !== canonical(expected.get(id)),
      );
      expect(differing.map((id) => ({ id, now: now.users.get(id), expected: expected.get(id) }))).toEqual([]);
      // Only the users whose profile was edited have a new version: a routing write is not a user PATCH.
      const patched = new Set([...edits].filter(([, e]) => isProfile(e)).map(([i]) => rows[i]!.id!));
      expect(emu.stats().patchesApplied).toBe(patched.size);
      for (const [id, version] of now.versions)
        expect(version, id).toBe(exported.versions.get(id)! + (patched.has(id) ? 1 : 0));
    },
    TIMEOUT,
  );

  it(
    'rollback of that run restores the exported state exactly',
    async () => {
      const rb = await box.cli(['rollback', runId, '--yes', '--json']);
      expect(rb.code, rb.stderr).toBe(0);
      expect(snapshot(emu).users).toEqual(exported.users);
      const check = await box.cli(['update', 'users.csv', '--dry-run', '--json']);
      expect((JSON.parse(check.stdout) as { summary: { planned: number } }).summary.planned).toBe(0);
    },
    TIMEOUT,
  );
});

const isProfile = (e: Edit) => ['title', 'department', 'preferredName'].includes(e.column);
