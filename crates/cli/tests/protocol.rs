//! `switchboard protocol | hours | sla` as a black box: rule editing, the TOML file round trip,
//! clear errors, business-hours settings and the per-case view of which rule fired and why.

mod support;

use std::fs;

use serde_json::Value;
use support::*;

fn names(sb: &Sb) -> Vec<String> {
    sb.json(&["protocol", "list", "--json"])["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

fn id_named(sb: &Sb, name: &str) -> String {
    let v = sb.json(&["protocol", "list", "--json"]);
    v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("rule {name:?} in {v:#}"))["id"]
        .to_string()
}

#[test]
fn a_new_workspace_ships_the_default_protocol() {
    let sb = Sb::new();
    assert_eq!(
        names(&sb),
        [
            "Do-not-engage contact",
            "VIP contact",
            "Public complaint",
            "Repeat contact",
            "Public message",
            "Private message"
        ]
    );
    let out = sb.ok(&["protocol", "list"]).stdout;
    assert!(out.contains("Public complaint"), "{out}");
    assert!(
        out.contains("priority high, target 60 calendar min"),
        "{out}"
    );
}

#[test]
fn rules_are_added_edited_moved_removed() {
    let sb = Sb::new();
    let out = sb.ok(&[
        "protocol",
        "add",
        "--name",
        "Night shift",
        "--hours",
        "outside",
        "--channel",
        "email",
        "--priority",
        "high",
        "--target",
        "240",
        "--business",
        "--owner",
        "night",
        "--position",
        "2",
    ]);
    assert!(out.stdout.contains("at position 2"), "{}", out.stdout);
    assert_eq!(names(&sb)[1], "Night shift");
    let id = id_named(&sb, "Night shift");
    let rule = sb.json(&["protocol", "show", &id, "--json"]);
    assert_eq!(rule["conditions"]["business_hours"], "outside");
    assert_eq!(rule["conditions"]["channels"][0], "email");
    assert_eq!(rule["actions"]["target"]["minutes"], 240);
    assert_eq!(rule["actions"]["target"]["basis"], "business");

    sb.ok(&[
        "protocol",
        "edit",
        &id,
        "--clear-actions",
        "--no-reply-needed",
        "--disable",
    ]);
    let rule = sb.json(&["protocol", "show", &id, "--json"]);
    assert_eq!(
        rule["actions"],
        serde_json::json!({ "no_reply_needed": true })
    );
    assert_eq!(rule["enabled"], false);
    assert_eq!(
        rule["conditions"]["business_hours"], "outside",
        "conditions kept"
    );

    sb.ok(&["protocol", "move", &id, "1"]);
    assert_eq!(names(&sb)[0], "Night shift");
    sb.ok(&["protocol", "rm", &id]);
    assert!(!names(&sb).contains(&"Night shift".to_string()));
    let r = sb.fail(&["protocol", "rm", &id]);
    assert!(r.error_message().contains("not found"), "{}", r.stderr);
    let r = sb.fail(&["protocol", "add", "--name", "x", "--priority", "sky"]);
    assert!(r.error_message().contains("sky"), "{}", r.stderr);
    let r = sb.fail(&["protocol", "add", "--name", "x", "--business"]);
    assert!(r.error_message().contains("--target"), "{}", r.stderr);
}

#[test]
fn export_import_round_trip_and_bad_files_name_rule_and_field() {
    let sb = Sb::new();
    let file = sb.path("protocol.toml");
    sb.ok(&["protocol", "export", "--out", s(&file)]);
    let text = fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("[[rule]]") && text.contains("[rule.conditions]"),
        "{text}"
    );
    let before = sb.json(&["protocol", "list", "--json"]);

    sb.ok(&["protocol", "import", s(&file), "--replace"]);
    let after = sb.json(&["protocol", "list", "--json"]);
    let strip = |v: &Value| -> Vec<Value> {
        v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.as_object_mut().unwrap().remove("id");
                r
            })
            .collect()
    };
    assert_eq!(
        strip(&after),
        strip(&before),
        "export → import --replace is lossless"
    );
    sb.ok(&["protocol", "import", s(&file)]);
    assert_eq!(
        names(&sb).len(),
        12,
        "without --replace the rules are appended"
    );

    let bad = sb.path("bad.toml");
    fs::write(
        &bad,
        "[[rule]]\nname = \"Fast\"\n[rule.actions]\ntarget = { minutes = 0 }\n",
    )
    .unwrap();
    let r = sb.fail(&["protocol", "import", s(&bad), "--replace"]);
    assert_eq!(r.code, Some(1));
    let msg = r.error_message();
    assert!(
        msg.contains("rule 1 \"Fast\"") && msg.contains("actions.target.minutes"),
        "{msg}"
    );
    assert_eq!(names(&sb).len(), 12, "a bad file changes nothing");
    let r = sb.fail(&["protocol", "import", s(&sb.path("missing.toml"))]);
    assert!(r.error_message().contains("missing.toml"), "{}", r.stderr);
}

#[test]
fn hours_are_shown_set_and_validated() {
    let sb = Sb::new();
    let v = sb.json(&["hours", "show", "--json"]);
    assert_eq!(v["hours"]["time_zone"], "UTC");
    assert_eq!(v["repeat_window_days"], 30);
    let v = sb.json(&[
        "hours",
        "set",
        "--weekdays",
        "mon-thu,sat",
        "--ranges",
        "08:00-12:00,13:00-16:00",
        "--tz",
        "Europe/Berlin",
        "--holiday",
        "2026-12-25",
        "--holiday",
        "2026-12-26",
        "--repeat-window-days",
        "14",
        "--json",
    ]);
    assert_eq!(v["hours"]["time_zone"], "Europe/Berlin");
    assert_eq!(v["hours"]["week"]["mon"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["hours"]["week"]["fri"],
        serde_json::json!([]),
        "fri not listed: closed"
    );
    assert_eq!(v["hours"]["week"]["sat"][0]["open"], "08:00");
    assert_eq!(
        v["hours"]["holidays"],
        serde_json::json!(["2026-12-25", "2026-12-26"])
    );
    assert_eq!(v["repeat_window_days"], 14);
    let shown = sb.ok(&["hours", "show"]).stdout;
    assert!(shown.contains("fri  closed"), "{shown}");

    for (args, needle) in [
        (vec!["hours", "set", "--tz", "Nowhere/Land"], "Nowhere/Land"),
        (
            vec!["hours", "set", "--holiday", "25.12.2026"],
            "25.12.2026",
        ),
        (
            vec![
                "hours",
                "set",
                "--weekdays",
                "fri-mon",
                "--open",
                "09:00",
                "--close",
                "17:00",
            ],
            "backwards",
        ),
        (
            vec!["hours", "set", "--open", "18:00", "--close", "09:00"],
            "closes before it opens",
        ),
    ] {
        let r = sb.fail(&args);
        assert!(r.error_message().contains(needle), "{args:?}: {}", r.stderr);
    }
    assert_eq!(
        sb.json(&["hours", "show", "--json"]),
        v,
        "failed sets changed nothing"
    );
}

#[test]
fn an_imported_complaint_shows_which_rule_fired_and_why() {
    let sb = Sb::new();
    let eml = sb.path("in/refund.eml");
    fs::write(
        &eml,
        "From: Dee <dee@example.com>\r\nTo: help@shop.example\r\nSubject: Refund please\r\n\
         Message-ID: <r1@example.com>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n\
         The kettle arrived broken.\r\n",
    )
    .unwrap();
    sb.json(&["import", "--json", s(&eml)]);
    let case = sb.case_by_subject("Refund please");
    let id = case["id"].as_i64().unwrap().to_string();
    assert_eq!(case["repeat"], false);
    assert_eq!(case["no_reply_needed"], false);
    // Tuesday 24 Nov 2026 10:00 UTC: one business day from the message's own time.
    assert_eq!(
        case["response_due_at"],
        Value::from(1_795_514_400_000_i64),
        "an imported open case gets a clock from the message time"
    );

    let t = sb.json(&["protocol", "test", &id, "--json"]);
    let fired = &t["evaluation"]["fired"];
    assert_eq!(fired[0]["name"], "Private message");
    assert_eq!(fired[0]["reasons"][0], "private");
    let human = sb.ok(&["protocol", "test", &id]).stdout;
    assert!(
        human.contains("Fires: Private message — because private"),
        "{human}"
    );

    let insights = sb.json(&["sla", "show", &id, "--json"]);
    assert_eq!(
        insights["protocol"][0]["fired"][0]["name"],
        "Private message"
    );
    assert_eq!(
        insights["response"]["state"], "breached",
        "nobody has answered the imported complaint since 24 Nov 2026"
    );

    // A rules file can be tried before it is imported.
    let f = sb.path("try.toml");
    fs::write(&f, "[[rule]]\nname = \"Kettles\"\n[rule.conditions]\nkeywords = [\"kettle\"]\n[rule.actions]\npriority = \"urgent\"\n").unwrap();
    let t = sb.json(&["protocol", "test", &id, "--rules", s(&f), "--json"]);
    assert_eq!(
        t["evaluation"]["fired"][0]["reasons"][0],
        "keyword 'kettle'"
    );
    assert_eq!(t["evaluation"]["actions"]["priority"], "urgent");

    let sweep = sb.json(&["sla", "sweep", "--json"]);
    let breached = sweep["breached"].as_array().unwrap();
    assert_eq!(breached.len(), 1, "{sweep}");
    assert_eq!(breached[0]["case_id"].to_string(), id);
    let again = sb.json(&["sla", "sweep", "--json"]);
    assert_eq!(again["breached"], serde_json::json!([]), "recorded once");
    let list = sb.json(&["sla", "list", "--json"]);
    assert_eq!(list["breaches"].as_array().unwrap().len(), 1, "{list}");
}
