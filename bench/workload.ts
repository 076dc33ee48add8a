/**
 * The benchmark workload: input rows generated from the emulator's seeded directory, the CSV the clients read,
 * and the check of the emulator's final directory against what the rows asked for.
 */
import { writeFileSync } from 'node:fs';
import type { GenesysUser } from '../src/genesys/types.js';

/** CSV header names, as genesys-bulk's input format spells them. */
export const COLUMNS = {
  email: 'email',
  title: 'title',
  department: 'department',
  mobile: 'phone.mobile',
} as const;

export interface InputRow {
  email: string;
  title: string;
  department: string;
  mobile: string;
}

export type RowKind = 'change' | 'unchanged' | 'unknown';

export interface PlannedRow {
  row: InputRow;
  kind: RowKind;
  userId?: string;
}

export interface WorkloadSpec {
  changes: number;
  unchanged: number;
  unknown: number;
  seed: number;
}

export interface Workload {
  rows: PlannedRow[];
  /** Every user as it was before the run, by id: the reference for collateral changes. */
  before: Map<string, GenesysUser>;
}

export const TITLES = [
  'Agent',
  'Senior Agent',
  'Team Lead',
  'Supervisor',
  'Quality Analyst',
  'Workforce Planner',
  'Trainer',
  'Operations Manager',
];
const AREA_CODES = ['317', '212', '415', '312', '206', '512', '404', '617', '303', '702'];
const DEPARTMENTS = ['Sales', 'Support', 'Billing', 'Retention', 'Onboarding', 'Collections', 'Technical', 'Claims'];

/** mulberry32: a small seeded PRNG, so the same seed gives the same workload. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mobileOf(user: GenesysUser): string | undefined {
  return user.addresses?.find((a) => a.mediaType === 'PHONE' && a.type === 'MOBILE')?.address;
}

export function pickOther(values: string[], current: string, rand: () => number): string {
  const choices = values.filter((v) => v !== current);
  return choices[Math.floor(rand() * choices.length)] ?? `${current} II`;
}

/**
 * Rows keyed by email. Every row carries all three columns with the wanted final value, so a row means the
 * same whether a blank cell is read as "leave alone" or not; only users that have all three fields qualify.
 */
export function generateWorkload(users: GenesysUser[], spec: WorkloadSpec): Workload {
  const rand = prng(spec.seed);
  const before = new Map<string, GenesysUser>();
  for (const u of users) before.set(u.id, structuredClone(u));
  const eligible = users.filter((u) => u.state === 'active' && u.email && u.title && u.department && mobileOf(u));
  const needed = spec.changes + spec.unchanged;
  if (eligible.length < needed) {
    throw new Error(`Directory has ${eligible.length} eligible users; the workload needs ${needed}.`);
  }
  // Partial Fisher-Yates: a uniform sample without replacement.
  const pool = eligible.slice();
  for (let i = 0; i < needed; i++) {
    const j = i + Math.floor(rand() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const rows: PlannedRow[] = [];
  for (let i = 0; i < needed; i++) {
    const u = pool[i]!;
    const current: InputRow = { email: u.email!, title: u.title!, department: u.department!, mobile: mobileOf(u)! };
    if (i >= spec.changes) {
      rows.push({ row: current, kind: 'unchanged', userId: u.id });
      continue;
    }
    // Each changed row changes one to three fields; bit 0 title, bit 1 department, bit 2 mobile.
    const mask = 1 + Math.floor(rand() * 7);
    const row = { ...current };
    if (mask & 1) row.title = pickOther(TITLES, current.title, rand);
    if (mask & 2) row.department = pickOther(DEPARTMENTS, current.department, rand);
    if (mask & 4) {
      let mobile = current.mobile;
      // 555-01XX numbers are reserved for fiction, like the emulator's own.
      for (let k = 0; k < 10 && mobile === current.mobile; k++) {
        const area = AREA_CODES[Math.floor(rand() * AREA_CODES.length)];
        mobile = `+1${area}55501${String(Math.floor(rand() * 100)).padStart(2, '0')}`;
      }
      row.mobile = mobile;
    }
    rows.push({ row, kind: 'change', userId: u.id });
  }
  for (let i = 0; i < spec.unknown; i++) {
    rows.push({
      row: {
        email: `nobody.${spec.seed}.${i}@unknown.example`,
        title: 'Agent',
        department: 'Sales',
        mobile: '+13175550100',
      },
      kind: 'unknown',
    });
  }
  // Shuffle so unknown and unchanged rows are spread through the file, as in a real export.
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  return { rows, before };
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function writeCsv(path: string, rows: PlannedRow[]): void {
  const header = [COLUMNS.email, COLUMNS.title, COLUMNS.department, COLUMNS.mobile].join(',');
  const lines = rows.map(({ row }) => [row.email, row.title, row.department, row.mobile].map(csvCell).join(','));
  writeFileSync(path, `${header}\n${lines.join('\n')}\n`);
}

export interface Verification {
  changeRows: number;
  /** Changed rows whose user now has every wanted value. */
  changedCorrect: number;
  /** Unchanged rows whose user still has every value. */
  unchangedCorrect: number;
  /** Rows (changed or unchanged) not correct at the end: the benchmark's "failures". */
  failures: number;
  /** Users whose fields other than the three targets changed, or users outside the input that were written. */
  collateral: number;
}

function targetsMatch(user: GenesysUser | undefined, row: InputRow): boolean {
  return (
    user !== undefined &&
    user.title === row.title &&
    user.department === row.department &&
    mobileOf(user) === row.mobile
  );
}

/** JSON with object keys sorted: a server may rebuild an object with its keys in another order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Everything but the three target fields and the bookkeeping a write changes. */
function untouchedPart(user: GenesysUser): string {
  const { title: _t, department: _d, version: _v, addresses, ...rest } = user;
  const others = (addresses ?? [])
    .filter((a) => !(a.mediaType === 'PHONE' && a.type === 'MOBILE'))
    .map((a) => canonical(a))
    .sort();
  return canonical({ ...rest, others });
}

export function verify(workload: Workload, after: GenesysUser[]): Verification {
  const afterById = new Map(after.map((u) => [u.id, u]));
  const inInput = new Set<string>();
  let changeRows = 0;
  let changedCorrect = 0;
  let unchangedCorrect = 0;
  for (const planned of workload.rows) {
    if (!planned.userId) continue;
    inInput.add(planned.userId);
    const ok = targetsMatch(afterById.get(planned.userId), planned.row);
    if (planned.kind === 'change') {
      changeRows++;
      if (ok) changedCorrect++;
    } else if (ok) {
      unchangedCorrect++;
    }
  }
  const known = workload.rows.filter((r) => r.userId).length;
  let collateral = 0;
  for (const [id, was] of workload.before) {
    const now = afterById.get(id);
    if (!now) {
      collateral++;
      continue;
    }
    if (inInput.has(id)) {
      if (untouchedPart(now) !== untouchedPart(was)) collateral++;
    } else if (now.version !== was.version || canonical(now) !== canonical(was)) {
      collateral++;
    }
  }
  return {
    changeRows,
    changedCorrect,
    unchangedCorrect,
    failures: known - changedCorrect - unchangedCorrect,
    collateral,
  };
}
