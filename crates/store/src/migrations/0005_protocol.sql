-- 0005_protocol: response protocol, response-time clocks and breaches, repeat contact.
-- See docs/protocol.md for the semantics and core::protocol / core::sla for the rules.

-- "No reply needed" set by a protocol rule (or the user): the case needs no response clock.
ALTER TABLE cases ADD COLUMN no_reply_needed INTEGER NOT NULL DEFAULT 0;

-- Each protocol evaluation that fired at least one rule: which rules, why, and what they set,
-- so the case view can say which rule fired and why.
CREATE TABLE protocol_evaluations (
  id         INTEGER PRIMARY KEY,
  case_id    INTEGER NOT NULL REFERENCES cases(id),
  message_id INTEGER REFERENCES messages(id),
  at         INTEGER NOT NULL,
  fired      TEXT NOT NULL DEFAULT '[]',     -- JSON [core::protocol::Fired]
  actions    TEXT NOT NULL DEFAULT '{}',     -- JSON merged core::protocol::Actions
  sources    TEXT NOT NULL DEFAULT '[]',     -- JSON [{field, rule}]
  applied    TEXT NOT NULL DEFAULT '{}'      -- JSON: what actually changed on the case
) STRICT;
CREATE INDEX protocol_evaluations_case ON protocol_evaluations(case_id, id);

-- One row per response the business owes: armed by an inbound message, met by the next
-- outbound one. cases.response_due_at mirrors the pending clock's due time for the inbox.
CREATE TABLE response_clocks (
  id           INTEGER PRIMARY KEY,
  case_id      INTEGER NOT NULL REFERENCES cases(id),
  message_id   INTEGER REFERENCES messages(id),
  started_at   INTEGER NOT NULL,
  due_at       INTEGER NOT NULL,
  minutes      INTEGER NOT NULL,
  basis        TEXT NOT NULL CHECK (basis IN ('business', 'calendar')),
  source       TEXT NOT NULL,                -- the rule that set the target
  visibility   TEXT NOT NULL CHECK (visibility IN ('public', 'private')),
  channel      TEXT NOT NULL,
  responded_at INTEGER,
  closed_at    INTEGER,                      -- replaced by a new clock when the case reopened
  created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX response_clocks_case ON response_clocks(case_id, id);
CREATE INDEX response_clocks_pending ON response_clocks(due_at)
  WHERE responded_at IS NULL AND closed_at IS NULL;

-- Breaches, for reports: at most one per clock.
CREATE TABLE sla_breaches (
  id           INTEGER PRIMARY KEY,
  clock_id     INTEGER NOT NULL UNIQUE REFERENCES response_clocks(id),
  case_id      INTEGER NOT NULL REFERENCES cases(id),
  due_at       INTEGER NOT NULL,
  breached_at  INTEGER NOT NULL,             -- when it was noticed (sweep) or the late response
  responded_at INTEGER,                      -- filled in when the late response comes
  visibility   TEXT NOT NULL,
  channel      TEXT NOT NULL,
  recorded_by  TEXT NOT NULL CHECK (recorded_by IN ('sweep', 'response'))
) STRICT;
CREATE INDEX sla_breaches_due ON sla_breaches(due_at);
CREATE INDEX sla_breaches_case ON sla_breaches(case_id);

-- Repeat contact: the earlier cases (open, or resolved within the window) of the same contact.
CREATE TABLE case_repeats (
  case_id         INTEGER NOT NULL REFERENCES cases(id),
  earlier_case_id INTEGER NOT NULL REFERENCES cases(id),
  detected_at     INTEGER NOT NULL,
  PRIMARY KEY (case_id, earlier_case_id)
) STRICT;

-- The default protocol, once, into a workspace that has no rules yet (new or upgraded).
-- Must stay equal to core::protocol::default_rules() (a store test checks).
INSERT INTO protocol_rules (position, name, enabled, conditions, actions, created_at, updated_at)
SELECT column1, column2, 1, column3, column4, 0, 0 FROM (VALUES
  (1, 'Do-not-engage contact', '{"do_not_engage":true}', '{"priority":"low","no_reply_needed":true,"stop":true}'),
  (2, 'VIP contact', '{"vip":true}', '{"priority":"urgent","target":{"minutes":30,"basis":"calendar"}}'),
  (3, 'Public complaint', '{"visibility":"public","keywords":["refund","broken","complaint","complain*","terrible","awful","worst","disappoint*","unacceptable","damaged","never arrived","still waiting","late","scam","angry","furious","cancel*","useless"]}', '{"priority":"high","target":{"minutes":60,"basis":"calendar"},"channel":"email"}'),
  (4, 'Repeat contact', '{"repeat_contact":true}', '{"priority":"high"}'),
  (5, 'Public message', '{"visibility":"public"}', '{"target":{"minutes":120,"basis":"calendar"}}'),
  (6, 'Private message', '{"visibility":"private"}', '{"target":{"minutes":480,"basis":"business"}}'))
WHERE NOT EXISTS (SELECT 1 FROM protocol_rules);
