-- Switchboard schema, version 1: the whole domain model of DESIGN.md §2.
-- Times are INTEGER milliseconds since the Unix epoch (UTC). Booleans are 0/1.
-- Migrations only move forward: never edit this file after it has shipped; add 0002_*.sql.

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL                        -- JSON
) STRICT;

CREATE TABLE accounts (
  id         INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL,                  -- archive | email | bluesky | mastodon | x | telegram
  name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  address    TEXT,                           -- email address, handle or DID
  config     TEXT NOT NULL DEFAULT '{}',     -- JSON, never secrets (those live in the OS keychain)
  enabled    INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE contacts (
  id            INTEGER PRIMARY KEY,
  display_name  TEXT,
  vip           INTEGER NOT NULL DEFAULT 0,
  do_not_engage INTEGER NOT NULL DEFAULT 0,
  notes         TEXT,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
) STRICT;

-- One address/handle a person uses. `is_self` marks the business's own identities.
CREATE TABLE identities (
  id           INTEGER PRIMARY KEY,
  contact_id   INTEGER NOT NULL REFERENCES contacts(id),
  channel      TEXT NOT NULL,                -- email | bluesky | mastodon | x | telegram | phone
  external_id  TEXT NOT NULL,                -- lowercased address, DID, account URI, phone number
  handle       TEXT,
  display_name TEXT,
  is_self      INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  UNIQUE (channel, external_id)
) STRICT;
CREATE INDEX identities_contact ON identities(contact_id);

-- A channel-native thread. `external_id` is the thread's root id on its channel.
CREATE TABLE conversations (
  id              INTEGER PRIMARY KEY,
  account_id      INTEGER NOT NULL REFERENCES accounts(id),
  channel         TEXT NOT NULL,
  external_id     TEXT,
  visibility      TEXT NOT NULL CHECK (visibility IN ('public', 'private')),
  subject         TEXT,
  subject_key     TEXT,                      -- normalized subject, for subject-fallback threading
  contact_id      INTEGER REFERENCES contacts(id),
  last_message_at INTEGER,
  created_at      INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX conversations_external ON conversations(account_id, external_id)
  WHERE external_id IS NOT NULL;
CREATE INDEX conversations_subject ON conversations(account_id, subject_key, contact_id);

CREATE TABLE messages (
  id                 INTEGER PRIMARY KEY,
  account_id         INTEGER NOT NULL REFERENCES accounts(id),
  conversation_id    INTEGER NOT NULL REFERENCES conversations(id),
  external_id        TEXT NOT NULL,          -- Message-ID, at:// URI, status id; or sha256:<hex> of the raw message
  channel            TEXT NOT NULL,          -- email | bluesky | mastodon | x | telegram | phone | in_person
  direction          TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  author_identity_id INTEGER REFERENCES identities(id),
  recipients         TEXT NOT NULL DEFAULT '[]', -- JSON [{"kind":"to","name":..,"email":..}]
  subject            TEXT,
  snippet            TEXT NOT NULL DEFAULT '',
  in_reply_to        TEXT,
  refs               TEXT,                   -- space-separated Message-IDs (email References)
  sent_at            INTEGER NOT NULL,
  received_at        INTEGER NOT NULL,
  unread             INTEGER NOT NULL DEFAULT 1,
  flagged            INTEGER NOT NULL DEFAULT 0,
  has_remote_content INTEGER NOT NULL DEFAULT 0,
  raw_sha256         TEXT,
  raw_size           INTEGER,
  call_duration_s    INTEGER,                -- logged calls and visits
  call_outcome       TEXT,
  deleted_at         INTEGER,                -- removed on the provider; kept locally
  UNIQUE (account_id, external_id)
) STRICT;
CREATE INDEX messages_conversation ON messages(conversation_id, sent_at);
CREATE INDEX messages_in_reply_to ON messages(account_id, in_reply_to) WHERE in_reply_to IS NOT NULL;
CREATE INDEX messages_raw ON messages(raw_sha256) WHERE raw_sha256 IS NOT NULL;

-- Bodies live apart from the hot message rows. `search_rowid` is allocated in date order
-- (see store::search) so "newest matches first" is a cheap reverse walk of the FTS index.
CREATE TABLE message_bodies (
  search_rowid INTEGER PRIMARY KEY,
  message_id   INTEGER NOT NULL UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
  subject      TEXT NOT NULL DEFAULT '',
  participants TEXT NOT NULL DEFAULT '',
  text         TEXT NOT NULL DEFAULT '',
  html         TEXT                          -- sanitized on ingest
) STRICT;

CREATE VIRTUAL TABLE message_search USING fts5(
  subject, participants, text,
  content = 'message_bodies', content_rowid = 'search_rowid',
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER message_bodies_ai AFTER INSERT ON message_bodies BEGIN
  INSERT INTO message_search(rowid, subject, participants, text)
  VALUES (new.search_rowid, new.subject, new.participants, new.text);
END;
CREATE TRIGGER message_bodies_ad AFTER DELETE ON message_bodies BEGIN
  INSERT INTO message_search(message_search, rowid, subject, participants, text)
  VALUES ('delete', old.search_rowid, old.subject, old.participants, old.text);
END;
CREATE TRIGGER message_bodies_au AFTER UPDATE ON message_bodies BEGIN
  INSERT INTO message_search(message_search, rowid, subject, participants, text)
  VALUES ('delete', old.search_rowid, old.subject, old.participants, old.text);
  INSERT INTO message_search(rowid, subject, participants, text)
  VALUES (new.search_rowid, new.subject, new.participants, new.text);
END;

-- Files are stored once under <data>/attachments/<sha256[0..2]>/<sha256>.
CREATE TABLE attachments (
  id           INTEGER PRIMARY KEY,
  message_id   INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  filename     TEXT,
  content_type TEXT NOT NULL,
  content_id   TEXT,
  inline       INTEGER NOT NULL DEFAULT 0,
  size         INTEGER NOT NULL,
  sha256       TEXT NOT NULL
) STRICT;
CREATE INDEX attachments_message ON attachments(message_id);
CREATE INDEX attachments_sha ON attachments(sha256);

CREATE TABLE cases (
  id                 INTEGER PRIMARY KEY,
  status             TEXT NOT NULL DEFAULT 'new'
                     CHECK (status IN ('new', 'open', 'waiting', 'snoozed', 'resolved')),
  subject            TEXT,
  contact_id         INTEGER REFERENCES contacts(id),
  priority           TEXT NOT NULL DEFAULT 'normal'
                     CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  owner              TEXT,
  channel_reason     TEXT,
  snoozed_until      INTEGER,
  snooze_until_reply INTEGER NOT NULL DEFAULT 0,
  response_due_at    INTEGER,                -- response-time target
  first_response_at  INTEGER,
  resolved_at        INTEGER,
  last_message_at    INTEGER,
  last_inbound_at    INTEGER,
  merged_into        INTEGER REFERENCES cases(id),
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX cases_inbox ON cases(status, last_message_at DESC) WHERE merged_into IS NULL;
CREATE INDEX cases_recent ON cases(last_message_at DESC) WHERE merged_into IS NULL;
CREATE INDEX cases_contact ON cases(contact_id);
CREATE INDEX cases_snoozed ON cases(snoozed_until) WHERE status = 'snoozed';

-- A conversation belongs to exactly one case at a time.
CREATE TABLE case_conversations (
  case_id         INTEGER NOT NULL REFERENCES cases(id),
  conversation_id INTEGER NOT NULL UNIQUE REFERENCES conversations(id),
  linked_at       INTEGER NOT NULL,
  PRIMARY KEY (case_id, conversation_id)
) STRICT;

CREATE TABLE root_causes (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  parent_id   INTEGER REFERENCES root_causes(id),
  status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'fixing', 'fixed')),
  fixed_at    INTEGER,
  fix_note    TEXT,
  archived_at INTEGER,
  created_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX root_causes_name ON root_causes(ifnull(parent_id, 0), name COLLATE NOCASE);

CREATE TABLE case_root_causes (
  case_id       INTEGER NOT NULL REFERENCES cases(id),
  root_cause_id INTEGER NOT NULL REFERENCES root_causes(id),
  tagged_at     INTEGER NOT NULL,
  PRIMARY KEY (case_id, root_cause_id)
) STRICT;
CREATE INDEX case_root_causes_cause ON case_root_causes(root_cause_id);

CREATE TABLE labels (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  color      TEXT,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE case_labels (
  case_id  INTEGER NOT NULL REFERENCES cases(id),
  label_id INTEGER NOT NULL REFERENCES labels(id),
  PRIMARY KEY (case_id, label_id)
) STRICT;
CREATE INDEX case_labels_label ON case_labels(label_id);

-- Internal notes: never sent to anyone.
CREATE TABLE notes (
  id         INTEGER PRIMARY KEY,
  case_id    INTEGER NOT NULL REFERENCES cases(id),
  body       TEXT NOT NULL,
  author     TEXT,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX notes_case ON notes(case_id, created_at);

CREATE TABLE follow_ups (
  id          INTEGER PRIMARY KEY,
  case_id     INTEGER NOT NULL REFERENCES cases(id),
  due_at      INTEGER NOT NULL,
  note        TEXT NOT NULL DEFAULT '',
  done_at     INTEGER,
  notified_at INTEGER,
  created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX follow_ups_due ON follow_ups(due_at) WHERE done_at IS NULL;
CREATE INDEX follow_ups_case ON follow_ups(case_id);

CREATE TABLE templates (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- Per-channel variants: 'default', 'public', 'private', or a channel name.
CREATE TABLE template_variants (
  template_id INTEGER NOT NULL REFERENCES templates(id) ON DELETE CASCADE,
  variant     TEXT NOT NULL,
  body        TEXT NOT NULL,
  PRIMARY KEY (template_id, variant)
) STRICT;

-- Ordered, user-editable: conditions and actions are JSON documents (see core::protocol).
CREATE TABLE protocol_rules (
  id         INTEGER PRIMARY KEY,
  position   INTEGER NOT NULL,
  name       TEXT NOT NULL,
  enabled    INTEGER NOT NULL DEFAULT 1,
  conditions TEXT NOT NULL DEFAULT '{}',
  actions    TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX protocol_rules_position ON protocol_rules(position);

-- Replies the user wrote. queued → sending → sent | failed | unknown (see DESIGN §4).
CREATE TABLE outbox (
  id                  INTEGER PRIMARY KEY,
  account_id          INTEGER NOT NULL REFERENCES accounts(id),
  case_id             INTEGER REFERENCES cases(id),
  conversation_id     INTEGER REFERENCES conversations(id),
  reply_to_message_id INTEGER REFERENCES messages(id),
  kind                TEXT NOT NULL,         -- reply | public_reply | direct
  visibility          TEXT NOT NULL CHECK (visibility IN ('public', 'private')),
  body                TEXT NOT NULL,
  payload             TEXT NOT NULL DEFAULT '{}', -- JSON: recipients, subject, provider extras
  idempotency_key     TEXT NOT NULL UNIQUE,  -- also the Message-ID of an email reply
  state               TEXT NOT NULL DEFAULT 'queued'
                      CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'unknown')),
  attempts            INTEGER NOT NULL DEFAULT 0,
  next_attempt_at     INTEGER,
  last_error          TEXT,
  error_class         TEXT,
  external_id         TEXT,                  -- the provider's id once sent
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  sent_at             INTEGER
) STRICT;
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE state IN ('queued', 'unknown');

-- Per account and stream (an IMAP folder, a notification feed): the provider cursor, written in
-- the same transaction as the rows it covers.
CREATE TABLE sync_state (
  account_id      INTEGER NOT NULL REFERENCES accounts(id),
  stream          TEXT NOT NULL,
  cursor          TEXT,                      -- JSON, provider-specific
  last_success_at INTEGER,
  last_error      TEXT,
  error_class     TEXT,                      -- offline | auth | rate_limited | retryable | permanent
  backoff_until   INTEGER,
  updated_at      INTEGER NOT NULL,
  PRIMARY KEY (account_id, stream)
) STRICT;

-- Items a provider sent that could not be stored; kept with the reason, the rest goes on.
CREATE TABLE quarantine (
  id          INTEGER PRIMARY KEY,
  account_id  INTEGER REFERENCES accounts(id),
  origin      TEXT NOT NULL,                 -- file path, folder/uid, provider id
  reason      TEXT NOT NULL,
  raw_sha256  TEXT,
  created_at  INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX quarantine_origin ON quarantine(ifnull(account_id, 0), origin, reason);

-- Append-only history of case changes: the source for reports and undo.
CREATE TABLE events (
  id         INTEGER PRIMARY KEY,
  case_id    INTEGER REFERENCES cases(id),
  at         INTEGER NOT NULL,
  actor      TEXT NOT NULL,                  -- user | sync | import | rule
  device     TEXT,
  kind       TEXT NOT NULL,                  -- created | status | note | tag | untag | ...
  data       TEXT NOT NULL DEFAULT '{}',     -- JSON: what changed, before and after
  undone_by  INTEGER REFERENCES events(id)
) STRICT;
CREATE INDEX events_case ON events(case_id, at);
CREATE INDEX events_at ON events(at);
