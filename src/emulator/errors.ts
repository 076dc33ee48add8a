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
