/**
 * The user fields beyond the basic profile: the locations catalogue, the fields only an expansion shows
 * (`locations`, `profileSkills`, `certifications`), and the permission an extension needs. Pure.
 */
import type { Contact, LocationDefinition } from '../genesys/types.js';
import { createPrng, deriveSeed } from './prng.js';
import type { CatalogueEntry } from './routing.js';
import type { StoredUser } from './store.js';

export const DEFAULT_LOCATIONS = 6;

/** Fields the platform leaves out of a user unless `expand` names them (its `expand` documentation lists them). */
export const EXPAND_ONLY = ['locations', 'profileSkills', 'certifications'] as const;

/** The permission that setting a phone entry's extension needs besides `directory:user:edit`. */
export const EXTENSION_PERMISSION = 'telephony:extension:assign';

const SITES = ['Indianapolis HQ', 'Raleigh', 'Galway', 'Frankfurt', 'Tokyo', 'São Paulo', 'Sydney', 'Remote'];
const PROFILE_SKILLS = ['Java', 'Spanish', 'Negotiation', 'Excel', 'Coaching', 'SQL', 'French', 'Public speaking'];
const CERTIFICATIONS = ['ITIL Foundation', 'PMP', 'Genesys Cloud Certified Professional', 'Six Sigma Green Belt'];

export function generateLocations(seed: number, option: number | CatalogueEntry[] | undefined): LocationDefinition[] {
  if (Array.isArray(option)) return option.map((l) => ({ id: l.id, name: l.name, state: 'active' }));
  const count = option ?? DEFAULT_LOCATIONS;
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`locations must be a non-negative integer, got ${count}`);
  const prng = createPrng(deriveSeed(seed, 'locations'));
  return Array.from({ length: count }, (_, i) => ({
    id: prng.uuid(),
    name: i < SITES.length ? SITES[i]! : `Site ${i + 1}`,
    state: 'active',
  }));
}

/**
 * Gives generated users locations, profile skills and certifications, from a random stream of their own so that
 * the rest of the generated directory is what it was before these fields existed.
 */
export function withProfileExtras(users: StoredUser[], locations: readonly LocationDefinition[], seed: number): void {
  const prng = createPrng(deriveSeed(seed, 'profile-extras'));
  for (const user of users) {
    if (locations.length > 0 && prng.chance(0.6)) {
      const first = prng.pick(locations);
      user.locations = [{ id: first.id, ...(prng.chance(0.2) ? { notes: 'Desk by the window' } : {}) }];
    }
    if (prng.chance(0.4)) user.profileSkills = [...new Set([prng.pick(PROFILE_SKILLS), prng.pick(PROFILE_SKILLS)])];
    if (prng.chance(0.2)) user.certifications = [prng.pick(CERTIFICATIONS)];
  }
}

/** The user as a read shows it: the expand-only fields only when asked for (an empty list when the user has none). */
export function visibleUser(user: StoredUser, expand: ReadonlySet<string>): StoredUser {
  const out: StoredUser = { ...user };
  for (const field of EXPAND_ONLY) {
    if (expand.has(field)) Object.assign(out, { [field]: structuredClone(user[field] ?? []) });
    else delete out[field];
  }
  return out;
}

/** The user as a read without `expand` shows it. */
export function unexpanded<U extends StoredUser>(user: U): U {
  return visibleUser(user, new Set()) as U;
}

/** The `expand` of a query (repeated or comma-separated) or of a search body. */
export function expandOf(query: URLSearchParams, body?: unknown): Set<string> {
  const fromBody =
    typeof body === 'object' && body !== null && Array.isArray((body as { expand?: unknown }).expand)
      ? ((body as { expand: unknown[] }).expand.filter((x) => typeof x === 'string') as string[])
      : [];
  return new Set([...query.getAll('expand'), ...fromBody].flatMap((v) => v.split(',').map((x) => x.trim())));
}

const phoneKey = (c: Contact) => `${c.mediaType}/${c.type}`;

/** Whether `after` sets an extension that `before` did not have (a new or changed extension; removing one is free). */
export function setsExtension(before: readonly Contact[] | undefined, after: readonly Contact[]): boolean {
  const was = new Map((before ?? []).map((c) => [phoneKey(c), c.extension]));
  return after.some((c) => c.extension !== undefined && was.get(phoneKey(c)) !== c.extension);
}
