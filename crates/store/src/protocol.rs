//! Stored protocol rules, and running them on each inbound message (the ingest hook).
//!
//! Rules live in `protocol_rules` ordered by `position` (1, 2, 3… with no gaps); conditions and
//! actions are the JSON of `core::protocol::{Conditions, Actions}`. The evaluation of every
//! message that fired a rule is kept in `protocol_evaluations` so the case view can say which
//! rule fired and why, long after the rules were edited.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use switchboard_core::Priority;
use switchboard_core::case::Direction;
use switchboard_core::protocol::{self as rules, Evaluation, Facts, Fired, Rule, Visibility};
use switchboard_core::sla::{self, Target};

use crate::events::{self, NewEvent};
use crate::{Entity, Result, StoreError, Tx};

fn rule_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, bool, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn decode(row: (i64, String, bool, String, String)) -> Result<Rule> {
    let (id, name, enabled, c, a) = row;
    let conditions = serde_json::from_str(&c).map_err(|e| {
        StoreError::Invalid(format!("cannot read rule {id} {name:?}: conditions: {e}"))
    })?;
    let actions = serde_json::from_str(&a).map_err(|e| {
        StoreError::Invalid(format!("cannot read rule {id} {name:?}: actions: {e}"))
    })?;
    Ok(Rule {
        id: Some(id),
        name,
        enabled,
        conditions,
        actions,
    })
}

/// All rules in order.
pub fn list(conn: &Connection) -> Result<Vec<Rule>> {
    let rows: Vec<_> = conn
        .prepare_cached(
            "SELECT id, name, enabled, conditions, actions FROM protocol_rules ORDER BY position, id",
        )?
        .query_map([], rule_row)?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter().map(decode).collect()
}

pub fn get(conn: &Connection, id: i64) -> Result<Rule> {
    let row = conn
        .prepare_cached(
            "SELECT id, name, enabled, conditions, actions FROM protocol_rules WHERE id = ?1",
        )?
        .query_row([id], rule_row)
        .optional()?
        .ok_or_else(|| StoreError::not_found("protocol rule", id))?;
    decode(row)
}

fn check(rule: &Rule, index: usize) -> Result<()> {
    rule.validate(index)
        .map_err(|e| StoreError::Invalid(format!("cannot save protocol {e}")))
}

/// Adds `rule` at the end (no id) or updates the rule with its id. Returns the id.
pub fn save(tx: &mut Tx<'_>, rule: &Rule, now: i64) -> Result<i64> {
    let count: i64 = tx
        .conn()
        .query_row("SELECT count(*) FROM protocol_rules", [], |r| r.get(0))?;
    let conditions = serde_json::to_string(&rule.conditions)?;
    let actions = serde_json::to_string(&rule.actions)?;
    let id = match rule.id {
        Some(id) => {
            let pos: i64 = tx
                .conn()
                .prepare_cached("SELECT position FROM protocol_rules WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?
                .ok_or_else(|| StoreError::not_found("protocol rule", id))?;
            check(rule, pos as usize)?;
            tx.conn()
                .prepare_cached(
                    "UPDATE protocol_rules SET name = ?2, enabled = ?3, conditions = ?4, actions = ?5,
                         updated_at = ?6 WHERE id = ?1",
                )?
                .execute(params![id, rule.name.trim(), rule.enabled, conditions, actions, now])?;
            id
        }
        None => {
            check(rule, count as usize + 1)?;
            tx.conn()
                .prepare_cached(
                    "INSERT INTO protocol_rules (position, name, enabled, conditions, actions,
                         created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                )?
                .execute(params![
                    count + 1,
                    rule.name.trim(),
                    rule.enabled,
                    conditions,
                    actions,
                    now
                ])?;
            tx.conn().last_insert_rowid()
        }
    };
    tx.changed(Entity::ProtocolRule, id);
    Ok(id)
}

/// Rewrites positions 1..n in the given order.
fn renumber(tx: &mut Tx<'_>, ids: &[i64]) -> Result<()> {
    for (i, id) in ids.iter().enumerate() {
        tx.conn()
            .prepare_cached("UPDATE protocol_rules SET position = ?2 WHERE id = ?1")?
            .execute(params![id, i as i64 + 1])?;
        tx.changed(Entity::ProtocolRule, *id);
    }
    Ok(())
}

fn ordered_ids(conn: &Connection) -> Result<Vec<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM protocol_rules ORDER BY position, id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Moves a rule to 1-based `position` (clamped to the list).
pub fn move_to(tx: &mut Tx<'_>, id: i64, position: i64) -> Result<()> {
    let mut ids = ordered_ids(tx.conn())?;
    let from = ids
        .iter()
        .position(|x| *x == id)
        .ok_or_else(|| StoreError::not_found("protocol rule", id))?;
    if position < 1 {
        return Err(StoreError::Invalid(format!(
            "cannot move protocol rule {id}: position {position} is before the first (1)"
        )));
    }
    ids.remove(from);
    let to = (position as usize - 1).min(ids.len());
    ids.insert(to, id);
    renumber(tx, &ids)
}

pub fn delete(tx: &mut Tx<'_>, id: i64) -> Result<Rule> {
    let rule = get(tx.conn(), id)?;
    tx.conn()
        .prepare_cached("DELETE FROM protocol_rules WHERE id = ?1")?
        .execute([id])?;
    tx.changed(Entity::ProtocolRule, id);
    let ids = ordered_ids(tx.conn())?;
    renumber(tx, &ids)?;
    Ok(rule)
}

/// Imports rules (ids ignored): replaces the whole list, or appends after the existing rules.
/// Every rule is validated first; nothing is written if one is bad.
pub fn import(tx: &mut Tx<'_>, incoming: &[Rule], replace: bool, now: i64) -> Result<Vec<i64>> {
    let offset = if replace {
        0
    } else {
        ordered_ids(tx.conn())?.len()
    };
    for (i, r) in incoming.iter().enumerate() {
        r.validate(offset + i + 1)
            .map_err(|e| StoreError::Invalid(format!("cannot import protocol: {e}")))?;
    }
    if replace {
        for id in ordered_ids(tx.conn())? {
            tx.changed(Entity::ProtocolRule, id);
        }
        tx.conn().execute("DELETE FROM protocol_rules", [])?;
    }
    let mut ids = Vec::new();
    for r in incoming {
        let r = Rule {
            id: None,
            ..r.clone()
        };
        ids.push(save(tx, &r, now)?);
    }
    Ok(ids)
}

/// One stored evaluation, for the case view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct StoredEvaluation {
    pub id: i64,
    pub case_id: i64,
    pub message_id: Option<i64>,
    pub at: i64,
    pub fired: Vec<Fired>,
    pub actions: rules::Actions,
    pub sources: Vec<rules::ActionSource>,
    /// What actually changed on the case (a rule never lowers a priority, never replaces an
    /// owner, so this can be less than `actions`).
    #[ts(type = "Record<string, unknown>")]
    pub applied: serde_json::Value,
}

/// The evaluations of a case, newest first.
pub fn evaluations(conn: &Connection, case_id: i64, limit: i64) -> Result<Vec<StoredEvaluation>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, message_id, at, fired, actions, sources, applied FROM protocol_evaluations
          WHERE case_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let mut rows = stmt.query(params![case_id, limit])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let json = |i: usize| -> Result<String> { Ok(r.get::<_, String>(i)?) };
        out.push(StoredEvaluation {
            id: r.get(0)?,
            case_id,
            message_id: r.get(1)?,
            at: r.get(2)?,
            fired: serde_json::from_str(&json(3)?)?,
            actions: serde_json::from_str(&json(4)?)?,
            sources: serde_json::from_str(&json(5)?)?,
            applied: serde_json::from_str(&json(6)?)?,
        });
    }
    Ok(out)
}

/// The message the protocol looks at.
pub struct MessageFacts<'a> {
    pub case_id: i64,
    pub message_id: Option<i64>,
    pub channel: &'a str,
    pub visibility: Visibility,
    pub subject: Option<&'a str>,
    pub text: &'a str,
    pub sent_at: i64,
}

/// Builds the facts for a case and evaluates `rules` (the stored ones when `None`). Pure read:
/// used by the ingest hook and by the dry run (`protocol_test`).
pub fn evaluate_for(
    conn: &Connection,
    m: &MessageFacts<'_>,
    rules_override: Option<&[Rule]>,
) -> Result<Evaluation> {
    let stored;
    let rules: &[Rule] = match rules_override {
        Some(r) => r,
        None => {
            stored = list(conn)?;
            &stored
        }
    };
    let schedule = crate::sla::schedule(conn)?;
    evaluate_with(conn, m, rules, &schedule)
}

fn evaluate_with(
    conn: &Connection,
    m: &MessageFacts<'_>,
    rules: &[Rule],
    schedule: &switchboard_core::hours::Schedule,
) -> Result<Evaluation> {
    let (vip, dne): (bool, bool) = conn
        .prepare_cached(
            "SELECT ifnull(ct.vip, 0), ifnull(ct.do_not_engage, 0)
               FROM cases c LEFT JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = ?1",
        )?
        .query_row([m.case_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| StoreError::not_found("case", m.case_id))?;
    let root_causes = crate::taxonomy::case_root_cause_paths(conn, m.case_id)?;
    let repeat = crate::sla::is_repeat(conn, m.case_id)?;
    let text = match m.subject {
        Some(s) if !s.is_empty() => format!("{s}\n{}", m.text),
        _ => m.text.to_string(),
    };
    Ok(rules::evaluate(
        rules,
        &Facts {
            channel: m.channel,
            visibility: m.visibility,
            text: &text,
            vip,
            do_not_engage: dne,
            root_causes: &root_causes,
            repeat_contact: repeat,
            at: m.sent_at,
            schedule,
        },
    ))
}

/// What ingest tells the hook about the message it just stored.
pub struct Stored<'a> {
    pub facts: MessageFacts<'a>,
    pub direction: Direction,
    pub new_case: bool,
    pub reopened: bool,
    /// The case is automated mail (newsletter, notification, auto-reply) after this message.
    pub automated: bool,
}

/// The ingest hook: after a message is stored, an outbound one answers the
/// response clock; an inbound one is checked for repeat contact, then the protocol runs and its
/// actions are applied to the case. Imported history arms response clocks as synced mail does,
/// from the message's own time: an imported backlog of unanswered messages is owed replies, and
/// a reply already stored after a message meets its clock at once. Automated mail is none of
/// the owner's triage: it is never a repeat contact, no rule raises its priority, no clock
/// starts.
pub fn after_ingest(tx: &mut Tx<'_>, s: &Stored<'_>, _actor: &str, now: i64) -> Result<()> {
    let m = &s.facts;
    if s.direction == Direction::Outbound {
        return crate::sla::on_response(tx, m.case_id, m.sent_at, now);
    }
    if s.automated {
        return Ok(());
    }
    let settings = crate::sla::response_settings(tx.conn())?;
    crate::sla::detect_repeat(
        tx,
        m.case_id,
        m.sent_at.min(now),
        settings.repeat_window_days,
        now,
    )?;
    let schedule = crate::sla::schedule_of(&settings);
    let ev = evaluate_with(tx.conn(), m, &list(tx.conn())?, &schedule)?;
    if ev.fired.is_empty() {
        return Ok(());
    }
    let (priority, owner, no_reply): (String, Option<String>, bool) = tx
        .conn()
        .prepare_cached("SELECT priority, owner, no_reply_needed FROM cases WHERE id = ?1")?
        .query_row([m.case_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let mut applied = serde_json::Map::new();
    let a = &ev.actions;
    if let Some(p) = a.priority {
        let current: Priority = priority.parse().unwrap_or(Priority::Normal);
        // Rules only raise; a brand-new case has no human choice to protect yet.
        if p != current && (p > current || s.new_case) {
            tx.conn()
                .prepare_cached("UPDATE cases SET priority = ?2 WHERE id = ?1")?
                .execute(params![m.case_id, p.as_str()])?;
            applied.insert(
                "priority".into(),
                serde_json::json!({ "from": current, "to": p }),
            );
        }
    }
    if let (Some(o), None) = (&a.owner, &owner) {
        tx.conn()
            .prepare_cached("UPDATE cases SET owner = ?2 WHERE id = ?1")?
            .execute(params![m.case_id, o.trim()])?;
        applied.insert(
            "owner".into(),
            serde_json::json!({ "from": null, "to": o.trim() }),
        );
    }
    let mut no_reply_now = no_reply;
    if let Some(v) = a.no_reply_needed {
        if v != no_reply {
            tx.conn()
                .prepare_cached("UPDATE cases SET no_reply_needed = ?2 WHERE id = ?1")?
                .execute(params![m.case_id, v])?;
            applied.insert(
                "no_reply_needed".into(),
                serde_json::json!({ "from": no_reply, "to": v }),
            );
        }
        no_reply_now = v;
    }
    if let Some(t) = a.target
        && !no_reply_now
    {
        arm_target(tx, s, t, &ev, &schedule, &mut applied, now)?;
    }
    let applied = serde_json::Value::Object(applied);
    tx.conn()
        .prepare_cached(
            "INSERT INTO protocol_evaluations (case_id, message_id, at, fired, actions, sources, applied)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            m.case_id,
            m.message_id,
            now,
            serde_json::to_string(&ev.fired)?,
            serde_json::to_string(&ev.actions)?,
            serde_json::to_string(&ev.sources)?,
            applied.to_string()
        ])?;
    events::record(
        tx,
        NewEvent {
            case_id: Some(m.case_id),
            at: now,
            actor: "rule",
            kind: "protocol",
            data: serde_json::json!({
                "message_id": m.message_id,
                "rules": ev.fired.iter().map(|f| &f.name).collect::<Vec<_>>(),
                "applied": applied,
            }),
        },
    )?;
    tx.changed(Entity::Case, m.case_id);
    Ok(())
}

fn arm_target(
    tx: &mut Tx<'_>,
    s: &Stored<'_>,
    t: Target,
    ev: &Evaluation,
    schedule: &switchboard_core::hours::Schedule,
    applied: &mut serde_json::Map<String, serde_json::Value>,
    now: i64,
) -> Result<()> {
    let m = &s.facts;
    let start = m.sent_at.min(now);
    let due = sla::due_at(schedule, start, t);
    let source = ev
        .sources
        .iter()
        .find(|x| x.field == "target")
        .map(|x| x.rule.clone())
        .unwrap_or_default();
    let before: Option<i64> = tx
        .conn()
        .prepare_cached("SELECT response_due_at FROM cases WHERE id = ?1")?
        .query_row([m.case_id], |r| r.get(0))?;
    let visibility = match m.visibility {
        Visibility::Public => "public",
        Visibility::Private => "private",
    };
    let after = crate::sla::arm(
        tx,
        &crate::sla::NewClock {
            case_id: m.case_id,
            message_id: m.message_id,
            started_at: start,
            due_at: due,
            minutes: t.minutes as i64,
            basis: t.basis,
            source: &source,
            visibility,
            channel: m.channel,
        },
        s.reopened,
        now,
    )?;
    if let Some(after) = after
        && Some(after) != before
    {
        applied.insert(
            "response_due_at".into(),
            serde_json::json!({ "from": before, "to": after }),
        );
    }
    Ok(())
}
