//! When a reply arrives without `In-Reply-To`/`References` (some phones, web forms, forwarded
//! chains), the subject is the last clue to its conversation. Clients decorate subjects
//! differently ("Re:", "AW:", "Re[2]:", "[support] "), so threading compares a normalised form.

use super::parse::collapse_whitespace;

/// Reply and forward prefixes, matched case-insensitively before a colon.
const PREFIXES: &[&str] = &["re", "fwd", "fw", "aw", "wg", "sv", "antw"];

/// The subject reduced for comparison: lowercased, whitespace collapsed, reply/forward prefixes
/// ("Re:", "Fwd:", "Fw:", "AW:", "WG:", "SV:", "Antw:", also "Re[2]:" and "Re (2):") and leading
/// `[list-tag]`s removed repeatedly. A subject that is nothing but a tag keeps its last tag.
/// Idempotent.
pub fn normalize_subject(s: &str) -> String {
    let lower = collapse_whitespace(&s.to_lowercase());
    let mut rest = lower.as_str();
    loop {
        if let Some(after) = strip_prefix(rest) {
            rest = after.trim_start();
        } else if let Some(after) = strip_list_tag(rest)
            && !after.trim().is_empty()
        {
            rest = after.trim_start();
        } else {
            break;
        }
    }
    rest.to_owned()
}

fn strip_prefix(s: &str) -> Option<&str> {
    let word_len = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    let word = &s[..word_len];
    if !PREFIXES
        .iter()
        .any(|prefix| word.eq_ignore_ascii_case(prefix))
    {
        return None;
    }
    let mut rest = &s[word_len..];
    if let Some(after) = strip_counter(rest.trim_start()) {
        rest = after;
    }
    let rest = rest.trim_start();
    rest.strip_prefix(':').or_else(|| rest.strip_prefix('：'))
}

/// `[2]` or `(2)` after a prefix.
fn strip_counter(s: &str) -> Option<&str> {
    let close = match s.as_bytes().first()? {
        b'[' => ']',
        b'(' => ')',
        _ => return None,
    };
    let inner_end = s[1..].find(close)? + 1;
    s[1..inner_end]
        .trim()
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| &s[inner_end + 1..])
}

fn strip_list_tag(s: &str) -> Option<&str> {
    let rest = s.strip_prefix('[')?;
    let close = rest.find(']')?;
    Some(&rest[close + 1..])
}

#[cfg(test)]
mod tests {
    use super::normalize_subject;

    #[test]
    fn prefixes_and_tags_go_repeatedly() {
        for (input, expected) in [
            ("Re: Order 42", "order 42"),
            ("RE: re: Fwd: FW: Order 42", "order 42"),
            ("AW: WG: SV: Antw: Bestellung", "bestellung"),
            ("Re[2]: Order", "order"),
            ("Re (3) : Order", "order"),
            ("Re : Commande", "commande"),
            (
                "[support] Re: [ACME #123]   Broken\t  widget ",
                "broken widget",
            ),
            ("Re:Order", "order"),
            ("Fwd：転送", "転送"),
            ("Re: [urgent]", "[urgent]"),
            ("Re:", ""),
            ("", ""),
        ] {
            assert_eq!(normalize_subject(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn words_that_merely_start_like_prefixes_stay() {
        assert_eq!(normalize_subject("Reply needed"), "reply needed");
        assert_eq!(
            normalize_subject("Regarding: invoice"),
            "regarding: invoice"
        );
        assert_eq!(normalize_subject("Fwd without colon"), "fwd without colon");
        assert_eq!(normalize_subject("Re[x]: odd"), "re[x]: odd");
    }
}
