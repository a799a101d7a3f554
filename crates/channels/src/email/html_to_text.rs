//! Many messages (newsletters, ticket systems, phones) carry only HTML, yet search, snippets and
//! the plain-text view need text. Building a DOM for that would cost as much as sanitising, so
//! this is a single forward pass over the bytes: tags are dropped, entities decoded, block
//! elements become line breaks, HTML whitespace rules apply outside `<pre>`. Every byte is
//! looked at a bounded number of times, so hostile input cannot make it slow.

/// Derives readable plain text from HTML.
pub fn html_to_text(html: &str) -> String {
    let bytes = html.as_bytes();
    let mut out = TextOut {
        text: String::with_capacity(html.len() / 2),
        pending_space: false,
        pending_breaks: 0,
    };
    let mut pre_depth = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => i = tag(html, i, &mut out, &mut pre_depth),
            b'&' => {
                let (decoded, next) = entity(html, i);
                match decoded {
                    Decoded::Char(' ') if pre_depth == 0 => out.space(),
                    Decoded::Char(c) => out.push_char(c),
                    Decoded::Nothing => {}
                }
                i = next;
            }
            b'\n' if pre_depth > 0 => {
                out.line_break();
                i += 1;
            }
            b'\r' if pre_depth > 0 => i += 1,
            b' ' | b'\t' | b'\x0c' if pre_depth > 0 => {
                out.push_char(' ');
                i += 1;
            }
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {
                out.space();
                i += 1;
            }
            _ => {
                let start = i;
                while i < bytes.len()
                    && !matches!(
                        bytes[i],
                        b'<' | b'&' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'
                    )
                {
                    i += 1;
                }
                // `start` and `i` sit on ASCII bytes (or the ends), so both are char boundaries.
                out.push_str(&html[start..i]);
            }
        }
    }
    out.text
}

/// Output with deferred whitespace, so that collapsing never needs to look back.
struct TextOut {
    text: String,
    pending_space: bool,
    /// Line breaks owed before the next visible character (at most 2: one blank line).
    pending_breaks: u8,
}

impl TextOut {
    fn space(&mut self) {
        self.pending_space = true;
    }

    /// A block boundary: at least `lines` line breaks before the next text.
    fn block(&mut self, lines: u8) {
        self.pending_breaks = self.pending_breaks.max(lines);
    }

    /// A `<br>`: breaks add up, to one blank line at most.
    fn line_break(&mut self) {
        self.pending_breaks = (self.pending_breaks + 1).min(2);
    }

    fn flush(&mut self) {
        if !self.text.is_empty() {
            if self.pending_breaks > 0 {
                for _ in 0..self.pending_breaks {
                    self.text.push('\n');
                }
            } else if self.pending_space && !self.text.ends_with([' ', '\n']) {
                self.text.push(' ');
            }
        }
        self.pending_breaks = 0;
        self.pending_space = false;
    }

    fn push_str(&mut self, s: &str) {
        if !s.is_empty() {
            self.flush();
            self.text.push_str(s);
        }
    }

    fn push_char(&mut self, c: char) {
        self.flush();
        self.text.push(c);
    }
}

/// Handles the markup starting at `start` (a `<`); returns the index after it.
fn tag(html: &str, start: usize, out: &mut TextOut, pre_depth: &mut u32) -> usize {
    let tag = match read_markup(html.as_bytes(), start) {
        Markup::LessThan => {
            out.push_char('<');
            return start + 1;
        }
        Markup::Skipped { end } | Markup::RawText { end } => return end,
        Markup::Tag(tag) => tag,
    };
    let closing = tag.closing;
    match tag.name() {
        b"br" => out.line_break(),
        b"p" | b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6" | b"blockquote" | b"ul" | b"ol"
        | b"dl" | b"table" | b"hr" => out.block(2),
        b"pre" => {
            out.block(2);
            *pre_depth = if closing {
                pre_depth.saturating_sub(1)
            } else {
                *pre_depth + 1
            };
        }
        b"li" => {
            out.block(1);
            if !closing {
                out.push_str("- ");
            }
        }
        b"div" | b"tr" | b"dt" | b"dd" | b"center" | b"section" | b"article" | b"header"
        | b"footer" | b"nav" | b"aside" | b"main" | b"form" | b"fieldset" | b"figure"
        | b"figcaption" | b"caption" | b"address" | b"details" | b"summary" | b"body" => {
            out.block(1)
        }
        b"td" | b"th" => out.space(),
        _ => {}
    }
    tag.end
}

/// Estimates the work an HTML tree builder (html5ever, browsers) does on `html`: the sum, over
/// start tags, of the number of elements open at that point. The builder checks element scopes
/// by walking its stack of open elements, so deeply nested input costs quadratic time (50,000
/// nested `<div>`s take seconds); this linear pre-scan lets the sanitiser decline such input.
/// Elements that close implicitly (`p`, `li`, `td`…) or have no content are not counted as
/// open, so ordinary sloppy HTML is not penalised.
pub(crate) fn tree_building_work(html: &str) -> u64 {
    let bytes = html.as_bytes();
    let mut depth: u64 = 0;
    let mut work: u64 = 0;
    let mut i = 0;
    while let Some(at) = bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| b == b'<'))
    {
        let start = i + at;
        i = match read_markup(bytes, start) {
            Markup::LessThan => start + 1,
            Markup::Skipped { end } | Markup::RawText { end } => end,
            Markup::Tag(tag) => {
                let name = tag.name();
                let opens = !matches!(
                    name,
                    b"area"
                        | b"base"
                        | b"br"
                        | b"col"
                        | b"embed"
                        | b"hr"
                        | b"img"
                        | b"input"
                        | b"link"
                        | b"meta"
                        | b"param"
                        | b"source"
                        | b"track"
                        | b"wbr"
                        | b"p"
                        | b"li"
                        | b"dt"
                        | b"dd"
                        | b"tr"
                        | b"td"
                        | b"th"
                        | b"tbody"
                        | b"thead"
                        | b"tfoot"
                        | b"option"
                        | b"optgroup"
                        | b"colgroup"
                        | b"caption"
                        | b"rb"
                        | b"rt"
                        | b"rp"
                        | b"html"
                        | b"head"
                        | b"body"
                );
                if tag.closing {
                    if opens {
                        depth = depth.saturating_sub(1);
                    }
                } else {
                    work += depth + 1;
                    // `<div/>` opens a div: HTML ignores the slash on non-void elements.
                    if opens {
                        depth += 1;
                    }
                }
                tag.end
            }
        };
    }
    work
}

/// What starts at a `<`.
enum Markup {
    /// Not markup: a literal `<` ("a < b").
    LessThan,
    /// A comment, doctype, processing instruction or bogus end tag, ending before `end`.
    Skipped {
        end: usize,
    },
    /// A `script`, `style`, `title`, `template` or `textarea` element with its content.
    RawText {
        end: usize,
    },
    Tag(Tag),
}

struct Tag {
    /// Lowercased name; longer names are cut (and match nothing we act on).
    name: [u8; 12],
    name_len: usize,
    closing: bool,
    /// Index after the `>`.
    end: usize,
}

impl Tag {
    fn name(&self) -> &[u8] {
        &self.name[..self.name_len]
    }
}

fn read_markup(bytes: &[u8], start: usize) -> Markup {
    let end = bytes.len();
    let mut i = start + 1;
    match bytes.get(i) {
        Some(b'!') if bytes[i..].starts_with(b"!--") => {
            // Searching from the first dash also ends `<!-->` and `<!--->`, as browsers do.
            return Markup::Skipped {
                end: find(bytes, i + 1, b"-->").map_or(end, |at| at + 3),
            };
        }
        Some(b'!' | b'?') => {
            return Markup::Skipped {
                end: skip_past(bytes, i, b'>'),
            };
        }
        Some(b'/') => i += 1,
        Some(c) if c.is_ascii_alphabetic() => {}
        _ => return Markup::LessThan,
    }
    let closing = i > start + 1;
    if closing && !bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
        // `</ x>` and friends are bogus comments.
        return Markup::Skipped {
            end: skip_past(bytes, i, b'>'),
        };
    }
    let name_start = i;
    while i < end && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b':' | b'-')) {
        i += 1;
    }
    let mut tag = Tag {
        name: [0; 12],
        name_len: 0,
        closing,
        end: 0,
    };
    let name = &bytes[name_start..i];
    if name.len() <= tag.name.len() {
        for (dst, src) in tag.name.iter_mut().zip(name) {
            *dst = src.to_ascii_lowercase();
        }
        tag.name_len = name.len();
    }
    tag.end = skip_attributes(bytes, i);
    if !closing
        && matches!(
            tag.name(),
            b"script" | b"style" | b"title" | b"template" | b"textarea"
        )
    {
        // Raw text: nothing inside is markup, nothing inside is shown (textarea aside, but a
        // form field in an email is noise).
        return Markup::RawText {
            end: skip_raw_text(bytes, tag.end, tag.name()),
        };
    }
    Markup::Tag(tag)
}

/// Skips attributes up to and including the closing `>`; quoted values may contain `>`.
fn skip_attributes(bytes: &[u8], mut i: usize) -> usize {
    let mut after_equals = false;
    while i < bytes.len() {
        match bytes[i] {
            b'>' => return i + 1,
            b'=' => after_equals = true,
            quote @ (b'"' | b'\'') if after_equals => {
                i = skip_past(bytes, i + 1, quote);
                after_equals = false;
                continue;
            }
            c if c.is_ascii_whitespace() => {}
            _ => after_equals = false,
        }
        i += 1;
    }
    bytes.len()
}

/// Skips to just after the end tag `</name…>`, or to the end of input.
fn skip_raw_text(bytes: &[u8], mut i: usize, name: &[u8]) -> usize {
    while let Some(at) = find(bytes, i, b"</") {
        let candidate = at + 2;
        let matches = bytes
            .get(candidate..candidate + name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
            && !bytes
                .get(candidate + name.len())
                .is_some_and(u8::is_ascii_alphanumeric);
        if matches {
            return skip_past(bytes, candidate + name.len(), b'>');
        }
        i = candidate;
    }
    bytes.len()
}

fn skip_past(bytes: &[u8], from: usize, byte: u8) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| b == byte))
        .map_or(bytes.len(), |at| from + at + 1)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let first = needle[0];
    let mut i = 0;
    while let Some(at) = rest[i..].iter().position(|&b| b == first) {
        let pos = i + at;
        if rest[pos..].starts_with(needle) {
            return Some(from + pos);
        }
        i = pos + 1;
    }
    None
}

enum Decoded {
    Char(char),
    /// Soft hyphen, zero-width and direction marks: invisible in text.
    Nothing,
}

/// Decodes the character reference at `start` (an `&`); returns it and the index after it.
/// Unknown or malformed references are the literal `&`.
fn entity(html: &str, start: usize) -> (Decoded, usize) {
    let bytes = html.as_bytes();
    let literal = (Decoded::Char('&'), start + 1);
    let mut i = start + 1;
    if bytes.get(i) == Some(&b'#') {
        i += 1;
        let hex = matches!(bytes.get(i), Some(b'x' | b'X'));
        if hex {
            i += 1;
        }
        let digits_start = i;
        while i < bytes.len() && i - digits_start < 8 && bytes[i].is_ascii_hexdigit() {
            if !hex && !bytes[i].is_ascii_digit() {
                break;
            }
            i += 1;
        }
        if i == digits_start {
            return literal;
        }
        let Ok(code) = u32::from_str_radix(&html[digits_start..i], if hex { 16 } else { 10 })
        else {
            return literal;
        };
        if bytes.get(i) == Some(&b';') {
            i += 1;
        }
        return (numeric_reference(code), i);
    }
    let name_start = i;
    while i < bytes.len() && i - name_start < 10 && bytes[i].is_ascii_alphanumeric() {
        i += 1;
    }
    let name = &html[name_start..i];
    let terminated = bytes.get(i) == Some(&b';');
    // A few references are so old that browsers accept them without the semicolon.
    if !terminated && !matches!(name, "amp" | "lt" | "gt" | "quot" | "nbsp" | "copy" | "reg") {
        return literal;
    }
    match named_reference(name) {
        Some(decoded) => (decoded, if terminated { i + 1 } else { i }),
        None => literal,
    }
}

/// What browsers do with `&#N;`: windows-1252 for the C1 range, U+FFFD for the impossible.
fn numeric_reference(code: u32) -> Decoded {
    match code {
        0x80..=0x9F => Decoded::Char(windows_1252(code as u8)),
        0xA0 => Decoded::Char(' '),
        0xAD | 0x200B..=0x200F => Decoded::Nothing,
        0 => Decoded::Char('\u{FFFD}'),
        _ => Decoded::Char(char::from_u32(code).unwrap_or('\u{FFFD}')),
    }
}

/// The windows-1252 character for a byte (its five unassigned bytes map to the C1 controls of
/// the same value, as browsers do).
pub(crate) fn windows_1252(byte: u8) -> char {
    const C1: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9F => C1[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// Latin-1 named references, in code point order from U+00A0.
const LATIN1: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

fn named_reference(name: &str) -> Option<Decoded> {
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
        "shy" | "zwnj" | "zwj" | "lrm" | "rlm" => return Some(Decoded::Nothing),
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "sbquo" => '‚',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "lsaquo" => '‹',
        "rsaquo" => '›',
        "hellip" => '…',
        "bull" => '•',
        "dagger" => '†',
        "Dagger" => '‡',
        "permil" => '‰',
        "prime" => '′',
        "Prime" => '″',
        "euro" => '€',
        "trade" => '™',
        "larr" => '←',
        "rarr" => '→',
        "uarr" => '↑',
        "darr" => '↓',
        "harr" => '↔',
        "OElig" => 'Œ',
        "oelig" => 'œ',
        "Scaron" => 'Š',
        "scaron" => 'š',
        "Yuml" => 'Ÿ',
        "fnof" => 'ƒ',
        "circ" => 'ˆ',
        "tilde" => '˜',
        "hearts" => '♥',
        "check" => '✓',
        _ => {
            let index = LATIN1.iter().position(|&n| n == name)?;
            char::from_u32(0xA0 + index as u32)?
        }
    };
    Some(Decoded::Char(c))
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn blocks_become_lines_and_whitespace_collapses() {
        assert_eq!(
            html_to_text("<p>Hello,\n   world</p><p>Second</p><div>a</div><div>b<br>c</div>"),
            "Hello, world\n\nSecond\n\na\nb\nc",
            "a paragraph keeps its blank line even before a div"
        );
    }

    #[test]
    fn invisible_content_is_skipped() {
        let html = "<html><head><title>T</title><style>p{x:1}</style></head>\
                    <body><!-- hidden --><script>var a = '<p>';</script>Body</body></html>";
        assert_eq!(html_to_text(html), "Body");
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(
            html_to_text("Fish &amp; chips &lt;3 &eacute;&#233;&#xE9; &#150; &copy &unknown; & x"),
            "Fish & chips <3 ééé – © &unknown; & x"
        );
        assert_eq!(html_to_text("<p>&nbsp;</p><p>x&nbsp;&nbsp;y</p>"), "x y");
    }

    #[test]
    fn lists_tables_and_pre() {
        assert_eq!(
            html_to_text("<ul><li>one</li><li>two</li></ul>after"),
            "- one\n- two\n\nafter"
        );
        assert_eq!(
            html_to_text("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"),
            "a b\nc"
        );
        assert_eq!(html_to_text("<pre>  x\n  y</pre>z"), "  x\n  y\n\nz");
    }

    #[test]
    fn tree_building_work_grows_with_depth_not_with_siblings() {
        use super::tree_building_work;
        let flat = "<p>x</p><div>y</div><br><img src=x>".repeat(1000);
        assert!(
            tree_building_work(&flat) < 10_000,
            "siblings cost one unit each"
        );
        let sloppy = "<p>unclosed<li>items<td>cells".repeat(1000);
        assert!(
            tree_building_work(&sloppy) < 10_000,
            "implicitly closed elements are not depth"
        );
        let deep = "<div>".repeat(1000);
        assert_eq!(tree_building_work(&deep), 1000 * 1001 / 2);
        assert_eq!(
            tree_building_work("<div/><div/><script><div><div></script>"),
            3
        );
    }

    #[test]
    fn broken_markup_degrades_gracefully() {
        assert_eq!(html_to_text("a < b and c > d"), "a < b and c > d");
        assert_eq!(html_to_text("<img alt=\"a > b\" src=x>text"), "text");
        assert_eq!(html_to_text("text <b"), "text");
        assert_eq!(html_to_text("x<script>never closed"), "x");
        assert_eq!(html_to_text("x<!-- never closed"), "x");
        assert_eq!(html_to_text("</ >y</>"), "y");
        assert_eq!(html_to_text("&#xFFFFFFFF; &#0;"), "\u{FFFD} \u{FFFD}");
    }
}
