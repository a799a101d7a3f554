-- Early warning (docs/alerts.md): spike alerts, the cases behind each, and the per-term daily
-- counters the detector keeps between messages. The counters are bounded: a term whose baseline
-- has decayed to nothing is deleted at the first message of each new day.

CREATE TABLE alerts (
  id            INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('root_cause', 'term')),
  -- The root cause's path, or the alert's terms joined with ", ".
  subject       TEXT NOT NULL,
  terms         TEXT NOT NULL DEFAULT '[]',          -- JSON array, term alerts only
  root_cause_id INTEGER,                             -- root-cause alerts only (no FK: causes merge)
  day           INTEGER NOT NULL,                    -- UTC day number of the spike
  start         INTEGER NOT NULL,                    -- date of the message or case that raised it
  count         INTEGER NOT NULL,
  expected      REAL NOT NULL,
  p_value       REAL NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  acked_at      INTEGER,
  notified_at   INTEGER
) STRICT;
CREATE INDEX alerts_day ON alerts(kind, day);
CREATE INDEX alerts_recent ON alerts(start DESC);
CREATE INDEX alerts_unnotified ON alerts(created_at) WHERE notified_at IS NULL;

CREATE TABLE alert_cases (
  alert_id INTEGER NOT NULL REFERENCES alerts(id),
  case_id  INTEGER NOT NULL,
  PRIMARY KEY (alert_id, case_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE alert_terms (
  term           TEXT PRIMARY KEY,
  day            INTEGER NOT NULL,
  today          INTEGER NOT NULL,
  base           REAL NOT NULL,
  days           INTEGER NOT NULL,
  last_alert_day INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX alert_terms_day ON alert_terms(day);

-- All inbound messages (the denominator of every term's share) and the vocabulary size.
CREATE TABLE alert_totals (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  day        INTEGER NOT NULL,
  today      INTEGER NOT NULL,
  base       REAL NOT NULL,
  days       INTEGER NOT NULL,
  vocabulary INTEGER NOT NULL
) STRICT;

-- Root-cause spikes count new cases per day: with `cases_created` (0010_reports, over the
-- cases not merged away).
