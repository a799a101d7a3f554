//! `switchboard case link|unlink|merge|split|timeline|history|undo`, `switchboard undo` and
//! `switchboard contact show|suggest|merge|split|flag`, black box.

mod support;

use serde_json::Value;
use support::*;

/// Three cases: two from Alice under two addresses (two contacts), one from Bob.
fn setup() -> (Sb, i64, i64, i64) {
    let sb = Sb::new();
    let mails = [
        Mail::text(
            "Alice Martin <alice@home.example>",
            "Parcel late",
            Some("a1@x"),
            "Mon, 04 Mar 2024 10:00:00 +0000",
            "Where is my parcel?",
        ),
        Mail::text(
            "Alice Martin <alice@work.example>",
            "Parcel still late",
            Some("a2@x"),
            "Tue, 05 Mar 2024 10:00:00 +0000",
            "Still nothing.",
        ),
        Mail::text(
            "Bob Baker <bob@example.com>",
            "Refund",
            Some("b1@x"),
            "Wed, 06 Mar 2024 10:00:00 +0000",
            "Please refund.",
        ),
    ];
    let path = sb.path("in/all.mbox");
    write(&path, mbox(&mails));
    sb.ok(&["import", s(&path)]);
    let id = |subject| sb.case_by_subject(subject)["id"].as_i64().unwrap();
    let (a, b, c) = (id("Parcel late"), id("Parcel still late"), id("Refund"));
    (sb, a, b, c)
}

fn conversation_of(sb: &Sb, case: i64) -> i64 {
    sb.case(case)["messages"][0]["conversation_id"]
        .as_i64()
        .unwrap()
}

/// The first-column names of the table under `### contact show JSON` in docs/cli.md.
fn documented_contact_fields() -> std::collections::BTreeSet<String> {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli.md"),
    )
    .unwrap();
    doc.lines()
        .skip_while(|l| *l != "### contact show JSON")
        .skip(1)
        .take_while(|l| !l.starts_with("### "))
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            l.split('|')
                .nth(1)
                .unwrap()
                .trim()
                .trim_matches('`')
                .to_string()
        })
        .collect()
}

fn contact_of(sb: &Sb, case: i64) -> i64 {
    sb.case(case)["contact"]["id"].as_i64().unwrap()
}

#[test]
fn link_timeline_history_and_undo() {
    let (sb, a, b, _) = setup();
    let conv_b = conversation_of(&sb, b);
    let r = sb.json(&[
        "case",
        "link",
        &a.to_string(),
        &conv_b.to_string(),
        "--json",
    ]);
    assert_eq!(r["from_case"], b);
    assert_eq!(r["from_case_merged"], true);
    assert!(
        sb.cases().iter().all(|c| c["id"] != b),
        "the emptied case leaves the inbox"
    );

    let t = sb.json(&["case", "timeline", &a.to_string(), "--json"]);
    let items = t["items"].as_array().unwrap();
    let messages: Vec<&Value> = items.iter().filter(|i| i["type"] == "message").collect();
    assert_eq!(messages.len(), 2, "both conversations in one timeline");
    assert!(
        items
            .iter()
            .any(|i| i["type"] == "event" && i["event"]["kind"] == "link")
    );
    let human = sb.ok(&["case", "timeline", &a.to_string()]);
    assert!(
        human.stdout.contains("Where is my parcel?"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("Still nothing."), "{}", human.stdout);

    let h = sb.json(&["case", "history", &a.to_string(), "--json"]);
    let link = h["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "link")
        .unwrap()
        .clone();
    assert_eq!(link["actor"], "user");
    assert!(link["device"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(link["undoable"], true);
    let human = sb.ok(&["case", "history", &a.to_string()]);
    assert!(
        human
            .stdout
            .contains(&format!("conversation {conv_b} linked here from case {b}")),
        "{}",
        human.stdout
    );

    let u = sb.json(&["undo", "--json"]);
    assert_eq!(u["kind"], "link");
    assert_eq!(
        sb.case(b)["message_count"],
        1,
        "the email is its own case again"
    );
    let r = sb.fail(&["undo", "--case", &b.to_string()]);
    assert_eq!(r.code, Some(1));
    assert_eq!(r.error_message(), format!("nothing to undo on case {b}"));
}

#[test]
fn merge_split_unlink_and_their_errors() {
    let (sb, a, b, c) = setup();
    sb.ok(&["case", "note", &b.to_string(), "called her"]);
    let m = sb.json(&[
        "case",
        "merge",
        &a.to_string(),
        &b.to_string(),
        &c.to_string(),
        "--json",
    ]);
    assert_eq!(m["conversations_moved"], 2);
    assert_eq!(m["notes_moved"], 1);
    assert_eq!(sb.case(a)["message_count"], 3);
    assert_eq!(sb.cases().len(), 1);

    let conv_c = conversation_of(&sb, a);
    let all: Vec<i64> = sb.case(a)["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["conversation_id"].as_i64().unwrap())
        .collect();
    let last = *all.last().unwrap();
    let s = sb.json(&["case", "split", &a.to_string(), &last.to_string(), "--json"]);
    let new_case = s["new_case_id"].as_i64().unwrap();
    assert_eq!(sb.case(new_case)["message_count"], 1);
    let u = sb.ok(&["case", "unlink", &a.to_string(), &conv_c.to_string()]);
    assert!(u.stdout.contains("is now case #"), "{}", u.stdout);
    assert_eq!(sb.cases().len(), 3);

    // Errors are one line, exit 1, and change nothing.
    let before = sb.fingerprint();
    let r = sb.fail(&["case", "merge", &a.to_string(), &a.to_string()]);
    assert_eq!(r.code, Some(1));
    assert_eq!(
        r.error_message(),
        format!("cannot merge case {a} into itself")
    );
    let r = sb.fail(&["case", "merge", &a.to_string(), &b.to_string()]);
    assert!(
        r.error_message().contains("was merged into"),
        "{}",
        r.stderr
    );
    let r = sb.fail(&["case", "link", &a.to_string(), "9999"]);
    assert_eq!(r.error_message(), "conversation 9999 not found");
    let r = sb.fail(&["case", "timeline", "9999"]);
    assert_eq!(r.error_message(), "case 9999 not found");
    let r = sb.run(&["case", "split", &a.to_string()]);
    assert_eq!(r.code, Some(2), "split needs conversation ids");
    assert_eq!(sb.fingerprint(), before);

    // Undo steps back through the unlink, the split and the merge.
    for kind in ["split", "split", "merge"] {
        assert_eq!(sb.json(&["undo", "--json"])["kind"], kind);
    }
    assert_eq!(sb.cases().len(), 3);
    assert_eq!(sb.case(b)["notes"].as_array().unwrap().len(), 1);
}

#[test]
fn contacts_show_suggest_merge_split_flag() {
    let (sb, a, b, _) = setup();
    let (ca, cb) = (contact_of(&sb, a), contact_of(&sb, b));
    let s = sb.json(&["contact", "suggest", "--json"]);
    let pair = s
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["reason"] == "similar_name")
        .expect("the two Alices are suggested")
        .clone();
    assert_eq!(
        (pair["contact_id"].as_i64(), pair["other_id"].as_i64()),
        (Some(ca.min(cb)), Some(ca.max(cb)))
    );
    let human = sb.ok(&["contact", "suggest", &ca.to_string()]);
    assert!(human.stdout.contains("similar name"), "{}", human.stdout);

    let m = sb.json(&[
        "contact",
        "merge",
        &ca.to_string(),
        &cb.to_string(),
        "--json",
    ]);
    assert_eq!(m["identities_moved"], 1);
    assert_eq!(m["cases_moved"], 1);
    let shown = sb.json(&["contact", "show", &ca.to_string(), "--json"]);
    let keys: std::collections::BTreeSet<String> =
        shown.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        documented_contact_fields(),
        "docs/cli.md lists exactly these"
    );
    assert_eq!(shown["identities"].as_array().unwrap().len(), 2);
    assert_eq!(shown["cases"].as_array().unwrap().len(), 2);
    // Every case shows the contact's whole history.
    let case_a = sb.case(a);
    assert_eq!(
        case_a["contact_history"]["cases"].as_array().unwrap().len(),
        2
    );

    let work = shown["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["external_id"] == "alice@work.example")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let sp = sb.json(&[
        "contact",
        "split",
        &ca.to_string(),
        &work.to_string(),
        "--json",
    ]);
    assert_eq!(sp["case_ids"], serde_json::json!([b]));

    let f = sb.json(&[
        "contact",
        "flag",
        &ca.to_string(),
        "--vip",
        "true",
        "--json",
    ]);
    assert_eq!(
        (f["vip"].as_bool(), f["do_not_engage"].as_bool()),
        (Some(true), Some(false))
    );
    let human = sb.ok(&["contact", "show", &ca.to_string()]);
    assert!(human.stdout.contains("[VIP]"), "{}", human.stdout);
    let r = sb.fail(&["contact", "flag", &ca.to_string()]);
    assert_eq!(
        r.error_message(),
        "cannot set contact flags: give vip or do_not_engage"
    );
    let r = sb.fail(&["contact", "show", "9999"]);
    assert_eq!(r.error_message(), "contact 9999 not found");
    assert_eq!(sb.json(&["undo", "--json"])["kind"], "contact_flags");
    assert_eq!(sb.json(&["undo", "--json"])["kind"], "contact_split");
    assert_eq!(sb.json(&["undo", "--json"])["kind"], "contact_merge");
    assert_eq!(
        sb.json(&["contact", "show", &cb.to_string(), "--json"])["merged_into"],
        Value::Null
    );
}
