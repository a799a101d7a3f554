//! Newsletters, shop notifications, bounces and out-of-office replies are not customers asking
//! for help, yet they arrive in the same mailbox. Left alone they became cases, were flagged as
//! repeat contacts (a newsletter from the same sender every week) and were raised to High by
//! keyword rules. This file decides, from the top-level headers and the sender's address, whether
//! a message was sent by a machine, and says why in words the owner can check
//! ("List-Id: news.example.com"), so the store can keep such mail out of triage.
//!
//! Only signals that senders set on purpose are used: the mailing-list headers (RFC 2369, 2919),
//! `Auto-Submitted` (RFC 3834), `Precedence`, the auto-reply headers of common servers, and the
//! mailbox names machines send from. Headers of attached messages never count.

/// Local parts (before `@`, a `+tag` removed) that only machines send from.
const MACHINE_MAILBOXES: &[&str] = &[
    "mailer-daemon",
    "postmaster",
    "notifications",
    "notification",
    "notify",
    "bounce",
    "bounces",
];

/// Local-part beginnings of "do not answer this" mailboxes (`noreply-orders@…`, `no_reply@…`).
const NO_REPLY_PREFIXES: &[&str] = &[
    "noreply",
    "no-reply",
    "no_reply",
    "donotreply",
    "do-not-reply",
    "do_not_reply",
];

/// Why a message looks sent by a machine, or `None` for a message a person wrote.
///
/// `headers` are the message's own top-level header fields as (name, raw value); `from` is the
/// sender's address. The first signal found is the reason, strongest first.
pub fn automated_reason<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    from: Option<&str>,
) -> Option<String> {
    let mut reasons: Vec<(u8, String)> = Vec::new();
    for (name, value) in headers {
        let value = unfold(value);
        let lower = value.to_ascii_lowercase();
        let found = match name.trim().to_ascii_lowercase().as_str() {
            "list-id" => Some((0, format!("List-Id: {}", list_id(&value)))),
            "auto-submitted" => {
                let kind = first_token(&lower);
                (!kind.is_empty() && kind != "no").then(|| (1, format!("Auto-Submitted: {kind}")))
            }
            "list-unsubscribe" => {
                Some((2, format!("List-Unsubscribe: {}", unsubscribe_host(&value))))
            }
            "precedence" => {
                let kind = first_token(&lower);
                ["bulk", "list", "junk"]
                    .contains(&kind.as_str())
                    .then(|| (3, format!("Precedence: {kind}")))
            }
            // Out-of-office and other automatic replies (Exchange, Postfix vacation, cPanel…).
            "x-autoreply" | "x-autorespond" => {
                let kind = first_token(&lower);
                (kind != "no").then(|| (4, format!("{}: {}", name.trim(), value.trim())))
            }
            // Exchange and bulk senders ask recipients' servers not to answer automatically:
            // "All" and "OOF" are set on system-generated mail, never by a person's client.
            "x-auto-response-suppress" => lower
                .split(',')
                .map(str::trim)
                .any(|t| t == "all" || t == "oof")
                .then(|| (5, format!("X-Auto-Response-Suppress: {}", value.trim()))),
            _ => None,
        };
        reasons.extend(found);
    }
    if let Some(address) = from
        && machine_sender(address)
    {
        reasons.push((6, format!("From: {}", address.trim().to_ascii_lowercase())));
    }
    reasons.sort_by_key(|(rank, _)| *rank);
    reasons.into_iter().next().map(|(_, reason)| reason)
}

/// Whether an address is one only machines send from (`noreply@`, `mailer-daemon@`, …).
pub fn machine_sender(address: &str) -> bool {
    let address = address.trim().to_ascii_lowercase();
    let Some((local, _domain)) = address.rsplit_once('@') else {
        return false;
    };
    let local = local.split('+').next().unwrap_or(local);
    MACHINE_MAILBOXES.contains(&local) || NO_REPLY_PREFIXES.iter().any(|p| local.starts_with(p))
}

/// A header value on one line, runs of whitespace collapsed.
fn unfold(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The keyword before any parameter or comment (`auto-replied; owner-email=…` → `auto-replied`).
fn first_token(value: &str) -> String {
    value
        .split([';', '(', ' '])
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// The list's id without its description: `Shop News <news.example.com>` → `news.example.com`.
fn list_id(value: &str) -> String {
    match (value.rfind('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => value[open + 1..close].trim().to_string(),
        _ => value.trim().to_string(),
    }
}

/// Where the first unsubscribe link points: the host of a URL or the domain of a `mailto:`.
fn unsubscribe_host(value: &str) -> String {
    let first = value
        .split(',')
        .next()
        .unwrap_or_default()
        .trim()
        .trim_start_matches('<');
    let first = first.split('>').next().unwrap_or_default();
    let lower = first.to_ascii_lowercase();
    let host = if let Some(rest) = lower.strip_prefix("mailto:") {
        rest.split(['?', '>'])
            .next()
            .and_then(|a| a.rsplit_once('@'))
            .map(|(_, d)| d.to_string())
    } else {
        lower
            .split_once("://")
            .and_then(|(_, rest)| rest.split(['/', '?', '#']).next())
            .map(str::to_string)
    };
    host.filter(|h| !h.is_empty())
        .unwrap_or_else(|| first.chars().take(60).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(headers: &[(&str, &str)], from: &str) -> Option<String> {
        automated_reason(headers.iter().copied(), Some(from))
    }

    #[test]
    fn a_person_writing_is_not_automated() {
        let headers = [
            ("Subject", "My parcel is late"),
            ("Precedence", "first-class"),
            ("Auto-Submitted", "no"),
            ("X-Auto-Response-Suppress", "DR, RN, NRN"),
        ];
        assert_eq!(
            reason(&headers, "ann@example.com"),
            None,
            "no machine signal"
        );
        assert_eq!(automated_reason([], None), None, "no headers, no sender");
    }

    #[test]
    fn list_id_names_the_list() {
        let headers = [("List-Id", " Shop News\r\n <news.example.com>")];
        assert_eq!(
            reason(&headers, "news@example.com").as_deref(),
            Some("List-Id: news.example.com")
        );
        assert_eq!(
            reason(&[("list-id", "news.example.com")], "a@b.c").as_deref(),
            Some("List-Id: news.example.com"),
            "header names are case-insensitive, brackets optional"
        );
    }

    #[test]
    fn list_unsubscribe_names_where_it_points() {
        let headers = [(
            "List-Unsubscribe",
            "<https://mail.shop.example/u?id=1>, <mailto:leave@lists.shop.example?subject=x>",
        )];
        assert_eq!(
            reason(&headers, "offers@shop.example").as_deref(),
            Some("List-Unsubscribe: mail.shop.example")
        );
        assert_eq!(
            reason(
                &[("List-Unsubscribe", "<mailto:leave@lists.shop.example>")],
                "a@b.c"
            )
            .as_deref(),
            Some("List-Unsubscribe: lists.shop.example")
        );
    }

    #[test]
    fn auto_submitted_is_anything_but_no() {
        for (value, expected) in [
            ("auto-generated", Some("Auto-Submitted: auto-generated")),
            (
                "auto-replied; owner-email=\"a@b.c\"",
                Some("Auto-Submitted: auto-replied"),
            ),
            ("Auto-Notified", Some("Auto-Submitted: auto-notified")),
            ("no", None),
            ("No (a person)", None),
        ] {
            assert_eq!(
                reason(&[("Auto-Submitted", value)], "ann@example.com").as_deref(),
                expected,
                "Auto-Submitted: {value}"
            );
        }
    }

    #[test]
    fn precedence_bulk_list_junk() {
        for kind in ["bulk", "list", "junk", "Bulk"] {
            assert_eq!(
                reason(&[("Precedence", kind)], "ann@example.com"),
                Some(format!("Precedence: {}", kind.to_ascii_lowercase())),
            );
        }
        assert_eq!(reason(&[("Precedence", "urgent")], "ann@example.com"), None);
    }

    #[test]
    fn auto_reply_headers() {
        assert_eq!(
            reason(&[("X-Autoreply", "yes")], "ann@example.com").as_deref(),
            Some("X-Autoreply: yes")
        );
        assert_eq!(
            reason(&[("X-Autorespond", "vacation")], "ann@example.com").as_deref(),
            Some("X-Autorespond: vacation")
        );
        assert_eq!(
            reason(&[("X-Auto-Response-Suppress", "All")], "ann@example.com").as_deref(),
            Some("X-Auto-Response-Suppress: All")
        );
        assert_eq!(
            reason(
                &[("X-Auto-Response-Suppress", "DR, OOF")],
                "ann@example.com"
            )
            .as_deref(),
            Some("X-Auto-Response-Suppress: DR, OOF")
        );
    }

    #[test]
    fn machine_senders() {
        for address in [
            "noreply@shop.example",
            "no-reply@accounts.example",
            "No_Reply@x.example",
            "donotreply@bank.example",
            "do-not-reply@bank.example",
            "noreply-orders@shop.example",
            "noreply+123@shop.example",
            "MAILER-DAEMON@mx.example",
            "postmaster@mx.example",
            "notifications@github.example",
            "bounces+abc@mailer.example",
        ] {
            assert_eq!(
                reason(&[], address),
                Some(format!("From: {}", address.to_ascii_lowercase())),
                "{address}"
            );
        }
        for address in [
            "ann@example.com",
            "norene@example.com",
            "post@example.com",
            "noreply",
        ] {
            assert!(!machine_sender(address), "{address} is a person's mailbox");
        }
    }

    #[test]
    fn the_strongest_signal_is_the_reason() {
        let headers = [
            ("Precedence", "bulk"),
            ("List-Unsubscribe", "<https://u.example/x>"),
            ("List-Id", "<news.example.com>"),
        ];
        assert_eq!(
            reason(&headers, "noreply@example.com").as_deref(),
            Some("List-Id: news.example.com"),
            "the list's id says more than its unsubscribe link or the sender"
        );
    }
}
