//! Response clocks, breaches, repeat contact and the settings behind them.
//!
//! A clock row is armed by an inbound message when a protocol rule sets a target, and met by the
//! next outbound message. `cases.response_due_at` mirrors the pending clock's due time so the
//! inbox can show and sort by it without a join. Breaches are recorded at most once per clock:
//! by [`sweep`] when the due time passes without a response, or by [`on_response`] when the
//! response comes late (whichever is first; the other only fills in `responded_at`).

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use switchboard_core::case::CaseStatus;
use switchboard_core::hours::{BusinessHours, Schedule};
use switchboard_core::sla::{Basis, ResponseSettings};

use crate::events::{self, NewEvent};
use crate::{Entity, Result, StoreError, Tx, settings};

/// Setting keys.
pub const BUSINESS_HOURS: &str = "business_hours";
pub const REPEAT_WINDOW_DAYS: &str = "repeat_window_days";
pub const DUE_SOON_MINUTES: &str = "sla_due_soon_minutes";

const DAY_MS: i64 = 24 * 3_600_000;

/// The stored response settings; defaults for what is missing. A stored value that no longer
/// parses (written by a newer build) falls back to the default rather than stopping ingest.
pub fn response_settings(conn: &Connection) -> Result<ResponseSettings> {
    // One statement for the three keys: this runs for every inbound message.
    let mut s = ResponseSettings::default();
    let mut stmt =
        conn.prepare_cached("SELECT key, value FROM settings WHERE key IN (?1, ?2, ?3)")?;
    let mut rows = stmt.query([BUSINESS_HOURS, REPEAT_WINDOW_DAYS, DUE_SOON_MINUTES])?;
    while let Some(r) = rows.next()? {
        let (key, raw): (String, String) = (r.get(0)?, r.get(1)?);
        let num = || raw.trim().parse::<u32>().ok();
        match key.as_str() {
            BUSINESS_HOURS => {
                if let Ok(h) = serde_json::from_str::<BusinessHours>(&raw) {
                    s.hours = h;
                }
            }
            REPEAT_WINDOW_DAYS => s.repeat_window_days = num().unwrap_or(s.repeat_window_days),
            DUE_SOON_MINUTES => s.due_soon_minutes = num().unwrap_or(s.due_soon_minutes),
            _ => {}
        }
    }
    Ok(s)
}

/// The schedule to count business time with.
pub fn schedule(conn: &Connection) -> Result<Schedule> {
    Ok(schedule_of(&response_settings(conn)?))
}

/// The schedule of `s`; stored hours that no longer validate (written by a newer build) fall
/// back to the default rather than stopping ingest.
pub fn schedule_of(s: &ResponseSettings) -> Schedule {
    s.hours.schedule().unwrap_or_else(|_| {
        BusinessHours::default()
            .schedule()
            .expect("the default business hours are valid")
    })
}

/// Validates and stores all response settings.
pub fn set_response_settings(tx: &mut Tx<'_>, s: &ResponseSettings) -> Result<()> {
    s.hours
        .schedule()
        .map_err(|e| StoreError::Invalid(format!("cannot set business hours: {e}")))?;
    if s.repeat_window_days == 0 || s.repeat_window_days > 3650 {
        return Err(StoreError::Invalid(
            "cannot set the repeat-contact window: it must be 1 to 3650 days".into(),
        ));
    }
    if s.due_soon_minutes > 7 * 24 * 60 {
        return Err(StoreError::Invalid(
            "cannot set the due-soon warning: it must be at most 10080 minutes (a week)".into(),
        ));
    }
    settings::set(tx, BUSINESS_HOURS, &serde_json::to_value(&s.hours)?)?;
    settings::set(tx, REPEAT_WINDOW_DAYS, &s.repeat_window_days.into())?;
    settings::set(tx, DUE_SOON_MINUTES, &s.due_soon_minutes.into())?;
    Ok(())
}

/// One response clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ClockRow {
    pub id: i64,
    pub case_id: i64,
    pub message_id: Option<i64>,
    pub started_at: i64,
    pub due_at: i64,
    pub minutes: i64,
    pub basis: Basis,
    pub source: String,
    pub visibility: String,
    pub channel: String,
    pub responded_at: Option<i64>,
    pub closed_at: Option<i64>,
}

const CLOCK_COLS: &str = "id, case_id, message_id, started_at, due_at, minutes, basis, source, \
                          visibility, channel, responded_at, closed_at";

fn clock_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ClockRow> {
    let basis: String = r.get(6)?;
    Ok(ClockRow {
        id: r.get(0)?,
        case_id: r.get(1)?,
        message_id: r.get(2)?,
        started_at: r.get(3)?,
        due_at: r.get(4)?,
        minutes: r.get(5)?,
        basis: Basis::parse(&basis).unwrap_or_default(),
        source: r.get(7)?,
        visibility: r.get(8)?,
        channel: r.get(9)?,
        responded_at: r.get(10)?,
        closed_at: r.get(11)?,
    })
}

/// The clock still waiting for a response, if any.
pub fn pending_clock(conn: &Connection, case_id: i64) -> Result<Option<ClockRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {CLOCK_COLS} FROM response_clocks
              WHERE case_id = ?1 AND responded_at IS NULL AND closed_at IS NULL
              ORDER BY id DESC LIMIT 1"
        ))?
        .query_row([case_id], clock_row)
        .optional()?)
}

/// The newest clock of a case (pending or met).
pub fn latest_clock(conn: &Connection, case_id: i64) -> Result<Option<ClockRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {CLOCK_COLS} FROM response_clocks WHERE case_id = ?1 AND closed_at IS NULL
              ORDER BY id DESC LIMIT 1"
        ))?
        .query_row([case_id], clock_row)
        .optional()?)
}

/// What [`arm`] needs to start a clock.
pub struct NewClock<'a> {
    pub case_id: i64,
    pub message_id: Option<i64>,
    pub started_at: i64,
    pub due_at: i64,
    pub minutes: i64,
    pub basis: Basis,
    pub source: &'a str,
    pub visibility: &'a str,
    pub channel: &'a str,
}

/// Arms (or tightens) the response clock of a case after an inbound message. Returns the due
/// time now in force, or `None` when a person set the due time by hand (theirs is kept).
///
/// - If the case was reopened, the unanswered clock from before is closed and a new one starts.
/// - If a clock is pending, the due time only ever moves earlier: the customer has been waiting
///   since their first unanswered message.
pub fn arm(tx: &mut Tx<'_>, c: &NewClock<'_>, reopened: bool, now: i64) -> Result<Option<i64>> {
    let case_due: Option<i64> = tx
        .conn()
        .prepare_cached("SELECT response_due_at FROM cases WHERE id = ?1")?
        .query_row([c.case_id], |r| r.get(0))?;
    let mut pending = pending_clock(tx.conn(), c.case_id)?;
    if reopened && let Some(p) = pending.take() {
        tx.conn()
            .prepare_cached("UPDATE response_clocks SET closed_at = ?2 WHERE id = ?1")?
            .execute(params![p.id, now])?;
    }
    // A due time on the case that no pending clock explains was set by a person: keep it.
    let by_hand = match (&pending, case_due) {
        (Some(p), Some(d)) => d != p.due_at,
        (None, Some(_)) => !reopened,
        _ => false,
    };
    if by_hand {
        return Ok(None);
    }
    // A response already stored after this message (history imported or synced newest first)
    // answered it: the clock is recorded, and met at once.
    let answered_at = first_response_since(tx.conn(), c.case_id, c.started_at)?;
    if let (Some(p), Some(_)) = (&pending, answered_at) {
        return Ok(Some(p.due_at));
    }
    let due =
        match pending {
            Some(p) if p.due_at <= c.due_at => return Ok(Some(p.due_at)),
            Some(p) => {
                tx.conn()
                .prepare_cached(
                    "UPDATE response_clocks SET due_at = ?2, minutes = ?3, basis = ?4, source = ?5
                      WHERE id = ?1",
                )?
                .execute(params![p.id, c.due_at, c.minutes, c.basis.as_str(), c.source])?;
                c.due_at
            }
            None => {
                tx.conn()
                .prepare_cached(
                    "INSERT INTO response_clocks (case_id, message_id, started_at, due_at, minutes,
                         basis, source, visibility, channel, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )?
                .execute(params![
                    c.case_id,
                    c.message_id,
                    c.started_at,
                    c.due_at,
                    c.minutes,
                    c.basis.as_str(),
                    c.source,
                    c.visibility,
                    c.channel,
                    now
                ])?;
                c.due_at
            }
        };
    tx.conn()
        .prepare_cached("UPDATE cases SET response_due_at = ?2 WHERE id = ?1")?
        .execute(params![c.case_id, due])?;
    tx.changed(Entity::Case, c.case_id);
    if let Some(at) = answered_at {
        on_response(tx, c.case_id, at, now)?;
        return Ok(None);
    }
    Ok(Some(due))
}

/// The first outbound message on a case sent at or after `since`.
pub(crate) fn first_response_since(
    conn: &Connection,
    case_id: i64,
    since: i64,
) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT min(m.sent_at) FROM case_conversations cc
               JOIN messages m ON m.conversation_id = cc.conversation_id
              WHERE cc.case_id = ?1 AND m.sent_at >= ?2 AND m.direction = 'outbound'",
        )?
        .query_row(params![case_id, since], |r| r.get(0))?)
}

/// Keeps the response clock in step with a status change of its case: snoozing pauses the
/// pending clock; waking (by time, by a new message, or by hand) moves its due time later by the
/// time spent snoozed, so a case woken after its old due time is not overdue at once. Call
/// wherever a case's status changes.
pub fn on_status_change(
    tx: &mut Tx<'_>,
    case_id: i64,
    before: CaseStatus,
    after: CaseStatus,
    now: i64,
) -> Result<()> {
    if before == after {
        return Ok(());
    }
    let Some(p) = pending_clock(tx.conn(), case_id)? else {
        return Ok(());
    };
    if after == CaseStatus::Snoozed {
        tx.conn()
            .prepare_cached("UPDATE response_clocks SET paused_at = ?2 WHERE id = ?1")?
            .execute(params![p.id, now])?;
        return Ok(());
    }
    if before != CaseStatus::Snoozed {
        return Ok(());
    }
    let paused_at: Option<i64> = tx
        .conn()
        .prepare_cached("SELECT paused_at FROM response_clocks WHERE id = ?1")?
        .query_row([p.id], |r| r.get(0))?;
    // Snoozed before clocks could pause (or the pause was undone): nothing to move by.
    let Some(paused_at) = paused_at else {
        return Ok(());
    };
    let due =
        switchboard_core::sla::resume_due(&schedule(tx.conn())?, p.due_at, p.basis, paused_at, now);
    tx.conn()
        .prepare_cached("UPDATE response_clocks SET due_at = ?2, paused_at = NULL WHERE id = ?1")?
        .execute(params![p.id, due])?;
    // The inbox due time follows unless a person set it by hand.
    tx.conn()
        .prepare_cached(
            "UPDATE cases SET response_due_at = ?3 WHERE id = ?1 AND response_due_at = ?2",
        )?
        .execute(params![case_id, p.due_at, due])?;
    tx.changed(Entity::Case, case_id);
    Ok(())
}

/// After a case merge moved clocks onto `case_id`: the customer has waited since their first
/// unanswered message, so the pending clock due soonest stays and the others are closed. The
/// inbox due time follows it unless a person set one by hand. Returns the inverse for undo.
pub fn settle_merged_clocks(
    tx: &mut Tx<'_>,
    case_id: i64,
    hand_set_before: Option<i64>,
    now: i64,
) -> Result<Vec<crate::undo::UndoOp>> {
    let pending: Vec<(i64, i64)> = tx
        .conn()
        .prepare_cached(
            "SELECT id, due_at FROM response_clocks
              WHERE case_id = ?1 AND responded_at IS NULL AND closed_at IS NULL
              ORDER BY due_at, id",
        )?
        .query_map([case_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut undo = Vec::new();
    let Some(&(_, due)) = pending.first() else {
        return Ok(undo);
    };
    for &(id, _) in &pending[1..] {
        tx.conn()
            .prepare_cached("UPDATE response_clocks SET closed_at = ?2 WHERE id = ?1")?
            .execute(params![id, now])?;
        undo.push(crate::undo::UndoOp::UpdateRows {
            table: "response_clocks".into(),
            id,
            fields: crate::undo::row([("closed_at", serde_json::Value::Null)]),
            expect: Some(crate::undo::row([("closed_at", now.into())])),
        });
    }
    let by_hand = hand_set_before.is_some_and(|d| !pending.iter().any(|&(_, due)| due == d));
    if !by_hand {
        tx.conn()
            .prepare_cached("UPDATE cases SET response_due_at = ?2 WHERE id = ?1")?
            .execute(params![case_id, due])?;
    }
    tx.changed(Entity::Case, case_id);
    Ok(undo)
}

/// An outbound message at `at` answers the pending clock: mark it met, clear the inbox due
/// time, and record a breach if it came after the due time. Call this wherever a response is
/// stored (ingest does; a logged outbound call must too).
pub fn on_response(tx: &mut Tx<'_>, case_id: i64, at: i64, now: i64) -> Result<()> {
    let Some(p) = pending_clock(tx.conn(), case_id)? else {
        // A due time set by hand (no clock behind it) is answered by any response.
        let cleared = tx
            .conn()
            .prepare_cached(
                "UPDATE cases SET response_due_at = NULL WHERE id = ?1 AND response_due_at IS NOT NULL",
            )?
            .execute([case_id])?;
        if cleared > 0 {
            tx.changed(Entity::Case, case_id);
        }
        return Ok(());
    };
    // A response older than the clock (an import of an earlier reply) does not answer it.
    if at < p.started_at {
        return Ok(());
    }
    tx.conn()
        .prepare_cached("UPDATE response_clocks SET responded_at = ?2 WHERE id = ?1")?
        .execute(params![p.id, at])?;
    tx.conn()
        .prepare_cached("UPDATE cases SET response_due_at = NULL WHERE id = ?1")?
        .execute([case_id])?;
    tx.changed(Entity::Case, case_id);
    if at > p.due_at {
        let inserted = tx
            .conn()
            .prepare_cached(
                "INSERT INTO sla_breaches (clock_id, case_id, due_at, breached_at, responded_at,
                     visibility, channel, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, 'response')
                 ON CONFLICT (clock_id) DO UPDATE SET responded_at = excluded.responded_at",
            )?
            .execute(params![
                p.id,
                case_id,
                p.due_at,
                at,
                p.visibility,
                p.channel
            ])?;
        if inserted > 0 {
            events::record(
                tx,
                NewEvent {
                    case_id: Some(case_id),
                    at: now,
                    actor: "rule",
                    kind: "sla_response",
                    data: serde_json::json!({
                        "clock_id": p.id, "due_at": p.due_at, "responded_at": at, "late": true,
                    }),
                },
            )?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Breach {
    pub id: i64,
    pub case_id: i64,
    pub subject: Option<String>,
    pub due_at: i64,
    pub breached_at: i64,
    pub responded_at: Option<i64>,
    pub visibility: String,
    pub channel: String,
    pub recorded_by: String,
}

/// A pending response and its due time, for the inbox and notifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PendingResponse {
    pub case_id: i64,
    pub subject: Option<String>,
    pub priority: String,
    pub status: String,
    pub due_at: i64,
    pub basis: Basis,
    pub visibility: String,
    pub channel: String,
}

/// Clocks that can breach: pending, on a case whose next move is ours (automated mail that the
/// user marked as such after a clock started owes nothing).
const LIVE: &str = "k.responded_at IS NULL AND k.closed_at IS NULL
    AND c.status IN ('new', 'open') AND c.no_reply_needed = 0 AND c.merged_into IS NULL
    AND c.automated IS NULL";

/// Pending responses due before `until`, soonest first.
pub fn pending(conn: &Connection, until: i64) -> Result<Vec<PendingResponse>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT c.id, c.subject, c.priority, c.status, k.due_at, k.basis, k.visibility, k.channel
           FROM response_clocks k JOIN cases c ON c.id = k.case_id
          WHERE {LIVE} AND k.due_at <= ?1
          ORDER BY k.due_at, c.id"
    ))?;
    Ok(stmt
        .query_map([until], |r| {
            let basis: String = r.get(5)?;
            Ok(PendingResponse {
                case_id: r.get(0)?,
                subject: r.get(1)?,
                priority: r.get(2)?,
                status: r.get(3)?,
                due_at: r.get(4)?,
                basis: Basis::parse(&basis).unwrap_or_default(),
                visibility: r.get(6)?,
                channel: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Records a breach for every live clock whose due time passed by `now`. Idempotent: a clock
/// breaches once. Returns the breaches recorded by this call.
pub fn sweep(tx: &mut Tx<'_>, now: i64) -> Result<Vec<Breach>> {
    let due: Vec<(i64, i64, i64, String, String)> = tx
        .conn()
        .prepare_cached(&format!(
            "SELECT k.id, k.case_id, k.due_at, k.visibility, k.channel
               FROM response_clocks k JOIN cases c ON c.id = k.case_id
              WHERE {LIVE} AND k.due_at <= ?1
                AND NOT EXISTS (SELECT 1 FROM sla_breaches b WHERE b.clock_id = k.id)
              ORDER BY k.due_at, k.id"
        ))?
        .query_map([now], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut ids = Vec::new();
    for (clock_id, case_id, due_at, visibility, channel) in due {
        tx.conn()
            .prepare_cached(
                "INSERT INTO sla_breaches (clock_id, case_id, due_at, breached_at, visibility,
                     channel, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sweep')",
            )?
            .execute(params![clock_id, case_id, due_at, now, visibility, channel])?;
        ids.push(tx.conn().last_insert_rowid());
        events::record(
            tx,
            NewEvent {
                case_id: Some(case_id),
                at: now,
                actor: "rule",
                kind: "sla_breach",
                data: serde_json::json!({ "clock_id": clock_id, "due_at": due_at }),
            },
        )?;
    }
    let mut out = Vec::new();
    for id in ids {
        out.push(breach(tx.conn(), id)?);
    }
    Ok(out)
}

const BREACH_SELECT: &str = "SELECT b.id, b.case_id, c.subject, b.due_at, b.breached_at, \
    b.responded_at, b.visibility, b.channel, b.recorded_by \
    FROM sla_breaches b JOIN cases c ON c.id = b.case_id";

fn breach_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Breach> {
    Ok(Breach {
        id: r.get(0)?,
        case_id: r.get(1)?,
        subject: r.get(2)?,
        due_at: r.get(3)?,
        breached_at: r.get(4)?,
        responded_at: r.get(5)?,
        visibility: r.get(6)?,
        channel: r.get(7)?,
        recorded_by: r.get(8)?,
    })
}

fn breach(conn: &Connection, id: i64) -> Result<Breach> {
    Ok(conn
        .prepare_cached(&format!("{BREACH_SELECT} WHERE b.id = ?1"))?
        .query_row([id], breach_row)?)
}

/// Recorded breaches, newest due time first; optionally only of one case.
pub fn breaches(conn: &Connection, case_id: Option<i64>) -> Result<Vec<Breach>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{BREACH_SELECT} WHERE ?1 IS NULL OR b.case_id = ?1 ORDER BY b.due_at DESC, b.id DESC"
    ))?;
    Ok(stmt
        .query_map([case_id], breach_row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// An earlier case of the same contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct EarlierCase {
    pub case_id: i64,
    pub subject: Option<String>,
    pub status: String,
    pub channels: Vec<String>,
    pub first_at: i64,
    pub last_at: Option<i64>,
    pub resolved_at: Option<i64>,
}

/// How many earlier cases a repeat contact counts at most. The count is for people ("3 earlier
/// cases"); bounding it keeps detection independent of how long a customer's history is.
pub const REPEAT_COUNT_CAP: usize = 100;

/// How many earlier cases [`earlier_cases`] lists.
pub const EARLIER_CASES_LIMIT: i64 = 20;

/// The most recent earlier case of `contact_id` that makes `case_id` (created at `created_at`)
/// a repeat contact, and how many such cases there are (at most [`REPEAT_COUNT_CAP`]). An
/// earlier case qualifies if it is not resolved, or was resolved at or after `since`; merged
/// cases and automated mail (a newsletter from the same sender) do not count. "Earlier" is
/// creation order, ties broken by id. Both lookups run on partial indexes, so they read only
/// qualifying cases, never the contact's whole history.
fn qualifying_earlier(
    conn: &Connection,
    contact_id: i64,
    case_id: i64,
    created_at: i64,
    since: i64,
) -> Result<(Option<i64>, i64)> {
    // One more than the cap: the case itself (or a tie created later) may be among them.
    let limit = REPEAT_COUNT_CAP as i64 + 1;
    let mut found: Vec<(i64, i64)> = conn
        .prepare_cached(
            "SELECT created_at, id FROM cases INDEXED BY cases_contact_unresolved
              WHERE contact_id = ?1 AND status <> 'resolved' AND merged_into IS NULL
                AND automated IS NULL AND created_at <= ?2
              ORDER BY created_at DESC, id DESC LIMIT ?3",
        )?
        .query_map(params![contact_id, created_at, limit], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let resolved = conn
        .prepare_cached(
            "SELECT created_at, id FROM cases INDEXED BY cases_contact_resolved
              WHERE contact_id = ?1 AND status = 'resolved' AND merged_into IS NULL
                AND automated IS NULL AND resolved_at >= ?2 AND created_at <= ?3
              ORDER BY created_at DESC, id DESC LIMIT ?4",
        )?
        .query_map(params![contact_id, since, created_at, limit], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<Vec<(i64, i64)>>>()?;
    found.extend(resolved);
    found.retain(|&(at, id)| at < created_at || (at == created_at && id < case_id));
    found.sort_unstable_by(|a, b| b.cmp(a));
    found.truncate(REPEAT_COUNT_CAP);
    Ok((found.first().map(|&(_, id)| id), found.len() as i64))
}

/// Flags `case_id` as a repeat contact if its contact has another, earlier case that is not
/// resolved, or was resolved within the window before `at`. Returns whether the case is (now) a
/// repeat. A case flagged once stays flagged with the earlier case and count found then; the
/// work per call is bounded (see [`qualifying_earlier`]), whatever the contact's history.
pub fn detect_repeat(
    tx: &mut Tx<'_>,
    case_id: i64,
    at: i64,
    window_days: u32,
    _now: i64,
) -> Result<bool> {
    let (contact, created_at, repeat_of): (Option<i64>, i64, Option<i64>) = tx
        .conn()
        .prepare_cached("SELECT contact_id, created_at, repeat_of FROM cases WHERE id = ?1")?
        .query_row([case_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
        .ok_or_else(|| StoreError::not_found("case", case_id))?;
    if repeat_of.is_some() {
        return Ok(true);
    }
    let Some(contact) = contact else {
        return Ok(false);
    };
    let since = at - window_days as i64 * DAY_MS;
    let (earlier, count) = qualifying_earlier(tx.conn(), contact, case_id, created_at, since)?;
    if earlier.is_none() {
        return Ok(false);
    }
    tx.conn()
        .prepare_cached("UPDATE cases SET repeat_of = ?2, repeat_count = ?3 WHERE id = ?1")?
        .execute(params![case_id, earlier, count])?;
    tx.changed(Entity::Case, case_id);
    Ok(true)
}

/// Recomputes the repeat-contact flag of every live case of `contact_id` from scratch, each as
/// of its creation (after a contact merge or split changed whose cases are whose). Returns the
/// inverse for undo: the previous flag of each case that changed.
pub fn recompute_repeats(
    tx: &mut Tx<'_>,
    contact_id: i64,
    window_days: u32,
) -> Result<Vec<crate::undo::UndoOp>> {
    let cases: Vec<(i64, i64, Option<i64>, i64, bool)> = tx
        .conn()
        .prepare_cached(
            "SELECT id, created_at, repeat_of, repeat_count, automated IS NOT NULL FROM cases
              WHERE contact_id = ?1 AND merged_into IS NULL ORDER BY created_at, id",
        )?
        .query_map([contact_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut undo = Vec::new();
    for (case_id, created_at, old_of, old_count, automated) in cases {
        let since = created_at - window_days as i64 * DAY_MS;
        // Automated mail is never a repeat contact.
        let (of, count) = if automated {
            (None, 0)
        } else {
            qualifying_earlier(tx.conn(), contact_id, case_id, created_at, since)?
        };
        if (of, count) == (old_of, old_count) {
            continue;
        }
        tx.conn()
            .prepare_cached("UPDATE cases SET repeat_of = ?2, repeat_count = ?3 WHERE id = ?1")?
            .execute(params![case_id, of, count])?;
        tx.changed(Entity::Case, case_id);
        undo.push(crate::undo::UndoOp::SetCaseFields {
            case_id,
            fields: crate::undo::row([
                ("repeat_of", serde_json::json!(old_of)),
                ("repeat_count", serde_json::json!(old_count)),
            ]),
            expect: None,
        });
    }
    Ok(undo)
}

pub fn first_response_at(conn: &Connection, case_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT first_response_at FROM cases WHERE id = ?1")?
        .query_row([case_id], |r| r.get(0))
        .optional()?
        .flatten())
}

pub fn is_repeat(conn: &Connection, case_id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT repeat_of IS NOT NULL FROM cases WHERE id = ?1")?
        .query_row([case_id], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

/// The repeat-contact facts of a case: the most recent earlier qualifying case when it was
/// flagged, and how many there were (at most [`REPEAT_COUNT_CAP`]); `None` if not a repeat.
pub fn repeat_of(conn: &Connection, case_id: i64) -> Result<Option<(i64, i64)>> {
    Ok(conn
        .prepare_cached("SELECT repeat_of, repeat_count FROM cases WHERE id = ?1")?
        .query_row([case_id], |r| {
            Ok(r.get::<_, Option<i64>>(0)?
                .map(|of| (of, r.get(1).unwrap_or(0))))
        })
        .optional()?
        .flatten())
}

/// The cases of the same contact created before this one (merged ones left out), newest first,
/// at most [`EARLIER_CASES_LIMIT`].
pub fn earlier_cases(conn: &Connection, case_id: i64) -> Result<Vec<EarlierCase>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.subject, e.status, e.created_at, e.last_message_at, e.resolved_at,
                (SELECT group_concat(channel, ',') FROM
                   (SELECT DISTINCT conv.channel FROM case_conversations cc
                      JOIN conversations conv ON conv.id = cc.conversation_id
                     WHERE cc.case_id = e.id ORDER BY conv.channel))
           FROM cases c JOIN cases e ON e.contact_id = c.contact_id
          WHERE c.id = ?1 AND e.merged_into IS NULL AND e.created_at <= c.created_at
            AND (e.created_at < c.created_at OR e.id < c.id)
          ORDER BY e.created_at DESC, e.id DESC LIMIT ?2",
    )?;
    Ok(stmt
        .query_map(params![case_id, EARLIER_CASES_LIMIT], |r| {
            let ch: Option<String> = r.get(6)?;
            Ok(EarlierCase {
                case_id: r.get(0)?,
                subject: r.get(1)?,
                status: r.get(2)?,
                first_at: r.get(3)?,
                last_at: r.get(4)?,
                resolved_at: r.get(5)?,
                channels: ch
                    .map(|c| c.split(',').map(str::to_string).collect())
                    .unwrap_or_default(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}
