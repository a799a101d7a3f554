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
server: string | null, health: AccountHealth, };

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
 * Only alerts that started on or after this UTC day (`YYYY-MM-DD`).
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
 * First UTC day to raise alerts for (`YYYY-MM-DD`); default: the first inbound message.
 */
from?: string | null, 
/**
 * Last UTC day (`YYYY-MM-DD`, inclusive); default: today.
 */
to?: string | null, };

export type ApiError = { code: Code, message: string, };

export type AttachmentView = { id: number, filename: string | null, content_type: string, size: number, sha256: string, inline: boolean, };

export type Breach = { id: number, case_id: number, subject: string | null, due_at: number, breached_at: number, responded_at: number | null, visibility: string, channel: string, recorded_by: string, };

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

export type CaseAddNoteParams = { case_id: number, text: string, };

export type CaseDetail = { messages: Array<MessageView>, notes: Array<NoteView>, 
/**
 * The customer's identities and every case on any channel (this one included), so the
 * case view always shows their whole history.
 */
contact_history: ContactDetail | null, id: number, status: CaseStatus, priority: string, subject: string | null, 
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
no_reply_needed: boolean, };

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
 * The private message (email, dm) or the call note (phone).
 */
text?: string | null, 
/**
 * Email subject (default: the case subject).
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
 * Why no acknowledgement was queued (no public conversation, or `no_ack`).
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
no_reply_needed: boolean, };

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

export type ChangeSet = { [key in Entity]?: Array<number> };

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
 * 1.0 for exact matches; the name similarity otherwise.
 */
score: number, };

export type ContactSuggestionsParams = { 
/**
 * Only suggestions involving this contact.
 */
contact_id?: number | null, };

export type DemoStartParams = { 
/**
 * Number of cases (default 40).
 */
cases?: number | null, };

/**
 * An earlier case of the same contact.
 */
export type EarlierCase = { case_id: number, subject: string | null, status: string, channels: Array<string>, first_at: number, last_at: number | null, resolved_at: number | null, };

export type Entity = "account" | "contact" | "conversation" | "message" | "case" | "root_cause" | "label" | "note" | "follow_up" | "template" | "protocol_rule" | "outbox" | "sync_state" | "event" | "alert";

/**
 * A rule that matched, and why.
 */
export type FiredRule = { rule_id: number | null, name: string, reasons: Array<string>, actions: ProtocolActions, };

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

export type HoursCondition = "inside" | "outside";

export type HoursGetParams = Record<symbol, never>;

/**
 * One address or handle of a contact.
 */
export type IdentityView = { id: number, channel: string, external_id: string, handle: string | null, display_name: string | null, is_self: boolean, };

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
export type MatchReason = "same_email" | "same_handle" | "similar_name";

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

export type Recipient = { kind: string, name: string | null, address: string, };

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
note?: string | null, };

export type RootCauseSetStatusResult = { from: string, root_cause: RootCause, changed: boolean, };

export type RuleIdParams = { rule_id: number, };

export type ScanReport = { 
/**
 * First and last UTC day scanned (ms of their midnights).
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

export type SearchHit = { case_id: number, message_id: number, conversation_id: number, channel: string, subject: string | null, 
/**
 * A fragment of the matching text with matches wrapped in `[` `]`.
 */
snippet: string, author: string | null, sent_at: number, 
/**
 * bm25 score: lower is better (SQLite's convention).
 */
score: number, };

export type SearchOrder = "relevance" | "newest";

export type SearchParams = { query: string, order: SearchOrder, limit: number, };

export type SearchResult = { query: string, hits: Array<SearchHit>, };

export type Security = "tls" | "starttls";

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
 * Overall state of an account, derived from its streams.
 */
export type SyncStatus = "new" | "ok" | "syncing" | "error" | "disabled";

export type TagResult = { case_id: number, root_cause: string, 
/**
 * False when the case already carried it.
 */
added: boolean, };

/**
 * How a target's minutes are counted.
 */
export type TargetBasis = "business" | "calendar";

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
 * `public` or `private`.
 */
visibility?: string | null, };

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
summary: string, };

/**
 * The open ranges of each weekday; an empty list means closed all day.
 */
export type WeekSchedule = { mon: Array<OpenRange>, tue: Array<OpenRange>, wed: Array<OpenRange>, thu: Array<OpenRange>, fri: Array<OpenRange>, sat: Array<OpenRange>, sun: Array<OpenRange>, };

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
