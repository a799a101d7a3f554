import type { FollowUp } from './types';

/** As crates/core followup::DUE_SOON_MS: due within a day counts as "due", later as "upcoming". */
export const DUE_SOON_MS = 24 * 3_600_000;

export interface FollowUpBuckets {
  /** Its time has passed (due_at ≤ now) and it is not done. */
  overdue: FollowUp[];
  /** Due within the next 24 hours. */
  due: FollowUp[];
  upcoming: FollowUp[];
  done: FollowUp[];
}

/**
 * Splits follow-ups the way core::followup::classify does, against the UI's own clock so a
 * reminder moves from "due" to "overdue" on time without asking the backend again. Each bucket is
 * soonest first; done ones newest first.
 */
export function bucket(list: FollowUp[], now: number): FollowUpBuckets {
  const open = list.filter((f) => f.done_at === null).sort((a, b) => a.due_at - b.due_at || a.id - b.id);
  return {
    overdue: open.filter((f) => f.due_at <= now),
    due: open.filter((f) => f.due_at > now && f.due_at <= now + DUE_SOON_MS),
    upcoming: open.filter((f) => f.due_at > now + DUE_SOON_MS),
    done: list.filter((f) => f.done_at !== null).sort((a, b) => (b.done_at ?? 0) - (a.done_at ?? 0)),
  };
}

/** "3 h overdue", "in 2 days": how far a due time is from now, rounded in the largest unit that fits. */
export function relative(due: number, now: number): string {
  const diff = due - now;
  const abs = Math.abs(diff);
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'h'],
    [60_000, 'min'],
  ];
  for (const [ms, name] of units) {
    if (abs >= ms) {
      const n = Math.round(abs / ms);
      const label = name === 'day' ? (n === 1 ? 'day' : 'days') : name;
      return diff < 0 ? `${n} ${label} overdue` : `in ${n} ${label}`;
    }
  }
  return diff < 0 ? 'just now' : 'now';
}
