/**
 * Executing creations (update --create) and deletions (the rollback of a run that created users). A creation is
 * journaled before its POST is sent, and the POST is never sent twice: an answer that may have been lost (network,
 * timeout, 5xx) is settled by searching the email. Once every user exists, the rest of its row (the profile fields
 * the create body does not take, skills, queues, roles…) is planned against the user the platform returned and goes
 * with the other rows' writes; then each created user is read again, and that version is what a rollback compares
 * with before it deletes the user.
 */
import { join } from 'node:path';
import type { GenesysUser } from '../genesys/types.js';
import { mayHaveActed } from '../governor/index.js';
import {
  type Catalogue,
  catalogueResolvers,
  isRowProblem,
  needsOf,
  type PlanContext,
  planRouting,
  planUserChange,
} from '../plan/index.js';
import type { RunContext } from './context.js';
import type { WorkItem, WorkOutcome } from './engine.js';
import { Journal } from './journal.js';
import {
  LIFECYCLE_JOURNAL_FILE,
  type LifecycleRecord,
  type SavedCreate,
  type SavedDelete,
} from './lifecycle-journal.js';
import type { CreatedIds } from './new-managers.js';
import type { LifecycleWork, Part } from './outcome.js';
import { forEachPooled, type PoolSizing, poolSize } from './pool.js';
import { projectionOf, resolveUsers, UserIndex } from './resolve.js';
import { emptyRoutingCost, readCurrentRouting } from './routing.js';
import type { RoutingOutcome, RoutingWork } from './routing-engine.js';

export interface CreateItem {
  rowNumber: number;
  spec: SavedCreate;
  /** Created by an earlier attempt of the run (a resume): its id. */
  userId?: string;
  /** An earlier attempt's POST has no outcome: the email is searched before anything is sent. */
  pending?: boolean;
  /** An earlier attempt applied the rest of the row: only the invitation may be left. */
  complete?: boolean;
  /** An earlier attempt sent (or may have sent) the invitation: never sent again. */
  invited?: boolean;
}

export interface CreateWork extends LifecycleWork {
  kind: 'create';
  items: CreateItem[];
  invite: boolean;
  catalogue?: Catalogue;
}

export interface DeleteWork extends LifecycleWork {
  kind: 'delete';
  items: SavedDelete[];
  rollbackOf: string;
}

export function createWork(items: CreateItem[], invite: boolean, catalogue?: Catalogue): CreateWork {
  return { kind: 'create', rows: new Set(items.map((i) => i.rowNumber)), items, invite, catalogue };
}

export function deleteWork(items: SavedDelete[], rollbackOf: string): DeleteWork {
  return { kind: 'delete', rows: new Set(items.map((i) => i.rowNumber)), items, rollbackOf };
}

type RowResult = Part | { interrupted: true; inFlight: boolean };

export interface LifecycleExecution {
  /** The created rows' PATCHes and routing, to go with the other rows' writes. */
  items: WorkItem[];
  routing: RoutingWork[];
  /** After those writes: reads the created users again, journals their version, sends the invitations. */
  finish(profile: Map<number, WorkOutcome>, routing: Map<number, RoutingOutcome>): Promise<Map<number, RowResult>>;
  close(): Promise<void>;
}

/** How often, and after how long, a lost creation's email is searched: a search index may lag behind a write. */
const SEARCH_WAITS_MS = [0, 1000, 3000];

const now = () => new Date().toISOString();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startLifecycle(
  ctx: RunContext,
  dir: string,
  work: LifecycleWork,
  /** How the rest of a created user's row resolves its manager and locations. */
  planContext: PlanContext,
  /** Filled with each created user's id by email, before the rest of any row is planned (see new-managers.ts). */
  created: CreatedIds = new Map(),
): Promise<LifecycleExecution> {
  const journal = await Journal.open<LifecycleRecord>(join(dir, LIFECYCLE_JOURNAL_FILE));
  const typed = work as CreateWork | DeleteWork;
  try {
    const run =
      typed.kind === 'create'
        ? await runCreates(ctx, journal, typed, planContext, created)
        : await runDeletes(ctx, journal, typed);
    return { ...run, close: () => journal.close() };
  } catch (err) {
    await journal.close();
    throw err;
  }
}

/** The first user the platform has with this email (deleted ones left out), or undefined; a failed search throws. */
async function findByEmail(ctx: RunContext, email: string): Promise<{ user?: GenesysUser; attempts: number }> {
  const { outcome, attempts } = await ctx.governor.execute(() =>
    ctx.client.searchUsers({ query: [{ type: 'EXACT', fields: ['email'], values: [email] }], pageSize: 25 }),
  );
  if (!outcome.ok) return { attempts };
  const user = outcome.body.results.find((u) => u.email?.toLowerCase() === email && u.state !== 'deleted');
  return { user, attempts };
}

async function runCreates(
  ctx: RunContext,
  journal: Journal<LifecycleRecord>,
  work: CreateWork,
  planContext: PlanContext,
  created: CreatedIds,
): Promise<Omit<LifecycleExecution, 'close'>> {
  const results = new Map<number, RowResult>();
  const unsettled = new Set<number>();
  /** Users that exist now, and whether this attempt created them (then they have no assignments yet). */
  const existing: { item: CreateItem; user: GenesysUser; fresh: boolean; attempts: number }[] = [];
  const failed = (item: CreateItem, attempts: number, errorCode: string, message: string, userId?: string) =>
    results.set(item.rowNumber, { status: 'failed', attempts, errorCode, message, ...(userId ? { userId } : {}) });
  const journalCreated = async (item: CreateItem, user: GenesysUser, via: 'response' | 'search') =>
    journal.append({ t: 'created', at: now(), row: item.rowNumber, userId: user.id, version: user.version, via });

  const createOne = async (item: CreateItem) => {
    const { email, body } = item.spec;
    let attempts = 0;
    if (item.userId !== undefined) {
      const read = await ctx.governor.execute(() => ctx.client.getUser(item.userId!));
      attempts += read.attempts;
      if (read.outcome.ok) existing.push({ item, user: read.outcome.body, fresh: false, attempts });
      else if (read.outcome.kind === 'not_found')
        results.set(item.rowNumber, {
          status: 'not_found',
          attempts,
          errorCode: 'not_found',
          message: `the user this run created (${item.userId}) no longer exists`,
          userId: item.userId,
        });
      else failed(item, attempts, read.outcome.code ?? read.outcome.kind, read.outcome.message, item.userId);
      return;
    }
    if (item.pending) {
      // An earlier attempt's POST may have landed: find it rather than send another.
      const found = await findByEmail(ctx, email);
      attempts += found.attempts;
      if (found.user) {
        await journalCreated(item, found.user, 'search');
        existing.push({ item, user: found.user, fresh: false, attempts });
        return;
      }
    }
    await journal.append({ t: 'create', at: now(), row: item.rowNumber, email, body });
    unsettled.add(item.rowNumber);
    const sent = await ctx.governor.execute(() => ctx.client.createUser(body), { unrepeatable: true });
    attempts += sent.attempts;
    const { outcome } = sent;
    if (outcome.ok) {
      await journalCreated(item, outcome.body, 'response');
      unsettled.delete(item.rowNumber);
      existing.push({ item, user: outcome.body, fresh: true, attempts });
      return;
    }
    if (mayHaveActed(outcome)) {
      // The answer is lost, not the request: the user may exist. Its email says; a second POST never does.
      for (const wait of SEARCH_WAITS_MS) {
        if (wait > 0) await sleep(wait);
        const found = await findByEmail(ctx, email);
        attempts += found.attempts;
        if (found.user) {
          await journalCreated(item, found.user, 'search');
          unsettled.delete(item.rowNumber);
          existing.push({ item, user: found.user, fresh: true, attempts });
          return;
        }
      }
      unsettled.delete(item.rowNumber);
      // The intent stays without an outcome: a resume searches again before it sends anything.
      failed(
        item,
        attempts,
        'create_unsettled',
        `the answer to the creation was lost (${outcome.message}) and no user with this email is found yet; ` +
          'resume the run later: it searches the email again and creates the user only if it is still missing',
      );
      return;
    }
    unsettled.delete(item.rowNumber);
    const taken = await findByEmail(ctx, email);
    attempts += taken.attempts;
    const [code, message] = taken.user
      ? [
          'email_taken',
          `a user with this email exists (${taken.user.id}): created by someone else after the plan; run the file again to update it`,
        ]
      : [outcome.code ?? outcome.kind, `the platform refused the creation: ${outcome.message}`];
    await journal.append({ t: 'create-failed', at: now(), row: item.rowNumber, errorCode: code, message });
    failed(item, attempts, code, message);
  };

  const toCreate = work.items.filter((i) => !i.complete);
  if (toCreate.length > 0) ctx.log.info({ users: toCreate.length }, 'Creating users');
  await eachUntilStopped(ctx, toCreate, createOne);
  await journal.flush();
  for (const e of existing) created.set(e.item.spec.email.toLowerCase(), e.user.id);

  // The rest of each row, planned against the user as it is now. A user this attempt created has no skills,
  // languages or queues yet; its grants are read, since an organisation may give new users default roles.
  const items: WorkItem[] = [];
  const routing: RoutingWork[] = [];
  const resolvers = work.catalogue ? catalogueResolvers(work.catalogue) : undefined;
  const withRouting = existing.filter((e) => e.item.spec.changes.routing !== undefined && resolvers);
  const read = await readCurrentRouting(
    ctx.routingReads(emptyRoutingCost()),
    withRouting.map((e) => {
      const needs = needsOf(e.item.spec.changes.routing!, resolvers!);
      return { user: e.user, needs: e.fresh ? { ...needs, skills: false, languages: false, members: {} } : needs };
    }),
  );
  for (const e of existing) {
    const { rowNumber } = e.item;
    const { changes } = e.item.spec;
    results.set(rowNumber, { status: 'created', attempts: e.attempts, userId: e.user.id });
    try {
      if (planUserChange(e.user, changes, planContext).diffs.length > 0)
        items.push({ rowNumber, user: e.user, changes });
      if (changes.routing !== undefined && resolvers) {
        const current = read.current.get(e.user.id);
        if (!current) {
          results.set(rowNumber, {
            status: 'not_found',
            attempts: e.attempts,
            errorCode: 'not_found',
            message: 'the user was deleted while the run applied its row',
            userId: e.user.id,
          });
          continue;
        }
        const plan = planRouting(current, changes.routing, resolvers);
        if (plan.diffs.length > 0) routing.push({ rowNumber, userId: e.user.id, plan, justRead: true });
      }
    } catch (err) {
      if (!isRowProblem(err)) throw err;
      failed(e.item, e.attempts, err.code, `created, but the rest of the row cannot apply: ${err.message}`, e.user.id);
    }
  }

  return {
    items,
    routing,
    finish: async (profile, routingDone) => {
      for (const item of work.items)
        if (!results.has(item.rowNumber) && !item.complete)
          results.set(item.rowNumber, { interrupted: true, inFlight: unsettled.has(item.rowNumber) });
      const stopped = (o: WorkOutcome | RoutingOutcome | undefined) => o !== undefined && 'interrupted' in o;
      // A user whose rest was applied (or failed) is read again: that version is what a rollback compares with.
      const settled = existing.filter(
        (e) => !stopped(profile.get(e.item.rowNumber)) && !stopped(routingDone.get(e.item.rowNumber)),
      );
      // Only their versions are read from them.
      const ids = new Set(settled.map((e) => e.user.id));
      const project = projectionOf([]);
      const index = new UserIndex(project, ids);
      if (settled.length > 0 && !ctx.stopSignal?.aborted)
        await resolveUsers({ ...ctx.userReads(), project }, ids, new Set(), index);
      for (const e of settled) {
        const user = index.byId.get(e.user.id);
        if (user)
          await journal.append({
            t: 'complete',
            at: now(),
            row: e.item.rowNumber,
            userId: user.id,
            version: user.version,
          });
      }
      if (work.invite) await sendInvites(ctx, journal, work, settled, results, profile, routingDone);
      await journal.flush();
      return results;
    },
  };
}

/** Sends the platform's invitation to each created user whose whole row was applied, once. */
async function sendInvites(
  ctx: RunContext,
  journal: Journal<LifecycleRecord>,
  work: CreateWork,
  settled: readonly { item: CreateItem; user: GenesysUser }[],
  results: Map<number, RowResult>,
  profile: Map<number, WorkOutcome>,
  routing: Map<number, RoutingOutcome>,
): Promise<void> {
  const whole = (row: number) => {
    const p = profile.get(row);
    const r = routing.get(row);
    const part = results.get(row);
    return (
      (!p || ('status' in p && p.status !== 'failed' && p.status !== 'not_found')) &&
      (!r || ('status' in r && r.status !== 'failed')) &&
      part !== undefined &&
      'status' in part &&
      part.status === 'created'
    );
  };
  const itemOfRow = new Map(work.items.map((i) => [i.rowNumber, i]));
  const targets = [
    ...settled.map((e) => ({ row: e.item.rowNumber, userId: e.user.id })),
    // Rows an earlier attempt completed but did not invite.
    ...work.items.filter((i) => i.complete && i.userId).map((i) => ({ row: i.rowNumber, userId: i.userId! })),
  ].filter((t) => {
    const item = itemOfRow.get(t.row);
    return item?.invited !== true && (whole(t.row) || item?.complete === true);
  });
  await forEachPooled(
    targets,
    poolSize(ctx.governor, ctx.maxConcurrency * 2),
    async ({ row, userId }) => {
      await journal.append({ t: 'invite', at: now(), row, userId });
      // An invitation whose answer is lost may have gone out: it is not sent again (one email per user).
      const { outcome, attempts } = await ctx.governor.execute(() => ctx.client.inviteUser(userId), {
        unrepeatable: true,
      });
      const before = results.get(row);
      const prior = before && 'status' in before ? before : { status: 'created' as const, attempts: 0, userId };
      if (outcome.ok) {
        await journal.append({ t: 'invited', at: now(), row, userId, ok: true });
        results.set(row, { ...prior, attempts: prior.attempts + attempts });
        return;
      }
      const message = `created, but the invitation was not sent: ${outcome.message}`;
      const errorCode = mayHaveActed(outcome) ? 'invite_unsettled' : 'invite_failed';
      await journal.append({ t: 'invited', at: now(), row, userId, ok: false, errorCode, message });
      results.set(row, { status: 'failed', attempts: prior.attempts + attempts, errorCode, message, userId });
    },
    ctx.stopSignal,
  );
}

async function runDeletes(
  ctx: RunContext,
  journal: Journal<LifecycleRecord>,
  work: DeleteWork,
): Promise<Omit<LifecycleExecution, 'close'>> {
  const results = new Map<number, RowResult>();
  const unsettled = new Set<number>();
  const settle = async (item: SavedDelete, part: Part, status: 'deleted' | 'gone' | 'left' | 'failed') => {
    results.set(item.rowNumber, part);
    unsettled.delete(item.rowNumber);
    await journal.append({
      t: 'deleted',
      at: now(),
      row: item.rowNumber,
      userId: item.userId,
      status,
      ...(part.errorCode ? { errorCode: part.errorCode } : {}),
      ...(part.message ? { message: part.message } : {}),
    });
  };
  const deleteOne = async (item: SavedDelete) => {
    // Read just before the delete: a user someone changed since the plan is left, not deleted.
    const read = await ctx.governor.execute(() => ctx.client.getUser(item.userId));
    let attempts = read.attempts;
    const gone: Part = { status: 'unchanged', attempts, message: 'already deleted', userId: item.userId };
    if (!read.outcome.ok) {
      if (read.outcome.kind === 'not_found') return settle(item, gone, 'gone');
      const { code, kind, message } = read.outcome;
      return settle(item, { status: 'failed', attempts, errorCode: code ?? kind, message }, 'failed');
    }
    if (read.outcome.body.version !== item.version) {
      const message =
        `changed since run ${work.rollbackOf} created it (version ${read.outcome.body.version}, the run left it at ` +
        `${item.version}): not deleted; delete it in the admin UI if it should go`;
      return settle(item, { status: 'skipped', attempts, errorCode: 'changed_since', message }, 'left');
    }
    await journal.append({ t: 'delete', at: now(), row: item.rowNumber, userId: item.userId, version: item.version });
    unsettled.add(item.rowNumber);
    const sent = await ctx.governor.execute(() => ctx.client.deleteUser(item.userId));
    attempts += sent.attempts;
    // A retried DELETE whose first try landed meets a 404: the user is deleted either way.
    if (sent.outcome.ok || sent.outcome.kind === 'not_found')
      return settle(item, { status: 'deleted', attempts, userId: item.userId }, 'deleted');
    const { code, kind, message } = sent.outcome;
    return settle(item, { status: 'failed', attempts, errorCode: code ?? kind, message }, 'failed');
  };
  if (work.items.length > 0) ctx.log.info({ users: work.items.length }, 'Deleting users the rolled-back run created');
  await eachUntilStopped(ctx, work.items, deleteOne);
  await journal.flush();
  return {
    items: [],
    routing: [],
    finish: async () => {
      for (const item of work.items)
        if (!results.has(item.rowNumber))
          results.set(item.rowNumber, { interrupted: true, inFlight: unsettled.has(item.rowNumber) });
      return results;
    },
  };
}

/**
 * Each item through the pool at the governor's pace. A call the stop signal cut short ends its item quietly: what it
 * did is in the journal, and a resume settles it.
 */
function eachUntilStopped<T>(
  ctx: { governor: PoolSizing; maxConcurrency: number; stopSignal?: AbortSignal },
  items: readonly T[],
  one: (item: T) => Promise<unknown>,
): Promise<void> {
  return forEachPooled(
    items,
    poolSize(ctx.governor, ctx.maxConcurrency * 2),
    async (item) => {
      try {
        await one(item);
      } catch (err) {
        if (!ctx.stopSignal?.aborted) throw err;
      }
    },
    ctx.stopSignal,
  );
}
