// Business hours editing: checks what crates/core hours.rs would refuse, so the form says it
// before saving (the backend checks again and its message is shown if it still refuses).
import { WEEKDAYS, type BusinessHours, type ResponseSettings, type Weekday } from './types';

export const DAY_NAMES: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

/** Null when the hours can be saved; otherwise what is wrong, naming the day. */
export function hoursProblem(h: BusinessHours): string | null {
  if (!h.time_zone.trim()) return 'Enter a time zone such as Europe/Berlin or UTC.';
  for (const d of WEEKDAYS) {
    const ranges = h.week[d] ?? [];
    for (const r of ranges) {
      if (!TIME.test(r.open) || !TIME.test(r.close)) return `${DAY_NAMES[d]}: use HH:MM times (00:00 to 24:00).`;
      if (minutes(r.close) <= minutes(r.open)) return `${DAY_NAMES[d]}: ${r.open}–${r.close} closes before it opens.`;
    }
    const sorted = ranges.slice().sort((a, b) => minutes(a.open) - minutes(b.open));
    for (let i = 1; i < sorted.length; i++) {
      if (minutes(sorted[i].open) < minutes(sorted[i - 1].close)) return `${DAY_NAMES[d]}: two ranges overlap.`;
    }
  }
  for (const day of h.holidays) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return `Holiday ${JSON.stringify(day)} is not a date (YYYY-MM-DD).`;
  }
  return null;
}

/** Adds a holiday once, keeping the list in date order. */
export function withHoliday(h: BusinessHours, day: string): BusinessHours {
  if (!day || h.holidays.includes(day)) return h;
  return { ...h, holidays: [...h.holidays, day].sort() };
}

export function defaultHours(): BusinessHours {
  const day = () => [{ open: '09:00', close: '17:00' }];
  return {
    time_zone: 'UTC',
    week: { mon: day(), tue: day(), wed: day(), thu: day(), fri: day(), sat: [], sun: [] },
    holidays: [],
  };
}

/** Fills in days a stored schedule leaves out (serde defaults them to closed). */
export function normalizeHours(h: Partial<BusinessHours> | null | undefined): BusinessHours {
  const base = defaultHours();
  if (!h) return base;
  const week = { ...base.week };
  for (const d of WEEKDAYS) week[d] = h.week?.[d] ?? [];
  return { time_zone: h.time_zone ?? base.time_zone, week, holidays: h.holidays ?? [] };
}

/** Whole-number settings beside the hours; null when fine, else what is wrong. */
export function settingsProblem(s: ResponseSettings): string | null {
  const whole = (v: unknown) => Number.isInteger(Number(v)) && Number(v) >= 0;
  if (!whole(s.repeat_window_days)) return 'The repeat-contact window must be a whole number of days.';
  if (!whole(s.due_soon_minutes)) return 'The "due soon" warning must be a whole number of minutes.';
  return hoursProblem(s.hours);
}

export function normalizeSettings(s: Partial<ResponseSettings> | null | undefined): ResponseSettings {
  return {
    hours: normalizeHours(s?.hours),
    repeat_window_days: s?.repeat_window_days ?? 30,
    due_soon_minutes: s?.due_soon_minutes ?? 30,
  };
}
