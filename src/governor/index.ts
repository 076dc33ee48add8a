export { type Clock, systemClock } from './clock.js';
export { createGovernor } from './governor.js';
export type { LaneStats, TokenLanes } from './lanes.js';
export type {
  ExecuteResult,
  GiveUpReason,
  Governor,
  GovernorEvent,
  GovernorOptions,
  GovernorStats,
  RateSource,
  RetryBudgetOptions,
} from './types.js';
export { GovernorStoppedError } from './types.js';
