//! The response protocol (ordered rules), its readable file format, the dry run, the per-case
//! insights (which rule fired and why, the response clock, repeat contact), and the SLA sweep.
//!
//! The rule file is TOML: one `[[rule]]` table per rule, in order, with `[rule.conditions]` and
//! `[rule.actions]` under it (field names as in `core::protocol`). Unknown fields are errors,
//! so a typo never silently turns a condition off. See docs/protocol.md.

use serde::{Deserialize, Serialize};
use switchboard_core::protocol::{Evaluation, Rule, Visibility};
use switchboard_core::sla::{self, ClockInput, ResponseClock};
use switchboard_store::protocol::{self as store_protocol, MessageFacts, StoredEvaluation};
use switchboard_store::sla::{self as store_sla, Breach, EarlierCase, PendingResponse};
use switchboard_store::{cases, protocol as rules_store};

use crate::{ApiError, Code, Ctx, Result};

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
pub struct ProtocolListParams {}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct ProtocolListResult {
    pub rules: Vec<Rule>,
}

pub fn protocol_list(ctx: &Ctx, _: &ProtocolListParams) -> Result<ProtocolListResult> {
    let store = ctx.store();
    Ok(ProtocolListResult {
        rules: rules_store::list(store.conn())?,
    })
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct ProtocolSaveParams {
    /// With `id`: update that rule; without: add it at the end (or at `position`).
    pub rule: Rule,
    /// 1-based place for a new rule.
    #[serde(default)]
    pub position: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct ProtocolSaveResult {
    pub rule: Rule,
    pub position: i64,
}

pub fn protocol_save(ctx: &Ctx, p: &ProtocolSaveParams) -> Result<ProtocolSaveResult> {
    let now = ctx.now();
    let mut store = ctx.store();
    let id = store.write(|tx| {
        let id = rules_store::save(tx, &p.rule, now)?;
        if let (None, Some(pos)) = (p.rule.id, p.position) {
            rules_store::move_to(tx, id, pos)?;
        }
        Ok(id)
    })?;
    let rules = rules_store::list(store.conn())?;
    let position = rules.iter().position(|r| r.id == Some(id)).unwrap_or(0) as i64 + 1;
    let rule = rules_store::get(store.conn(), id)?;
    Ok(ProtocolSaveResult { rule, position })
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ts_rs::TS)]
pub struct ProtocolMoveParams {
    pub rule_id: i64,
    /// 1-based; past the end means last.
    pub position: i64,
}

pub fn protocol_move(ctx: &Ctx, p: &ProtocolMoveParams) -> Result<ProtocolListResult> {
    let mut store = ctx.store();
    store.write(|tx| rules_store::move_to(tx, p.rule_id, p.position))?;
    Ok(ProtocolListResult {
        rules: rules_store::list(store.conn())?,
    })
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ts_rs::TS)]
pub struct RuleIdParams {
    pub rule_id: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct ProtocolDeleteResult {
    pub deleted: Rule,
}

pub fn protocol_delete(ctx: &Ctx, p: &RuleIdParams) -> Result<ProtocolDeleteResult> {
    let mut store = ctx.store();
    let deleted = store.write(|tx| rules_store::delete(tx, p.rule_id))?;
    Ok(ProtocolDeleteResult { deleted })
}

/// The file layout: `[[rule]]` tables in order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProtocolFile {
    #[serde(default)]
    rule: Vec<Rule>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
pub struct ProtocolExportParams {}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct ProtocolExportResult {
    /// TOML text, ready to save as a `.toml` file.
    pub text: String,
    pub rules: usize,
}

const FILE_HEADER: &str = "# Switchboard response protocol. Rules run in order on every inbound message;\n\
# for each action the first matching rule wins, and `stop = true` ends the list.\n\
# Import with: switchboard protocol import FILE [--replace]\n\n";

/// Renders rules as the TOML file (ids left out: a file is portable between workspaces).
pub fn render_rules(rules: &[Rule]) -> Result<String> {
    let file = ProtocolFile {
        rule: rules
            .iter()
            .map(|r| Rule {
                id: None,
                ..r.clone()
            })
            .collect(),
    };
    let body = toml::to_string_pretty(&file)
        .map_err(|e| ApiError::new(Code::Storage, format!("cannot export the protocol: {e}")))?;
    Ok(format!("{FILE_HEADER}{body}"))
}

pub fn protocol_export(ctx: &Ctx, _: &ProtocolExportParams) -> Result<ProtocolExportResult> {
    let store = ctx.store();
    let rules = rules_store::list(store.conn())?;
    Ok(ProtocolExportResult {
        text: render_rules(&rules)?,
        rules: rules.len(),
    })
}

/// Parses a rule file, naming the rule (number and name) and field on any error.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        ApiError::invalid(format!("cannot read the rule file: {e}"))
    })?;
    for key in table.keys() {
        if key != "rule" {
            return Err(ApiError::invalid(format!(
                "cannot read the rule file: unknown top-level key `{key}` (expected [[rule]] tables)"
            )));
        }
    }
    let items = match table.get("rule") {
        None => Vec::new(),
        Some(toml::Value::Array(items)) => items.clone(),
        Some(_) => {
            return Err(ApiError::invalid(
                "cannot read the rule file: `rule` must be written as [[rule]] tables",
            ));
        }
    };
    let mut rules = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let name = item
            .get("name")
            .and_then(|v| v.as_str())
            .map(|s| format!(" {s:?}"))
            .unwrap_or_default();
        let rule: Rule = item.try_into().map_err(|e: toml::de::Error| {
            ApiError::invalid(format!(
                "cannot read the rule file: rule {}{name}: {}",
                i + 1,
                e.message()
            ))
        })?;
        rule.validate(i + 1)
            .map_err(|e| ApiError::invalid(format!("cannot read the rule file: {e}")))?;
        rules.push(Rule { id: None, ..rule });
    }
    Ok(rules)
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct ProtocolImportParams {
    /// The TOML text of a rule file.
    pub text: String,
    /// Replace all rules (true) or append after the existing ones (false).
    #[serde(default)]
    pub replace: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct ProtocolImportResult {
    pub imported: usize,
    pub rules: Vec<Rule>,
}

pub fn protocol_import(ctx: &Ctx, p: &ProtocolImportParams) -> Result<ProtocolImportResult> {
    let incoming = parse_rules(&p.text)?;
    let now = ctx.now();
    let mut store = ctx.store();
    store.write(|tx| rules_store::import(tx, &incoming, p.replace, now))?;
    Ok(ProtocolImportResult {
        imported: incoming.len(),
        rules: rules_store::list(store.conn())?,
    })
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct ProtocolTestParams {
    pub case_id: i64,
    /// Rules to try instead of the stored ones (an unsaved edit in the rules screen).
    #[serde(default)]
    pub rules: Option<Vec<Rule>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct ProtocolTestResult {
    /// The case's newest inbound message, which the rules were tested against.
    pub message_id: i64,
    pub evaluation: Evaluation,
}

/// A dry run: what the rules would do with the case's newest inbound message. Changes nothing.
pub fn protocol_test(ctx: &Ctx, p: &ProtocolTestParams) -> Result<ProtocolTestResult> {
    if let Some(r) = &p.rules {
        switchboard_core::protocol::validate_all(r)
            .map_err(|e| ApiError::invalid(format!("cannot test the protocol: {e}")))?;
    }
    let store = ctx.store();
    let conn = store.conn();
    cases::ensure_case(conn, p.case_id)?;
    let detail = cases::messages(conn, p.case_id)?;
    let m = detail
        .iter()
        .rev()
        .find(|m| m.direction == "inbound")
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "cannot test the protocol on case {}: it has no inbound message",
                p.case_id
            ))
        })?;
    let evaluation = store_protocol::evaluate_for(
        conn,
        &MessageFacts {
            case_id: p.case_id,
            message_id: Some(m.id),
            channel: &m.channel,
            visibility: if m.visibility == "public" {
                Visibility::Public
            } else {
                Visibility::Private
            },
            subject: m.subject.as_deref(),
            text: &m.text,
            sent_at: m.sent_at,
        },
        p.rules.as_deref(),
    )?;
    Ok(ProtocolTestResult {
        message_id: m.id,
        evaluation,
    })
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct RepeatInfo {
    pub repeat: bool,
    /// Earlier cases of the same contact, newest first.
    pub earlier: Vec<EarlierCase>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct CaseInsights {
    pub case_id: i64,
    /// Protocol evaluations that fired a rule, newest first (at most 10).
    pub protocol: Vec<StoredEvaluation>,
    pub response: ResponseClock,
    /// The first response ever given on the case (the clock above is the newest one).
    pub first_response_at: Option<i64>,
    pub breaches: Vec<Breach>,
    pub repeat: RepeatInfo,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ts_rs::TS)]
pub struct CaseInsightsParams {
    pub case_id: i64,
}

/// Which rules fired and why, the live response clock, breaches, and repeat contact.
pub fn case_insights(ctx: &Ctx, p: &CaseInsightsParams) -> Result<CaseInsights> {
    let now = ctx.now();
    let store = ctx.store();
    let conn = store.conn();
    let summary = cases::summary(conn, p.case_id)?;
    let settings = store_sla::response_settings(conn)?;
    let schedule = store_sla::schedule(conn)?;
    let clock = store_sla::latest_clock(conn, p.case_id)?;
    // A due time set by hand (no clock row behind it) still shows as a calendar clock.
    let (due_at, basis, responded_at) = match (&clock, summary.response_due_at) {
        (Some(k), d) if k.responded_at.is_some() || d.is_none() || d == Some(k.due_at) => {
            (Some(k.due_at), k.basis, k.responded_at)
        }
        (_, d) => (d, sla::Basis::Calendar, None),
    };
    let response = sla::clock(
        &ClockInput {
            status: summary.status,
            no_reply_needed: summary.no_reply_needed,
            due_at,
            basis,
            responded_at,
        },
        &schedule,
        now,
        settings.due_soon_minutes as i64 * 60_000,
    );
    Ok(CaseInsights {
        case_id: p.case_id,
        protocol: store_protocol::evaluations(conn, p.case_id, 10)?,
        response,
        first_response_at: store_sla::first_response_at(conn, p.case_id)?,
        breaches: store_sla::breaches(conn, Some(p.case_id))?,
        repeat: RepeatInfo {
            repeat: summary.repeat,
            earlier: store_sla::earlier_cases(conn, p.case_id)?,
        },
    })
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, ts_rs::TS)]
#[ts(optional_fields = nullable)]
pub struct SlaSweepParams {
    /// Also return responses due within this many minutes (default: the due-soon setting).
    #[serde(default)]
    pub due_within_minutes: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct SlaSweepResult {
    /// Breaches recorded by this sweep (a breach is recorded once; sweeping again is safe).
    pub breached: Vec<Breach>,
    /// Pending responses due within the window and not yet breached: for notifications.
    pub due_soon: Vec<PendingResponse>,
}

/// Records breaches whose due time has passed, and lists responses due soon.
pub fn sla_sweep(ctx: &Ctx, p: &SlaSweepParams) -> Result<SlaSweepResult> {
    let now = ctx.now();
    let mut store = ctx.store();
    let window = match p.due_within_minutes {
        Some(m) => m,
        None => store_sla::response_settings(store.conn())?.due_soon_minutes,
    };
    let breached = store.write(|tx| store_sla::sweep(tx, now))?;
    let due_soon = store_sla::pending(store.conn(), now + window as i64 * 60_000)?
        .into_iter()
        .filter(|r| r.due_at > now)
        .collect();
    Ok(SlaSweepResult { breached, due_soon })
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, ts_rs::TS)]
pub struct SlaListParams {
    /// Only breaches (no pending responses).
    #[serde(default)]
    pub breached: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize, ts_rs::TS)]
pub struct SlaListResult {
    /// Every pending response, soonest due first.
    pub pending: Vec<PendingResponse>,
    /// Recorded breaches, newest first.
    pub breaches: Vec<Breach>,
}

pub fn sla_list(ctx: &Ctx, p: &SlaListParams) -> Result<SlaListResult> {
    let store = ctx.store();
    let conn = store.conn();
    Ok(SlaListResult {
        pending: if p.breached {
            Vec::new()
        } else {
            store_sla::pending(conn, i64::MAX)?
        },
        breaches: store_sla::breaches(conn, None)?,
    })
}
