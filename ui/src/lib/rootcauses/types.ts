// The taxonomy node as crates/store taxonomy::RootCause serializes it (generated; a drift fails
// `npm run check`), with the fix date and the before/after-fix case counts.
import type { RootCause } from '../backend/generated/types';

export type { RootCause };

/** What a row can do; the screen implements each as one command. */
export interface CauseActions {
  rename(cause: RootCause, name: string): Promise<void>;
  move(cause: RootCause, parent: string | null): Promise<void>;
  merge(cause: RootCause, into: string): Promise<void>;
  archive(cause: RootCause): Promise<void>;
  setStatus(cause: RootCause, status: string, note: string | null): Promise<void>;
}
