/**
 * The run layer's routing parts with fakes: the engine's ordering, failures and journal; name checks; how a row's
 * profile and routing outcomes combine; what a rollback reads and restores.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  Grant,
  GrantRef,
  NamedEntity,
  ProficiencyRef,
  UserRoutingLanguage,
  UserRoutingSkill,
} from '../../src/genesys/routing-types.js';
import type { ApiOutcome } from '../../src/genesys/types.js';
import { createGovernor } from '../../src/governor/index.js';
import type { InputRow, RoutingChanges } from '../../src/input/index.js';
import { createLogger } from '../../src/log.js';
import {
  CatalogueIndex,
  type CurrentRouting,
  catalogueResolvers,
  hasProfileWork,
  type PlannedRow,
  planRouting,
  type RoutingPlan,
  readRoutingField,
  rowDiffs,
} from '../../src/plan/index.js';
import {
  type CallRecord,
  Journal,
  ROUTING_JOURNAL_FILE,
  type RoutingJournalRecord,
  readRoutingJournal,
} from '../../src/run/journal.js';
import { combine, type Part } from '../../src/run/outcome.js';
import type { RoutingPort } from '../../src/run/ports.js';
import { rollbackFields } from '../../src/run/rollback.js';
import { checkRoutingNames, withRouting } from '../../src/run/routing.js';
import { versionsOf } from '../../src/run/routing-adapters.js';
import {
  applyRouting,
  type RoutingOutcome,
  type RoutingRowResult,
  type RoutingWork,
} from '../../src/run/routing-engine.js';
import { writtenByRun } from '../../src/run/written.js';
import { fail, ok, user } from './fakes.js';
import { afterValues, beforeValues } from './written-values.js';

const entities = (prefix: string, names: string[]): NamedEntity[] =>
  names.map((name, i) => ({ id: `${prefix}-${i + 1}`, name }));
const SKILLS = entities('sk', [
  'Billing',
  'Spanish',
  'Retention',
  ...Array.from({ length: 60 }, (_, i) => `Skill ${i + 1}`),
]);
const LANGUAGES = entities('lang', ['English', 'French']);
const QUEUES = entities('q', ['Sales', 'Support']);
const ROLES = entities('role', ['Agent', 'Employee', 'Supervisor']);
const DIVISIONS = entities('div', ['Home', 'Support']);
const GROUP = 'grp-1';
const catalogue = { skill: SKILLS, language: LANGUAGES, queue: QUEUES, role: ROLES, division: DIVISIONS };
const resolvers = catalogueResolvers(catalogue);
const idOf = (list: NamedEntity[], name: string) => list.find((e) => e.name === name)!.id;

const grant = (role: string, division: string): Grant => ({
  role: { id: idOf(ROLES, role), name: role },
  division: { id: idOf(DIVISIONS, division), name: division },
});
function routing(overrides: Partial<CurrentRouting> = {}): CurrentRouting {
  return {
    skills: [],
    languages: [],
    memberOf: { queue: new Set() },
    grants: [grant('Employee', 'Home')],
    ...overrides,
  };
}

type Sent = { kind: string; target: string; items: number; ids?: string[] };

/** A RoutingPort whose writes answer from `answer` (default: 204/200) and are recorded in order. */
class FakeRouting implements RoutingPort {
  readonly sent: Sent[] = [];
  languages: UserRoutingLanguage[] = [];
  skills: UserRoutingSkill[] = [];
  /** What the read before a skills or languages write finds, where it differs from `skills` and `languages`. */
  readAgain: { skills?: UserRoutingSkill[]; languages?: UserRoutingLanguage[] } = {};
  /** The users reads by id (`GET /api/v2/users?id=…&expand=…`), their sizes; their answer, if scripted. */
  usersReads: number[] = [];
  usersAnswer: ApiOutcome<never> | undefined;
  /** Users whose read by id comes without the expansions (best effort): read alone. */
  withoutExpansion: string[] = [];
  skillsReadsAlone = 0;
  constructor(
    private readonly answer: (s: Sent) => ApiOutcome<unknown> | Promise<ApiOutcome<unknown>> = () => ok({}),
  ) {}

  private write(kind: string, target: string, items: number) {
    const s = { kind, target, items };
    this.sent.push(s);
    return Promise.resolve(this.answer(s));
  }
  deleteUserRoutingSkill(userId: string) {
    return this.write('skill-delete', userId, 1);
  }
  patchUserRoutingSkills(userId: string, skills: ProficiencyRef[]) {
    return this.write('skills-patch', userId, skills.length);
  }
  patchUserRoutingLanguages(userId: string, languages: ProficiencyRef[]) {
    return this.write('languages-patch', userId, languages.length);
  }
  deleteUserRoutingLanguage(userId: string) {
    return this.write('language-delete', userId, 1);
  }
  postQueueMembers(queueId: string, userIds: string[], opts: { remove: boolean }) {
    return this.write(opts.remove ? 'queue-remove' : 'queue-add', queueId, userIds.length);
  }
  grantsBulk(subjectId: string, operation: string, grants: GrantRef[]) {
    return this.write(`grants-${operation}`, subjectId, grants.length);
  }
  moveUsersToDivision(divisionId: string, userIds: string[]) {
    return this.write('division-move', divisionId, userIds.length);
  }
  async getUserRoutingLanguages() {
    return ok({ entities: this.languages, pageNumber: 1, pageSize: 100, total: this.languages.length, pageCount: 1 });
  }
  listRoutingSkills(): never {
    throw new Error('not scripted');
  }
  listRoutingLanguages(): never {
    throw new Error('not scripted');
  }
  listQueues(): never {
    throw new Error('not scripted');
  }
  listRoles(): never {
    throw new Error('not scripted');
  }
  listDivisions(): never {
    throw new Error('not scripted');
  }
  listGroups(): never {
    throw new Error('not scripted');
  }
  getGroup(): never {
    throw new Error('not scripted');
  }
  getGroupMembers(): never {
    throw new Error('not scripted');
  }
  getUserGroups(): never {
    throw new Error('not scripted');
  }
  addGroupMembers(groupId: string, userIds: string[]) {
    const s = { kind: 'group-add', target: groupId, items: userIds.length, ids: userIds };
    this.sent.push(s);
    return Promise.resolve(this.answer(s)) as Promise<ApiOutcome<void>>;
  }
  removeGroupMembers(groupId: string, userIds: string[]) {
    return this.write('group-remove', groupId, userIds.length) as Promise<ApiOutcome<void>>;
  }
  async getUserRoutingSkills() {
    this.skillsReadsAlone++;
    return ok({ entities: this.skills, pageNumber: 1, pageSize: 100, total: this.skills.length, pageCount: 1 });
  }
  /** The queues' members now (user ids, by queue id), as the read before a members call finds them. */
  queueMembers: Record<string, string[]> = {};
  async getQueueMembers(queueId: string) {
    const entities = (this.queueMembers[queueId] ?? []).map((id) => ({ id, memberBy: 'user' }));
    return ok({ entities, pageNumber: 1, pageSize: 100, total: entities.length, pageCount: 1 });
  }
  /** The user's grants now, as the read before a grant or a revocation finds them. */
  grants: readonly Grant[] = [];
  async getSubject(subjectId: string) {
    return ok({ id: subjectId, grants: [...this.grants] });
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'genesys-bulk-routing-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const progress = { start() {}, update() {}, stop() {} };
/**
 * The users' read again before their skills and languages are written: each as the port's `skills` and `languages`
 * say. No test here moves a division: the engine's re-read before a move is tested end to end (test/e2e/contention).
 */
const usersOf = (port: FakeRouting) => ({
  async getUsersByIds(ids: string[]) {
    port.usersReads.push(ids.length);
    if (port.usersAnswer !== undefined) return port.usersAnswer;
    const { skills = port.skills, languages = port.languages } = port.readAgain;
    const entities = ids.map((id) => ({
      ...user({ id }),
      ...(port.withoutExpansion.includes(id) ? {} : { skills, languages }),
    }));
    return ok({ entities, pageNumber: 1, pageSize: ids.length, total: ids.length, pageCount: 1 });
  },
});
const log = createLogger({ level: 'silent' });

async function run(
  port: FakeRouting,
  work: RoutingWork[],
  options: { keepForeignEdits?: boolean } = {},
): Promise<{ results: Map<number, RoutingOutcome>; journal: RoutingJournalRecord[] }> {
  const journal = await Journal.open<RoutingJournalRecord>(join(dir, ROUTING_JOURNAL_FILE));
  const results = await applyRouting(
    {
      port,
      users: usersOf(port),
      ...options,
      governor: createGovernor({ maxConcurrency: 4, initialRatePerSecond: 1000 }),
      journal,
      progress,
      log,
      maxConcurrency: 4,
      firstSeq: 7,
    },
    work,
    { rateLimited: 0, retries: 0 },
  );
  await journal.close();
  return { results, journal: await readRoutingJournal(dir) };
}

const plan = (current: CurrentRouting, changes: RoutingChanges): RoutingPlan =>
  planRouting(current, changes, resolvers);
const skills = (...pairs: [string, number][]): UserRoutingSkill[] =>
  pairs.map(([name, proficiency]) => ({ id: idOf(SKILLS, name), name, proficiency }));

describe('applyRouting', () => {
  it("removes one of a user's 53 skills with one DELETE, sending none of the others (no PUT of the set)", async () => {
    const names = Array.from({ length: 52 }, (_, i) => `Skill ${i + 1}`);
    const current = routing({ skills: skills(['Billing', 3], ...names.map((n): [string, number] => [n, 2])) });
    const p = plan(current, { skills: { mode: 'delta', add: [], remove: ['Billing'] } });
    const port = new FakeRouting();
    port.skills = [...current.skills];
    const { results, journal } = await run(port, [{ rowNumber: 1, userId: 'u-1', plan: p }]);

    expect(port.sent).toEqual([{ kind: 'skill-delete', target: 'u-1', items: 1 }]);
    // The read of the user's skills just before the DELETE, and the DELETE.
    expect(results.get(1)).toMatchObject({ status: 'updated', attempts: 2 });
    const calls = journal.filter((r): r is CallRecord => r.t === 'call');
    expect(calls.map((c) => c.call.kind)).toEqual(['skill-delete']);
    expect(calls[0]!.realises).toEqual([
      { row: 1, userId: 'u-1', diffs: [{ field: 'skill:Billing', before: '3', after: null }] },
    ]);
  });

  it('makes each call durable in the journal before sending it', async () => {
    const seenBeforeSend: string[] = [];
    const port = new FakeRouting((s) => {
      // Read at the moment of sending, before anything else can run.
      const text = readFileSync(join(dir, ROUTING_JOURNAL_FILE), 'utf8');
      const last = JSON.parse(text.trimEnd().split('\n').at(-1)!) as RoutingJournalRecord;
      seenBeforeSend.push(`${last.t}:${last.t === 'call' ? last.call.kind : ''}:${s.kind}`);
      return ok({});
    });
    await run(port, [
      {
        rowNumber: 1,
        userId: 'u-1',
        plan: plan(routing(), { skills: { mode: 'delta', add: [{ name: 'Retention', proficiency: 2 }], remove: [] } }),
      },
    ]);
    expect(seenBeforeSend).toEqual(['call:skills-patch:skills-patch']);
  });

  it('marks every row a failed call realises as failed with its error; the other rows settle updated', async () => {
    const port = new FakeRouting((s) => (s.kind === 'queue-add' ? fail('invalid', 400, 'bad.request') : ok({})));
    const work: RoutingWork[] = [1, 2, 3].map((n) => ({
      rowNumber: n,
      userId: `u-${n}`,
      plan: plan(routing(), { queues: { mode: 'delta', add: ['Sales'], remove: [] } }),
    }));
    work.push({
      rowNumber: 4,
      userId: 'u-4',
      plan: plan(routing(), { skills: { mode: 'delta', add: [{ name: 'Billing', proficiency: 1 }], remove: [] } }),
    });
    const { results, journal } = await run(port, work);

    for (const n of [1, 2, 3]) {
      expect(results.get(n)).toMatchObject({ status: 'failed', failure: { code: 'bad.request' } });
      const failure = (results.get(n) as { failure: { message: string } }).failure;
      expect(failure.message).toContain(
        'POST /api/v2/routing/queues/{queueId}/members (one call for 3 users) failed (HTTP 400)',
      );
    }
    expect(results.get(4)).toMatchObject({ status: 'updated' });
    expect(port.sent.filter((s) => s.kind === 'queue-add')).toEqual([{ kind: 'queue-add', target: 'q-1', items: 3 }]);
    const routed = journal
      .filter((r) => r.t === 'routed')
      .map((r) => `${(r as { row: number }).row}:${(r as { status: string }).status}`);
    expect(routed.sort()).toEqual(['1:failed', '2:failed', '3:failed', '4:updated']);
    expect(
      journal
        .filter((r) => r.t === 'call-outcome')
        .map((r) => (r as { status: string }).status)
        .sort(),
    ).toEqual(['done', 'failed']);
  });

  it('of a group write that failed part-way, fails the rows it did not write; the rows it wrote settle updated', async () => {
    // A platform that refuses a write holding an id it no longer knows (a user deleted since the plan): the write is
    // sent in halves to tell that from a batch limit, and the half without the id goes through.
    const port = new FakeRouting((s) =>
      s.kind === 'group-add' && s.ids?.includes('u-3') ? fail('invalid', 400, 'bad.request') : ok({}),
    );
    versionsOf(port).set(GROUP, 1);
    const resolve = catalogueResolvers({ ...catalogue, group: [{ id: GROUP, name: 'Sales Team' }] });
    const work: RoutingWork[] = [1, 2, 3, 4].map((n) => ({
      rowNumber: n,
      userId: `u-${n}`,
      plan: planRouting(
        routing({ memberOf: { queue: new Set(), group: new Set() } }),
        { groups: { mode: 'delta', add: ['Sales Team'], remove: [] } },
        resolve,
      ),
    }));
    const { results, journal } = await run(port, work);

    expect(port.sent.filter((s) => s.kind === 'group-add').map((s) => s.ids)).toEqual([
      ['u-1', 'u-2', 'u-3', 'u-4'],
      ['u-1', 'u-2'],
      ['u-3', 'u-4'],
      ['u-3'],
    ]);
    for (const n of [1, 2]) expect(results.get(n)).toMatchObject({ status: 'updated' });
    for (const n of [3, 4])
      expect(results.get(n)).toMatchObject({ status: 'failed', failure: { code: 'bad.request' } });
    const routed = journal.filter((r) => r.t === 'routed').map((r) => `${r.row}:${r.status}`);
    expect(routed.sort()).toEqual(['1:updated', '2:updated', '3:failed', '4:failed']);
  });

  it("sends no revocation after a failed grant: the rest of that user's calls are dropped", async () => {
    const port = new FakeRouting((s) => (s.kind === 'grants-add' ? fail('permission', 403) : ok({})));
    const current = routing({ grants: [grant('Employee', 'Home'), grant('Agent', 'Home')] });
    const p = plan(current, {
      roles: {
        mode: 'delta',
        add: [{ role: 'Supervisor', division: 'Support' }],
        remove: [{ role: 'Agent', division: 'Home' }],
      },
    });
    expect(p.writes.map((w) => w.kind)).toEqual(['grants-add', 'grants-remove']);
    port.grants = current.grants;
    const { results } = await run(port, [{ rowNumber: 1, userId: 'u-1', plan: p }]);
    expect(port.sent.map((s) => s.kind)).toEqual(['grants-add']);
    expect(results.get(1)).toMatchObject({ status: 'failed', failure: { code: 'permission' } });
  });

  it("reads a queue's members again before adding or removing: a user someone else already moved is left out", async () => {
    const work: RoutingWork[] = [1, 2, 3].map((n) => ({
      rowNumber: n,
      userId: `u-${n}`,
      plan: plan(routing(), { queues: { mode: 'delta', add: ['Sales'], remove: [] } }),
    }));
    const port = new FakeRouting(() => ok({}));
    // Since the plan, another admin added u-2 to Sales.
    port.queueMembers = { [idOf(QUEUES, 'Sales')]: ['u-2'] };
    const { results, journal } = await run(port, work);
    expect(port.sent.map((s) => [s.kind, s.items])).toEqual([['queue-add', 2]]);
    expect([1, 2, 3].map((n) => (results.get(n) as { status: string }).status)).toEqual([
      'updated',
      'unchanged',
      'updated',
    ]);
    const calls = journal.filter((r) => r.t === 'call');
    expect(calls.flatMap((c) => c.realises.map((r) => r.userId))).toEqual(['u-1', 'u-3']);
  });

  it('reads the grants again before a grant or a revocation: one someone else made since the plan is not sent nor journaled', async () => {
    const current = routing({ grants: [grant('Employee', 'Home'), grant('Agent', 'Home')] });
    const p = plan(current, {
      roles: {
        mode: 'delta',
        add: [
          { role: 'Supervisor', division: 'Support' },
          { role: 'Supervisor', division: 'Home' },
        ],
        remove: [{ role: 'Agent', division: 'Home' }],
      },
    });
    const port = new FakeRouting(() => ok({}));
    // Since the plan, another admin granted Supervisor@Support and revoked Agent@Home.
    port.grants = [grant('Employee', 'Home'), grant('Supervisor', 'Support')];
    const { results, journal } = await run(port, [{ rowNumber: 1, userId: 'u-1', plan: p }]);
    expect(port.sent.map((s) => [s.kind, s.items])).toEqual([['grants-add', 1]]);
    expect(results.get(1)).toMatchObject({ status: 'updated' });
    const calls = journal.filter((r) => r.t === 'call');
    expect(calls.flatMap((c) => c.realises.flatMap((r) => r.diffs.map((d) => d.field)))).toEqual([
      'role:Supervisor@Home',
    ]);

    // Nothing left to change: no call, and the row is unchanged.
    const none = new FakeRouting(() => ok({}));
    none.grants = [grant('Employee', 'Home'), grant('Supervisor', 'Support'), grant('Supervisor', 'Home')];
    const again = await run(none, [{ rowNumber: 1, userId: 'u-1', plan: p }]);
    expect(none.sent).toEqual([]);
    expect(again.results.get(1)).toMatchObject({ status: 'unchanged' });
  });

  it('takes a skill DELETE that meets 404 as done when the skill is gone, and as failed when it is not', async () => {
    const p = plan(routing({ skills: skills(['Billing', 3]) }), {
      skills: { mode: 'delta', add: [], remove: ['Billing'] },
    });
    const gone = new FakeRouting((s) => (s.kind === 'skill-delete' ? fail('not_found', 404) : ok({})));
    gone.readAgain = { skills: skills(['Billing', 3]) };
    expect((await run(gone, [{ rowNumber: 1, userId: 'u-1', plan: p }])).results.get(1)).toMatchObject({
      status: 'updated',
    });

    const still = new FakeRouting((s) => (s.kind === 'skill-delete' ? fail('not_found', 404) : ok({})));
    still.skills = skills(['Billing', 3]);
    expect((await run(still, [{ rowNumber: 1, userId: 'u-1', plan: p }])).results.get(1)).toMatchObject({
      status: 'failed',
      failure: { code: 'not_found' },
    });
  });

  it('takes a language DELETE that meets 404 as done when the language is gone, and as failed when it is not', async () => {
    const p = plan(routing({ languages: [{ id: 'lang-2', name: 'French', proficiency: 2 }] }), {
      languages: { mode: 'delta', add: [], remove: ['French'] },
    });
    const gone = new FakeRouting((s) => (s.kind === 'language-delete' ? fail('not_found', 404) : ok({})));
    gone.readAgain = { languages: [{ id: 'lang-2', name: 'French', proficiency: 2 }] };
    expect((await run(gone, [{ rowNumber: 1, userId: 'u-1', plan: p }])).results.get(1)).toMatchObject({
      status: 'updated',
    });

    const still = new FakeRouting((s) => (s.kind === 'language-delete' ? fail('not_found', 404) : ok({})));
    still.languages = [{ id: 'lang-2', name: 'French', proficiency: 2 }];
    expect((await run(still, [{ rowNumber: 1, userId: 'u-1', plan: p }])).results.get(1)).toMatchObject({
      status: 'failed',
      failure: { code: 'not_found' },
    });
  });

  describe('reads skills and languages again just before writing them, 100 users a call', () => {
    // At the plan: Spanish 3, Retention 2, Skill 1 at 1. The row: +Billing:4, +Spanish:5, +Skill 1:2, -Retention.
    const atPlan = skills(['Spanish', 3], ['Retention', 2], ['Skill 1', 1]);
    const p = () =>
      plan(routing({ skills: atPlan }), {
        skills: {
          mode: 'delta',
          add: [
            { name: 'Billing', proficiency: 4 },
            { name: 'Spanish', proficiency: 5 },
            { name: 'Skill 1', proficiency: 2 },
          ],
          remove: ['Retention'],
        },
      });
    // Since the plan, another admin gave Billing 4 (as the row does), set Spanish to 4, took Skill 1 and
    // Retention away, and gave Skill 3.
    const meanwhile = skills(['Billing', 4], ['Spanish', 4], ['Skill 3', 1]);

    it("update: sends the file's value over another admin's, journaled from theirs; leaves out what is so already", async () => {
      const port = new FakeRouting();
      port.skills = meanwhile;
      const { results, journal } = await run(port, [{ rowNumber: 1, userId: 'u-1', plan: p() }]);
      // One PATCH of Skill 1 and Spanish; Billing is 4 already; Retention is gone: no DELETE.
      expect(port.sent).toEqual([{ kind: 'skills-patch', target: 'u-1', items: 2 }]);
      expect(port.usersReads).toEqual([1]);
      const calls = journal.filter((r): r is CallRecord => r.t === 'call');
      expect(calls.map((c) => c.call)).toMatchObject([
        {
          kind: 'skills-patch',
          body: [
            { id: idOf(SKILLS, 'Skill 1'), proficiency: 2 },
            { id: idOf(SKILLS, 'Spanish'), proficiency: 5 },
          ],
        },
      ]);
      // A rollback puts back what the other admin left: Spanish at 4, and no Skill 1.
      expect(calls[0]!.realises[0]!.diffs).toEqual([
        { field: 'skill:Skill 1', before: null, after: '2' },
        { field: 'skill:Spanish', before: '4', after: '5' },
      ]);
      const r = results.get(1) as RoutingRowResult;
      expect(r).toMatchObject({ status: 'updated', attempts: 2 });
      expect(r.conflict).toBe(
        `skill:Skill 1 was set to (none) by someone else after the plan; the file's value ("2") was applied; ` +
          `skill:Spanish was set to "4" by someone else after the plan; the file's value ("5") was applied`,
      );
    });

    it('rollback: leaves what another admin changed since its plan as they set it, reported, and sends nothing', async () => {
      const port = new FakeRouting();
      port.skills = meanwhile;
      const { results, journal } = await run(port, [{ rowNumber: 1, userId: 'u-1', plan: p() }], {
        keepForeignEdits: true,
      });
      expect(port.sent).toEqual([]);
      expect(journal.filter((r) => r.t === 'call')).toEqual([]);
      expect(results.get(1)).toMatchObject({
        status: 'skipped',
        keptFields: [
          { field: 'skill:Skill 1', now: null },
          { field: 'skill:Spanish', now: '4' },
        ],
      });
    });

    it('leaves an item the row names without a proficiency at the one someone else gave it meanwhile', async () => {
      const plain = plan(routing(), {
        skills: { mode: 'delta', add: [{ name: 'Billing' }, { name: 'Spanish' }], remove: [] },
      });
      const port = new FakeRouting();
      port.skills = skills(['Billing', 4]);
      const { results, journal } = await run(port, [{ rowNumber: 1, userId: 'u-1', plan: plain }]);
      expect(port.sent).toEqual([{ kind: 'skills-patch', target: 'u-1', items: 1 }]);
      const calls = journal.filter((r): r is CallRecord => r.t === 'call');
      expect(calls[0]!.realises[0]!.diffs).toEqual([{ field: 'skill:Spanish', before: null, after: '0' }]);
      expect((results.get(1) as RoutingRowResult).conflict).toBeUndefined();
    });

    it('reads 250 users in 3 calls, a user given without the expansion alone; a refused read fails its rows, sending nothing', async () => {
      const work = (n: number): RoutingWork[] =>
        Array.from({ length: n }, (_, i) => ({
          rowNumber: i + 1,
          userId: `u-${i + 1}`,
          plan: plan(routing(), {
            skills: { mode: 'delta', add: [{ name: 'Billing', proficiency: 2 }], remove: [] },
            languages: { mode: 'delta', add: [{ name: 'French', proficiency: 3 }], remove: [] },
          }),
        }));
      const port = new FakeRouting();
      port.withoutExpansion = ['u-7'];
      const { results } = await run(port, work(250));
      expect(port.usersReads).toEqual([100, 100, 50]);
      expect(port.skillsReadsAlone).toBe(1);
      expect(port.sent.filter((s) => s.kind === 'skills-patch')).toHaveLength(250);
      expect(port.sent.filter((s) => s.kind === 'languages-patch')).toHaveLength(250);
      expect([...results.values()].every((r) => (r as RoutingRowResult).status === 'updated')).toBe(true);

      const refused = new FakeRouting();
      refused.usersAnswer = fail('permission', 403) as ApiOutcome<never>;
      const again = await run(refused, work(2));
      expect(refused.sent).toEqual([]);
      expect(again.results.get(1)).toMatchObject({ status: 'failed', failure: { code: 'permission' } });
      expect((again.results.get(2) as RoutingRowResult).failure?.message).toContain(
        "Reading the user's skills again before changing them (GET /api/v2/users?id=…&expand=skills,languages) failed, so none was changed",
      );
    });
  });

  it('on a stop, starts nothing more and reports the rows left as interrupted', async () => {
    const stop = new AbortController();
    const port = new FakeRouting(() => {
      stop.abort();
      return ok({});
    });
    const work: RoutingWork[] = [1, 2, 3].map((n) => ({
      rowNumber: n,
      userId: `u-${n}`,
      plan: plan(routing(), { skills: { mode: 'delta', add: [{ name: 'Billing', proficiency: n }], remove: [] } }),
    }));
    const journal = await Journal.open<RoutingJournalRecord>(join(dir, ROUTING_JOURNAL_FILE));
    const results = await applyRouting(
      {
        port,
        users: usersOf(port),
        governor: createGovernor({ maxConcurrency: 1, initialRatePerSecond: 1000 }),
        journal,
        progress,
        log,
        stopSignal: stop.signal,
        maxConcurrency: 1,
        firstSeq: 1,
      },
      work,
      { rateLimited: 0, retries: 0 },
    );
    await journal.close();
    expect(port.sent).toHaveLength(1);
    expect(results.get(1)).toMatchObject({ status: 'updated' });
    expect(results.get(2)).toEqual({ interrupted: true, inFlight: false });
    expect(results.get(3)).toEqual({ interrupted: true, inFlight: false });
  });
});

describe('checkRoutingNames', () => {
  const row = (n: number, r: RoutingChanges): InputRow => ({
    rowNumber: n,
    line: n + 1,
    key: { kind: 'email', email: `u${n}@example.com` },
    changes: { routing: r },
  });
  const index = new CatalogueIndex({
    ...catalogue,
    queue: [...QUEUES, { id: 'q-9', name: 'support' }, { id: 'q-10', name: 'Archive', state: 'deleted' }],
  });

  it('names each unknown item with the closest known name, per row and column', () => {
    const problems = checkRoutingNames(
      [
        row(1, { skills: { mode: 'delta', add: [{ name: 'biling', proficiency: 2 }], remove: ['Spanish'] } }),
        row(2, { roles: { mode: 'replace', items: [{ role: 'Agnet', division: 'Suport' }] }, division: 'Support' }),
        row(3, { languages: { mode: 'replace', items: [{ name: 'Klingon' }] } }),
      ],
      index,
    );
    expect(problems.map((p) => [p.row.rowNumber, p.column, p.code, p.suggestion, p.message])).toEqual([
      [1, 'skills', 'unknown_skill', 'Billing', 'no skill named "biling"; did you mean "Billing"?'],
      [2, 'roles', 'unknown_role', 'Agent', 'no role named "Agnet"; did you mean "Agent"?'],
      [
        2,
        'roles',
        'unknown_division',
        'Support',
        'no division named "Suport" (in "Agnet@Suport"); did you mean "Support"?',
      ],
      [3, 'languages', 'unknown_language', undefined, 'no language named "Klingon".'],
    ]);
  });

  it("refuses a name two entities share, and a deleted entity's", () => {
    const problems = checkRoutingNames(
      [row(1, { queues: { mode: 'delta', add: ['SUPPORT', 'Archive'], remove: [] } })],
      index,
    );
    expect(problems.map((p) => p.code)).toEqual(['ambiguous_queue', 'unknown_queue']);
    expect(problems[0]!.message).toMatch(/^2 queues are named "SUPPORT" \(ids q-2, q-9\)/);
    expect(problems[1]!.message).toContain('no queue named "Archive"');
  });

  it('takes an entity listed twice (a page boundary moved while reading) as one', () => {
    const twice = new CatalogueIndex({ skill: [...SKILLS, SKILLS[0]!] });
    expect(twice.lookup('skill', 'Billing')).toEqual({ id: 'sk-1' });
  });

  it('finds nothing wrong with known names, whatever their case', () => {
    expect(
      checkRoutingNames(
        [row(1, { skills: { mode: 'replace', items: [{ name: ' billing ' }] }, division: 'home' })],
        index,
      ),
    ).toEqual([]);
  });
});

describe('withRouting', () => {
  const planned: PlannedRow = {
    rowNumber: 3,
    line: 4,
    key: 'u@example.com',
    userId: 'u-1',
    status: 'unchanged',
    diffs: [],
    baseVersion: 2,
  };

  it('gives a row its routing part, whose diffs come after the profile ones', () => {
    const withTitle: PlannedRow = {
      ...planned,
      status: 'change',
      diffs: [{ field: 'title', before: 'A', after: 'B' }],
      patch: { title: 'B' },
    };
    const row = withRouting(withTitle, routing(), { division: 'Support' }, resolvers);
    expect(row.diffs.map((d) => d.field)).toEqual(['title']);
    expect(rowDiffs(row).map((d) => d.field)).toEqual(['title', 'division']);
    expect(row.routing?.division?.divisionId).toBe('div-2');
    expect(withRouting(planned, routing({ divisionId: 'div-2' }), { division: 'support' }, resolvers)).toEqual(planned);
    const routingOnly = withRouting(planned, routing(), { division: 'Support' }, resolvers);
    expect(routingOnly.status).toBe('change');
    expect(hasProfileWork(routingOnly)).toBe(false);
  });

  it('makes the whole row invalid when its routing cannot be applied', () => {
    const row = withRouting(
      { ...planned, status: 'change', diffs: [{ field: 'title', before: 'A', after: 'B' }], patch: { title: 'B' } },
      routing(),
      { roles: { mode: 'delta', add: [], remove: [{ role: 'Employee', division: 'Home' }] } },
      resolvers,
    );
    expect(row.routing).toBeUndefined();
    expect(row).toMatchObject({ status: 'invalid', diffs: [] });
    expect(row.patch).toBeUndefined();
    expect(row.note).toMatch(/no role at all/);
  });
});

describe('combine', () => {
  const row: PlannedRow = {
    rowNumber: 1,
    line: 2,
    key: 'u@example.com',
    userId: 'u-1',
    status: 'change',
    diffs: [
      { field: 'title', before: 'A', after: 'B' },
      { field: 'skill:Billing', before: null, after: '4' },
    ],
  };
  const updated: Part = { status: 'updated', attempts: 1 };
  const failed: Part = { status: 'failed', attempts: 2, errorCode: 'bad.request', message: 'POST … failed' };

  it("fails the row when either part failed, with that part's error, and keeps both kinds of changes", () => {
    for (const parts of [
      [updated, failed],
      [failed, updated],
    ]) {
      expect(combine(row, parts)).toMatchObject({
        status: 'failed',
        errorCode: 'bad.request',
        message: 'POST … failed',
        attempts: 3,
        changes: [
          { field: 'title', before: 'A', after: 'B' },
          { field: 'skill:Billing', before: null, after: '4' },
        ],
      });
    }
  });

  it("keeps the plan's note after a failing part's error (a rollback's fields left as someone set them)", () => {
    const note = 'changed again since the run, left as is: title is now "C" (the run set "B")';
    expect(combine({ ...row, note }, [failed])).toMatchObject({
      status: 'failed',
      errorCode: 'bad.request',
      message: `POST … failed; ${note}`,
    });
  });

  it('is updated when one part wrote and the other had nothing left to do', () => {
    expect(combine(row, [{ status: 'unchanged', attempts: 1 }, updated]).status).toBe('updated');
  });

  it('puts a missing user above everything, and an interruption above a write', () => {
    expect(combine(row, [failed, { status: 'not_found', attempts: 1, errorCode: 'not_found' }]).status).toBe(
      'not_found',
    );
    const stopped: Part = { status: 'skipped', attempts: 0, errorCode: 'interrupted', message: 'not applied' };
    expect(combine(row, [updated, stopped])).toMatchObject({ status: 'skipped', errorCode: 'interrupted' });
    // A rollback's profile part that left a foreign edit alone writes nothing: the routing restore decides.
    expect(combine(row, [{ status: 'skipped', attempts: 0, message: 'kept' }, updated])).toMatchObject({
      status: 'updated',
      message: 'kept',
    });
  });
});

describe('rollback of routing fields', () => {
  const call = (row: number, userIds: string[], diffs: Record<string, [string | null, string | null]>): CallRecord => ({
    t: 'call',
    at: '2026-11-29T10:00:00.000Z',
    seq: row,
    call: { kind: 'members', of: 'queue', entityId: 'q-1', userIds, remove: false },
    realises: userIds.map((userId) => ({
      row,
      userId,
      diffs: Object.entries(diffs).map(([field, [before, after]]) => ({ field, before, after })),
    })),
  });

  it('collects what a call shared by many users wrote to each, with profile intents alongside', () => {
    const written = writtenByRun([
      { t: 'intent', at: '', row: 2, userId: 'u-2', version: 1, before: { title: 'A' }, after: { title: 'B' } },
      call(1, ['u-1', 'u-2'], { 'queue:Sales': [null, 'member'] }),
      // Resumed: planned again from a state the first attempt had partly changed; the first before-value stays.
      call(1, ['u-1'], { 'queue:Sales': ['member', 'member'], 'skill:Billing': ['3', '4'] }),
    ]);
    expect(
      written.map((w) => [w.userId, Object.fromEntries(beforeValues(w)), Object.fromEntries(afterValues(w))]),
    ).toEqual([
      ['u-1', { 'queue:Sales': null, 'skill:Billing': '3' }, { 'queue:Sales': 'member', 'skill:Billing': '4' }],
      ['u-2', { title: 'A', 'queue:Sales': null }, { title: 'B', 'queue:Sales': 'member' }],
    ]);
  });

  it("restores a routing field that holds the run's value, and leaves one changed since", () => {
    const [w] = writtenByRun([
      call(1, ['u-1'], {
        'skill:Billing': ['3', '4'],
        'language:French': ['2', null],
        'queue:Sales': [null, 'member'],
        'role:Agent@Support': [null, 'granted'],
        division: ['Home', 'Support'],
      }),
    ]);
    const now = routing({
      skills: skills(['Billing', 1]),
      languages: [],
      memberOf: { queue: new Set(['q-1']) },
      grants: [grant('Employee', 'Home'), grant('Agent', 'Support')],
      divisionId: 'div-2',
    });
    const { restore, changedSince } = rollbackFields(w!, user({ id: 'u-1' }), (f) =>
      readRoutingField(now, f, resolvers),
    );
    expect(restore.map((d) => d.field)).toEqual(['language:French', 'queue:Sales', 'role:Agent@Support', 'division']);
    expect(changedSince).toEqual([{ field: 'skill:Billing', now: '1', runSet: '4' }]);
  });

  it('reads a routing field the way its diffs write it', () => {
    const now = routing({
      skills: skills(['Billing', 4.5]),
      memberOf: { queue: new Set(['q-2']) },
      grants: [grant('Agent', 'Support')],
      divisionId: 'div-1',
    });
    expect(readRoutingField(now, 'skill:billing', resolvers)).toBe('4.5');
    expect(readRoutingField(now, 'skill:Spanish', resolvers)).toBeNull();
    expect(readRoutingField(now, 'queue:Support', resolvers)).toBe('member');
    expect(readRoutingField(now, 'queue:Sales', resolvers)).toBeNull();
    expect(readRoutingField(now, 'role:Agent@Support', resolvers)).toBe('granted');
    expect(readRoutingField(now, 'role:Agent@Home', resolvers)).toBeNull();
    expect(readRoutingField(now, 'division', resolvers)).toBe('Home');
  });

  it("refuses to judge a routing field without the user's routing", () => {
    const [w] = writtenByRun([call(1, ['u-1'], { 'queue:Sales': [null, 'member'] })]);
    expect(() => rollbackFields(w!, user({ id: 'u-1' }))).toThrow(/current routing/);
  });
});
