// Generated from crates/api/src/rpc.rs by crates/api/tests/bindings.rs. Do not edit.
// Regenerate: UPDATE_BINDINGS=1 cargo test -p switchboard-api --test bindings

export type AccountHealth = { status: SyncStatus, 
/**
 * Messages stored for this account (not deleted on the server).
 */
messages: number, 
/**
 * Items that could not be stored, kept in quarantine with their reason.
 */
quarantined: number, last_success_at: number | null, 
/**
 * The most recent error of any stream, with its class.
 */
last_error: string | null, error_class: string | null, streams: Array<StreamHealth>, };

export type AccountInfo = { id: number, name: string, kind: string, address: string | null, enabled: boolean, 
/**
 * `host:port` of the incoming server, for email accounts.
 */
server: string | null, health: AccountHealth, 
/**
 * Whether `account_remove` accepts it: not for the app's own accounts (the import archive,
 * the account of logged calls), which hold history and have nothing to forget.
 */
removable: boolean, };

export type AccountNameParams = { name: string, };

export type ActionSource = { field: string, rule: string, };

export type AddBlueskyParams = { 
/**
 * `alice.bsky.social` (an `@` in front is fine) or a DID.
 */
handle: string, 
/**
 * An app password (Settings → App passwords); never the account password.
 */
app_password: string, 
/**
 * The account's name in Switchboard (default: the handle).
 */
name: string | null, 
/**
 * The PDS URL: skips discovery from the handle.
 */
service: string | null, 
/**
 * PLC directory for `did:plc` documents (default https://plc.directory).
 */
plc_url: string | null, 
/**
 * Where handles are resolved (default https://public.api.bsky.app).
 */
resolver: string | null, };

/**
 * What a front end sends to add a mail account: a preset (or the servers by hand) and the
 * password. Resolved into [`AddImapParams`] by [`AddEmailParams::resolve`], the one place that
 * fills in ports and security from a preset, so the CLI, the window and HTTP agree.
 */
export type AddEmailParams = { name: string, email: string, display_name?: string | null, 
/**
 * `gmail`, `microsoft`, `fastmail`, `icloud`, `yahoo` (see [`PRESETS`]).
 */
preset?: string | null, imap_host?: string | null, imap_port?: number | null, imap_security?: Security | null, smtp_host?: string | null, smtp_port?: number | null, smtp_security?: Security | null, 
/**
 * Defaults to the address.
 */
username?: string | null, password: string, extra_folders: Array<string>, };

/**
 * Connect with an access token (made on the server under Preferences → Development, with the
 * scopes in [`mastodon::signin::SCOPES`]).
 */
export type AddMastodonAccountParams = { 
/**
 * The server: `mastodon.social` or `https://mastodon.social`.
 */
server: string, 
/**
 * The account's name in Switchboard (default: its handle, `user@domain`).
 */
name?: string | null, token: string, 
/**
 * `public` (default) or `unlisted`: how public replies are posted.
 */
public_visibility?: string | null, };

export type AddOAuthAccountParams = { 
/**
 * `google` (`gmail`) or `microsoft` (`outlook`).
 */
provider: string, 
/**
 * The account's name in Switchboard.
 */
name: string, 
/**
 * The mailbox address (also the sign-in hint and the XOAUTH2 user).
 */
email: string | null, 
/**
 * Skip the IMAP check (tests against a mock provider; offline setup).
 */
skip_imap_check: boolean, };

export type AddOAuthAccountResult = { id: number, name: string, email: string, provider: string, 
/**
 * The IMAP server accepted the token.
 */
imap_verified: boolean, };

export type Alert = { id: number, kind: AlertKind, 
/**
 * The root cause's path ("Shipping › Late delivery"), or the terms joined with ", ".
 */
subject: string, 
/**
 * Term alerts: the words and phrases that spiked, strongest first. Empty for root causes.
 */
terms: Array<string>, root_cause_id: number | null, 
/**
 * Date (ms) of the message or case that made the count significant.
 */
start: number, 
/**
 * Messages (terms) or new cases (root causes) that day.
 */
count: number, 
/**
 * What a usual day would have had by then.
 */
expected: number, 
/**
 * Poisson probability of at least `count` given `expected` (before the correction for the
 * number of subjects tested).
 */
p_value: number, 
/**
 * The cases behind the count, oldest first.
 */
case_ids: Array<number>, created_at: number, updated_at: number, acked_at: number | null, notified_at: number | null, };

export type AlertIdParams = { id: number, };

export type AlertKind = "root_cause" | "term";

export type AlertsListParams = { 
/**
 * Also acknowledged alerts.
 */
include_acked: boolean, 
/**
 * Only `root_cause` or only `term` alerts.
 */
kind?: AlertKind | null, 
/**
 * Only alerts that started on or after this local day (the workspace's time zone) (`YYYY-MM-DD`).
 */
since?: string | null, };

export type AlertsListResult = { alerts: Array<Alert>, 
/**
 * Alerts not yet acknowledged (of all, not only those listed).
 */
unacked: number, };

export type AlertsMarkNotifiedParams = { ids: Array<number>, };

export type AlertsMarkNotifiedResult = { marked: number, };

export type AlertsScanParams = { 
/**
 * First local day (the workspace's time zone) to raise alerts for (`YYYY-MM-DD`); default: the first inbound message.
 */
from?: string | null, 
/**
 * Last local day (the workspace's time zone) (`YYYY-MM-DD`, inclusive); default: today.
 */
to?: string | null, };

export type ApiError = { code: Code, message: string, };

export type AttachmentView = { id: number, filename: string | null, content_type: string, size: number, sha256: string, inline: boolean, };

export type Breach = { id: number, case_id: number, subject: string | null, due_at: number, breached_at: number, responded_at: number | null, visibility: string, channel: string, recorded_by: string, };

/**
 * The size of a trend bucket.
 */
export type Bucket = "day" | "week";

/**
 * The business's opening hours. Stored as the `business_hours` setting.
 */
export type BusinessHours = { 
/**
 * IANA zone name, e.g. "Europe/Berlin", or "UTC".
 */
time_zone: string, week: WeekSchedule, 
/**
 * Closed all day, local dates "YYYY-MM-DD".
 */
holidays: Array<string>, };

/**
 * A logged call or visit, as the case view lists it.
 */
export type CallView = { message_id: number, 
/**
 * When it took place.
 */
at: number, 
/**
 * `phone` or `in_person`.
 */
channel: string, 
/**
 * `inbound` or `outbound`.
 */
direction: string, duration_s: number, 
/**
 * The outcome, with its free text after ": " when there is one.
 */
outcome: string | null, note: string, };

export type CaseAddNoteParams = { case_id: number, text: string, };

export type CaseDetail = { 
/**
 * Snoozed until the customer writes again (the channel reason is the summary's).
 */
snooze_until_reply: boolean, messages: Array<MessageView>, notes: Array<NoteView>, 
/**
 * Follow-ups of the case, open ones first (soonest due first), then done ones.
 */
follow_ups: Array<FollowUp>, 
/**
 * Logged calls and visits with their duration and outcome, oldest first.
 */
calls: Array<CallView>, 
/**
 * The customer's identities and every case on any channel (this one included), so the
 * case view always shows their whole history.
 */
contact_history: ContactDetail | null, 
/**
 * The customer's cases created before this one, newest activity first: "Earlier cases".
 */
earlier_cases: Array<ContactCase>, id: number, status: CaseStatus, priority: string, subject: string | null, 
/**
 * The newest message's snippet.
 */
snippet: string, channels: Array<string>, contact: ContactRef | null, 
/**
 * Display paths such as "Shipping › Late delivery".
 */
root_causes: Array<string>, labels: Array<string>, message_count: number, unread_count: number, last_message_at: number | null, created_at: number, snoozed_until: number | null, response_due_at: number | null, 
/**
 * The contact has another open or recently resolved case (see `store::sla`).
 */
repeat: boolean, 
/**
 * A protocol rule (or the user) marked the case as needing no reply.
 */
no_reply_needed: boolean, 
/**
 * Why the customer chose this channel: `reason` or `reason: text` (see
 * `triage::CHANNEL_REASONS`); null until asked.
 */
channel_reason: string | null, 
/**
 * Why the case is automated mail (newsletter, notification, auto-reply), e.g.
 * "List-Id: news.example.com"; null for a case a person started or wrote in. Automated
 * cases are left out of the inbox, repeat contact, protocol rules, clocks and reports.
 */
automated: string | null, };

export type CaseHistory = { case_id: number, 
/**
 * Oldest first; includes the events of cases merged into this one.
 */
events: Array<HistoryEntry>, };

/**
 * Params of every command that acts on one case and needs nothing else.
 */
export type CaseIdParams = { case_id: number, };

export type CaseInsights = { case_id: number, 
/**
 * Protocol evaluations that fired a rule, newest first (at most 10).
 */
protocol: Array<StoredEvaluation>, response: ResponseClock, 
/**
 * The first response ever given on the case (the clock above is the newest one).
 */
first_response_at: number | null, breaches: Array<Breach>, repeat: RepeatInfo, };

export type CaseInsightsParams = { case_id: number, };

export type CaseLabelParams = { case_id: number, label: string, };

export type CaseLinkParams = { case_id: number, conversation_id: number, };

export type CaseLogCallParams = { case_id: number, 
/**
 * `12m`, `1h30m`, `90s`, or minutes.
 */
duration: string, 
/**
 * resolved, callback, no_answer, voicemail or other.
 */
outcome: string, 
/**
 * Free text about the outcome.
 */
outcome_text?: string | null, 
/**
 * `inbound` (the customer called or came by) or `outbound` (default).
 */
direction?: string | null, 
/**
 * A visit rather than a call.
 */
in_person: boolean, note?: string | null, 
/**
 * When it happened (default: now).
 */
at?: string | null, };

export type CaseLogCallResult = { case_id: number, message_id: number, conversation_id: number, channel: string, direction: string, duration_s: number, outcome: string, case_status: string, };

export type CaseMergeParams = { 
/**
 * The case that stays.
 */
into: number, 
/**
 * The cases merged into it.
 */
from: Array<number>, };

export type CaseOfflineParams = { case_id: number, 
/**
 * `email`, `dm` or `phone`.
 */
via: string, 
/**
 * The acknowledgement template (default "Take offline acknowledgement").
 */
template?: string | null, 
/**
 * Post no public acknowledgement.
 */
no_ack: boolean, 
/**
 * Post a public acknowledgement even though an earlier take-offline of this case already
 * queued one (by default the second is skipped, with a notice in `ack_skipped`).
 */
ack_again: boolean, 
/**
 * The private message (email, dm) or the call note (phone).
 */
text?: string | null, 
/**
 * Email subject (default: the case's subject when the customer wrote by email, else
 * "Your message about “first words…”"; with the case reference).
 */
subject?: string | null, 
/**
 * Email address to write to; added to the customer's contact when new.
 */
to?: string | null, 
/**
 * Email account to send from (default: the case's own, else the only email account).
 */
account?: string | null, 
/**
 * Phone: how long, e.g. `12m`, `1h30m`, `90s`.
 */
duration?: string | null, 
/**
 * Phone: resolved, callback, no_answer, voicemail or other; default `other`.
 */
outcome?: string | null, };

export type CaseOfflineResult = { case_id: number, via: string, 
/**
 * The public acknowledgement, when one was queued.
 */
ack: QueuedItem | null, 
/**
 * Why no acknowledgement was queued (no public conversation, `no_ack`, or one was already
 * queued by an earlier take-offline).
 */
ack_skipped: string | null, 
/**
 * The private email or DM (none for phone).
 */
private: QueuedItem | null, 
/**
 * The timeline message: the email, or the logged call.
 */
message_id: number | null, 
/**
 * Email: the address written to; dm: the handle.
 */
to: string | null, subject: string | null, case_status: string, event_id: number, };

export type CaseSetAutomatedParams = { case_id: number, 
/**
 * true: automated mail (out of the inbox and reports); false: a real customer's case.
 */
automated: boolean, };

export type CaseSetAutomatedResult = { case_id: number, changed: boolean, 
/**
 * Why the case was automated before; null if it was a customer's.
 */
from: string | null, 
/**
 * Why the case is automated now ("List-Id: news.example.com", "marked by you"); null for
 * a customer's case.
 */
automated: string | null, };

export type CaseSetPriorityParams = { case_id: number, 
/**
 * low, normal, high or urgent.
 */
priority: string, };

export type CaseSetPriorityResult = { case_id: number, from: string, priority: string, changed: boolean, };

export type CaseSetReasonParams = { case_id: number, 
/**
 * phone_tree, earlier_channel_failed, faster, prefers_channel, other; `none` clears it.
 */
reason: string, 
/**
 * Free text, e.g. what failed before.
 */
text?: string | null, };

export type CaseSetReasonResult = { case_id: number, from: string | null, 
/**
 * As stored: `reason` or `reason: text`; null when cleared.
 */
channel_reason: string | null, changed: boolean, };

export type CaseSnoozeParams = { case_id: number, 
/**
 * When to wake: `2026-12-01`, `"2026-12-01 14:00"`, RFC 3339, `+3d`, `tomorrow`.
 */
until?: string | null, 
/**
 * Wake when the customer writes (instead of, not as well as, a time).
 */
until_reply: boolean, };

export type CaseSnoozeResult = { case_id: number, 
/**
 * The status before.
 */
from: string, snoozed_until: number | null, until_reply: boolean, };

export type CaseSplitParams = { case_id: number, 
/**
 * Conversations that move to the new case; at least one must stay.
 */
conversation_ids: Array<number>, };

export type CaseStatus = "new" | "open" | "waiting" | "snoozed" | "resolved";

export type CaseSummary = { id: number, status: CaseStatus, priority: string, subject: string | null, 
/**
 * The newest message's snippet.
 */
snippet: string, channels: Array<string>, contact: ContactRef | null, 
/**
 * Display paths such as "Shipping › Late delivery".
 */
root_causes: Array<string>, labels: Array<string>, message_count: number, unread_count: number, last_message_at: number | null, created_at: number, snoozed_until: number | null, response_due_at: number | null, 
/**
 * The contact has another open or recently resolved case (see `store::sla`).
 */
repeat: boolean, 
/**
 * A protocol rule (or the user) marked the case as needing no reply.
 */
no_reply_needed: boolean, 
/**
 * Why the customer chose this channel: `reason` or `reason: text` (see
 * `triage::CHANNEL_REASONS`); null until asked.
 */
channel_reason: string | null, 
/**
 * Why the case is automated mail (newsletter, notification, auto-reply), e.g.
 * "List-Id: news.example.com"; null for a case a person started or wrote in. Automated
 * cases are left out of the inbox, repeat contact, protocol rules, clocks and reports.
 */
automated: string | null, };

export type CaseTagRootCauseParams = { case_id: number, 
/**
 * "Name" or "Parent › Name".
 */
root_cause: string, };

export type CaseTimeline = { case_id: number, 
/**
 * Oldest first.
 */
items: Array<TimelineItem>, };

export type CaseWakeDueResult = { 
/**
 * Cases whose snooze ended and that are open again.
 */
woken: Array<WokenCase>, };

export type CauseTrend = { root_cause_id: number, path: string, 
/**
 * open, fixing or fixed.
 */
status: string, 
/**
 * Cases in the range.
 */
total: ReportCount, 
/**
 * Cases in the previous period of the same length.
 */
previous: ReportCount, 
/**
 * `total − previous`.
 */
change: number, 
/**
 * One per period, in order.
 */
buckets: Array<TrendBucket>, };

export type ChangeSet = { [key in Entity]?: Array<number> };

export type ChannelCount = { 
/**
 * The channel of origin (see `reports::place`).
 */
channel: string, count: number, case_ids: Array<number>, };

/**
 * How long a reply may be with one visibility.
 */
export type ChannelLimit = { 
/**
 * `public` or `private`.
 */
visibility: string, 
/**
 * `graphemes` (what a person sees as one character), `chars`, or `unlimited`.
 */
unit: string, max: number | null, };

export type ChannelLimits = { account_id: number, channel: string, 
/**
 * One entry per visibility the channel can post with.
 */
limits: Array<ChannelLimit>, };

export type ChannelLimitsParams = { account_id: number, };

export type ChannelReport = { from: string, to: string, time_zone: string, 
/**
 * Most cases first.
 */
channels: Array<ChannelRow>, 
/**
 * Resolved cases by origin and resolution channel.
 */
matrix: Array<MatrixCell>, };

export type ChannelRow = { 
/**
 * The channel of origin.
 */
channel: string, 
/**
 * Cases that began here (problems identified on this channel).
 */
identified: ReportCount, resolved: ReportCount, 
/**
 * Resolved by a last message on the channel they began on.
 */
resolved_same_channel: ReportCount, 
/**
 * Resolved elsewhere, by channel.
 */
resolved_elsewhere: Array<ChannelCount>, 
/**
 * Began in public and went private.
 */
taken_offline: ReportCount, 
/**
 * Where they went, by channel.
 */
taken_offline_to: Array<ChannelCount>, first_response: Durations, resolution: Durations, within_target: WithinTarget, repeat: ReportCount, 
/**
 * repeat / identified; null with no cases.
 */
repeat_rate: number | null, 
/**
 * Why customers chose this channel, most frequent first.
 */
reasons: Array<ReasonCount>, 
/**
 * Cases with no reason recorded.
 */
reason_unknown: ReportCount, };

/**
 * What a front end branches on. Add a variant only when some UI needs to tell it apart.
 */
export type Code = "not_found" | "invalid_input" | "conflict" | "not_initialized" | "io" | "storage" | "auth" | "unavailable";

/**
 * A case of a contact, for "the customer's whole history across channels".
 */
export type ContactCase = { id: number, subject: string | null, status: string, channels: Array<string>, created_at: number, last_message_at: number | null, resolved_at: number | null, };

export type ContactDetail = { id: number, display_name: string | null, vip: boolean, do_not_engage: boolean, 
/**
 * Set when this contact was merged into another one.
 */
merged_into: number | null, identities: Array<IdentityView>, 
/**
 * Newest activity first.
 */
cases: Array<ContactCase>, };

export type ContactFlags = { contact_id: number, vip: boolean, do_not_engage: boolean, };

export type ContactIdParams = { contact_id: number, };

export type ContactMergeOutcome = { into: number, merged: Array<number>, identities_moved: number, cases_moved: number, event_id: number, };

export type ContactMergeParams = { 
/**
 * The contact that stays.
 */
into: number, from: Array<number>, };

export type ContactRef = { id: number, name: string | null, address: string | null, };

export type ContactSetFlagsParams = { contact_id: number, 
/**
 * Left as it is when absent.
 */
vip?: boolean | null, do_not_engage?: boolean | null, };

export type ContactSplitOutcome = { contact_id: number, new_contact_id: number, identity_ids: Array<number>, 
/**
 * Cases that moved with the identities.
 */
case_ids: Array<number>, event_id: number, };

export type ContactSplitParams = { contact_id: number, 
/**
 * Identities that move to the new contact; at least one must stay.
 */
identity_ids: Array<number>, };

export type ContactSuggestion = { contact_id: number, other_id: number, reason: MatchReason, 
/**
 * What matched, in words ("alice.bsky.social (bluesky) and alice@mastodon.social (mastodon)").
 */
detail: string, 
/**
 * 1.0 for exact matches; the name or address similarity otherwise.
 */
score: number, 
/**
 * Each side as a person would check it before merging: name, channels and handles.
 */
contact: SuggestedContact, other: SuggestedContact, };

export type ContactSuggestionsParams = { 
/**
 * Only suggestions involving this contact.
 */
contact_id?: number | null, };

export type CustomerCase = { case_id: number, created_at: number, 
/**
 * The channel of origin.
 */
channel: string, repeat: boolean, resolved: boolean, };

export type CustomerReport = { from: string, to: string, time_zone: string, 
/**
 * Distinct customers with a case that began in the range.
 */
unique_customers: number, 
/**
 * Cases that began in the range.
 */
cases: ReportCount, 
/**
 * Of those, flagged as repeat contacts.
 */
repeat_cases: ReportCount, 
/**
 * Cases reopened (resolved → open) during the range, whenever they began.
 */
reopened: ReportCount, 
/**
 * Customers with a repeat case in the range: most cases first.
 */
repeat_contacts: Array<RepeatContact>, };

export type DemoStartParams = { 
/**
 * Number of cases (default 40).
 */
cases?: number | null, };

/**
 * Durations in business minutes.
 */
export type Durations = { 
/**
 * Cases measured.
 */
count: number, p50_minutes: number | null, p90_minutes: number | null, case_ids: Array<number>, };

/**
 * An earlier case of the same contact.
 */
export type EarlierCase = { case_id: number, subject: string | null, status: string, channels: Array<string>, first_at: number, last_at: number | null, resolved_at: number | null, };

export type Entity = "account" | "contact" | "conversation" | "message" | "case" | "root_cause" | "label" | "note" | "follow_up" | "template" | "protocol_rule" | "outbox" | "sync_state" | "event" | "alert" | "import";

/**
 * A rule that matched, and why.
 */
export type FiredRule = { rule_id: number | null, name: string, reasons: Array<string>, actions: ProtocolActions, };

export type FixReport = { root_cause_id: number, root_cause: string, fixed_at: number, fix_note: string | null, before: FixWindow, after: FixWindow, 
/**
 * After-rate / before-rate; null when there were no cases before.
 */
rate_ratio: number | null, 
/**
 * The exact 95% interval on `rate_ratio`; null when it has no value.
 */
ci95: [number, number] | null, verdict: Verdict, 
/**
 * The verdict in a sentence for people.
 */
verdict_text: string, 
/**
 * The cases that began after the fix: for them the fix did not hold.
 */
case_ids_after: Array<number>, };

/**
 * One side of the fix.
 */
export type FixWindow = { 
/**
 * `[start_ms, end_ms)`.
 */
start_ms: number, end_ms: number, cases: number, 
/**
 * The window's length in weeks (the after-window may be cut at now).
 */
weeks: number, 
/**
 * New cases per week.
 */
rate_per_week: number, case_ids: Array<number>, };

export type FlushReport = { 
/**
 * Another process was flushing; nothing was done.
 */
busy: boolean, 
/**
 * Sent now.
 */
sent: Array<number>, 
/**
 * `unknown` items found in the Sent folder (or SMTP-accepted ones now saved there): sent.
 */
reconciled: Array<number>, 
/**
 * Still `unknown` after looking: the user decides.
 */
unknown: Array<ItemOutcome>, 
/**
 * Not sent this time, still queued (offline, auth, retryable).
 */
deferred: Array<ItemOutcome>, 
/**
 * Refused for good.
 */
failed: Array<ItemOutcome>, 
/**
 * Sent, but the copy could not be saved to Sent (retried on later flushes).
 */
warnings: Array<ItemOutcome>, };

export type FollowUp = { id: number, case_id: number, case_subject: string | null, case_status: string, due_at: number, note: string, done_at: number | null, notified_at: number | null, created_at: number, 
/**
 * Relative to the `now` it was listed at.
 */
state: FollowUpState, };

export type FollowUpState = "done" | "overdue" | "due" | "upcoming";

export type FollowupAddParams = { case_id: number, 
/**
 * When: `2026-12-01`, `"2026-12-01 14:00"`, RFC 3339, `+3d`, `tomorrow` (local time).
 */
due: string, note?: string | null, };

export type FollowupDoneResult = { follow_up: FollowUp, 
/**
 * False when it was already done.
 */
changed: boolean, };

export type FollowupIdParams = { id: number, };

export type FollowupListParams = { 
/**
 * Only overdue ones and those due within a day.
 */
due_only: boolean, 
/**
 * Also done ones (ignored with `due_only`).
 */
include_done: boolean, 
/**
 * Only this case's.
 */
case_id?: number | null, };

export type FollowupListResult = { 
/**
 * The time the states were computed at.
 */
now: number, follow_ups: Array<FollowUp>, overdue: number, due: number, };

export type FollowupMarkNotifiedParams = { ids: Array<number>, };

export type FollowupMarkNotifiedResult = { marked: number, };

export type HistoryEntry = { id: number, case_id: number | null, at: number, 
/**
 * user | sync | import | rule
 */
actor: string, 
/**
 * The machine it was done on.
 */
device: string | null, kind: string, 
/**
 * What happened, in words.
 */
summary: string, data: unknown, 
/**
 * The `undo` event that reverted this one.
 */
undone_by: number | null, 
/**
 * Whether this event's action can be undone (it carries its inverse).
 */
undoable: boolean, };

/**
 * What a hit is: a message of the case, or one of its internal notes.
 */
export type HitKind = "message" | "note";

export type HoursCondition = "inside" | "outside";

export type HoursGetParams = Record<symbol, never>;

/**
 * One address or handle of a contact.
 */
export type IdentityView = { id: number, channel: string, external_id: string, handle: string | null, display_name: string | null, is_self: boolean, };

export type ImportFailure = { origin: string, reason: string, };

/**
 * One background import: its progress while it runs, then its result and summary or its error.
 */
export type ImportJob = { id: number, running: boolean, paths: Array<string>, progress: ImportProgress, result: ImportResult | null, 
/**
 * [`summary`] of the result.
 */
summary: string | null, 
/**
 * Why the import stopped, when it could not run to the end.
 */
error: string | null, };

export type ImportJobParams = { id: number, };

/**
 * Progress as the import goes: items seen so far, and the source's own (done, total) measure.
 */
export type ImportProgress = { 
/**
 * Items read and parsed so far (stored or not yet).
 */
read: number, 
/**
 * Items the writer has dealt with: stored, duplicates and failures.
 */
seen: number, imported: number, duplicates: number, skipped: number, failed: number, done: number, total: number, 
/**
 * The file (or mbox message) read last.
 */
current: string, };

export type ImportResult = { imported: number, duplicates: number, 
/**
 * Files and folders not imported because they hold no message, in the order found.
 */
skipped: Array<ImportSkipped>, failed: Array<ImportFailure>, cases_created: number, cases_reopened: number, };

/**
 * A file or folder under the import paths that holds nothing to import, and why.
 */
export type ImportSkipped = { origin: string, reason: string, };

export type ImportStartParams = { 
/**
 * .eml and mbox files, Maildir folders, or folders holding them.
 */
paths: Array<string>, 
/**
 * Your own addresses, as `import --self`: mail from them counts as your replies.
 */
self_addresses: Array<string>, };

export type ItemOutcome = { id: number, class: string, error: string, };

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type Kind = "bool" | "text";

export type Label = { id: number, name: string, color: string | null, case_count: number, };

export type LabelResult = { case_id: number, label: string, added: boolean, };

export type LinkOutcome = { case_id: number, conversation_id: number, 
/**
 * The case the conversation was on before, if any.
 */
from_case: number | null, 
/**
 * True when that case had no other conversation and is now merged into `case_id`.
 */
from_case_merged: boolean, event_id: number, };

export type ListCasesParams = { status?: string | null, 
/**
 * "Name" or "Parent › Name".
 */
root_cause?: string | null, label?: string | null, channel?: string | null, 
/**
 * Only repeat contacts.
 */
repeat?: boolean | null, 
/**
 * Only cases with this channel reason: phone_tree, earlier_channel_failed, faster,
 * prefers_channel or other.
 */
reason?: string | null, 
/**
 * Only these cases: the `case_ids` behind a report figure (the Reports screen's drill-down).
 */
ids?: Array<number> | null, 
/**
 * Only automated mail (newsletters, notifications, auto-replies). Otherwise automated mail
 * is left out: it is not the owner's triage.
 */
automated?: boolean | null, 
/**
 * 0 means no limit.
 */
limit: number, offset: number, };

export type ListCasesResult = { cases: Array<CaseSummary>, 
/**
 * Cases matching the status filter, ignoring limit and offset.
 */
total: number, };

/**
 * The connected account.
 */
export type MastodonAccountResult = { id: number, name: string, 
/**
 * The server's origin, e.g. `https://mastodon.social/`.
 */
server: string, 
/**
 * `user@domain`.
 */
acct: string, 
/**
 * The account's ActivityPub URI (our identity on this channel).
 */
account_uri: string, 
/**
 * The server's status length limit (URLs count 23).
 */
max_characters: number, };

export type MastodonSignInBeginParams = { server: string, name?: string | null, public_visibility?: string | null, 
/**
 * Open the sign-in page in the system browser (the window asks for this; the CLI opens
 * it itself so it can also print it).
 */
open_browser?: boolean | null, };

export type MastodonSignInBeginResult = { 
/**
 * Pass to [`mastodon_sign_in_finish`].
 */
sign_in_id: string, 
/**
 * Open this in the system browser.
 */
authorize_url: string, 
/**
 * Where the browser comes back (a loopback address of this machine).
 */
redirect_uri: string, };

export type MastodonSignInFinishParams = { sign_in_id: string, 
/**
 * How long to wait for the browser (default and maximum: 300 s).
 */
timeout_secs?: number | null, };

/**
 * Why two contacts may be one person.
 */
export type MatchReason = "same_email" | "same_handle" | "similar_name" | "same_surname";

/**
 * One cell of the origin → resolution matrix.
 */
export type MatrixCell = { origin: string, resolved_on: string, count: number, case_ids: Array<number>, };

export type MergeOutcome = { into: number, merged: Array<number>, conversations_moved: number, notes_moved: number, follow_ups_moved: number, event_id: number, };

export type MessageView = { id: number, conversation_id: number, channel: string, direction: string, visibility: string, external_id: string, author: ContactRef | null, recipients: Array<Recipient>, subject: string | null, sent_at: number, unread: boolean, snippet: string, text: string, html: string | null, has_remote_content: boolean, attachments: Array<AttachmentView>, };

/**
 * Params of commands that take none. Send `{}` (or nothing).
 */
export type NoParams = Record<symbol, never>;

export type NoteView = { id: number, body: string, author: string | null, created_at: number, };

/**
 * One open range on a weekday, local time, "HH:MM" (close may be "24:00").
 */
export type OpenRange = { open: string, close: string, };

export type OutboxEntry = { id: number, state: string, case_id: number | null, account: string, to: Array<string>, subject: string | null, message_id: string, attempts: number, next_attempt_at: number | null, error_class: string | null, last_error: string | null, created_at: number, sent_at: number | null, discarded: boolean, 
/**
 * What the user should do, when something is needed.
 */
hint: string | null, };

export type OutboxFlushParams = { 
/**
 * Send queued items even while they back off (the user pressed "send now").
 */
ignore_backoff: boolean, };

export type OutboxIdParams = { id: number, };

export type OutboxListParams = { 
/**
 * Include sent items (default: only what still needs attention).
 */
include_sent: boolean, };

/**
 * A pending response and its due time, for the inbox and notifications.
 */
export type PendingResponse = { case_id: number, subject: string | null, priority: string, status: string, due_at: number, basis: TargetBasis, visibility: string, channel: string, };

/**
 * One bucket of the time axis: local dates `start` to `end` inclusive.
 */
export type Period = { start: string, end: string, start_ms: number, end_ms: number, };

export type Priority = "low" | "normal" | "high" | "urgent";

/**
 * What a matching rule does. Every field is optional.
 */
export type ProtocolActions = { 
/**
 * Rules only ever raise a case's priority, never lower one set by a person or earlier rule
 * (except `low` on a brand-new case, which is how "do not engage" quiets a case).
 */
priority?: Priority, target?: ResponseTarget, 
/**
 * Name of a template to suggest in the composer.
 */
template?: string, 
/**
 * The channel to answer on ("email", "phone"…): a suggestion shown in the case view.
 */
channel?: string, 
/**
 * Who should take the lead; set on the case when it has no owner yet.
 */
owner?: string, no_reply_needed?: boolean, 
/**
 * Stop evaluating further rules once this one matched.
 */
stop?: boolean, };

/**
 * All set conditions must hold. An empty list or `None` means "any".
 */
export type ProtocolConditions = { 
/**
 * The message's channel is one of these (email, bluesky, mastodon, x, telegram, phone…).
 */
channels?: Array<string>, visibility?: ProtocolVisibility, 
/**
 * Any of these words or phrases in the subject or text, case-insensitive, whole words.
 * A trailing `*` matches a prefix ("disappoint*").
 */
keywords?: Array<string>, vip?: boolean, do_not_engage?: boolean, 
/**
 * The case carries one of these root causes ("Shipping" also matches "Shipping › Late").
 */
root_causes?: Array<string>, business_hours?: HoursCondition, repeat_contact?: boolean, };

export type ProtocolDeleteResult = { deleted: ProtocolRule, };

export type ProtocolEvaluation = { fired: Array<FiredRule>, 
/**
 * The merged actions (first matching rule wins per field).
 */
actions: ProtocolActions, 
/**
 * For each merged field, the name of the rule it came from.
 */
sources: Array<ActionSource>, };

export type ProtocolExportParams = Record<symbol, never>;

export type ProtocolExportResult = { 
/**
 * TOML text, ready to save as a `.toml` file.
 */
text: string, rules: number, };

export type ProtocolImportParams = { 
/**
 * The TOML text of a rule file.
 */
text: string, 
/**
 * Replace all rules (true) or append after the existing ones (false).
 */
replace: boolean, };

export type ProtocolImportResult = { imported: number, rules: Array<ProtocolRule>, };

export type ProtocolListParams = Record<symbol, never>;

export type ProtocolListResult = { rules: Array<ProtocolRule>, };

export type ProtocolMoveParams = { rule_id: number, 
/**
 * 1-based; past the end means last.
 */
position: number, };

/**
 * One rule. `id` is the store's row id (absent in a file being imported).
 */
export type ProtocolRule = { id?: number | null, name: string, enabled: boolean, conditions: ProtocolConditions, actions: ProtocolActions, };

export type ProtocolSaveParams = { 
/**
 * With `id`: update that rule; without: add it at the end (or at `position`).
 */
rule: ProtocolRule, 
/**
 * 1-based place for a new rule.
 */
position?: number | null, };

export type ProtocolSaveResult = { rule: ProtocolRule, position: number, };

export type ProtocolTestParams = { case_id: number, 
/**
 * Rules to try instead of the stored ones (an unsaved edit in the rules screen).
 */
rules?: Array<ProtocolRule> | null, };

export type ProtocolTestResult = { 
/**
 * The case's newest inbound message, which the rules were tested against.
 */
message_id: number, evaluation: ProtocolEvaluation, };

export type ProtocolVisibility = "public" | "private";

export type QueuedItem = { outbox_id: number, account: string, channel: string, 
/**
 * `public_reply`, `reply` (email) or `direct`.
 */
kind: string, text: string, };

export type ReasonCount = { 
/**
 * phone_tree, earlier_channel_failed, faster, prefers_channel, other.
 */
reason: string, count: number, case_ids: Array<number>, };

export type Recipient = { kind: string, name: string | null, address: string, };

export type RepeatContact = { contact_id: number, name: string | null, address: string | null, 
/**
 * Every case of theirs that began in the range, oldest first.
 */
cases: Array<CustomerCase>, 
/**
 * The channels those cases came in on, most used first.
 */
channels: Array<string>, case_ids: Array<number>, 
/**
 * Those of the cases flagged as repeats.
 */
repeat_case_ids: Array<number>, };

export type RepeatInfo = { repeat: boolean, 
/**
 * Earlier cases of the same contact, newest first.
 */
earlier: Array<EarlierCase>, };

export type ReplyParams = { case_id: number, text: string, 
/**
 * Send from this account instead of the one the conversation arrived on.
 */
account?: string | null, 
/**
 * Social channels only: `true` sends a direct message, `false` a public reply; unset
 * answers the way the customer wrote (a public post publicly, a DM privately).
 */
private?: boolean | null, };

export type ReplyResult = { case_id: number, outbox_id: number, 
/**
 * The timeline message.
 */
message_id: number, 
/**
 * The reply's Message-ID (without angle brackets), also the outbox idempotency key.
 */
external_id: string, account: string, from: string, to: string, subject: string, case_status: string, };

/**
 * A number and exactly the cases behind it.
 */
export type ReportCount = { count: number, case_ids: Array<number>, };

export type ReportFixParams = { 
/**
 * "Name" or "Parent › Name"; must be marked fixed.
 */
root_cause: string, 
/**
 * Weeks on each side of the fix (default 4).
 */
weeks?: number | null, 
/**
 * Only cases that began on these channels.
 */
channels: Array<string>, };

/**
 * What every report over a date range takes.
 */
export type ReportRange = { 
/**
 * First day, `YYYY-MM-DD` in the workspace time zone (default: 27 days before `to`).
 */
from?: string | null, 
/**
 * Last day, included (default: today).
 */
to?: string | null, 
/**
 * Only cases that began on these channels (`email`, `bluesky`, …); empty for all.
 */
channels: Array<string>, 
/**
 * Only cases with these root causes ("Name" or "Parent › Name"; a parent includes its
 * children); empty for all.
 */
root_causes: Array<string>, };

export type ReportRootCausesParams = { 
/**
 * `day` or `week` (default).
 */
by?: string | null, 
/**
 * First day, `YYYY-MM-DD` in the workspace time zone (default: 27 days before `to`).
 */
from?: string | null, 
/**
 * Last day, included (default: today).
 */
to?: string | null, 
/**
 * Only cases that began on these channels (`email`, `bluesky`, …); empty for all.
 */
channels: Array<string>, 
/**
 * Only cases with these root causes ("Name" or "Parent › Name"; a parent includes its
 * children); empty for all.
 */
root_causes: Array<string>, };

export type ResponseClock = { state: ResponseState, due_at: number | null, responded_at: number | null, basis: TargetBasis, 
/**
 * Until due (negative once overdue): business milliseconds for business targets.
 */
remaining_ms: number | null, };

/**
 * The workspace settings behind targets and repeat detection (stored in `settings`).
 */
export type ResponseSettings = { hours: BusinessHours, 
/**
 * A contact with another case open, or resolved within this many days, is a repeat contact.
 */
repeat_window_days: number, 
/**
 * A pending response is "due soon" within this many minutes of its due time.
 */
due_soon_minutes: number, };

export type ResponseState = "no_target" | "on_track" | "due_soon" | "breached" | "met" | "met_late" | "paused" | "not_needed";

/**
 * A response-time target.
 */
export type ResponseTarget = { minutes: number, basis: TargetBasis, };

export type RootCause = { id: number, name: string, parent_id: number | null, path: string, status: string, fixed_at: number | null, fix_note: string | null, archived: boolean, 
/**
 * Cases tagged with this cause (or, for a parent, with any of its children).
 */
case_count: number, open_case_count: number, 
/**
 * For a fixed cause: tagged cases that began before `fixed_at` (did the fix work?).
 */
cases_before_fix: number | null, 
/**
 * For a fixed cause: tagged cases that began at or after `fixed_at`.
 */
cases_after_fix: number | null, };

export type RootCauseAddParams = { name: string, 
/**
 * The parent's name, for a second-level cause.
 */
parent?: string | null, };

export type RootCauseArchiveParams = { root_cause: string, 
/**
 * False restores an archived one.
 */
archived: boolean, };

export type RootCauseMergeOutcome = { source: RootCause, target: RootCause, 
/**
 * Cases that carried the source and now carry the target.
 */
cases_retagged: Array<number>, 
/**
 * The taxonomy event that records the merge (its `data.undo` reverts it).
 */
event_id: number, };

export type RootCauseMergeParams = { 
/**
 * Merged away: its cases move to `into`, and it is archived.
 */
root_cause: string, into: string, };

export type RootCauseMoveParams = { root_cause: string, 
/**
 * The new parent (top-level); absent to make it top-level.
 */
parent?: string | null, };

export type RootCauseRenameParams = { 
/**
 * "Name" or "Parent › Name".
 */
root_cause: string, new_name: string, };

export type RootCauseSetStatusParams = { root_cause: string, 
/**
 * `open`, `fixing` or `fixed`.
 */
status: string, 
/**
 * What was fixed (kept with `fixed`).
 */
note?: string | null, 
/**
 * With `fixed`: the day the fix really happened, `YYYY-MM-DD` (its start in the workspace
 * time zone) or an RFC 3339 time; default now. Not in the future.
 */
fixed_on?: string | null, };

export type RootCauseSetStatusResult = { from: string, root_cause: RootCause, changed: boolean, };

export type RootCauseTrends = { 
/**
 * First and last local date of the range (inclusive), and of the previous period.
 */
from: string, to: string, previous_from: string, previous_to: string, by: Bucket, time_zone: string, periods: Array<Period>, 
/**
 * Channels of origin that occur, most cases first.
 */
channels: Array<string>, 
/**
 * Most cases first (then by path).
 */
causes: Array<CauseTrend>, 
/**
 * Cases in the range with no root cause (only when no root-cause filter is given).
 */
untagged: ReportCount, 
/**
 * Up to five causes with the largest increase, largest first.
 */
risers: Array<TrendChange>, 
/**
 * Up to five causes with the largest decrease, largest first.
 */
fallers: Array<TrendChange>, };

export type RuleIdParams = { rule_id: number, };

export type ScanReport = { 
/**
 * First and last local day scanned (ms of their midnights in the workspace's time zone).
 */
from: number, to: number, 
/**
 * Inbound messages replayed through the term detector (including the history before
 * `from` that forms the baseline).
 */
messages: number, 
/**
 * Alerts raised by this scan (already existing ones are extended, not repeated).
 */
raised: Array<number>, };

export type SearchHit = { kind: HitKind, case_id: number, 
/**
 * The matching message; `None` for a note.
 */
message_id: number | null, conversation_id: number | null, 
/**
 * The matching note; `None` for a message.
 */
note_id: number | null, 
/**
 * The message's channel; `"note"` for a note.
 */
channel: string, 
/**
 * The message's subject; for a note, its case's subject.
 */
subject: string | null, 
/**
 * A fragment of the matching text, punctuation kept, with matches wrapped in `[` `]`.
 */
snippet: string, 
/**
 * Who wrote the message or the note.
 */
author: string | null, 
/**
 * When the message was sent or the note written.
 */
sent_at: number, 
/**
 * bm25 score: lower is better (SQLite's convention).
 */
score: number, };

export type SearchOrder = "relevance" | "newest";

export type SearchParams = { query: string, order: SearchOrder, limit: number, };

export type SearchResult = { query: string, hits: Array<SearchHit>, };

export type Security = "tls" | "starttls";

/**
 * What adding or removing own addresses did to the stored mail.
 */
export type SelfAddressChange = { 
/**
 * The own addresses now.
 */
addresses: Array<string>, added: Array<string>, removed: Array<string>, 
/**
 * Stored messages now read as sent by you, and ones now read as from a customer.
 */
now_outbound: number, now_inbound: number, 
/**
 * Conversations and cases holding them.
 */
conversations: number, cases: number, 
/**
 * In words: "3 addresses; 42 messages now marked sent by you in 17 conversations".
 */
summary: string, };

export type SelfAddressList = { 
/**
 * Sorted, lowercased.
 */
addresses: Array<string>, };

export type SelfAddressParams = { 
/**
 * Email addresses; case and surrounding spaces do not matter.
 */
addresses: Array<string>, };

export type SetStatusParams = { case_id: number, status: string, 
/**
 * For `snoozed`: wake-up time (ms since epoch).
 */
snooze_until?: number | null, 
/**
 * For `snoozed`: wake when the customer writes.
 */
until_reply: boolean, };

export type SetStatusResult = { case_id: number, from: CaseStatus, to: CaseStatus, changed: boolean, };

export type Setting = { key: string, kind: Kind, description: string, 
/**
 * The value as text: `true`/`false` for a bool, the text itself (empty when unset).
 */
value: string, 
/**
 * False while the default applies.
 */
is_set: boolean, };

export type SettingsGetParams = { 
/**
 * One key; all settings when absent.
 */
key?: string | null, };

export type SettingsGetResult = { settings: Array<Setting>, };

export type SettingsSetParams = { key: string, value: string, };

export type SlaListParams = { 
/**
 * Only breaches (no pending responses).
 */
breached: boolean, };

export type SlaListResult = { 
/**
 * Every pending response, soonest due first.
 */
pending: Array<PendingResponse>, 
/**
 * Recorded breaches, newest first.
 */
breaches: Array<Breach>, };

export type SlaSweepParams = { 
/**
 * Also return responses due within this many minutes (default: the due-soon setting).
 */
due_within_minutes?: number | null, };

export type SlaSweepResult = { 
/**
 * Breaches recorded by this sweep (a breach is recorded once; sweeping again is safe).
 */
breached: Array<Breach>, 
/**
 * Pending responses due within the window and not yet breached: for notifications.
 */
due_soon: Array<PendingResponse>, };

export type SplitOutcome = { 
/**
 * The case the conversations left.
 */
case_id: number, 
/**
 * The new case holding them.
 */
new_case_id: number, conversation_ids: Array<number>, event_id: number, };

/**
 * One stored evaluation, for the case view.
 */
export type StoredEvaluation = { id: number, case_id: number, message_id: number | null, at: number, fired: Array<FiredRule>, actions: ProtocolActions, sources: Array<ActionSource>, 
/**
 * What actually changed on the case (a rule never lowers a priority, never replaces an
 * owner, so this can be less than `actions`).
 */
applied: Record<string, unknown>, };

/**
 * One stream's health, for `account list` and the UI.
 */
export type StreamHealth = { stream: string, last_success_at: number | null, last_attempt_at: number | null, last_error: string | null, error_class: string | null, backoff_until: number | null, activity: string | null, activity_at: number | null, 
/**
 * Messages stored from this stream (IMAP: UIDs with a stored message).
 */
messages: number, 
/**
 * Items from this stream that could not be stored.
 */
quarantined: number, cursor: JsonValue | null, };

/**
 * One side of a suggested merge.
 */
export type SuggestedContact = { id: number, display_name: string | null, 
/**
 * Its addresses and handles on every channel.
 */
identities: Array<IdentityView>, };

/**
 * Overall state of an account, derived from its streams.
 */
export type SyncStatus = "new" | "ok" | "syncing" | "error" | "disabled" | "demo" | "local";

export type TagResult = { case_id: number, root_cause: string, 
/**
 * False when the case already carried it.
 */
added: boolean, };

/**
 * How a target's minutes are counted.
 */
export type TargetBasis = "business" | "calendar";

export type TargetShare = { met: ReportCount, missed: ReportCount, 
/**
 * met / (met + missed); null when no clock was decided.
 */
share: number | null, };

export type Template = { id: number, name: string, 
/**
 * In a stable order: default, public, private, then channel variants by name.
 */
variants: Array<TemplateVariant>, created_at: number, updated_at: number, };

export type TemplateDeleteParams = { name: string, 
/**
 * Only this variant; the whole template when absent.
 */
variant?: string | null, };

export type TemplateListResult = { templates: Array<Template>, 
/**
 * What `{…}` may name, for the editor.
 */
variables: Array<TemplateVariable>, };

export type TemplateNameParams = { name: string, };

export type TemplateRenderParams = { name: string, case_id: number, 
/**
 * The channel the reply goes out on (`email`, `bluesky`, …); default: the case's first.
 */
channel?: string | null, 
/**
 * `public` or `private`; default: the visibility of the conversation a reply on that
 * channel answers (the case's newest inbound message there).
 */
visibility?: string | null, 
/**
 * Preview a take-offline acknowledgement: `email`, `dm` or `phone` gives
 * `{offline_route}` its words.
 */
offline_via?: string | null, 
/**
 * With `offline_via` phone: the call's duration (`12m`) and outcome, which decide between
 * "we've called you", "we'll call you" and "please call us back".
 */
call_duration?: string | null, call_outcome?: string | null, };

export type TemplateRenderResult = { template: string, 
/**
 * The variant used (channel, then visibility, then `default`).
 */
variant: string, channel: string | null, visibility: string | null, text: string, };

export type TemplateSaveParams = { name: string, 
/**
 * Set these variants (created or replaced); the template's other variants stay.
 */
variants: Array<TemplateVariant>, };

export type TemplateVariable = { name: string, description: string, };

export type TemplateVariant = { 
/**
 * `default`, `public`, `private`, or a channel name such as `email` or `bluesky`.
 */
variant: string, body: string, };

/**
 * One entry of a case's timeline.
 */
export type TimelineItem = { "type": "message", at: number, message: MessageView, call_duration_s: number | null, call_outcome: string | null, } | { "type": "note", at: number, note: NoteView, } | { "type": "event", at: number, event: HistoryEntry, };

/**
 * One bar: a cause's cases in one period, and the same cases split by channel of origin.
 */
export type TrendBucket = { count: number, case_ids: Array<number>, 
/**
 * Only channels with cases, in the order of `RootCauseTrends.channels`.
 */
by_channel: Array<ChannelCount>, };

/**
 * A rise or fall against the previous period.
 */
export type TrendChange = { root_cause_id: number, path: string, current: number, previous: number, change: number, 
/**
 * `change / previous` as a percentage; null when there were none before.
 */
change_pct: number | null, };

export type UndoLastParams = { 
/**
 * Undo the last action on this case; without it, the last action anywhere.
 */
case_id?: number | null, };

export type UndoOutcome = { 
/**
 * The event that was undone (the action's primary event).
 */
undone_event: number, 
/**
 * The new `undo` event.
 */
undo_event: number, kind: string, case_id: number | null, 
/**
 * What was undone, in words.
 */
summary: string, 
/**
 * What things are back to, in words ("case #3 is open again").
 */
restored: string, };

export type Verdict = "fewer" | "no_clear_change" | "more" | "too_early";

/**
 * The open ranges of each weekday; an empty list means closed all day.
 */
export type WeekSchedule = { mon: Array<OpenRange>, tue: Array<OpenRange>, wed: Array<OpenRange>, thu: Array<OpenRange>, fri: Array<OpenRange>, sat: Array<OpenRange>, sun: Array<OpenRange>, };

export type WithinTarget = { public: TargetShare, private: TargetShare, };

export type WokenCase = { case_id: number, snoozed_until: number, };

/**
 * What the first-run screen needs to decide what to show.
 */
export type WorkspaceStatus = { 
/**
 * The sample-data workspace is the active one.
 */
demo_active: boolean, 
/**
 * The data folder of the active workspace.
 */
data_dir: string, 
/**
 * Connected accounts in the active workspace (the import archive does not count).
 */
accounts: number, 
/**
 * Cases in the active workspace.
 */
cases: number, 
/**
 * True when the real workspace has no account and no case yet: show the first-run screen.
 */
first_run: boolean, };
