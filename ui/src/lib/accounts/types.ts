// Account types. Times are ms since the Unix epoch.

// Generated from Rust (crates/api account.rs, crates/store mailbox.rs): a drift fails `npm run check`.
export type { AccountHealth, AccountInfo, StreamHealth, SyncStatus } from '../backend/generated/types';

export type Security = 'tls' | 'starttls';
