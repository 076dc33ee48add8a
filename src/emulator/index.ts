/** The Genesys Cloud emulator: an HTTP server speaking enough of the platform's API for the official SDK. */
export type { Fault, IssuedToken } from './core.js';
export { type DirectoryOptions, generateDirectory } from './directory.js';
export {
  createLimiter,
  FixedWindowLimiter,
  type RateDecision,
  type RateLimitAlgorithm,
  type RateLimitConfig,
  type RateLimiter,
  SlidingWindowLimiter,
  TokenBucketLimiter,
} from './limiter.js';
export {
  type ApiRequestEvent,
  DEFAULT_CLIENT_ID,
  DEFAULT_CONFIG,
  type EmulatorConfig,
  type EmulatorOptions,
  type FaultOptions,
} from './options.js';
export type { Reply, Route, RouteContext, RouteKind } from './router.js';
export type { RoutingDump, UserRoutingDump } from './routes/routing.js';
export {
  type CatalogueEntry,
  type DivisionEntry,
  generateCatalogue,
  type QueueEntry,
  type QueueOption,
  type RoutingCatalogue,
  type UserAssignments,
} from './routing.js';
export { type RunningEmulator, startEmulator } from './server.js';
export type { ConcurrentEdit, EmulatorCounters, EmulatorStats, RoutingWriteKind } from './stats.js';
export type { ConcurrentEditField } from './store.js';
export { type ValidPatch, validatePatch } from './validation.js';
