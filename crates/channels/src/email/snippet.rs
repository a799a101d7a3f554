//! Lists show one line per message. The first line of an email is often not what the customer
//! said: it is quoted history, an "On … wrote:" attribution, or a signature. This picks what a
//! person would read first, in time proportional to the snippet, not to the message.

/// Trailing part of a line that introduces quoted text, in the languages we see most.
const ATTRIBUTION_ENDINGS: &[&str] = &[
    "wrote:",
    "schrieb:",
    "a écrit :",
    "a écrit:",
    "escribió:",
    "scrisse:",
    "skrev:",
    "napisał:",
    "escreveu:",
];

/// The first meaningful words of `text`, whitespace-collapsed, at most `max_chars` characters
/// plus a trailing "…" when cut. Skips quoted lines ("> "), "On … wrote:" attributions and
/// stops at a signature ("-- ") or an Outlook-style original-message separator. When nothing is
/// left (a bare forward, say) it falls back to the whole text.
pub fn snippet(text: &str, max_chars: usize) -> String {
    if max_chars == 0 {
        return String::new();
    }
    let mut out = Words::new(max_chars);
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if line.trim_end_matches('\r') == "-- " || trimmed == "--" || is_separator(trimmed) {
            break;
        }
        if trimmed.is_empty() || trimmed.starts_with('>') || is_attribution(trimmed) {
            continue;
        }
        // Attributions wrapped over two lines: "On Mon, 1 Jan 2024, Ann <" / "ann@x> wrote:".
        if trimmed.starts_with("On ")
            && lines.peek().is_some_and(|next| is_attribution(next.trim()))
        {
            lines.next();
            continue;
        }
        if out.push_line(trimmed) {
            return out.finish();
        }
    }
    if out.is_empty() {
        for line in text.lines() {
            if out.push_line(line) {
                break;
            }
        }
    }
    out.finish()
}

fn is_attribution(line: &str) -> bool {
    line.len() < 400
        && ATTRIBUTION_ENDINGS
            .iter()
            .any(|ending| line.ends_with(ending))
}

/// Where the customer's own words end: Outlook's "-----Original Message-----" and its line of
/// underscores, Gmail's "---------- Forwarded message ---------", Apple Mail's "Begin forwarded
/// message:".
fn is_separator(line: &str) -> bool {
    if line.len() >= 10 && line.bytes().all(|b| b == b'_') {
        return true;
    }
    if line.len() > 80 {
        return false;
    }
    let lower = line.to_ascii_lowercase();
    (lower.starts_with("---")
        && (lower.contains("original message") || lower.contains("forwarded message")))
        || lower == "begin forwarded message:"
}

/// Collects words up to one past the limit, then cuts.
struct Words {
    text: String,
    chars: usize,
    max_chars: usize,
}

impl Words {
    fn new(max_chars: usize) -> Self {
        Words {
            text: String::new(),
            chars: 0,
            max_chars,
        }
    }

    fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Appends the words of a line; returns true once the text is longer than the limit.
    fn push_line(&mut self, line: &str) -> bool {
        for word in line.split_whitespace() {
            if !self.text.is_empty() {
                self.text.push(' ');
                self.chars += 1;
            }
            self.text.push_str(word);
            self.chars += word.chars().count();
            if self.chars > self.max_chars {
                return true;
            }
        }
        false
    }

    fn finish(self) -> String {
        if self.chars <= self.max_chars {
            return self.text;
        }
        let cut = self
            .text
            .char_indices()
            .nth(self.max_chars)
            .map_or(self.text.len(), |(at, _)| at);
        let mut text = self.text[..cut].trim_end().to_owned();
        text.push('…');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::snippet;

    #[test]
    fn skips_quotes_attributions_and_signatures() {
        let text = "\n\nThanks, the parcel arrived   today.\n\nOn Mon, 1 Jan 2024, Ann <ann@x.com> wrote:\n\
                    > Where is my parcel?\n> Ann\n\n-- \nBob\nACME Support\n";
        assert_eq!(snippet(text, 100), "Thanks, the parcel arrived today.");
    }

    #[test]
    fn reply_below_the_quote_is_found() {
        let text = "On Mon, 1 Jan 2024 at 10:00, Ann Example <\nann@example.com> wrote:\n> question\n\nanswer here";
        assert_eq!(snippet(text, 100), "answer here");
    }

    #[test]
    fn stops_at_outlook_separators() {
        let text = "Yes please.\n\n-----Original Message-----\nFrom: Ann\nSubject: x\n";
        assert_eq!(snippet(text, 100), "Yes please.");
        let text = "Sure.\n________________________________\nFrom: Ann\n";
        assert_eq!(snippet(text, 100), "Sure.");
        let text = "FYI\n\n---------- Forwarded message ---------\nFrom: Ann\n";
        assert_eq!(snippet(text, 100), "FYI");
        let text = "Begin forwarded message:\n\nFrom: Ann\nHello";
        assert_eq!(
            snippet(text, 100),
            "Begin forwarded message: From: Ann Hello",
            "a bare forward falls back to everything"
        );
    }

    #[test]
    fn cuts_on_char_boundaries_with_an_ellipsis() {
        assert_eq!(snippet("héllo wörld", 7), "héllo w…");
        assert_eq!(
            snippet("héllo wörld", 6),
            "héllo…",
            "trailing space before the cut goes"
        );
        assert_eq!(snippet("héllo wörld", 11), "héllo wörld");
        assert_eq!(snippet("abc", 0), "");
    }

    #[test]
    fn only_quoted_text_falls_back_to_everything() {
        assert_eq!(
            snippet("> just a quote\n> more", 100),
            "> just a quote > more"
        );
    }
}
