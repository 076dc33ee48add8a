import type { GenesysUser, UserPatch } from '../genesys/types.js';
import { TEXT_FIELDS } from './fields.js';

/**
 * What the platform does with a PATCH, as genesys-bulk assumes it: sent fields replace the user's, arrays and
 * employerInfo are replaced whole, an empty string clears a text field or the manager, and the version goes up by
 * one. Rejects what the platform rejects: a stale `version` and a `state` sent with other fields.
 * Returns a new user; the given one is not modified.
 */
export function applyPatch(user: GenesysUser, patch: Partial<UserPatch>): GenesysUser {
  if (patch.version !== undefined && patch.version !== user.version) {
    throw new Error(`version ${patch.version} does not match the current version ${user.version}`);
  }
  const fields = Object.keys(patch).filter((k) => k !== 'version');
  if (patch.state !== undefined && fields.length > 1) throw new Error('state must be the only field of a PATCH');

  const next: GenesysUser = structuredClone(user);
  for (const field of [...TEXT_FIELDS, 'username'] as const) {
    const value = patch[field];
    if (value === undefined) continue;
    if (value === '') delete next[field];
    else next[field] = value;
  }
  if (patch.manager !== undefined) {
    if (patch.manager === '') delete next.manager;
    else next.manager = { id: patch.manager };
  }
  if (patch.employerInfo !== undefined) next.employerInfo = structuredClone(patch.employerInfo);
  if (patch.addresses !== undefined) next.addresses = structuredClone(patch.addresses);
  if (patch.acdAutoAnswer !== undefined) next.acdAutoAnswer = patch.acdAutoAnswer;
  for (const field of ['locations', 'profileSkills', 'certifications'] as const)
    if (patch[field] !== undefined) Object.assign(next, { [field]: structuredClone(patch[field]) });
  if (patch.state !== undefined) next.state = patch.state;
  next.version = user.version + 1;
  return next;
}
