-- 0009_threading: threading that gives the same conversations in every arrival order.
-- See docs/data-model.md ("Threading") for the algorithm.

-- Every id a stored message carries or points at (its own Message-ID, In-Reply-To, every
-- References entry) → the conversation it belongs to. Ids referenced but never stored are
-- "placeholders": a reply that arrives before its parent, and siblings that share a parent
-- nobody has, find each other through them.
CREATE TABLE thread_ids (
  account_id      INTEGER NOT NULL REFERENCES accounts(id),
  message_id      TEXT NOT NULL,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  PRIMARY KEY (account_id, message_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX thread_ids_conversation ON thread_ids(conversation_id);

-- A conversation joined into another when a message linked the two: it keeps its row (the
-- outbox and undo point at it), holds no messages, and every lookup that lands on it goes on
-- to `joined_into`. Joins re-point older joins, so this is never a chain.
ALTER TABLE conversations ADD COLUMN joined_into INTEGER REFERENCES conversations(id);
CREATE INDEX conversations_joined_into ON conversations(joined_into) WHERE joined_into IS NOT NULL;

-- Messages without In-Reply-To and References, for the subject fallback: the customer's
-- identity (author of inbound mail, first addressee of our own) and the normalised subject.
CREATE TABLE thread_subjects (
  message_id  INTEGER PRIMARY KEY REFERENCES messages(id),
  account_id  INTEGER NOT NULL REFERENCES accounts(id),
  subject_key TEXT NOT NULL,
  identity_id INTEGER NOT NULL REFERENCES identities(id),
  sent_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX thread_subjects_key ON thread_subjects(account_id, subject_key, sent_at);

-- Existing data: each message's own id first (it wins over a placeholder), then its parents.
INSERT OR IGNORE INTO thread_ids (account_id, message_id, conversation_id)
SELECT account_id, external_id, conversation_id FROM messages ORDER BY id;
INSERT OR IGNORE INTO thread_ids (account_id, message_id, conversation_id)
SELECT account_id, in_reply_to, conversation_id FROM messages
 WHERE in_reply_to IS NOT NULL AND in_reply_to != '' ORDER BY id;
WITH RECURSIVE split(account_id, conversation_id, id, rest, n) AS (
  SELECT account_id, conversation_id, NULL, refs || ' ', id FROM messages WHERE refs IS NOT NULL
  UNION ALL
  SELECT account_id, conversation_id, substr(rest, 1, instr(rest, ' ') - 1),
         substr(rest, instr(rest, ' ') + 1), n
    FROM split WHERE rest != ''
)
INSERT OR IGNORE INTO thread_ids (account_id, message_id, conversation_id)
SELECT account_id, id, conversation_id FROM split WHERE id IS NOT NULL AND id != '' ORDER BY n;

-- Existing header-less email: its conversation's subject key stands in for its own.
INSERT OR IGNORE INTO thread_subjects (message_id, account_id, subject_key, identity_id, sent_at)
SELECT id, account_id, subject_key, identity_id, sent_at FROM (
  SELECT m.id, m.account_id, c.subject_key, m.sent_at,
         CASE m.direction WHEN 'inbound' THEN m.author_identity_id
           ELSE (SELECT i.id FROM identities i
                  WHERE i.channel = m.channel
                    AND i.external_id = json_extract(m.recipients, '$[0].address'))
         END AS identity_id
    FROM messages m JOIN conversations c ON c.id = m.conversation_id
   WHERE m.channel = 'email' AND m.in_reply_to IS NULL AND m.refs IS NULL
     AND c.subject_key IS NOT NULL AND c.subject_key != ''
) WHERE identity_id IS NOT NULL;
