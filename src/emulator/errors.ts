/** The platform's error bodies. */
import { randomUUID } from 'node:crypto';

export interface PlatformError {
  message: string;
  code: string;
  status: number;
  contextId: string;
  details: unknown[];
  errors: unknown[];
}

export function platformError(status: number, code: string, message: string): PlatformError {
  return { message, code, status, contextId: randomUUID(), details: [], errors: [] };
}

export const VERSION_CONFLICT_MESSAGE =
  'The version number of the modified resource must match the version number in the database.';

/**
 * The answer to a write carrying a stale version: 409, or (`versionConflictStatus: 400`) the 400 whose message says
 * the version does not match, which Genesys's Terraform provider also reads as a version conflict.
 */
export function versionConflict(status: 400 | 409, sent: unknown, current: number): PlatformError {
  if (status === 409) return platformError(409, 'general.conflict', VERSION_CONFLICT_MESSAGE);
  return platformError(
    400,
    'bad.request',
    `The version ${String(sent)} does not match the current version ${current}.`,
  );
}

export const rateLimitMessage = (seconds: number): string =>
  `Rate limit exceeded the maximum. Retry the request in [${seconds}] seconds`;

/** The body of a rejected token request (RFC 6749 shape, as the platform's login service answers). */
export interface OAuthError {
  error: string;
  description: string;
  error_description: string;
}

export function oauthError(error: string, description: string): OAuthError {
  return { error, description, error_description: description };
}
