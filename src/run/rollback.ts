import { ValidationError } from '../errors.js';
import type { GenesysUser } from '../genesys/types.js';
import type { ProfileChanges, RoutingChanges } from '../input/index.js';
import { holdsValue, type LocationNames, sameValue, userPropertyOf } from '../plan/fields.js';
import {
  type Catalogue,
  type CurrentRouting,
  catalogueResolvers,
  type FieldDiff,
  hasProfileWork,
  hasRoutingWork,
  inverseRoutingChanges,
  isRoutingField,
  isRowProblem,
  kindsOfFields,
  needsOfFields,
  PLAN_SCHEMA_VERSION,
  type PlannedRow,
  type PlanView,
  planUserChange,
  readField,
  readRoutingField,
  sameRoutingValue,
  summarise,
  UnresolvedRoutingNameError,
} from '../plan/index.js';
import { checkReportPath } from '../report.js';
import { escapeControls } from '../text.js';
import { COLLECT_EVERY, collectGarbage } from './collect.js';
import { CompactBuilder } from './compact.js';
import { openContext } from './context.js';
import { createdByRun, planDeletions } from './deletions.js';
import { checkSameTarget, openRunFolder, type RunMeta } from './folder.js';
import { deleteWork } from './lifecycle.js';
import { lockRun } from './lock.js';
import { type Executed, lazyMap, type Part, unexecutedRecords } from './outcome.js';
import { type CommandOptions, type Proposal, runPipeline } from './pipeline.js';
import { readStoredPlan } from './plan-read.js';
import { expansionsFor, locationContext, withExpansions } from './profile-fields.js';
import { projectionOf, resolveUsers, UserIndex } from './resolve.js';
import { inverseOf } from './restore.js';
import {
  type EntityMembers,
  emptyRoutingCost,
  loadCatalogue,
  type RoutingReadDeps,
  readCurrentRouting,
  readEntityMembers,
  withRouting,
} from './routing.js';
import { ROUTING_SLICE } from './routing-plan.js';
import { RoutingCallCounter } from './routing-slices.js';
import type { PlanSource } from './saved-plan.js';
import type { UpdateResult } from './summary.js';
import { fieldsSet, readWritten, type Written } from './written.js';

/** The projection keeping the profile fields a run wrote; a field this version cannot read keeps the whole user. */
function projectionOfWritten(
  fields: Iterable<string>,
  expansions: readonly string[],
): ((user: GenesysUser) => GenesysUser) | undefined {
  const properties = [...expansions] as (keyof GenesysUser)[];
  for (const field of fields) {
    if (isRoutingField(field)) continue;
    try {
      properties.push(userPropertyOf(field));
    } catch {
      return undefined;
    }
  }
  return projectionOf(properties);
}

/**
 * Decides, field by field, what a rollback restores: a field that still holds the value the run set goes back
 * to its before-value; one that already holds its before-value needs nothing; one that holds anything else was
 * changed again since the run, and is left alone and reported. Routing fields are read with `routingNow`.
 */
export function rollbackFields(
  w: Written,
  current: GenesysUser,
  routingNow?: (field: string) => string | null,
  names: LocationNames = {},
): { restore: FieldDiff[]; changedSince: { field: string; now: string | null; runSet: string | null }[] } {
  const restore: FieldDiff[] = [];
  const changedSince: { field: string; now: string | null; runSet: string | null }[] = [];
  for (const [field, [earliest, runSet]] of w.fields) {
    if (runSet === undefined) continue;
    const before = earliest ?? null;
    const routing = isRoutingField(field);
    if (routing && !routingNow) throw new Error(`rollbackFields: ${field} needs the user's current routing`);
    const now = routing ? routingNow!(field) : readField(current, field, names);
    const same = (a: string | null, b: string | null) =>
      routing ? sameRoutingValue(field, a, b) : sameValue(field, a, b);
    if (same(now, before)) continue;
    // An address in another case than the run set is still the run's (a platform may store its own case).
    if (routing ? same(now, runSet) : holdsValue(field, now, runSet)) restore.push({ field, before, after: runSet });
    else changedSince.push({ field, now, runSet });
  }
  return { restore, changedSince };
}

/**
 * Undoes an update run: what its journals say it wrote is read back from the platform and restored where it still
 * holds what the run set. The undone run is locked meanwhile, so that it is not resumed under the rollback.
 */
export async function runRollback(opts: CommandOptions, runId: string): Promise<UpdateResult> {
  opts.onKnown?.({ source: runId });
  if (opts.reportPath) await checkReportPath(opts.reportPath, opts.names);
  const { dir, meta: undone } = await openRunFolder(opts.stateDir, runId, opts.names);
  if (undone.command !== 'update') {
    throw new ValidationError(`Run ${runId} is a ${undone.command}; only an update run can be rolled back.`);
  }
  const lock = opts.dryRun ? undefined : await lockRun(dir, runId);
  try {
    return await rollback(opts, runId, dir, undone);
  } finally {
    await lock?.release();
  }
}

async function rollback(opts: CommandOptions, runId: string, dir: string, undone: RunMeta): Promise<UpdateResult> {
  // Users the run created are deleted (where unchanged since), not restored field by field.
  const { created, ever } = await createdByRun(dir);
  const written = (await readWritten(dir)).filter((w) => !ever.has(w.userId));
  opts.log.info({ runId, users: written.length }, 'Rolling back');

  const ctx = await openContext(opts, { rows: written.length + created.size });
  checkSameTarget(undone, ctx.target, 'rollback');
  const said = undone.counts ?? {};
  if (written.length === 0 && ever.size === 0 && (said.updated ?? 0) + (said.created ?? 0) > 0) {
    // Its run.json counts writes its journals do not hold: they were lost or emptied since, and a rollback from
    // them would restore nothing while saying it is done.
    throw new ValidationError(
      `Run ${runId} says it wrote to ${(said.updated ?? 0) + (said.created ?? 0)} user(s), but its journals in ${dir} ` +
        'hold none of those writes (missing or emptied): what it changed is not known, so nothing was restored. ' +
        'Put back the run folder as the run left it (from a backup).',
    );
  }
  // Location names as the run showed them (its diffs hold names); a run that set none has none.
  const fieldsWritten = new Set(written.flatMap(fieldsSet));
  // plan.json is read once, if at all: for a 100,000-row run it is tens of megabytes.
  let stored: ReturnType<typeof readStoredPlan> | undefined;
  const storedPlan = () => {
    stored ??= readStoredPlan(dir);
    return stored;
  };
  const locationNames = fieldsWritten.has('locations') ? (await storedPlan()).locations : undefined;
  const locations = locationContext(locationNames);
  // Each user is held until its write: only the fields the run wrote (and identity, version, state, division), as an
  // update holds them. Users the run created are compared whole before they are deleted: then every field is kept.
  // The skills and languages the run wrote come with the users' read by id (resolve.ts, carry), not read again.
  const routingKinds = kindsOfFields([...fieldsWritten].filter(isRoutingField));
  const carried = [
    ...(routingKinds.has('skill') ? ['skills'] : []),
    ...(routingKinds.has('language') ? ['languages'] : []),
  ];
  const project = created.size === 0 ? projectionOfWritten(fieldsWritten, carried) : undefined;
  const ids = new Set([...written.map((w) => w.userId), ...created.keys()]);
  const { index } = await resolveUsers(
    {
      ...ctx.userReads(),
      users: withExpansions(ctx.client, expansionsFor(fieldsWritten)),
      ...(project && { project }),
      ...(carried.length > 0 && { carry: { expand: carried, refused: false } }),
    },
    ids,
    new Set(),
    new UserIndex(project, ids),
  );

  // Routing: names in the diffs resolve against the catalogues the run used (ids do not change when a skill is
  // renamed); only what the run wrote is read, for the users it wrote it to.
  const routingFields = (w: Written) => fieldsSet(w).filter(isRoutingField);
  const withRoutingFields = written.filter((w) => routingFields(w).length > 0 && index.byId.has(w.userId));
  const routingCost = emptyRoutingCost();
  const routingDeps: RoutingReadDeps = { ...ctx.routingReads(routingCost), goneEntity: 'members' };
  let catalogue: Catalogue | undefined;
  // Read a slice of rows at a time, as the loop below reaches them (only a slice's routing is held); the members of
  // each queue or group named are read once, first.
  let currentRouting = new Map<string, CurrentRouting>();
  let entities: EntityMembers | undefined;
  if (withRoutingFields.length > 0) {
    catalogue =
      (await storedPlan()).routing?.catalogue ??
      (await loadCatalogue(routingDeps, kindsOfFields(withRoutingFields.flatMap(routingFields))));
  }
  const resolvers = catalogue ? catalogueResolvers(catalogue) : undefined;
  const routingTarget = (w: Written) => ({
    user: index.byId.get(w.userId)!,
    needs: needsOfFields(routingFields(w), resolvers!),
  });
  if (resolvers)
    entities = await readEntityMembers(
      routingDeps,
      withRoutingFields.map((w) => routingTarget(w).needs),
    );
  withRoutingFields.length = 0;

  // Each row is held compact as soon as it is planned (run/compact.ts), its user as JSON text if it is written to:
  // the planned rows are never all held as objects, and each user read is let go once its row is planned.
  const rows = new CompactBuilder();
  const keys: string[] = [];
  let restoring = 0;
  const push = (row: PlannedRow, user?: GenesysUser) => {
    keys.push(row.key);
    const writes = row.status === 'change' && hasProfileWork(row);
    if (row.status === 'change') restoring++;
    rows.add(row, writes && user ? { user } : undefined);
  };
  const managers: Record<string, string> = {};
  // Counted as the rows are planned: the engine takes each row's routing from the compact rows.
  const routingCalls = new RoutingCallCounter();
  const prior = new Map<number, Part>();
  const left: LeftField[] = [];
  const legacy: string[] = [];
  for (const [i, w] of written.entries()) {
    // The users read are let go as their rows are planned, while the rows' text grows off the heap: collected as
    // the loop goes, the heap shrinks as that text grows instead of both peaking together (see collect.ts).
    if (i % COLLECT_EVERY.rollbackRows === 0) await collectGarbage();
    if (entities && i % ROUTING_SLICE === 0) {
      const slice = written
        .slice(i, i + ROUTING_SLICE)
        .filter((x) => routingFields(x).length > 0 && index.byId.has(x.userId));
      currentRouting = (await readCurrentRouting(routingDeps, slice.map(routingTarget), entities)).current;
    }
    const rowNumber = i + 1;
    const user = index.byId.get(w.userId);
    index.byId.delete(w.userId);
    if (user?.email) index.byEmail.delete(user.email.toLowerCase());
    const base = { rowNumber, line: w.row, key: user?.email ?? w.userId, userId: w.userId };
    const routingNow = currentRouting.get(w.userId);
    if (!user || (routingFields(w).length > 0 && !routingNow)) {
      push({ ...base, status: 'not_found', diffs: [], note: 'the user no longer exists' });
      continue;
    }
    const { restore, changedSince } = rollbackFields(
      w,
      user,
      routingNow && resolvers ? (field) => readRoutingField(routingNow, field, resolvers) : undefined,
      locations,
    );
    const note = changedSince.length
      ? `changed again since the run, left as is: ${changedSince
          .map((c) => `${c.field} is now ${asValue(c.now)} (the run set ${asValue(c.runSet)})`)
          .join('; ')}`
      : undefined;
    const routingRestore = restore.filter((d) => isRoutingField(d.field));
    const key = user.email ?? w.userId;
    for (const c of changedSince) left.push({ key, rowNumber, ...c });
    const byValueOnly: string[] = [];
    let inverse: ProfileChanges;
    let routingInverse: RoutingChanges | undefined;
    try {
      const whole = inverseOf(
        restore.filter((d) => !isRoutingField(d.field)),
        w.replaced,
      );
      inverse = whole.changes;
      byValueOnly.push(...whole.byValueOnly);
      if (routingRestore.length > 0) routingInverse = inverseRoutingChanges(routingRestore);
    } catch (err) {
      if (!isRowProblem(err)) throw err;
      push({ ...base, status: 'invalid', diffs: restore, note: err.message });
      continue;
    }
    if (byValueOnly.length > 0) legacy.push(`${key}: ${byValueOnly.join(', ')}`);
    if (inverse.manager?.kind === 'id') managers[`id:${inverse.manager.id}`] = inverse.manager.id;
    const change = planUserChange(user, inverse, {
      ...locations,
      managerId: (ref) => (ref.kind === 'id' ? ref.id : undefined),
    });
    // Built property by property, always in one order: spread into a literal, each of 100,000 rows got a hidden class
    // of its own in V8 (some 40 MB of shapes for a 100,000-row rollback).
    let row: PlannedRow = {
      rowNumber,
      line: w.row,
      key: base.key,
      userId: w.userId,
      status: change.diffs.length > 0 ? 'change' : 'unchanged',
      // Copied to its length: an array grown by push keeps room for 17 entries, 100,000 times over.
      diffs: change.diffs.slice(),
    };
    if (change.patch) row.patch = change.patch;
    if (change.state) row.state = change.state;
    row.baseVersion = user.version;
    if (note) row.note = note;
    if (routingInverse && routingNow && resolvers) {
      try {
        row = withRouting(row, routingNow, routingInverse, resolvers, { allowNoRoles: true });
      } catch (err) {
        if (!(err instanceof UnresolvedRoutingNameError)) throw err;
        // The diff names an item the catalogue no longer has by that name (deleted since the run).
        push({ ...base, status: 'invalid', diffs: restore, note: `${err.message} It cannot be restored.` });
        continue;
      }
    }
    // Not copied unless routing joins it: it is never changed.
    row.changes = routingInverse ? { ...inverse, routing: routingInverse } : inverse;
    push(row, user);
    // The profile writes and the routing calls are made from the compact rows; the calls are counted here.
    if (row.status === 'change') {
      if (row.routing !== undefined && hasRoutingWork(row)) {
        routingCalls.add({ userId: w.userId, plan: row.routing });
      }
    } else if (row.status === 'unchanged' && changedSince.length > 0)
      prior.set(rowNumber, { status: 'skipped', attempts: 0 });
  }
  if (legacy.length > 0) opts.log.warn({ runId, users: legacy.length }, 'journal without whole phone entries');
  const deletions = planDeletions(runId, created, index, rows.length + 1);
  for (const row of deletions.rows) push(row);
  const run = rows.build();
  for (const [n, part] of deletions.prior) prior.set(n, part);
  const plan: PlanView = { schemaVersion: PLAN_SCHEMA_VERSION, summary: summarise(run.rows), rows: run.rows };
  const proposal: Proposal = {
    plan,
    calls: routingCalls.count(),
    users: restoring + deletions.items.length,
    question: (host) =>
      rollbackQuestion(runId, host, restoring, left.length, deletions.items.length, deletions.left.length),
    notice: leftNotice(runId, left) + legacyNotice(runId, legacy) + deletions.notice || undefined,
    // Not a closure here: one would keep every user read and every planned row alive while the writes run.
    closing: closingOf(keys, left),
    records: (declined) => {
      const partsOf = (n: number): Part[] => {
        const p = prior.get(n);
        return p ? [p] : [];
      };
      // Made as they are counted and written, not held: a dry run of 100,000 rows needs none of them afterwards.
      return declined
        ? unexecutedRecords(run.rows, partsOf, true)
        : () => lazyMap(run.rows, (r) => unexecutedRecords([r], partsOf, false)[0]!);
    },
    prepare: () => {
      // Held compact while the writes run (see run/compact.ts): each row's restore is what it asks for.
      const saved: PlanSource = {
        plan: { schemaVersion: plan.schemaVersion, summary: plan.summary, rows: run.rows },
        managers,
        ...(catalogue ? { routing: { catalogue, allowNoRoles: true } } : {}),
        ...(locationNames ? { locations: locationNames } : {}),
        ...(deletions.items.length > 0
          ? {
              lifecycle: {
                kind: 'delete' as const,
                rows: Object.fromEntries(deletions.items.map((d) => [String(d.rowNumber), d])),
                rollbackOf: runId,
              },
            }
          : {}),
      };
      const lifecycle = deletions.items.length > 0 ? deleteWork(deletions.items, runId) : undefined;
      return {
        saved,
        work: {
          items: run.items,
          routing: run.routing,
          priorProfile: prior,
          priorRouting: new Map(),
          ...(lifecycle ? { lifecycle } : {}),
        },
      };
    },
    destination: { kind: 'new', command: 'rollback', source: runId, rollbackOf: runId },
    readCost: catalogue ? { routing: routingCost } : undefined,
  };
  return runPipeline(ctx, opts, proposal);
}

/** The closing line's function, keeping only the rows' keys and the fields left. */
function closingOf(keys: readonly string[], left: readonly LeftField[]): (done: Executed) => string | undefined {
  return (done) => {
    const found: { key: string; field: string }[] = [];
    for (const [n, r] of done.profile) {
      if ('interrupted' in r) continue;
      const key = keys[n - 1] ?? String(n);
      for (const k of r.keptFields ?? []) found.push({ key, field: k.field });
    }
    for (const [n, r] of done.routing) {
      if ('interrupted' in r) continue;
      for (const k of r.keptFields ?? []) found.push({ key: keys[n - 1] ?? String(n), field: k.field });
    }
    return leftClosing(left, found);
  };
}

interface LeftField {
  key: string;
  rowNumber: number;
  field: string;
  now: string | null;
  runSet: string | null;
}

/** Lines listed in the plan's notice and the closing line; the rest are counted. */
const MAX_LISTED = 50;

/** A value as the plan shows it: quoted, or `(none)`. */
const asValue = (v: string | null) => (v === null ? '(none)' : JSON.stringify(v));
const shown = (v: string | null) => escapeControls(asValue(v));

/** The fields a rollback leaves because someone changed them since the run: counted, then listed. */
export function leftNotice(runId: string, left: readonly LeftField[]): string {
  if (left.length === 0) return '';
  const users = new Set(left.map((l) => l.rowNumber)).size;
  const lines = left
    .slice(0, MAX_LISTED)
    .map(
      (l) =>
        `    ${escapeControls(l.key)} (row ${l.rowNumber}) ${l.field}: now ${shown(l.now)}, the run set ${shown(l.runSet)}`,
    );
  if (left.length > MAX_LISTED) lines.push(`    … ${left.length - MAX_LISTED} more`);
  return `Left as is, changed by someone else since run ${runId}: ${left.length} field(s) of ${users} user(s):\n${lines.join('\n')}\n`;
}

/** Users whose phones go back as the number alone, because the run's journal did not keep the whole entries. */
function legacyNotice(runId: string, legacy: readonly string[]): string {
  if (legacy.length === 0) return '';
  const listed = legacy.slice(0, 10).map(escapeControls).join('; ');
  return (
    `Run ${runId}'s journal was written by an older version that kept phone numbers only: for ${legacy.length} ` +
    `user(s) they go back as the number alone (display, countryCode and extension are not restored): ${listed}` +
    `${legacy.length > 10 ? '; …' : ''}.\n`
  );
}

export function rollbackQuestion(
  runId: string,
  host: string,
  restoring: number,
  left: number,
  deleting = 0,
  leftUsers = 0,
): string {
  const leaving = [
    ...(left > 0 ? [`${left} field(s) someone changed since`] : []),
    ...(leftUsers > 0 ? [`${leftUsers} user(s) it created that changed since`] : []),
  ];
  const leave = leaving.length > 0 ? `, leaving ${leaving.join(' and ')} (listed above)` : '';
  if (deleting === 0) return `Restore ${restoring} user(s) on ${host} as they were before run ${runId}${leave}?`;
  const deletes = `delete ${deleting} user(s) that run ${runId} created`;
  return restoring > 0
    ? `Restore ${restoring} user(s) as they were before run ${runId} and ${deletes}, on ${host}${leave}?`
    : `D${deletes.slice(1)}, on ${host}${leave}?`;
}

/** The closing line: the fields left at plan time and those found changed while applying. */
export function leftClosing(
  left: readonly LeftField[],
  whileApplying: readonly { key: string; field: string }[],
): string | undefined {
  const all = [...left.map((l) => ({ key: l.key, field: l.field })), ...whileApplying];
  if (all.length === 0) return undefined;
  const listed = all.slice(0, 10).map((l) => `${escapeControls(l.key)} ${l.field}`);
  if (all.length > 10) listed.push(`… ${all.length - 10} more`);
  const applying = whileApplying.length > 0 ? ` (${whileApplying.length} found while applying)` : '';
  return `Left as is because someone changed them since the run: ${all.length} field(s)${applying}: ${listed.join(', ')}. See the report.\n`;
}
