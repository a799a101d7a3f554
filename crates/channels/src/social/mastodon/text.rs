//! Text rules that are Mastodon's, not ours: how the server counts a status's length, how its
//! HTML becomes the plain text we store, and how its ids order.

use std::cmp::Ordering;

use crate::email::html_to_text;

/// The length Mastodon checks against `max_characters`: every `http(s)://` URL counts as
/// `per_url` characters (23 by default) whatever its real length, and a mention of a remote
/// account counts only its local part (`@ann@shop.example` counts as `@ann`). Everything else
/// counts in Unicode scalar values.
pub fn count_chars(text: &str, per_url: usize) -> usize {
    let mut n = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let ws = rest.len() - rest.trim_start().len();
        n += rest[..ws].chars().count();
        rest = &rest[ws..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        n += count_word(word, per_url);
        rest = &rest[end..];
    }
    n
}

fn count_word(word: &str, per_url: usize) -> usize {
    if let Some(i) = word.find("https://").or_else(|| word.find("http://")) {
        let after = &word[i..];
        let scheme = if after.starts_with("https://") { 8 } else { 7 };
        if after.len() > scheme {
            return word[..i].chars().count() + per_url;
        }
    }
    if let Some(m) = word.strip_prefix('@')
        && let Some((user, domain)) = m.split_once('@')
        && !user.is_empty()
        && domain.contains('.')
    {
        // Only the `@user` part counts; trailing punctuation after the domain is not part of
        // the handle, but Mastodon's regex stops at it too, so it still counts.
        let tail = domain
            .find(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-' || c == ':'))
            .map(|j| domain[j..].chars().count())
            .unwrap_or(0);
        return 1 + user.chars().count() + tail;
    }
    word.chars().count()
}

/// The plain text of a status: its HTML turned to text, with a content warning (spoiler) kept
/// in front so nobody answers a status without seeing what it warned about.
pub fn plain_text(content_html: &str, spoiler_text: &str) -> String {
    let body = html_to_text(content_html).trim().to_string();
    let spoiler = spoiler_text.trim();
    if spoiler.is_empty() {
        body
    } else {
        format!("CW: {spoiler}\n\n{body}")
    }
}

/// Mastodon ids are decimal strings of growing value, but not of equal length (and Pleroma's
/// are flake ids): shorter numeric ids are older; otherwise compare as strings.
pub fn id_cmp(a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if numeric(a) && numeric(b) {
        let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
        a.len().cmp(&b.len()).then_with(|| a.cmp(b))
    } else {
        a.cmp(b)
    }
}

/// Text reduced to what survives the server's rendering, for matching a status we may have sent
/// against what the server shows: mentions dropped (a server renders `@ann@shop.example` as
/// `@ann`), whitespace collapsed.
pub fn match_key(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| !w.starts_with('@'))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_count_23_and_remote_mentions_their_local_part() {
        assert_eq!(count_chars("hello", 23), 5);
        assert_eq!(
            count_chars("see https://example.com/a/very/long/path/indeed?x=1", 23),
            4 + 23
        );
        assert_eq!(
            count_chars("(https://a.example/x)", 23),
            1 + 23,
            "URL inside brackets"
        );
        assert_eq!(count_chars("@ann@shop.example hi", 23), 4 + 3);
        assert_eq!(
            count_chars("@ann hi", 23),
            7,
            "local mention counts as written"
        );
        assert_eq!(
            count_chars("http:// alone", 23),
            13,
            "a bare scheme is not a URL"
        );
        assert_eq!(count_chars("  two  spaces ", 23), 14, "whitespace counts");
        assert_eq!(count_chars("héllo 👍🏽", 23), 8, "scalar values, not bytes");
    }

    #[test]
    fn ids_order_by_value_not_by_string() {
        assert_eq!(id_cmp("99", "100"), Ordering::Less);
        assert_eq!(id_cmp("110", "109"), Ordering::Greater);
        assert_eq!(id_cmp("5", "5"), Ordering::Equal);
        assert_eq!(
            id_cmp("AbC", "AbD"),
            Ordering::Less,
            "flake ids compare as strings"
        );
    }

    #[test]
    fn html_becomes_text_and_spoilers_stay_in_front() {
        let html = r#"<p><span class="h-card"><a href="https://m.example/@shop" class="u-url mention">@<span>shop</span></a></span> my order &amp; refund</p><p>second</p>"#;
        let t = plain_text(html, "");
        assert!(t.starts_with("@shop my order & refund"), "{t:?}");
        assert!(t.contains("second"));
        assert_eq!(plain_text("<p>x</p>", "food"), "CW: food\n\nx");
    }

    #[test]
    fn match_key_ignores_mentions_and_spacing() {
        assert_eq!(
            match_key("@ann@shop.example  thanks,\nwe are on it"),
            match_key("@ann thanks, we are on it")
        );
    }
}
