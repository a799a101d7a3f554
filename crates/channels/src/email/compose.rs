//! Writing our own mail: a reply's threading headers, its Message-ID and its exact bytes.
//!
//! The bytes are built once (mail-builder ≥ 2.0, which refuses header injection through
//! addresses) and then kept: SMTP sends them and IMAP APPENDs the very same bytes to Sent, and a
//! retry after a crash sends them again unchanged — same Message-ID, same Date — so the receiver
//! and the Sent folder can recognise a copy.

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address as HeaderAddress;
use serde::{Deserialize, Serialize};

/// Reply prefixes that already mark a subject as a reply (case-insensitive, before a colon).
const REPLY_PREFIXES: &[&str] = &["re", "aw", "sv", "antw"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    pub name: Option<String>,
    pub email: String,
}

/// Everything a reply's bytes are made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyDraft {
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub subject: String,
    /// Message-ID of this reply, without angle brackets.
    pub message_id: String,
    /// Message-ID of the message answered, without angle brackets.
    pub in_reply_to: Option<String>,
    /// The thread's ids, oldest first, without angle brackets.
    pub references: Vec<String>,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("cannot build the reply: {0}")]
    Invalid(String),
    #[error("cannot build the reply: {0}")]
    Write(#[from] std::io::Error),
}

/// "Re: <subject>", without stacking a second prefix on a subject that is already a reply.
pub fn reply_subject(original: Option<&str>) -> String {
    let s = original.map(str::trim).unwrap_or_default();
    if s.is_empty() {
        return "Re: (no subject)".into();
    }
    let word_len = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    let word = &s[..word_len];
    let rest = s[word_len..].trim_start();
    let is_reply = REPLY_PREFIXES.iter().any(|p| word.eq_ignore_ascii_case(p))
        && (rest.starts_with(':') || rest.starts_with('[') || rest.starts_with('('));
    if is_reply {
        s.to_string()
    } else {
        format!("Re: {s}")
    }
}

/// The References of a reply: the parent's References followed by the parent's own id
/// (RFC 5322 §3.6.4), duplicates dropped, order kept.
pub fn reply_references(parent_references: &[String], parent_id: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(parent_references.len() + 1);
    for id in parent_references
        .iter()
        .map(String::as_str)
        .chain(parent_id)
    {
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        if !id.is_empty() && !out.iter().any(|x| x == id) {
            out.push(id.to_string());
        }
    }
    out
}

/// A fresh Message-ID (without angle brackets) on the sender's own domain: 128 random bits, so
/// it is unique without coordination and is safe to use as the outbox idempotency key.
pub fn new_message_id(sender_email: &str) -> Result<String, ComposeError> {
    let domain = sender_email
        .rsplit_once('@')
        .map(|(_, d)| d.trim())
        .filter(|d| !d.is_empty() && d.bytes().all(is_id_byte))
        .unwrap_or("switchboard.invalid");
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| ComposeError::Invalid(format!("no randomness for a Message-ID: {e}")))?;
    Ok(format!(
        "sb.{}@{}",
        hex::encode(bytes),
        domain.to_ascii_lowercase()
    ))
}

/// Bytes allowed in a Message-ID we write or search for (dot-atom text without quoting trouble).
fn is_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.@".contains(&b)
}

/// True when `id` can be put in a header or an IMAP search string as is.
pub fn is_safe_message_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(is_id_byte) && id.contains('@')
}

fn header_address(m: &Mailbox) -> HeaderAddress<'static> {
    match m.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => HeaderAddress::new_address(Some(name.to_string()), m.email.clone()),
        None => HeaderAddress::new_address(None::<String>, m.email.clone()),
    }
}

fn check_address(what: &str, email: &str) -> Result<(), ComposeError> {
    let ok = email
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty())
        && !email
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '<' || c == '>');
    if ok {
        Ok(())
    } else {
        Err(ComposeError::Invalid(format!(
            "the {what} address {email:?} is not a valid email address"
        )))
    }
}

/// The reply's bytes, with `date_ms` (unix milliseconds) as its Date. Lines end in CRLF.
pub fn build_reply(d: &ReplyDraft, date_ms: i64) -> Result<Vec<u8>, ComposeError> {
    check_address("sender", &d.from.email)?;
    if d.to.is_empty() {
        return Err(ComposeError::Invalid("the reply has no recipient".into()));
    }
    for t in &d.to {
        check_address("recipient", &t.email)?;
    }
    for id in std::iter::once(&d.message_id)
        .chain(d.in_reply_to.iter())
        .chain(d.references.iter())
    {
        if id.is_empty()
            || id
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || c == '<' || c == '>')
        {
            return Err(ComposeError::Invalid(format!(
                "{id:?} cannot be used as a Message-ID"
            )));
        }
    }
    let to: Vec<HeaderAddress<'static>> = d.to.iter().map(header_address).collect();
    let mut b = MessageBuilder::new()
        .from(header_address(&d.from))
        .to(HeaderAddress::new_list(to))
        .subject(d.subject.clone())
        .message_id(d.message_id.clone())
        .date(date_ms.div_euclid(1000))
        .header(
            "User-Agent",
            mail_builder::headers::raw::Raw::new("Switchboard"),
        )
        .text_body(d.text.clone());
    if let Some(parent) = &d.in_reply_to {
        b = b.in_reply_to(parent.clone());
    }
    if !d.references.is_empty() {
        b = b.references(d.references.clone());
    }
    Ok(b.write_to_vec()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ReplyDraft {
        ReplyDraft {
            from: Mailbox {
                name: Some("Shop Support".into()),
                email: "help@shop.example".into(),
            },
            to: vec![Mailbox {
                name: Some("Ann Customer".into()),
                email: "ann@customer.example".into(),
            }],
            subject: reply_subject(Some("Parcel never arrived")),
            message_id: "sb.1@shop.example".into(),
            in_reply_to: Some("q2@customer.example".into()),
            references: reply_references(
                &["q1@customer.example".into()],
                Some("q2@customer.example"),
            ),
            text: "Sorry about that — a new parcel is on its way.\nLine two.".into(),
        }
    }

    #[test]
    fn reply_subjects_get_one_prefix() {
        assert_eq!(reply_subject(Some("Parcel")), "Re: Parcel");
        assert_eq!(reply_subject(Some("Re: Parcel")), "Re: Parcel");
        assert_eq!(reply_subject(Some("RE: Parcel")), "RE: Parcel");
        assert_eq!(reply_subject(Some("AW: Paket")), "AW: Paket");
        assert_eq!(reply_subject(Some("Re[2]: Parcel")), "Re[2]: Parcel");
        assert_eq!(reply_subject(Some("Fwd: Parcel")), "Re: Fwd: Parcel");
        assert_eq!(
            reply_subject(Some("Regarding my order")),
            "Re: Regarding my order"
        );
        assert_eq!(reply_subject(None), "Re: (no subject)");
    }

    #[test]
    fn references_append_the_parent_once() {
        assert_eq!(
            reply_references(&["a@x".into(), "<b@x>".into()], Some("c@x")),
            ["a@x", "b@x", "c@x"]
        );
        assert_eq!(reply_references(&["a@x".into()], Some("a@x")), ["a@x"]);
        assert!(reply_references(&[], None).is_empty());
    }

    #[test]
    fn message_ids_are_random_and_on_the_sender_domain() {
        let a = new_message_id("help@Shop.Example").unwrap();
        let b = new_message_id("help@shop.example").unwrap();
        assert_ne!(a, b, "two replies never share an id");
        assert!(a.ends_with("@shop.example"), "{a}");
        assert!(is_safe_message_id(&a));
        assert!(
            new_message_id("no-domain")
                .unwrap()
                .ends_with("@switchboard.invalid")
        );
    }

    #[test]
    fn the_built_reply_parses_back_with_its_threading_headers() {
        let raw = build_reply(&draft(), 1_700_000_000_000).unwrap();
        let p = crate::email::parse_email(&raw).unwrap();
        assert_eq!(p.message_id.as_deref(), Some("sb.1@shop.example"));
        assert_eq!(p.in_reply_to, ["q2@customer.example"]);
        assert_eq!(p.references, ["q1@customer.example", "q2@customer.example"]);
        assert_eq!(p.subject.as_deref(), Some("Re: Parcel never arrived"));
        assert_eq!(p.from.unwrap().email, "help@shop.example");
        assert_eq!(p.to[0].email, "ann@customer.example");
        assert_eq!(p.date, Some(1_700_000_000_000));
        assert!(p.text.contains("a new parcel is on its way"), "{}", p.text);
        assert!(
            raw.is_ascii(),
            "non-ASCII text is encoded, so any server takes it"
        );
    }

    #[test]
    fn building_twice_gives_the_same_bytes() {
        let d = draft();
        assert_eq!(
            build_reply(&d, 5_000).unwrap(),
            build_reply(&d, 5_000).unwrap()
        );
    }

    #[test]
    fn header_injection_through_an_address_is_refused() {
        let mut d = draft();
        d.to[0].email = "ann@customer.example\r\nBcc: all@world.example".into();
        assert!(build_reply(&d, 0).is_err());
        let mut d = draft();
        d.to.clear();
        assert!(
            build_reply(&d, 0)
                .unwrap_err()
                .to_string()
                .contains("no recipient")
        );
    }
}
