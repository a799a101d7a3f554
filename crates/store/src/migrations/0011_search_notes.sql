-- The search index gets the sender and the recipients as columns of their own, so `from:` means
-- who wrote a message and `to:` whom it went to (one `participants` column held both), and the
-- internal notes get an index of their own (store::search merges the two).
--
-- The message index becomes contentless with deletes (`contentless_delete = 1`): its columns are
-- computed from the message row when it is indexed (the view `message_search_source`), and a row
-- is removed by its rowid alone. Removing a row therefore never needs the exact text it was
-- indexed with, which a later change to an identity's display name would otherwise make stale.
-- Results are read from message_bodies by key, never from the index, so nothing is lost.
--
-- Tokenizer: unicode61 with diacritics removed and no stemming (see docs/search.md): the inbox
-- mixes languages message by message, and porter is English-only.
DROP TRIGGER message_bodies_ad;
DROP TRIGGER message_bodies_au;
DROP TABLE message_search;

CREATE VIEW message_search_source AS
SELECT b.search_rowid AS search_rowid,
       b.subject AS subject,
       trim(coalesce(i.display_name, '') || ' ' || coalesce(i.external_id, '') || ' '
            || coalesce(i.handle, '')) AS sender,
       coalesce((SELECT group_concat(trim(coalesce(r.value ->> '$.name', '') || ' '
                                          || coalesce(r.value ->> '$.address', '')), ' ')
                   FROM json_each(m.recipients) r), '') AS recipients,
       b.text AS text
  FROM message_bodies b
  JOIN messages m ON m.id = b.message_id
  LEFT JOIN identities i ON i.id = m.author_identity_id;

CREATE VIRTUAL TABLE message_search USING fts5(
  subject, sender, recipients, text,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO message_search(rowid, subject, sender, recipients, text)
  SELECT search_rowid, subject, sender, recipients, text FROM message_search_source;

CREATE TRIGGER message_bodies_ad AFTER DELETE ON message_bodies BEGIN
  DELETE FROM message_search WHERE rowid = old.search_rowid;
END;
CREATE TRIGGER message_bodies_au AFTER UPDATE OF subject, text ON message_bodies BEGIN
  DELETE FROM message_search WHERE rowid = old.search_rowid;
  INSERT INTO message_search(rowid, subject, sender, recipients, text)
    SELECT search_rowid, subject, sender, recipients, text FROM message_search_source
     WHERE search_rowid = new.search_rowid;
END;

-- Notes are few and written one at a time: triggers keep their index in step.
CREATE VIRTUAL TABLE note_search USING fts5(
  body,
  content = 'notes', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO note_search(note_search) VALUES ('rebuild');
CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN
  INSERT INTO note_search(rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER notes_ad AFTER DELETE ON notes BEGIN
  INSERT INTO note_search(note_search, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER notes_au AFTER UPDATE OF body ON notes BEGIN
  INSERT INTO note_search(note_search, rowid, body) VALUES ('delete', old.id, old.body);
  INSERT INTO note_search(rowid, body) VALUES (new.id, new.body);
END;
