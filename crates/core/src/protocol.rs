//! The response protocol: ordered rules the user edits, evaluated on every inbound message.
//!
//! The seeds' advice is "create a response protocol: whether to respond, when, who should take
//! the lead, which channel". A rule is a set of conditions (all must hold) and a set of actions.
//!
//! Evaluation, in rule order:
//! - a disabled rule is skipped; a rule with no conditions matches every message;
//! - every matching rule is reported with one human reason per condition, so the case view can
//!   say *why* ("channel is bluesky", "public", "keyword 'refund'");
//! - actions merge field by field, and the **first** matching rule that sets a field wins (put
//!   specific rules above general ones, as in a mail filter list);
//! - a matching rule with `stop = true` ends the evaluation: rules below it are not looked at.

use serde::{Deserialize, Serialize};

use crate::case::Priority;
use crate::clock::Timestamp;
use crate::hours::Schedule;
use crate::sla::{Basis, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "ProtocolVisibility")]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    Private,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum HoursCondition {
    Inside,
    Outside,
}

/// All set conditions must hold. An empty list or `None` means "any".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "ProtocolConditions", optional_fields)]
#[serde(deny_unknown_fields, default)]
pub struct Conditions {
    /// The message's channel is one of these (email, bluesky, mastodon, x, telegram, phone…).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>")]
    pub channels: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// Any of these words or phrases in the subject or text, case-insensitive, whole words.
    /// A trailing `*` matches a prefix ("disappoint*").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>")]
    pub keywords: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vip: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub do_not_engage: Option<bool>,
    /// The case carries one of these root causes ("Shipping" also matches "Shipping › Late").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>")]
    pub root_causes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<HoursCondition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_contact: Option<bool>,
}

/// What a matching rule does. Every field is optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "ProtocolActions", optional_fields)]
#[serde(deny_unknown_fields, default)]
pub struct Actions {
    /// Rules only ever raise a case's priority, never lower one set by a person or earlier rule
    /// (except `low` on a brand-new case, which is how "do not engage" quiets a case).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// Name of a template to suggest in the composer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The channel to answer on ("email", "phone"…): a suggestion shown in the case view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Who should take the lead; set on the case when it has no owner yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_reply_needed: Option<bool>,
    /// Stop evaluating further rules once this one matched.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>")]
    pub stop: bool,
}

/// One rule. `id` is the store's row id (absent in a file being imported).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "ProtocolRule")]
#[serde(deny_unknown_fields)]
pub struct Rule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub conditions: Conditions,
    #[serde(default)]
    pub actions: Actions,
}

fn yes() -> bool {
    true
}

/// What a rule is tested against.
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub channel: &'a str,
    pub visibility: Visibility,
    /// Subject and text of the message.
    pub text: &'a str,
    pub vip: bool,
    pub do_not_engage: bool,
    /// Display paths of the case's root causes ("Shipping › Late delivery").
    pub root_causes: &'a [String],
    pub repeat_contact: bool,
    /// When the message arrived (business hours are judged at this instant).
    pub at: Timestamp,
    pub schedule: &'a Schedule,
}

/// A rule that matched, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "FiredRule")]
pub struct Fired {
    pub rule_id: Option<i64>,
    pub name: String,
    pub reasons: Vec<String>,
    pub actions: Actions,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[ts(rename = "ProtocolEvaluation")]
pub struct Evaluation {
    pub fired: Vec<Fired>,
    /// The merged actions (first matching rule wins per field).
    pub actions: Actions,
    /// For each merged field, the name of the rule it came from.
    pub sources: Vec<ActionSource>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ActionSource {
    pub field: String,
    pub rule: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule {index} {name:?}: {field}: {problem}")]
pub struct RuleError {
    /// 1-based position in the list being checked.
    pub index: usize,
    pub name: String,
    pub field: &'static str,
    pub problem: String,
}

/// The longest target a rule may set: 90 days.
pub const MAX_TARGET_MINUTES: u32 = 90 * 24 * 60;

impl Rule {
    /// Checks what serde cannot: empty names, empty keywords, zero targets. `index` is 1-based.
    pub fn validate(&self, index: usize) -> Result<(), RuleError> {
        let err = |field: &'static str, problem: &str| RuleError {
            index,
            name: self.name.clone(),
            field,
            problem: problem.to_string(),
        };
        if self.name.trim().is_empty() {
            return Err(err("name", "must not be empty"));
        }
        let c = &self.conditions;
        if c.channels.iter().any(|s| s.trim().is_empty()) {
            return Err(err("conditions.channels", "contains an empty channel name"));
        }
        if c.keywords
            .iter()
            .any(|k| k.trim().trim_end_matches('*').trim().is_empty())
        {
            return Err(err("conditions.keywords", "contains an empty keyword"));
        }
        if c.root_causes.iter().any(|s| s.trim().is_empty()) {
            return Err(err("conditions.root_causes", "contains an empty name"));
        }
        let a = &self.actions;
        if let Some(t) = a.target
            && (t.minutes == 0 || t.minutes > MAX_TARGET_MINUTES)
        {
            return Err(err(
                "actions.target.minutes",
                &format!("must be between 1 and {MAX_TARGET_MINUTES}"),
            ));
        }
        for (field, v) in [
            ("actions.template", &a.template),
            ("actions.channel", &a.channel),
            ("actions.owner", &a.owner),
        ] {
            if v.as_deref().is_some_and(|s| s.trim().is_empty()) {
                return Err(err(field, "must not be empty when given"));
            }
        }
        Ok(())
    }
}

/// Checks a whole list; the error names the first bad rule and field.
pub fn validate_all(rules: &[Rule]) -> Result<(), RuleError> {
    rules
        .iter()
        .enumerate()
        .try_for_each(|(i, r)| r.validate(i + 1))
}

/// Lowercases and keeps letters and digits, so "Refund!" and "refund" compare equal.
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whole-word (or phrase, or `prefix*`) match, case-insensitive.
pub fn keyword_matches(words: &[String], keyword: &str) -> bool {
    let k = keyword.trim();
    let (k, prefix) = match k.strip_suffix('*') {
        Some(p) => (p, true),
        None => (k, false),
    };
    let kw = words_of(k);
    if kw.is_empty() || kw.len() > words.len() {
        return false;
    }
    words.windows(kw.len()).any(|w| {
        let last = kw.len() - 1;
        w[..last] == kw[..last]
            && if prefix {
                w[last].starts_with(&kw[last])
            } else {
                w[last] == kw[last]
            }
    })
}

fn root_cause_matches(carried: &[String], wanted: &str) -> Option<String> {
    let norm = |s: &str| {
        s.split(['›', '>', '/'])
            .map(|p| p.trim().to_lowercase())
            .collect::<Vec<_>>()
    };
    let w = norm(wanted);
    carried
        .iter()
        .find(|c| {
            let c = norm(c);
            // "Shipping" matches "Shipping › Late"; "Late" alone matches the leaf too.
            c.starts_with(&w) || (w.len() == 1 && c.last() == w.last())
        })
        .cloned()
}

/// The reasons the rule matches, or `None` if one condition fails.
fn check(c: &Conditions, f: &Facts<'_>, words: &[String]) -> Option<Vec<String>> {
    let mut why = Vec::new();
    if !c.channels.is_empty() {
        let ch = c
            .channels
            .iter()
            .find(|x| x.trim().eq_ignore_ascii_case(f.channel))?;
        why.push(format!("channel is {}", ch.trim().to_lowercase()));
    }
    if let Some(v) = c.visibility {
        if v != f.visibility {
            return None;
        }
        why.push(
            match v {
                Visibility::Public => "public",
                Visibility::Private => "private",
            }
            .to_string(),
        );
    }
    if !c.keywords.is_empty() {
        let hits: Vec<&String> = c
            .keywords
            .iter()
            .filter(|k| keyword_matches(words, k))
            .collect();
        if hits.is_empty() {
            return None;
        }
        for k in hits {
            why.push(format!("keyword '{}'", k.trim()));
        }
    }
    if let Some(v) = c.vip {
        if v != f.vip {
            return None;
        }
        why.push(
            if v {
                "contact is VIP"
            } else {
                "contact is not VIP"
            }
            .into(),
        );
    }
    if let Some(v) = c.do_not_engage {
        if v != f.do_not_engage {
            return None;
        }
        why.push(
            if v {
                "contact is marked do not engage"
            } else {
                "contact is not marked do not engage"
            }
            .into(),
        );
    }
    if !c.root_causes.is_empty() {
        let hit = c
            .root_causes
            .iter()
            .find_map(|w| root_cause_matches(f.root_causes, w))?;
        why.push(format!("root cause {hit}"));
    }
    if let Some(h) = c.business_hours {
        let open = f.schedule.is_open(f.at);
        match (h, open) {
            (HoursCondition::Inside, true) => why.push("inside business hours".into()),
            (HoursCondition::Outside, false) => why.push("outside business hours".into()),
            _ => return None,
        }
    }
    if let Some(v) = c.repeat_contact {
        if v != f.repeat_contact {
            return None;
        }
        why.push(if v { "repeat contact" } else { "first contact" }.into());
    }
    if why.is_empty() {
        why.push("matches every message".into());
    }
    Some(why)
}

/// Runs the rules in order against one message (see the module docs for the semantics).
pub fn evaluate(rules: &[Rule], facts: &Facts<'_>) -> Evaluation {
    let words = words_of(facts.text);
    let mut ev = Evaluation::default();
    for rule in rules.iter().filter(|r| r.enabled) {
        let Some(reasons) = check(&rule.conditions, facts, &words) else {
            continue;
        };
        let a = &rule.actions;
        let m = &mut ev.actions;
        let took = |field: &str, sources: &mut Vec<ActionSource>| {
            sources.push(ActionSource {
                field: field.into(),
                rule: rule.name.clone(),
            })
        };
        if m.priority.is_none() && a.priority.is_some() {
            m.priority = a.priority;
            took("priority", &mut ev.sources);
        }
        if m.target.is_none() && a.target.is_some() {
            m.target = a.target;
            took("target", &mut ev.sources);
        }
        if m.template.is_none() && a.template.is_some() {
            m.template.clone_from(&a.template);
            took("template", &mut ev.sources);
        }
        if m.channel.is_none() && a.channel.is_some() {
            m.channel.clone_from(&a.channel);
            took("channel", &mut ev.sources);
        }
        if m.owner.is_none() && a.owner.is_some() {
            m.owner.clone_from(&a.owner);
            took("owner", &mut ev.sources);
        }
        if m.no_reply_needed.is_none() && a.no_reply_needed.is_some() {
            m.no_reply_needed = a.no_reply_needed;
            took("no_reply_needed", &mut ev.sources);
        }
        ev.fired.push(Fired {
            rule_id: rule.id,
            name: rule.name.clone(),
            reasons,
            actions: a.clone(),
        });
        if a.stop {
            ev.actions.stop = true;
            break;
        }
    }
    ev
}

/// Words that mark a message as a complaint in the default protocol.
pub const COMPLAINT_KEYWORDS: &[&str] = &[
    "refund",
    "broken",
    "complaint",
    "complain*",
    "terrible",
    "awful",
    "worst",
    "disappoint*",
    "unacceptable",
    "damaged",
    "never arrived",
    "still waiting",
    "late",
    "scam",
    "angry",
    "furious",
    "cancel*",
    "useless",
];

/// The protocol a new workspace starts with. Public is stricter than private: a public
/// complaint is read by everyone, at any hour, so its targets count calendar minutes; private
/// email gets one business day (8 business hours).
pub fn default_rules() -> Vec<Rule> {
    let rule = |name: &str, conditions: Conditions, actions: Actions| Rule {
        id: None,
        name: name.into(),
        enabled: true,
        conditions,
        actions,
    };
    let calendar = |minutes| {
        Some(Target {
            minutes,
            basis: Basis::Calendar,
        })
    };
    vec![
        rule(
            "Do-not-engage contact",
            Conditions {
                do_not_engage: Some(true),
                ..Default::default()
            },
            Actions {
                priority: Some(Priority::Low),
                no_reply_needed: Some(true),
                stop: true,
                ..Default::default()
            },
        ),
        rule(
            "VIP contact",
            Conditions {
                vip: Some(true),
                ..Default::default()
            },
            Actions {
                priority: Some(Priority::Urgent),
                target: calendar(30),
                ..Default::default()
            },
        ),
        rule(
            "Public complaint",
            Conditions {
                visibility: Some(Visibility::Public),
                keywords: COMPLAINT_KEYWORDS.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            },
            Actions {
                priority: Some(Priority::High),
                target: calendar(60),
                channel: Some("email".into()),
                ..Default::default()
            },
        ),
        rule(
            "Repeat contact",
            Conditions {
                repeat_contact: Some(true),
                ..Default::default()
            },
            Actions {
                priority: Some(Priority::High),
                ..Default::default()
            },
        ),
        rule(
            "Public message",
            Conditions {
                visibility: Some(Visibility::Public),
                ..Default::default()
            },
            Actions {
                target: calendar(120),
                ..Default::default()
            },
        ),
        rule(
            "Private message",
            Conditions {
                visibility: Some(Visibility::Private),
                ..Default::default()
            },
            Actions {
                target: Some(Target {
                    minutes: 8 * 60,
                    basis: Basis::Business,
                }),
                ..Default::default()
            },
        ),
    ]
}
