//! Protocol rules: every condition and action, first-match-wins merging, `stop`, and the
//! shipped default protocol on the messages it was written for.

use chrono::TimeZone;
use switchboard_core::Priority;
use switchboard_core::hours::{BusinessHours, Schedule};
use switchboard_core::protocol::{
    self, Actions, Conditions, Facts, HoursCondition, Rule, Visibility, default_rules, evaluate,
    keyword_matches,
};
use switchboard_core::sla::{Basis, Target};

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    chrono::Utc
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .timestamp_millis()
}

fn office() -> Schedule {
    BusinessHours::default().schedule().unwrap()
}

/// A private email on Monday 10:00 UTC (inside hours) from an ordinary first-time contact.
fn facts<'a>(s: &'a Schedule, text: &'a str, rc: &'a [String]) -> Facts<'a> {
    Facts {
        channel: "email",
        visibility: Visibility::Private,
        text,
        vip: false,
        do_not_engage: false,
        root_causes: rc,
        repeat_contact: false,
        at: utc(2026, 11, 23, 10, 0),
        schedule: s,
    }
}

fn rule(name: &str, c: Conditions, a: Actions) -> Rule {
    Rule {
        id: None,
        name: name.into(),
        enabled: true,
        conditions: c,
        actions: a,
    }
}

fn high() -> Actions {
    Actions {
        priority: Some(Priority::High),
        ..Default::default()
    }
}

/// Runs one rule; returns its reasons if it fired.
fn fire(c: Conditions, f: &Facts<'_>) -> Option<Vec<String>> {
    let ev = evaluate(&[rule("r", c, high())], f);
    ev.fired.into_iter().next().map(|x| x.reasons)
}

#[test]
fn channel_condition() {
    let s = office();
    let f = facts(&s, "hello", &[]);
    let c = Conditions {
        channels: vec!["Bluesky".into(), "email".into()],
        ..Default::default()
    };
    assert_eq!(fire(c, &f), Some(vec!["channel is email".to_string()]));
    let c = Conditions {
        channels: vec!["bluesky".into()],
        ..Default::default()
    };
    assert_eq!(fire(c, &f), None, "email is not in [bluesky]");
}

#[test]
fn visibility_condition() {
    let s = office();
    let mut f = facts(&s, "hello", &[]);
    let c = Conditions {
        visibility: Some(Visibility::Public),
        ..Default::default()
    };
    assert_eq!(fire(c.clone(), &f), None);
    f.visibility = Visibility::Public;
    assert_eq!(fire(c, &f), Some(vec!["public".to_string()]));
}

#[test]
fn keywords_match_whole_words_case_insensitively() {
    let s = office();
    let c = Conditions {
        keywords: vec!["refund".into(), "never arrived".into()],
        ..Default::default()
    };
    let f = facts(&s, "I want a REFUND! My parcel never  arrived.", &[]);
    assert_eq!(
        fire(c.clone(), &f),
        Some(vec![
            "keyword 'refund'".to_string(),
            "keyword 'never arrived'".to_string()
        ])
    );
    let f = facts(&s, "refunded already, thanks", &[]);
    assert_eq!(fire(c, &f), None, "'refunded' is not the word 'refund'");
    let w: Vec<String> = vec!["so".into(), "disappointed".into()];
    assert!(
        keyword_matches(&w, "disappoint*"),
        "trailing * is a prefix match"
    );
    assert!(!keyword_matches(&w, "disappoint"));
}

#[test]
fn contact_flag_conditions() {
    let s = office();
    let mut f = facts(&s, "hi", &[]);
    let vip = Conditions {
        vip: Some(true),
        ..Default::default()
    };
    let dne = Conditions {
        do_not_engage: Some(true),
        ..Default::default()
    };
    assert_eq!(fire(vip.clone(), &f), None);
    assert_eq!(fire(dne.clone(), &f), None);
    f.vip = true;
    f.do_not_engage = true;
    assert_eq!(fire(vip, &f), Some(vec!["contact is VIP".to_string()]));
    assert_eq!(
        fire(dne, &f),
        Some(vec!["contact is marked do not engage".to_string()])
    );
    let not_vip = Conditions {
        vip: Some(false),
        ..Default::default()
    };
    assert_eq!(fire(not_vip, &f), None, "vip = false excludes VIPs");
}

#[test]
fn root_cause_condition_matches_parent_or_leaf() {
    let s = office();
    let rc = vec!["Shipping › Late delivery".to_string()];
    let f = facts(&s, "hi", &rc);
    for want in ["Shipping", "shipping › late delivery", "Late delivery"] {
        let c = Conditions {
            root_causes: vec![want.into()],
            ..Default::default()
        };
        assert_eq!(
            fire(c, &f),
            Some(vec!["root cause Shipping › Late delivery".to_string()]),
            "{want}"
        );
    }
    let c = Conditions {
        root_causes: vec!["Billing".into()],
        ..Default::default()
    };
    assert_eq!(fire(c, &f), None);
    let none: Vec<String> = vec![];
    let c = Conditions {
        root_causes: vec!["Shipping".into()],
        ..Default::default()
    };
    assert_eq!(
        fire(c, &facts(&s, "hi", &none)),
        None,
        "a case without causes"
    );
}

#[test]
fn business_hours_condition() {
    let s = office();
    let mut f = facts(&s, "hi", &[]);
    let inside = Conditions {
        business_hours: Some(HoursCondition::Inside),
        ..Default::default()
    };
    let outside = Conditions {
        business_hours: Some(HoursCondition::Outside),
        ..Default::default()
    };
    assert_eq!(
        fire(inside.clone(), &f),
        Some(vec!["inside business hours".to_string()])
    );
    assert_eq!(fire(outside.clone(), &f), None);
    f.at = utc(2026, 11, 21, 10, 0); // Saturday
    assert_eq!(fire(inside, &f), None);
    assert_eq!(
        fire(outside, &f),
        Some(vec!["outside business hours".to_string()])
    );
}

#[test]
fn repeat_contact_condition() {
    let s = office();
    let mut f = facts(&s, "hi", &[]);
    let c = Conditions {
        repeat_contact: Some(true),
        ..Default::default()
    };
    assert_eq!(fire(c.clone(), &f), None);
    f.repeat_contact = true;
    assert_eq!(fire(c, &f), Some(vec!["repeat contact".to_string()]));
}

#[test]
fn all_conditions_must_hold_and_empty_conditions_match_everything() {
    let s = office();
    let f = facts(&s, "refund please", &[]);
    let both = Conditions {
        visibility: Some(Visibility::Public),
        keywords: vec!["refund".into()],
        ..Default::default()
    };
    assert_eq!(fire(both, &f), None, "keyword matches but it is private");
    assert_eq!(
        fire(Conditions::default(), &f),
        Some(vec!["matches every message".to_string()])
    );
}

#[test]
fn first_matching_rule_wins_per_action_field() {
    let s = office();
    let f = facts(&s, "hi", &[]);
    let rules = vec![
        rule(
            "a",
            Conditions::default(),
            Actions {
                priority: Some(Priority::Urgent),
                ..Default::default()
            },
        ),
        rule(
            "b",
            Conditions::default(),
            Actions {
                priority: Some(Priority::Low),
                target: Some(Target {
                    minutes: 45,
                    basis: Basis::Business,
                }),
                template: Some("Ask why".into()),
                channel: Some("phone".into()),
                owner: Some("sam".into()),
                no_reply_needed: Some(false),
                stop: false,
            },
        ),
    ];
    let ev = evaluate(&rules, &f);
    assert_eq!(ev.fired.len(), 2);
    assert_eq!(
        ev.actions.priority,
        Some(Priority::Urgent),
        "rule a set priority first"
    );
    assert_eq!(
        ev.actions.target,
        Some(Target {
            minutes: 45,
            basis: Basis::Business
        })
    );
    assert_eq!(ev.actions.template.as_deref(), Some("Ask why"));
    assert_eq!(ev.actions.channel.as_deref(), Some("phone"));
    assert_eq!(ev.actions.owner.as_deref(), Some("sam"));
    assert_eq!(ev.actions.no_reply_needed, Some(false));
    let from = |field: &str| {
        ev.sources
            .iter()
            .find(|x| x.field == field)
            .map(|x| x.rule.clone())
    };
    assert_eq!(from("priority").as_deref(), Some("a"));
    assert_eq!(from("target").as_deref(), Some("b"));
}

#[test]
fn stop_ends_evaluation_and_disabled_rules_are_skipped() {
    let s = office();
    let f = facts(&s, "hi", &[]);
    let mut off = rule(
        "off",
        Conditions::default(),
        Actions {
            owner: Some("x".into()),
            ..Default::default()
        },
    );
    off.enabled = false;
    let rules = vec![
        off,
        rule(
            "stopper",
            Conditions::default(),
            Actions {
                stop: true,
                ..high()
            },
        ),
        rule(
            "never",
            Conditions::default(),
            Actions {
                owner: Some("y".into()),
                ..Default::default()
            },
        ),
    ];
    let ev = evaluate(&rules, &f);
    let names: Vec<&str> = ev.fired.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["stopper"]);
    assert_eq!(ev.actions.owner, None);
    assert!(ev.actions.stop);
}

#[test]
fn default_protocol_public_complaint_is_high_with_a_short_calendar_target() {
    let s = office();
    let mut f = facts(&s, "Worst service ever, my order never arrived", &[]);
    f.channel = "bluesky";
    f.visibility = Visibility::Public;
    f.at = utc(2026, 11, 21, 22, 0); // Saturday night: public targets still run
    let ev = evaluate(&default_rules(), &f);
    assert_eq!(ev.fired[0].name, "Public complaint");
    assert!(ev.fired[0].reasons.contains(&"public".to_string()));
    assert!(ev.fired[0].reasons.contains(&"keyword 'worst'".to_string()));
    assert_eq!(ev.actions.priority, Some(Priority::High));
    assert_eq!(
        ev.actions.target,
        Some(Target {
            minutes: 60,
            basis: Basis::Calendar
        })
    );
    assert_eq!(
        ev.actions.channel.as_deref(),
        Some("email"),
        "suggest taking it offline"
    );
}

#[test]
fn default_protocol_do_not_engage_means_no_reply_needed_and_stops() {
    let s = office();
    let mut f = facts(&s, "you are all terrible", &[]);
    f.do_not_engage = true;
    f.visibility = Visibility::Public;
    let ev = evaluate(&default_rules(), &f);
    assert_eq!(ev.fired.len(), 1, "stop: nothing else fires");
    assert_eq!(ev.actions.no_reply_needed, Some(true));
    assert_eq!(ev.actions.priority, Some(Priority::Low));
    assert_eq!(ev.actions.target, None);
}

#[test]
fn default_protocol_public_is_stricter_than_private() {
    let s = office();
    let private = evaluate(&default_rules(), &facts(&s, "a question", &[]));
    assert_eq!(
        private.actions.target,
        Some(Target {
            minutes: 480,
            basis: Basis::Business
        })
    );
    let mut f = facts(&s, "a question", &[]);
    f.visibility = Visibility::Public;
    let public = evaluate(&default_rules(), &f);
    assert_eq!(
        public.actions.target,
        Some(Target {
            minutes: 120,
            basis: Basis::Calendar
        })
    );
    assert_eq!(public.actions.priority, None);
    let mut f = facts(&s, "a question", &[]);
    f.vip = true;
    let vip = evaluate(&default_rules(), &f);
    assert_eq!(vip.actions.priority, Some(Priority::Urgent));
    assert_eq!(
        vip.actions.target,
        Some(Target {
            minutes: 30,
            basis: Basis::Calendar
        })
    );
    let mut f = facts(&s, "again", &[]);
    f.repeat_contact = true;
    assert_eq!(
        evaluate(&default_rules(), &f).actions.priority,
        Some(Priority::High)
    );
}

#[test]
fn validation_names_the_rule_and_field() {
    let mut bad = rule(
        "Slow",
        Conditions::default(),
        Actions {
            target: Some(Target {
                minutes: 0,
                basis: Basis::Calendar,
            }),
            ..Default::default()
        },
    );
    let rules = vec![default_rules()[0].clone(), bad.clone()];
    let e = protocol::validate_all(&rules).unwrap_err();
    assert_eq!(e.index, 2);
    assert_eq!(e.field, "actions.target.minutes");
    assert!(e.to_string().contains("rule 2 \"Slow\""), "{e}");
    bad.actions.target = None;
    bad.conditions.keywords = vec!["  ".into()];
    assert_eq!(bad.validate(1).unwrap_err().field, "conditions.keywords");
    assert!(protocol::validate_all(&default_rules()).is_ok());
}
