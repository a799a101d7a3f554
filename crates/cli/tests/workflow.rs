//! Case workflow commands, black box: `rootcause status|rename|move|merge|archive`,
//! `settings`, `followup`, `case snooze|offline|log-call|reason|priority`, `template`.

mod support;

use serde_json::Value;
use support::{Mail, Sb, s, write};

/// A workspace with one imported email case from Alice; returns it and the case id.
fn alice() -> (Sb, i64) {
    let sb = Sb::new();
    let path = sb.path("in/alice.eml");
    write(
        &path,
        Mail::text(
            "Alice Smith <alice@example.com>",
            "Parcel late",
            Some("a1@example.com"),
            "Mon, 23 Nov 2026 10:00:00 +0000",
            "Where is my parcel?",
        )
        .raw(),
    );
    sb.ok(&["import", s(&path)]);
    let id = sb.case_by_subject("Parcel late")["id"].as_i64().unwrap();
    (sb, id)
}

fn db(sb: &Sb) -> rusqlite::Connection {
    rusqlite::Connection::open(sb.data.join("switchboard.db")).unwrap()
}

fn status(sb: &Sb, id: i64) -> String {
    sb.case(id)["status"].as_str().unwrap().to_string()
}

#[test]
fn rootcause_status_lifecycle_and_taxonomy_upkeep() {
    let (sb, id) = alice();
    sb.ok(&["rootcause", "add", "Shipping"]);
    sb.ok(&["rootcause", "add", "Late", "--parent", "Shipping"]);
    sb.ok(&["rootcause", "add", "Delayed", "--parent", "Shipping"]);
    sb.ok(&["case", "tag", &id.to_string(), "Shipping › Delayed"]);

    let out = sb.ok(&["rootcause", "status", "Shipping › Late", "fixing"]);
    assert_eq!(out.stdout.trim(), "Shipping › Late: open → fixing");
    let out = sb.ok(&[
        "rootcause",
        "status",
        "Shipping › Late",
        "fixed",
        "--note",
        "new carrier",
    ]);
    assert!(
        out.stdout.contains("fixing → fixed on") && out.stdout.contains("(new carrier)"),
        "{}",
        out.stdout
    );
    let list = sb.json(&["rootcause", "list", "--json"]);
    let late = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "Shipping › Late")
        .unwrap();
    assert_eq!(late["status"], "fixed");
    assert_eq!(late["fix_note"], "new carrier");
    assert!(late["fixed_at"].as_i64().is_some());
    assert_eq!(late["cases_before_fix"], 0);

    let m = sb
        .fail(&["rootcause", "status", "Late", "done"])
        .error_message()
        .to_string();
    assert!(m.contains("open, fixing or fixed"), "{m}");

    let out = sb.ok(&[
        "rootcause",
        "merge",
        "Shipping › Delayed",
        "--into",
        "Shipping › Late",
    ]);
    assert!(out.stdout.contains("1 case re-tagged"), "{}", out.stdout);
    assert_eq!(sb.case(id)["root_causes"][0], "Shipping › Late");

    sb.ok(&["rootcause", "rename", "Shipping › Late", "Late delivery"]);
    sb.ok(&["rootcause", "add", "Billing"]);
    let m = sb
        .fail(&[
            "rootcause",
            "move",
            "Billing",
            "--parent",
            "Shipping › Late delivery",
        ])
        .error_message()
        .to_string();
    assert!(m.contains("two levels"), "{m}");
    let m = sb
        .fail(&["rootcause", "move", "Billing"])
        .error_message()
        .to_string();
    assert!(m.contains("--parent PARENT or --top"), "{m}");
    let out = sb.ok(&["rootcause", "move", "Late delivery", "--top"]);
    assert_eq!(out.stdout.trim(), "Moved to Late delivery");
    sb.ok(&["rootcause", "archive", "Billing"]);
    let list = sb.json(&["rootcause", "list", "--json"]);
    let billing = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "Billing")
        .unwrap();
    assert_eq!(billing["archived"], true);
    assert_eq!(sb.case(id)["root_causes"][0], "Late delivery");
}

#[test]
fn require_root_cause_setting_blocks_resolve_until_tagged() {
    let (sb, id) = alice();
    let out = sb.ok(&["settings", "get"]);
    assert!(
        out.stdout.contains("require_root_cause   false (default)"),
        "{}",
        out.stdout
    );
    sb.ok(&["settings", "set", "require_root_cause", "true"]);
    let v = sb.json(&["settings", "get", "require_root_cause", "--json"]);
    assert_eq!(v["settings"][0]["value"], "true");

    let m = sb
        .fail(&["case", "status", &id.to_string(), "resolved"])
        .error_message()
        .to_string();
    assert!(m.contains("a root cause is required to resolve"), "{m}");
    assert_eq!(status(&sb, id), "new");
    sb.ok(&["rootcause", "add", "Shipping"]);
    sb.ok(&["case", "tag", &id.to_string(), "Shipping"]);
    sb.ok(&["case", "status", &id.to_string(), "resolved"]);
    assert_eq!(status(&sb, id), "resolved");

    let m = sb
        .fail(&["settings", "set", "colour", "blue"])
        .error_message()
        .to_string();
    assert!(m.contains("unknown setting"), "{m}");
}

#[test]
fn followups_add_list_due_and_done() {
    let (sb, id) = alice();
    let out = sb.ok(&[
        "followup",
        "add",
        &id.to_string(),
        "--due",
        "+2h",
        "--note",
        "call back",
    ]);
    assert!(
        out.stdout.starts_with("Follow-up 1 on case #"),
        "{}",
        out.stdout
    );
    sb.ok(&[
        "followup",
        "add",
        &id.to_string(),
        "--due",
        "+3d",
        "--note",
        "check delivery",
    ]);
    sb.ok(&[
        "followup",
        "add",
        &id.to_string(),
        "--due",
        "2020-01-01",
        "--note",
        "long overdue",
    ]);
    let all = sb.json(&["followup", "list", "--json"]);
    let states: Vec<&str> = all["follow_ups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["overdue", "due", "upcoming"], "soonest first");
    assert_eq!(
        (all["overdue"].as_i64(), all["due"].as_i64()),
        (Some(1), Some(1))
    );

    let due = sb.json(&["followup", "list", "--due", "--json"]);
    let notes: Vec<&str> = due["follow_ups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["note"].as_str().unwrap())
        .collect();
    assert_eq!(notes, ["long overdue", "call back"]);

    let text = sb.ok(&["followup", "list", "--due"]);
    assert!(text.stdout.contains("overdue") && text.stdout.contains("long overdue"));

    sb.ok(&["followup", "done", "3"]);
    let due = sb.json(&["followup", "list", "--due", "--json"]);
    assert_eq!(due["follow_ups"].as_array().unwrap().len(), 1);

    let m = sb
        .fail(&["followup", "add", "999", "--due", "+1h", "--note", "x"])
        .error_message()
        .to_string();
    assert!(m.contains("case 999 not found"), "{m}");
    let m = sb
        .fail(&["followup", "add", &id.to_string(), "--due", "soonish"])
        .error_message()
        .to_string();
    assert!(m.contains("soonish"), "{m}");
}

#[test]
fn case_snooze_until_a_time_or_a_reply() {
    let (sb, id) = alice();
    let out = sb.ok(&["case", "snooze", &id.to_string(), "--until", "+2d"]);
    assert!(out.stdout.contains("snoozed until"), "{}", out.stdout);
    assert_eq!(status(&sb, id), "snoozed");
    assert!(sb.case(id)["snoozed_until"].as_i64().is_some());

    sb.ok(&["case", "snooze", &id.to_string(), "--until-reply"]);
    assert_eq!(status(&sb, id), "snoozed");
    assert!(sb.case(id)["snoozed_until"].is_null());

    // The customer writes: the case wakes.
    let path = sb.path("in/reply.eml");
    write(
        &path,
        Mail::text(
            "Alice Smith <alice@example.com>",
            "Re: Parcel late",
            Some("a2@example.com"),
            "Tue, 24 Nov 2026 10:00:00 +0000",
            "Any news?",
        )
        .replying_to("a1@example.com", &["a1@example.com"])
        .raw(),
    );
    sb.ok(&["import", s(&path)]);
    assert_eq!(status(&sb, id), "open");

    // A snooze whose time has passed wakes when the inbox is listed.
    db(&sb)
        .execute(
            "UPDATE cases SET status = 'snoozed', snoozed_until = 1 WHERE id = ?1",
            [id],
        )
        .unwrap();
    sb.ok(&["case", "list"]);
    assert_eq!(status(&sb, id), "open");

    let m = sb
        .fail(&["case", "snooze", &id.to_string()])
        .error_message()
        .to_string();
    assert!(m.contains("until"), "{m}");
    sb.fail(&[
        "case",
        "snooze",
        &id.to_string(),
        "--until",
        "+1d",
        "--until-reply",
    ]);
}

#[test]
fn templates_add_show_render_and_refuse_unknown_variables() {
    let (sb, id) = alice();
    let list = sb.ok(&["template", "list"]);
    assert!(list.stdout.contains("Take offline acknowledgement"));

    let m = sb
        .fail(&[
            "template",
            "add",
            "Sorry",
            "--variant",
            "public",
            "--body",
            "Sorry {firstname}!",
        ])
        .error_message()
        .to_string();
    assert!(m.contains("{firstname}"), "names the variable: {m}");
    sb.ok(&[
        "template",
        "add",
        "Sorry",
        "--variant",
        "public",
        "--body",
        "Sorry {first_name}! {case_ref}",
    ]);
    sb.ok(&[
        "template",
        "add",
        "Sorry",
        "--variant",
        "private",
        "--body",
        "Dear {name}, we are sorry about \"{subject}\".",
    ]);
    let shown = sb.json(&["template", "show", "sorry", "--json"]);
    assert_eq!(shown["variants"].as_array().unwrap().len(), 2);

    let public = sb.ok(&[
        "template",
        "render",
        "Sorry",
        &id.to_string(),
        "--visibility",
        "public",
    ]);
    assert_eq!(public.stdout.trim(), format!("Sorry Alice! #{id}"));
    let private = sb.json(&[
        "template",
        "render",
        "Sorry",
        &id.to_string(),
        "--visibility",
        "private",
        "--json",
    ]);
    assert_eq!(private["variant"], "private");
    assert_eq!(
        private["text"],
        "Dear Alice Smith, we are sorry about \"Parcel late\"."
    );
    sb.ok(&["template", "rm", "Sorry", "--variant", "public"]);
    let m = sb
        .fail(&[
            "template",
            "render",
            "Sorry",
            &id.to_string(),
            "--visibility",
            "public",
        ])
        .error_message()
        .to_string();
    assert!(m.contains("has no variant"), "{m}");
    sb.ok(&["template", "rm", "Sorry"]);
    sb.fail(&["template", "show", "Sorry"]);
}

#[test]
fn case_offline_by_phone_and_email_and_log_call() {
    let (sb, id) = alice();
    let ids = id.to_string();

    // No email account yet: a clear error, nothing queued.
    let m = sb
        .fail(&["case", "offline", &ids, "--via", "email", "--text", "Hello"])
        .error_message()
        .to_string();
    assert!(m.contains("no email account to send from"), "{m}");

    let phone = sb.json(&[
        "case",
        "offline",
        &ids,
        "--via",
        "phone",
        "--text",
        "Called Alice",
        "--duration",
        "7m",
        "--outcome",
        "callback",
        "--json",
    ]);
    assert!(phone["ack"].is_null());
    assert_eq!(
        phone["ack_skipped"],
        "the case has no public conversation to acknowledge on"
    );
    let call_id = phone["message_id"].as_i64().unwrap();
    let shown = sb.case(id);
    let call = shown["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == call_id)
        .unwrap();
    assert_eq!(call["channel"], "phone");
    assert_eq!(call["text"], "Called Alice");

    // An email account to send from (as `account add imap` would store it).
    db(&sb)
        .execute(
            "INSERT INTO accounts (kind, name, address, config, created_at) VALUES
             ('email', 'shop', 'help@shop.example', ?1, 0)",
            [serde_json::json!({
                "email": "help@shop.example", "display_name": "Shop", "username": "help",
                "imap": {"host": "127.0.0.1", "port": 993, "security": "tls"},
                "smtp": {"host": "127.0.0.1", "port": 465, "security": "tls"},
                "auth": {"kind": "password"}, "ca_file": null
            })
            .to_string()],
        )
        .unwrap();
    let out = sb.ok(&[
        "case",
        "offline",
        &ids,
        "--via",
        "email",
        "--text",
        "Please send your order number.",
        "--subject",
        "Your parcel",
    ]);
    assert!(
        out.stdout.contains("No public acknowledgement")
            && out.stdout.contains("Queued email to alice@example.com"),
        "{}",
        out.stdout
    );
    let (kind, to): (String, String) = db(&sb)
        .query_row(
            "SELECT kind, json_extract(payload, '$.draft.to[0].email') FROM outbox WHERE case_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((kind.as_str(), to.as_str()), ("reply", "alice@example.com"));
    assert_eq!(status(&sb, id), "waiting");

    let m = sb
        .fail(&["case", "offline", &ids, "--via", "pigeon", "--text", "x"])
        .error_message()
        .to_string();
    assert!(m.contains("email, dm or phone"), "{m}");

    let out = sb.ok(&[
        "case",
        "log-call",
        &ids,
        "--duration",
        "5m",
        "--outcome",
        "resolved",
        "--direction",
        "inbound",
        "--note",
        "Alice called back",
    ]);
    assert!(
        out.stdout.contains("Logged inbound call (5 min, resolved)"),
        "{}",
        out.stdout
    );
    assert_eq!(status(&sb, id), "open", "the customer's call reopens");
    let visit = sb.json(&[
        "case",
        "log-call",
        &ids,
        "--duration",
        "20m",
        "--outcome",
        "other",
        "--in-person",
        "--json",
    ]);
    assert_eq!(visit["channel"], "in_person");
    assert_eq!(visit["duration_s"], 1200);
    let m = sb
        .fail(&[
            "case",
            "log-call",
            &ids,
            "--duration",
            "5m",
            "--outcome",
            "meh",
        ])
        .error_message()
        .to_string();
    assert!(m.contains("resolved, callback"), "{m}");
}

#[test]
fn case_reason_and_priority() {
    let (sb, id) = alice();
    let ids = id.to_string();
    let out = sb.ok(&[
        "case",
        "reason",
        &ids,
        "phone_tree",
        "--text",
        "gave up after 20 minutes",
    ]);
    assert_eq!(
        out.stdout.trim(),
        format!("Case #{id} channel reason: phone_tree: gave up after 20 minutes")
    );
    let m = sb
        .fail(&["case", "reason", &ids, "boredom"])
        .error_message()
        .to_string();
    assert!(m.contains("earlier_channel_failed"), "{m}");
    let stored: Option<String> = db(&sb)
        .query_row(
            "SELECT channel_reason FROM cases WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        stored.as_deref(),
        Some("phone_tree: gave up after 20 minutes")
    );

    let out = sb.ok(&["case", "priority", &ids, "high"]);
    assert_eq!(
        out.stdout.trim(),
        format!("Case #{id} priority: normal → high")
    );
    assert_eq!(sb.case(id)["priority"], "high");
    let m = sb
        .fail(&["case", "priority", &ids, "extreme"])
        .error_message()
        .to_string();
    assert!(m.contains("low, normal, high or urgent"), "{m}");
    let _: Value = sb.case(id);
}

#[test]
fn undo_reverts_the_newest_change_settings_included_and_says_to_what() {
    // Reported: `rootcause status X fixed`, `hours set …`, `undo` undid the root cause.
    let (sb, _) = alice();
    sb.ok(&["rootcause", "add", "Shipping"]);
    sb.ok(&["rootcause", "status", "Shipping", "fixed"]);
    sb.ok(&["hours", "set", "--repeat-window-days", "7"]);
    let out = sb.ok(&["undo"]);
    assert!(
        out.stdout
            .starts_with("Undid: business hours and response settings changed (")
            && out.stdout.contains("repeat window 30 days"),
        "the hours change is undone, and the output says what they are back to: {}",
        out.stdout
    );
    let hours = sb.json(&["hours", "show", "--json"]);
    assert_eq!(hours["repeat_window_days"], 30);
    let out = sb.ok(&["undo"]);
    assert_eq!(
        out.stdout.trim(),
        "Undid: root cause Shipping status open → fixed (root cause Shipping is open again)"
    );
    let out = sb.ok(&["settings", "set", "business_name", "Tidewater"]);
    assert!(out.success());
    let out = sb.ok(&["undo"]);
    assert!(
        out.stdout.contains("business_name is unset again"),
        "{}",
        out.stdout
    );
}

/// The sample workspace (it has public Bluesky and Mastodon posts and accounts that queue
/// replies), and one of its public cases.
fn demo() -> (Sb, i64) {
    let sb = Sb::uninitialised();
    let out = sb.ok(&["demo", "--cases", "12", "--into", s(&sb.data)]);
    assert!(
        out.stdout.contains("12 cases")
            && out
                .stdout
                .contains(&format!("switchboard --data-dir {} case list", s(&sb.data))),
        "says which --data-dir opens it: {}",
        out.stdout
    );
    let public = sb
        .cases()
        .into_iter()
        .map(|c| sb.case(c["id"].as_i64().unwrap()))
        .find(|c| {
            c["messages"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["visibility"] == "public" && m["direction"] == "inbound")
        })
        .expect("the demo has a public post");
    (sb, public["id"].as_i64().unwrap())
}

#[test]
fn taking_a_public_case_offline_by_phone_says_so_once_and_undo_goes_down_the_stack() {
    let (sb, id) = demo();
    let ids = id.to_string();
    let out = sb.ok(&["case", "offline", &ids, "--via", "phone"]);
    assert!(
        out.stdout.contains("Queued public acknowledgement on")
            && out.stdout.contains("we'll call you to sort it out")
            && !out.stdout.contains("private message"),
        "{}",
        out.stdout
    );
    let again = sb.ok(&[
        "case",
        "offline",
        &ids,
        "--via",
        "phone",
        "--duration",
        "5m",
    ]);
    assert!(
        again
            .stdout
            .contains("No public acknowledgement: a public acknowledgement is already queued")
            && again.stdout.contains("--ack-again"),
        "{}",
        again.stdout
    );
    let publics = || {
        db(&sb)
            .query_row(
                "SELECT count(*) FROM outbox WHERE case_id = ?1 AND kind = 'public_reply'",
                [id],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
    };
    assert_eq!(publics(), 1, "one public reply");
    let third = sb.ok(&[
        "case",
        "offline",
        &ids,
        "--via",
        "phone",
        "--duration",
        "5m",
        "--ack-again",
    ]);
    assert!(
        third.stdout.contains("we've called you"),
        "{}",
        third.stdout
    );
    assert_eq!(publics(), 2, "asked for a second one");

    for _ in 0..3 {
        let out = sb.ok(&["undo"]);
        assert!(
            out.stdout
                .starts_with(&format!("Undid on case #{id}: taken offline via phone (")),
            "{}",
            out.stdout
        );
    }
    assert_eq!(publics(), 0);
    // Every line the three actions wrote reads as undone, the lifecycle's status lines too.
    let history = sb.json(&["case", "history", &ids, "--json"]);
    let ours: Vec<&serde_json::Value> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["actor"] == "user"
                && (e["kind"] == "taken_offline" || e["data"]["because"] == "outbound message")
        })
        .collect();
    assert!(ours.len() >= 3, "{history}");
    for e in ours {
        assert!(e["undone_by"].is_i64(), "{e}");
    }
    // And on to what came before, never stopped by a leftover status line.
    let next = sb.run(&["undo"]);
    assert!(
        next.success() || !next.error_message().contains("→ waiting"),
        "{}",
        next.error_message()
    );
}

#[test]
fn case_show_lists_triage_calls_follow_ups_and_plurals_read_right() {
    let (sb, id) = alice();
    let ids = id.to_string();
    sb.ok(&["case", "priority", &ids, "high"]);
    sb.ok(&["case", "reason", &ids, "faster"]);
    sb.ok(&[
        "followup",
        "add",
        &ids,
        "--due",
        "+2d",
        "--note",
        "check again",
    ]);
    sb.ok(&[
        "case",
        "log-call",
        &ids,
        "--duration",
        "12m5s",
        "--outcome",
        "resolved",
        "--note",
        "Spoke to Alice",
    ]);
    let out = sb.ok(&["case", "show", &ids]);
    for want in [
        "Priority: high",
        "Channel reason: faster",
        "Follow-ups:",
        "check again",
        "Logged calls:",
        "outbound call 12m05s, resolved: Spoke to Alice",
    ] {
        assert!(out.stdout.contains(want), "{want:?} in {}", out.stdout);
    }
    let json = sb.case(id);
    assert_eq!(json["calls"][0]["duration_s"], 725);
    assert_eq!(json["channel_reason"], "faster");
    assert_eq!(json["follow_ups"][0]["note"], "check again");
    assert_eq!(json["earlier_cases"], serde_json::json!([]));

    let list = sb.ok(&["account", "list"]);
    let manual = list
        .stdout
        .lines()
        .find(|l| l.starts_with("manual "))
        .expect("the account of logged calls is listed");
    assert!(
        manual.contains("1 message ") && manual.contains("cannot be removed"),
        "{manual}"
    );
    let json = sb.json(&["account", "list", "--json"]);
    let manual = json
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "manual")
        .unwrap();
    assert_eq!(manual["removable"], false);
    let m = sb
        .fail(&["account", "remove", "manual"])
        .error_message()
        .to_string();
    assert!(m.contains("cannot remove"), "{m}");
}
