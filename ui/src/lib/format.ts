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

export function channelLabel(ch: string): string {
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
