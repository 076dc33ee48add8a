import { ValidationError } from '../errors.js';
import {
  ADMIN_UI_LAYOUT,
  type InputFormat,
  type InputProblem,
  type InputRow,
  inAdminColumns,
  type ManagerRef,
  readInputHeld,
} from '../input/index.js';
import {
  addCounts,
  type Catalogue,
  CatalogueIndex,
  callCountOf,
  cataloguesNeeded,
  IncrementalPlanner,
  NO_CALLS,
  needsOfColumns,
  type PlanView,
  savedContext,
  type TextList,
  textListOf,
  viewOf,
} from '../plan/index.js';
import { checkReportPath, type ReportRecord } from '../report.js';
import { escapeControls } from '../text.js';
import { planRefusals, type RowProblem, rejectedRows, rowProblem, sortProblems } from './checks.js';
import { collectGarbage } from './collect.js';
import { compactOver } from './compact.js';
import { openContext } from './context.js';
import { type CreateOptions, checkCreations, createQuestion, planCreations, withCreations } from './create.js';
import { checkNewEmails } from './email-owners.js';
import { checkReportNotInput } from './files.js';
import { listRuns } from './folder.js';
import { checkHeldRows } from './held-checks.js';
import { asRows, nameProblems, refuseInput } from './invalid.js';
import { createWork } from './lifecycle.js';
import { managersToCreate, newManagerPlaceholder } from './new-managers.js';
import { lazyMap, recordFromPlan, unexecutedRecords, withSkipped } from './outcome.js';
import { type CommandOptions, type Proposal, runPipeline } from './pipeline.js';
import {
  checkLocationNames,
  expansionsFor,
  type LocationNameMap,
  loadLocations,
  locationContext,
  nameMapOf,
  withExpansions,
} from './profile-fields.js';
import { projectionFor, resolveUsers, writeProjectionFor } from './resolve.js';
import { checkRoutingNames, emptyRoutingCost, loadCatalogue } from './routing.js';
import { keptForRouting, routingExpansions } from './routing-expand.js';
import { planRoutingRows } from './routing-plan.js';
import { fileDigest, unfinishedRunIn } from './runs.js';
import type { PlanSource } from './saved-plan.js';
import type { UpdateResult } from './summary.js';

export interface UpdateOptions extends CommandOptions, CreateOptions {
  source: { path?: string; stream?: NodeJS.ReadableStream; format?: InputFormat; encoding?: string };
  skipInvalid: boolean;
}

/** Reads the input, reads the users and the routing it names, and plans: the update's proposal for the pipeline. */
export async function runUpdate(opts: UpdateOptions): Promise<UpdateResult> {
  if (opts.reportPath) {
    await checkReportPath(opts.reportPath, opts.names);
    await checkReportNotInput(opts.reportPath, opts.source, opts.names);
  }
  const { log } = opts;
  const inputName = opts.source.path && opts.source.path !== '-' ? opts.source.path : 'stdin';
  opts.onKnown?.({ source: inputName });

  let parsed: Awaited<ReturnType<typeof readInputHeld>>;
  try {
    parsed = await readInputHeld(opts.source);
  } catch (err) {
    // A file that cannot be read as a whole (empty, not JSON, a record too large) is one problem of the file.
    if (!(err instanceof ValidationError)) throw err;
    const unreadable = { severity: 'error' as const, code: 'unreadable_input', message: err.message };
    throw Object.assign(await refuseInput(inputName, [unreadable], new Map(), opts.reportPath), {
      message: err.message,
    });
  }
  for (const w of parsed.problems.filter((p) => p.severity === 'warning')) log.warn(w.message);
  // A file in the admin UI's layout hears about its own columns (email_manager, not manager) from the later checks too.
  const restate = parsed.layout === 'admin-ui' ? inAdminColumns : <P>(p: P) => p;
  const layout = parsed.layout === 'admin-ui' ? ADMIN_UI_LAYOUT : undefined;
  /** A refusal of the input, saying (with --json) how the input was read. */
  const refuse = async (...[source, problems, keys, reportPath, target]: Parameters<typeof refuseInput>) =>
    Object.assign(
      await refuseInput(source, problems, keys, reportPath, target, opts.names?.skipInvalid),
      layout ? { layout } : {},
    );
  // Only a file read from its path can be read again as the same input; a stream (stdin, library rows) cannot.
  const digest =
    opts.source.stream === undefined && opts.source.path && opts.source.path !== '-'
      ? await fileDigest(opts.source.path)
      : undefined;
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  // A problem with the file itself (an unknown column, a header named twice) is in no row: skipping invalid
  // rows would silently drop a whole column, so it stops the run even with --skip-invalid.
  const inRows = new Set(parsed.invalidRows.flatMap((r) => r.problems));
  const fileLevel = errors.filter((p) => !inRows.has(p));
  /** The line and key of the invalid rows, and of those `problems` name (held only for them, not per row). */
  const keysOf = (problems: readonly RowProblem[]) => {
    const keys = new Map<number, { line: number; key: string }>();
    for (const r of parsed.invalidRows) keys.set(r.rowNumber, { line: r.line, key: r.key ?? '' });
    for (const p of problems) keys.set(p.rowNumber, { line: p.line, key: p.key });
    return keys;
  };
  if (opts.skipInvalid && fileLevel.length > 0) {
    throw await refuse(inputName, fileLevel, keysOf([]), opts.reportPath);
  }
  if (errors.length > 0 && !opts.skipInvalid) {
    // The names the rows use are checked in the same run, so that the user sees every problem at once.
    const names = await nameProblems(
      () => openContext(opts, { rows: parsed.rows.length }),
      [...parsed.rows, ...asRows(parsed.invalidRows)],
      log,
    );
    const all = inRowOrder([...parsed.problems, ...names.problems.map(restate)]);
    throw await refuse(inputName, all, keysOf(names.problems), opts.reportPath, names.target);
  }
  const skipped: ReportRecord[] = parsed.skippedRows.map((r) => ({
    row: r.rowNumber,
    line: r.line,
    key: r.key,
    status: 'skipped',
    changes: [],
    message: r.reason,
    attempts: 0,
  }));
  log.info(
    {
      rows: parsed.totalRecords,
      valid: parsed.rows.length,
      format: parsed.format,
      ...(parsed.layout ? { layout: parsed.layout } : {}),
    },
    `Read ${inputName}`,
  );

  // The state folder's runs are read while the login is in flight: read after it, one by one, they delayed the first
  // read of users by a fraction of a millisecond per run kept there (issue #12). Awaited after the login, so that a
  // failed login is still the error reported; a failure meanwhile must not go unhandled.
  const earlierRuns = digest ? listRuns(opts.stateDir) : undefined;
  earlierRuns?.catch(() => {});
  const ctx = await openContext(opts, { rows: parsed.rows.length });
  const { governor } = ctx;
  // A rerun of a file whose run against this target was interrupted finishes that run (one run id to roll back),
  // rather than starting a second one.
  const unfinished = digest && earlierRuns ? unfinishedRunIn(await earlierRuns, digest, ctx.target) : undefined;
  if (unfinished) {
    opts.stderr.write(
      `Run ${unfinished.runId} of this file against ${escapeControls(ctx.target.host)} did not finish ` +
        `(${unfinished.status}); finishing it, as \`genesys-bulk update --resume ${unfinished.runId}\` does.\n`,
    );
    // Loaded only here: an update that finishes no interrupted run needs no resume code (start-up, issue #12).
    const { runResume } = await import('./resume.js');
    return runResume(opts, unfinished.runId);
  }

  // Routing names: the catalogues the file needs are read once for the whole run; a name that does not resolve
  // stops the run (with the manager problems, found once the users are read) before any assignment is read.
  const routingCost = emptyRoutingCost();
  const routingDeps = ctx.routingReads(routingCost);
  // One pass over the rows (held as text, each pass decodes them): what the reads and the checks need of them.
  let withRoutingColumns: InputRow[] = [];
  let withLocations = false;
  const ids = new Set<string>();
  const emails = new Set<string>();
  // Only addresses the file spells with capitals: one string each, held while the users are read.
  const spellings = new Map<string, string>();
  const changeKeys = new Set<string>();
  const managerRefs: ManagerRef[] = [];
  for (const row of parsed.rows) {
    if (row.changes.routing !== undefined) withRoutingColumns.push(row);
    if (row.changes.locations !== undefined) withLocations = true;
    if (row.key.kind === 'id') ids.add(row.key.id);
    else {
      emails.add(row.key.email);
      if (row.key.spelled !== undefined) spellings.set(row.key.email, row.key.spelled);
    }
    for (const key of Object.keys(row.changes)) changeKeys.add(key);
    if (row.changes.manager) managerRefs.push(row.changes.manager);
  }
  let catalogue: Catalogue | undefined;
  let badNameProblems: RowProblem[] = [];
  if (withRoutingColumns.length > 0 || opts.create) {
    // A user to create needs a division: the divisions are read too.
    const kinds = cataloguesNeeded(withRoutingColumns.map((r) => r.changes.routing!));
    if (opts.create) kinds.add('division');
    catalogue = await loadCatalogue(routingDeps, kinds);
    badNameProblems = checkRoutingNames(withRoutingColumns, new CatalogueIndex(catalogue)).map((p) =>
      rowProblem(p.row, p.column, p.message, {
        code: p.code,
        ...(p.suggestion !== undefined ? { suggestion: p.suggestion } : {}),
      }),
    );
    log.info({ kinds: Object.keys(catalogue), requests: routingCost.catalogue }, 'Read routing catalogues');
  }

  // Locations by name, the same way: the catalogue once, an unknown name stops the run before any write.
  let locationNames: LocationNameMap | undefined;
  if (withLocations) {
    const locations = await loadLocations(ctx.userReads(), () => routingCost.catalogue++);
    locationNames = nameMapOf(locations);
    badNameProblems = [...badNameProblems, ...checkLocationNames(parsed.rows, locations)];
  }

  // Reads: the users the rows name, then the managers they name that were not among them.
  // The skills, languages and groups routing reads come with the rows' users read by id or listed, not read again.
  const carried = routingExpansions(needsOfColumns(withRoutingColumns.map((r) => r.changes.routing!)));
  const project = projectionFor(changeKeys, carried);
  const forWrite = writeProjectionFor(changeKeys);
  const deps = { ...ctx.userReads(), users: withExpansions(ctx.client, expansionsFor(changeKeys)), project };
  // Rows are planned as their users are read; a user is kept only if its routing is read or its PATCH is sent.
  // A dry run needs only the plan, so the planner may let each row go once planned: from here on it holds the rows.
  const spreadsheet = parsed.format === 'csv' ? savedContext(parsed.rows) : undefined;
  const planner = new IncrementalPlanner(parsed.rows, {
    managers: managerRefs,
    // A user kept only for its PATCH (its row planned, no routing) is kept as the write needs it, for the run to take
    // over as it is (compactOver); one kept for planning or routing is kept as they need it.
    project: (user, row, planned) =>
      planned !== undefined && row.changes.routing === undefined
        ? (planned.changes ? writeProjectionFor(Object.keys(planned.changes)) : forWrite)(user)
        : row.changes.routing !== undefined
          ? keptForRouting(project(user))
          : project(user),
    // Routing is planned from what the planned rows asked for: the rows themselves need not be held for it.
    asked: !opts.dryRun || withRoutingColumns.length > 0,
    keep: (row, planned) =>
      row.changes.routing !== undefined || (!opts.dryRun && (planned === undefined || planned.status === 'change')),
    // Not when a routing name is unknown (--skip-invalid): its row is taken out of the plan, which needs it held.
    release: opts.dryRun && (withRoutingColumns.length === 0 || badNameProblems.length === 0),
    locations: locationContext(locationNames),
    ...(spreadsheet && { spreadsheet }),
    creates: opts.create === true,
  });
  const rowCount = parsed.rows.length;
  parsed.rows = [];
  // So is the list of the rows with routing columns: this function's frame holds it to the end of the run, and with it
  // every such row's parsed changes (issue #12: 100,000 rows with skills and queues, some 35 MB live through the run).
  withRoutingColumns = [];
  // The rows as parsed are let go (the planner holds them as text) before the reads start (see collect.ts).
  await collectGarbage(rowCount);
  const carry = carried.length > 0 ? { carry: { expand: carried, refused: false } } : {};
  const reading = resolveUsers({ ...deps, spellings, ...carry }, ids, emails, planner);
  // Read before its first await: a 100,000-row file's keys need not stay live while the users are read.
  ids.clear();
  emails.clear();
  const { cost } = await reading;
  const managerIds = new Set<string>();
  const managerEmails = new Set<string>();
  for (const m of managerRefs) {
    if (m.kind === 'id') managerIds.add(m.id);
    else managerEmails.add(m.email);
  }
  await resolveUsers(deps, managerIds, managerEmails, planner);
  if (opts.create && catalogue) {
    // A manager named by the email of a user the file creates: resolved once that user exists (new-managers.ts).
    const { candidates } = checkCreations(planner.rows(), planner.userIdOf.bind(planner), catalogue);
    for (const email of managersToCreate(managerRefs, planner.managerId, candidates))
      planner.assumeManager(email, newManagerPlaceholder(email));
  }
  // Only the rows that change an address are decoded, and only their addresses looked up.
  const emailProblems = (await checkNewEmails(deps, planner.rowsChangingEmail(), planner.userIdOf.bind(planner))).map(
    restate,
  );
  log.info({ users: planner.size, strategy: cost.strategy, requests: governor.stats().requests }, 'Read current users');
  // The reads' garbage is let go before the checks and finish hold every row at once (see collect.ts).
  await collectGarbage(planner.size);

  const managerId = planner.managerId;
  const badNames = new Set([...badNameProblems, ...emailProblems].map((p) => p.rowNumber));
  const checked = checkHeldRows(planner, managerId, badNames, catalogue, opts.create === true);
  const { excluded, creation, managers } = checked;
  skipped.push(...checked.skipped);
  const rowProblems = [...checked.problems, ...badNameProblems, ...(creation?.problems ?? [])].map(restate);
  rowProblems.push(...emailProblems);
  if (rowProblems.length > 0 && !opts.skipInvalid) {
    throw await refuse(inputName, sortProblems(rowProblems), keysOf(rowProblems), opts.reportPath, ctx.target.host);
  }
  /** The problems of each invalid row and the warnings of every row, for the --json document. */
  const problemsOf = new Map<number, InputProblem[]>();
  const listed = new Set<InputProblem>();
  const list = (rowNumber: number, p: InputProblem) => {
    if (listed.has(p)) return;
    listed.add(p);
    problemsOf.set(rowNumber, [...(problemsOf.get(rowNumber) ?? []), p]);
  };
  for (const r of [...parsed.invalidRows, ...rejectedRows(rowProblems)])
    for (const p of r.problems) list(r.rowNumber, p);
  for (const p of parsed.problems) if (p.severity === 'warning' && p.rowNumber !== undefined) list(p.rowNumber, p);

  const creations =
    creation && catalogue
      ? planCreations(creation.candidates, catalogue, planner.managerId, locationContext(locationNames), spreadsheet)
      : undefined;
  const encoded = withCreations(
    planner.finish(excluded, [...parsed.invalidRows, ...rejectedRows(rowProblems)]),
    creations?.planned,
  );

  // Only routing plans rows again from what they asked for; the rows stay encoded, read a slice at a time.
  let planned = encoded;
  let routingCalls = NO_CALLS;
  if (catalogue) {
    ({ plan: planned, calls: routingCalls } = await planRoutingRows(encoded, catalogue, routingDeps, {
      user: planner.user.bind(planner),
    }));
    log.info({ ...routingCost, requests: governor.stats().requests }, 'Read current routing');
    // The slices' reads leave garbage V8 would let pile up to its next limit (see collect.ts).
    await collectGarbage(planner.size);
  }
  const view: PlanView = viewOf(planned);
  // Once routing planned the rows again, the planner's store holds only their old texts and its users: the write
  // takes its users out of it (keptUsersOnce), and no closure here names the planner, so it goes with this function.
  const keptUsers = keptUsersOnce(planner, planned !== encoded);
  // A row its user refuses is an invalid row like the file's: without --skip-invalid nothing is written (every other
  // invalid row has been refused above). Before, the other rows were applied and the run exited 1.
  if (view.summary.byStatus.invalid > 0 && !opts.skipInvalid) {
    const refused = planRefusals(view.rows);
    throw await refuse(inputName, refused, keysOf(refused), opts.reportPath, ctx.target.host);
  }
  if (creations) routingCalls = addCounts(routingCalls, callCountOf(creations.calls));
  const creating = creations?.specs.length ?? 0;
  const writes = view.summary.requests + routingCalls.total;
  const users = view.summary.byStatus.change;
  const proposal: Proposal = {
    plan: view,
    calls: routingCalls,
    users: users + creating,
    question: (host) =>
      creating > 0
        ? createQuestion(host, creating, opts.invite === true, writes - (creations?.calls.length ?? 0), users)
        : `Apply ${writes} write(s) to ${users} user(s) on ${host}?`,
    // Not a closure here: one would keep this function's whole scope (the planner, every row) alive to the end.
    records: plannedRecords(view, skipped),
    prepare: () => {
      // The saved plan's rows carry what they asked for, so that a resume can plan them again (and the engine takes
      // each row's changes from there). The planner's rows carry it already (and routing planning kept it): their
      // store is taken over as it is, and the rest of the planner's state let go.
      const run = compactOver(planned.rows, keptUsers, forWrite);
      const saved: PlanSource = {
        plan: { schemaVersion: view.schemaVersion, summary: view.summary, rows: run.rows },
        managers,
        skipped,
        ...(catalogue ? { routing: { catalogue } } : {}),
        ...(creations && creating > 0
          ? {
              lifecycle: {
                kind: 'create' as const,
                rows: Object.fromEntries(creations.specs.map((c) => [String(c.rowNumber), c])),
                invite: opts.invite === true,
              },
            }
          : {}),
        ...(locationNames ? { locations: locationNames } : {}),
      };
      const { items, routing } = run;
      const lifecycle =
        creations && creating > 0
          ? createWork(
              creations.specs.map((spec) => ({ rowNumber: spec.rowNumber, spec })),
              opts.invite === true,
              catalogue,
            )
          : undefined;
      return {
        saved,
        work: { items, routing, priorProfile: new Map(), priorRouting: new Map(), ...(lifecycle ? { lifecycle } : {}) },
      };
    },
    destination: { kind: 'new', command: 'update', source: inputName, ...(digest ? { inputDigest: digest } : {}) },
    ...(layout ? { layout } : {}),
    // Not a closure here: one would keep this function's whole scope (the planner, every row) alive to the end.
    problemsOf: lookupIn(problemsOf),
    readCost: catalogue ? { ...cost, routing: routingCost } : cost,
  };
  return runPipeline(ctx, opts, proposal);
}

/**
 * The report's records of a plan that is not executed, keeping alive only the plan and the skipped rows. Made as they
 * are counted and written, not held: a dry run of 100,000 rows needs none of them afterwards.
 */
function plannedRecords(view: PlanView, skipped: readonly ReportRecord[]): Proposal['records'] {
  return (declined) =>
    declined
      ? [
          ...withSkipped(
            unexecutedRecords(view.rows, () => [], true),
            skipped,
          ),
        ]
      : () =>
          withSkipped(
            lazyMap(view.rows, (r) => recordFromPlan(r, r.status)),
            skipped,
          );
}

/**
 * The planner's users for the write, taken once: then the planner is let go. With `copy`, they are copied out of its
 * store, which then goes too (a routing apply of 100,000 rows held it to the end: every row's old text, every user).
 */
function keptUsersOnce(planner: IncrementalPlanner, copy: boolean): (ids: readonly string[]) => TextList {
  let held: IncrementalPlanner | undefined = planner;
  return (ids) => {
    if (held === undefined) throw new Error("The planner's users were taken already.");
    const users = held.keptUsers(ids);
    held = undefined;
    return copy ? textListOf(users) : users;
  };
}

/** A lookup in `map` that keeps nothing else alive. */
function lookupIn<K, V>(map: ReadonlyMap<K, V>): (key: K) => V | undefined {
  return (key) => map.get(key);
}

/** Problems of the file itself first, then by row; in the order found within each. */
function inRowOrder(problems: readonly InputProblem[]): InputProblem[] {
  return [...problems].sort((a, b) => (a.rowNumber ?? 0) - (b.rowNumber ?? 0));
}
