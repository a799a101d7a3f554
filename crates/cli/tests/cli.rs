//! Black-box tests of the `switchboard` binary: every command and flag the CLI issue asks for,
//! run as a separate process against a temporary data folder, with inputs generated here.
//!
//! The contract under test is docs/cli.md: exit codes, the one-line error format, and the
//! `--json` shapes.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

const NOT_INITIALISED: &str = "run `switchboard init` first";

/// A workspace with the clean part of the standard corpus imported.
fn imported() -> (Sb, Corpus) {
    let sb = Sb::new();
    let corpus = write_corpus(&sb.path("in"));
    let mut args = vec!["import".to_string(), "--json".to_string()];
    args.extend(corpus.good().iter().map(|p| s(p).to_string()));
    let r = sb.json(&args);
    assert_eq!(
        r["imported"], GOOD_MESSAGES,
        "the clean corpus imports completely: {r:#}"
    );
    (sb, corpus)
}

fn id_of(case: &Value) -> i64 {
    case["id"].as_i64().expect("case id")
}

fn status_of(sb: &Sb, id: i64) -> String {
    sb.case(id)["status"].as_str().unwrap().to_string()
}

fn assert_type(v: &Value, key: &str, ok: fn(&Value) -> bool, what: &str) {
    assert!(
        v.get(key).is_some_and(ok),
        "field {key:?} should be {what}, in {v:#}"
    );
}

fn int(v: &Value) -> bool {
    v.is_i64()
}
fn string(v: &Value) -> bool {
    v.is_string()
}
fn string_or_null(v: &Value) -> bool {
    v.is_string() || v.is_null()
}
fn int_or_null(v: &Value) -> bool {
    v.is_i64() || v.is_null()
}
fn strings(v: &Value) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
}
fn boolean(v: &Value) -> bool {
    v.is_boolean()
}

/// The documented fields of a case (docs/cli.md, "Case"), with their types.
fn assert_case_shape(c: &Value) {
    assert_type(c, "id", int, "an integer");
    assert!(
        ["new", "open", "waiting", "snoozed", "resolved"].contains(&c["status"].as_str().unwrap()),
        "status is one of the five lifecycle states: {c:#}"
    );
    assert_type(c, "priority", string, "a string");
    assert_type(c, "subject", string_or_null, "a string or null");
    assert_type(c, "snippet", string, "a string");
    assert_type(c, "channels", strings, "an array of strings");
    assert!(
        c["contact"].is_null() || c["contact"].is_object(),
        "contact is an object or null: {c:#}"
    );
    if c["contact"].is_object() {
        assert_type(&c["contact"], "id", int, "an integer");
        assert_type(&c["contact"], "name", string_or_null, "a string or null");
        assert_type(&c["contact"], "address", string_or_null, "a string or null");
    }
    assert_type(c, "root_causes", strings, "an array of strings");
    assert_type(c, "labels", strings, "an array of strings");
    assert_type(c, "message_count", int, "an integer");
    assert_type(c, "unread_count", int, "an integer");
    assert_type(c, "last_message_at", int_or_null, "an integer or null");
    assert_type(c, "created_at", int, "an integer");
    assert_type(c, "snoozed_until", int_or_null, "an integer or null");
    assert_type(c, "response_due_at", int_or_null, "an integer or null");
}

/// The documented fields of a message in `case show --json` (docs/cli.md, "Message").
fn assert_message_shape(m: &Value) {
    for key in ["id", "conversation_id", "sent_at"] {
        assert_type(m, key, int, "an integer");
    }
    for key in [
        "channel",
        "direction",
        "visibility",
        "external_id",
        "snippet",
        "text",
    ] {
        assert_type(m, key, string, "a string");
    }
    assert_type(m, "subject", string_or_null, "a string or null");
    assert_type(m, "html", string_or_null, "a string or null");
    assert_type(m, "unread", boolean, "a boolean");
    assert_type(m, "has_remote_content", boolean, "a boolean");
    assert!(m["author"].is_null() || m["author"].is_object(), "{m:#}");
    assert!(m["recipients"].is_array(), "recipients is an array: {m:#}");
    for r in m["recipients"].as_array().unwrap() {
        assert_type(r, "kind", string, "a string");
        assert_type(r, "address", string, "a string");
        assert_type(r, "name", string_or_null, "a string or null");
    }
    assert!(
        m["attachments"].is_array(),
        "attachments is an array: {m:#}"
    );
}

// ---------------------------------------------------------------------------------------------
// init and the data folder
// ---------------------------------------------------------------------------------------------

#[test]
fn init_creates_a_private_database_and_running_it_again_keeps_the_data() {
    let sb = Sb::uninitialised();
    let first = sb.ok(&["init"]);
    assert!(
        first.stdout.starts_with("Created workspace in"),
        "the first init says it created the workspace: {}",
        first.stdout
    );
    let db = sb.data.join("switchboard.db");
    assert!(db.is_file(), "init creates <data-dir>/switchboard.db");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&db).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the database is private to the user");
    }

    let corpus = write_corpus(&sb.path("in"));
    sb.ok(&["import", s(&corpus.parcel_eml)]);
    let before = sb.fingerprint();

    let second = sb.ok(&["init"]);
    assert!(
        second.stdout.starts_with("Found existing workspace in"),
        "a second init recognises the workspace: {}",
        second.stdout
    );
    assert_eq!(
        sb.fingerprint(),
        before,
        "init on an existing workspace keeps every case"
    );
}

#[test]
fn switchboard_data_dir_is_honoured_and_data_dir_flag_wins_over_it() {
    let root = tempfile::tempdir().unwrap();
    let env_dir = root.path().join("from-env");
    let flag_dir = root.path().join("from-flag");
    let run = |args: &[&str], env: Option<&Path>| {
        let mut c = base_command(root.path());
        if let Some(dir) = env {
            c.env("SWITCHBOARD_DATA_DIR", dir);
        }
        c.args(args);
        run_command(c, args)
    };

    let init = run(&["init"], Some(&env_dir));
    assert!(init.success(), "{init:?}");
    assert!(
        env_dir.join("switchboard.db").is_file(),
        "init without --data-dir creates the database in $SWITCHBOARD_DATA_DIR"
    );

    let eml = root.path().join("one.eml");
    write(
        &eml,
        Mail::text(
            "Alice <alice@example.com>",
            "Hello",
            Some("env-1@example.com"),
            "Fri, 01 Mar 2024 09:00:00 +0000",
            "hello",
        )
        .raw(),
    );
    assert!(
        run(&["import", s(&eml)], Some(&env_dir)).success(),
        "import finds the workspace through $SWITCHBOARD_DATA_DIR"
    );
    let list = run(&["case", "list", "--json"], Some(&env_dir));
    assert_eq!(
        list.json()["total"],
        1,
        "later commands read the same $SWITCHBOARD_DATA_DIR workspace"
    );

    let flagged = run(
        &["--data-dir", s(&flag_dir), "case", "list"],
        Some(&env_dir),
    );
    let msg = flagged.error_message();
    assert!(
        msg.contains(s(&flag_dir)) && msg.contains(NOT_INITIALISED),
        "--data-dir overrides $SWITCHBOARD_DATA_DIR (its empty folder is reported): {msg}"
    );

    let default = run(&["init"], None);
    assert!(default.success(), "{default:?}");
    assert!(
        root.path()
            .join("xdg-data/switchboard/switchboard.db")
            .is_file(),
        "without either, the workspace goes to the platform data folder ($XDG_DATA_HOME/switchboard)"
    );
}

#[test]
fn every_command_before_init_says_run_init_first_and_creates_nothing() {
    let sb = Sb::uninitialised();
    let eml = sb.path("in/x.eml");
    write(&eml, "From: a@example.com\nSubject: x\n\nx\n");
    let backup = sb.path("out/backup.db");
    let commands: Vec<Vec<&str>> = vec![
        vec!["import", s(&eml)],
        vec!["case", "list"],
        vec!["case", "list", "--json"],
        vec!["case", "show", "1", "--json"],
        vec!["case", "status", "1", "open"],
        vec!["case", "note", "1", "text"],
        vec!["case", "tag", "1", "Shipping"],
        vec!["search", "parcel"],
        vec!["rootcause", "add", "Shipping"],
        vec!["rootcause", "list", "--json"],
        vec!["export", "--format", "json"],
        vec!["backup", s(&backup)],
    ];
    for args in commands {
        let r = sb.run(&args);
        let msg = r.error_message();
        assert_eq!(r.code, Some(1), "`{}` exits 1", r.cmdline);
        assert!(
            msg.contains(NOT_INITIALISED) && msg.contains(s(&sb.data)),
            "`{}` names the data folder and says to run init first: {msg}",
            r.cmdline
        );
        assert!(
            !sb.data.exists(),
            "`{}` must not create the data folder as a side effect",
            r.cmdline
        );
    }
    assert!(
        !backup.exists(),
        "no backup file appears without a workspace"
    );
}

// ---------------------------------------------------------------------------------------------
// import
// ---------------------------------------------------------------------------------------------

#[test]
fn import_summary_counts_and_lists_each_failed_file_with_its_reason_while_the_rest_imports() {
    let sb = Sb::new();
    let corpus = write_corpus(&sb.path("in"));
    let args: Vec<&str> = std::iter::once("import")
        .chain(corpus.all().into_iter().map(s))
        .collect();
    let r = sb.run(&args);

    assert_eq!(
        r.code,
        Some(3),
        "an import that stored the rest but failed some items exits 3\n{r:?}"
    );
    assert!(
        r.stdout.contains(&format!(
            "Imported {GOOD_MESSAGES} messages ({GOOD_CASES} new cases, 0 reopened); 0 duplicates skipped; 1 file not imported (no mail in it); 2 failed."
        )),
        "the summary counts imported, duplicates, files without mail and failed: {}",
        r.stdout
    );
    let not_imported: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("not imported: "))
        .collect();
    assert_eq!(
        not_imported.len(),
        1,
        "the file in Maildir tmp/ is listed, not passed over silently: {}",
        r.stdout
    );
    assert!(
        not_imported[0].contains("tmp/")
            && not_imported[0].contains("a delivery still being written"),
        "{}",
        not_imported[0]
    );
    let failed: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("failed: "))
        .collect();
    assert_eq!(failed.len(), 2, "one line per failed file: {}", r.stdout);
    assert!(
        failed[0].contains(s(&corpus.corrupt_mbox)) && failed[0].contains("not an mbox"),
        "the corrupt mbox is listed with its reason: {}",
        failed[0]
    );
    assert!(
        failed[1].contains(s(&corpus.malformed_eml)) && failed[1].contains("no RFC 5322 header"),
        "the malformed .eml is listed with its reason: {}",
        failed[1]
    );
    let err = r.error_message();
    assert!(
        err.contains("2 of 10 items could not be imported")
            && err.contains(s(&corpus.corrupt_mbox)),
        "stderr says how many failed and names the first with its reason: {err}"
    );

    let cases = sb.cases();
    assert_eq!(
        cases.len(),
        GOOD_CASES,
        "everything that could be imported was, despite the failures"
    );
    let total_messages: i64 = cases
        .iter()
        .map(|c| c["message_count"].as_i64().unwrap())
        .sum();
    assert_eq!(
        total_messages, GOOD_MESSAGES as i64,
        "every good message is in a case"
    );
    assert!(
        !cases.iter().any(|c| c["subject"] == "Half delivered"),
        "a message in Maildir tmp/ (delivery in progress) is not imported"
    );
}

#[test]
fn import_json_reports_counts_and_failures_and_stays_parseable_on_partial_failure() {
    let sb = Sb::new();
    let corpus = write_corpus(&sb.path("in"));
    let mut args = vec!["import", "--json"];
    args.extend(corpus.all().into_iter().map(s));
    let r = sb.run(&args);
    assert_eq!(r.code, Some(3), "partial import exits 3: {r:?}");
    r.error_message();
    let v = r.json();
    assert_eq!(v["imported"], GOOD_MESSAGES, "{v:#}");
    assert_eq!(v["duplicates"], 0, "{v:#}");
    assert_eq!(v["cases_created"], GOOD_CASES, "{v:#}");
    assert_eq!(v["cases_reopened"], 0, "{v:#}");
    let failed = v["failed"].as_array().expect("failed is an array");
    let origins: Vec<&str> = failed
        .iter()
        .map(|f| f["origin"].as_str().unwrap())
        .collect();
    assert_eq!(
        origins,
        [s(&corpus.corrupt_mbox), s(&corpus.malformed_eml)],
        "each failed file is named by its path, in input order"
    );
    assert!(
        failed
            .iter()
            .all(|f| !f["reason"].as_str().unwrap().is_empty()),
        "each failure carries a reason: {v:#}"
    );
    let skipped = v["skipped"].as_array().expect("skipped is an array");
    assert_eq!(skipped.len(), 1, "the file in Maildir tmp/: {v:#}");
    assert!(
        skipped[0]["origin"].as_str().unwrap().contains("/tmp/")
            && skipped[0]["reason"]
                .as_str()
                .unwrap()
                .contains("a delivery still being written"),
        "{v:#}"
    );
    assert_eq!(
        v.as_object().unwrap().keys().collect::<BTreeSet<_>>(),
        [
            "cases_created",
            "cases_reopened",
            "duplicates",
            "failed",
            "imported",
            "skipped"
        ]
        .iter()
        .map(|k| k.to_string())
        .collect::<BTreeSet<_>>()
        .iter()
        .collect(),
        "import --json has exactly the documented fields"
    );

    let clean = Sb::new();
    let corpus = write_corpus(&clean.path("in"));
    let mut args = vec!["import", "--json"];
    args.extend(corpus.good().into_iter().map(s));
    let r = clean.ok(&args);
    assert!(
        r.stderr.is_empty(),
        "a clean import prints nothing on stderr (no progress bar off a terminal): {:?}",
        r.stderr
    );
    assert_eq!(
        r.json()["failed"],
        Value::Array(vec![]),
        "a clean import has an empty failed list"
    );
}

#[test]
fn importing_the_same_input_twice_adds_nothing() {
    let (sb, corpus) = imported();
    let before = sb.fingerprint();
    assert_eq!(
        before.len(),
        GOOD_CASES,
        "the first import made the expected cases"
    );

    let mut args = vec!["import", "--json"];
    args.extend(corpus.good().into_iter().map(s));
    let again = sb.json(&args);
    assert_eq!(
        again["imported"], 0,
        "nothing new the second time: {again:#}"
    );
    assert_eq!(
        again["duplicates"], GOOD_MESSAGES,
        "every message is recognised as a duplicate, including the one without a Message-ID: {again:#}"
    );
    assert_eq!(again["cases_created"], 0, "and no case is created twice");

    let human: Vec<&str> = std::iter::once("import")
        .chain(corpus.good().into_iter().map(s))
        .collect();
    let third = sb.ok(&human);
    assert!(
        third.stdout.starts_with(&format!(
            "Imported 0 messages (0 new cases, 0 reopened); {GOOD_MESSAGES} duplicates skipped; 1 file not imported (no mail in it); 0 failed."
        )),
        "the human summary says how many duplicates were skipped: {}",
        third.stdout
    );
    assert_eq!(
        sb.fingerprint(),
        before,
        "case count, statuses and message counts are unchanged after re-importing"
    );
}

#[test]
fn a_missing_import_path_is_a_one_line_error_and_loses_nothing() {
    let (sb, corpus) = imported();
    let before = sb.fingerprint();
    let missing = sb.path("in/does-not-exist.mbox");

    for args in [
        vec!["import", s(&missing)],
        vec!["import", s(&corpus.parcel_eml), s(&missing)],
    ] {
        let r = sb.run(&args);
        let msg = r.error_message();
        assert_eq!(r.code, Some(1), "`{}` exits 1", r.cmdline);
        assert!(
            msg.contains(s(&missing)) && msg.contains("no such file"),
            "the error names the missing path and the reason: {msg}"
        );
        assert_eq!(
            sb.fingerprint(),
            before,
            "a failed import keeps everything stored before"
        );
    }
}

#[test]
fn import_from_a_self_address_counts_as_our_reply() {
    let sb = Sb::new();
    let mbox_path = sb.path("in/thread.mbox");
    write(&mbox_path, mbox(&thread_mails()));
    sb.ok(&["import", "--self", SUPPORT, s(&mbox_path)]);
    let case = sb.case_by_subject(THREAD_SUBJECT);
    let shown = sb.case(id_of(&case));
    let directions: Vec<&str> = shown["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["direction"].as_str().unwrap())
        .collect();
    assert_eq!(
        directions,
        ["inbound", "outbound", "inbound"],
        "--self marks mail from our own address as outbound"
    );
    assert_eq!(
        case["contact"]["address"], "frank@example.com",
        "the customer is the other party, not us"
    );
    assert_eq!(
        case["status"], "open",
        "our reply moved the case to waiting, the customer's answer back to open"
    );
    assert_eq!(case["unread_count"], 2, "our own reply is not unread");
}

#[test]
fn newsletters_are_listed_only_under_automated_and_can_be_made_a_customer_case() {
    let sb = Sb::new();
    let newsletter = |name: &str, id: &str, subject: &str, date: &str| {
        let mut mail = Mail::text(
            "Shop News <news@shop.example>",
            subject,
            Some(id),
            date,
            "Refund week: urgent deals on broken prices!",
        );
        mail.content = format!(
            "List-Id: Shop News <news.shop.example>\nPrecedence: bulk\n{}",
            mail.content
        );
        let path = sb.path(&format!("in/{name}.eml"));
        write(&path, mail.raw());
        path
    };
    let first = newsletter(
        "n1",
        "n1@shop.example",
        "Spring offers",
        "Mon, 04 Mar 2024 10:00:00 +0000",
    );
    let second = newsletter(
        "n2",
        "n2@shop.example",
        "Summer offers",
        "Mon, 11 Mar 2024 10:00:00 +0000",
    );
    sb.ok(&["import", s(&first), s(&second)]);
    assert!(
        sb.cases().is_empty(),
        "the default list leaves automated mail out"
    );
    let listed = sb.json(&["case", "list", "--automated", "--json"]);
    let automated = listed["cases"].as_array().expect("cases array").clone();
    assert_eq!(
        automated.len(),
        2,
        "both newsletters, under --automated: {listed:#}"
    );
    for c in &automated {
        assert_eq!(c["automated"], "List-Id: news.shop.example", "{c:#}");
        assert_eq!(
            c["repeat"], false,
            "the same sender twice is no repeat: {c:#}"
        );
        assert_eq!(c["priority"], "normal", "no rule raised it: {c:#}");
    }
    let id = id_of(&automated[0]);
    let shown = sb.ok(&["case", "show", &id.to_string()]);
    assert!(
        shown
            .stdout
            .contains("Automated: List-Id: news.shop.example"),
        "case show says why: {}",
        shown.stdout
    );

    let off = sb.ok(&["case", "automated", &id.to_string(), "--off"]);
    assert!(
        off.stdout.contains("is a real customer's case now"),
        "{}",
        off.stdout
    );
    assert_eq!(ids(&sb.cases()), vec![id], "back in the default list");
    sb.ok(&["undo"]);
    assert!(sb.cases().is_empty(), "undo makes it automated mail again");
    sb.fail(&["case", "automated", &id.to_string()]);
}

#[test]
fn a_new_customer_message_reopens_a_resolved_case() {
    let (sb, _) = imported();
    let parcel = id_of(&sb.case_by_subject(PARCEL_SUBJECT));
    sb.ok(&["case", "status", &parcel.to_string(), "resolved"]);
    let follow_up = sb.path("in/follow-up.eml");
    write(
        &follow_up,
        Mail::text(
            "Alice Archer <alice@example.com>",
            &format!("Re: {PARCEL_SUBJECT}"),
            Some("parcel-2@example.com"),
            "Fri, 08 Mar 2024 09:00:00 +0000",
            "Still nothing. Please help.",
        )
        .replying_to("parcel-1@example.com", &["parcel-1@example.com"])
        .raw(),
    );
    let r = sb.json(&["import", "--json", s(&follow_up)]);
    assert_eq!(r["imported"], 1, "the follow-up is stored: {r:#}");
    assert_eq!(
        r["cases_created"], 0,
        "the reply joins the existing case: {r:#}"
    );
    assert_eq!(r["cases_reopened"], 1, "and reopens it: {r:#}");
    let c = sb.case(parcel);
    assert_eq!(c["status"], "open", "the resolved case is open again");
    assert_eq!(c["message_count"], 2, "with both messages");
    assert_eq!(
        c["snippet"], "Still nothing. Please help.",
        "and the newest message's snippet"
    );
}

// ---------------------------------------------------------------------------------------------
// case list / show
// ---------------------------------------------------------------------------------------------

#[test]
fn case_list_json_carries_the_documented_fields_newest_activity_first() {
    let (sb, _) = imported();
    let v = sb.json(&["case", "list", "--json"]);
    assert_eq!(v["total"], GOOD_CASES, "total counts every case: {v:#}");
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(
        cases.len(),
        GOOD_CASES,
        "the default limit (50) shows all six"
    );
    for c in cases {
        assert_case_shape(c);
        assert_eq!(c["channels"], serde_json::json!(["email"]), "{c:#}");
        assert!(
            c["message_count"].as_i64().unwrap() >= 1,
            "an imported case has messages: {c:#}"
        );
    }
    let last: Vec<i64> = cases
        .iter()
        .map(|c| c["last_message_at"].as_i64().unwrap())
        .collect();
    assert!(
        last.windows(2).all(|w| w[0] >= w[1]),
        "cases come newest activity first: {last:?}"
    );

    let thread = sb.case_by_subject(THREAD_SUBJECT);
    assert_eq!(
        thread["message_count"], 3,
        "the mbox thread is one case of three messages"
    );
    assert_eq!(
        thread["contact"],
        serde_json::json!({"id": thread["contact"]["id"], "name": "Frank Fisher", "address": "frank@example.com"}),
        "the contact is the customer who opened the thread"
    );
    assert_eq!(
        thread["snippet"], "The serial number is KT-99812.",
        "the snippet is the newest message's"
    );
    assert_eq!(thread["status"], "new", "imported cases start as new");

    let page = sb.json(&["case", "list", "--json", "--limit", "2", "--offset", "1"]);
    assert_eq!(page["total"], GOOD_CASES, "total ignores --limit/--offset");
    assert_eq!(
        ids(page["cases"].as_array().unwrap()),
        ids(&cases[1..3]),
        "--limit 2 --offset 1 is the second and third case"
    );

    let human = sb.ok(&["case", "list"]);
    assert!(
        human.stdout.starts_with("    ID  STATUS"),
        "{}",
        human.stdout
    );
    for c in cases {
        assert!(
            human.stdout.contains(&format!("#{}", id_of(c)))
                && human.stdout.contains(c["subject"].as_str().unwrap()),
            "the table lists case #{} with its subject:\n{}",
            id_of(c),
            human.stdout
        );
    }
    let empty = Sb::new();
    assert_eq!(
        empty.ok(&["case", "list"]).stdout,
        "No cases.\n",
        "an empty inbox says so"
    );
    assert_eq!(
        empty.json(&["case", "list", "--json"]),
        serde_json::json!({"cases": [], "total": 0})
    );
}

#[test]
fn case_list_status_filters_by_status() {
    let (sb, _) = imported();
    let parcel = id_of(&sb.case_by_subject(PARCEL_SUBJECT));
    let refund = id_of(&sb.case_by_subject(REFUND_SUBJECT));
    sb.ok(&["case", "status", &parcel.to_string(), "open"]);
    sb.ok(&["case", "status", &refund.to_string(), "resolved"]);

    let list = |status: &str| {
        let v = sb.json(&["case", "list", "--status", status, "--json"]);
        let cases = v["cases"].as_array().unwrap().clone();
        assert_eq!(v["total"], cases.len(), "total honours --status");
        assert!(
            cases
                .iter()
                .all(|c| c["status"] == status.to_lowercase().as_str()),
            "every listed case has status {status}"
        );
        ids(&cases)
    };
    assert_eq!(
        list("open"),
        [parcel],
        "--status open is exactly the opened case"
    );
    assert_eq!(
        list("resolved"),
        [refund],
        "--status resolved is exactly the resolved case"
    );
    assert_eq!(list("new").len(), GOOD_CASES - 2, "the rest are still new");
    assert!(list("waiting").is_empty(), "no case is waiting");
    assert_eq!(list("OPEN"), [parcel], "status names are case-insensitive");

    let bad = sb.run(&["case", "list", "--status", "pending"]);
    assert!(
        bad.error_message().contains("\"pending\""),
        "an unknown --status is named: {}",
        bad.stderr
    );
}

#[test]
fn case_show_json_has_the_case_and_its_messages_oldest_first() {
    let (sb, _) = imported();
    let id = id_of(&sb.case_by_subject(THREAD_SUBJECT));
    let c = sb.case(id);
    assert_case_shape(&c);
    assert_eq!(c["id"], id, "case show returns the case asked for");
    assert_eq!(c["notes"], Value::Array(vec![]), "no notes yet");
    let messages = c["messages"].as_array().expect("messages array");
    assert_eq!(
        messages.len() as i64,
        c["message_count"].as_i64().unwrap(),
        "case show lists every message it counts"
    );
    for m in messages {
        assert_message_shape(m);
        assert_eq!(
            m["channel"], "email",
            "imported mail is on the email channel"
        );
        assert_eq!(m["visibility"], "private", "email is private");
    }
    let order: Vec<&str> = messages
        .iter()
        .map(|m| m["external_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "kettle-1@example.com",
            "kettle-2@shop.example",
            "kettle-3@example.com"
        ],
        "messages are in date order although the mbox stored them 1, 3, 2"
    );
    let sent: Vec<i64> = messages
        .iter()
        .map(|m| m["sent_at"].as_i64().unwrap())
        .collect();
    assert_eq!(
        sent,
        [1_709_546_400_000, 1_709_553_600_000, 1_709_631_000_000],
        "sent_at is the Date header in ms since the epoch"
    );
    let first = &messages[0];
    assert_eq!(
        (&first["author"]["name"], &first["author"]["address"]),
        (
            &Value::from("Frank Fisher"),
            &Value::from("frank@example.com")
        ),
        "the author is the From mailbox"
    );
    assert_eq!(
        first["recipients"],
        serde_json::json!([{"kind": "to", "name": "Shop Support", "address": SUPPORT}])
    );
    assert_eq!(
        first["subject"], THREAD_SUBJECT,
        "the message keeps its own subject"
    );
    let text = first["text"].as_str().unwrap();
    assert!(
        text.contains("\nFrom the first day it made a rattling noise."),
        "the mbox's >From line is unquoted back to From: {text:?}"
    );
    assert!(
        !text.contains(">From"),
        "no quoting left in the text: {text:?}"
    );
    assert_eq!(
        messages[1]["text"],
        "Sorry to hear that. Could you send the serial number?"
    );

    let human = sb.ok(&["case", "show", &id.to_string()]);
    assert!(
        human
            .stdout
            .starts_with(&format!("Case #{id} — {THREAD_SUBJECT}")),
        "{}",
        human.stdout
    );
    let a = human.stdout.find("My kettle stopped working").unwrap();
    let b = human.stdout.find("Sorry to hear that").unwrap();
    let z = human.stdout.find("KT-99812").unwrap();
    assert!(a < b && b < z, "the human view is in date order too");
}

#[test]
fn case_show_keeps_html_only_text_and_attachments() {
    let (sb, _) = imported();
    let html_case = sb.case(id_of(&sb.case_by_subject(HTML_SUBJECT)));
    let m = &html_case["messages"][0];
    assert_eq!(
        m["text"], "The smoothie blender arrived with a cracked jug.",
        "an HTML-only message gets a plain-text body derived from its HTML"
    );
    let html = m["html"].as_str().expect("html is kept for HTML mail");
    assert!(html.contains("<b>smoothie</b>"), "{html}");
    assert!(
        !html.contains("<script"),
        "stored HTML is sanitised: {html}"
    );

    let refund_id = id_of(&sb.case_by_subject(REFUND_SUBJECT));
    let refund = sb.case(refund_id);
    let m = &refund["messages"][0];
    assert_eq!(
        m["text"],
        "Please refund order 1234; the receipt is attached."
    );
    let atts = m["attachments"].as_array().unwrap();
    assert_eq!(atts.len(), 1, "the PDF is an attachment: {m:#}");
    let a = &atts[0];
    assert_eq!(
        a["filename"], "receipt.pdf",
        "the sender's file name is kept"
    );
    assert_eq!(
        a["content_type"], "application/pdf",
        "content type, lowercase"
    );
    assert_eq!(
        a["size"],
        RECEIPT.len(),
        "size is the decoded size in bytes"
    );
    assert_eq!(
        a["inline"], false,
        "Content-Disposition: attachment is not inline"
    );
    assert_type(a, "id", int, "an integer");
    assert_eq!(
        keys(a),
        ["content_type", "filename", "id", "inline", "sha256", "size"]
            .map(String::from)
            .into(),
        "an attachment has exactly the documented fields"
    );
    let sha = a["sha256"].as_str().unwrap();
    assert!(
        sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit()),
        "sha256 is 64 hex digits: {sha}"
    );
    let on_disk = sb.data.join("attachments").join(&sha[..2]).join(sha);
    assert_eq!(
        fs::read(&on_disk).expect("attachment stored under <data>/attachments/<sha[..2]>/<sha>"),
        RECEIPT,
        "the stored file is the decoded attachment"
    );
    let human = sb.ok(&["case", "show", &refund_id.to_string()]);
    assert!(
        human
            .stdout
            .contains("receipt.pdf (application/pdf, 56 bytes)"),
        "{}",
        human.stdout
    );
}

#[test]
fn unknown_or_malformed_case_ids_are_one_line_errors() {
    let (sb, _) = imported();
    sb.ok(&["rootcause", "add", "Shipping"]);
    let before = sb.fingerprint();
    for args in [
        vec!["case", "show", "999"],
        vec!["case", "show", "999", "--json"],
        vec!["case", "status", "999", "open"],
        vec!["case", "note", "999", "hello"],
        vec!["case", "tag", "999", "Shipping"],
    ] {
        let r = sb.run(&args);
        let msg = r.error_message();
        assert_eq!(r.code, Some(1), "`{}` exits 1", r.cmdline);
        assert_eq!(
            msg, "case 999 not found",
            "`{}` names the unknown id",
            r.cmdline
        );
        assert!(r.stdout.is_empty(), "nothing on stdout on failure");
    }
    let r = sb.run(&["case", "show", "abc"]);
    let msg = r.error_message();
    assert_eq!(
        r.code,
        Some(2),
        "a non-numeric id is a usage error (exit 2)"
    );
    assert!(msg.contains("'abc'"), "the bad id is named: {msg}");
    assert_eq!(sb.fingerprint(), before, "failed commands change nothing");
}

#[test]
fn usage_errors_are_one_line_with_exit_2() {
    let sb = Sb::new();
    for (args, needle) in [
        (vec!["export"], "--format"),
        (vec!["import"], "<PATH>"),
        (vec!["case", "list", "--bogus"], "--bogus"),
        (vec!["case", "status", "1"], "<STATUS>"),
    ] {
        let r = sb.run(&args);
        let msg = r.error_message();
        assert_eq!(r.code, Some(2), "`{}` is a usage error", r.cmdline);
        assert!(
            msg.contains(needle),
            "`{}` names {needle}: {msg}",
            r.cmdline
        );
    }
    let help = sb.ok(&["--help"]);
    assert!(
        help.stdout.contains("Usage: switchboard"),
        "--help still prints help"
    );
}

// ---------------------------------------------------------------------------------------------
// status, notes
// ---------------------------------------------------------------------------------------------

#[test]
fn case_status_changes_status_and_a_bad_status_changes_nothing() {
    let (sb, _) = imported();
    let id = id_of(&sb.case_by_subject(PARCEL_SUBJECT));
    let ids = id.to_string();

    let r = sb.ok(&["case", "status", &ids, "open"]);
    assert_eq!(
        r.stdout,
        format!("Case #{id}: new → open\n"),
        "the change is confirmed with both statuses"
    );
    assert_eq!(status_of(&sb, id), "open", "and stored");
    let again = sb.ok(&["case", "status", &ids, "open"]);
    assert_eq!(
        again.stdout,
        format!("Case #{id} is already open\n"),
        "setting the same status is not an error"
    );

    let before = sb.fingerprint();
    let bad = sb.run(&["case", "status", &ids, "bogus"]);
    let msg = bad.error_message();
    assert_eq!(bad.code, Some(1), "a bad status exits 1");
    assert!(
        msg.contains("\"bogus\"") && msg.contains("new, open, waiting, snoozed, resolved"),
        "the error names the bad value and the valid ones: {msg}"
    );
    assert_eq!(
        status_of(&sb, id),
        "open",
        "the case is unchanged after a bad status"
    );
    assert_eq!(sb.fingerprint(), before, "no case changed");

    let back = sb.run(&["case", "status", &ids, "new"]);
    assert!(
        back.error_message().contains("back to new"),
        "a case cannot go back to new: {}",
        back.stderr
    );
    let snooze = sb.run(&["case", "status", &ids, "snoozed"]);
    assert!(
        snooze.error_message().contains("cannot snooze"),
        "snoozed needs --until or --until-reply: {}",
        snooze.stderr
    );
    assert_eq!(
        status_of(&sb, id),
        "open",
        "refused changes leave the status alone"
    );

    sb.ok(&["case", "status", &ids, "snoozed", "--until", "+3d"]);
    let c = sb.case(id);
    assert_eq!(c["status"], "snoozed", "--until snoozes");
    assert!(
        c["snoozed_until"].as_i64().unwrap() > c["created_at"].as_i64().unwrap(),
        "--until +3d sets a wake-up time in the future: {c:#}"
    );
    sb.ok(&["case", "status", &ids, "snoozed", "--until-reply"]);
    assert_eq!(
        sb.case(id)["snoozed_until"],
        Value::Null,
        "--until-reply has no time"
    );
    sb.ok(&["case", "status", &ids, "waiting"]);
    sb.ok(&["case", "status", &ids, "resolved"]);
    let c = sb.case(id);
    assert_eq!(c["status"], "resolved", "waiting → resolved");
    assert_eq!(
        c["snoozed_until"],
        Value::Null,
        "leaving snoozed clears the wake-up time"
    );
}

#[test]
fn case_note_adds_an_internal_note() {
    let (sb, _) = imported();
    let id = id_of(&sb.case_by_subject(PARCEL_SUBJECT));
    let r = sb.ok(&[
        "case",
        "note",
        &id.to_string(),
        "Called Alice, parcel is lost",
    ]);
    assert!(r.stdout.starts_with("Added note "), "{}", r.stdout);
    sb.ok(&["case", "note", &id.to_string(), "Second note"]);
    let c = sb.case(id);
    let notes = c["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2, "both notes are on the case: {c:#}");
    assert_eq!(
        notes[0]["body"], "Called Alice, parcel is lost",
        "notes are oldest first"
    );
    assert_eq!(
        notes[1]["body"], "Second note",
        "the later note comes second"
    );
    for n in notes {
        assert_type(n, "id", int, "an integer");
        assert_type(n, "created_at", int, "an integer");
        assert_eq!(n["author"], "user", "CLI notes are written by \"user\"");
    }
    assert_eq!(c["message_count"], 1, "a note is not a message");
    let human = sb.ok(&["case", "show", &id.to_string()]);
    assert!(
        human.stdout.contains("Called Alice, parcel is lost"),
        "{}",
        human.stdout
    );

    let empty = sb.run(&["case", "note", &id.to_string(), "   "]);
    assert!(
        empty.error_message().contains("empty note"),
        "{}",
        empty.stderr
    );
    assert_eq!(
        sb.case(id)["notes"].as_array().unwrap().len(),
        2,
        "the refused empty note was not added"
    );
}

// ---------------------------------------------------------------------------------------------
// root causes
// ---------------------------------------------------------------------------------------------

#[test]
fn rootcause_add_with_parent_list_json_and_tag() {
    let (sb, _) = imported();
    assert!(
        sb.ok(&["rootcause", "list"])
            .stdout
            .starts_with("No root causes yet.")
    );
    assert_eq!(
        sb.json(&["rootcause", "list", "--json"]),
        serde_json::json!([])
    );

    let r = sb.ok(&["rootcause", "add", "Shipping"]);
    assert!(
        r.stdout.starts_with("Added root cause Shipping (id "),
        "{}",
        r.stdout
    );
    let r = sb.ok(&["rootcause", "add", "Late delivery", "--parent", "Shipping"]);
    assert!(
        r.stdout
            .starts_with("Added root cause Shipping › Late delivery (id "),
        "{}",
        r.stdout
    );
    sb.ok(&["rootcause", "add", "Quality"]);

    let list = sb.json(&["rootcause", "list", "--json"]);
    let list = list.as_array().unwrap();
    let paths: Vec<&str> = list.iter().map(|r| r["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        ["Quality", "Shipping", "Shipping › Late delivery"],
        "parents by name, each followed by its children"
    );
    let shipping = &list[1];
    let late = &list[2];
    assert_eq!(
        late["name"], "Late delivery",
        "name is the child's own name, path the full one"
    );
    assert_eq!(
        late["parent_id"], shipping["id"],
        "the child points at its parent"
    );
    assert_eq!(
        shipping["parent_id"],
        Value::Null,
        "a top-level root cause has no parent"
    );
    for rc in list {
        assert_type(rc, "id", int, "an integer");
        assert_eq!(
            (
                &rc["status"],
                &rc["fixed_at"],
                &rc["fix_note"],
                &rc["archived"],
                &rc["case_count"],
                &rc["open_case_count"]
            ),
            (
                &Value::from("open"),
                &Value::Null,
                &Value::Null,
                &Value::from(false),
                &Value::from(0),
                &Value::from(0)
            ),
            "a new root cause is open, not fixed, not archived, and on no case: {rc:#}"
        );
    }

    for (args, needle) in [
        (
            vec!["rootcause", "add", "Late delivery", "--parent", "Shipping"],
            "already exists",
        ),
        (
            vec!["rootcause", "add", "Lost", "--parent", "Nope"],
            "\"Nope\" not found",
        ),
        (
            vec![
                "rootcause",
                "add",
                "Too deep",
                "--parent",
                "Shipping › Late delivery",
            ],
            "two levels",
        ),
        (vec!["rootcause", "add", "a/b"], "must not contain"),
    ] {
        let r = sb.run(&args);
        let msg = r.error_message();
        assert!(msg.contains(needle), "`{}`: {msg}", r.cmdline);
    }
    assert_eq!(
        sb.json(&["rootcause", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        3,
        "failed adds add nothing"
    );

    let parcel = id_of(&sb.case_by_subject(PARCEL_SUBJECT));
    let thread = id_of(&sb.case_by_subject(THREAD_SUBJECT));
    let r = sb.ok(&[
        "case",
        "tag",
        &parcel.to_string(),
        "Shipping › Late delivery",
    ]);
    assert_eq!(
        r.stdout,
        format!("Tagged case #{parcel} with Shipping › Late delivery\n")
    );
    let r = sb.ok(&["case", "tag", &parcel.to_string(), "late delivery"]);
    assert_eq!(
        r.stdout,
        format!("Case #{parcel} already has Shipping › Late delivery\n"),
        "a bare, case-insensitive name finds the child; tagging twice is not an error"
    );
    sb.ok(&["case", "tag", &thread.to_string(), "Quality"]);
    let bad = sb.run(&["case", "tag", &parcel.to_string(), "Weather"]);
    assert!(
        bad.error_message().contains("\"Weather\" not found"),
        "{}",
        bad.stderr
    );

    assert_eq!(
        sb.case(parcel)["root_causes"],
        serde_json::json!(["Shipping › Late delivery"]),
        "the case carries the root cause's path"
    );
    let by_path = |path: &str| -> Value {
        sb.json(&["rootcause", "list", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["path"] == path)
            .unwrap()
            .clone()
    };
    assert_eq!(
        by_path("Shipping › Late delivery")["case_count"],
        1,
        "the child counts its tagged case"
    );
    assert_eq!(
        by_path("Shipping")["case_count"],
        1,
        "a parent counts the cases of its children"
    );
    assert_eq!(
        by_path("Shipping")["open_case_count"],
        1,
        "which is not resolved"
    );
    let filtered = sb.json(&["case", "list", "--root-cause", "Shipping", "--json"]);
    assert_eq!(
        ids(filtered["cases"].as_array().unwrap()),
        [parcel],
        "--root-cause on a parent finds cases tagged with its child"
    );

    sb.ok(&["case", "status", &parcel.to_string(), "resolved"]);
    assert_eq!(
        by_path("Shipping › Late delivery")["open_case_count"],
        0,
        "open_case_count leaves out resolved cases"
    );
    let human = sb.ok(&["rootcause", "list"]);
    assert!(
        human.stdout.contains("  Late delivery"),
        "children are indented: {}",
        human.stdout
    );
}

#[test]
fn case_label_and_the_label_and_channel_filters() {
    let (sb, _) = imported();
    let refund = id_of(&sb.case_by_subject(REFUND_SUBJECT));
    let r = sb.ok(&["case", "label", &refund.to_string(), "VIP"]);
    assert_eq!(
        r.stdout,
        format!("Labelled case #{refund} VIP\n"),
        "a new label is created and put on the case"
    );
    let r = sb.ok(&["case", "label", &refund.to_string(), "vip"]);
    assert_eq!(
        r.stdout,
        format!("Case #{refund} already has label VIP\n"),
        "labels are matched case-insensitively"
    );
    assert_eq!(
        sb.case(refund)["labels"],
        serde_json::json!(["VIP"]),
        "the case carries the label once"
    );
    let v = sb.json(&["case", "list", "--label", "VIP", "--json"]);
    assert_eq!(
        ids(v["cases"].as_array().unwrap()),
        [refund],
        "--label filters"
    );
    assert_eq!(v["total"], 1, "total honours --label");
    let none = sb.run(&["case", "list", "--label", "Nope"]);
    assert!(
        none.error_message().contains("\"Nope\" not found"),
        "{}",
        none.stderr
    );

    let email = sb.json(&["case", "list", "--channel", "email", "--json"]);
    assert_eq!(
        email["total"], GOOD_CASES,
        "every imported case is on email"
    );
    let bsky = sb.json(&["case", "list", "--channel", "bluesky", "--json"]);
    assert_eq!(
        bsky,
        serde_json::json!({"cases": [], "total": 0}),
        "no case is on another channel"
    );
}

// ---------------------------------------------------------------------------------------------
// search
// ---------------------------------------------------------------------------------------------

#[test]
fn search_hits_carry_case_id_and_a_snippet_ranked_by_relevance() {
    let (sb, _) = imported();
    let dave = id_of(&sb.case_by_subject(MAILDIR_CUR_SUBJECT));
    let erin = id_of(&sb.case_by_subject(MAILDIR_NEW_SUBJECT));

    let v = sb.json(&["search", "warranty", "--json"]);
    assert_eq!(v["query"], "warranty", "the query is echoed");
    let hits = v["hits"].as_array().unwrap();
    for h in hits {
        for key in ["case_id", "message_id", "conversation_id", "sent_at"] {
            assert_type(h, key, int, "an integer");
        }
        assert_type(h, "channel", string, "a string");
        assert_type(h, "subject", string_or_null, "a string or null");
        assert_type(h, "author", string_or_null, "a string or null");
        assert_type(h, "snippet", string, "a string");
        assert!(h["score"].is_f64(), "score is a number: {h:#}");
        assert!(
            h["snippet"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("[warranty]"),
            "the snippet marks the match with [ ]: {h:#}"
        );
    }
    assert_eq!(
        hits.iter()
            .map(|h| h["case_id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [dave, erin],
        "each hit names its case; a subject match ranks above a body match"
    );
    let scores: Vec<f64> = hits.iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(scores[0] <= scores[1], "lower score is better: {scores:?}");

    let newest = sb.json(&["search", "warranty", "--newest", "--json"]);
    assert_eq!(
        newest["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["case_id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [erin, dave],
        "--newest orders by date, newest first"
    );
    let one = sb.json(&["search", "warranty", "--limit", "1", "--json"]);
    assert_eq!(
        one["hits"].as_array().unwrap().len(),
        1,
        "--limit caps the hits"
    );

    let first_hit_case = |q: &[&str]| -> i64 {
        let mut args = vec!["search"];
        args.extend(q);
        args.push("--json");
        let v = sb.json(&args);
        let hits = v["hits"].as_array().unwrap();
        assert!(!hits.is_empty(), "{q:?} finds something");
        hits[0]["case_id"].as_i64().unwrap()
    };
    assert_eq!(
        first_hit_case(&["Archer"]),
        id_of(&sb.case_by_subject(PARCEL_SUBJECT)),
        "participants' names are searchable"
    );
    assert_eq!(
        first_hit_case(&["smoothie"]),
        id_of(&sb.case_by_subject(HTML_SUBJECT)),
        "text of HTML-only mail is searchable"
    );
    assert_eq!(
        first_hit_case(&["KT-99812"]),
        id_of(&sb.case_by_subject(THREAD_SUBJECT)),
        "a reply deep in a thread leads to the thread's case"
    );
    assert_eq!(
        first_hit_case(&["refund", "order"]),
        id_of(&sb.case_by_subject(REFUND_SUBJECT)),
        "several words: all must match"
    );

    let human = sb.ok(&["search", "warranty"]);
    assert!(
        human.stdout.starts_with(&format!("case #{dave}")),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("[warranty]"), "{}", human.stdout);

    let none = sb.ok(&["search", "zeppelin"]);
    assert_eq!(
        none.stdout, "No matches for \"zeppelin\".\n",
        "no match is not an error"
    );
    assert_eq!(
        sb.json(&["search", "zeppelin", "--json"]),
        serde_json::json!({"query": "zeppelin", "hits": []})
    );
    let bad = sb.run(&["search", "!!!"]);
    assert!(bad.error_message().contains("no words"), "{}", bad.stderr);
}

// ---------------------------------------------------------------------------------------------
// export
// ---------------------------------------------------------------------------------------------

/// Adds a note (with a comma, to exercise CSV quoting) and a root cause to the parcel case.
fn annotate(sb: &Sb) -> i64 {
    let parcel = id_of(&sb.case_by_subject(PARCEL_SUBJECT));
    sb.ok(&[
        "case",
        "note",
        &parcel.to_string(),
        "Called Alice, parcel is lost",
    ]);
    sb.ok(&["rootcause", "add", "Shipping"]);
    sb.ok(&["rootcause", "add", "Late delivery", "--parent", "Shipping"]);
    sb.ok(&["case", "tag", &parcel.to_string(), "Late delivery"]);
    parcel
}

fn check_json_export(v: &Value, sb: &Sb, parcel: i64) {
    assert_eq!(
        (&v["format"], &v["version"]),
        (&Value::from("switchboard-export"), &Value::from(1)),
        "the export names its format and version"
    );
    assert_type(v, "exported_at", int, "an integer");
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), GOOD_CASES, "every case is exported");
    for c in cases {
        assert_case_shape(c);
        let messages = c["messages"].as_array().unwrap();
        assert_eq!(
            messages.len() as i64,
            c["message_count"].as_i64().unwrap(),
            "each case carries all its messages"
        );
        messages.iter().for_each(assert_message_shape);
        assert_eq!(
            c,
            &sb.case(id_of(c)),
            "an exported case is exactly what case show --json prints"
        );
    }
    let p = cases.iter().find(|c| c["id"] == parcel).unwrap();
    assert_eq!(
        p["notes"][0]["body"], "Called Alice, parcel is lost",
        "notes are exported"
    );
    assert_eq!(
        p["root_causes"],
        serde_json::json!(["Shipping › Late delivery"])
    );
}

#[test]
fn export_json_to_stdout_and_to_a_file() {
    let (sb, _) = imported();
    let parcel = annotate(&sb);

    let stdout = sb.ok(&["export", "--format", "json"]);
    assert!(
        stdout.stderr.is_empty(),
        "export to stdout writes nothing else: {}",
        stdout.stderr
    );
    check_json_export(&stdout.json(), &sb, parcel);

    let out = sb.path("exports/cases.json");
    let r = sb.ok(&["export", "--format", "JSON", "--out", s(&out)]);
    assert!(r.stdout.is_empty(), "with --out nothing goes to stdout");
    assert_eq!(
        r.stderr,
        format!(
            "Exported {GOOD_CASES} cases ({GOOD_MESSAGES} messages) to {}\n",
            s(&out)
        ),
        "a one-line confirmation on stderr"
    );
    let from_file: Value = serde_json::from_slice(&fs::read(&out).unwrap()).unwrap();
    check_json_export(&from_file, &sb, parcel);
    let leftovers: Vec<_> = fs::read_dir(out.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary file is left next to the export: {leftovers:?}"
    );
}

fn parse_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(bytes);
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

const CSV_COLUMNS: [&str; 23] = [
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

fn check_csv_export(bytes: &[u8], sb: &Sb, parcel: i64) {
    let (header, rows) = parse_csv(bytes);
    assert_eq!(
        header, CSV_COLUMNS,
        "the CSV header is the documented column list"
    );
    assert_eq!(rows.len(), GOOD_CASES, "one row per case");
    let col = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
    let cases = sb.cases();
    for (row, case) in rows.iter().zip(&cases) {
        assert_eq!(
            row[col("id")],
            id_of(case).to_string(),
            "rows are in case list order"
        );
        assert_eq!(
            (
                row[col("status")].as_str(),
                row[col("subject")].as_str(),
                row[col("message_count")].clone(),
                row[col("channels")].as_str()
            ),
            (
                case["status"].as_str().unwrap(),
                case["subject"].as_str().unwrap(),
                case["message_count"].to_string(),
                "email"
            ),
            "the CSV row says what case list --json says"
        );
        assert!(
            row[col("created_at")].ends_with('Z') && row[col("created_at")].len() == 20,
            "times are RFC 3339 UTC: {}",
            row[col("created_at")]
        );
    }
    let p = rows
        .iter()
        .find(|r| r[col("id")] == parcel.to_string())
        .unwrap();
    assert_eq!(
        (
            p[col("contact_name")].as_str(),
            p[col("contact_address")].as_str(),
            p[col("root_causes")].as_str()
        ),
        (
            "Alice Archer",
            "alice@example.com",
            "Shipping › Late delivery"
        ),
        "contact and root-cause path columns"
    );
    assert_eq!(
        p[col("notes")],
        "Called Alice, parcel is lost",
        "a comma inside a field survives CSV quoting"
    );
    assert_eq!(
        p[col("last_message_at")],
        "2024-03-01T09:00:00Z",
        "last_message_at is the mail's Date in RFC 3339 UTC"
    );
}

#[test]
fn export_csv_to_stdout_and_to_a_file() {
    let (sb, _) = imported();
    let parcel = annotate(&sb);

    let stdout = sb.ok(&["export", "--format", "csv"]);
    check_csv_export(stdout.stdout.as_bytes(), &sb, parcel);

    let out = sb.path("exports/cases.csv");
    let r = sb.ok(&["export", "--format", "csv", "--out", s(&out)]);
    assert!(r.stdout.is_empty(), "with --out nothing goes to stdout");
    check_csv_export(&fs::read(&out).unwrap(), &sb, parcel);

    let bad = sb.run(&["export", "--format", "xml"]);
    assert!(
        bad.error_message().contains("\"xml\""),
        "an unknown format is named: {}",
        bad.stderr
    );
    let nowhere = sb.root.path().join("no-such-dir/cases.csv");
    let r = sb.run(&["export", "--format", "csv", "--out", s(&nowhere)]);
    let msg = r.error_message();
    assert!(
        msg.contains(s(&nowhere)),
        "an unwritable --out is named as the user gave it: {msg}"
    );
    assert!(!nowhere.exists(), "a failed export leaves no file");
}

// ---------------------------------------------------------------------------------------------
// backup
// ---------------------------------------------------------------------------------------------

/// Opens a backup file as a workspace of its own: copies it to `<fresh dir>/switchboard.db`.
fn open_backup(backup: &Path) -> Sb {
    let restored = Sb::uninitialised();
    fs::create_dir_all(&restored.data).unwrap();
    fs::copy(backup, restored.data.join("switchboard.db")).unwrap();
    restored
}

/// `PRAGMA integrity_check`, `PRAGMA foreign_key_check` and the FTS5 index check on a copy.
fn assert_sqlite_consistent(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let integrity: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        integrity,
        ["ok"],
        "PRAGMA integrity_check on {}",
        db.display()
    );
    let fk_violations: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        fk_violations,
        0,
        "no dangling references in {}",
        db.display()
    );
    conn.execute(
        "INSERT INTO message_search(message_search, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .expect("the full-text index matches the stored bodies");
}

#[test]
fn backup_is_a_consistent_workspace_and_never_overwrites_a_file() {
    let (sb, _) = imported();
    let parcel = annotate(&sb);
    let backup = sb.path("backups/today.db");

    let r = sb.ok(&["backup", s(&backup)]);
    assert!(
        r.stdout
            .starts_with(&format!("Backed up to {} (", s(&backup))),
        "{}",
        r.stdout
    );
    let bytes = fs::read(&backup).unwrap();
    assert!(
        bytes.starts_with(b"SQLite format 3\0"),
        "the backup is a SQLite database"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&backup).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the backup is private like the database");
    }

    let restored = open_backup(&backup);
    assert_sqlite_consistent(&restored.data.join("switchboard.db"));
    assert_eq!(
        restored.fingerprint(),
        sb.fingerprint(),
        "the backup opened as a data dir lists the same cases"
    );
    assert_eq!(
        restored.case(parcel),
        sb.case(parcel),
        "with the same messages, notes and tags"
    );
    assert_eq!(
        restored.json(&["search", "KT-99812", "--json"])["hits"][0]["case_id"],
        sb.json(&["search", "KT-99812", "--json"])["hits"][0]["case_id"],
        "search works on the restored copy"
    );

    let again = sb.run(&["backup", s(&backup)]);
    let msg = again.error_message();
    assert!(
        msg.contains(s(&backup)) && msg.contains("already exists"),
        "backup refuses to overwrite and names the file: {msg}"
    );
    assert_eq!(
        fs::read(&backup).unwrap(),
        bytes,
        "the existing file is untouched"
    );
}

#[test]
fn backup_taken_while_another_process_imports_is_consistent() {
    let batch = switchboard_api::import::BATCH as i64;
    let mut n: usize = 6_000;
    for _attempt in 0..3 {
        let sb = Sb::new();
        let big = sb.path("in/big.mbox");
        write(&big, big_mbox(n));

        let mut import = sb.spawn(&["import", "--json", s(&big)]);
        // Bounded polling: wait until the importer has committed its first batch.
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let total = sb.json(&["case", "list", "--json", "--limit", "1"])["total"]
                .as_i64()
                .unwrap();
            if total > 0 || import.try_wait().unwrap().is_some() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the import committed nothing in 120 s"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let backup = sb.path("backups/mid-import.db");
        let b = sb.ok(&["backup", s(&backup)]);
        assert!(b.stderr.is_empty(), "{}", b.stderr);

        let out = import.wait_with_output().unwrap();
        let done = Run::from_output("switchboard import --json big.mbox".into(), out);
        assert!(
            done.success(),
            "the concurrent import still succeeds: {done:?}"
        );
        assert_eq!(done.json()["imported"], n, "and imports every message");

        let restored = open_backup(&backup);
        let db = restored.data.join("switchboard.db");
        assert_sqlite_consistent(&db);
        let conn = rusqlite::Connection::open(&db).unwrap();
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        let messages = count("SELECT count(*) FROM messages");
        assert_eq!(
            count("SELECT count(*) FROM message_bodies"),
            messages,
            "every message in the backup has its body"
        );
        assert_eq!(
            count("SELECT count(*) FROM case_conversations"),
            messages,
            "and every one-message conversation its case"
        );
        drop(conn);
        let in_backup = restored.json(&["case", "list", "--json", "--limit", "0"]);
        let total = in_backup["total"].as_i64().unwrap();
        assert_eq!(
            total, messages,
            "the CLI reads the backup: one case per message"
        );
        assert!(
            total > 0 && total % batch == 0,
            "the backup holds whole import transactions ({batch} messages each), never part of one: {total}"
        );
        if total < n as i64 {
            // The snapshot was taken mid-import: that is what this test is about.
            let hit = restored.json(&["search", "toast", "--limit", "1", "--json"]);
            assert_eq!(
                hit["hits"].as_array().unwrap().len(),
                1,
                "search works on the backup"
            );
            return;
        }
        // The import finished before the snapshot; try again with more to import.
        n *= 2;
    }
    panic!("the import always finished before the backup; could not test a backup mid-import");
}

// ---------------------------------------------------------------------------------------------
// progress bar
// ---------------------------------------------------------------------------------------------

#[test]
fn the_progress_bar_shows_on_a_terminal_only() {
    let sb = Sb::new();
    let big = sb.path("in/bulk.mbox");
    write(&big, big_mbox(1_500));

    let plain = sb.ok(&["import", s(&big)]);
    assert!(
        plain.stderr.is_empty(),
        "off a terminal, import draws no progress bar: {:?}",
        plain.stderr
    );
    assert!(
        plain.stdout.starts_with("Imported 1500 messages"),
        "{}",
        plain.stdout
    );

    // On a pseudo-terminal (util-linux `script`), the bar is drawn on stderr.
    let has_script = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_script {
        // A test's own note to the person running it, not the binary's output.
        #[allow(clippy::disallowed_macros)]
        {
            eprintln!(
                "NOTE: `script` (util-linux) not found; the on-terminal half of this test is skipped"
            );
        }
        return;
    }
    let other = Sb::new();
    let shell = format!(
        "'{BIN}' --data-dir '{}' import '{}'",
        s(&other.data),
        s(&big)
    );
    let env = base_command(other.root.path());
    let mut c = Command::new("script");
    for (k, v) in env.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c.args(["-qec", &shell, "/dev/null"]).stdin(Stdio::null());
    let tty = run_command(c, &["(on a pty) import"]);
    assert!(tty.success(), "{tty:?}");
    assert!(
        tty.stdout
            .contains("imported, 0 duplicates, 0 not mail, 0 failed")
            && tty.stdout.contains('%'),
        "on a terminal the bar shows percent and running counts: {:?}",
        tty.stdout
    );
    assert!(
        tty.stdout.contains("Imported 1500 messages"),
        "and the summary follows"
    );
}

#[test]
fn a_reader_closing_the_pipe_early_is_not_an_error() {
    use std::io::{BufRead, BufReader};
    let sb = Sb::new();
    let big = sb.path("in/bulk.mbox");
    write(&big, big_mbox(1_500));
    sb.ok(&["import", s(&big)]);

    // 1,500 rows are far more than a pipe buffer holds, so the CLI is still writing when the
    // reader goes away (like `switchboard case list --limit 0 | head -1`).
    for args in [
        vec!["case", "list", "--limit", "0"],
        vec!["case", "list", "--limit", "0", "--json"],
    ] {
        let mut child = sb.spawn(&args);
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty(), "the command started writing");
        // The reader (and the pipe) is dropped here.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "`{}` piped into a reader that stops early exits 0 quietly, got {:?}: {stderr}",
            args.join(" "),
            out.status
        );
    }
}

// ---------------------------------------------------------------------------------------------
// docs/cli.md stays in step with the binary
// ---------------------------------------------------------------------------------------------

/// The first-column names of the `n`-th table under the `### heading` of docs/cli.md.
fn documented_fields(heading: &str, n: usize) -> BTreeSet<String> {
    let doc = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli.md"))
        .expect("docs/cli.md exists");
    let section: Vec<&str> = doc
        .lines()
        .skip_while(|l| *l != format!("### {heading}"))
        .skip(1)
        .take_while(|l| !l.starts_with("### "))
        .collect();
    assert!(
        !section.is_empty(),
        "docs/cli.md has a section ### {heading}"
    );
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
    let table = tables
        .get(n)
        .unwrap_or_else(|| panic!("### {heading} has a table number {n}"));
    table
        .iter()
        .skip(2) // header and separator rows
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
    v.as_object()
        .unwrap_or_else(|| panic!("an object: {v:#}"))
        .keys()
        .cloned()
        .collect()
}

#[test]
fn docs_cli_md_documents_exactly_the_json_fields_the_binary_prints() {
    let (sb, corpus) = imported();
    let parcel = annotate(&sb);

    let list = sb.json(&["case", "list", "--json"]);
    assert_eq!(
        keys(&list),
        documented_fields("case list JSON", 0),
        "case list JSON"
    );
    let case = &list["cases"][0];
    assert_eq!(keys(case), documented_fields("Case", 0), "Case fields");
    assert_eq!(
        keys(&case["contact"]),
        documented_fields("Contact", 0),
        "Contact fields"
    );

    let shown = sb.case(parcel);
    let mut expected = documented_fields("Case", 0);
    expected.extend(documented_fields("case show JSON", 0));
    assert_eq!(
        keys(&shown),
        expected,
        "case show JSON = Case fields + messages + notes"
    );
    assert_eq!(
        keys(&shown["messages"][0]),
        documented_fields("Message", 0),
        "Message fields"
    );
    assert_eq!(
        keys(&shown["notes"][0]),
        documented_fields("Note", 0),
        "Note fields"
    );

    let search = sb.json(&["search", "parcel", "--json"]);
    assert_eq!(
        keys(&search),
        documented_fields("search JSON", 0),
        "search JSON"
    );
    assert_eq!(
        keys(&search["hits"][0]),
        documented_fields("search JSON", 1),
        "search hit fields"
    );

    let rc = sb.json(&["rootcause", "list", "--json"]);
    assert_eq!(
        keys(&rc[0]),
        documented_fields("rootcause list JSON", 0),
        "root cause fields"
    );

    let import = sb.json(&["import", "--json", s(&corpus.parcel_eml)]);
    assert_eq!(
        keys(&import),
        documented_fields("import JSON", 0),
        "import JSON"
    );

    let export = sb.ok(&["export", "--format", "json"]).json();
    assert_eq!(
        keys(&export),
        documented_fields("export JSON", 0),
        "export JSON"
    );

    let csv = sb.ok(&["export", "--format", "csv"]);
    let (header, _) = parse_csv(csv.stdout.as_bytes());
    assert_eq!(
        header.into_iter().collect::<BTreeSet<_>>(),
        documented_fields("export CSV", 0),
        "export CSV columns"
    );
}

#[test]
fn reports_and_captured_facts_through_the_cli() {
    let (sb, _) = imported();
    let cases = sb.cases();
    let mut all_ids: Vec<i64> = cases.iter().map(id_of).collect();
    all_ids.sort_unstable();
    let first = all_ids[0];

    // Channel reason and repeat are visible in case show, text and JSON, and filter case list.
    let shown = sb.json(&["case", "show", &first.to_string(), "--json"]);
    assert!(
        shown["channel_reason"].is_null(),
        "not asked yet: {shown:#}"
    );
    assert_eq!(shown["repeat"], false);
    sb.ok(&[
        "case",
        "reason",
        &first.to_string(),
        "phone_tree",
        "--text",
        "on hold 40 min",
    ]);
    let text = sb.ok(&["case", "show", &first.to_string()]).stdout;
    assert!(
        text.contains("Channel reason: phone_tree: on hold 40 min"),
        "{text}"
    );
    assert!(text.contains("Repeat contact: no"), "{text}");
    let by_reason = sb.json(&["case", "list", "--reason", "phone_tree", "--json"]);
    assert_eq!(by_reason["total"], 1, "only the case with that reason");
    assert_eq!(
        by_reason["cases"][0]["channel_reason"],
        "phone_tree: on hold 40 min"
    );
    let repeats = cases.iter().filter(|c| c["repeat"] == true).count();
    let by_repeat = sb.json(&["case", "list", "--repeat", "--json"]);
    assert_eq!(
        by_repeat["total"], repeats as i64,
        "--repeat lists the repeat contacts"
    );

    // Channels: every imported case began by email; each is behind the email row.
    let ch = sb.json(&[
        "report",
        "channels",
        "--from",
        "2020-01-01",
        "--to",
        "2029-12-31",
        "--json",
    ]);
    assert_eq!(ch["channels"][0]["channel"], "email", "{ch:#}");
    let mut ids: Vec<i64> = ch["channels"][0]["identified"]["case_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, all_ids, "the drill-down ids are exactly the cases");
    let reasons = &ch["channels"][0]["reasons"];
    assert_eq!(reasons[0]["reason"], "phone_tree");
    assert_eq!(reasons[0]["case_ids"][0], first);

    let cu = sb.json(&[
        "report",
        "customers",
        "--from",
        "2020-01-01",
        "--to",
        "2029-12-31",
        "--json",
    ]);
    assert_eq!(cu["cases"]["count"], GOOD_CASES as i64);

    // Root-cause trends as CSV; a bad bucket is a clear error.
    sb.ok(&["rootcause", "add", "Shipping"]);
    sb.ok(&["case", "tag", &first.to_string(), "Shipping"]);
    let csv = sb
        .ok(&[
            "report",
            "rootcauses",
            "--from",
            "2020-01-01",
            "--to",
            "2029-12-31",
            "--csv",
        ])
        .stdout;
    assert!(
        csv.starts_with("root_cause,period_start,period_end,cases,email,case_ids"),
        "{csv}"
    );
    let bad = sb.fail(&["report", "rootcauses", "--by", "month"]);
    assert!(
        bad.error_message().contains("use day or week"),
        "{}",
        bad.error_message()
    );
    let bad = sb.fail(&["report", "channels", "--from", "March"]);
    assert!(
        bad.error_message().contains("YYYY-MM-DD"),
        "{}",
        bad.error_message()
    );

    // Did the fix work: refused before the fix is marked; with a fix date long after every
    // case, nothing came before or after: too early to say.
    let unfixed = sb.fail(&["report", "fix", "Shipping"]);
    assert!(unfixed.error_message().contains("not marked fixed"));
    let set = sb
        .ok(&[
            "rootcause",
            "status",
            "Shipping",
            "fixed",
            "--on",
            "2025-06-01",
        ])
        .stdout;
    assert!(set.contains("fixed on"), "{set}");
    let listed = sb.json(&["rootcause", "list", "--json"]);
    assert_eq!(
        listed[0]["fixed_at"], 1_748_736_000_000_i64,
        "the start of 2025-06-01 in the workspace time zone (UTC by default)"
    );
    let fix = sb.json(&["report", "fix", "Shipping", "--weeks", "2", "--json"]);
    assert_eq!(fix["before"]["weeks"], 2.0);
    assert_eq!(fix["verdict"], "too_early", "{fix:#}");
    assert!(fix["case_ids_after"].as_array().unwrap().is_empty());
}

/// RFC 2047 encoded-word, so a header can carry any character a sender chooses.
fn encoded_word(text: &str) -> String {
    format!("=?utf-8?b?{}?=", base64(text.as_bytes()))
}

/// Characters that make a terminal do something instead of showing something.
const TERMINAL_CONTROLS: [char; 6] = ['\u{1b}', '\u{7}', '\r', '\u{9b}', '\u{202e}', '\u{8}'];

fn assert_inert(cmdline: &str, stdout: &str) {
    for c in TERMINAL_CONTROLS {
        assert!(
            !stdout.contains(c),
            "`{cmdline}` printed the terminal control {c:?} raw:\n{stdout:?}"
        );
    }
}

#[test]
fn a_strangers_terminal_escapes_are_shown_not_obeyed_in_every_human_readable_view() {
    let sb = Sb::new();
    let name = "Mallory \u{1b}]0;pwned\u{7} Evil";
    // (A CR in a header is unfolded to a space on import; the body below carries one.)
    let subject = "Refund\u{1b}[2J\u{1b}[2K Case #1 resolved \u{202e}gnp.exe\u{9b}31m";
    let body = "Hello \u{1b}]0;owned\u{7} there\nfake\u{1b}[2K\rline\u{8}\u{8} refund";
    let mut mail = Mail::text(
        &format!("{} <mallory@evil.example>", encoded_word(name)),
        &encoded_word(subject),
        Some("hostile-1@evil.example"),
        "Mon, 04 Mar 2024 10:00:00 +0000",
        "",
    );
    mail.content = format!(
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n{}\n",
        base64(body.as_bytes())
    );
    write(&sb.path("in/hostile.eml"), mail.raw());
    sb.ok(&["import", s(&sb.path("in/hostile.eml"))]);

    let case = &sb.cases()[0];
    let id = id_of(case).to_string();
    let contact = case["contact"]["id"].as_i64().unwrap().to_string();
    assert_eq!(
        case["subject"], subject,
        "the stored subject is the sender's, unchanged"
    );
    for args in [
        vec!["case", "list"],
        vec!["case", "show", &id],
        vec!["case", "timeline", &id],
        vec!["search", "refund"],
        vec!["contact", "show", &contact],
    ] {
        let out = sb.ok(&args);
        let cmdline = args.join(" ");
        assert_inert(&cmdline, &out.stdout);
        assert!(
            out.stdout.contains("\\u{1b}"),
            "`{cmdline}` shows where the escape was: {}",
            out.stdout
        );
    }
    let show = sb.ok(&["case", "show", &id]).stdout;
    assert!(
        show.contains("Refund\\u{1b}[2J\\u{1b}[2K Case #1 resolved \\u{202e}gnp.exe\\u{9b}31m"),
        "the subject reads as written, each control as a visible escape, on one line: {show}"
    );
    assert!(
        show.contains("  fake\\u{1b}[2K\n  line\\u{8}\\u{8} refund"),
        "a body keeps its own lines (import turned the lone CR into one), each indented: {show}"
    );

    // JSON: the same values, escaped so the raw bytes are inert too.
    for args in [
        vec!["case", "list", "--json"],
        vec!["case", "show", &id, "--json"],
        vec!["search", "refund", "--json"],
    ] {
        let out = sb.ok(&args);
        assert_inert(&args.join(" "), &out.stdout);
        out.json();
    }
    let shown = sb.json(&["case", "show", &id, "--json"]);
    assert_eq!(shown["subject"], subject, "JSON keeps the value exactly");
    assert_eq!(shown["messages"][0]["author"]["name"], name);
    assert_eq!(
        shown["messages"][0]["text"].as_str().unwrap().trim_end(),
        body.replace('\r', "\n")
    );
}

#[test]
fn search_finds_notes_marked_as_notes_and_to_means_the_recipients() {
    let (sb, _) = imported();
    let id = id_of(&sb.case_by_subject(PARCEL_SUBJECT));
    sb.ok(&[
        "case",
        "note",
        &id.to_string(),
        "Courier says: depot in Leeds (claim #77).",
    ]);
    let human = sb.ok(&["search", "courier"]).stdout;
    assert!(
        human.contains(&format!("case #{id}")) && human.contains("✎ note"),
        "the hit says it is a note: {human}"
    );
    assert!(
        human.contains("[Courier] says: depot in Leeds (claim #77)."),
        "the snippet keeps the punctuation: {human}"
    );
    let v = sb.json(&["search", "courier", "--json"]);
    let hit = &v["hits"][0];
    assert_eq!(hit["kind"], "note");
    assert_eq!(hit["case_id"], id);
    assert!(
        hit["message_id"].is_null() && hit["note_id"].is_i64(),
        "{hit:#}"
    );

    // The shop wrote one reply and received the rest: from: and to: tell them apart.
    let authors = |q: &str| -> Vec<String> {
        sb.json(&["search", q, "--json", "--limit", "100"])["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["author"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let from = authors("from:support");
    assert!(
        !from.is_empty() && from.iter().all(|a| a == "Shop Support"),
        "{from:?}"
    );
    let to = authors("to:support");
    assert!(
        !to.is_empty() && to.iter().all(|a| a != "Shop Support"),
        "{to:?}"
    );
}

#[test]
fn an_overlong_search_is_a_one_line_error_naming_the_limit() {
    let (sb, _) = imported();
    // 140 kB in 20,000 words (one argument may be at most 128 kB on Linux).
    let mut args = vec!["search"];
    args.extend(std::iter::repeat_n("parcel", 20_000));
    let err = sb.fail(&args).error_message().to_string();
    assert!(
        err.contains("characters long; the limit is 1000 characters"),
        "{}",
        &err[..err.len().min(300)]
    );
    assert!(
        err.len() < 200,
        "the query is not echoed back: {} bytes",
        err.len()
    );
}

#[test]
fn contact_suggest_shows_both_sides_and_catches_the_same_surname_with_a_similar_address() {
    let sb = Sb::new();
    let mails = [
        Mail::text(
            "Margaret Dunn <mdunn@example.com>",
            "Wobbly table",
            Some("dunn-1@example.com"),
            "Mon, 04 Mar 2024 10:00:00 +0000",
            "The table wobbles.",
        ),
        Mail::text(
            "Maggie Dunn <maggie.dunn@mail.example>",
            "Table again",
            Some("dunn-2@mail.example"),
            "Tue, 05 Mar 2024 10:00:00 +0000",
            "Still wobbly.",
        ),
        Mail::text(
            "Paul Dunn <pdunn@example.com>",
            "Chairs",
            Some("dunn-3@example.com"),
            "Wed, 06 Mar 2024 10:00:00 +0000",
            "Four chairs please.",
        ),
    ];
    write(&sb.path("in/dunn.mbox"), mbox(&mails));
    sb.ok(&["import", s(&sb.path("in/dunn.mbox"))]);
    let out = sb.ok(&["contact", "suggest"]).stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "one suggestion and its two sides: {out}");
    assert!(
        lines[0].contains("same surname, similar address")
            && lines[0].contains("both addresses read as \"M. Dunn\""),
        "{out}"
    );
    assert!(
        lines[1].ends_with("Margaret Dunn: email mdunn@example.com"),
        "{out}"
    );
    assert!(
        lines[2].ends_with("Maggie Dunn: email maggie.dunn@mail.example"),
        "{out}"
    );
    assert!(
        !out.contains("Paul"),
        "a shared surname alone is no match: {out}"
    );
}
