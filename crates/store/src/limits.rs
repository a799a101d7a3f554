//! Size caps on text written by strangers, applied where a message enters the store.
//!
//! A sender chooses the length of a Subject, a display name or a body. Stored whole, a 20 MB
//! Subject would travel into every case list, every search result and every `--json` line. The
//! store therefore keeps header-like fields to [`MAX_FIELD_CHARS`] characters and the text it
//! indexes and shows to [`MAX_BODY_BYTES`]. Attachments are kept as they came, and a body that
//! was cut is kept whole as one more attachment ([`FULL_TEXT_FILENAME`], a file under the data
//! folder that no list ever loads), so no text of the body is lost.

use std::borrow::Cow;
use std::path::Path;

use crate::Result;
use crate::ingest::{NewAttachment, NewMessage};

/// Subject, display names, handles, snippet: at most this many characters, the last one an
/// ellipsis when cut.
pub const MAX_FIELD_CHARS: usize = 1_000;

/// Plain text and sanitized HTML of one message: at most this many bytes (1 MiB) plus a short
/// notice saying the rest is in the original.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The attachment holding the whole plain text of a body that was cut.
pub const FULL_TEXT_FILENAME: &str = "full-message-text.txt";

/// Appended to a body that was cut.
pub const BODY_CUT_NOTICE: &str = "\n\n[Switchboard shows the first 1 MB of this message; the whole text is attached as full-message-text.txt.]";

/// `m` with every stranger-written text field within its cap; borrowed when nothing is too long
/// (the common case costs one length check per field). When the body is cut, its whole text is
/// first written under `data_dir` (see [`crate::attachments::put`]) and attached.
pub fn bounded<'m>(data_dir: &Path, m: &'m NewMessage) -> Result<Cow<'m, NewMessage>> {
    if !needs_cut(m) {
        return Ok(Cow::Borrowed(m));
    }
    let mut m = m.clone();
    if m.text.len() > MAX_BODY_BYTES || m.html.as_ref().is_some_and(|h| h.len() > MAX_BODY_BYTES) {
        let sha = crate::attachments::put(data_dir, m.text.as_bytes())?;
        m.attachments.push(NewAttachment {
            filename: Some(FULL_TEXT_FILENAME.into()),
            content_type: "text/plain; charset=utf-8".into(),
            content_id: None,
            inline: false,
            size: m.text.len() as i64,
            sha256: sha,
        });
    }
    cut_field_opt(&mut m.subject);
    cut_field_opt(&mut m.subject_key);
    cut_field(&mut m.snippet);
    if let Some(a) = &mut m.author {
        cut_field_opt(&mut a.display_name);
        cut_field_opt(&mut a.handle);
    }
    for r in &mut m.recipients {
        cut_field_opt(&mut r.name);
    }
    cut_text(&mut m.text);
    if let Some(html) = &mut m.html {
        cut_html(html);
    }
    Ok(Cow::Owned(m))
}

fn needs_cut(m: &NewMessage) -> bool {
    let long_field =
        |s: &str| s.len() > MAX_FIELD_CHARS && s.chars().nth(MAX_FIELD_CHARS).is_some();
    let long_opt = |s: &Option<String>| s.as_deref().is_some_and(long_field);
    long_opt(&m.subject)
        || long_opt(&m.subject_key)
        || long_field(&m.snippet)
        || m.author
            .as_ref()
            .is_some_and(|a| long_opt(&a.display_name) || long_opt(&a.handle))
        || m.recipients.iter().any(|r| long_opt(&r.name))
        || m.text.len() > MAX_BODY_BYTES
        || m.html.as_ref().is_some_and(|h| h.len() > MAX_BODY_BYTES)
}

/// Keeps the first `MAX_FIELD_CHARS - 1` characters and an ellipsis when `s` is longer.
pub fn cut_field(s: &mut String) {
    if s.len() <= MAX_FIELD_CHARS {
        return;
    }
    let mut starts = s.char_indices().map(|(i, _)| i);
    let Some(keep) = starts.nth(MAX_FIELD_CHARS - 1) else {
        return;
    };
    if starts.next().is_none() {
        return; // exactly MAX_FIELD_CHARS characters, only long in bytes
    }
    s.truncate(keep);
    s.push('…');
}

fn cut_field_opt(s: &mut Option<String>) {
    if let Some(s) = s {
        cut_field(s);
    }
}

/// The largest char boundary at or below `max`.
fn floor_boundary(s: &str, max: usize) -> usize {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    end
}

fn cut_text(s: &mut String) {
    if s.len() <= MAX_BODY_BYTES {
        return;
    }
    s.truncate(floor_boundary(s, MAX_BODY_BYTES));
    s.push_str(BODY_CUT_NOTICE);
}

/// Cuts sanitized HTML without leaving half a tag at the end (a tag cut inside an attribute
/// would swallow the notice).
fn cut_html(s: &mut String) {
    if s.len() <= MAX_BODY_BYTES {
        return;
    }
    let mut end = floor_boundary(s, MAX_BODY_BYTES);
    if let Some(open) = s[..end].rfind('<')
        && !s[open..end].contains('>')
    {
        end = open;
    }
    s.truncate(end);
    s.push_str("<p>");
    s.push_str(BODY_CUT_NOTICE.trim());
    s.push_str("</p>");
}
