// The Rust types that cross IPC/HTTP, as generated from crates/api/src/rpc.rs into
// ./generated/ (drift-checked by crates/api/tests/bindings.rs). Field names are Rust's
// (snake_case) because serde keeps them. Every `*_at` is milliseconds since the Unix epoch, UTC.
// This file only re-exports them under the names the UI has always used, plus a few constants.
import type { CaseStatus, Code } from './generated/types';

export type * from './generated/types';

/** In the order the UI lists them (crates/core CaseStatus). */
export const CASE_STATUSES: readonly CaseStatus[] = ['new', 'open', 'waiting', 'snoozed', 'resolved'];

/** crates/api error::Code. Branch on this, never on the message text. */
export type ErrorCode = Code;
