/**
 * The export part's checks, made against the emulator's own state and not through the tool's code: every user exactly
 * once, and a seeded sample of rows whose every cell is what the emulator holds, each column read the way an admin
 * reads it (README "Export"). Lists are compared as sets: their order is no part of a value.
 */
import type { RunningEmulator } from '../src/emulator/index.js';
import { createPrng } from '../src/emulator/prng.js';
import { USER_PAGE_SIZE } from '../src/export/run.js';
import type { GenesysUser } from '../src/genesys/types.js';

export interface ExportCheck {
  /** Users the emulator lists (deleted ones never). */
  expectedRows: number;
  rows: number;
  /** Ids written more than once, and listed users not written at all. */
  duplicateIds: number;
  missingIds: number;
  sampled: number;
  /** Sampled rows with at least one cell unlike the emulator's state. */
  differingRows: number;
  differingCells: number;
  /** Columns the check has no reading of (left unchecked, so a new column cannot pass unseen). */
  uncheckedColumns: string[];
  /** Up to 10 `userId column` pairs that differed (no values: they may be personal data). */
  examples: string[];
}

const PHONE_TYPES: Record<string, string> = {
  work: 'WORK',
  work2: 'WORK2',
  work3: 'WORK3',
  work4: 'WORK4',
  home: 'HOME',
  mobile: 'MOBILE',
  main: 'MAIN',
  other: 'OTHER',
};
const TEXT = ['email', 'name', 'title', 'department', 'preferredName'] as const;
const EMPLOYER = ['officialName', 'employeeId', 'employeeType', 'dateHire'] as const;

interface Lookup {
  emu: RunningEmulator;
  skill: Map<string, string>;
  language: Map<string, string>;
  queue: Map<string, string>;
  role: Map<string, string>;
  division: Map<string, string>;
  location: Map<string, string>;
  group: Map<string, string>;
}

function lookup(emu: RunningEmulator): Lookup {
  const c = emu.catalogue();
  const byId = (list: readonly { id: string; name?: string }[]) =>
    new Map(list.map((e) => [e.id, e.name ?? `?${e.id}`]));
  return {
    emu,
    skill: byId(c.skills),
    language: byId(c.languages),
    queue: byId(c.queues),
    role: byId(c.roles),
    division: byId(c.divisions),
    location: byId(emu.locations()),
    group: byId(emu.groups()),
  };
}

const trimmed = (v: string | undefined | null): string => (v ?? '').trim();
const level = (p: number): string => String(Math.round(p * 10) / 10);

/** What a column's cell should hold for this user, or undefined when the check has no reading of the column. */
function expectedCell(column: string, user: GenesysUser, l: Lookup): string[] | string | undefined {
  if ((TEXT as readonly string[]).includes(column)) return trimmed(user[column as (typeof TEXT)[number]]);
  const employer = /^employerInfo\.(\w+)$/.exec(column)?.[1];
  if (employer && (EMPLOYER as readonly string[]).includes(employer)) {
    return trimmed(user.employerInfo?.[employer as (typeof EMPLOYER)[number]]);
  }
  const phone = /^phone\.(\w+?)(\.extension)?$/.exec(column);
  if (phone && PHONE_TYPES[phone[1]!]) {
    const entry = user.addresses?.find((a) => a.mediaType === 'PHONE' && a.type === PHONE_TYPES[phone[1]!]);
    const digits = (entry?.address ?? '').replace(/\D/g, '');
    // A phone with only an extension is written in its `.extension` column, its number column blank.
    if (phone[2]) return digits === '' ? trimmed(entry?.extension) : '';
    return digits === '' ? '' : `+${digits}`;
  }
  const id = user.id;
  switch (column) {
    case 'id':
      return id;
    case 'manager':
      return trimmed(user.manager?.id);
    case 'state':
      return user.state;
    case 'division':
      return user.division?.name ?? '';
    case 'acdAutoAnswer':
      return user.acdAutoAnswer === true ? 'true' : 'false';
    case 'locations':
      return (user.locations ?? []).map((x) => l.location.get(x.id) ?? `?${x.id}`);
    case 'profileSkills':
      return [...(user.profileSkills ?? [])];
    case 'certifications':
      return [...(user.certifications ?? [])];
    case 'skills':
      return (l.emu.userSkills(id) ?? []).map((s) => `${l.skill.get(s.id) ?? s.name}:${level(s.proficiency)}`);
    case 'languages':
      return (l.emu.userLanguages(id) ?? []).map((s) => `${l.language.get(s.id) ?? s.name}:${level(s.proficiency)}`);
    case 'queues':
      return (l.emu.userQueues(id) ?? []).map((q) => `+${l.queue.get(q)}`);
    case 'groups':
      return (l.emu.userGroups(id) ?? []).map((g) => l.group.get(g) ?? `?${g}`);
    case 'roles':
      return (l.emu.grants(id) ?? []).map((g) => `${l.role.get(g.roleId)}@${l.division.get(g.divisionId)}`);
    default:
      return undefined;
  }
}

const sameCell = (column: string, want: string[] | string, got: string): boolean => {
  if (typeof want === 'string') return column === 'email' ? want.toLowerCase() === got.toLowerCase() : want === got;
  const items = got === '' ? [] : got.split(';');
  const a = [...new Set(want)].sort();
  const b = [...new Set(items)].sort();
  return items.length === b.length && a.length === b.length && a.every((x, i) => x === b[i]);
};

/** Checks the written rows (header first) against the emulator: ids in full, every cell of `sample` rows. */
export function checkExport(
  emu: RunningEmulator,
  header: readonly string[],
  rows: readonly string[][],
  sample: number,
  seed: number,
): ExportCheck {
  const users = new Map(emu.users().map((u) => [u.id, u]));
  for (const [id, u] of users) if (u.state === 'deleted') users.delete(id);
  const idAt = header.indexOf('id');
  const seen = new Set<string>();
  let duplicateIds = 0;
  for (const row of rows) {
    const id = row[idAt] ?? '';
    if (seen.has(id)) duplicateIds++;
    seen.add(id);
  }
  const missingIds = [...users.keys()].filter((id) => !seen.has(id)).length;

  const l = lookup(emu);
  const unchecked = header.filter((c) => {
    const probe = users.values().next().value;
    return probe === undefined || expectedCell(c, probe, l) === undefined;
  });
  const prng = createPrng(seed);
  const picked = new Set<number>();
  while (picked.size < Math.min(sample, rows.length)) picked.add(prng.int(0, rows.length - 1));
  let differingRows = 0;
  let differingCells = 0;
  const examples: string[] = [];
  for (const i of picked) {
    const row = rows[i]!;
    const user = users.get(row[idAt] ?? '');
    let wrong = 0;
    header.forEach((column, c) => {
      const want = user ? expectedCell(column, user, l) : '\u0000no such user';
      if (want === undefined || (user && sameCell(column, want, row[c] ?? ''))) return;
      wrong++;
      if (examples.length < 10) examples.push(`${row[idAt]} ${column}`);
    });
    if (wrong > 0) differingRows++;
    differingCells += wrong;
  }
  return {
    expectedRows: users.size,
    rows: rows.length,
    duplicateIds,
    missingIds,
    sampled: picked.size,
    differingRows,
    differingCells,
    uncheckedColumns: unchecked,
    examples,
  };
}

/** Pages of a listing of n items, 100 a page; an empty listing still costs its one page. */
export const pages = (n: number): number => Math.max(1, Math.ceil(n / 100));

export interface ExportBound {
  listingPages: number;
  cataloguePages: number;
  queueMemberPages: number;
  groupMemberPages: number;
  grants: number;
  total: number;
}

/**
 * README "Export", from the emulator's data: ⌈U/500⌉ listing pages (skills and languages expanded in them), each
 * catalogue's pages (divisions, skills, languages, queues, roles, locations, groups), each queue's and each group's
 * member listing once, and one grants read per user (the `roles` column).
 */
export function exportBound(emu: RunningEmulator): ExportBound {
  const live = new Set(
    emu
      .users()
      .filter((u) => u.state !== 'deleted')
      .map((u) => u.id),
  );
  const c = emu.catalogue();
  const groups = emu.groups();
  const listingPages = Math.max(1, Math.ceil(live.size / USER_PAGE_SIZE));
  const cataloguePages = [c.divisions, c.skills, c.languages, c.queues, c.roles, emu.locations(), groups].reduce(
    (n, list) => n + pages(list.length),
    0,
  );
  const queueMemberPages = c.queues.reduce((n, q) => n + pages(emu.queueMembers(q.id)?.length ?? 0), 0);
  const groupMemberPages = groups.reduce((n, g) => n + pages(g.members.filter((m) => live.has(m)).length), 0);
  const grants = live.size;
  return {
    listingPages,
    cataloguePages,
    queueMemberPages,
    groupMemberPages,
    grants,
    total: listingPages + cataloguePages + queueMemberPages + groupMemberPages + grants,
  };
}
