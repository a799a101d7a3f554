//! `switchboard reply` and `switchboard outbox`, black box.
//!
//! The crash tests kill `switchboard outbox flush` at the worst moments (debug builds honour
//! `SWITCHBOARD_TEST_CRASH_AFTER`) against the real loopback mail servers, and prove the rule of
//! docs/outbox.md: a reply is never sent twice and never silently lost.

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use support::{Mail, Sb, s, write};
use switchboard_api::account::{AddImapParams, account_add_imap};
use switchboard_api::{Ctx, SystemClock};
use switchboard_channels::account::Security;
use switchboard_channels::secrets::Secret;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: start the mail test servers with \
             `eval \"$(bash tests/servers/mail.sh up)\"` (scripts/test.sh does this)"
        )
    })
}

fn new_user(tag: &str) -> (String, String) {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "t_{tag}_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let pass = format!("pw{nanos}");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/servers/mail.sh");
    let out = Command::new("bash")
        .arg(script)
        .args(["add-user", &name, &pass])
        .env("SERVERS_DIR", env("SB_TEST_SERVERS_DIR"))
        .output()
        .expect("run mail.sh add-user");
    assert!(
        out.status.success(),
        "mail.sh add-user failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (name, pass)
}

fn maildir_hits(dir: &std::path::Path, needle: &str) -> usize {
    ["new", "cur"]
        .iter()
        .filter_map(|sub| std::fs::read_dir(dir.join(sub)).ok())
        .flat_map(|rd| rd.flatten())
        .filter(|e| {
            std::fs::read(e.path())
                .map(|b| String::from_utf8_lossy(&b).contains(needle))
                .unwrap_or(false)
        })
        .count()
}

fn sink_copies(msgid: &str) -> usize {
    maildir_hits(
        &PathBuf::from(env("SB_TEST_SINK_MAILDIR")),
        &format!("Message-ID: <{msgid}>"),
    )
}

fn sent_copies(user: &str, msgid: &str) -> usize {
    maildir_hits(
        &PathBuf::from(env("SB_TEST_SERVERS_DIR"))
            .join(format!("dovecot/mail/{user}/Maildir/.Sent")),
        &format!("Message-ID: <{msgid}>"),
    )
}

/// An initialised workspace with an imported customer email (in the archive account) and a
/// real mail account, whose name (unique per test: the keychain is shared) is returned.
fn setup(tag: &str) -> (Sb, String, String, i64) {
    let sb = Sb::new();
    let (shop, pass) = new_user(tag);
    let (cust, _) = new_user(&format!("{tag}c"));
    {
        let ctx = Ctx::open(&sb.data, Arc::new(SystemClock)).expect("open workspace");
        account_add_imap(
            &ctx,
            AddImapParams {
                name: shop.clone(),
                email: format!("{shop}@localhost"),
                display_name: None,
                imap_host: "127.0.0.1".into(),
                imap_port: env("SB_TEST_IMAPS_PORT").parse().expect("port"),
                imap_security: Security::Tls,
                smtp_host: "127.0.0.1".into(),
                smtp_port: env("SB_TEST_SUBMISSION_PORT").parse().expect("port"),
                smtp_security: Security::Starttls,
                username: shop.clone(),
                password: Secret::new(pass),
                ca_file: Some(PathBuf::from(env("SB_TEST_CA_FILE"))),
                extra_folders: vec![],
            },
        )
        .expect("add account (needs the OS keychain: run through scripts/with-keyring.sh)");
    }
    let mail = Mail::text(
        &format!("Ann <{cust}@localhost>"),
        "Parcel never arrived",
        Some(&format!("q.{shop}@customer.test")),
        "Mon, 02 Mar 2026 10:00:00 +0000",
        "Where is my parcel?",
    );
    let eml = sb.path("in/q.eml");
    write(&eml, mail.raw());
    sb.ok(&["import", s(&eml)]);
    let case_id = sb.case_by_subject("Parcel never arrived")["id"]
        .as_i64()
        .expect("case id");
    (sb, shop, cust, case_id)
}

fn reply(sb: &Sb, case_id: i64, account: &str) -> (i64, String) {
    let r = sb.json(&[
        "reply",
        &case_id.to_string(),
        "A new parcel left today.",
        "--account",
        account,
        "--json",
    ]);
    (
        r["outbox_id"].as_i64().expect("outbox id"),
        r["external_id"].as_str().expect("message id").to_string(),
    )
}

fn outbox_item(sb: &Sb, id: i64) -> serde_json::Value {
    let list = sb.json(&["outbox", "list", "--all", "--json"]);
    list.as_array()
        .expect("array")
        .iter()
        .find(|e| e["id"] == id)
        .cloned()
        .expect("item listed")
}

#[test]
fn a_reply_to_imported_mail_needs_an_account_that_can_send() {
    let sb = Sb::new();
    let mail = Mail::text(
        "Ann <ann@customer.example>",
        "Broken lid",
        Some("lid@customer.example"),
        "Mon, 02 Mar 2026 10:00:00 +0000",
        "The lid is broken.",
    );
    let eml = sb.path("in/lid.eml");
    write(&eml, mail.raw());
    sb.ok(&["import", s(&eml)]);
    let id = sb.case_by_subject("Broken lid")["id"].as_i64().expect("id");
    let r = sb.fail(&["reply", &id.to_string(), "Sorry!"]);
    let msg = r.error_message();
    assert!(
        msg.contains("cannot send") && msg.contains("--account"),
        "{msg}"
    );
    let r = sb.fail(&["reply", &id.to_string(), "Sorry!", "--account", "nope"]);
    assert!(
        r.error_message().contains("no account named \"nope\""),
        "{}",
        r.stderr
    );
    let r = sb.fail(&["reply", &id.to_string(), "  "]);
    assert!(r.error_message().contains("empty"), "{}", r.stderr);
    assert_eq!(
        sb.ok(&["outbox", "list"]).stdout.trim(),
        "The outbox is empty."
    );
    assert_eq!(
        sb.ok(&["outbox", "flush"]).stdout.trim(),
        "Nothing to send."
    );
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn a_crash_after_smtp_accepts_leaves_one_copy_and_an_unknown_item_for_the_user() {
    let (sb, shop, _cust, case_id) = setup("ob_crash1");
    let (id, msgid) = reply(&sb, case_id, &shop);
    let case = sb.case(case_id);
    assert_eq!(case["status"], "waiting", "the reply counts at once");

    // Killed right after the server accepted, before anything was recorded.
    let mut c = sb.command();
    c.args(["outbox", "flush"])
        .env("SWITCHBOARD_TEST_CRASH_AFTER", "smtp");
    let out = c.output().expect("run flush");
    assert!(!out.status.success(), "the hook aborts the process");
    assert_eq!(sink_copies(&msgid), 1, "the server got it once");

    // The next flush must not resend: the item is in `sending`, becomes unknown, and the
    // Sent folder (which never got the copy) cannot confirm it.
    let report = sb.json(&["outbox", "flush", "--json"]);
    assert_eq!(report["sent"].as_array().map(Vec::len), Some(0), "{report}");
    assert_eq!(report["unknown"][0]["id"], id, "{report}");
    assert_eq!(sink_copies(&msgid), 1, "never sent twice");
    let item = outbox_item(&sb, id);
    assert_eq!(item["state"], "unknown");
    assert!(
        item["hint"]
            .as_str()
            .unwrap_or_default()
            .contains("may or may not have been sent"),
        "{item}"
    );
    let listed = sb.ok(&["outbox", "list"]).stdout;
    assert!(listed.contains(&format!("outbox retry {id}")), "{listed}");

    // Flushing again changes nothing; the user decides.
    sb.ok(&["outbox", "flush"]);
    assert_eq!(sink_copies(&msgid), 1);
    assert_eq!(outbox_item(&sb, id)["state"], "unknown");

    sb.ok(&["outbox", "discard", &id.to_string()]);
    let item = outbox_item(&sb, id);
    assert_eq!(
        (item["state"].as_str(), item["discarded"].as_bool()),
        (Some("failed"), Some(true))
    );
    let msgs = sb.case(case_id)["messages"]
        .as_array()
        .expect("messages")
        .clone();
    assert!(
        msgs.iter().any(|m| m["external_id"] == msgid.as_str()),
        "a discarded reply stays on the timeline"
    );
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn a_crash_after_recording_acceptance_only_saves_the_copy_and_never_resends() {
    let (sb, shop, _cust, case_id) = setup("ob_crash2");
    let (id, msgid) = reply(&sb, case_id, &shop);
    let mut c = sb.command();
    c.args(["outbox", "flush"])
        .env("SWITCHBOARD_TEST_CRASH_AFTER", "accepted");
    assert!(!c.output().expect("run flush").status.success());
    assert_eq!(sink_copies(&msgid), 1);
    assert_eq!(
        sent_copies(&shop, &msgid),
        0,
        "crashed before the Sent copy"
    );

    let report = sb.json(&["outbox", "flush", "--json"]);
    assert_eq!(report["reconciled"][0], id, "{report}");
    assert_eq!(outbox_item(&sb, id)["state"], "sent");
    assert_eq!(sink_copies(&msgid), 1, "not resent");
    assert_eq!(sent_copies(&shop, &msgid), 1, "the Sent copy was made up");
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn a_crash_after_the_sent_copy_is_found_in_sent_and_marked_sent() {
    let (sb, shop, _cust, case_id) = setup("ob_crash3");
    let (id, msgid) = reply(&sb, case_id, &shop);
    let mut c = sb.command();
    c.args(["outbox", "flush"])
        .env("SWITCHBOARD_TEST_CRASH_AFTER", "append");
    assert!(!c.output().expect("run flush").status.success());
    assert_eq!(sent_copies(&shop, &msgid), 1);

    let report = sb.json(&["outbox", "flush", "--json"]);
    assert_eq!(report["reconciled"][0], id, "{report}");
    assert_eq!(outbox_item(&sb, id)["state"], "sent");
    assert_eq!(sink_copies(&msgid), 1, "not resent");
    assert_eq!(sent_copies(&shop, &msgid), 1, "not saved twice");
}

#[test]
#[ignore = "needs the mail test servers (scripts/test.sh starts them)"]
fn a_crash_right_after_the_claim_is_reconciled_from_the_sent_folder() {
    // Claimed, then killed before any byte went out: Sent has nothing, so the item is
    // unknown; the user's retry sends it exactly once.
    let (sb, shop, _cust, case_id) = setup("ob_crash4");
    let (id, msgid) = reply(&sb, case_id, &shop);
    let mut c = sb.command();
    c.args(["outbox", "flush"])
        .env("SWITCHBOARD_TEST_CRASH_AFTER", "claim");
    assert!(!c.output().expect("run flush").status.success());
    sb.ok(&["outbox", "flush"]);
    assert_eq!(outbox_item(&sb, id)["state"], "unknown");
    assert_eq!(sink_copies(&msgid), 0);
    sb.ok(&["outbox", "retry", &id.to_string()]);
    sb.ok(&["outbox", "flush"]);
    assert_eq!(outbox_item(&sb, id)["state"], "sent");
    assert_eq!(sink_copies(&msgid), 1);
    assert_eq!(sent_copies(&shop, &msgid), 1);
}
