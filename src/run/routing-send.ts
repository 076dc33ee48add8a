/** The routing engine's calls as requests: what each sends, names and changes, and how a failure of one reads. */
import { morePages } from '../genesys/paging.js';
import type { EntityListing } from '../genesys/routing-types.js';
import type { ApiFailure, ApiOutcome } from '../genesys/types.js';
import type { RoutingCall } from '../plan/index.js';
import type { Executor, RoutingPort } from './ports.js';
import { MEMBERSHIP_ADAPTERS, ROUTING_PAGE_SIZE } from './routing-adapters.js';

/** The users a call changes: its own user, or the queue's or division's list. */
export function participants(call: RoutingCall): string[] {
  return 'userId' in call ? [call.userId] : call.userIds;
}

export function sendCall(port: RoutingPort, call: RoutingCall): Promise<ApiOutcome<unknown>> {
  switch (call.kind) {
    case 'skill-delete':
      return port.deleteUserRoutingSkill(call.userId, call.skillId);
    case 'skills-patch':
      return port.patchUserRoutingSkills(call.userId, call.body);
    case 'languages-patch':
      return port.patchUserRoutingLanguages(call.userId, call.body);
    case 'language-delete':
      return port.deleteUserRoutingLanguage(call.userId, call.languageId);
    case 'grants-add':
      return port.grantsBulk(call.userId, 'add', call.body.grants);
    case 'grants-remove':
      return port.grantsBulk(call.userId, 'remove', call.body.grants);
    case 'members':
      return MEMBERSHIP_ADAPTERS[call.of].write.send(port, call.entityId, call.userIds, call.remove);
    case 'division-move':
      return port.moveUsersToDivision(call.divisionId, call.userIds);
  }
}

/** The request a call is, for messages. */
function callLabel(call: RoutingCall): string {
  switch (call.kind) {
    case 'skill-delete':
      return 'DELETE /api/v2/users/{userId}/routingskills/{skillId}';
    case 'skills-patch':
      return 'PATCH /api/v2/users/{userId}/routingskills/bulk';
    case 'languages-patch':
      return 'PATCH /api/v2/users/{userId}/routinglanguages/bulk';
    case 'language-delete':
      return 'DELETE /api/v2/users/{userId}/routinglanguages/{languageId}';
    case 'grants-add':
      return 'POST /api/v2/authorization/subjects/{userId}/bulkadd';
    case 'grants-remove':
      return 'POST /api/v2/authorization/subjects/{userId}/bulkremove';
    case 'members':
      return MEMBERSHIP_ADAPTERS[call.of].write.route(call.remove);
    case 'division-move':
      return 'POST /api/v2/authorization/divisions/{divisionId}/objects/USER';
  }
}

export function describeFailure(call: RoutingCall, outcome: ApiFailure): { code: string; message: string } {
  const status = outcome.status === undefined ? 'no response' : `HTTP ${outcome.status}`;
  const unknownFate = outcome.kind === 'network' || outcome.kind === 'timeout' || outcome.kind === 'unexpected';
  const shared = participants(call).length > 1 ? ` (one call for ${participants(call).length} users)` : '';
  return {
    code: outcome.code ?? outcome.kind,
    message:
      `${callLabel(call)}${shared} failed (${status}): ${outcome.message}` +
      (unknownFate ? ' It may have been applied; `--resume` re-reads the user and settles it.' : ''),
  };
}

type ItemPages<T> = (page: { pageNumber: number; pageSize: number }) => Promise<ApiOutcome<EntityListing<T>>>;

/** All of a user's skills or languages, a page at a time (`list`); `gone`: the user no longer exists. */
export async function readAllItems<T>(
  executor: Executor,
  list: ItemPages<T>,
): Promise<({ items: T[] } | { gone: true } | { failure: ApiFailure }) & { attempts: number }> {
  const items: T[] = [];
  let attempts = 0;
  for (let pageNumber = 1; ; pageNumber++) {
    const r = await executor.execute(() => list({ pageNumber, pageSize: ROUTING_PAGE_SIZE }));
    attempts += r.attempts;
    if (!r.outcome.ok)
      return r.outcome.kind === 'not_found' ? { gone: true, attempts } : { failure: r.outcome, attempts };
    const body = r.outcome.body;
    items.push(...body.entities);
    if (!morePages(body, pageNumber, ROUTING_PAGE_SIZE, body.entities.length)) return { items, attempts };
  }
}

/** Whether a user no longer has a skill or a language, by reading all of them (`list`). */
export async function itemGone(
  executor: Executor,
  itemId: string,
  list: ItemPages<{ id: string }>,
): Promise<{ gone: boolean; attempts: number }> {
  const r = await readAllItems(executor, list);
  return { gone: 'items' in r && !r.items.some((l) => l.id === itemId), attempts: r.attempts };
}
