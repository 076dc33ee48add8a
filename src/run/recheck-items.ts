/**
 * A user's skills and languages, read again just before the run writes them (recheck.ts does the same for the other
 * writes without a version). The tool's writes name only the items a row changes (`PATCH …/routingskills/bulk`,
 * `…/routinglanguages/bulk` and one `DELETE` per item, never the `PUT` that replaces the set), so an item someone
 * else added is kept by the write itself; what the re-read adds is that the call, and the journal a rollback goes
 * by, hold only what the run changes, with the value it changed it from.
 *
 * The users are read 100 a call (`GET /api/v2/users?id=…&expand=skills,languages`, as the plan's own read), a slice
 * at a time in the order their writes run, when the first of a slice's users reaches its first such write.
 */
import type { ApiFailure } from '../genesys/types.js';
import { type CallRealises, chunk, type RoutingCall, sameProficiency, showProficiency } from '../plan/index.js';
import type { Executor, RoutingPort, UsersPort } from './ports.js';
import type { SizeStep } from './resolve.js';
import { EXPANDED_IDS_PER_CALL, type ExpandedRead, readExpandedByIds } from './routing-expand.js';
import { readAllItems } from './routing-send.js';

export type ItemCall = Extract<
  RoutingCall,
  { kind: 'skills-patch' | 'skill-delete' | 'languages-patch' | 'language-delete' }
>;
export type ItemsKind = 'skills' | 'languages';

export function itemsKindOf(call: RoutingCall): ItemsKind | undefined {
  if (call.kind === 'skills-patch' || call.kind === 'skill-delete') return 'skills';
  if (call.kind === 'languages-patch' || call.kind === 'language-delete') return 'languages';
  return undefined;
}

/** An item someone else changed between the plan and the write: its value now, and the one the call sets. */
export interface ForeignItem {
  field: string;
  now: string | null;
  after: string | null;
}

export interface ItemsVerdict {
  /** What is left to send, its before-values those found now; undefined: nothing (every item is as the call sets it). */
  call?: ItemCall;
  /** Changed by someone else since the plan: in `call` (the file wins), or left out of it with `keepForeign`. */
  foreign: ForeignItem[];
}

/**
 * Narrows a skills or languages call to what still changes the user, from its items now. An item already as the call
 * sets it is left out (and so out of the journal: a rollback leaves it). One that holds what the plan found goes as
 * planned. One that holds anything else was changed by someone else: with `keepForeign` (a rollback) it is left as
 * they set it; otherwise the file's value is sent, and the journal's before-value is theirs, so that a rollback puts
 * back their value (or removes the item they had removed, rather than restoring it).
 */
export function judgeItems(
  call: ItemCall,
  now: readonly { id: string; proficiency: number }[],
  keepForeign = false,
): ItemsVerdict {
  const found = new Map(now.map((i) => [i.id, i.proficiency]));
  const diffs = call.realises[0]!.diffs;
  const patch = call.kind === 'skills-patch' || call.kind === 'languages-patch';
  const anyProficiency = new Set(patch ? call.anyProficiency : []);
  const targets = patch
    ? call.body.map((ref) => ({ id: ref.id, proficiency: ref.proficiency as number | undefined }))
    : [{ id: call.kind === 'skill-delete' ? call.skillId : call.languageId, proficiency: undefined }];
  const foreign: ForeignItem[] = [];
  const keep: number[] = [];
  const before = new Map<number, string | null>();
  for (const [i, target] of targets.entries()) {
    const diff = diffs[i]!;
    const value = found.get(target.id);
    // A removal is done when the item is gone; an item the row named without a proficiency, when it is there at all.
    const already =
      target.proficiency === undefined
        ? value === undefined
        : value !== undefined && (anyProficiency.has(target.id) || sameProficiency(value, target.proficiency));
    if (already) continue;
    const shown = value === undefined ? null : showProficiency(value);
    if (shown !== diff.before) {
      foreign.push({ field: diff.field, now: shown, after: diff.after });
      if (keepForeign) continue;
      before.set(i, shown);
    }
    keep.push(i);
  }
  if (keep.length === 0) return { foreign };
  const realises: CallRealises[] = [
    {
      userId: call.userId,
      diffs: keep.map((i) => (before.has(i) ? { ...diffs[i]!, before: before.get(i)! } : diffs[i]!)),
    },
  ];
  if (call.kind === 'skills-patch' || call.kind === 'languages-patch') {
    const body = keep.map((i) => call.body[i]!);
    const any = body.filter((ref) => anyProficiency.has(ref.id)).map((ref) => ref.id);
    const { anyProficiency: _, ...rest } = call;
    return { call: { ...rest, body, ...(any.length > 0 ? { anyProficiency: any } : {}), realises }, foreign };
  }
  return { call: { ...call, realises }, foreign };
}

export type ItemsNow =
  | { items: { id: string; proficiency: number }[] }
  | { gone: true }
  | { failure: ApiFailure; route: string };

interface Slice {
  ids: string[];
  expand: ItemsKind[];
  read?: Promise<ExpandedRead>;
}

/**
 * The skills and languages of the users whose writes are to come (`targets`, in the order those writes run), read
 * a slice of 100 users at a time. A user the answer leaves out, or gives without the kind (the platform calls
 * expansions best effort), or all of a slice whose read is refused as invalid, is read alone
 * (`GET /api/v2/users/{id}/routingskills`, `…/routinglanguages`), as the plan's read does.
 */
export class ItemsRecheck {
  private readonly sliceOf = new Map<string, Slice>();
  /** Users whose share of their slice's read is counted already. */
  private readonly charged = new Set<string>();
  private readonly alone = new Map<string, Promise<ItemsNow & { attempts: number }>>();
  private readonly step: SizeStep = { at: 0 };

  constructor(
    private readonly deps: {
      users: Pick<UsersPort, 'getUsersByIds'>;
      port: Pick<RoutingPort, 'getUserRoutingSkills' | 'getUserRoutingLanguages'>;
      executor: Executor;
    },
    targets: readonly { userId: string; kind: ItemsKind }[],
  ) {
    const kinds = new Map<string, Set<ItemsKind>>();
    for (const { userId, kind } of targets) {
      const had = kinds.get(userId);
      if (had) had.add(kind);
      else kinds.set(userId, new Set([kind]));
    }
    for (const ids of chunk([...kinds.keys()], EXPANDED_IDS_PER_CALL)) {
      const wanted = new Set(ids.flatMap((id) => [...kinds.get(id)!]));
      const slice: Slice = { ids, expand: (['skills', 'languages'] as const).filter((k) => wanted.has(k)) };
      for (const id of ids) this.sliceOf.set(id, slice);
    }
  }

  /** The user's items of `kind` now; `attempts`: the HTTP attempts this user's share comes to (its slice's read once). */
  async now(userId: string, kind: ItemsKind): Promise<ItemsNow & { attempts: number }> {
    const slice = this.sliceOf.get(userId);
    if (slice === undefined) throw new Error(`User ${userId} has no ${kind} to read again.`);
    slice.read ??= readExpandedByIds(
      this.deps.users,
      this.deps.executor,
      slice.ids,
      slice.expand,
      undefined,
      this.step,
    );
    const r = await slice.read;
    const attempts = this.charged.has(userId) ? 0 : r.attempts;
    this.charged.add(userId);
    if ('failure' in r) {
      return { failure: r.failure, route: 'GET /api/v2/users?id=…&expand=skills,languages', attempts };
    }
    const given = 'found' in r ? r.found.get(userId)?.[kind] : undefined;
    if (given !== undefined) return { items: given, attempts };
    const key = `${userId}\u0000${kind}`;
    let read = this.alone.get(key);
    if (read === undefined) {
      read = this.readAlone(userId, kind);
      this.alone.set(key, read);
      const own = await read;
      return { ...own, attempts: attempts + own.attempts };
    }
    return { ...(await read), attempts };
  }

  private async readAlone(userId: string, kind: ItemsKind): Promise<ItemsNow & { attempts: number }> {
    const { port, executor } = this.deps;
    const r =
      kind === 'skills'
        ? await readAllItems(executor, (page) => port.getUserRoutingSkills(userId, page))
        : await readAllItems(executor, (page) => port.getUserRoutingLanguages(userId, page));
    if ('failure' in r) {
      return {
        failure: r.failure,
        route: `GET /api/v2/users/{userId}/${kind === 'skills' ? 'routingskills' : 'routinglanguages'}`,
        attempts: r.attempts,
      };
    }
    return r;
  }
}
