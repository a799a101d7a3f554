//! `switchboard alerts scan|list|ack`, black box, on an imported mailbox with a planted spike.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use support::{Mail, Sb, mbox, s, write};

const WORDS: &[&str] = &[
    "order", "refund", "invoice", "jacket", "boots", "tent", "voucher", "payment",
];
const DAYS: &[&str] = &["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Three weeks of everyday mail from 1 November 2026 (a Sunday), then eight lost-parcel
/// complaints on 22 November, in date order.
fn mailbox() -> Vec<Mail> {
    let mut mails = Vec::new();
    for d in 0..22usize {
        let date = |hour: usize| {
            format!(
                "{}, {:02} Nov 2026 {hour:02}:00:00 +0000",
                DAYS[d % 7],
                d + 1
            )
        };
        if d == 21 {
            for i in 0..8 {
                mails.push(Mail::text(
                    &format!("Spike {i} <spike{i}@example.com>"),
                    "Delivery",
                    Some(&format!("spike{i}@example.com")),
                    &date(9 + i),
                    "The courier left the parcel in the rain.",
                ));
            }
            continue;
        }
        for i in 0..10 {
            let w = WORDS[(d * 7 + i * 3) % 8];
            let v = WORDS[(d + i * 5) % 8];
            mails.push(Mail::text(
                &format!("C{d} {i} <c{d}-{i}@example.com>"),
                &format!("About {w}"),
                Some(&format!("m{d}-{i}@example.com")),
                &date(8 + i),
                &format!("A question on {w} and {v}"),
            ));
        }
    }
    mails
}

/// The first-column names of the `n`-th table under `### heading` in docs/cli.md.
fn documented_fields(heading: &str, n: usize) -> BTreeSet<String> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli.md"))
            .unwrap();
    let section: Vec<&str> = doc
        .lines()
        .skip_while(|l| *l != format!("### {heading}"))
        .skip(1)
        .take_while(|l| !l.starts_with("### "))
        .collect();
    let mut tables: Vec<Vec<&str>> = Vec::new();
    let mut in_table = false;
    for line in section {
        if line.starts_with('|') {
            if !in_table {
                tables.push(Vec::new());
                in_table = true;
            }
            tables.last_mut().unwrap().push(line);
        } else {
            in_table = false;
        }
    }
    tables[n]
        .iter()
        .skip(2)
        .map(|row| {
            row.trim_start_matches('|')
                .split('|')
                .next()
                .unwrap()
                .trim()
                .trim_matches('`')
                .to_string()
        })
        .collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn an_imported_spike_is_listed_scanned_once_and_acknowledged() {
    let sb = Sb::new();
    let path = sb.path("in/box.mbox");
    write(&path, mbox(&mailbox()));
    sb.ok(&["import", s(&path)]);

    let list = sb.json(&["alerts", "list", "--json"]);
    assert_eq!(
        keys(&list),
        documented_fields("alerts list JSON", 0),
        "alerts list JSON matches docs/cli.md"
    );
    let alerts = list["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "the import raised one alert: {list:#}");
    let a = &alerts[0];
    assert_eq!(
        keys(a),
        documented_fields("alerts list JSON", 1),
        "alert fields"
    );
    assert_eq!(a["kind"], "term");
    let subject = a["subject"].as_str().unwrap();
    assert!(
        subject.contains("courier") && subject.contains("parcel"),
        "{subject}"
    );
    assert_eq!(
        a["case_ids"].as_array().unwrap().len(),
        8,
        "the eight complaints"
    );
    let id = a["id"].as_i64().unwrap();

    let table = sb.ok(&["alerts", "list"]).stdout;
    assert!(
        table.contains("courier") && table.contains("term"),
        "{table}"
    );

    let scan = sb.json(&["alerts", "scan", "--json"]);
    assert_eq!(
        scan["raised"],
        serde_json::json!([]),
        "a rescan does not repeat it: {scan:#}"
    );
    assert_eq!(scan["messages"], 218, "every inbound message replayed");

    let acked = sb.ok(&["alerts", "ack", &id.to_string()]).stdout;
    assert!(
        acked.contains(&format!("Alert {id} acknowledged")),
        "{acked}"
    );
    let after = sb.json(&["alerts", "list", "--json"]);
    assert_eq!(after["alerts"], serde_json::json!([]));
    let all = sb.json(&["alerts", "list", "--all", "--json"]);
    assert!(all["alerts"][0]["acked_at"].is_i64(), "{all:#}");

    let missing = sb.fail(&["alerts", "ack", "999"]);
    assert!(
        missing.error_message().contains("alert 999 not found"),
        "{}",
        missing.error_message()
    );
    let bad = sb.fail(&["alerts", "scan", "--from", "22/11/2026"]);
    assert!(
        bad.error_message().contains("YYYY-MM-DD"),
        "{}",
        bad.error_message()
    );
}
