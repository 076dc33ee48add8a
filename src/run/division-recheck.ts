/**
 * A division move (`POST /api/v2/authorization/divisions/{id}/objects/USER`) carries no version, so the platform
 * cannot refuse one that undoes a move someone else made after the plan, as it refuses a stale PATCH. Just before
 * each move call its users are read again (one `GET /api/v2/users?id=…` for the call's users), and each is judged
 * as a profile field is on a version conflict (run/apply.ts).
 */
import type { ApiFailure, GenesysUser } from '../genesys/types.js';
import type { Executor, UsersPort } from './ports.js';

/** Ids per read when the platform refuses a call's 50 at once (how many one GET takes is not documented). */
const FALLBACK_IDS_PER_GET = 25;

export interface DivisionVerdicts {
  /** Still where the plan found them: to move. */
  planned: string[];
  /** Already in the division the call moves to (someone else moved them there): no call needed. */
  already: string[];
  /** Not read back: deleted since the plan. */
  gone: string[];
  /** Moved elsewhere by someone else since the plan: the division they are in now, by name (else id). */
  foreign: Map<string, string>;
  attempts: number;
  /** The read failed: nothing is known, so nothing is moved. */
  failure?: ApiFailure;
}

/**
 * Reads `userIds` again and sorts them by where they are now against where the plan found them (`plannedFrom`):
 * what a move to `divisionId` would do to each.
 */
export async function recheckDivisions(
  users: Pick<UsersPort, 'getUsersByIds'>,
  executor: Executor,
  divisionId: string,
  userIds: readonly string[],
  plannedFrom: (userId: string) => string | undefined,
): Promise<DivisionVerdicts> {
  const verdicts: DivisionVerdicts = { planned: [], already: [], gone: [], foreign: new Map(), attempts: 0 };
  const found = new Map<string, GenesysUser>();
  const read = async (ids: readonly string[]): Promise<ApiFailure | undefined> => {
    const { outcome, attempts } = await executor.execute(() => users.getUsersByIds([...ids], { state: 'any' }));
    verdicts.attempts += attempts;
    if (!outcome.ok) return outcome;
    // Whether `state=any` lists deleted users is not documented: one that says so is as good as gone.
    for (const u of outcome.body.entities) if (u.state !== 'deleted') found.set(u.id, u);
    return undefined;
  };
  let failure = await read(userIds);
  if (failure?.status === 400 && userIds.length > FALLBACK_IDS_PER_GET) {
    failure = undefined;
    for (let i = 0; i < userIds.length && failure === undefined; i += FALLBACK_IDS_PER_GET) {
      failure = await read(userIds.slice(i, i + FALLBACK_IDS_PER_GET));
    }
  }
  if (failure !== undefined) return { ...verdicts, failure };
  for (const id of userIds) {
    const now = found.get(id)?.division;
    if (!found.has(id)) verdicts.gone.push(id);
    else if (now?.id === divisionId) verdicts.already.push(id);
    else if (now?.id === plannedFrom(id)) verdicts.planned.push(id);
    else verdicts.foreign.set(id, now?.name ?? now?.id ?? '(none)');
  }
  return verdicts;
}
