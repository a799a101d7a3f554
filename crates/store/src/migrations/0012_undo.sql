-- 0012_undo: undo that steps through actions whole, and an honest take-offline acknowledgement.

-- A user action is one transaction. The lifecycle's status change when an action stored a
-- message (take offline, a logged call) was recorded as a separate user event without an
-- inverse, so once the action was undone that event blocked every further undo ("status new →
-- waiting cannot be undone") and stayed un-struck in the history. Make each such event part of
-- the undoable action recorded in the same transaction (same case, same time, right after it),
-- and undone with it if it already was.
UPDATE events AS e SET
  data = json_set(e.data, '$.part_of', (
    SELECT min(p.id) FROM events p
     WHERE p.case_id = e.case_id AND p.at = e.at AND p.id > e.id AND p.actor = 'user'
       AND json_extract(p.data, '$.undo') IS NOT NULL)),
  undone_by = coalesce(e.undone_by, (
    SELECT p.undone_by FROM events p
     WHERE p.id = (SELECT min(q.id) FROM events q
                    WHERE q.case_id = e.case_id AND q.at = e.at AND q.id > e.id AND q.actor = 'user'
                      AND json_extract(q.data, '$.undo') IS NOT NULL)))
 WHERE e.actor = 'user' AND e.kind = 'status'
   AND json_extract(e.data, '$.because') IS NOT NULL
   AND json_extract(e.data, '$.undo') IS NULL
   AND json_extract(e.data, '$.part_of') IS NULL
   AND EXISTS (SELECT 1 FROM events p
                WHERE p.case_id = e.case_id AND p.at = e.at AND p.id > e.id AND p.actor = 'user'
                  AND json_extract(p.data, '$.undo') IS NOT NULL);

-- The shipped take-offline acknowledgement said "we've sent you a private message" whatever the
-- route, also when the case went to the phone. {offline_route} says what really happened. A
-- body the user has edited is left alone.
UPDATE template_variants
   SET body = 'Hi {first_name}, sorry about this — {offline_route} to sort it out. {case_ref}'
 WHERE template_id = (SELECT id FROM templates WHERE name = 'Take offline acknowledgement')
   AND ((variant = 'public'
         AND body = 'Hi {first_name}, sorry about this — we''ve sent you a private message to sort it out. {case_ref}')
     OR (variant = 'default'
         AND body = 'Hi {first_name}, sorry about this — we''ve written to you privately to sort it out. {case_ref}'));
