/**
 * What the run layer does for the profile fields that need more than a PATCH: the expansions a read must ask for
 * (`locations`, `profileSkills` and `certifications` are missing from a user read without them), the locations
 * catalogue that location names resolve against, and the extension permission named in a refusal.
 */
import { morePages } from '../genesys/paging.js';
import type { GenesysUser, LocationDefinition, UserPatch } from '../genesys/types.js';
import type { InputRow, ProfileChanges } from '../input/index.js';
import { LIST_FIELDS } from '../plan/fields.js';
import type { LocationContext } from '../plan/profile-lists.js';
import { nearest } from '../suggest.js';
import { fatalApiError } from './api-errors.js';
import { type RowProblem, rowProblem } from './checks.js';
import type { Executor, UsersPort } from './ports.js';

/** Locations per catalogue page. */
export const LOCATIONS_PAGE_SIZE = 100;
/** Named in the failure of a write that sets an extension, whatever the platform's message says. */
export const EXTENSION_PERMISSION = 'telephony:extension:assign';

/** The expansions that the changes (input change keys, or diff fields) read. */
export function expansionsFor(keys: Iterable<string>): string[] {
  const wanted = new Set<string>();
  for (const k of keys) {
    if ((LIST_FIELDS as readonly string[]).includes(k)) wanted.add(k);
    if (k === 'restoreLocations') wanted.add('locations');
  }
  return LIST_FIELDS.filter((f) => wanted.has(f));
}

/** The expansions the rows of a saved plan read. */
export function expansionsOfChanges(changes: Iterable<ProfileChanges>): string[] {
  return expansionsFor(changeKeysOf(changes));
}

/** Every change key the changes use. */
export function changeKeysOf(changes: Iterable<ProfileChanges>): Set<string> {
  const keys = new Set<string>();
  for (const c of changes) for (const k of Object.keys(c)) keys.add(k);
  return keys;
}

/** Every profile change a saved plan's rows asked for. */
export function* savedChanges(saved: {
  plan: { rows: Iterable<{ changes?: ProfileChanges }> };
}): Generator<ProfileChanges> {
  for (const r of saved.plan.rows) if (r.changes) yield r.changes;
}

/** The users port with `expand` on every read (besides any a read asks for itself). */
export function withExpansions(port: UsersPort, expand: readonly string[]): UsersPort {
  if (expand.length === 0) return port;
  const list = [...expand];
  return {
    getUsersByIds: (ids, opts) => port.getUsersByIds(ids, { ...opts, expand: [...list, ...(opts?.expand ?? [])] }),
    listUsers: (opts) => port.listUsers({ ...opts, expand: [...list, ...(opts.expand ?? [])] }),
    searchUsers: (body, opts) => port.searchUsers({ ...body, expand: [...(body.expand ?? []), ...list] }, opts),
    getUser: (id) => port.getUser(id, { expand: list }),
    patchUser: (id, patch) => port.patchUser(id, patch),
    ...(port.patchUsersAutoAnswer ? { patchUsersAutoAnswer: port.patchUsersAutoAnswer.bind(port) } : {}),
    ...(port.listLocations ? { listLocations: port.listLocations.bind(port) } : {}),
  };
}

/**
 * The user after a write, from the platform's answer: a field only an expansion shows that the answer lacks (the
 * PATCH takes no `expand`; assumed, and the emulator's answer lacks them) is what the write sent, or else what it
 * was before. Planned against the bare answer, the user would seem to have lost them, and be written again.
 */
export function afterWrite(before: GenesysUser, answer: GenesysUser, patch: UserPatch): GenesysUser {
  const out: GenesysUser = { ...answer };
  for (const field of LIST_FIELDS) {
    if (out[field] !== undefined) continue;
    const value = patch[field] ?? before[field];
    if (value !== undefined) Object.assign(out, { [field]: structuredClone(value) });
  }
  return out;
}

/** The locations catalogue, every page. */
export async function loadLocations(
  deps: { users: UsersPort; executor: Executor; signal?: AbortSignal },
  onCall?: () => void,
): Promise<LocationDefinition[]> {
  const port = deps.users;
  if (!port.listLocations) throw new Error('loadLocations: the port cannot list locations');
  const all = new Map<string, LocationDefinition>();
  for (let page = 1; ; page++) {
    onCall?.();
    const { outcome } = await deps.executor.execute(
      () => port.listLocations!({ pageNumber: page, pageSize: LOCATIONS_PAGE_SIZE }),
      { signal: deps.signal },
    );
    if (!outcome.ok) throw fatalApiError(`Listing locations (GET /api/v2/locations, page ${page})`, outcome);
    for (const l of outcome.body.entities)
      all.set(l.id, { id: l.id, name: l.name ?? l.id, ...(l.state ? { state: l.state } : {}) });
    if (!morePages(outcome.body, page, LOCATIONS_PAGE_SIZE, outcome.body.entities.length)) break;
  }
  return [...all.values()];
}

/** A catalogue as saved in a run folder: names by id. */
export type LocationNameMap = Record<string, string>;

export function nameMapOf(catalogue: readonly LocationDefinition[]): LocationNameMap {
  return Object.fromEntries(catalogue.map((l) => [l.id, l.name ?? l.id]));
}

/** Name → id (case-insensitive, deleted locations left out) and id → name, for the planner. */
export function locationContext(names: LocationNameMap | undefined): LocationContext {
  if (names === undefined) return {};
  const byName = new Map<string, string[]>();
  for (const [id, name] of Object.entries(names)) {
    const key = name.trim().toLowerCase();
    byName.set(key, [...(byName.get(key) ?? []), id]);
  }
  return {
    locationName: (id) => names[id] ?? names[id.toLowerCase()],
    locationId: (name) => {
      const ids = byName.get(name.trim().toLowerCase());
      return ids?.length === 1 ? ids[0] : undefined;
    },
  };
}

/** Each location name a row uses that is unknown (with the closest known one) or that two locations share. */
export function checkLocationNames(rows: Iterable<InputRow>, catalogue: readonly LocationDefinition[]): RowProblem[] {
  const live = catalogue.filter((l) => l.state?.toLowerCase() !== 'deleted');
  const byName = new Map<string, LocationDefinition[]>();
  for (const l of live) {
    const key = (l.name ?? '').trim().toLowerCase();
    byName.set(key, [...(byName.get(key) ?? []), l]);
  }
  const problems: RowProblem[] = [];
  for (const row of rows) {
    const change = row.changes.locations;
    if (change === undefined) continue;
    const names = change.mode === 'replace' ? change.items : [...change.add, ...change.remove];
    for (const name of names) {
      const found = byName.get(name.trim().toLowerCase()) ?? [];
      if (found.length === 1) continue;
      const shown = JSON.stringify(name);
      if (found.length > 1) {
        problems.push(
          rowProblem(row, 'locations', `${found.length} locations are named ${shown}; rename one in the admin UI.`, {
            code: 'ambiguous_name',
          }),
        );
        continue;
      }
      const suggestion = closest(name, live);
      problems.push(
        rowProblem(
          row,
          'locations',
          `no location named ${shown}${suggestion !== undefined ? `; did you mean ${JSON.stringify(suggestion)}?` : '.'}`,
          { code: 'unknown_name', ...(suggestion !== undefined ? { suggestion } : {}) },
        ),
      );
    }
  }
  return problems;
}

function closest(name: string, catalogue: readonly LocationDefinition[]): string | undefined {
  return nearest(name.trim().toLowerCase(), catalogue, (l) => (l.name ?? '').toLowerCase())?.item.name;
}

/** Whether a write sets an extension: its refusal then names the permission that takes. */
export function setsExtension(diffs: readonly { field: string; after: string | null }[]): boolean {
  return diffs.some((d) => d.field.startsWith('phone.') && d.after?.startsWith('ext ') === true);
}
