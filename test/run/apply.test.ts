import { describe, expect, it } from 'vitest';
import type { GenesysUser, UserPatch } from '../../src/genesys/types.js';
import { GovernorStoppedError } from '../../src/governor/index.js';
import type { ProfileChanges } from '../../src/input/index.js';
import { applyPatch } from '../../src/plan/index.js';
import { type ApplyDeps, applyUserChange, MAX_CONFLICT_ROUNDS, withoutField } from '../../src/run/apply.js';
import type { Executor } from '../../src/run/ports.js';
import { fail, ok, passThrough, retrying, ScriptedUsers, user } from './fakes.js';

const managerId = () => undefined;

/** The platform's side of one user: PATCHes apply with a version check, as the real one does. */
class Server {
  constructor(public current: GenesysUser) {}
  patch(patch: UserPatch) {
    if (patch.version !== this.current.version) return fail('conflict', 409, 'general.conflict');
    this.current = applyPatch(this.current, patch);
    return ok(structuredClone(this.current));
  }
  /** Someone else changes the user. */
  edit(fields: Partial<GenesysUser>) {
    this.current = { ...this.current, ...fields, version: this.current.version + 1 };
  }
  get = () => ok(structuredClone(this.current));
}

function deps(users: ScriptedUsers, executor: Executor = passThrough) {
  const intents: { version: number; patch: UserPatch }[] = [];
  const d: ApplyDeps = {
    users,
    executor,
    managerId,
    beforeWrite: (_u, patch) => {
      intents.push({ version: patch.version, patch: structuredClone(patch) });
    },
  };
  return { deps: d, intents };
}

const TITLE: ProfileChanges = { title: 'Team Lead' };

describe('applyUserChange', () => {
  it('writes only the changed fields with the current version', async () => {
    const server = new Server(user());
    const users = new ScriptedUsers([(_id, p) => server.patch(p)]);
    const { deps: d, intents } = deps(users);
    const r = await applyUserChange(d, user(), TITLE);
    expect(r).toMatchObject({ status: 'updated', writes: 1, attempts: 1, conflictRounds: 0 });
    expect(users.patches).toEqual([{ id: 'u-1', patch: { title: 'Team Lead', version: 7 } }]);
    expect(intents).toHaveLength(1);
    expect(r.user.version).toBe(8);
  });

  it('an address the platform stores in a case of its own is written once, not reported stuck nor sent again', async () => {
    const server = new Server(user({ email: 'ann@example.com' }));
    const folding = (_id: string, p: UserPatch) =>
      server.patch(p.email === undefined ? p : { ...p, email: p.email.toLowerCase() });
    const users = new ScriptedUsers([folding]);
    const r = await applyUserChange(deps(users).deps, user({ email: 'ann@example.com' }), {
      email: 'Ann.Smith@Example.com',
      title: 'Team Lead',
    });
    expect(r).toMatchObject({ status: 'updated', writes: 1 });
    expect(r.failure).toBeUndefined();
    expect(server.current).toMatchObject({ email: 'ann.smith@example.com', title: 'Team Lead' });
  });

  it('on a version conflict re-reads and re-plans: an edit to another field survives, with no note', async () => {
    const server = new Server(user());
    const users = new ScriptedUsers(
      [
        (_id, p) => {
          server.edit({ department: 'Billing' });
          return server.patch(p);
        },
        (_id, p) => server.patch(p),
      ],
      [server.get],
    );
    const { deps: d, intents } = deps(users);
    const r = await applyUserChange(d, user(), TITLE);
    expect(r).toMatchObject({ status: 'updated', writes: 1, conflictRounds: 1 });
    expect(r.conflict).toBeUndefined();
    // The re-plan sends the title alone, at the version the re-read returned.
    expect(users.patches.map((p) => p.patch)).toEqual([
      { title: 'Team Lead', version: 7 },
      { title: 'Team Lead', version: 8 },
    ]);
    expect(users.gets).toEqual(['u-1']);
    expect(server.current).toMatchObject({ title: 'Team Lead', department: 'Billing', version: 9 });
    expect(intents.map((i) => i.version)).toEqual([7, 8]);
  });

  it('on a conflict over a field the row sets, the file wins and the note carries the other value', async () => {
    const server = new Server(user());
    const users = new ScriptedUsers(
      [
        (_id, p) => {
          server.edit({ title: 'Supervisor' });
          return server.patch(p);
        },
        (_id, p) => server.patch(p),
      ],
      [server.get],
    );
    const r = await applyUserChange(deps(users).deps, user(), TITLE);
    expect(r.status).toBe('updated');
    expect(server.current.title).toBe('Team Lead');
    expect(r.conflict).toBe(
      'title was set to "Supervisor" by someone else after the plan; the file\'s value was applied',
    );
    // The report's diffs are the plan's: what the row changed from.
    expect(r.diffs).toEqual([{ field: 'title', before: 'Agent', after: 'Team Lead' }]);
  });

  it('a lost response (network) whose write landed is updated with exactly one write sent', async () => {
    const server = new Server(user());
    const users = new ScriptedUsers(
      [
        (_id, p) => {
          server.patch(p);
          return fail('network', undefined, 'ECONNRESET');
        },
      ],
      [server.get],
    );
    const { deps: d, intents } = deps(users);
    const r = await applyUserChange(d, user(), TITLE);
    expect(r.status).toBe('updated');
    expect(r.failure).toBeUndefined();
    expect(users.patches).toHaveLength(1);
    expect(users.gets).toHaveLength(1);
    expect(intents).toHaveLength(1);
    expect(r.user.version).toBe(8);
  });

  it('a lost response retried by the governor meets a conflict with itself: updated, one write applied', async () => {
    const server = new Server(user());
    let applied = 0;
    const users = new ScriptedUsers(
      [
        (_id, p) => {
          applied++;
          server.patch(p);
          return fail('network', undefined, 'ECONNRESET');
        },
        (_id, p) => server.patch(p),
      ],
      [server.get],
    );
    const { deps: d, intents } = deps(users, retrying(['network']));
    const r = await applyUserChange(d, user(), TITLE);
    expect(r).toMatchObject({ status: 'updated', conflictRounds: 1 });
    expect(r.conflict).toBeUndefined();
    expect(applied).toBe(1);
    expect(server.current.version).toBe(8);
    // Two attempts of one write: one intent.
    expect(users.patches).toHaveLength(2);
    expect(intents).toHaveLength(1);
  });

  it('a lost response whose write did not land, with the platform not answering, fails rather than loops', async () => {
    const server = new Server(user());
    const users = new ScriptedUsers([() => fail('timeout')], [server.get]);
    const r = await applyUserChange(deps(users).deps, user(), TITLE);
    expect(r.status).toBe('failed');
    expect(r.failure?.kind).toBe('timeout');
    expect(users.patches).toHaveLength(1);
  });

  it('a write the platform accepts but does not apply fails as not.applied after one write', async () => {
    const server = new Server(user());
    const users = new ScriptedUsers([
      (_id, p) => ok({ ...server.current, version: p.version + 1 }), // title unchanged
    ]);
    const r = await applyUserChange(deps(users).deps, user(), TITLE);
    expect(r.status).toBe('failed');
    expect(r.failure).toMatchObject({ kind: 'invalid', code: 'not.applied' });
    expect(r.failure?.message).toMatch(/title kept the old value/);
    expect(users.patches).toHaveLength(1);
  });

  it('a 409 sent with the current version (not a version conflict) fails at once, not after 10 rounds', async () => {
    const server = new Server(user());
    const users = new ScriptedUsers([() => fail('conflict', 409, 'general.conflict')], [server.get]);
    const r = await applyUserChange(deps(users).deps, user(), { email: 'taken@example.com' });
    expect(r.status).toBe('failed');
    expect(r.failure?.kind).toBe('conflict');
    expect(users.patches).toHaveLength(1);
    expect(users.gets).toHaveLength(1);
  });

  it('gives up after MAX_CONFLICT_ROUNDS re-reads when every write meets a new edit', async () => {
    const server = new Server(user());
    const conflictEveryTime = (_id: string, p: UserPatch) => {
      server.edit({ department: `Edit ${server.current.version}` });
      return server.patch(p);
    };
    const users = new ScriptedUsers(
      Array(MAX_CONFLICT_ROUNDS + 1).fill(conflictEveryTime),
      Array(MAX_CONFLICT_ROUNDS).fill(server.get),
    );
    const r = await applyUserChange(deps(users).deps, user(), TITLE);
    expect(r.status).toBe('failed');
    expect(r.conflictRounds).toBe(MAX_CONFLICT_ROUNDS + 1);
    expect(users.patches).toHaveLength(MAX_CONFLICT_ROUNDS + 1);
    expect(users.gets).toHaveLength(MAX_CONFLICT_ROUNDS);
  });

  it('sends state alone after the profile, with the version the profile PATCH returned', async () => {
    const server = new Server(user());
    const users = new ScriptedUsers([(_id, p) => server.patch(p), (_id, p) => server.patch(p)]);
    const r = await applyUserChange(deps(users).deps, user(), { title: 'Team Lead', state: 'inactive' });
    expect(r).toMatchObject({ status: 'updated', writes: 2 });
    expect(users.patches.map((p) => p.patch)).toEqual([
      { title: 'Team Lead', version: 7 },
      { state: 'inactive', version: 8 },
    ]);
    expect(server.current).toMatchObject({ title: 'Team Lead', state: 'inactive', version: 9 });
  });

  it('a user that already has the values is unchanged, with no write and no intent', async () => {
    const users = new ScriptedUsers([]);
    const { deps: d, intents } = deps(users);
    const r = await applyUserChange(d, user({ title: 'Team Lead' }), TITLE);
    expect(r.status).toBe('unchanged');
    expect(intents).toHaveLength(0);
  });

  it('journals no intent for a write the governor refused to start (stopped)', async () => {
    const users = new ScriptedUsers([]);
    const stopped: Executor = {
      execute: () => Promise.reject(new GovernorStoppedError(0)),
    };
    const { deps: d, intents } = deps(users, stopped);
    await expect(applyUserChange(d, user(), TITLE)).rejects.toBeInstanceOf(GovernorStoppedError);
    expect(intents).toHaveLength(0);
    expect(users.patches).toHaveLength(0);
  });

  it('sends no write when its intent cannot be journaled', async () => {
    const users = new ScriptedUsers([]);
    const d: ApplyDeps = {
      users,
      executor: passThrough,
      managerId,
      beforeWrite: () => Promise.reject(new Error('disk full')),
    };
    await expect(applyUserChange(d, user(), TITLE)).rejects.toThrow('disk full');
    expect(users.patches).toHaveLength(0);
  });

  describe('keepForeignEdits (rollback)', () => {
    it('leaves a field someone else changed after the plan and reports it as skipped', async () => {
      const server = new Server(user({ title: 'Run Title' }));
      const users = new ScriptedUsers(
        [
          (_id, p) => {
            server.edit({ title: 'Newer Title' });
            return server.patch(p);
          },
        ],
        [server.get],
      );
      const r = await applyUserChange(
        { ...deps(users).deps },
        user({ title: 'Run Title' }),
        { title: 'Agent' },
        { keepForeignEdits: true },
      );
      expect(r.status).toBe('skipped');
      expect(r.kept).toBe('changed by someone else after the plan, left as is: title is now "Newer Title"');
      expect(r.conflict).toBeUndefined();
      expect(server.current.title).toBe('Newer Title');
      expect(users.patches).toHaveLength(1);
    });

    it('still restores the other fields of the row', async () => {
      const server = new Server(user({ title: 'Run Title', department: 'Run Dept' }));
      const users = new ScriptedUsers(
        [
          (_id, p) => {
            server.edit({ title: 'Newer Title' });
            return server.patch(p);
          },
          (_id, p) => server.patch(p),
        ],
        [server.get],
      );
      const r = await applyUserChange(
        deps(users).deps,
        user({ title: 'Run Title', department: 'Run Dept' }),
        { title: 'Agent', department: 'Sales' },
        { keepForeignEdits: true },
      );
      expect(r.status).toBe('updated');
      expect(r.kept).toMatch(/title is now "Newer Title"/);
      expect(users.patches[1]!.patch).toEqual({ department: 'Sales', version: 8 });
      expect(server.current).toMatchObject({ title: 'Newer Title', department: 'Sales' });
    });
  });

  describe('on a resume (baseline, wroteBefore)', () => {
    const baseline = [{ field: 'title', before: 'Agent', after: 'Team Lead' }];

    it("a row whose write landed before the stop is updated, with the plan's diffs and no write", async () => {
      const users = new ScriptedUsers([]);
      const r = await applyUserChange(deps(users).deps, user({ title: 'Team Lead', version: 8 }), TITLE, {
        baseline,
        wroteBefore: true,
      });
      expect(r.status).toBe('updated');
      expect(r.diffs).toEqual(baseline);
      expect(users.patches).toHaveLength(0);
    });

    it('an edit by someone else while the run was stopped is still a conflict', async () => {
      const server = new Server(user({ title: 'Supervisor', version: 8 }));
      const users = new ScriptedUsers([(_id, p) => server.patch(p)]);
      const r = await applyUserChange(deps(users).deps, user({ title: 'Supervisor', version: 8 }), TITLE, {
        baseline,
      });
      expect(r.status).toBe('updated');
      expect(r.conflict).toMatch(/title was set to "Supervisor"/);
      expect(r.diffs).toEqual(baseline);
    });
  });
});

describe('withoutField', () => {
  it('drops one change of each kind and keeps the rest', () => {
    const changes: ProfileChanges = {
      title: 'T',
      department: null,
      manager: { kind: 'id', id: 'm' },
      employerInfo: { employeeId: 'E1', dateHire: '2020-01-01' },
      phones: { mobile: '+1555', work: null },
      state: 'inactive',
    };
    expect(withoutField(changes, 'title')).not.toHaveProperty('title');
    expect(withoutField(changes, 'department')).not.toHaveProperty('department');
    expect(withoutField(changes, 'manager')).not.toHaveProperty('manager');
    expect(withoutField(changes, 'state')).not.toHaveProperty('state');
    expect(withoutField(changes, 'employerInfo.employeeId').employerInfo).toEqual({ dateHire: '2020-01-01' });
    expect(withoutField(changes, 'phone.work').phones).toEqual({ mobile: '+1555' });
    // The original is not modified.
    expect(changes.phones).toEqual({ mobile: '+1555', work: null });
  });
});
