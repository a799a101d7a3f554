//! Email HTML is written by strangers and shown inside the app, so it is reduced to an
//! allow-list before it is stored (DESIGN §6). This is the first of two walls: the UI also shows
//! it in a sandboxed iframe whose CSP blocks remote loads until the user allows them per sender.
//! That second wall is why remote `<img src>` is *kept* here; what this file must do instead is
//! tell the UI that the message wants to load something (`has_remote_content`), so it can offer
//! the "load remote images" choice — and tracking pixels stay blocked until then.
//!
//! Stylesheets (`<style>`) are dropped, not filtered: ammonia can only filter `style=`
//! attributes, and combining a `style` tag with attribute filtering makes it panic. Inline
//! styles keep only layout and typography properties (`border-image` is deliberately left
//! out). The property allow-list alone does not keep CSS from fetching: ammonia keeps a
//! `url(https://…)` in any allowed property's value, and a browser may accept one where it
//! does not belong (`border: url(…)` is invalid, but the next engine's parser may differ). So
//! any declaration that names a resource — `url(`, `image(`, `image-set(`, `src(`, however
//! escaped or commented — is removed before the allow-list runs ([`strip_css_resources`]).
//! Relative URLs are denied: inside the viewer they would resolve against the app's own origin.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

use super::html_to_text::{html_to_text, tree_building_work};

/// Sanitised HTML and what it still refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanitizedHtml {
    pub html: String,
    /// An `<img src>` or table `background` points at an http(s) URL.
    pub has_remote_content: bool,
}

/// Sanitises untrusted HTML (a whole document or a fragment) for display.
///
/// HTML nested so deeply that parsing it would take more than a fraction of a second is not
/// parsed: its text is shown instead, escaped (see [`MAX_TREE_BUILDING_WORK`]).
pub fn sanitize_html(html: &str) -> SanitizedHtml {
    let work = tree_building_work(html);
    if work > MAX_TREE_BUILDING_WORK {
        tracing::warn!(
            html_bytes = html.len(),
            work,
            "HTML too deeply nested to parse safely; showing its text instead"
        );
        let mut escaped = String::new();
        push_text_as_html(&mut escaped, &html_to_text(html));
        return SanitizedHtml {
            html: escaped,
            has_remote_content: false,
        };
    }
    REMOTE_SEEN.with(|seen| seen.set(false));
    let mut cleaned = SANITIZER.clean(html).to_string();
    // Whatever surrounded the body (head, comments, conditional blocks) leaves blank lines.
    let trimmed = cleaned.trim();
    if trimmed.len() != cleaned.len() {
        cleaned = trimmed.to_owned();
    }
    SanitizedHtml {
        html: cleaned,
        has_remote_content: REMOTE_SEEN.with(Cell::get),
    }
}

/// Upper bound for [`tree_building_work`]. Parsing time grows with it (about 50 ms per 20 million
/// in release builds); ordinary messages stay below a few hundred thousand, long quoted threads
/// below a few million.
pub const MAX_TREE_BUILDING_WORK: u64 = 20_000_000;

/// Appends plain text as HTML: escaped, line breaks kept.
pub(crate) fn push_text_as_html(out: &mut String, text: &str) {
    out.push_str("<div>");
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => {}
            '\n' => out.push_str("<br>\n"),
            c => out.push(c),
        }
    }
    out.push_str("</div>");
}

thread_local! {
    /// Set by the attribute filter while one `clean` call runs on this thread.
    static REMOTE_SEEN: Cell<bool> = const { Cell::new(false) };
}

/// CSS properties kept in `style=` attributes.
const STYLE_PROPERTIES: &[&str] = &[
    "color",
    "background-color",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-variant",
    "font-weight",
    "text-align",
    "text-decoration",
    "text-decoration-color",
    "text-decoration-line",
    "text-decoration-style",
    "text-indent",
    "text-transform",
    "margin",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "padding",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
    "border",
    "border-top",
    "border-right",
    "border-bottom",
    "border-left",
    "border-color",
    "border-style",
    "border-width",
    "border-top-color",
    "border-top-style",
    "border-top-width",
    "border-right-color",
    "border-right-style",
    "border-right-width",
    "border-bottom-color",
    "border-bottom-style",
    "border-bottom-width",
    "border-left-color",
    "border-left-style",
    "border-left-width",
    "border-radius",
    "border-collapse",
    "border-spacing",
    "width",
    "height",
    "line-height",
    "vertical-align",
];

/// Tags kept in addition to ammonia's defaults (which already cover text, lists, tables, img).
const EXTRA_TAGS: &[&str] = &["font", "tfoot", "address"];

/// Tags removed together with everything inside them.
const DROPPED_WITH_CONTENT: &[&str] = &[
    "script", "style", "title", "iframe", "object", "embed", "applet", "frameset", "frame",
    "noframes", "template",
];

/// Attributes kept on specific tags in addition to ammonia's defaults: the presentational
/// attributes that HTML email layouts still depend on.
const EXTRA_TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    (
        "table",
        &[
            "width",
            "height",
            "border",
            "cellpadding",
            "cellspacing",
            "bgcolor",
            "background",
            "valign",
        ],
    ),
    (
        "td",
        &[
            "width",
            "height",
            "valign",
            "bgcolor",
            "background",
            "nowrap",
        ],
    ),
    (
        "th",
        &[
            "width",
            "height",
            "valign",
            "bgcolor",
            "background",
            "nowrap",
        ],
    ),
    ("tr", &["height", "valign", "bgcolor", "background"]),
    ("tbody", &["valign"]),
    ("thead", &["valign"]),
    ("tfoot", &["valign"]),
    ("col", &["width", "valign"]),
    ("colgroup", &["width", "valign"]),
    ("font", &["color", "face", "size"]),
    ("img", &["border", "hspace", "vspace"]),
    ("hr", &["color", "noshade"]),
    ("ol", &["type"]),
    ("ul", &["type"]),
    ("li", &["value"]),
    ("p", &["align"]),
    ("div", &["align"]),
    ("center", &[]),
    ("h1", &["align"]),
    ("h2", &["align"]),
    ("h3", &["align"]),
    ("h4", &["align"]),
    ("h5", &["align"]),
    ("h6", &["align"]),
];

/// Tags on which `background` is kept (and checked like an image source).
const BACKGROUND_TAGS: &[&str] = &["table", "td", "th", "tr"];

static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::default();
    builder
        .add_tags(EXTRA_TAGS)
        .add_clean_content_tags(DROPPED_WITH_CONTENT)
        .add_generic_attributes(["dir", "style"])
        .url_schemes(HashSet::from(["http", "https", "mailto", "cid", "data"]))
        .url_relative(UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true)
        .filter_style_properties(STYLE_PROPERTIES.iter().copied().collect())
        .attribute_filter(filter_attribute);
    let mut tag_attributes: HashMap<&'static str, HashSet<&'static str>> =
        builder.clone_tag_attributes();
    for (tag, attributes) in EXTRA_TAG_ATTRIBUTES {
        tag_attributes
            .entry(tag)
            .or_default()
            .extend(attributes.iter().copied());
    }
    builder.tag_attributes(tag_attributes);
    builder
});

/// Runs on every attribute ammonia has not already removed (including those of elements that
/// are about to be dropped, hence the tag checks). Narrows URL schemes per attribute and notes
/// remote loads.
fn filter_attribute<'u>(tag: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    let keep = match attribute {
        // Links: `data:` is only for images; `cid:` only names parts of this message.
        "href" => matches!(scheme(value).as_deref(), Some("http" | "https" | "mailto")),
        "src" if tag == "img" => image_source(value),
        "background" if BACKGROUND_TAGS.contains(&tag) => image_source(value),
        "cite" => matches!(scheme(value).as_deref(), Some("http" | "https")),
        "style" => return Some(strip_css_resources(value)),
        _ => true,
    };
    keep.then_some(Cow::Borrowed(value))
}

/// CSS functions that make a browser fetch something, as they read once escapes and comments
/// are gone.
/// (`expression(` runs script in old engines.)
const CSS_RESOURCE_FUNCTIONS: &[&str] = &[
    "url(",
    "image(",
    "image-set(",
    "src(",
    "element(",
    "expression(",
];

/// Removes every declaration of an inline style that could load a resource (see the module
/// doc). Declarations are split at top-level `;` (not inside quotes or parentheses), the way
/// a CSS parser splits them.
pub(crate) fn strip_css_resources(style: &str) -> Cow<'_, str> {
    let declarations = split_declarations(style);
    if !declarations.iter().any(|d| loads_resource(d)) {
        return Cow::Borrowed(style);
    }
    Cow::Owned(
        declarations
            .into_iter()
            .filter(|d| !loads_resource(d))
            .collect::<Vec<_>>()
            .join(";"),
    )
}

fn split_declarations(style: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut chars = style.char_indices();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (_, '\\') => {
                chars.next(); // an escaped character never ends anything
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ';') if depth == 0 => {
                out.push(&style[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&style[start..]);
    out
}

/// Whether a declaration, with CSS escapes decoded, comments and whitespace removed and ASCII
/// lowercased, calls a resource-loading function.
fn loads_resource(declaration: &str) -> bool {
    let plain = css_plain(declaration);
    CSS_RESOURCE_FUNCTIONS.iter().any(|f| plain.contains(f))
}

/// The characters a CSS tokenizer would see: `\75` and `\u` both read as `u`, `/* … */` reads
/// as nothing. Whitespace is dropped (`url (` is not a function, but dropping it only makes the
/// check stricter).
fn css_plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let mut hex = String::new();
                while hex.len() < 6
                    && let Some(h) = chars.peek().filter(|h| h.is_ascii_hexdigit())
                {
                    hex.push(*h);
                    chars.next();
                }
                if hex.is_empty() {
                    if let Some(escaped) = chars.next() {
                        out.push(escaped.to_ascii_lowercase());
                    }
                } else {
                    // One whitespace after a hex escape belongs to the escape.
                    if chars.peek().is_some_and(|w| w.is_whitespace()) {
                        chars.next();
                    }
                    let decoded = u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{fffd}');
                    out.push(decoded.to_ascii_lowercase());
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            c if c.is_whitespace() => {}
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

/// Whether an image URL may stay; remote ones are kept and reported.
fn image_source(value: &str) -> bool {
    match scheme(value).as_deref() {
        Some("http" | "https") => {
            REMOTE_SEEN.with(|seen| seen.set(true));
            true
        }
        Some("cid") => true,
        Some("data") => value
            .trim()
            .get(5..11)
            .is_some_and(|media| media.eq_ignore_ascii_case("image/")),
        _ => false,
    }
}

/// The lowercase URL scheme, or `None` for a relative or malformed URL.
fn scheme(url: &str) -> Option<String> {
    let url = url.trim_matches(|c: char| c.is_ascii_whitespace() || c.is_ascii_control());
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(html: &str) -> String {
        sanitize_html(html).html
    }

    #[test]
    fn scripts_styles_frames_and_handlers_go() {
        let out = clean(
            "<style>p{color:red}</style><script>alert(1)</script><p onclick=\"x()\" onmouseover=y>hi</p>\
             <iframe src=\"https://evil\">inside</iframe><object data=x>obj</object><embed src=x>\
             <form action=\"https://evil\"><input name=a>form text</form>",
        );
        assert_eq!(out, "<p>hi</p>form text");
    }

    #[test]
    fn links_get_rel_and_only_safe_schemes() {
        assert_eq!(
            clean("<a href=\"https://example.com/x\">x</a>"),
            "<a href=\"https://example.com/x\" rel=\"noopener noreferrer nofollow\">x</a>"
        );
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<b>x</b>",
            "vbscript:x",
            "/relative",
            "//protocol-relative.example",
            "cid:part@x",
        ] {
            let out = clean(&format!("<a href=\"{bad}\">x</a>"));
            assert!(!out.contains("href"), "{bad} must be dropped, got {out}");
        }
        assert!(clean("<a href=\"mailto:a@b.c\">m</a>").contains("href=\"mailto:a@b.c\""));
    }

    #[test]
    fn remote_images_are_kept_and_reported() {
        let out = sanitize_html("<img src=\"https://t.example/pixel.gif\" width=1 height=1>");
        assert!(out.has_remote_content);
        assert!(out.html.contains("src=\"https://t.example/pixel.gif\""));

        let out = sanitize_html(
            "<table><tr><td background=\"HTTP://x.example/bg.png\">a</td></tr></table>",
        );
        assert!(out.has_remote_content, "table backgrounds load too");

        let out = sanitize_html("<img src=\"cid:logo@x\"><img src=\"data:image/png;base64,AAAA\">");
        assert!(!out.has_remote_content);
        assert!(out.html.contains("cid:logo@x") && out.html.contains("data:image/png"));

        let out = sanitize_html("<img src=\"data:text/html;base64,AAAA\"><img src=\"/local.png\">");
        assert!(
            !out.html.contains("src="),
            "non-image data and relative srcs go: {}",
            out.html
        );

        let out = sanitize_html("<a href=\"https://example.com\">link only</a>");
        assert!(!out.has_remote_content, "links are not loads");

        let out = sanitize_html(
            "<script src=\"https://x.example/a.js\"></script><video poster=\"https://x/p.png\"></video>",
        );
        assert!(!out.has_remote_content, "dropped elements do not count");
    }

    #[test]
    fn the_flag_does_not_leak_between_calls() {
        assert!(sanitize_html("<img src=\"http://x.example/a.png\">").has_remote_content);
        assert!(!sanitize_html("<p>plain</p>").has_remote_content);
    }

    #[test]
    fn styles_keep_only_allowed_properties_and_never_urls() {
        let out = clean(
            "<p style=\"color: red; position: fixed; background-image: url(https://x/y.png); \
             font-weight: bold; border-image: url(https://x/b.png) 30\">x</p>",
        );
        assert_eq!(out, "<p style=\"color:red;font-weight:bold\">x</p>");
        assert!(
            !sanitize_html("<div style=\"background:url(http://x/y)\">x</div>").has_remote_content
        );
    }

    #[test]
    fn urls_inside_allowed_style_properties_are_removed_however_written() {
        for style in [
            "color:red; border: url(https://x.example/b.png)",
            "color:red; font-family: URL( 'https://x.example/f' )",
            "color:red; border: \\75 rl(https://x.example/e)",
            "color:red; border: u\\rl(https://x.example/e)",
            "color:red; border: u\\52L(https://x.example/e)",
            "color:red; border: u/**/rl(https://x.example/c)",
            "color:red; border: -webkit-image-set('https://x.example/i' 1x)",
            "color:red; border: image('https://x.example/i')",
            "color:red; border:url('https://x.example/a;b')",
            "color:red; width: expression(alert(1))",
        ] {
            let out = sanitize_html(&format!("<p style=\"{style}\">x</p>"));
            assert!(
                !out.html.contains("x.example") && !out.html.contains("expression"),
                "{style:?} must lose its resource, got {}",
                out.html
            );
            assert!(
                out.html.contains("color:red"),
                "{style:?}: the harmless declaration stays, got {}",
                out.html
            );
            assert!(!out.has_remote_content, "nothing left to load: {style:?}");
        }
        // The same inside an HTML-escaped attribute value.
        let out = sanitize_html("<td style=\"border:&#x75;rl(https://x.example/a)\">x</td>");
        assert!(!out.html.contains("x.example"), "{}", out.html);
    }

    #[test]
    fn styles_without_resources_pass_through_unchanged() {
        let out = clean("<p style=\"color: rgb(1, 2, 3); font-family: 'A;B', serif\">x</p>");
        assert_eq!(
            out, "<p style=\"color:rgb(1, 2, 3);font-family:&quot;A;B&quot; , serif\">x</p>",
            "a quoted `;` does not split a declaration"
        );
    }

    #[test]
    fn email_layout_attributes_survive() {
        let out = clean(
            "<table width=\"600\" cellpadding=\"0\" bgcolor=\"#fff\"><tr><td valign=\"top\" \
             align=\"center\"><font color=\"red\" face=\"Arial\">x</font></td></tr></table>",
        );
        assert_eq!(
            out,
            "<table width=\"600\" cellpadding=\"0\" bgcolor=\"#fff\"><tbody><tr><td valign=\"top\" \
             align=\"center\"><font color=\"red\" face=\"Arial\">x</font></td></tr></tbody></table>"
        );
    }

    #[test]
    fn whole_documents_reduce_to_their_body() {
        let out = clean(
            "<!DOCTYPE html><html><head><title>T</title><meta charset=utf-8>\
             <link rel=stylesheet href=https://x/s.css></head><body><!-- c --><p>b</p></body></html>",
        );
        assert_eq!(out, "<p>b</p>");
    }

    #[test]
    fn nesting_within_budget_is_parsed() {
        let html = format!(
            "{}<img src=\"https://x.example/a.png\">",
            "<div>".repeat(2_000)
        );
        let out = sanitize_html(&html);
        assert!(out.html.starts_with("<div><div>"));
        assert!(out.has_remote_content);
    }

    #[test]
    fn hostile_nesting_is_shown_as_text_without_parsing() {
        // html5ever needs seconds for this; the pre-scan answers at once.
        let html = format!(
            "{}secret <img src=\"https://x.example/a.png\">",
            "<div/>".repeat(50_000)
        );
        let out = sanitize_html(&html);
        assert_eq!(out.html, "<div>secret</div>");
        assert!(
            !out.has_remote_content,
            "nothing is loaded from escaped text"
        );
    }
}
