import { join } from 'node:path';
import { wantsColor } from '../colors.js';
import { type OptionNames, ValidationError } from '../errors.js';
import type { InputProblem, ManagerRef } from '../input/index.js';
import { type CallCount, type PlanView, rowDiffs, savedNotes } from '../plan/index.js';
import { countChanges, describeNotable, noChanges } from '../plan/kinds.js';
import type { ReportRecord } from '../report.js';
import { escapeControls } from '../text.js';
import { afterCreations } from './api-errors.js';
import { COLLECT_EVERY, collectGarbage } from './collect.js';
import { askConsent, type Consent, NO_ANSWER_MESSAGE, NO_TERMINAL_MESSAGE } from './consent.js';
import type { RunContext, RunSettings } from './context.js';
import { type InputLayout, markDocumented } from './document.js';
import { applyAll, type WorkOutcome } from './engine.js';
import { createRunFolder, type RunCommand, type RunMeta, writeRunMeta } from './folder.js';
import { concatenated, filtered, isEmpty } from './iterables.js';
import { JOURNAL_FILE, Journal, ROUTING_JOURNAL_FILE, type RoutingJournalRecord } from './journal.js';
import { type LifecycleExecution, startLifecycle } from './lifecycle.js';
import { lockRun, type RunLock } from './lock.js';
import {
  createdBefore,
  resolvingNewManagers,
  withCreatedManagerIds,
  withoutUncreatedManagers,
} from './new-managers.js';
import { type Executed, foldOutcomes, type Work, withSkipped } from './outcome.js';
import { expansionsOfChanges, locationContext, savedChanges, withExpansions } from './profile-fields.js';
import { applyRouting, type RoutingOutcome } from './routing-engine.js';
import { newRunId } from './run-id.js';
import type { PlanSource } from './saved-plan.js';
import { writePlan } from './show.js';
import { type DocumentInfo, type FinishOptions, finish, type UpdateResult } from './summary.js';

/**
 * The one pipeline every command's plan goes through: show it, ask, create the run folder (or reopen the one being
 * resumed), execute, fold the outcomes, and finish with the summary, the report and the exit code. A command (update,
 * rollback, resume) only turns its input into a Proposal.
 */

export interface PipelineOptions extends FinishOptions {
  stateDir: string;
  consent: Consent;
  /** Colour in the plan; default: `wantsColor(stdout)`, from the process's environment. */
  color?: boolean;
  /** Told the run's id once its folder exists, so that an exit that cannot wait can still name it. */
  onRun?: (meta: RunMeta) => void;
  /** How messages name what the caller can do next; the CLI's flags and commands by default. */
  names?: CallerNames;
}

/** What to do next, in the caller's terms: the CLI's flags, or the library's options and functions. */
export interface CallerNames extends OptionNames {
  /** Applying the valid rows of an input that has invalid ones, e.g. `pass --skip-invalid`. */
  skipInvalid: string;
  /** Finishing run `runId`. */
  resume(command: RunCommand, runId: string): string;
}

/** What every command that writes is given. */
export type CommandOptions = RunSettings & PipelineOptions;

/** What executing needs: the plan as the run folder holds it, and the writes to make now. */
export interface Execution {
  saved: PlanSource;
  work: Work;
}

export type Destination =
  /** A new run folder, made once the user agrees. */
  | { kind: 'new'; command: RunCommand; source: string; rollbackOf?: string; inputDigest?: string }
  /** The folder of the run being continued; its lock is already held. */
  | { kind: 'existing'; dir: string; meta: RunMeta };

export interface Proposal {
  /** What is shown: the whole plan, or (a resume) what is left of it. */
  plan: PlanView;
  /** The routing calls it would make, by kind. */
  calls: CallCount;
  /** Users it would write to: none, nothing to ask. */
  users: number;
  /** The question, naming the host the writes go to. */
  question(host: string): string;
  /** The report's records when nothing is executed; `declined`: the user said no. */
  records(declined: boolean): ReportRecord[] | (() => Iterable<ReportRecord>);
  /** Called only when the run goes ahead (a dry run of 100,000 rows never builds it). */
  prepare(): Execution;
  destination: Destination;
  readCost?: unknown;
  /** Said after the plan's text (a rollback: the fields it leaves because they changed since). */
  notice?: string;
  /** The input was read in another layout than the tool's own (the admin UI's): said before the plan, and in --json. */
  layout?: InputLayout;
  /** Said after the summary line, given what was executed. */
  closing?: (done: Executed) => string | undefined;
  /** The problems of an invalid (or warned-about) row, for the --json document. */
  problemsOf?: (row: number) => readonly InputProblem[] | undefined;
}

export async function runPipeline(ctx: RunContext, opts: PipelineOptions, proposal: Proposal): Promise<UpdateResult> {
  const color = opts.color ?? wantsColor(opts.stdout as NodeJS.WriteStream);
  const stats = () => ctx.governor.stats();
  const doc = documentInfo(ctx, opts, proposal);
  const where = escapeControls(ctx.targetLabel ?? ctx.target.host);
  const heading = `Target: ${where}\n${proposal.layout ? `Input: ${proposal.layout.meaning}.\n` : ''}`;
  // Said once per column after the plan, not once per row: cells a spreadsheet saved in its own forms (plan/spreadsheet.ts).
  const saved = savedNotes(proposal.plan.summary.lenient).map((p) => `warning: ${escapeControls(p.message)}\n`);
  const notice = `${saved.join('')}${proposal.notice ?? ''}`;
  if (opts.dryRun) {
    if (!opts.json) {
      opts.stdout.write(heading);
      await writePlan(opts.stdout, proposal.plan, proposal.calls, { json: false, color });
      if (notice) opts.stdout.write(notice);
    }
    // A resume's dry run names the run it looks at.
    const runId = proposal.destination.kind === 'existing' ? proposal.destination.meta.runId : undefined;
    return finish(opts, runId, proposal.records(false), false, stats(), proposal.readCost, doc);
  }
  if (!opts.json) {
    opts.stdout.write(heading);
    await writePlan(opts.stdout, proposal.plan, proposal.calls, { json: false, color });
    if (notice) opts.stdout.write(notice);
  }
  if (proposal.users > 0) {
    const answer = await askConsent(opts.consent, withNotable(proposal.question(where), doc.plan), ctx.stopSignal);
    if (answer === 'none' || answer === 'unanswered') {
      const refusal = new ValidationError(
        answer === 'none' ? (opts.consent.noOneToAsk ?? NO_TERMINAL_MESSAGE) : NO_ANSWER_MESSAGE,
      );
      // A caller that reads JSON still sees what would have been done, and why nothing was.
      if (opts.json) {
        await finish(opts, undefined, proposal.records(false), false, stats(), proposal.readCost, {
          ...doc,
          refused: { exitCode: refusal.exitCode, code: 'no_consent', message: refusal.message },
        });
        markDocumented(refusal);
      }
      throw refusal;
    }
    if (answer === 'no') {
      opts.stderr.write('Nothing was written.\n');
      return finish(opts, undefined, proposal.records(true), false, stats(), proposal.readCost, {
        ...doc,
        declined: true,
      });
    }
  }
  const dest = proposal.destination;
  if (proposal.users === 0 && dest.kind === 'new' && dest.command === 'update') {
    // Nothing to write, so no run folder: `rollback --last` would take that empty run for the one to undo.
    return finish(opts, undefined, proposal.records(false), false, stats(), proposal.readCost, doc);
  }
  // From here on the proposal is let go (this function returns): what a command planned with is not kept while its
  // writes run, only the execution (held compact) and what the end needs.
  return proceed(ctx, opts, proposal.prepare(), {
    destination: proposal.destination,
    readCost: proposal.readCost,
    users: proposal.users,
    ...(proposal.layout ? { layout: proposal.layout } : {}),
    ...(proposal.closing ? { closing: proposal.closing } : {}),
    doc,
  });
}

/** Creates the run folder (or reopens it), executes, and finishes. */
async function proceed(
  ctx: RunContext,
  opts: PipelineOptions,
  { saved, work }: Execution,
  end: Pick<Proposal, 'destination' | 'readCost' | 'layout' | 'closing' | 'users'> & { doc: DocumentInfo },
): Promise<UpdateResult> {
  const stats = () => ctx.governor.stats();
  const { doc } = end;
  const dest = end.destination;
  let dir: string;
  let meta: RunMeta;
  let lock: RunLock | undefined;
  if (dest.kind === 'new') {
    const now = new Date().toISOString();
    meta = {
      schemaVersion: 1,
      runId: newRunId(),
      command: dest.command,
      createdAt: now,
      updatedAt: now,
      status: 'applying',
      source: dest.source,
      target: ctx.target.host,
      clientId: ctx.target.clientId,
      ...(dest.rollbackOf ? { rollbackOf: dest.rollbackOf } : {}),
      ...(dest.inputDigest ? { inputDigest: dest.inputDigest } : {}),
      ...(end.layout ? { layout: end.layout.name } : {}),
    };
    dir = await createRunFolder(opts.stateDir, meta, saved);
    lock = await lockRun(dir, meta.runId);
    ctx.log.info({ runId: meta.runId, dir }, 'Run journal');
  } else {
    ({ dir, meta } = dest);
    await writeRunMeta(dir, { ...meta, status: 'applying' });
  }
  try {
    opts.onRun?.(meta);
    // The plan and the planner behind it have just been let go: see collect.ts.
    await collectGarbage(end.users);
    const resume =
      opts.names?.resume(meta.command, meta.runId) ?? `genesys-bulk ${meta.command} --resume ${meta.runId}`;
    const done = await execute(ctx, dir, meta, saved, work, resume);
    const { records: folded, interrupted, unsettled } = foldOutcomes(saved.plan.rows, work, done, resume);
    const { created } = done;
    // Made afresh on each of finish's passes (count, report, --json) from the plan and the outcomes: never held.
    const records = () => withSkipped(created ? withCreatedManagerIds(folded(), created) : folded(), saved.skipped);
    const result = await finish(opts, meta.runId, records, interrupted, stats(), end.readCost, doc);
    const closing = end.closing?.(done);
    if (closing) opts.stderr.write(closing);
    await writeRunMeta(dir, {
      ...meta,
      status: interrupted ? 'interrupted' : 'completed',
      counts: { ...result.summary },
    });
    if (interrupted) {
      opts.stderr.write(
        `Interrupted${unsettled ? ` with ${unsettled} row(s) unsettled (a write in flight; see the report)` : ''}. ` +
          `To finish the run: ${resume}\n`,
      );
    }
    return result;
  } finally {
    await lock?.release();
  }
}

/** What the --json document says of the run besides its rows. */
function documentInfo(ctx: RunContext, opts: PipelineOptions, proposal: Proposal): DocumentInfo {
  const dest = proposal.destination;
  const command = dest.kind === 'new' ? dest.command : dest.meta.command;
  const s = proposal.plan.summary;
  return {
    command,
    mode: opts.dryRun ? 'dry-run' : dest.kind === 'existing' ? 'resume' : command === 'rollback' ? 'rollback' : 'apply',
    target: ctx.target.host,
    source: dest.kind === 'new' ? dest.source : dest.meta.source,
    rollbackOf: (dest.kind === 'new' ? dest.rollbackOf : dest.meta.rollbackOf) ?? null,
    plan: {
      fields: s.fields,
      requests: s.requests,
      routingRequests: proposal.calls.total,
      changes: planChanges(proposal.plan),
    },
    ...(proposal.problemsOf ? { problemsOf: proposal.problemsOf } : {}),
    ...(proposal.layout ? { layout: proposal.layout } : {}),
    ...(s.lenient ? { warnings: savedNotes(s.lenient) } : {}),
  };
}

function planChanges(plan: PlanView) {
  const counts = noChanges();
  for (const row of plan.rows) if (row.status === 'change') countChanges(rowDiffs(row), counts);
  return counts;
}

/** The question, with what a reader must not miss: `Apply … (3 removals, 1 division move among them)?` */
function withNotable(question: string, plan: DocumentInfo['plan']): string {
  const notable = plan ? describeNotable(plan.changes) : '';
  return notable && question.endsWith('?') ? `${question.slice(0, -1)} (${notable} among them)?` : question;
}

export const refKey = (ref: ManagerRef): string => (ref.kind === 'id' ? `id:${ref.id}` : `email:${ref.email}`);

/** The manager references of a saved plan, as the engine asks for them. */
export function managerLookup(saved: Pick<PlanSource, 'managers'>): (ref: ManagerRef) => string | undefined {
  return (ref) => saved.managers[refKey(ref)];
}

/** Profile PATCHes first, then the routing calls of the rows whose user still exists. */
async function execute(
  ctx: RunContext,
  dir: string,
  meta: RunMeta,
  saved: PlanSource,
  work: Work,
  resume: string,
): Promise<Executed> {
  const journal = await Journal.open(join(dir, JOURNAL_FILE));
  let routingJournal: Journal<RoutingJournalRecord> | undefined;
  let profile = new Map<number, WorkOutcome>();
  let routing = new Map<number, RoutingOutcome>();
  const gone = new Set<number>();
  // Users to create come first (their rows' other writes then go with everyone's), users to delete likewise.
  let life: LifecycleExecution | undefined;
  let lifecycle: Executed['lifecycle'];
  // A manager this run creates resolves once created: the creations come before every PATCH.
  const created = createdBefore(saved.lifecycle, work.priorLifecycle);
  const managerId = resolvingNewManagers(managerLookup(saved), created);
  try {
    if (work.lifecycle)
      life = await startLifecycle(
        ctx,
        dir,
        work.lifecycle,
        { managerId, ...locationContext(saved.locations) },
        created,
      );
    const { ready: items, failed } = withoutUncreatedManagers(
      life ? concatenated(work.items, life.items) : work.items,
      managerId,
    );
    const routingWork = life ? concatenated(work.routing, life.routing) : work.routing;
    if (!isEmpty(items) || isEmpty(routingWork)) {
      profile = await applyAll(
        {
          users: withExpansions(ctx.client, expansionsOfChanges(savedChanges(saved))),
          governor: ctx.governor,
          journal,
          managerId,
          locations: locationContext(saved.locations),
          progress: ctx.progress,
          log: ctx.log,
          stopSignal: ctx.stopSignal,
          maxConcurrency: ctx.maxConcurrency,
          keepForeignEdits: meta.command === 'rollback',
          collect: { every: COLLECT_EVERY.writes, run: collectGarbage },
        },
        items,
        ctx.counters,
      );
    }
    for (const [row, r] of failed) profile.set(row, r);
    for (const [row, r] of profile) if (!('interrupted' in r) && r.status === 'not_found') gone.add(row);
    const calls = filtered(routingWork, (w) => !gone.has(w.rowNumber));
    // Routing calls follow the profile PATCHes: a division move changes the user's version, which a PATCH sent
    // at the same time would meet as a conflict.
    if (!isEmpty(calls) && !ctx.stopSignal?.aborted) {
      routingJournal = await Journal.open<RoutingJournalRecord>(join(dir, ROUTING_JOURNAL_FILE));
      routing = await applyRouting(
        {
          port: ctx.client,
          users: ctx.client,
          keepForeignEdits: meta.command === 'rollback',
          governor: ctx.governor,
          journal: routingJournal,
          progress: ctx.progress,
          log: ctx.log,
          stopSignal: ctx.stopSignal,
          maxConcurrency: ctx.maxConcurrency,
          firstSeq: work.firstSeq ?? 1,
          collect: { every: COLLECT_EVERY.writes, run: collectGarbage },
        },
        calls,
        ctx.counters,
      );
    }
    if (life) lifecycle = await life.finish(profile, routing);
  } catch (err) {
    throw afterCreations(err, meta.runId, created.size, resume);
  } finally {
    await journal.close();
    await routingJournal?.close();
    await life?.close();
  }
  return { profile, routing, gone, created, ...(lifecycle ? { lifecycle } : {}) };
}
