//! Reply templates: `{variable}` placeholders and per-channel variants.
//!
//! A template is checked when it is saved, not when it is used: an unknown `{variable}` or an
//! unclosed brace is refused at save time, so a reply written under time pressure never fails
//! on a typo made weeks earlier. `{{` and `}}` stand for literal braces.
//!
//! Variant choice goes from the most specific to the most general: the channel's own variant
//! (`bluesky`), then the visibility (`public` short, `private` long), then `default`.

use std::collections::BTreeMap;

/// Every variable a template may use, with what it means (shown in the editor).
pub const VARIABLES: &[(&str, &str)] = &[
    (
        "first_name",
        "the customer's first name (else their handle)",
    ),
    ("last_name", "the customer's last name"),
    ("name", "the customer's full name (else their handle)"),
    ("case_ref", "the case reference, e.g. #123"),
    ("subject", "the case subject"),
    ("business_name", "the business_name setting"),
    ("agent_name", "the agent_name setting"),
    ("channel", "the channel the reply goes out on"),
    (
        "offline_route",
        "when taking a case offline: how the conversation continues (\"we've emailed you\", \"we've sent you a direct message\", \"we'll call you\")",
    ),
];

/// Variant names that are not channel names.
pub const GENERIC_VARIANTS: &[&str] = &["default", "public", "private"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unknown variable {{{0}}}; known variables: {known}", known = known_list())]
    UnknownVariable(String),
    #[error("unclosed {{ at byte {0}: write {{{{ for a literal brace")]
    Unclosed(usize),
    #[error("unmatched }} at byte {0}: write }}}} for a literal brace")]
    Unmatched(usize),
    #[error("{{{0}}} has no value here: {1}")]
    NoValue(String, String),
    #[error(
        "bad variant name {0:?}: use default, public, private or a channel name (lowercase letters, digits, _)"
    )]
    BadVariant(String),
    #[error("the template body is empty")]
    Empty,
}

fn known_list() -> String {
    VARIABLES
        .iter()
        .map(|(n, _)| format!("{{{n}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

enum Piece<'a> {
    Text(&'a str),
    Var(&'a str),
}

fn parse(body: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut out = Vec::new();
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut start = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                out.push(Piece::Text(&body[start..i + 1]));
                i += 2;
                start = i;
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                out.push(Piece::Text(&body[start..i + 1]));
                i += 2;
                start = i;
            }
            b'{' => {
                let close = body[i + 1..]
                    .find(['}', '{'])
                    .map(|j| j + i + 1)
                    .filter(|&j| bytes[j] == b'}')
                    .ok_or(TemplateError::Unclosed(i))?;
                out.push(Piece::Text(&body[start..i]));
                out.push(Piece::Var(body[i + 1..close].trim()));
                i = close + 1;
                start = i;
            }
            b'}' => return Err(TemplateError::Unmatched(i)),
            _ => i += 1,
        }
    }
    out.push(Piece::Text(&body[start..]));
    Ok(out)
}

/// The variables a body uses, in order of first use. Refuses unknown ones and stray braces.
pub fn validate(body: &str) -> Result<Vec<String>, TemplateError> {
    if body.trim().is_empty() {
        return Err(TemplateError::Empty);
    }
    let mut used: Vec<String> = Vec::new();
    for p in parse(body)? {
        if let Piece::Var(v) = p {
            if !VARIABLES.iter().any(|(n, _)| *n == v) {
                return Err(TemplateError::UnknownVariable(v.to_string()));
            }
            if !used.iter().any(|u| u == v) {
                used.push(v.to_string());
            }
        }
    }
    Ok(used)
}

/// Checks a variant name: a generic one or a channel name.
pub fn validate_variant(name: &str) -> Result<(), TemplateError> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(TemplateError::BadVariant(name.to_string()))
    }
}

/// Values for one rendering. A variable that maps to `Err(reason)` has no value here; using it
/// is an error that carries the reason (e.g. "set business_name in settings").
pub type Values = BTreeMap<&'static str, Result<String, String>>;

/// Fills `body` with `values`. Every variable used must have a value.
pub fn render(body: &str, values: &Values) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(body.len());
    for p in parse(body)? {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Var(v) => match values.get(v) {
                Some(Ok(s)) => out.push_str(s),
                Some(Err(why)) => return Err(TemplateError::NoValue(v.to_string(), why.clone())),
                None if VARIABLES.iter().any(|(n, _)| *n == v) => {
                    return Err(TemplateError::NoValue(
                        v.to_string(),
                        "not known for this case".into(),
                    ));
                }
                None => return Err(TemplateError::UnknownVariable(v.to_string())),
            },
        }
    }
    Ok(out)
}

/// Which of the `available` variants to use for a reply on `channel` with `visibility`
/// (`public`/`private`): channel, then visibility, then `default`.
pub fn pick_variant<'a>(
    available: &[&'a str],
    channel: Option<&str>,
    visibility: Option<&str>,
) -> Option<&'a str> {
    [channel, visibility, Some("default")]
        .into_iter()
        .flatten()
        .find_map(|want| available.iter().copied().find(|a| *a == want))
}

/// "Alice Smith" → ("Alice", Some("Smith")); a single word has no last name.
pub fn split_name(full: &str) -> (Option<String>, Option<String>) {
    let full = full.trim();
    match full.rsplit_once(char::is_whitespace) {
        Some((first, last)) => {
            let first = first.split_whitespace().next().unwrap_or(first);
            (Some(first.to_string()), Some(last.trim().to_string()))
        }
        None if full.is_empty() => (None, None),
        None => (Some(full.to_string()), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&'static str, &str)]) -> Values {
        pairs.iter().map(|(k, v)| (*k, Ok(v.to_string()))).collect()
    }

    #[test]
    fn validate_lists_variables_and_names_an_unknown_one() {
        assert_eq!(
            validate("Hi {first_name}, about {case_ref} ({first_name})").unwrap(),
            vec!["first_name", "case_ref"]
        );
        let e = validate("Hi {frist_name}").unwrap_err();
        assert_eq!(e, TemplateError::UnknownVariable("frist_name".into()));
        assert!(
            e.to_string().contains("{frist_name}") && e.to_string().contains("{first_name}"),
            "the message names the typo and the known variables: {e}"
        );
    }

    #[test]
    fn stray_braces_are_refused_and_doubled_braces_are_literal() {
        assert_eq!(validate("Hi {name"), Err(TemplateError::Unclosed(3)));
        assert_eq!(validate("Hi name}"), Err(TemplateError::Unmatched(7)));
        assert_eq!(validate("Hi {na{me}"), Err(TemplateError::Unclosed(3)));
        assert_eq!(
            render("{{literal}} {name}", &values(&[("name", "Al")])).unwrap(),
            "{literal} Al"
        );
        assert_eq!(validate("   "), Err(TemplateError::Empty));
    }

    #[test]
    fn render_fills_values_and_a_missing_value_names_the_variable_and_why() {
        let mut v = values(&[("first_name", "Alice"), ("case_ref", "#12")]);
        assert_eq!(
            render("Hi {first_name}, re {case_ref}.", &v).unwrap(),
            "Hi Alice, re #12."
        );
        v.insert(
            "business_name",
            Err("set it with `switchboard settings set business_name NAME`".into()),
        );
        let e = render("From {business_name}", &v).unwrap_err();
        assert!(
            matches!(&e, TemplateError::NoValue(n, why) if n == "business_name" && why.contains("settings set")),
            "{e}"
        );
        let e = render("{agent_name}", &v).unwrap_err();
        assert!(matches!(e, TemplateError::NoValue(n, _) if n == "agent_name"));
    }

    #[test]
    fn variant_choice_goes_channel_then_visibility_then_default() {
        let all = ["default", "public", "private", "bluesky"];
        assert_eq!(
            pick_variant(&all, Some("bluesky"), Some("public")),
            Some("bluesky")
        );
        assert_eq!(
            pick_variant(&all, Some("mastodon"), Some("public")),
            Some("public")
        );
        assert_eq!(
            pick_variant(&all, Some("email"), Some("private")),
            Some("private")
        );
        assert_eq!(
            pick_variant(&["default"], Some("email"), Some("private")),
            Some("default")
        );
        assert_eq!(
            pick_variant(&["public"], Some("email"), Some("private")),
            None,
            "a short public text is never used for a private reply by accident"
        );
    }

    #[test]
    fn variant_names_are_generic_or_channel_like() {
        for ok in ["default", "public", "bluesky", "in_person"] {
            assert_eq!(validate_variant(ok), Ok(()));
        }
        for bad in ["", "Public", "e mail", "x/y"] {
            assert!(validate_variant(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_split_into_first_and_last() {
        assert_eq!(
            split_name("Alice  Smith"),
            (Some("Alice".into()), Some("Smith".into()))
        );
        assert_eq!(
            split_name("Anne Marie Jones"),
            (Some("Anne".into()), Some("Jones".into()))
        );
        assert_eq!(split_name("Cher"), (Some("Cher".into()), None));
        assert_eq!(split_name(" "), (None, None));
    }
}
