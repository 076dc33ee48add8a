/**
 * Routing diff fields: `skill:<name>` and `language:<name>` (a proficiency), `<membership kind>:<name>` (`member`),
 * `role:<role>@<division>` (`granted`) and `division` (its name). The one place that writes, reads, shows and
 * compares them, and turns them back into changes (a rollback) or into the reads they need.
 */
import type { Grant, UserRoutingLanguage, UserRoutingSkill } from '../genesys/routing-types.js';
import {
  isMembershipKind,
  type MembershipKind,
  membershipOf,
  type ProficiencyItem,
  type RoleGrantItem,
  type RoutingChanges,
} from '../input/index.js';
import type { RoutingResolvers } from './catalogue.js';
import { PlanError } from './errors.js';
import type { FieldDiff } from './fields.js';

/** Diff values: a membership and a grant have no value beyond being there. */
export const MEMBER = 'member';
export const GRANTED = 'granted';

/** What a user has now, as read from the platform. */
export interface CurrentRouting {
  skills: readonly UserRoutingSkill[];
  languages: readonly UserRoutingLanguage[];
  /**
   * Per membership kind, the entities the user is a member of: among those the file names (others are never
   * planned, so never read), or all of them where a row gives an exact list.
   */
  memberOf: Partial<Record<MembershipKind, ReadonlySet<string>>>;
  grants: readonly Grant[];
  divisionId?: string;
  /**
   * What the user holds through groups (queue memberships `memberBy: group`, grants whose subject is a group): never
   * in `memberOf` or `grants`, so never planned; a row that would remove one gets a note saying it stays.
   */
  held?: {
    memberOf: Partial<Record<MembershipKind, ReadonlySet<string>>>;
    /** With the group's id as `subjectId`. */
    grants: readonly Grant[];
  };
}

export type RoutingField =
  | { kind: 'skill' | 'language' | MembershipKind; name: string }
  | { kind: 'role'; role: string; division: string }
  | { kind: 'division' };

/** The diff field of an item. */
export function fieldName(f: RoutingField): string {
  if (f.kind === 'division') return 'division';
  if (f.kind === 'role') return `role:${f.role}@${f.division}`;
  return `${f.kind}:${f.name}`;
}

const PREFIXED = /^([a-z]+):(.+)$/s;

/** A routing field read back; undefined for a profile field. A role field splits at its last `@`, as the input does. */
export function parseRoutingField(field: string): RoutingField | undefined {
  if (field === 'division') return { kind: 'division' };
  const m = PREFIXED.exec(field);
  if (m === null) return undefined;
  const [, kind, name] = m as unknown as [string, string, string];
  if (kind === 'skill' || kind === 'language' || isMembershipKind(kind)) return { kind, name };
  if (kind !== 'role') return undefined;
  const at = name.lastIndexOf('@');
  return at === -1 ? undefined : { kind, role: name.slice(0, at), division: name.slice(at + 1) };
}

/** Whether a diff's field is a routing field rather than a profile one. */
export function isRoutingField(field: string): boolean {
  return parseRoutingField(field) !== undefined || field.startsWith('role:');
}

/** A field's group in the plan's totals: `skill:*` for every skill, the field itself for the rest. */
export function fieldGroup(field: string): string {
  const f = parseRoutingField(field);
  return f === undefined || f.kind === 'division' ? field : `${f.kind}:*`;
}

/** Proficiencies as the diffs show them: 4, 4.5 (the platform may return 4.0, or float noise). */
export function showProficiency(p: number): string {
  return String(Math.round(p * 10) / 10);
}

export function sameProficiency(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-6;
}

/** Two values of a routing field are the same: proficiencies as numbers, names whatever their case. */
export function sameRoutingValue(field: string, a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  const kind = parseRoutingField(field)?.kind;
  if (kind === 'skill' || kind === 'language') return sameProficiency(Number(a), Number(b));
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * The value a routing field has now, in the notation of its diffs: a proficiency, `member`, `granted`, a division's
 * name, or null. Names resolve through the catalogue, and failing that through the names the platform gave with the
 * assignments.
 */
export function readRoutingField(current: CurrentRouting, field: string, resolvers: RoutingResolvers): string | null {
  const f = parseRoutingField(field);
  if (f === undefined) throw new RangeError(`Not a routing field: ${field}`);
  const same = (a: string | undefined, b: string) =>
    a !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();
  switch (f.kind) {
    case 'division':
      if (current.divisionId === undefined) return null;
      return resolvers.nameOf?.('division', current.divisionId) ?? current.divisionId;
    case 'skill':
    case 'language': {
      const list = f.kind === 'skill' ? current.skills : current.languages;
      const id = resolvers.id(f.kind, f.name);
      const found = list.find((x) => (id !== undefined ? x.id === id : same(x.name, f.name)));
      return found === undefined ? null : showProficiency(found.proficiency);
    }
    case 'role': {
      const roleId = resolvers.id('role', f.role);
      const divisionId = resolvers.id('division', f.division);
      const held = current.grants.some((g) =>
        roleId !== undefined && divisionId !== undefined
          ? g.role.id === roleId && g.division.id === divisionId
          : same(`${g.role.name}@${g.division.name}`, `${f.role}@${f.division}`),
      );
      return held ? GRANTED : null;
    }
    default: {
      const id = resolvers.id(f.kind, f.name);
      return id !== undefined && current.memberOf[f.kind]?.has(id) ? MEMBER : null;
    }
  }
}

/**
 * The changes (as changes, not exact lists) that set every routing diff back to its before-value: what a rollback
 * plans against the user's state at that time. Names are the names in the diffs, so they resolve against the
 * catalogue again. Throws RangeError on a field that is not a routing field.
 */
export function inverseRoutingChanges(diffs: readonly FieldDiff[]): RoutingChanges {
  const out: RoutingChanges = {};
  const delta = <T, R>(change: { mode: 'delta'; add: T[]; remove: R[] } | undefined) =>
    change ?? { mode: 'delta' as const, add: [] as T[], remove: [] as R[] };
  for (const d of diffs) {
    const f = parseRoutingField(d.field);
    if (f === undefined) throw new RangeError(`Not a routing field: ${d.field}`);
    switch (f.kind) {
      case 'division':
        if (d.before === null) {
          throw new PlanError('not_invertible', d.field, 'division cannot be rolled back: the user had no division.');
        }
        out.division = d.before;
        break;
      case 'skill':
      case 'language': {
        const column = f.kind === 'skill' ? 'skills' : 'languages';
        const change = delta<ProficiencyItem, string>(out[column] as never);
        if (d.before === null) change.remove.push(f.name);
        else change.add.push({ name: f.name, proficiency: Number(d.before) });
        out[column] = change;
        break;
      }
      case 'role': {
        const change = delta<RoleGrantItem, RoleGrantItem>(out.roles as never);
        (d.before === null ? change.remove : change.add).push({ role: f.role, division: f.division });
        out.roles = change;
        break;
      }
      default: {
        const { column } = membershipOf(f.kind);
        const change = delta<string, string>(out[column] as never);
        (d.before === null ? change.remove : change.add).push(f.name);
        out[column] = change;
      }
    }
  }
  return out;
}
