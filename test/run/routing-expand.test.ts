/** Skills, languages and groups from expanded reads by id, and what is left to the per-user reads. */
import { describe, expect, it } from 'vitest';
import type { ApiOutcome, UserEntityListing } from '../../src/genesys/types.js';
import { noNeeds, type RoutingNeeds } from '../../src/plan/index.js';
import { type ExpandedUser, keptForRouting, readExpansions, routingExpansions } from '../../src/run/routing-expand.js';
import { fail, ok, passThrough, user } from './fakes.js';

const needs = (over: Partial<RoutingNeeds>): RoutingNeeds => ({ ...noNeeds(), ...over });
const SKILL = { id: 's-1', name: 'Billing', proficiency: 3 };
const LANGUAGE = { id: 'l-1', name: 'French', proficiency: 2 };

/** A port that answers each read by id from `answer` and records the ids and expansions asked for. */
function port(answer: (ids: string[], expand: string[]) => ApiOutcome<UserEntityListing>) {
  const calls: { ids: string[]; expand: string[] }[] = [];
  return {
    calls,
    getUsersByIds: async (ids: string[], opts?: { expand?: string[] }) => {
      calls.push({ ids, expand: opts?.expand ?? [] });
      return answer(ids, opts?.expand ?? []);
    },
  };
}

const listing = (entities: ExpandedUser[]): UserEntityListing => ({
  entities,
  pageSize: entities.length,
  pageNumber: 1,
  total: entities.length,
  pageCount: 1,
});

const expanded = (id: string, expand: string[]): ExpandedUser => ({
  ...user({ id }),
  ...(expand.includes('skills') ? { skills: [SKILL] } : {}),
  ...(expand.includes('languages') ? { languages: [LANGUAGE] } : {}),
  ...(expand.includes('groups') ? { groups: [{ id: 'g-1', name: 'Sales Team' }] } : {}),
});

describe('readExpansions', () => {
  it('asks only for what the needs read: skills, languages, and groups only for a whole list', () => {
    expect(routingExpansions(needs({ skills: true, grants: true }))).toEqual(['skills']);
    expect(routingExpansions(needs({ languages: true, members: { group: ['g-1'], queue: ['q-1'] } }))).toEqual([
      'languages',
    ]);
    expect(routingExpansions(needs({ skills: true, languages: true, members: { group: 'all' } }))).toEqual([
      'skills',
      'languages',
      'groups',
    ]);
  });

  it('reads 250 users in three calls of at most 100, each with the expansions its users lack', async () => {
    const p = port((ids, expand) => ok(listing(ids.map((id) => expanded(id, expand)))));
    const targets = Array.from({ length: 250 }, (_, i) => ({
      user: user({ id: `u-${i}` }),
      needs: needs({ skills: true, members: { group: 'all' } }),
    }));
    let count = 0;
    const found = await readExpansions({ users: p, executor: passThrough, concurrency: 4 }, targets, () => count++);
    expect(count).toBe(3);
    expect(p.calls.map((c) => [c.ids.length, c.expand])).toEqual([
      [100, ['skills', 'groups']],
      [100, ['skills', 'groups']],
      [50, ['skills', 'groups']],
    ]);
    expect(found.get('u-249')).toEqual({ skills: [SKILL], groups: ['g-1'] });
  });

  it('reads nothing for what the users already carry (an expanded listing)', async () => {
    const p = port(() => {
      throw new Error('no read expected');
    });
    const carried = { ...user({ id: 'u-1' }), skills: [SKILL], languages: [] };
    const found = await readExpansions(
      { users: p, executor: passThrough, concurrency: 4 },
      [{ user: carried, needs: needs({ skills: true, languages: true }) }],
      () => {},
    );
    expect(found.get('u-1')).toEqual({ skills: [SKILL], languages: [] });
    expect(p.calls).toEqual([]);
  });

  it('leaves to the per-user reads a user given without an expansion, missing, deleted, or refused as invalid', async () => {
    const targets = ['u-1', 'u-2', 'u-3'].map((id) => ({
      user: user({ id }),
      needs: needs({ skills: true, languages: true }),
    }));
    const p = port(() =>
      ok(
        listing([
          { ...user({ id: 'u-1' }), skills: [SKILL] },
          { ...expanded('u-2', ['skills']), state: 'deleted' },
        ]),
      ),
    );
    const found = await readExpansions({ users: p, executor: passThrough, concurrency: 4 }, targets, () => {});
    expect(found.get('u-1')).toEqual({ skills: [SKILL] });
    expect(found.get('u-2')).toEqual({});
    expect(found.get('u-3')).toEqual({});

    const refused = port(() => fail('invalid', 400, 'bad.request'));
    const none = await readExpansions({ users: refused, executor: passThrough, concurrency: 4 }, targets, () => {});
    expect([...none.values()]).toEqual([{}, {}, {}]);
  });

  it('stops on any other failure, as every read before a write does', async () => {
    const p = port(() => fail('permission', 403, 'missing.permissions'));
    await expect(
      readExpansions(
        { users: p, executor: passThrough, concurrency: 4 },
        [{ user: user(), needs: needs({ skills: true }) }],
        () => {},
      ),
    ).rejects.toThrow(/Reading users' skills/);
  });
});

describe('keptForRouting', () => {
  it('keeps of the expansions and the division what routing planning reads, and the rest of the user as it is', () => {
    const read: ExpandedUser = {
      ...user({ id: 'u-1', version: 4 }),
      division: { id: 'd-1', name: 'Home', selfUri: '/api/v2/authorization/divisions/d-1' },
      skills: [{ ...SKILL, state: 'active', skillUri: '/api/v2/routing/skills/s-1' }],
      languages: [{ ...LANGUAGE, state: 'active', languageUri: '/api/v2/routing/languages/l-1' }],
      groups: [{ id: 'g-1', name: 'Night shift' }],
    };
    const kept = keptForRouting(read);
    expect(kept).toEqual({
      ...read,
      division: { id: 'd-1', name: 'Home' },
      skills: [SKILL],
      languages: [LANGUAGE],
      groups: [{ id: 'g-1' }],
    });
    // What the run holds is the text of it: the links and states were most of it.
    expect(JSON.stringify(kept).length).toBeLessThan(JSON.stringify(read).length * 0.7);
    // A user read without expansions is kept as it came.
    const bare = user({ id: 'u-2' });
    expect(keptForRouting(bare)).toEqual(bare);
  });
});
