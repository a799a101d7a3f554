//! Export of every case: JSON (whole cases with their messages and notes) or CSV (one row per
//! case, for spreadsheets, with the report facts: channel of origin and of resolution, channel
//! reason, repeat, first response and resolution time in business minutes, target met; see
//! docs/reports.md). Written as a stream, one case at a time.
//!
//! An export file holds every customer's history, like the database, so it is private to the
//! user (0600) from the moment it exists, and it only gets its name once it is complete.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use switchboard_store::cases::{self, CaseFilter};

use crate::{ApiError, Code, Ctx, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Json,
    Csv,
}

impl std::str::FromStr for ExportFormat {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(ExportFormat::Json),
            "csv" => Ok(ExportFormat::Csv),
            other => Err(ApiError::invalid(format!(
                "unknown export format {other:?} (expected json or csv)"
            ))),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportResult {
    pub cases: usize,
    pub messages: usize,
}

fn io_err(e: std::io::Error) -> ApiError {
    ApiError::new(Code::Io, format!("cannot write export: {e}"))
}

pub const CSV_HEADER: [&str; 23] = [
    "id",
    "status",
    "priority",
    "subject",
    "contact_name",
    "contact_address",
    "channels",
    "root_causes",
    "labels",
    "message_count",
    "created_at",
    "last_message_at",
    "snippet",
    "notes",
    "channel_of_origin",
    "channel_resolved_on",
    "channel_reason",
    "repeat",
    "first_response_at",
    "first_response_business_minutes",
    "resolved_at",
    "resolution_business_minutes",
    "target_met",
];

/// The report facts of every case, for the spreadsheet columns: (facts by case, whether each
/// case met its response targets: Some(true) all decided clocks met, Some(false) one missed).
type Facts = (
    std::collections::HashMap<i64, switchboard_core::reports::CaseFact>,
    std::collections::HashMap<i64, bool>,
);

fn facts(conn: &switchboard_store::Connection, now: i64) -> Result<Facts> {
    use switchboard_store::reports::{self as rows, Selection};
    let all = rows::case_facts(conn, &Selection::Began(i64::MIN, i64::MAX))?;
    let mut met = std::collections::HashMap::new();
    for k in rows::clocks(conn, i64::MIN, i64::MAX)? {
        let ok = match k.responded_at {
            Some(r) => r <= k.due_at,
            None if now >= k.due_at => false,
            None => continue,
        };
        let e = met.entry(k.case_id).or_insert(true);
        *e = *e && ok;
    }
    Ok((all.into_iter().map(|f| (f.id, f)).collect(), met))
}

pub fn export_cases(ctx: &Ctx, format: ExportFormat, out: &mut dyn Write) -> Result<ExportResult> {
    let store = ctx.store();
    let conn = store.conn();
    let all = cases::list(conn, &CaseFilter::default())?;
    let mut messages = 0;
    match format {
        ExportFormat::Json => {
            write!(
                out,
                "{{\"format\":\"switchboard-export\",\"version\":1,\"exported_at\":{},\"cases\":[",
                ctx.now()
            )
            .map_err(io_err)?;
            for (i, case) in all.iter().enumerate() {
                let detail = crate::case::detail_of(conn, case.clone(), ctx.now())?;
                messages += detail.messages.len();
                if i > 0 {
                    out.write_all(b",").map_err(io_err)?;
                }
                serde_json::to_writer(&mut *out, &detail)
                    .map_err(|e| ApiError::new(Code::Io, format!("cannot write export: {e}")))?;
            }
            out.write_all(b"]}\n").map_err(io_err)?;
        }
        ExportFormat::Csv => {
            let (facts, met) = facts(conn, ctx.now())?;
            let schedule = switchboard_store::sla::response_settings(conn)?
                .hours
                .schedule()
                .map_err(|e| {
                    ApiError::invalid(format!(
                        "cannot export: the business hours setting is not usable ({e})"
                    ))
                })?;
            let minutes =
                |a: i64, b: i64| (schedule.business_ms_between(a, b).max(0) / 60_000).to_string();
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record(CSV_HEADER)
                .map_err(|e| ApiError::new(Code::Io, format!("cannot write export: {e}")))?;
            for c in &all {
                messages += c.message_count as usize;
                let notes = cases::notes(conn, c.id)?
                    .into_iter()
                    .map(|n| n.body)
                    .collect::<Vec<_>>()
                    .join(" | ");
                let contact = c.contact.as_ref();
                let f = facts.get(&c.id).cloned().unwrap_or_default();
                let began = f.first_inbound_at.unwrap_or(c.created_at);
                w.write_record([
                    c.id.to_string(),
                    c.status.to_string(),
                    c.priority.clone(),
                    c.subject.clone().unwrap_or_default(),
                    contact.and_then(|k| k.name.clone()).unwrap_or_default(),
                    contact.and_then(|k| k.address.clone()).unwrap_or_default(),
                    c.channels.join(";"),
                    c.root_causes.join(";"),
                    c.labels.join(";"),
                    c.message_count.to_string(),
                    iso(c.created_at),
                    c.last_message_at.map(iso).unwrap_or_default(),
                    c.snippet.clone(),
                    notes,
                    f.origin.clone().unwrap_or_default(),
                    f.resolved_on.clone().unwrap_or_default(),
                    c.channel_reason.clone().unwrap_or_default(),
                    if c.repeat { "yes" } else { "no" }.to_string(),
                    f.first_response_at.map(iso).unwrap_or_default(),
                    f.first_inbound_at
                        .zip(f.first_response_at)
                        .map(|(a, b)| minutes(a, b))
                        .unwrap_or_default(),
                    f.resolved_at.map(iso).unwrap_or_default(),
                    f.resolved_at.map(|r| minutes(began, r)).unwrap_or_default(),
                    match met.get(&c.id) {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "",
                    }
                    .to_string(),
                ])
                .map_err(|e| ApiError::new(Code::Io, format!("cannot write export: {e}")))?;
            }
            w.flush().map_err(io_err)?;
        }
    }
    Ok(ExportResult {
        cases: all.len(),
        messages,
    })
}

/// Writes the export to `path`: first to `<path>.partial` (created 0600), renamed once complete,
/// so a failed export never leaves a half-written file under the requested name. An existing
/// file at `path` is replaced, as a shell redirect would.
pub fn export_to_file(ctx: &Ctx, format: ExportFormat, path: &Path) -> Result<ExportResult> {
    let mut partial_name = path.as_os_str().to_os_string();
    partial_name.push(".partial");
    let partial = PathBuf::from(partial_name);
    let failed = |e: ApiError| {
        let _ = std::fs::remove_file(&partial);
        ApiError::new(
            e.code,
            format!("cannot export to {}: {}", path.display(), e.message),
        )
    };
    // A partial file left by an export that crashed is ours to replace.
    let _ = std::fs::remove_file(&partial);
    let file = switchboard_store::paths::create_new_private_file(&partial)
        .map_err(|e| failed(io_err(e)))?;
    let mut w = std::io::BufWriter::new(file);
    let written = export_cases(ctx, format, &mut w).and_then(|r| {
        let file = w.into_inner().map_err(|e| io_err(e.into_error()))?;
        file.sync_all().map_err(io_err)?;
        std::fs::rename(&partial, path).map_err(io_err)?;
        Ok(r)
    });
    written.map_err(failed)
}

/// RFC 3339 in UTC, for humans and spreadsheets.
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}
