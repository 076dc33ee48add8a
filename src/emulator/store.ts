/**
 * The directory's state: users by id, kept in name order, with e-mail and username uniqueness.
 * Stored user objects are never mutated: an update replaces the object, so the initial directory can be shared
 * by reference and a reset is cheap.
 */
import type { Contact, Division, GenesysUser } from '../genesys/types.js';
import type { ExtraUserFields, ValidPatch } from './validation.js';

export type StoredUser = GenesysUser & ExtraUserFields;

export type PatchResult =
  | { ok: true; user: StoredUser }
  | { ok: false; reason: 'version'; current: number }
  | { ok: false; reason: 'duplicate'; field: 'email' | 'username'; value: string };

export const CONCURRENT_EDIT_FIELDS = ['title', 'department', 'preferredName', 'addresses'] as const;
export type ConcurrentEditField = (typeof CONCURRENT_EDIT_FIELDS)[number];

/** A change "another admin" made, and the user after it. */
export type ExternalEdit = { user: StoredUser } & (
  | { field: Exclude<ConcurrentEditField, 'addresses'>; value: string }
  | { field: 'addresses'; value: Contact }
);

const sortKey = (user: GenesysUser): string => (user.name ?? '').toLowerCase();

function compareUsers(a: GenesysUser, b: GenesysUser): number {
  const x = sortKey(a);
  const y = sortKey(b);
  if (x !== y) return x < y ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The platform fills in `display` when a contact is saved without one. */
function withDisplay(contact: Contact): Contact {
  if (contact.display !== undefined) return { ...contact };
  return { ...contact, display: contact.address ?? contact.extension ?? '' };
}

export class UserStore {
  private readonly initial: readonly StoredUser[];
  private byId = new Map<string, StoredUser>();
  private ordered: StoredUser[] = [];
  private emails = new Map<string, string>();
  private usernames = new Map<string, string>();
  /** Users created since the last reset (POST /api/v2/users), in creation order. */
  private added: StoredUser[] = [];

  constructor(users: readonly StoredUser[]) {
    const ids = new Set<string>();
    for (const user of users) {
      if (ids.has(user.id)) throw new Error(`duplicate user id ${user.id}`);
      ids.add(user.id);
    }
    this.initial = users;
    this.reset();
  }

  reset(): void {
    this.byId = new Map(this.initial.map((u) => [u.id, u]));
    // Sorting on precomputed keys: computing them in the comparator costs more than the sort itself.
    this.ordered = this.initial
      .map((user) => ({ key: sortKey(user), user }))
      .sort((a, b) =>
        a.key < b.key ? -1 : a.key > b.key ? 1 : a.user.id < b.user.id ? -1 : a.user.id > b.user.id ? 1 : 0,
      )
      .map((entry) => entry.user);
    this.emails.clear();
    this.usernames.clear();
    this.added = [];
    for (const user of this.initial) this.index(user);
  }

  private index(user: StoredUser): void {
    if (user.email) this.emails.set(user.email.toLowerCase(), user.id);
    if (user.username) this.usernames.set(user.username.toLowerCase(), user.id);
  }

  private unindex(user: StoredUser): void {
    if (user.email && this.emails.get(user.email.toLowerCase()) === user.id)
      this.emails.delete(user.email.toLowerCase());
    if (user.username && this.usernames.get(user.username.toLowerCase()) === user.id) {
      this.usernames.delete(user.username.toLowerCase());
    }
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): StoredUser | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** All users in name order (then id). */
  inNameOrder(): readonly StoredUser[] {
    return this.ordered;
  }

  /** All users in the order of the initial directory, then those created since, in creation order. */
  inDirectoryOrder(): StoredUser[] {
    return [...this.initial, ...this.added].map((u) => this.byId.get(u.id) as StoredUser);
  }

  /** The id of the user (not deleted) that has this email or username, if any. */
  ownerOf(field: 'email' | 'username', value: string): string | undefined {
    return (field === 'email' ? this.emails : this.usernames).get(value.toLowerCase());
  }

  /** Adds a new user (POST /api/v2/users); the caller has checked that its email and username are free. */
  add(user: StoredUser): void {
    if (this.byId.has(user.id)) throw new Error(`duplicate user id ${user.id}`);
    this.byId.set(user.id, user);
    this.added.push(user);
    this.index(user);
    this.ordered.splice(this.position(user), 0, user);
  }

  /**
   * Moves a user to the deleted state (DELETE /api/v2/users/{id}): its version goes up and its email and username
   * are free again (assumed: the platform lets a new user take the email of a deleted one).
   */
  markDeleted(id: string): StoredUser {
    const user = this.byId.get(id);
    if (!user) throw new Error(`no user ${id}`);
    const next: StoredUser = { ...user, state: 'deleted', version: user.version + 1 };
    this.replace(user, next);
    this.unindex(next);
    return next;
  }

  private position(user: StoredUser): number {
    let lo = 0;
    let hi = this.ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareUsers(this.ordered[mid] as StoredUser, user) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private replace(before: StoredUser, after: StoredUser): void {
    this.unindex(before);
    this.index(after);
    this.byId.set(after.id, after);
    const at = this.position(before);
    if (sortKey(before) === sortKey(after)) {
      this.ordered[at] = after;
    } else {
      this.ordered.splice(at, 1);
      this.ordered.splice(this.position(after), 0, after);
    }
  }

  /** Applies a validated patch to an existing user: version check, uniqueness, then the new version. */
  applyPatch(id: string, patch: ValidPatch, addressesPatch: 'replace' | 'merge' = 'replace'): PatchResult {
    const user = this.byId.get(id);
    if (!user) throw new Error(`no user ${id}`);
    if (patch.version !== user.version) return { ok: false, reason: 'version', current: user.version };
    for (const field of ['email', 'username'] as const) {
      const value = patch[field];
      const owner =
        value === undefined ? undefined : (field === 'email' ? this.emails : this.usernames).get(value.toLowerCase());
      if (value !== undefined && owner !== undefined && owner !== id)
        return { ok: false, reason: 'duplicate', field, value };
    }

    const next: StoredUser = { ...user, version: user.version + 1 };
    for (const key of ['department', 'title', 'preferredName'] as const) {
      const value = patch[key];
      if (value === undefined) continue;
      // An empty string clears the field: the platform omits empty fields from a user.
      if (value === '') delete next[key];
      else next[key] = value;
    }
    if (patch.name !== undefined) next.name = patch.name;
    if (patch.username !== undefined) next.username = patch.username;
    if (patch.state !== undefined) next.state = patch.state;
    if (patch.acdAutoAnswer !== undefined) next.acdAutoAnswer = patch.acdAutoAnswer;
    if (patch.chat !== undefined) next.chat = { ...patch.chat };
    if (patch.employerInfo !== undefined) next.employerInfo = { ...patch.employerInfo };
    if (patch.addresses !== undefined) {
      const sent = patch.addresses.map(withDisplay);
      const key = (c: Contact) => `${c.mediaType?.toUpperCase()}/${c.type?.toUpperCase()}`;
      const sentKeys = new Set(sent.map(key));
      next.addresses =
        addressesPatch === 'merge' ? [...(user.addresses ?? []).filter((c) => !sentKeys.has(key(c))), ...sent] : sent;
    }
    if (patch.primaryContactInfo !== undefined) next.primaryContactInfo = patch.primaryContactInfo.map(withDisplay);
    if (patch.email !== undefined) {
      next.email = patch.email;
      // The user's e-mail is their primary EMAIL contact: keep the two in step unless the patch set both.
      if (patch.primaryContactInfo === undefined) {
        const others = (next.primaryContactInfo ?? []).filter(
          (c) => !(c.mediaType === 'EMAIL' && c.type === 'PRIMARY'),
        );
        next.primaryContactInfo = [{ address: patch.email, mediaType: 'EMAIL', type: 'PRIMARY' }, ...others];
      }
    }
    if (patch.manager !== undefined) {
      if (patch.manager === '') delete next.manager;
      else next.manager = { id: patch.manager, selfUri: `/api/v2/users/${patch.manager}` };
    }
    for (const key of ['images', 'profileSkills', 'certifications', 'locations', 'groups', 'biography'] as const) {
      if (patch[key] !== undefined) Object.assign(next, { [key]: structuredClone(patch[key]) });
    }
    this.replace(user, next);
    return { ok: true, user: next };
  }

  /** Moves a user to another division: a change to the user like a PATCH, so its version goes up by one. */
  moveToDivision(id: string, division: Division): StoredUser {
    const user = this.byId.get(id);
    if (!user) throw new Error(`no user ${id}`);
    const next: StoredUser = { ...user, division: { ...division }, version: user.version + 1 };
    this.replace(user, next);
    return next;
  }

  /**
   * "Another admin" edits one field of a user, bumping its version, as a concurrent change the client did not
   * make. Returns the new value of the field.
   */
  externalEdit(id: string, field: ConcurrentEditField, serial: number): ExternalEdit {
    const user = this.byId.get(id);
    if (!user) throw new Error(`no user ${id}`);
    const next: StoredUser = { ...user, version: user.version + 1 };
    let edit: ExternalEdit;
    if (field === 'addresses') {
      // A fictional number (555-01XX) on the OTHER line, which generated users never have.
      const line = `01${String(serial % 100).padStart(2, '0')}`;
      const contact: Contact = {
        address: `+1555555${line}`,
        display: `(555) 555-${line}`,
        mediaType: 'PHONE',
        type: 'OTHER',
      };
      next.addresses = [
        ...(user.addresses ?? []).filter((c) => !(c.mediaType === 'PHONE' && c.type === 'OTHER')),
        contact,
      ];
      edit = { user: next, field, value: contact };
    } else {
      const value = `Concurrent edit #${serial}`;
      next[field] = value;
      edit = { user: next, field, value };
    }
    this.replace(user, next);
    return edit;
  }
}
