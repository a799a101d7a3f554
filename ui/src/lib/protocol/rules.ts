// The protocol screen's logic: rules to and from an editable form, reordering, summaries.
import type { Actions, Basis, Conditions, Priority, Rule, Visibility } from './types';

/** A rule as JSON carries it: Rust omits unset conditions and actions. */
export interface WireRule {
  id?: number | null;
  name: string;
  enabled?: boolean;
  conditions?: Partial<Conditions>;
  actions?: Partial<Actions>;
}

/** "" = any / not set; otherwise the value. Selects bind to strings. */
export type Tri = '' | 'yes' | 'no';

export interface RuleForm {
  name: string;
  enabled: boolean;
  channels: string;
  visibility: '' | Visibility;
  keywords: string;
  vip: Tri;
  do_not_engage: Tri;
  root_causes: string;
  business_hours: '' | 'inside' | 'outside';
  repeat_contact: Tri;
  priority: '' | Priority;
  /** A number input binds a number; typed text may also arrive. */
  target_minutes: string | number | null;
  target_basis: Basis;
  template: string;
  channel: string;
  owner: string;
  no_reply_needed: boolean;
  stop: boolean;
}

export const CHANNELS = ['email', 'bluesky', 'mastodon', 'x', 'telegram', 'phone', 'in_person'];

const list = (v: string[] | undefined) => (v ?? []).join(', ');
const tri = (v: boolean | null | undefined): Tri => (v === true ? 'yes' : v === false ? 'no' : '');
const fromTri = (v: Tri): boolean | undefined => (v === 'yes' ? true : v === 'no' ? false : undefined);
/** Splits "a, b ,c" into ["a","b","c"]; quotes are not needed for phrases ("next day"). */
export const splitList = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function ruleToForm(r: WireRule): RuleForm {
  const { conditions: c, actions: a } = normalizeRule(r);
  return {
    name: r.name,
    enabled: r.enabled ?? true,
    channels: list(c.channels),
    visibility: c.visibility ?? '',
    keywords: list(c.keywords),
    vip: tri(c.vip),
    do_not_engage: tri(c.do_not_engage),
    root_causes: list(c.root_causes),
    business_hours: c.business_hours ?? '',
    repeat_contact: tri(c.repeat_contact),
    priority: a.priority ?? '',
    target_minutes: a.target ? String(a.target.minutes) : '',
    target_basis: a.target?.basis ?? 'calendar',
    template: a.template ?? '',
    channel: a.channel ?? '',
    owner: a.owner ?? '',
    no_reply_needed: a.no_reply_needed === true,
    stop: a.stop === true,
  };
}

export function emptyRule(): Rule {
  return { name: '', enabled: true, conditions: {}, actions: {} };
}

/**
 * A rule with `enabled`, `conditions` and `actions` present (a rule file may leave them out).
 * Unset conditions and actions stay absent, as Rust writes them (`skip_serializing_if`) and
 * reads them (`serde(default)`).
 */
export function normalizeRule(r: WireRule): Rule {
  return {
    ...(r.id != null ? { id: r.id } : {}),
    name: r.name,
    enabled: r.enabled ?? true,
    conditions: r.conditions ?? {},
    actions: r.actions ?? {},
  };
}

/** The longest target a rule may set (crates/core protocol MAX_TARGET_MINUTES): 90 days. */
export const MAX_TARGET_MINUTES = 90 * 24 * 60;

/** Builds the rule the form describes (only the fields set), or says what is wrong. */
export function formToRule(f: RuleForm, id: number | null | undefined): { ok: true; rule: Rule } | { ok: false; error: string } {
  const name = f.name.trim();
  if (!name) return { ok: false, error: 'Give the rule a name.' };
  const conditions: Conditions = {};
  const channels = splitList(f.channels).map((c) => c.toLowerCase());
  if (channels.length) conditions.channels = channels;
  if (f.visibility) conditions.visibility = f.visibility;
  const keywords = splitList(f.keywords);
  if (keywords.some((k) => !k.replace(/\*$/, '').trim())) return { ok: false, error: 'A keyword is empty.' };
  if (keywords.length) conditions.keywords = keywords;
  const vip = fromTri(f.vip);
  if (vip !== undefined) conditions.vip = vip;
  const dne = fromTri(f.do_not_engage);
  if (dne !== undefined) conditions.do_not_engage = dne;
  const causes = splitList(f.root_causes);
  if (causes.length) conditions.root_causes = causes;
  if (f.business_hours) conditions.business_hours = f.business_hours;
  const repeat = fromTri(f.repeat_contact);
  if (repeat !== undefined) conditions.repeat_contact = repeat;

  const actions: Actions = {};
  if (f.priority) actions.priority = f.priority;
  const target = String(f.target_minutes ?? '').trim();
  if (target) {
    const minutes = Number(target);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_TARGET_MINUTES)
      return { ok: false, error: `The response-time target must be a whole number of minutes from 1 to ${MAX_TARGET_MINUTES}.` };
    actions.target = { minutes, basis: f.target_basis };
  }
  if (f.template.trim()) actions.template = f.template.trim();
  if (f.channel.trim()) actions.channel = f.channel.trim().toLowerCase();
  if (f.owner.trim()) actions.owner = f.owner.trim();
  if (f.no_reply_needed) actions.no_reply_needed = true;
  if (f.stop) actions.stop = true;
  const rule: Rule = { name, enabled: f.enabled, conditions, actions };
  if (id != null) rule.id = id;
  return { ok: true, rule };
}

/** Moves the item at `from` by `delta` places, clamped; returns a new array (same one if no move). */
export function moved<T>(items: T[], from: number, delta: number): T[] {
  const to = Math.max(0, Math.min(items.length - 1, from + delta));
  if (to === from || from < 0 || from >= items.length) return items;
  const out = items.slice();
  const [it] = out.splice(from, 1);
  out.splice(to, 0, it);
  return out;
}

/** "90 min", "4 h", "1 day 2 h" */
export function minutesText(m: number): string {
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const min = m % 60;
  const parts = [d ? `${d} ${d === 1 ? 'day' : 'days'}` : '', h ? `${h} h` : '', min ? `${min} min` : ''].filter(Boolean);
  return parts.join(' ') || '0 min';
}

/** One line each for "when" and "then", for the rule list. */
export function summary(r: WireRule): { when: string; then: string } {
  const { conditions: c, actions: a } = normalizeRule(r);
  const when: string[] = [];
  if (c.channels?.length) when.push(c.channels.join(' or '));
  if (c.visibility) when.push(c.visibility);
  if (c.keywords?.length) when.push(`mentions ${c.keywords.map((k) => `“${k}”`).join(' or ')}`);
  if (c.vip != null) when.push(c.vip ? 'VIP' : 'not VIP');
  if (c.do_not_engage != null) when.push(c.do_not_engage ? 'do-not-engage contact' : 'not do-not-engage');
  if (c.root_causes?.length) when.push(`root cause ${c.root_causes.join(' or ')}`);
  if (c.business_hours) when.push(c.business_hours === 'inside' ? 'in business hours' : 'outside business hours');
  if (c.repeat_contact != null) when.push(c.repeat_contact ? 'repeat contact' : 'first contact');
  const then: string[] = [];
  if (a.priority) then.push(`${a.priority} priority`);
  if (a.target) then.push(`answer within ${minutesText(a.target.minutes)}${a.target.basis === 'business' ? ' of business time' : ''}`);
  if (a.template) then.push(`suggest template “${a.template}”`);
  if (a.channel) then.push(`answer on ${a.channel}`);
  if (a.owner) then.push(`owner ${a.owner}`);
  if (a.no_reply_needed) then.push('no reply needed');
  if (a.stop) then.push('stop here');
  return { when: when.join(', ') || 'every inbound message', then: then.join(', ') || 'nothing' };
}

/**
 * Keyboard reordering: on a rule's handle plain ↑/↓ move it one place (`plain`); elsewhere
 * Alt+↑/↓ (or Ctrl) does, so plain arrows keep scrolling.
 */
export function reorderKey(e: { key: string; altKey: boolean; ctrlKey: boolean }, plain = false): -1 | 1 | 0 {
  if (!plain && !(e.altKey || e.ctrlKey)) return 0;
  return e.key === 'ArrowUp' ? -1 : e.key === 'ArrowDown' ? 1 : 0;
}
