-- 0008_repeat_linear: repeat contact stored on the case (linear), paused response clocks.
--
-- case_repeats linked every case to every earlier case of its contact: it grew with the square
-- of a customer's history (37 million rows for 262k cases). A case now keeps what the inbox,
-- the protocol and reports read: the most recent earlier qualifying case and how many there
-- were when it was detected. The list of earlier cases is read from the contact's cases.

ALTER TABLE cases ADD COLUMN repeat_of INTEGER REFERENCES cases(id);
ALTER TABLE cases ADD COLUMN repeat_count INTEGER NOT NULL DEFAULT 0;

UPDATE cases SET
  repeat_count = (SELECT count(*) FROM case_repeats r WHERE r.case_id = cases.id),
  repeat_of = (SELECT r.earlier_case_id FROM case_repeats r JOIN cases e ON e.id = r.earlier_case_id
                WHERE r.case_id = cases.id
                ORDER BY e.created_at DESC, e.id DESC LIMIT 1)
WHERE id IN (SELECT case_id FROM case_repeats);

DROP TABLE case_repeats;

-- A contact's cases in creation order (earlier cases on read), and the two kinds of earlier
-- case that make a repeat: not resolved, or resolved recently. The partial indexes keep the
-- lookup at the size of what qualifies, not of the contact's whole history.
DROP INDEX cases_contact;
CREATE INDEX cases_contact_created ON cases(contact_id, created_at);
CREATE INDEX cases_contact_unresolved ON cases(contact_id, created_at)
  WHERE status <> 'resolved' AND merged_into IS NULL;
CREATE INDEX cases_contact_resolved ON cases(contact_id, resolved_at)
  WHERE status = 'resolved' AND merged_into IS NULL;

-- When the case of a pending clock was snoozed: on waking, the due time moves later by the
-- time spent snoozed (business time for business targets).
ALTER TABLE response_clocks ADD COLUMN paused_at INTEGER;
