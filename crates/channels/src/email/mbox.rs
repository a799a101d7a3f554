//! An mbox is one file holding a whole mailbox, often gigabytes (Google Takeout, Thunderbird).
//! Reading it must take memory proportional to one message, not to the file, so it is split
//! while streaming, line by line. Lines are read with a cap too: a corrupt mbox without line
//! breaks must not become one giant allocation.
//!
//! Splitting follows the mboxrd convention: a message starts at a line beginning with "From "
//! that opens the file or follows an empty line; that "From_" line is not part of the message,
//! nor is the empty line before it; `>From `, `>>From `… lose one `>`.

use std::io::{self, BufRead};

/// Largest message kept, in bytes; larger ones are reported, not loaded.
pub const MAX_MESSAGE_BYTES: usize = 128 * 1024 * 1024;

/// Longest first line considered when deciding whether a file is an mbox.
const MAX_SNIFF_LINE: usize = 64 * 1024;

/// Why a message could not be taken from an mbox.
#[derive(Debug, thiserror::Error)]
pub enum MboxError {
    #[error("cannot read mbox: {0}")]
    Io(#[from] io::Error),
    #[error("cannot read mbox message: larger than {limit} bytes")]
    TooLarge { limit: usize },
}

/// What the start of a file says about it.
pub enum Sniffed<R> {
    /// The first non-empty line starts with "From ": messages follow.
    Mbox(MboxReader<R>),
    /// Anything else. `consumed` holds the bytes already read (leading empty lines and at most
    /// the first non-empty line), so the caller can still read the file as one message.
    NotMbox { consumed: Vec<u8>, reader: R },
}

/// Streams the messages of an mbox.
pub struct MboxReader<R> {
    reader: R,
    bytes_read: u64,
    max_message_bytes: usize,
    finished: bool,
    /// Scratch space for lines of a message that is already too large.
    scratch: Vec<u8>,
}

impl<R: BufRead> MboxReader<R> {
    /// Reads the start of `reader` and decides whether it is an mbox.
    pub fn sniff(reader: R) -> io::Result<Sniffed<R>> {
        Self::sniff_with_limit(reader, MAX_MESSAGE_BYTES)
    }

    /// As [`MboxReader::sniff`], with a custom per-message size limit.
    pub fn sniff_with_limit(mut reader: R, max_message_bytes: usize) -> io::Result<Sniffed<R>> {
        let mut consumed = Vec::new();
        loop {
            let start = consumed.len();
            let read = read_line_limited(&mut reader, &mut consumed, MAX_SNIFF_LINE)?;
            if read == 0 {
                return Ok(Sniffed::NotMbox { consumed, reader });
            }
            let line = &consumed[start..];
            if line.trim_ascii().is_empty() {
                continue;
            }
            if line.starts_with(b"From ") && read == line.len() {
                return Ok(Sniffed::Mbox(MboxReader {
                    reader,
                    bytes_read: consumed.len() as u64,
                    max_message_bytes,
                    finished: false,
                    scratch: Vec::new(),
                }));
            }
            return Ok(Sniffed::NotMbox { consumed, reader });
        }
    }

    /// Bytes consumed from the underlying reader so far (including From_ lines).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Reads the next message: everything up to the next From_ line or the end of input.
    fn read_message(&mut self) -> Result<Vec<u8>, MboxError> {
        let mut message = Vec::new();
        let mut too_large = false;
        // Start of the previous line in `message`, if it was empty.
        let mut previous_empty: Option<usize> = None;
        loop {
            let line_start = message.len();
            let room = self.max_message_bytes.saturating_sub(line_start);
            let (read, line) = if too_large || room < 8 {
                // Keep only enough of each line to recognise separators.
                too_large = true;
                self.scratch.clear();
                let read = read_line_limited(&mut self.reader, &mut self.scratch, 8)?;
                (read, LineKind::of(&self.scratch))
            } else {
                let read = read_line_limited(&mut self.reader, &mut message, room)?;
                if message.len() - line_start < read {
                    too_large = true;
                }
                (read, LineKind::of(&message[line_start..]))
            };
            self.bytes_read += read as u64;
            if read == 0 {
                self.finished = true;
                if let Some(empty_start) = previous_empty {
                    message.truncate(empty_start);
                }
                break;
            }
            if let (Some(empty_start), LineKind::From) = (previous_empty, line) {
                message.truncate(empty_start);
                break;
            }
            previous_empty = (line == LineKind::Empty).then_some(line_start);
            if line == LineKind::EscapedFrom && !too_large {
                message.remove(line_start);
            }
        }
        if too_large {
            return Err(MboxError::TooLarge {
                limit: self.max_message_bytes,
            });
        }
        Ok(message)
    }
}

impl<R: BufRead> Iterator for MboxReader<R> {
    type Item = Result<Vec<u8>, MboxError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let result = self.read_message();
        if result
            .as_ref()
            .is_err_and(|e| matches!(e, MboxError::Io(_)))
        {
            // The stream is in an unknown state; do not guess at further messages.
            self.finished = true;
        }
        Some(result)
    }
}

/// What matters about a line when splitting.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LineKind {
    Empty,
    /// Starts with "From ": a separator if it follows an empty line.
    From,
    /// `>From `, `>>From `…: a body line that was escaped when the mbox was written.
    EscapedFrom,
    Other,
}

impl LineKind {
    fn of(line: &[u8]) -> LineKind {
        if matches!(line, b"\n" | b"\r\n") {
            return LineKind::Empty;
        }
        if line.starts_with(b"From ") {
            return LineKind::From;
        }
        let quotes = line.iter().take_while(|&&b| b == b'>').count();
        if quotes > 0 && line[quotes..].starts_with(b"From ") {
            LineKind::EscapedFrom
        } else {
            LineKind::Other
        }
    }
}

/// Appends one line (with its `\n`) to `out`, keeping at most `limit` bytes of it; the rest of
/// the line is consumed and dropped. Returns the number of bytes consumed (0 at end of input).
fn read_line_limited<R: BufRead>(
    reader: &mut R,
    out: &mut Vec<u8>,
    limit: usize,
) -> io::Result<usize> {
    let mut consumed = 0;
    let mut kept = 0;
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(consumed);
        }
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(at) => (&buf[..=at], true),
            None => (buf, false),
        };
        let keep = chunk.len().min(limit - kept);
        out.extend_from_slice(&chunk[..keep]);
        kept += keep;
        let len = chunk.len();
        reader.consume(len);
        consumed += len;
        if done {
            return Ok(consumed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(mbox: &[u8]) -> Vec<Vec<u8>> {
        match MboxReader::sniff(mbox).unwrap() {
            Sniffed::Mbox(reader) => reader.map(|m| m.unwrap()).collect(),
            Sniffed::NotMbox { .. } => panic!("not an mbox"),
        }
    }

    #[test]
    fn splits_on_from_lines_after_empty_lines() {
        let mbox = b"\nFrom a@x Mon Jan  1 00:00:00 2024\nSubject: 1\n\nbody\nFrom here on, not a separator\n\n\
From b@x Mon Jan  1 00:00:00 2024\r\nSubject: 2\r\n\r\n>From escaped\r\n>>From twice\r\n>Fromage\r\n\r\n";
        let got = messages(mbox);
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0],
            b"Subject: 1\n\nbody\nFrom here on, not a separator\n".to_vec(),
            "a From line that does not follow an empty line is body text"
        );
        assert_eq!(
            got[1],
            b"Subject: 2\r\n\r\nFrom escaped\r\n>From twice\r\n>Fromage\r\n".to_vec(),
            "one > is removed from >+From lines only; the final empty line goes"
        );
    }

    #[test]
    fn files_that_do_not_start_with_from_are_not_mboxes() {
        let Sniffed::NotMbox { consumed, .. } =
            MboxReader::sniff(&b"\n\nSubject: x\n\nFrom y\n"[..]).unwrap()
        else {
            panic!("sniffed as mbox");
        };
        assert_eq!(consumed, b"\n\nSubject: x\n");
        assert!(matches!(
            MboxReader::sniff(&b""[..]).unwrap(),
            Sniffed::NotMbox { .. }
        ));
    }

    #[test]
    fn oversized_messages_are_reported_and_skipped() {
        let mut mbox = b"From a\nSubject: big\n\n".to_vec();
        mbox.extend(std::iter::repeat_n(b'x', 1000));
        mbox.extend_from_slice(b"\n\nFrom b\nSubject: small\n\nok\n");
        let Sniffed::Mbox(reader) = MboxReader::sniff_with_limit(&mbox[..], 100).unwrap() else {
            panic!("not an mbox");
        };
        let got: Vec<_> = reader.collect();
        assert_eq!(got.len(), 2);
        assert!(matches!(got[0], Err(MboxError::TooLarge { limit: 100 })));
        assert_eq!(got[1].as_ref().unwrap(), b"Subject: small\n\nok\n");
    }

    #[test]
    fn counts_every_byte_read() {
        let mbox = b"From a\nS: 1\n\nFrom b\nS: 2\n";
        let Sniffed::Mbox(mut reader) = MboxReader::sniff(&mbox[..]).unwrap() else {
            panic!("not an mbox");
        };
        while reader.next().is_some() {}
        assert_eq!(reader.bytes_read(), mbox.len() as u64);
    }
}
