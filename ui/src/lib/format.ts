import type { CaseStatus, ContactRef } from './backend/types';

/** The customer as a person would name them: display name, else address/handle. */
export function contactName(c: ContactRef | null | undefined): string {
  return c?.name?.trim() || c?.address?.trim() || 'Unknown sender';
}

const STATUS_LABELS: Record<CaseStatus, string> = {
  new: 'New',
  open: 'Open',
  waiting: 'Waiting',
  snoozed: 'Snoozed',
  resolved: 'Resolved',
};

export function statusLabel(s: CaseStatus): string {
  return STATUS_LABELS[s] ?? s;
}

const CHANNEL_LABELS: Record<string, string> = {
  email: 'Email',
  phone: 'Phone',
  in_person: 'In person',
  telegram: 'Telegram',
  bluesky: 'Bluesky',
  mastodon: 'Mastodon',
  x: 'X',
};

/** A channel's name for people; a place such as `bluesky dm` (a private message on a public
 * network, see the reports) reads "Bluesky DM". */
export function channelLabel(ch: string): string {
  const dm = / dm$/.exec(ch);
  if (dm) {
    const base = ch.slice(0, dm.index);
    return `${CHANNEL_LABELS[base] ?? base} DM`;
  }
  return CHANNEL_LABELS[ch] ?? ch;
}

/** Time of day for today, "Mon 3" within the year, a full date otherwise. */
export function shortTime(ms: number | null | undefined, now: number = Date.now()): string {
  if (ms === null || ms === undefined) return '';
  const d = new Date(ms);
  const n = new Date(now);
  if (d.toDateString() === n.toDateString()) {
    return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  }
  if (d.getFullYear() === n.getFullYear()) {
    return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  }
  return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function fullTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

const PRIORITY_LABELS: Record<string, string> = {
  urgent: 'Urgent',
  high: 'High',
  normal: 'Normal',
  low: 'Low',
};

export function priorityLabel(p: string): string {
  return PRIORITY_LABELS[p] ?? p;
}

/** Priorities worth a marker in a dense list; "normal" and "low" stay quiet. */
export function isLoudPriority(p: string): boolean {
  return p === 'urgent' || p === 'high';
}

export interface Countdown {
  /** "12m", "3h 05m", "2d 4h"; prefixed with "-" once breached. */
  text: string;
  breached: boolean;
  /** Less than an hour left: worth a warning colour before the breach. */
  soon: boolean;
}

/**
 * The response-time clock for a case: how long until (or since) `due`. Minute resolution, since
 * the inbox re-renders the clocks once a minute, not every second.
 */
export function countdown(due: number, now: number): Countdown {
  const left = due - now;
  const breached = left < 0;
  const minutes = Math.floor(Math.abs(left) / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  let text: string;
  if (d > 0) text = `${d}d ${h}h`;
  else if (h > 0) text = `${h}h ${String(m).padStart(2, '0')}m`;
  else text = `${m}m`;
  return { text: breached ? `-${text}` : text, breached, soon: !breached && left < 3_600_000 };
}

/** A duration in seconds as a person says it: "45s", "12 min", "1 h 05 min". */
export function durationLabel(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** A count with its noun in the right number: `plural(1, 'case')` is "1 case", `plural(3, 'case')` "3 cases". */
export function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `datetime-local` input value (local time) for ms since the epoch, and back. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(value: string): number | null {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}
