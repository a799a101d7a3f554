//! The rows reports are computed from (`core::reports`): one [`CaseFact`] per case, the
//! taxonomy, response clocks, reopen events, contacts. Read-only.
//!
//! Facts are read for the cases that *began* in a window (`cases.created_at`, the first
//! message's time), so a report over one month reads one month of cases (index
//! `cases_created`). Where a case began and where it was resolved are derived from its messages
//! in one ordered pass (see [`fold_messages`]).
//!
//! Automated mail (newsletters, notifications, auto-replies: `cases.automated`) is no customer's
//! problem, so it is left out here, once, for every report.

use std::collections::HashMap;

use rusqlite::{Connection, params_from_iter};
use switchboard_core::reports::channels::ClockFact;
use switchboard_core::reports::customers::ContactFact;
use switchboard_core::reports::{CaseFact, CauseNode, place};

use crate::Result;
use crate::taxonomy::PATH_SEP;

/// Whether a case (its row) is a repeat contact, as an SQL condition on `cases`: the ONE place
/// reports and the `repeat` case filter read how repeat contact is stored.
pub const IS_REPEAT: &str = "repeat_of IS NOT NULL";

/// The condition, over the alias `c`, that keeps automated mail out of every report.
const NOT_AUTOMATED: &str = "c.automated IS NULL";

/// Which cases to read.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Cases that began in `[start, end)`.
    Began(i64, i64),
    /// These cases.
    Ids(Vec<i64>),
}

impl Selection {
    /// A SQL condition over the alias `c`, with its arguments.
    fn sql(&self) -> (String, Vec<i64>) {
        match self {
            Selection::Began(a, b) => (
                format!(
                    "c.merged_into IS NULL AND {NOT_AUTOMATED} AND c.created_at >= ?1 AND c.created_at < ?2"
                ),
                vec![*a, *b],
            ),
            Selection::Ids(ids) => {
                let marks: Vec<String> = (1..=ids.len()).map(|i| format!("?{i}")).collect();
                (
                    format!(
                        "c.merged_into IS NULL AND {NOT_AUTOMATED} AND c.id IN ({})",
                        marks.join(",")
                    ),
                    ids.clone(),
                )
            }
        }
    }
}

/// One fact row per selected case, ordered by id.
///
/// Three queries without `ORDER BY`: a year of cases is ~100k rows and ~200k messages, and
/// sorting them in SQLite's temporary B-trees cost more than the reads (measured in
/// `switchboard-bench reports`). Rows are grouped and ordered here instead.
pub fn case_facts(conn: &Connection, sel: &Selection) -> Result<Vec<CaseFact>> {
    if let Selection::Ids(ids) = sel
        && ids.is_empty()
    {
        return Ok(Vec::new());
    }
    let (cond, args) = sel.sql();
    let mut facts: Vec<CaseFact> = conn
        .prepare(&format!(
            "SELECT c.id, c.created_at, c.contact_id,
                    CASE WHEN c.status = 'resolved' THEN c.resolved_at END,
                    c.channel_reason, c.{IS_REPEAT}
               FROM cases c WHERE {cond}"
        ))?
        .query_map(params_from_iter(&args), |r| {
            Ok(CaseFact {
                id: r.get(0)?,
                created_at: r.get(1)?,
                contact_id: r.get(2)?,
                resolved_at: r.get(3)?,
                channel_reason: r.get(4)?,
                repeat: r.get(5)?,
                ..Default::default()
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    facts.sort_unstable_by_key(|f| f.id);
    let index: HashMap<i64, u32> = facts
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id, i as u32))
        .collect();

    // Channel and visibility names repeat on every message: each is kept once.
    let mut names = Names::default();
    let mut msgs: Vec<Msg> = Vec::new();
    let mut stmt = conn.prepare(&format!(
        "SELECT cc.case_id, m.channel, conv.visibility, m.direction = 'inbound', m.sent_at, m.id
           FROM cases c
           JOIN case_conversations cc ON cc.case_id = c.id
           JOIN messages m ON m.conversation_id = cc.conversation_id
           JOIN conversations conv ON conv.id = cc.conversation_id
          WHERE {cond}"
    ))?;
    let mut rows = stmt.query(params_from_iter(&args))?;
    while let Some(r) = rows.next()? {
        let Some(&case) = index.get(&r.get::<_, i64>(0)?) else {
            continue;
        };
        msgs.push(Msg {
            case,
            channel: names.id(text(r, 1)?),
            visibility: names.id(text(r, 2)?),
            inbound: r.get(3)?,
            at: r.get(4)?,
            id: r.get(5)?,
        });
    }
    msgs.sort_unstable_by_key(|m| (m.case, m.at, m.id));
    for run in msgs.chunk_by(|a, b| a.case == b.case) {
        fold_messages(&mut facts[run[0].case as usize], run, &names);
    }

    let mut stmt = conn.prepare(&format!(
        "SELECT crc.case_id, crc.root_cause_id FROM cases c
           JOIN case_root_causes crc ON crc.case_id = c.id
          WHERE {cond}"
    ))?;
    let mut rows = stmt.query(params_from_iter(&args))?;
    while let Some(r) = rows.next()? {
        if let Some(&i) = index.get(&r.get::<_, i64>(0)?) {
            facts[i as usize].root_causes.push(r.get(1)?);
        }
    }
    for f in &mut facts {
        f.root_causes.sort_unstable();
    }
    Ok(facts)
}

/// Column `i` as borrowed text (no allocation per row).
fn text<'a>(r: &'a rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'a str> {
    r.get_ref(i)?.as_str().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Small numbers for the few distinct channel and visibility names.
#[derive(Default)]
struct Names(Vec<String>);

impl Names {
    fn id(&mut self, name: &str) -> u16 {
        match self.0.iter().position(|n| n == name) {
            Some(i) => i as u16,
            None => {
                self.0.push(name.to_string());
                (self.0.len() - 1) as u16
            }
        }
    }

    fn name(&self, id: u16) -> &str {
        &self.0[id as usize]
    }
}

/// One message of a case (`case`: its index in the facts).
struct Msg {
    case: u32,
    channel: u16,
    visibility: u16,
    inbound: bool,
    at: i64,
    id: i64,
}

/// Origin: the first message. First response: the first outbound message after the first
/// inbound one. Taken offline: for a public origin, the first private message. Resolved on:
/// the last outbound message at or before `resolved_at`. `msgs` are the case's, oldest first.
fn fold_messages(f: &mut CaseFact, msgs: &[Msg], names: &Names) {
    let Some(first) = msgs.first() else {
        return;
    };
    let place_of = |m: &Msg| place(names.name(m.channel), names.name(m.visibility));
    f.origin_channel = Some(names.name(first.channel).to_string());
    f.origin = Some(place_of(first));
    f.first_inbound_at = msgs.iter().find(|m| m.inbound).map(|m| m.at);
    if let Some(a) = f.first_inbound_at {
        f.first_response_at = msgs.iter().find(|m| !m.inbound && m.at >= a).map(|m| m.at);
    }
    if names.name(first.visibility) == "public" {
        f.offline_to = msgs
            .iter()
            .find(|m| names.name(m.visibility) == "private")
            .map(place_of);
    }
    if let Some(done) = f.resolved_at {
        f.resolved_on = msgs
            .iter()
            .rev()
            .find(|m| !m.inbound && m.at <= done)
            .map(place_of);
    }
}

/// The whole taxonomy (archived causes too: old cases keep their tags).
pub fn causes(conn: &Connection) -> Result<Vec<CauseNode>> {
    let mut stmt = conn.prepare_cached(
        "SELECT rc.id, rc.parent_id, rc.name, p.name, rc.status, rc.fixed_at, rc.fix_note
           FROM root_causes rc LEFT JOIN root_causes p ON p.id = rc.parent_id ORDER BY rc.id",
    )?;
    Ok(stmt
        .query_map([], |r| {
            let name: String = r.get(2)?;
            let parent: Option<String> = r.get(3)?;
            Ok(CauseNode {
                id: r.get(0)?,
                parent_id: r.get(1)?,
                path: match parent {
                    Some(p) => format!("{p}{PATH_SEP}{name}"),
                    None => name,
                },
                status: r.get(4)?,
                fixed_at: r.get(5)?,
                fix_note: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Response clocks of the cases that began in `[start, end)` that were decided or can still
/// be missed. Left out: unanswered clocks the business no longer owes (the case was marked
/// "no reply needed", or resolved before the due time, or the clock was closed before it).
pub fn clocks(conn: &Connection, start: i64, end: i64) -> Result<Vec<ClockFact>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT k.case_id, k.due_at, k.responded_at, k.visibility
           FROM cases c JOIN response_clocks k ON k.case_id = c.id
          WHERE c.merged_into IS NULL AND {NOT_AUTOMATED} AND c.created_at >= ?1 AND c.created_at < ?2
            AND NOT (k.responded_at IS NULL AND (
                  c.no_reply_needed = 1
               OR (c.status = 'resolved' AND c.resolved_at < k.due_at)
               OR (k.closed_at IS NOT NULL AND k.closed_at < k.due_at)))
          ORDER BY k.case_id, k.id"
    ))?;
    Ok(stmt
        .query_map([start, end], |r| {
            Ok(ClockFact {
                case_id: r.get(0)?,
                due_at: r.get(1)?,
                responded_at: r.get(2)?,
                visibility: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Every reopen (a status change from resolved to another status) in `[start, end)`: (case, at).
pub fn reopens(conn: &Connection, start: i64, end: i64) -> Result<Vec<(i64, i64)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT e.case_id, e.at FROM events e JOIN cases c ON c.id = e.case_id
          WHERE e.kind = 'status' AND e.undone_by IS NULL AND {NOT_AUTOMATED}
            AND e.at >= ?1 AND e.at < ?2
            AND json_extract(e.data, '$.from') = 'resolved'
            AND json_extract(e.data, '$.to') <> 'resolved'
          ORDER BY e.at, e.id"
    ))?;
    Ok(stmt
        .query_map([start, end], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Names and first address of these contacts.
pub fn contacts(conn: &Connection, ids: &[i64]) -> Result<Vec<ContactFact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ct.id, ct.display_name,
                (SELECT coalesce(i.handle, i.external_id) FROM identities i
                  WHERE i.contact_id = ct.id ORDER BY i.id LIMIT 1)
           FROM contacts ct WHERE ct.id = ?1",
    )?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let mut rows = stmt.query([id])?;
        if let Some(r) = rows.next()? {
            out.push(ContactFact {
                id: r.get(0)?,
                name: r.get(1)?,
                address: r.get(2)?,
            });
        }
    }
    Ok(out)
}
