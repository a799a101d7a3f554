//! Real mail is messy: broken MIME trees, eight-bit headers, dates like "Whenever", filenames
//! like `../../etc/passwd`. This file decides, once, what Switchboard keeps from a raw message
//! and what it refuses. It is lenient (anything `mail-parser` can make sense of is accepted) but
//! never trusting: addresses are normalised, HTML is sanitised, attachment names are made safe,
//! and a refusal always carries a short reason a person can read in the import report.
//!
//! `mail-parser` 0.11 contains `debug_assert!(false, …)` on some corrupt MIME trees, so in debug
//! builds (tests) it can panic where release builds carry on. The parse call is therefore run
//! under `catch_unwind`, with a headers-only fallback, so that a bad message can never take an
//! import down.

use std::borrow::Cow;
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{
    Addr, Encoding, Header, HeaderName, HeaderValue, Message, MessageParser, MessagePart,
    MimeHeaders, PartType,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::automated::automated_reason;
use super::html_to_text::{html_to_text, windows_1252};
use super::message_id::{message_id, referenced_ids};
use super::sanitize::{push_text_as_html, sanitize_html};

/// One mailbox from an address header.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    /// Display name, decoded and whitespace-collapsed; `None` when absent or empty.
    pub name: Option<String>,
    /// The address itself, trimmed and lowercased.
    pub email: String,
}

/// A non-body MIME part (file attachment, inline image, attached message…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedAttachment {
    /// Safe to use as a file name: no path separators, no control or bidi characters, no
    /// leading dots, at most 200 characters. `None` when the sender gave no usable name.
    pub filename: Option<String>,
    /// Lowercase `type/subtype`.
    pub content_type: String,
    /// `Content-ID` without angle brackets (what `cid:` URLs in the HTML refer to).
    pub content_id: Option<String>,
    /// Meant to be shown inside the body (`Content-Disposition: inline`, or a part with a
    /// `Content-ID` and no disposition) rather than listed as a file.
    pub inline: bool,
    /// Decoded content (transfer encoding removed). Text parts are converted to UTF-8; an
    /// attached message (`message/rfc822`) is its raw RFC 5322 bytes.
    pub data: Vec<u8>,
}

/// What Switchboard keeps from one raw message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedEmail {
    /// `Message-ID` without angle brackets, trimmed.
    pub message_id: Option<String>,
    /// `In-Reply-To` ids without angle brackets.
    pub in_reply_to: Vec<String>,
    /// `References` ids without angle brackets, in header order.
    pub references: Vec<String>,
    /// Decoded (RFC 2047) and whitespace-collapsed; `None` when absent or blank.
    pub subject: Option<String>,
    pub from: Option<Address>,
    pub reply_to: Option<Address>,
    /// All `To` mailboxes (every `To` header, groups flattened), duplicates removed.
    pub to: Vec<Address>,
    /// All `Cc` mailboxes, duplicates removed.
    pub cc: Vec<Address>,
    /// `Date` as unix milliseconds; `None` when missing or unparseable.
    pub date: Option<i64>,
    /// Best plain text: the text/plain body part(s); for HTML-only bodies, text derived from
    /// the HTML. Line endings are `\n`; trailing whitespace is trimmed.
    pub text: String,
    /// Sanitised HTML body; `None` when the message has no text/html body part.
    pub html: Option<String>,
    /// The sanitised HTML still loads something over http(s) (images, table backgrounds) once
    /// the viewer allows remote content.
    pub has_remote_content: bool,
    pub attachments: Vec<ParsedAttachment>,
    /// Why the message looks sent by a machine (newsletter, notification, auto-reply), e.g.
    /// "List-Id: news.example.com"; `None` for a message a person wrote (see `automated.rs`).
    #[serde(default)]
    pub automated: Option<String>,
    /// Lowercase hex SHA-256 of the raw bytes.
    pub raw_sha256: String,
    pub raw_size: usize,
}

/// Why a raw message was refused. `Display` reads "cannot parse message: <reason>".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Zero bytes, or whitespace only.
    #[error("cannot parse message: empty message")]
    Empty,
    /// Not mail at all: no header section.
    #[error("cannot parse message: no RFC 5322 header found")]
    NoHeader,
    /// Headers exist, but none of From, To, Subject, Date, Message-ID.
    #[error("cannot parse message: no usable headers")]
    NoUsableHeaders,
    /// The MIME structure defeated the parser and not even the headers could be read.
    #[error("cannot parse message: unreadable MIME structure")]
    Unreadable,
}

impl ParseError {
    /// The short reason for an import report ("empty message", "no usable headers", …).
    pub fn reason(&self) -> &'static str {
        match self {
            ParseError::Empty => "empty message",
            ParseError::NoHeader => "no RFC 5322 header found",
            ParseError::NoUsableHeaders => "no usable headers",
            ParseError::Unreadable => "unreadable MIME structure",
        }
    }
}

/// Parses one raw RFC 5322 message. Never panics.
pub fn parse_email(raw: &[u8]) -> Result<ParsedEmail, ParseError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    let parser = MessageParser::default();
    match catch_unwind(AssertUnwindSafe(|| parser.parse(raw))) {
        Ok(Some(message)) => {
            check_headers(raw, &message)?;
            Ok(build(raw, &message, Body::Mime))
        }
        Ok(None) => Err(ParseError::NoHeader),
        Err(_) => {
            tracing::warn!(
                raw_size = raw.len(),
                "mail-parser panicked on a corrupt MIME tree; keeping headers and raw body"
            );
            let message = catch_unwind(AssertUnwindSafe(|| parser.parse_headers(raw)))
                .map_err(|_| ParseError::Unreadable)?
                .ok_or(ParseError::NoHeader)?;
            check_headers(raw, &message)?;
            Ok(build(raw, &message, Body::RawAfterHeaders))
        }
    }
}

/// How to obtain the body.
enum Body {
    /// From the parsed MIME tree.
    Mime,
    /// The MIME tree could not be parsed: everything after the header section, as text.
    RawAfterHeaders,
}

/// Refuses messages that carry none of the headers a conversation can be built from.
fn check_headers(raw: &[u8], message: &Message<'_>) -> Result<(), ParseError> {
    let Some(root) = message.parts.first() else {
        return Err(ParseError::NoHeader);
    };
    let usable = root.headers.iter().any(|header| {
        matches!(
            header.name,
            HeaderName::From
                | HeaderName::To
                | HeaderName::Subject
                | HeaderName::Date
                | HeaderName::MessageId
        ) && raw
            .get(header.offset_start as usize..header.offset_end as usize)
            .is_some_and(|value| value.iter().any(|b| !b.is_ascii_whitespace()))
    });
    if usable {
        Ok(())
    } else if first_line_is_header(raw) {
        Err(ParseError::NoUsableHeaders)
    } else {
        Err(ParseError::NoHeader)
    }
}

/// Whether the first non-blank line looks like `Name: value` (RFC 5322 field name, optionally
/// followed by obsolete whitespace before the colon).
pub(crate) fn first_line_is_header(raw: &[u8]) -> bool {
    let line = raw
        .split(|&b| b == b'\n')
        .find(|line| line.iter().any(|b| !b.is_ascii_whitespace()))
        .unwrap_or_default();
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    let name = line[..colon].trim_ascii_end();
    !name.is_empty() && name.iter().all(|&b| (33..=126).contains(&b))
}

fn build(raw: &[u8], message: &Message<'_>, body: Body) -> ParsedEmail {
    let root = &message.parts[0];
    let all = |name: HeaderName<'static>| {
        root.headers
            .iter()
            .filter(move |header| header.name == name)
            .map(|header| header_value(raw, header))
    };
    // Single-valued headers: the last one wins, as in mail-parser.
    let last = |name| all(name).next_back();
    // Message ids are read from the raw bytes: mail-parser cuts `<Order 1001@shop.example>` at
    // the space, which made two different messages share the id "Order".
    let last_raw = |name: HeaderName<'static>| {
        root.headers
            .iter()
            .rfind(|header| header.name == name)
            .and_then(|header| raw.get(header.offset_start as usize..header.offset_end as usize))
            .map(String::from_utf8_lossy)
    };
    let from = last(HeaderName::From).and_then(|value| first_address(&value));
    let automated = automated_reason(
        root.headers.iter().filter_map(|header| {
            let value = raw.get(header.offset_start as usize..header.offset_end as usize)?;
            Some((header.name.as_str(), std::str::from_utf8(value).ok()?))
        }),
        from.as_ref().map(|a| a.email.as_str()),
    );
    let mut parsed = ParsedEmail {
        message_id: last_raw(HeaderName::MessageId).and_then(|value| message_id(&value)),
        in_reply_to: last_raw(HeaderName::InReplyTo)
            .map(|value| referenced_ids(&value))
            .unwrap_or_default(),
        references: last_raw(HeaderName::References)
            .map(|value| referenced_ids(&value))
            .unwrap_or_default(),
        subject: last(HeaderName::Subject)
            .and_then(|value| value.as_text().map(collapse_whitespace))
            .filter(|s| !s.is_empty()),
        from,
        reply_to: last(HeaderName::ReplyTo).and_then(|value| first_address(&value)),
        to: addresses(all(HeaderName::To)),
        cc: addresses(all(HeaderName::Cc)),
        date: message
            .date()
            .filter(|date| date.is_valid())
            .map(|date| date.to_timestamp() * 1000),
        text: String::new(),
        html: None,
        has_remote_content: false,
        attachments: Vec::new(),
        automated,
        raw_sha256: hex::encode(Sha256::digest(raw)),
        raw_size: raw.len(),
    };
    match body {
        Body::Mime => {
            parsed.text = body_text(raw, message);
            if let Some(sanitized) = body_html(message) {
                parsed.html = Some(sanitized.html);
                parsed.has_remote_content = sanitized.has_remote_content;
            }
            parsed.attachments = message
                .attachments
                .iter()
                .filter_map(|&id| message.parts.get(id as usize))
                .filter_map(|part| attachment(raw, part))
                .collect();
        }
        Body::RawAfterHeaders => {
            let start = header_section_end(raw);
            let mut text = String::new();
            push_text_part(&mut text, &String::from_utf8_lossy(&raw[start..]));
            parsed.text = text;
        }
    }
    parsed
}

fn address(addr: &Addr<'_>) -> Option<Address> {
    let email = addr
        .address()?
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    if email.is_empty() || email.chars().any(char::is_whitespace) {
        return None;
    }
    Some(Address {
        name: addr
            .name()
            .map(collapse_whitespace)
            .filter(|name| !name.is_empty()),
        email: email.to_lowercase(),
    })
}

fn first_address(value: &HeaderValue<'_>) -> Option<Address> {
    value.as_address()?.iter().find_map(address)
}

fn addresses<'a>(values: impl Iterator<Item = Cow<'a, HeaderValue<'a>>>) -> Vec<Address> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for value in values {
        let Some(list) = value.as_address() else {
            continue;
        };
        out.extend(
            list.iter()
                .filter_map(address)
                .filter(|addr| seen.insert(addr.email.clone())),
        );
    }
    out
}

/// A header's value. Raw 8-bit values from old clients that mail-parser could only decode with
/// U+FFFD are read again with the invalid bytes taken as windows-1252, the usual charset of such
/// headers, so "Frösche" does not become "Fr\u{FFFD}sche". (8-bit bytes inside an encoded word
/// are decoded by mail-parser with the word's charset and are left alone.)
fn header_value<'m>(raw: &[u8], header: &'m Header<'m>) -> Cow<'m, HeaderValue<'m>> {
    if !has_replacement_char(&header.value) {
        return Cow::Borrowed(&header.value);
    }
    let Some(value) = raw.get(header.offset_start as usize..header.offset_end as usize) else {
        return Cow::Borrowed(&header.value);
    };
    if std::str::from_utf8(value).is_ok() {
        return Cow::Borrowed(&header.value);
    }
    let mut block = String::with_capacity(header.name.len() + value.len() * 2 + 4);
    block.push_str(header.name.as_str());
    block.push(':');
    for chunk in value.utf8_chunks() {
        block.push_str(chunk.valid());
        block.extend(chunk.invalid().iter().map(|&b| windows_1252(b)));
    }
    block.push_str("\r\n");
    MessageParser::default()
        .parse_headers(block.as_bytes())
        .and_then(|message| message.parts.into_iter().next())
        .and_then(|part| part.headers.into_iter().next())
        .map_or(Cow::Borrowed(&header.value), |reparsed| {
            Cow::Owned(reparsed.value.into_owned())
        })
}

/// Text body parts in order; HTML parts that stand in for a missing text part are converted.
fn body_text(raw: &[u8], message: &Message<'_>) -> String {
    let mut text = String::new();
    for part in message
        .text_body
        .iter()
        .filter_map(|&id| message.parts.get(id as usize))
    {
        match &part.body {
            PartType::Text(part_text) => {
                push_text_part(&mut text, &repair_eight_bit(raw, part, part_text));
            }
            PartType::Html(html) => push_text_part(&mut text, &html_to_text(html)),
            _ => {}
        }
    }
    text
}

/// Old clients send 8-bit text without a charset, or labelled UTF-8 when it is Latin-1;
/// mail-parser then shows U+FFFD. Such a part is decoded again from the raw bytes, taking the
/// bytes that are not UTF-8 as windows-1252. Parts with another declared charset are left alone.
fn repair_eight_bit<'t>(raw: &[u8], part: &MessagePart<'_>, text: &'t str) -> Cow<'t, str> {
    if !text.contains('\u{FFFD}') {
        return Cow::Borrowed(text);
    }
    let charset = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .unwrap_or("us-ascii");
    if !["us-ascii", "utf-8", "utf8"]
        .iter()
        .any(|c| charset.eq_ignore_ascii_case(c))
    {
        return Cow::Borrowed(text);
    }
    let Some(body) = raw.get(part.offset_body as usize..part.offset_end as usize) else {
        return Cow::Borrowed(text);
    };
    let decoded = match part.encoding {
        Encoding::None => Some(Cow::Borrowed(body)),
        Encoding::QuotedPrintable => quoted_printable_decode(body).map(Cow::Owned),
        Encoding::Base64 => base64_decode(body).map(Cow::Owned),
    };
    let Some(decoded) = decoded.filter(|bytes| std::str::from_utf8(bytes).is_err()) else {
        return Cow::Borrowed(text);
    };
    let mut repaired = String::with_capacity(decoded.len() + decoded.len() / 8);
    for chunk in decoded.utf8_chunks() {
        repaired.push_str(chunk.valid());
        repaired.extend(chunk.invalid().iter().map(|&b| windows_1252(b)));
    }
    Cow::Owned(repaired)
}

/// Appends one body part: `\n` line endings, trailing whitespace trimmed, a blank line between
/// parts.
fn push_text_part(text: &mut String, part: &str) {
    let part = part.trim_end();
    if part.is_empty() {
        return;
    }
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    if part.contains('\r') {
        text.push_str(&part.replace("\r\n", "\n").replace('\r', "\n"));
    } else {
        text.push_str(part);
    }
}

/// Sanitised HTML of the HTML body parts, or `None` when there is no text/html part (plain
/// text is not turned into HTML: the UI shows `text` for those).
fn body_html(message: &Message<'_>) -> Option<super::SanitizedHtml> {
    let parts: Vec<&MessagePart<'_>> = message
        .html_body
        .iter()
        .filter_map(|&id| message.parts.get(id as usize))
        .collect();
    if !parts
        .iter()
        .any(|part| matches!(part.body, PartType::Html(_)))
    {
        return None;
    }
    if let [part] = parts.as_slice()
        && let PartType::Html(html) = &part.body
    {
        return Some(sanitize_html(html));
    }
    // A mixed body (text, html, text…) shown in one view: text parts become escaped HTML.
    let mut combined = String::new();
    for part in parts {
        match &part.body {
            PartType::Html(html) => combined.push_str(html),
            PartType::Text(text) => push_text_as_html(&mut combined, text),
            _ => {}
        }
    }
    Some(sanitize_html(&combined))
}

fn attachment(raw: &[u8], part: &MessagePart<'_>) -> Option<ParsedAttachment> {
    let (data, default_type): (&[u8], &str) = match &part.body {
        PartType::Text(text) => (text.as_bytes(), "text/plain"),
        PartType::Html(html) => (html.as_bytes(), "text/html"),
        PartType::Binary(bytes) | PartType::InlineBinary(bytes) => {
            (bytes.as_ref(), "application/octet-stream")
        }
        PartType::Message(nested) => {
            // Without a transfer encoding the nested message is a slice of the outer raw
            // message (mail-parser's own `raw_message` is then the whole outer message).
            let bytes = if part.encoding == Encoding::None {
                raw.get(part.offset_body as usize..part.offset_end as usize)
                    .unwrap_or_default()
            } else {
                nested.raw_message.as_ref()
            };
            (bytes, "message/rfc822")
        }
        PartType::Multipart(_) => return None,
    };
    let content_type = match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(subtype) => format!("{}/{}", ct.ctype(), subtype).to_ascii_lowercase(),
            None => default_type.to_owned(),
        },
        None => default_type.to_owned(),
    };
    let content_id = part
        .content_id()
        .map(|id| {
            id.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .trim()
        })
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    let inline = match part.content_disposition() {
        Some(disposition) => disposition.is_inline(),
        None => content_id.is_some(),
    };
    Some(ParsedAttachment {
        filename: attachment_name(raw, part)
            .as_deref()
            .and_then(safe_filename),
        content_type,
        content_id,
        inline,
        data: data.to_vec(),
    })
}

fn has_replacement_char(value: &HeaderValue<'_>) -> bool {
    let bad = |text: &str| text.contains('\u{FFFD}');
    match value {
        HeaderValue::Text(text) => bad(text),
        HeaderValue::TextList(list) => list.iter().any(|text| bad(text)),
        HeaderValue::Address(address) => address
            .iter()
            .any(|addr| addr.name().is_some_and(bad) || addr.address().is_some_and(bad)),
        HeaderValue::ContentType(content_type) => content_type
            .attributes()
            .is_some_and(|attributes| attributes.iter().any(|a| bad(&a.value))),
        _ => false,
    }
}

/// The `filename` of `Content-Disposition`, else the `name` of `Content-Type` (8-bit safe).
fn attachment_name(raw: &[u8], part: &MessagePart<'_>) -> Option<String> {
    [
        (HeaderName::ContentDisposition, "filename"),
        (HeaderName::ContentType, "name"),
    ]
    .into_iter()
    .find_map(|(name, attribute)| {
        let header = part
            .headers
            .iter()
            .rev()
            .find(|header| header.name == name)?;
        let value = header_value(raw, header);
        value
            .as_content_type()?
            .attribute(attribute)
            .map(str::to_owned)
    })
}

/// Longest file name kept, in characters.
const MAX_FILENAME_CHARS: usize = 200;

/// Makes an attachment name safe to show and to save: the last path component only, without
/// control, format (bidi override, zero-width) or Windows-reserved characters, without leading
/// dots, at most 200 characters (keeping the extension), never a Windows device name.
pub(crate) fn safe_filename(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut cleaned = String::with_capacity(base.len());
    let mut pending_space = false;
    for c in base.chars() {
        if c.is_control() || is_invisible_format(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !cleaned.is_empty();
            continue;
        }
        if pending_space {
            cleaned.push(' ');
            pending_space = false;
        }
        if matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
            cleaned.push('_');
        } else {
            cleaned.push(c);
        }
    }
    let cleaned = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    if cleaned.is_empty() {
        return None;
    }
    let mut name = truncate_keeping_extension(cleaned);
    let stem = name.split('.').next().unwrap_or_default();
    if is_windows_device_name(stem) {
        name.insert(0, '_');
        name = truncate_keeping_extension(&name);
    }
    Some(name)
}

fn truncate_keeping_extension(name: &str) -> String {
    if name.chars().count() <= MAX_FILENAME_CHARS {
        return name.to_owned();
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| !ext.is_empty() && ext.chars().count() <= 16);
    match extension {
        Some(ext) => {
            let keep = MAX_FILENAME_CHARS - ext.chars().count() - 1;
            let stem: String = name.chars().take(keep).collect();
            format!("{}.{ext}", stem.trim_end_matches(['.', ' ']))
        }
        None => name
            .chars()
            .take(MAX_FILENAME_CHARS)
            .collect::<String>()
            .trim_end_matches(['.', ' '])
            .to_owned(),
    }
}

/// Format characters that change how a name reads without being visible (bidi overrides turn
/// `invoice<U+202E>fdp.exe` into "invoiceexe.pdf"; zero-width ones hide differences).
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

fn is_windows_device_name(stem: &str) -> bool {
    const DEVICES: [&str; 4] = ["con", "prn", "aux", "nul"];
    let lower = stem.trim_end().to_ascii_lowercase();
    DEVICES.contains(&lower.as_str())
        || ((lower.starts_with("com") || lower.starts_with("lpt"))
            && lower.len() == 4
            && lower.as_bytes()[3].is_ascii_digit())
}

/// Offset of the first byte after the header section (after the first blank line), or the end.
fn header_section_end(raw: &[u8]) -> usize {
    let mut line_start = 0;
    for (i, &b) in raw.iter().enumerate() {
        if b == b'\n' {
            if raw[line_start..i].trim_ascii().is_empty() {
                return i + 1;
            }
            line_start = i + 1;
        }
    }
    raw.len()
}

/// Runs of whitespace become one space; leading and trailing whitespace go.
pub(crate) fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_short_and_display_says_what_failed() {
        assert_eq!(parse_email(b"").unwrap_err().reason(), "empty message");
        assert_eq!(
            parse_email(b" \r\n\t\n").unwrap_err(),
            ParseError::Empty,
            "whitespace only is empty"
        );
        assert_eq!(
            ParseError::NoUsableHeaders.to_string(),
            "cannot parse message: no usable headers"
        );
    }

    #[test]
    fn a_mime_tree_that_trips_mail_parser_is_still_accepted() {
        // A part whose headers start on its boundary line, holding nested message/rfc822 parts:
        // mail-parser 0.11.9 hits `debug_assert!(false, …)` here in debug builds.
        let raw = b"Subject: nested messages\nContent-Type: multipart/mixed; boundary=b\n\n\
--bContent-Type: message/rfc822\n\nContent-Type: message/rfc822\n\n\n--b--";
        let parsed = parse_email(raw).expect("accepted, with whatever body can be recovered");
        assert_eq!(parsed.subject.as_deref(), Some("nested messages"));
        assert_eq!(parsed.raw_size, raw.len());
    }

    #[test]
    fn plain_prose_is_not_mail() {
        let err = parse_email(b"Hello there, this is just a note.\nNothing else.\n").unwrap_err();
        assert_eq!(err, ParseError::NoHeader);
        let err = parse_email(&[0u8, 159, 146, 150, 255, 10, 0, 1]).unwrap_err();
        assert_eq!(err, ParseError::NoHeader, "binary garbage is not mail");
    }

    #[test]
    fn mime_only_headers_are_not_usable() {
        let raw = b"Content-Type: text/plain\r\nMIME-Version: 1.0\r\n\r\nbody\r\n";
        assert_eq!(parse_email(raw).unwrap_err(), ParseError::NoUsableHeaders);
    }

    #[test]
    fn a_single_usable_header_is_enough() {
        let parsed = parse_email(b"Subject: hi\n\nbody\n").unwrap();
        assert_eq!(parsed.subject.as_deref(), Some("hi"));
        assert_eq!(parsed.text, "body");
        assert_eq!(parsed.html, None);
    }

    #[test]
    fn addresses_are_trimmed_lowercased_and_deduplicated() {
        let raw = b"From: \"Ann  Example\" <Ann@Example.COM >\r\n\
To: bob@example.com, BOB@example.com, Team: carol@example.com, dave@example.com;\r\n\
To: erin@example.com\r\nCc: <frank@example.com>\r\nReply-To: Name Only\r\n\r\nx";
        let parsed = parse_email(raw).unwrap();
        assert_eq!(
            parsed.from,
            Some(Address {
                name: Some("Ann Example".into()),
                email: "ann@example.com".into()
            })
        );
        let to: Vec<&str> = parsed.to.iter().map(|a| a.email.as_str()).collect();
        assert_eq!(
            to,
            [
                "bob@example.com",
                "carol@example.com",
                "dave@example.com",
                "erin@example.com"
            ],
            "groups are flattened, every To header counts, duplicates go"
        );
        assert_eq!(parsed.cc[0].email, "frank@example.com");
        assert_eq!(
            parsed.reply_to, None,
            "a name without an address is no address"
        );
    }

    #[test]
    fn ids_lose_brackets_and_bare_lists_are_split() {
        let raw = b"Message-ID: < abc@x >\r\nIn-Reply-To: <p@x>\r\nReferences: <a@x>\r\n <b@x> <p@x>\r\n\r\n";
        let parsed = parse_email(raw).unwrap();
        assert_eq!(parsed.message_id.as_deref(), Some("abc@x"));
        assert_eq!(parsed.in_reply_to, ["p@x"]);
        assert_eq!(parsed.references, ["a@x", "b@x", "p@x"]);
        let parsed = parse_email(b"Subject: s\r\nReferences: a@x b@x\r\n\r\n").unwrap();
        assert_eq!(parsed.references, ["a@x", "b@x"]);
    }

    #[test]
    fn raw_eight_bit_headers_are_read_as_windows_1252() {
        let raw = b"Subject: Die Fr\xf6sche =?utf-8?q?und_M=C3=A4use?= \x80\r\n\
From: J\xfcrgen <J@X.example>\r\nTo: \"M\xfcller, Heinz\" <h@x.example>, ok@x.example\r\n\
Content-Type: text/plain; name=\"Fr\xf6sche.txt\"\r\n\
Content-Disposition: attachment\r\n\r\nbody";
        let parsed = parse_email(raw).unwrap();
        assert_eq!(parsed.subject.as_deref(), Some("Die Frösche und Mäuse €"));
        assert_eq!(parsed.from.unwrap().name.as_deref(), Some("Jürgen"));
        assert_eq!(parsed.to[0].name.as_deref(), Some("Müller, Heinz"));
        assert_eq!(parsed.to[1].email, "ok@x.example");
        assert_eq!(
            parsed.attachments[0].filename.as_deref(),
            Some("Frösche.txt")
        );
        let eudora = parse_email(b"Subject: =?iso-8859-1?Q?Fr\xf6sche?=\r\n\r\n").unwrap();
        assert_eq!(
            eudora.subject.as_deref(),
            Some("Frösche"),
            "raw 8-bit inside an encoded word uses the word's charset"
        );
        let utf8 = parse_email("Subject: Frösche\r\n\r\n".as_bytes()).unwrap();
        assert_eq!(
            utf8.subject.as_deref(),
            Some("Frösche"),
            "valid UTF-8 is left alone"
        );
    }

    #[test]
    fn raw_eight_bit_bodies_are_read_as_windows_1252() {
        let parsed = parse_email(b"Subject: s\r\n\r\nFr\xf6sche \x93quoted\x94\r\n").unwrap();
        assert_eq!(parsed.text, "Frösche “quoted”");
        let mislabelled = b"Subject: s\r\nContent-Type: text/plain; charset=UTF-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\nFr=F6sche =C3=BCber\r\n";
        let parsed = parse_email(mislabelled).unwrap();
        assert_eq!(
            parsed.text, "Frösche über",
            "valid UTF-8 sequences stay UTF-8"
        );
        let declared =
            b"Subject: s\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nFr\xf6sche\r\n";
        assert_eq!(parse_email(declared).unwrap().text, "Frösche");
    }

    #[test]
    fn dates_are_unix_milliseconds_and_garbage_is_none() {
        let parsed = parse_email(b"Date: Thu, 01 Jan 1970 01:00:01 +0100\r\n\r\n").unwrap();
        assert_eq!(parsed.date, Some(1000));
        let parsed = parse_email(b"Subject: x\r\nDate: Whenever\r\n\r\n").unwrap();
        assert_eq!(parsed.date, None);
    }

    #[test]
    fn filenames_cannot_escape_or_deceive() {
        assert_eq!(safe_filename("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(
            safe_filename("C:\\Windows\\evil.exe").as_deref(),
            Some("evil.exe")
        );
        assert_eq!(safe_filename("..").as_deref(), None);
        assert_eq!(safe_filename(" .hidden ").as_deref(), Some("hidden"));
        assert_eq!(
            safe_filename("a\u{0}b\nc\td.txt").as_deref(),
            Some("abcd.txt")
        );
        assert_eq!(
            safe_filename("  my \u{3000} file .txt").as_deref(),
            Some("my file .txt")
        );
        assert_eq!(
            safe_filename("invoice\u{202E}fdp.exe").as_deref(),
            Some("invoicefdp.exe")
        );
        assert_eq!(
            safe_filename("what?<*>.txt").as_deref(),
            Some("what____.txt")
        );
        assert_eq!(safe_filename("CON.txt").as_deref(), Some("_CON.txt"));
        assert_eq!(safe_filename("com1").as_deref(), Some("_com1"));
        assert_eq!(safe_filename("report.").as_deref(), Some("report"));
        let long = format!("{}.pdf", "é".repeat(500));
        let safe = safe_filename(&long).unwrap();
        assert_eq!(safe.chars().count(), 200);
        assert!(safe.ends_with(".pdf"), "the extension survives truncation");
    }

    #[test]
    fn first_line_header_detection() {
        assert!(first_line_is_header(b"\r\nSubject: x\r\n"));
        assert!(
            first_line_is_header(b"Fro :x\n"),
            "obsolete space before the colon"
        );
        assert!(!first_line_is_header(b"From someone Mon Jan 1\n"));
        assert!(!first_line_is_header(b"no colon here\n"));
        assert!(!first_line_is_header(b": empty name\n"));
    }
}
