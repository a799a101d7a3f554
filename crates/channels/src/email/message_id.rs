//! Message-IDs as Switchboard keys them. The id is the key a message is deduplicated on and
//! the thread key every reply points at, so two different messages must never get the same id
//! and every spelling of one message's id in other messages' headers must give the same id.
//!
//! Real mail breaks RFC 5322 here often: ids with spaces (`<Order 1001@shop.example>`, written
//! by shop systems), ids without angle brackets, empty `<>`, comments, "In-Reply-To: Your
//! message of Monday <id>". The rules, which match notmuch's for every well-formed and most
//! broken ids:
//! - between angle brackets, everything up to `>` is the id, with all whitespace removed (RFC
//!   5322's obsolete syntax allows folding inside an id; a client that quotes a broken id in
//!   References may fold it anywhere);
//! - a `Message-ID` without brackets is its whole value, whitespace removed (so `Order 1001@x`
//!   and `Order 2002@x` stay two ids, where cutting at the space made both "Order");
//! - in In-Reply-To and References only bracketed ids count when there are any; without
//!   brackets, bare tokens that contain `@`;
//! - an id with nothing usable left (empty, control characters, longer than a header line) is
//!   no id: the message is keyed on the SHA-256 of its bytes instead, so it is never taken for
//!   a duplicate of another message.

/// The longest id kept (the line length limit of RFC 5322); anything longer is not an id.
const MAX_ID_LEN: usize = 998;

/// One id as stored: the text between the angle brackets with every whitespace character
/// removed (RFC 5322's obsolete syntax allows folding inside an id, and broken generators write
/// `<Order 1001@shop.example>`; notmuch drops the spaces the same way, so references written by
/// any client find it). `None` when nothing usable is left: empty, control characters, stray
/// angle brackets, or longer than [`MAX_ID_LEN`]; the message is then keyed on its content hash.
pub fn normalize_message_id(inner: &str) -> Option<String> {
    let id: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
    let usable = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && !id.chars().any(|c| c.is_control() || c == '<' || c == '>');
    usable.then_some(id)
}

/// Removes RFC 5322 comments (`(…)`, nested, `\` escapes) outside angle brackets.
fn without_comments(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let (mut depth, mut escaped, mut in_brackets) = (0usize, false, false);
    for c in value.chars() {
        if depth > 0 {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            continue;
        }
        match c {
            '(' if !in_brackets => depth = 1,
            '<' => {
                in_brackets = true;
                out.push(c);
            }
            '>' => {
                in_brackets = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The contents of each `<…>` in `value`, in order. A `<` inside an unclosed id starts the
/// next one (`<a@x <b@x>` is two ids); an unclosed last id runs to the end.
fn bracketed(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let end = after.find(['<', '>']).unwrap_or(after.len());
        out.push(&after[..end]);
        rest = match after[end..].strip_prefix('>') {
            Some(next) => next,
            None => &after[end..],
        };
    }
    out
}

/// The id of a `Message-ID` value: the first bracketed id, or, for a value without brackets,
/// the whole value (comments and whitespace removed), so `Order 1001@x` and `Order 2002@x`
/// stay two ids.
pub fn message_id(value: &str) -> Option<String> {
    let value = without_comments(value);
    if value.contains('<') {
        bracketed(&value).into_iter().find_map(normalize_message_id)
    } else {
        normalize_message_id(&value)
    }
}

/// The ids of an `In-Reply-To` or `References` value, in header order. Bracketed ids when there
/// are any (text around them, like "Your message of Monday", is not an id); otherwise bare
/// tokens that look like ids (they contain `@`), as some broken clients write them.
pub fn referenced_ids(value: &str) -> Vec<String> {
    let value = without_comments(value);
    let mut out: Vec<String> = Vec::new();
    let ids: Vec<String> = if value.contains('<') {
        bracketed(&value)
            .into_iter()
            .filter_map(normalize_message_id)
            .collect()
    } else {
        value
            .split_whitespace()
            .filter(|token| token.contains('@'))
            .filter_map(normalize_message_id)
            .collect()
    };
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_with_spaces_keep_every_part() {
        assert_eq!(
            message_id("<Order 1001@shop.example>").as_deref(),
            Some("Order1001@shop.example")
        );
        assert_ne!(
            message_id("<Order 1001@shop.example>"),
            message_id("<Order 2002@shop.example>"),
            "two orders are two ids, not both \"Order\""
        );
        assert_eq!(
            message_id("<Order\r\n 1001@shop.example>"),
            message_id("<Order 1001@shop.example>"),
            "a folded copy in another header is the same id"
        );
        assert_eq!(
            message_id("Order 1001@shop.example").as_deref(),
            Some("Order1001@shop.example"),
            "without brackets: the whole value"
        );
    }

    #[test]
    fn brackets_comments_and_junk() {
        assert_eq!(message_id(" < abc@x > ").as_deref(), Some("abc@x"));
        assert_eq!(message_id("abc@x").as_deref(), Some("abc@x"));
        assert_eq!(
            message_id("(generated) <abc@x> (by us)").as_deref(),
            Some("abc@x")
        );
        assert_eq!(message_id("<<abc@x>>").as_deref(), Some("abc@x"));
        assert_eq!(message_id("<>"), None, "empty is no id");
        assert_eq!(message_id("   "), None);
        assert_eq!(message_id("<a\u{1}b@x>"), None, "control characters");
        assert_eq!(message_id(&format!("<{}@x>", "a".repeat(MAX_ID_LEN))), None);
    }

    #[test]
    fn references_take_bracketed_ids_or_bare_ids_with_an_at() {
        assert_eq!(
            referenced_ids("<a@x>\r\n <b@x> <a@x> <Order 1001@shop.example>"),
            ["a@x", "b@x", "Order1001@shop.example"]
        );
        assert_eq!(
            referenced_ids("Your message of \"Mon, 1 Jan 2024 10:00\" <p@x>"),
            ["p@x"]
        );
        assert_eq!(referenced_ids("a@x b@x"), ["a@x", "b@x"]);
        assert!(
            referenced_ids("Your message of Monday").is_empty(),
            "words are not ids that could link unrelated mail"
        );
        assert_eq!(referenced_ids("<a@x> (sent (twice)) <b@x"), ["a@x", "b@x"]);
        assert!(referenced_ids("<> < >").is_empty());
    }
}
