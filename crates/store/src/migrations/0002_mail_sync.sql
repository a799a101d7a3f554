-- Schema version 2: IMAP sync.
--
-- Where each stored message lives on the mail server, so that flag changes and expunges on the
-- server can be mapped back to our rows, and so an interrupted sync knows what it already has.
-- The folder's cursor (UIDVALIDITY, covered UID range, HIGHESTMODSEQ) is JSON in
-- sync_state.cursor (stream 'imap:<folder>'), written in the same transaction as these rows.
CREATE TABLE mail_locations (
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  folder     TEXT NOT NULL,                  -- the server's folder name, as LIST returns it
  uid        INTEGER NOT NULL,               -- valid for the UIDVALIDITY in the folder's cursor
  message_id INTEGER REFERENCES messages(id) ON DELETE CASCADE, -- NULL: quarantined (see quarantine)
  flags      INTEGER NOT NULL DEFAULT 0,     -- bits: 1 \Seen, 2 \Flagged, 4 \Answered, 8 \Deleted, 16 \Draft
  modseq     INTEGER,                        -- CONDSTORE MODSEQ when last seen
  PRIMARY KEY (account_id, folder, uid)
) STRICT, WITHOUT ROWID;
CREATE INDEX mail_locations_message ON mail_locations(message_id) WHERE message_id IS NOT NULL;

-- Health that must be visible while a sync runs (from another process, too): what it is doing
-- right now, and when it last tried.
ALTER TABLE sync_state ADD COLUMN activity TEXT;
ALTER TABLE sync_state ADD COLUMN activity_at INTEGER;
ALTER TABLE sync_state ADD COLUMN last_attempt_at INTEGER;

-- A removed account keeps its messages and cases (history is never lost); it stops syncing,
-- its secrets are deleted and its name is free again.
ALTER TABLE accounts ADD COLUMN removed_at INTEGER;
