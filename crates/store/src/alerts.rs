//! Early-warning alerts: the term counters kept between messages, the alerts they raise, the
//! root-cause spikes raised when a case is tagged, the rescan over history, and ack.
//!
//! Why counting happens at commit: [`after_ingest`] only tokenises the inbound message and
//! queues it on the transaction; [`Store::write`](crate::Store::write) calls [`flush`] once
//! before commit, which loads each distinct term of the batch once, runs the pure detector
//! ([`switchboard_core::alerts`]) over the queued messages in order, writes the counters back and
//! raises or extends alerts — all in the transaction that stores the messages, so counters never
//! run ahead of (or behind) the messages they count. An import of a thousand messages reads and
//! writes each term once, not once per message. A message rolled back with its savepoint leaves
//! the queue with it.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono_tz::Tz;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use switchboard_core::alerts::{
    self as detect, Cooldown, Counter, DayCount, Params, TermDetector, TermSignal, TermState,
    day_of, day_start_of, text,
};
use switchboard_core::case::Direction;

use crate::{Entity, Result, StoreError, Tx};

/// Root-cause spikes compare a day with this many days before it.
pub const ROOT_CAUSE_HISTORY_DAYS: i64 = 56;
/// A case tagged more than this many days after it began is left to a rescan: an alert about
/// last month is no early warning.
pub const LIVE_TAG_WINDOW_DAYS: i64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    RootCause,
    Term,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::RootCause => "root_cause",
            AlertKind::Term => "term",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Alert {
    pub id: i64,
    pub kind: AlertKind,
    /// The root cause's path ("Shipping › Late delivery"), or the terms joined with ", ".
    pub subject: String,
    /// Term alerts: the words and phrases that spiked, strongest first. Empty for root causes.
    pub terms: Vec<String>,
    pub root_cause_id: Option<i64>,
    /// Date (ms) of the message or case that made the count significant.
    pub start: i64,
    /// Messages (terms) or new cases (root causes) that day.
    pub count: i64,
    /// What a usual day would have had by then.
    pub expected: f64,
    /// Poisson probability of at least `count` given `expected` (before the correction for the
    /// number of subjects tested).
    pub p_value: f64,
    /// The cases behind the count, oldest first.
    pub case_ids: Vec<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub acked_at: Option<i64>,
    pub notified_at: Option<i64>,
}

/// An inbound message queued for the term detector until the transaction flushes.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub case_id: i64,
    pub at: i64,
    pub terms: Vec<String>,
    pub now: i64,
}

/// What [`after_ingest`] needs to know of a stored message.
pub struct Stored<'a> {
    pub case_id: i64,
    pub direction: Direction,
    /// Sent by a machine (newsletter, notification, auto-reply): its words are no early warning.
    pub automated: bool,
    pub subject: Option<&'a str>,
    pub text: &'a str,
    pub sent_at: i64,
}

/// The ingest hook: queues an inbound message's terms for [`flush`]. Outbound messages are not
/// counted (our own replies say nothing about what went wrong), nor is automated mail (a
/// newsletter's words would make spikes of their own).
pub fn after_ingest(tx: &mut Tx<'_>, m: &Stored<'_>, now: i64) {
    if m.direction != Direction::Inbound || m.automated {
        return;
    }
    let terms = text::message_terms(m.subject, m.text);
    tx.alert_arrivals.push(Arrival {
        case_id: m.case_id,
        at: m.sent_at,
        terms,
        now,
    });
}

const SELECT: &str = "SELECT a.id, a.kind, a.subject, a.terms, a.root_cause_id, a.start, a.count,
       a.expected, a.p_value, a.created_at, a.updated_at, a.acked_at, a.notified_at,
       (SELECT json_group_array(case_id) FROM
          (SELECT ac.case_id FROM alert_cases ac WHERE ac.alert_id = a.id ORDER BY ac.case_id))
  FROM alerts a";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Alert> {
    let kind: String = r.get(1)?;
    let terms: String = r.get(3)?;
    let cases: String = r.get(13)?;
    Ok(Alert {
        id: r.get(0)?,
        kind: if kind == "term" {
            AlertKind::Term
        } else {
            AlertKind::RootCause
        },
        subject: r.get(2)?,
        terms: serde_json::from_str(&terms).unwrap_or_default(),
        root_cause_id: r.get(4)?,
        start: r.get(5)?,
        count: r.get(6)?,
        expected: r.get(7)?,
        p_value: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
        acked_at: r.get(11)?,
        notified_at: r.get(12)?,
        case_ids: serde_json::from_str(&cases).unwrap_or_default(),
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<Alert> {
    conn.prepare_cached(&format!("{SELECT} WHERE a.id = ?1"))?
        .query_row([id], row)
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            entity: "alert",
            id: id.to_string(),
        })
}

/// Which alerts [`list`] returns.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Also acknowledged ones.
    pub include_acked: bool,
    pub kind: Option<AlertKind>,
    /// Only alerts that started at or after this (ms).
    pub since: Option<i64>,
}

/// Alerts, newest first.
pub fn list(conn: &Connection, f: &AlertFilter) -> Result<Vec<Alert>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE (?1 OR a.acked_at IS NULL) AND (?2 IS NULL OR a.kind = ?2)
                    AND (?3 IS NULL OR a.start >= ?3)
          ORDER BY a.start DESC, a.id DESC"
    ))?;
    Ok(stmt
        .query_map(
            params![f.include_acked, f.kind.map(AlertKind::as_str), f.since],
            row,
        )?
        .collect::<rusqlite::Result<_>>()?)
}

/// Acknowledges an alert ("seen, dealt with"). Acknowledging twice keeps the first time.
pub fn ack(tx: &mut Tx<'_>, id: i64, now: i64) -> Result<Alert> {
    get(tx.conn(), id)?;
    let n = tx
        .conn()
        .prepare_cached("UPDATE alerts SET acked_at = ?2 WHERE id = ?1 AND acked_at IS NULL")?
        .execute(params![id, now])?;
    if n > 0 {
        tx.changed(Entity::Alert, id);
    }
    get(tx.conn(), id)
}

/// Alerts nobody was notified about yet, oldest first (for desktop notifications).
pub fn unnotified(conn: &Connection) -> Result<Vec<Alert>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE a.notified_at IS NULL AND a.acked_at IS NULL ORDER BY a.created_at, a.id"
    ))?;
    Ok(stmt.query_map([], row)?.collect::<rusqlite::Result<_>>()?)
}

/// Records that the user was notified, so each alert notifies once. Returns how many changed.
pub fn mark_notified(tx: &mut Tx<'_>, ids: &[i64], now: i64) -> Result<usize> {
    tx.mark_notified_once("alerts", Entity::Alert, ids, now)
}

// ---------------------------------------------------------------------------------------------
// Term counters

fn load_total(conn: &Connection) -> Result<(Counter, usize)> {
    Ok(conn
        .prepare_cached("SELECT day, today, base, days, vocabulary FROM alert_totals WHERE id = 1")?
        .query_row([], |r| {
            Ok((
                Counter {
                    day: r.get(0)?,
                    today: r.get(1)?,
                    base: r.get(2)?,
                    days: r.get(3)?,
                },
                r.get::<_, i64>(4)? as usize,
            ))
        })
        .optional()?
        .unwrap_or_default())
}

fn save_total(conn: &Connection, c: &Counter, vocabulary: usize) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO alert_totals (id, day, today, base, days, vocabulary)
         VALUES (1, ?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![c.day, c.today, c.base, c.days, vocabulary as i64])?;
    Ok(())
}

/// A term's counter from the columns `day, today, base, days, last_alert_day` of `alert_terms`,
/// starting at column `at`.
fn term_state(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<TermState> {
    Ok(TermState {
        counter: Counter {
            day: r.get(at)?,
            today: r.get(at + 1)?,
            base: r.get(at + 2)?,
            days: r.get(at + 3)?,
        },
        last_alert_day: r.get(at + 4)?,
    })
}

fn load_term(conn: &Connection, term: &str) -> Result<Option<TermState>> {
    Ok(conn
        .prepare_cached(
            "SELECT day, today, base, days, last_alert_day FROM alert_terms WHERE term = ?1",
        )?
        .query_row([term], |r| term_state(r, 0))
        .optional()?)
}

fn save_term(conn: &Connection, term: &str, s: &TermState) -> Result<()> {
    let c = &s.counter;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO alert_terms (term, day, today, base, days, last_alert_day)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        term,
        c.day,
        c.today,
        c.base,
        c.days,
        s.last_alert_day
    ])?;
    Ok(())
}

/// Runs the queued inbound messages through the term detector (called by `Store::write` just
/// before commit, after the search index is written so new alerts can find their cases).
pub(crate) fn flush(tx: &mut Tx<'_>) -> Result<()> {
    if tx.alert_arrivals.is_empty() {
        return Ok(());
    }
    let arrivals = std::mem::take(&mut tx.alert_arrivals);
    count_arrivals(tx, &arrivals)
}

/// The detector's tuning with the workspace's time zone (from its business hours), so that
/// alert days begin at the owner's midnight.
pub fn workspace_params(conn: &Connection) -> Result<Params> {
    Ok(Params {
        tz: crate::sla::schedule(conn)?.time_zone(),
        ..Params::default()
    })
}

/// Counts inbound messages (in date order) into the stored term counters and raises or extends
/// alerts; what [`flush`] does with the messages queued by [`after_ingest`]. Public for the
/// benchmark, which times it apart from the rest of ingest.
pub fn count_arrivals(tx: &mut Tx<'_>, arrivals: &[Arrival]) -> Result<()> {
    if arrivals.is_empty() {
        return Ok(());
    }
    let params = workspace_params(tx.conn())?;
    let (total, vocabulary) = load_total(tx.conn())?;
    let mut det = TermDetector::new(params.clone());
    det.total = total;
    // Terms without a stored counter yet.
    let mut new_terms: HashSet<&str> = HashSet::new();
    for a in arrivals {
        for t in &a.terms {
            if det.terms.contains_key(t.as_str()) || new_terms.contains(t.as_str()) {
                continue;
            }
            match load_term(tx.conn(), t)? {
                Some(s) => {
                    det.terms.insert(t.clone(), s);
                }
                None => {
                    new_terms.insert(t);
                }
            }
        }
    }
    let stored_loaded = det.terms.len();
    det.unloaded_vocabulary = vocabulary.saturating_sub(stored_loaded);
    let day_before = det.total.day;
    let mut touched: BTreeSet<String> = det.terms.keys().cloned().collect();
    for a in arrivals {
        let signals = det.observe(a.at, &a.terms);
        touched.extend(a.terms.iter().cloned());
        if !signals.is_empty() {
            apply_term_signals(tx, &params, a, &signals)?;
        }
    }
    let mut vocabulary = vocabulary as i64;
    for term in &touched {
        let existed = !new_terms.contains(term.as_str());
        match det.terms.get(term) {
            Some(s) => {
                save_term(tx.conn(), term, s)?;
                if !existed {
                    vocabulary += 1;
                }
            }
            None if existed => {
                tx.conn()
                    .prepare_cached("DELETE FROM alert_terms WHERE term = ?1")?
                    .execute([term])?;
                vocabulary -= 1;
            }
            None => {}
        }
    }
    if det.total.day > day_before {
        vocabulary -= prune(tx.conn(), &params, det.total.day)? as i64;
    }
    save_total(tx.conn(), &det.total, vocabulary.max(0) as usize)
}

/// Deletes counters of terms whose baseline has decayed to nothing (once per new day): what
/// keeps `alert_terms` bounded by the vocabulary of the last few weeks.
fn prune(conn: &Connection, params: &Params, day: i64) -> Result<usize> {
    let stale: Vec<(String, TermState)> = conn
        .prepare_cached(
            "SELECT term, day, today, base, days, last_alert_day FROM alert_terms WHERE day < ?1",
        )?
        .query_map([day - 1], |r| Ok((r.get(0)?, term_state(r, 1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut n = 0;
    for (term, s) in stale {
        if TermDetector::forgettable(params, &s, day) {
            n += conn
                .prepare_cached("DELETE FROM alert_terms WHERE term = ?1")?
                .execute([term])?;
        }
    }
    Ok(n)
}

/// Raises or extends the term alert one message's signals belong to, and adds its case.
fn apply_term_signals(
    tx: &mut Tx<'_>,
    params: &Params,
    a: &Arrival,
    signals: &[TermSignal],
) -> Result<()> {
    let day = signals[0].day;
    let open: Vec<(i64, Vec<String>)> = tx
        .conn()
        .prepare_cached(
            "SELECT id, terms FROM alerts WHERE kind = 'term' AND day = ?1 ORDER BY id",
        )?
        .query_map([day], |r| {
            let terms: String = r.get(1)?;
            Ok((r.get(0)?, serde_json::from_str(&terms).unwrap_or_default()))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let open_terms: Vec<Vec<String>> = open.iter().map(|(_, t)| t.clone()).collect();
    let mut strongest: Vec<&TermSignal> = signals.iter().collect();
    strongest.sort_by(|x, y| x.verdict.p_value.total_cmp(&y.verdict.p_value));
    let alert_id = match detect::group_with(&open_terms, &a.terms) {
        Some(i) => {
            let (id, mut terms) = open[i].clone();
            for s in &strongest {
                if !terms.contains(&s.term) {
                    terms.push(s.term.clone());
                }
            }
            // The alert's figures follow its lead term (the first one raised).
            let lead = signals.iter().find(|s| s.term == terms[0]);
            tx.conn()
                .prepare_cached(
                    "UPDATE alerts SET terms = ?2, subject = ?3, updated_at = ?4,
                         count = coalesce(?5, count), expected = coalesce(?6, expected),
                         p_value = coalesce(?7, p_value)
                     WHERE id = ?1",
                )?
                .execute(params![
                    id,
                    serde_json::to_string(&terms)?,
                    terms.join(", "),
                    a.now,
                    lead.map(|s| s.verdict.count),
                    lead.map(|s| s.verdict.expected),
                    lead.map(|s| s.verdict.p_value),
                ])?;
            id
        }
        None => {
            let terms: Vec<String> = strongest.iter().map(|s| s.term.clone()).collect();
            let lead = strongest[0];
            let id = insert_alert(
                tx,
                &NewAlert {
                    kind: AlertKind::Term,
                    subject: terms.join(", "),
                    terms: &terms,
                    root_cause_id: None,
                    day,
                    start: a.at,
                    verdict: &lead.verdict,
                    now: a.now,
                },
            )?;
            for case_id in
                cases_mentioning(tx.conn(), &lead.term, day_start_of(params.tz, day), a.at)?
            {
                add_case(tx, id, case_id)?;
            }
            id
        }
    };
    add_case(tx, alert_id, a.case_id)?;
    tx.changed(Entity::Alert, alert_id);
    Ok(())
}

struct NewAlert<'a> {
    kind: AlertKind,
    subject: String,
    terms: &'a [String],
    root_cause_id: Option<i64>,
    day: i64,
    start: i64,
    verdict: &'a detect::Verdict,
    now: i64,
}

fn insert_alert(tx: &mut Tx<'_>, n: &NewAlert<'_>) -> Result<i64> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO alerts (kind, subject, terms, root_cause_id, day, start, count, expected,
                 p_value, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        )?
        .execute(params![
            n.kind.as_str(),
            n.subject,
            serde_json::to_string(n.terms)?,
            n.root_cause_id,
            n.day,
            n.start,
            n.verdict.count,
            n.verdict.expected,
            n.verdict.p_value,
            n.now,
        ])?;
    let id = tx.conn().last_insert_rowid();
    tx.changed(Entity::Alert, id);
    Ok(id)
}

fn add_case(tx: &mut Tx<'_>, alert_id: i64, case_id: i64) -> Result<()> {
    tx.conn()
        .prepare_cached("INSERT OR IGNORE INTO alert_cases (alert_id, case_id) VALUES (?1, ?2)")?
        .execute(params![alert_id, case_id])?;
    Ok(())
}

/// Cases with an inbound message dated in `[from, to]` whose text or subject holds `term` (a
/// word or a two-word phrase), found through the search index.
fn cases_mentioning(conn: &Connection, term: &str, from: i64, to: i64) -> Result<Vec<i64>> {
    let phrase = format!("\"{}\"", term.replace('"', "\"\""));
    let lo = (from.max(0) / 1000) << 20;
    let hi = ((to.max(0) / 1000) + 1) << 20;
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT cc.case_id
           FROM message_search s
           JOIN message_bodies b ON b.search_rowid = s.rowid
           JOIN messages m ON m.id = b.message_id
           JOIN case_conversations cc ON cc.conversation_id = m.conversation_id
          WHERE message_search MATCH ?1 AND s.rowid >= ?2 AND s.rowid < ?3
            AND m.direction = 'inbound' AND m.sent_at BETWEEN ?4 AND ?5
          ORDER BY cc.case_id",
    )?;
    Ok(stmt
        .query_map(
            params![format!("{{subject text}} : {phrase}"), lo, hi, from, to],
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?)
}

// ---------------------------------------------------------------------------------------------
// Root causes

/// The tagging hook: tests the cause a case was just tagged with (and its parent, into which
/// children roll up) for a spike on the day the case began.
pub fn after_tag(tx: &mut Tx<'_>, case_id: i64, root_cause_id: i64, now: i64) -> Result<()> {
    let created_at: i64 = tx
        .conn()
        .prepare_cached("SELECT created_at FROM cases WHERE id = ?1")?
        .query_row([case_id], |r| r.get(0))?;
    let params = workspace_params(tx.conn())?;
    let day = day_of(params.tz, created_at);
    if day_of(params.tz, now) - day > LIVE_TAG_WINDOW_DAYS {
        return Ok(());
    }
    let parent: Option<i64> = tx
        .conn()
        .prepare_cached("SELECT parent_id FROM root_causes WHERE id = ?1")?
        .query_row([root_cause_id], |r| r.get(0))?;
    let causes = cause_count(tx.conn())?;
    for cause in std::iter::once(root_cause_id).chain(parent) {
        let lo = day - ROOT_CAUSE_HISTORY_DAYS;
        let all = daily_counts(tx.conn(), params.tz, None, lo, day)?;
        let mine = daily_counts(tx.conn(), params.tz, Some(cause), lo, day)?;
        let days = day_series(
            &all,
            &mine,
            first_case_day(tx.conn(), params.tz)?,
            day - ROOT_CAUSE_HISTORY_DAYS,
            day,
        );
        if let Some(v) = detect::root_cause_verdict(&params, &days, causes) {
            apply_root_cause(tx, &params, cause, day, created_at, &v, now)?;
        }
    }
    Ok(())
}

fn cause_count(conn: &Connection) -> Result<usize> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM root_causes WHERE archived_at IS NULL")?
        .query_row([], |r| r.get::<_, i64>(0))?
        .max(1) as usize)
}

fn first_case_day(conn: &Connection, tz: Tz) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT min(created_at) FROM cases WHERE merged_into IS NULL")?
        .query_row([], |r| r.get::<_, Option<i64>>(0))?
        .map(|at| day_of(tz, at)))
}

/// New cases per local day in `[from, to]` (day numbers), all or those tagged with `cause` or a
/// child. Days are counted in Rust rather than grouped in SQL because a local day is not a
/// fixed 86,400,000 ms: DST makes some 23 or 25 hours long.
fn daily_counts(
    conn: &Connection,
    tz: Tz,
    cause: Option<i64>,
    from: i64,
    to: i64,
) -> Result<HashMap<i64, u32>> {
    let (lo, hi) = (day_start_of(tz, from), day_start_of(tz, to + 1));
    // `?3` NULL: every case; else those tagged with the cause or one of its children.
    let mut stmt = conn.prepare_cached(
        "SELECT c.created_at FROM cases c
          WHERE c.created_at >= ?1 AND c.created_at < ?2 AND c.merged_into IS NULL
            AND (?3 IS NULL OR EXISTS (SELECT 1 FROM case_root_causes crc
                                        WHERE crc.case_id = c.id
                                          AND (crc.root_cause_id = ?3 OR crc.root_cause_id IN
                                                (SELECT id FROM root_causes WHERE parent_id = ?3))))",
    )?;
    let mut counts: HashMap<i64, u32> = HashMap::new();
    let mut rows = stmt.query(params![lo, hi, cause])?;
    while let Some(r) = rows.next()? {
        *counts.entry(day_of(tz, r.get(0)?)).or_default() += 1;
    }
    Ok(counts)
}

/// One [`DayCount`] per day in `[from, to]`, starting no earlier than the first case.
fn day_series(
    all: &HashMap<i64, u32>,
    mine: &HashMap<i64, u32>,
    first_day: Option<i64>,
    from: i64,
    to: i64,
) -> Vec<DayCount> {
    let start = first_day.map_or(to, |f| f.max(from)).min(to);
    (start..=to)
        .map(|d| DayCount {
            cause: mine.get(&d).copied().unwrap_or(0),
            all: all.get(&d).copied().unwrap_or(0),
        })
        .collect()
}

fn root_cause_path(conn: &Connection, id: i64) -> Result<String> {
    crate::taxonomy::path_of(conn, id)
}

/// Raises, extends or (within the cool-down) ignores a root-cause spike on `day`.
fn apply_root_cause(
    tx: &mut Tx<'_>,
    params: &Params,
    cause: i64,
    day: i64,
    start: i64,
    v: &detect::Verdict,
    now: i64,
) -> Result<Option<i64>> {
    let last: Option<(i64, i64)> = tx
        .conn()
        .prepare_cached(
            "SELECT id, day FROM alerts WHERE kind = 'root_cause' AND root_cause_id = ?1
                AND day <= ?2 ORDER BY day DESC LIMIT 1",
        )?
        .query_row(params![cause, day], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let id = match detect::cooldown(params, day, last.map(|(_, d)| d)) {
        Cooldown::Quiet => return Ok(None),
        Cooldown::Extend => {
            let id = last.map(|(id, _)| id).unwrap_or_default();
            tx.conn()
                .prepare_cached(
                    "UPDATE alerts SET count = max(count, ?2), expected = ?3, p_value = ?4,
                         updated_at = ?5 WHERE id = ?1",
                )?
                .execute(params![id, v.count, v.expected, v.p_value, now])?;
            tx.changed(Entity::Alert, id);
            id
        }
        Cooldown::Raise => insert_alert(
            tx,
            &NewAlert {
                kind: AlertKind::RootCause,
                subject: root_cause_path(tx.conn(), cause)?,
                terms: &[],
                root_cause_id: Some(cause),
                day,
                start,
                verdict: v,
                now,
            },
        )?,
    };
    let cases: Vec<i64> = tx
        .conn()
        .prepare_cached(
            "SELECT DISTINCT c.id FROM cases c JOIN case_root_causes crc ON crc.case_id = c.id
              WHERE (crc.root_cause_id = ?1
                     OR crc.root_cause_id IN (SELECT id FROM root_causes WHERE parent_id = ?1))
                AND c.created_at >= ?2 AND c.created_at < ?3 AND c.merged_into IS NULL",
        )?
        .query_map(
            params![
                cause,
                day_start_of(params.tz, day),
                day_start_of(params.tz, day + 1)
            ],
            |r| r.get(0),
        )?
        .collect::<rusqlite::Result<_>>()?;
    for c in cases {
        add_case(tx, id, c)?;
    }
    Ok(Some(id))
}

// ---------------------------------------------------------------------------------------------
// Rescan

#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct ScanReport {
    /// First and last local day scanned (ms of their midnights in the workspace's time zone).
    pub from: i64,
    pub to: i64,
    /// Inbound messages replayed through the term detector (including the history before
    /// `from` that forms the baseline).
    pub messages: i64,
    /// Alerts raised by this scan (already existing ones are extended, not repeated).
    pub raised: Vec<i64>,
}

/// Rescans history for spikes on the days `[from, to]` (ms; defaults: the first message, and
/// `now`). The term detector replays every inbound message up to `to` in date order (the days
/// before `from` form the baseline); root causes are tested day by day. Spikes already alerted
/// extend their alert rather than raising a second one. A scan that reaches `now` also replaces
/// the live counters with the replayed ones, which repairs counters after an import of old mail.
pub fn scan(tx: &mut Tx<'_>, from: Option<i64>, to: Option<i64>, now: i64) -> Result<ScanReport> {
    let to = to.unwrap_or(now).min(now);
    let first: Option<i64> = tx.conn().query_row(
        "SELECT min(sent_at) FROM messages WHERE direction = 'inbound'",
        [],
        |r| r.get(0),
    )?;
    let from = from.or(first).unwrap_or(to);
    if from > to {
        return Err(StoreError::Invalid(
            "cannot scan for alerts: the start date is after the end date".into(),
        ));
    }
    let params = workspace_params(tx.conn())?;
    let tz = params.tz;
    let (from_day, to_day) = (day_of(tz, from), day_of(tz, to));
    let before: i64 = tx
        .conn()
        .query_row("SELECT ifnull(max(id), 0) FROM alerts", [], |r| r.get(0))?;

    let mut det = TermDetector::new(params.clone());
    let mut messages = 0i64;
    {
        let rows: Vec<(i64, i64, Option<String>, String)> = tx
            .conn()
            .prepare(
                "SELECT m.sent_at, cc.case_id, b.subject, b.text
                   FROM messages m
                   JOIN message_bodies b ON b.message_id = m.id
                   JOIN case_conversations cc ON cc.conversation_id = m.conversation_id
                  WHERE m.direction = 'inbound' AND m.sent_at < ?1
                  ORDER BY m.sent_at, m.id",
            )?
            .query_map([day_start_of(tz, to_day + 1)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (at, case_id, subject, body) in rows {
            messages += 1;
            let terms = text::message_terms(subject.as_deref(), &body);
            let signals = det.observe(at, &terms);
            if signals.is_empty() || day_of(tz, at) < from_day {
                continue;
            }
            apply_term_signals(
                tx,
                &params,
                &Arrival {
                    case_id,
                    at,
                    terms,
                    now,
                },
                &signals,
            )?;
        }
    }
    if to_day >= day_of(tz, now) {
        tx.conn().execute_batch("DELETE FROM alert_terms")?;
        for (term, s) in &det.terms {
            save_term(tx.conn(), term, s)?;
        }
        save_total(tx.conn(), &det.total, det.terms.len())?;
    }

    let causes: Vec<i64> = tx
        .conn()
        .prepare("SELECT id FROM root_causes WHERE archived_at IS NULL ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let first_day = first_case_day(tx.conn(), tz)?;
    let lo = from_day - ROOT_CAUSE_HISTORY_DAYS;
    let all = daily_counts(tx.conn(), tz, None, lo, to_day)?;
    for &cause in &causes {
        let mine = daily_counts(tx.conn(), tz, Some(cause), lo, to_day)?;
        for day in from_day..=to_day {
            if mine.get(&day).copied().unwrap_or(0) < params.min_count {
                continue;
            }
            let days = day_series(&all, &mine, first_day, day - ROOT_CAUSE_HISTORY_DAYS, day);
            if let Some(v) = detect::root_cause_verdict(&params, &days, causes.len()) {
                let start: i64 = tx.conn().query_row(
                    "SELECT min(c.created_at) FROM cases c JOIN case_root_causes crc ON crc.case_id = c.id
                      WHERE (crc.root_cause_id = ?1
                             OR crc.root_cause_id IN (SELECT id FROM root_causes WHERE parent_id = ?1))
                        AND c.created_at >= ?2 AND c.created_at < ?3",
                    params![cause, day_start_of(tz, day), day_start_of(tz, day + 1)],
                    |r| r.get(0),
                )?;
                apply_root_cause(tx, &params, cause, day, start, &v, now)?;
            }
        }
    }

    let raised: Vec<i64> = tx
        .conn()
        .prepare("SELECT id FROM alerts WHERE id > ?1 ORDER BY id")?
        .query_map([before], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ScanReport {
        from: day_start_of(tz, from_day),
        to: day_start_of(tz, to_day),
        messages,
        raised,
    })
}
