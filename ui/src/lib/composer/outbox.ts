import type { OutboxEntry } from '../backend/types';

export interface OutboxCounts {
  /** Waiting to go out (queued or being sent right now). */
  queued: number;
  /** Sent or not: must be reconciled before any retry. */
  unknown: number;
  failed: number;
  total: number;
}

/** What the top bar shows. Discarded and sent items need nothing from the user. */
export function outboxCounts(items: readonly Pick<OutboxEntry, 'state' | 'discarded'>[]): OutboxCounts {
  const live = items.filter((i) => !i.discarded && i.state !== 'sent');
  const queued = live.filter((i) => i.state === 'queued' || i.state === 'sending').length;
  const unknown = live.filter((i) => i.state === 'unknown').length;
  const failed = live.filter((i) => i.state === 'failed').length;
  return { queued, unknown, failed, total: queued + unknown + failed };
}
