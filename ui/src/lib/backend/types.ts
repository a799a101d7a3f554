// TypeScript mirrors of the Rust types that cross IPC, written by hand for now (generation
// from Rust comes later). Field names are Rust's (snake_case) because serde keeps them.
// Sources: crates/store/src/{cases,search,taxonomy,changes}.rs, crates/api/src/{case,error}.rs,
// crates/core/src/case.rs. Every `*_at` is milliseconds since the Unix epoch, UTC.

/** crates/core CaseStatus (serde snake_case). */
export type CaseStatus = 'new' | 'open' | 'waiting' | 'snoozed' | 'resolved';

export const CASE_STATUSES: readonly CaseStatus[] = ['new', 'open', 'waiting', 'snoozed', 'resolved'];

/** crates/api error::Code. Branch on this, never on the message text. */
export type ErrorCode =
  | 'not_found'
  | 'invalid_input'
  | 'conflict'
  | 'not_initialized'
  | 'io'
  | 'storage';

/** crates/api ApiError: what every command rejects with. */
export interface ApiError {
  code: ErrorCode;
  message: string;
}

/** crates/store cases::ContactRef */
export interface ContactRef {
  id: number;
  name: string | null;
  address: string | null;
}

/** crates/store cases::CaseSummary: one inbox row. */
export interface CaseSummary {
  id: number;
  status: CaseStatus;
  priority: string;
  subject: string | null;
  /** The newest message's snippet. */
  snippet: string;
  channels: string[];
  contact: ContactRef | null;
  /** Display paths such as "Shipping › Late delivery". */
  root_causes: string[];
  labels: string[];
  message_count: number;
  unread_count: number;
  last_message_at: number | null;
  created_at: number;
  snoozed_until: number | null;
  response_due_at: number | null;
}

/** crates/store cases::AttachmentView */
export interface AttachmentView {
  id: number;
  filename: string | null;
  content_type: string;
  size: number;
  sha256: string;
  inline: boolean;
}

/** crates/store cases::MessageView: one message in a case's timeline. */
export interface MessageView {
  id: number;
  conversation_id: number;
  channel: string;
  /** "inbound" | "outbound" (a free string in Rust). */
  direction: string;
  /** "public" | "private" (a free string in Rust). */
  visibility: string;
  external_id: string;
  author: ContactRef | null;
  /** Free-form JSON as stored (serde_json::Value). */
  recipients: unknown;
  subject: string | null;
  sent_at: number;
  unread: boolean;
  snippet: string;
  text: string;
  /** Sanitized HTML (email only). Show it only inside a sandboxed iframe. */
  html: string | null;
  has_remote_content: boolean;
  attachments: AttachmentView[];
}

/** crates/store cases::NoteView: an internal note, never sent. */
export interface NoteView {
  id: number;
  body: string;
  author: string | null;
  created_at: number;
}

/** crates/api case::CaseDetail (`#[serde(flatten)] case: CaseSummary`). */
export interface CaseDetail extends CaseSummary {
  messages: MessageView[];
  notes: NoteView[];
}

/** crates/api case::ListCasesParams */
export interface ListCasesParams {
  status?: CaseStatus | null;
  /** "Name" or "Parent › Name". */
  root_cause?: string | null;
  label?: string | null;
  channel?: string | null;
  /** 0 means no limit. */
  limit: number;
  offset: number;
}

/** crates/api case::ListCasesResult */
export interface ListCasesResult {
  cases: CaseSummary[];
  /** Cases matching the filter, ignoring limit and offset. */
  total: number;
}

/** crates/store search::SearchOrder */
export type SearchOrder = 'relevance' | 'newest';

/** crates/api case::SearchParams */
export interface SearchParams {
  query: string;
  order?: SearchOrder;
  limit: number;
}

/** crates/store search::SearchHit */
export interface SearchHit {
  case_id: number;
  message_id: number;
  conversation_id: number;
  channel: string;
  subject: string | null;
  /** Matches are wrapped in `[` `]`. */
  snippet: string;
  author: string | null;
  sent_at: number;
  /** bm25: lower is better. */
  score: number;
}

/** crates/api case::SearchResult */
export interface SearchResult {
  query: string;
  hits: SearchHit[];
}

/** crates/api case::SetStatusParams */
export interface SetStatusParams {
  case_id: number;
  status: CaseStatus;
  /** For `snoozed`: wake-up time (ms since epoch). */
  snooze_until?: number | null;
  /** For `snoozed`: wake when the customer writes. */
  until_reply?: boolean;
}

/** crates/api case::SetStatusResult */
export interface SetStatusResult {
  case_id: number;
  from: CaseStatus;
  to: CaseStatus;
  changed: boolean;
}

/** crates/api case::TagResult */
export interface TagResult {
  case_id: number;
  root_cause: string;
  /** False when the case already carried it. */
  added: boolean;
}

/** crates/store taxonomy::RootCause */
export interface RootCause {
  id: number;
  name: string;
  parent_id: number | null;
  path: string;
  /** "open" | "fixing" | "fixed" (a free string in Rust). */
  status: string;
  fixed_at: number | null;
  fix_note: string | null;
  archived: boolean;
  case_count: number;
  open_case_count: number;
}

/** crates/store changes::Entity (serde snake_case). */
export type Entity =
  | 'account'
  | 'contact'
  | 'conversation'
  | 'message'
  | 'case'
  | 'root_cause'
  | 'label'
  | 'note'
  | 'follow_up'
  | 'template'
  | 'protocol_rule'
  | 'outbox'
  | 'sync_state'
  | 'event';

/** crates/store ChangeSet: the payload of the `store-changed` event, e.g. `{"case":[3]}`. */
export type ChangeSet = Partial<Record<Entity, number[]>>;
