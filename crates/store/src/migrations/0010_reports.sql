-- 0010_reports: reports read the cases that began in a date range (store::reports).
CREATE INDEX cases_created ON cases(created_at) WHERE merged_into IS NULL;
