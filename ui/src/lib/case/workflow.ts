// The case-workflow commands the case view and composer use (crates/api: D1 contacts, timeline,
// history and undo; D2 follow-ups, offline, calls, templates, settings, priority and reason; C
// insights; A channel limits). Each is one wrapper over the typed `backend.call`, with the
// generated types, so a change in a Rust signature fails `npm run check` here.
import { toApiError, type Backend } from '../backend';
import type { CommandName, ParamsOf, ResultOf } from '../backend/backend';
import type {
  CaseInsights,
  ChannelLimits,
  ContactCase,
  ContactDetail,
  ContactSuggestion,
  EarlierCase,
  FollowUp,
  HistoryEntry,
  IdentityView,
  ResponseClock,
  Setting,
  StoredEvaluation,
  Template,
  TimelineItem,
} from '../backend/generated/types';

export type {
  CaseInsights,
  ChannelLimits,
  ContactCase,
  ContactDetail,
  ContactSuggestion,
  EarlierCase,
  FollowUp,
  IdentityView,
  ResponseClock,
  Setting,
  StoredEvaluation,
  TimelineItem,
};
export type HistoryEvent = HistoryEntry;
export type TemplateInfo = Template;

/** Runs a command; rejects with an ApiError whatever went wrong. */
async function rpc<K extends CommandName>(b: Backend, name: K, params: ParamsOf<K>): Promise<ResultOf<K>> {
  try {
    return await b.call(name, params);
  } catch (e) {
    throw toApiError(e);
  }
}

export const CHANNEL_REASONS = [
  ['phone_tree', 'Phone tree'],
  ['earlier_channel_failed', 'An earlier channel failed'],
  ['faster', 'Faster'],
  ['prefers_channel', 'Prefers this channel'],
  ['other', 'Other'],
] as const;

export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;

export const workflow = {
  timeline: (b: Backend, case_id: number) => rpc(b, 'case_timeline', { case_id }).then((r) => r.items),
  contactShow: (b: Backend, contact_id: number) => rpc(b, 'contact_show', { contact_id }),
  contactSuggestions: (b: Backend, contact_id: number) => rpc(b, 'contact_suggestions', { contact_id }),
  contactMerge: (b: Backend, into: number, from: number) => rpc(b, 'contact_merge', { into, from: [from] }),
  contactSetFlags: (b: Backend, contact_id: number, flags: { vip?: boolean; do_not_engage?: boolean }) =>
    rpc(b, 'contact_set_flags', { contact_id, vip: flags.vip ?? null, do_not_engage: flags.do_not_engage ?? null }),
  insights: (b: Backend, case_id: number) => rpc(b, 'case_insights', { case_id }),
  followups: (b: Backend, case_id: number) =>
    rpc(b, 'followup_list', { case_id, include_done: false, due_only: false }).then((r) => r.follow_ups),
  /** `due` as the API reads it: "tomorrow 9:00", "+3d", "2026-12-01 14:00". */
  followupAdd: (b: Backend, case_id: number, due: string, note: string) => rpc(b, 'followup_add', { case_id, due, note }),
  followupDone: (b: Backend, id: number) => rpc(b, 'followup_done', { id }),
  setPriority: (b: Backend, case_id: number, priority: string) => rpc(b, 'case_set_priority', { case_id, priority }),
  /** `false`: "This is a real customer" — the case leaves automated mail. Undoable. */
  setAutomated: (b: Backend, case_id: number, automated: boolean) => rpc(b, 'case_set_automated', { case_id, automated }),
  /** `null` clears the reason. */
  setReason: (b: Backend, case_id: number, reason: string | null) =>
    rpc(b, 'case_set_reason', { case_id, reason: reason ?? 'none', text: null }),
  /** `template: null` posts no public acknowledgement. */
  offline: (
    b: Backend,
    p: {
      case_id: number;
      via: 'email' | 'dm' | 'phone';
      template: string | null;
      text: string;
      /** Email: the address to write to when the customer has none on record (it is added to them). */
      to?: string | null;
      duration?: string | null;
      outcome?: string | null;
    },
  ) =>
    rpc(b, 'case_offline', {
      case_id: p.case_id,
      via: p.via,
      template: p.template,
      no_ack: p.template === null,
      ack_again: false,
      text: p.text.trim() ? p.text : null,
      subject: null,
      to: p.to?.trim() ? p.to.trim() : null,
      account: null,
      duration: p.duration ?? null,
      outcome: p.outcome ?? null,
    }),
  /** `duration` as the API reads it: "12m", "1h30m", "90s" or minutes. */
  logCall: (
    b: Backend,
    p: { case_id: number; direction: 'inbound' | 'outbound'; duration: string; outcome: string; note: string; in_person: boolean },
  ) => rpc(b, 'case_log_call', { ...p, note: p.note.trim() ? p.note : null, outcome_text: null, at: null }),
  history: (b: Backend, case_id: number) => rpc(b, 'case_history', { case_id }).then((r) => r.events),
  undoLast: (b: Backend, case_id: number | null) => rpc(b, 'undo_last', { case_id }),
  templates: (b: Backend) => rpc(b, 'template_list', {}).then((r) => r.templates),
  /** The variant is picked by the API from the channel and visibility (public short, private long). */
  templateRender: (
    b: Backend,
    name: string,
    case_id: number,
    visibility: 'public' | 'private' | null,
    channel: string | null = null,
    /** A take-offline acknowledgement: the route (and for a call, its duration and outcome) it announces. */
    offline: { via: 'email' | 'dm' | 'phone'; duration?: string | null; outcome?: string | null } | null = null,
  ) =>
    rpc(b, 'template_render', {
      name,
      case_id,
      visibility,
      channel,
      offline_via: offline?.via ?? null,
      call_duration: offline?.duration?.trim() ? offline.duration.trim() : null,
      call_outcome: offline?.outcome ?? null,
    }),
  /**
   * The limits of the account that answers on `channel`. A case does not name its account, so
   * this takes the first enabled account of that kind (normally the only one).
   */
  channelLimits: async (b: Backend, channel: string): Promise<ChannelLimits | null> => {
    const accounts = await rpc(b, 'account_list', {});
    const account = accounts.find((a) => a.kind === channel && a.enabled) ?? accounts.find((a) => a.kind === channel);
    return account ? rpc(b, 'channel_limits', { account_id: account.id }) : null;
  },
  /** `private`: social only; null answers the way the customer wrote. */
  reply: (b: Backend, p: { case_id: number; text: string; private: boolean | null }) =>
    rpc(b, 'reply_create', { case_id: p.case_id, text: p.text, account: null, private: p.private }),
  /** The setting's value, or null when the workspace has no such setting. */
  settingGet: (b: Backend, key: string) =>
    rpc(b, 'settings_get', { key: null }).then((r) => r.settings.find((s) => s.key === key)?.value ?? null),
  settingSet: (b: Backend, key: string, value: string) => rpc(b, 'settings_set', { key, value }),
};
