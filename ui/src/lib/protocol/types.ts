// The protocol's types, generated from Rust (crates/core protocol.rs, sla.rs, hours.rs): a drift
// fails `npm run check`. Short local names for the generated ones.
export type {
  BusinessHours,
  FiredRule as Fired,
  OpenRange,
  Priority,
  ProtocolActions as Actions,
  ProtocolConditions as Conditions,
  ProtocolEvaluation as Evaluation,
  ProtocolRule as Rule,
  ProtocolVisibility as Visibility,
  ResponseSettings,
  ResponseTarget as Target,
  TargetBasis as Basis,
  WeekSchedule,
} from '../backend/generated/types';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
