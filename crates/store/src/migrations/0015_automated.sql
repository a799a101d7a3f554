-- 0015_automated: newsletters, notifications and auto-replies kept out of triage
-- (docs/cases.md, "Automated mail").
--
-- Why a message looks sent by a machine ("List-Id: news.example.com", "From: noreply@shop.example"),
-- classified when it is parsed (channels::email::automated_reason); NULL for mail a person wrote
-- and for every social item.
ALTER TABLE messages ADD COLUMN automated TEXT;
-- Why a case is automated: the reason of its first message while no person has written in it,
-- or the user's own marking. NULL for every case a person started or wrote in. Automated cases
-- are left out of the inbox, repeat contact, protocol rules, response clocks, reports and alerts.
ALTER TABLE cases ADD COLUMN automated TEXT;

-- The inbox's "Automated" view.
CREATE INDEX cases_automated ON cases(last_message_at DESC)
  WHERE automated IS NOT NULL AND merged_into IS NULL;

-- Back-fill. Headers were not kept, so only the sender's mailbox can be read again: the same
-- machine mailboxes as channels::email::machine_sender (a `+tag` removed from the local part).
WITH locals(id, address, local) AS (
  SELECT id, lower(external_id),
         CASE WHEN instr(lower(substr(external_id, 1, instr(external_id, '@') - 1)), '+') > 0
              THEN substr(lower(external_id), 1, instr(lower(external_id), '+') - 1)
              ELSE lower(substr(external_id, 1, instr(external_id, '@') - 1)) END
    FROM identities WHERE channel = 'email' AND instr(external_id, '@') > 1),
machine(id, address) AS (
  SELECT id, address FROM locals
   WHERE local IN ('mailer-daemon', 'postmaster', 'notifications', 'notification', 'notify',
                   'bounce', 'bounces')
      OR local LIKE 'noreply%' OR local LIKE 'no-reply%' OR local LIKE 'no\_reply%' ESCAPE '\'
      OR local LIKE 'donotreply%' OR local LIKE 'do-not-reply%'
      OR local LIKE 'do\_not\_reply%' ESCAPE '\')
UPDATE messages
   SET automated = 'From: ' || (SELECT address FROM machine WHERE machine.id = messages.author_identity_id)
 WHERE channel = 'email' AND direction = 'inbound'
   AND author_identity_id IN (SELECT id FROM machine);

-- A case is automated when its first message is automated and no person wrote in it since.
UPDATE cases
   SET automated = (SELECT m.automated FROM case_conversations cc
                      JOIN messages m ON m.conversation_id = cc.conversation_id
                     WHERE cc.case_id = cases.id ORDER BY m.sent_at, m.id LIMIT 1)
 WHERE merged_into IS NULL
   AND EXISTS (SELECT 1 FROM case_conversations cc
                 JOIN messages m ON m.conversation_id = cc.conversation_id
                WHERE cc.case_id = cases.id AND m.automated IS NOT NULL)
   AND NOT EXISTS (SELECT 1 FROM case_conversations cc
                     JOIN messages m ON m.conversation_id = cc.conversation_id
                    WHERE cc.case_id = cases.id AND m.direction = 'inbound'
                      AND m.automated IS NULL);
