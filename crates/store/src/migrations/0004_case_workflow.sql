-- 0004_case_workflow: cases across channels, contact merges, event history with undo.

-- Merged cases point at the case that absorbed them; finding a case's merged sources (to show
-- "merged from" and to refuse an undo that others depend on) needs this lookup.
CREATE INDEX cases_merged_into ON cases(merged_into) WHERE merged_into IS NOT NULL;

-- "Undo the last action" walks user events newest first and skips undone ones.
CREATE INDEX events_undoable ON events(actor, id) WHERE undone_by IS NULL;

-- A contact's whole history across channels: every conversation of a contact.
CREATE INDEX conversations_contact ON conversations(contact_id);

-- A contact merged into another keeps its row (so an undo can bring it back with the same id and
-- nothing that points at it breaks) and points at the contact that absorbed it.
ALTER TABLE contacts ADD COLUMN merged_into INTEGER REFERENCES contacts(id);
