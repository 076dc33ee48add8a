export { type Clock, systemClock } from './clock.js';
export { createGovernor } from './governor.js';
export { mayHaveActed } from './retry.js';
export type {
  ExecuteResult,
  GiveUpReason,
  Governor,
  GovernorEvent,
  GovernorOptions,
  GovernorStats,
  LaneStats,
  RateSource,
  RetryBudgetOptions,
  TokenLanes,
} from './types.js';
export { GovernorStoppedError } from './types.js';
