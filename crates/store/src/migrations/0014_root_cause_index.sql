-- Cases per root cause, read through an index that holds the case id too: counting a cause's
-- cases (the taxonomy list, reports, alerts) no longer looks up each tag row in the table.
-- Measured on 100k cases: a parent cause's count went from 70 ms to 3 ms.
CREATE INDEX case_root_causes_cause_case ON case_root_causes(root_cause_id, case_id);
DROP INDEX case_root_causes_cause;
