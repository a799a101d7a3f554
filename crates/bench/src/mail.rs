//! A deterministic stream of support-inbox email: customers write in, the business replies,
//! threads go back and forth. [`MailGen::next_draft`] produces the logical message (what the
//! search benchmark stores directly); [`render`] turns it into RFC 5322 bytes with the MIME
//! variety real mail has (quoted-printable, base64, HTML-only, multipart/alternative,
//! attachments, RFC 2047 names and subjects, Received and DKIM headers).

use std::collections::VecDeque;
use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset};

use crate::corpus::{self, Person, Vocab};
use crate::rng::{Rng, Zipf, mix};
use crate::words;

/// 2023-01-01T00:00:00Z: the first message's date.
const START_MS: i64 = 1_672_531_200_000;
/// Every corpus spans about two years, whatever its size.
const SPAN_MS: f64 = 2.0 * 365.0 * 86_400_000.0;
/// How many of the most recent threads a reply may continue.
const THREAD_WINDOW: usize = 3_000;
const TIMEZONES_MIN: &[i32] = &[0, 60, 120, -300, -480, 330, 540, -180, 600];

pub struct Draft {
    pub index: usize,
    /// Without angle brackets.
    pub message_id: String,
    pub from: Person,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub subject: String,
    /// Lowercased subject without `Re:`/`Fwd:` (for subject-fallback threading).
    pub subject_key: String,
    pub date_ms: i64,
    pub tz_minutes: i32,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub greeting: String,
    pub paragraphs: Vec<String>,
    pub signoff: Vec<String>,
    pub quote_header: Option<String>,
    pub quote_lines: Vec<String>,
}

impl Draft {
    /// The plain-text body as a mail client would write it (wrapped at 72 columns).
    pub fn text(&self) -> String {
        let mut s = String::with_capacity(2048);
        s.push_str(&self.greeting);
        for p in &self.paragraphs {
            s.push_str("\n\n");
            s.push_str(&corpus::wrap(p, 72));
        }
        s.push_str("\n\n");
        s.push_str(&self.signoff.join("\n"));
        if let Some(h) = &self.quote_header {
            s.push_str("\n\n");
            s.push_str(h);
            for l in &self.quote_lines {
                s.push_str("\n> ");
                s.push_str(l);
            }
        }
        s
    }
}

struct ThreadState {
    subject: String,
    refs: Vec<String>,
    customer: usize,
    last_outbound: bool,
    last_author: String,
    last_date: i64,
    excerpt: Vec<String>,
}

pub struct MailGen {
    seed: u64,
    rng: Rng,
    vocab: Vocab,
    customers: Vec<Person>,
    customer_zipf: Zipf,
    threads: VecDeque<ThreadState>,
    corpus_size: usize,
    next_index: usize,
    date_ms: i64,
    mean_gap_ms: f64,
    body_words: (usize, usize),
    support: Person,
    pub threads_created: usize,
    pub replies: usize,
}

impl MailGen {
    /// `corpus_size` sets the date spacing and the rare-word rate; `body_words` the range of
    /// new words per message (quoted text comes on top).
    pub fn new(
        seed: u64,
        corpus_size: usize,
        customers: usize,
        body_words: (usize, usize),
    ) -> MailGen {
        MailGen {
            seed,
            rng: Rng::new(seed),
            vocab: Vocab::new(),
            customers: corpus::customers(customers),
            customer_zipf: Zipf::new(customers, 0.8),
            threads: VecDeque::with_capacity(THREAD_WINDOW + 1),
            corpus_size,
            next_index: 0,
            date_ms: START_MS,
            mean_gap_ms: SPAN_MS / corpus_size.max(1) as f64,
            body_words,
            support: Person {
                name: words::SELF_NAME.into(),
                email: words::SELF_ADDRESS.into(),
                company: None,
            },
            threads_created: 0,
            replies: 0,
        }
    }

    pub fn next_draft(&mut self) -> Draft {
        let index = self.next_index;
        self.next_index += 1;
        self.date_ms += (self.rng.exp(self.mean_gap_ms) as i64).max(1_000);
        let date_ms = self.date_ms;
        let tz_minutes = *self.rng.pick(TIMEZONES_MIN);

        let reply_to = if !self.threads.is_empty() && self.rng.chance(0.4) {
            let window = self.threads.len().min(THREAD_WINDOW);
            let u = self.rng.f64();
            // Recent threads are likelier to get a reply.
            Some(self.threads.len() - 1 - ((window as f64 * u * u) as usize).min(window - 1))
        } else {
            None
        };

        let (customer, outbound, subject, in_reply_to, references, quote) = match reply_to {
            Some(t) => {
                self.replies += 1;
                let th = &self.threads[t];
                let outbound = if th.last_outbound {
                    self.rng.chance(0.15)
                } else {
                    self.rng.chance(0.65)
                };
                let when = format_date(th.last_date, 0);
                let quote = (
                    format!("On {when}, {} wrote:", th.last_author),
                    th.excerpt.clone(),
                );
                (
                    th.customer,
                    outbound,
                    format!("Re: {}", th.subject),
                    th.refs.last().cloned(),
                    th.refs.clone(),
                    Some(quote),
                )
            }
            None => {
                self.threads_created += 1;
                let customer = self.customer_zipf.sample(&mut self.rng);
                let outbound = self.rng.chance(0.05);
                let mut subject = self.subject();
                if self.rng.chance(0.03) {
                    subject = format!("Fwd: {subject}");
                }
                (customer, outbound, subject, None, Vec::new(), None)
            }
        };

        let cust = self.customers[customer].clone();
        let (from, to) = if outbound {
            (self.support.clone(), vec![cust.clone()])
        } else {
            (cust.clone(), vec![self.support.clone()])
        };
        let cc = if self.rng.chance(0.08) {
            vec![self.customers[self.rng.index(self.customers.len())].clone()]
        } else {
            Vec::new()
        };
        let domain = from
            .email
            .split('@')
            .nth(1)
            .unwrap_or("example.com")
            .to_string();
        let message_id = format!(
            "{:x}.{:012x}@{domain}",
            date_ms / 1000,
            mix(self.seed ^ (index as u64).wrapping_mul(0x9E37)) & 0xFFFF_FFFF_FFFF
        );

        let cust_first = cust.name.split(' ').next().unwrap_or("there").to_string();
        let greeting = if outbound {
            format!("{} {cust_first},", self.rng.pick(words::GREETINGS))
        } else if self.rng.chance(0.5) {
            format!("{},", self.rng.pick(words::GREETINGS))
        } else {
            format!("{} Harbor & Pine team,", self.rng.pick(words::GREETINGS))
        };
        let mut planted = corpus::planted_words(&mut self.rng, self.corpus_size);
        planted.push(corpus::unique_token(index));
        let n_words = self.rng.range(self.body_words.0, self.body_words.1);
        let paragraphs = corpus::paragraphs(&mut self.rng, &self.vocab, n_words, &planted);
        let mut signoff = vec![format!("{},", self.rng.pick(words::SIGNOFFS))];
        if outbound {
            signoff.push((*self.rng.pick(words::AGENTS)).to_string());
            signoff.push(words::SELF_NAME.to_string());
            signoff.push(format!("https://{}/help", words::SELF_DOMAIN));
        } else {
            signoff.push(cust.name.clone());
            if let Some(c) = &cust.company {
                signoff.push(c.clone());
            }
            if self.rng.chance(0.3) {
                signoff.push(format!("Order #{}", 10_000 + self.rng.below(90_000)));
            }
        }

        let base_subject = subject
            .trim_start_matches("Re: ")
            .trim_start_matches("Fwd: ")
            .to_string();
        let subject_key = base_subject.to_lowercase();
        let excerpt: Vec<String> = paragraphs
            .iter()
            .take(2)
            .flat_map(|p| {
                corpus::wrap(p, 72)
                    .lines()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .take(6)
            .collect();
        let author = from.name.clone();
        match reply_to {
            Some(t) => {
                let th = &mut self.threads[t];
                th.refs.push(message_id.clone());
                if th.refs.len() > 10 {
                    th.refs.remove(1); // keep the root and the nine most recent
                }
                th.last_outbound = outbound;
                th.last_author = author;
                th.last_date = date_ms;
                th.excerpt = excerpt;
            }
            None => {
                self.threads.push_back(ThreadState {
                    subject: base_subject,
                    refs: vec![message_id.clone()],
                    customer,
                    last_outbound: outbound,
                    last_author: author,
                    last_date: date_ms,
                    excerpt,
                });
                if self.threads.len() > THREAD_WINDOW {
                    self.threads.pop_front();
                }
            }
        }
        let (quote_header, quote_lines) = match quote {
            Some((h, l)) => (Some(h), l),
            None => (None, Vec::new()),
        };
        Draft {
            index,
            message_id,
            from,
            to,
            cc,
            subject,
            subject_key,
            date_ms,
            tz_minutes,
            in_reply_to,
            references,
            greeting,
            paragraphs,
            signoff,
            quote_header,
            quote_lines,
        }
    }

    fn subject(&mut self) -> String {
        let r = self.rng.f64();
        if r < 0.45 {
            (*self.rng.pick(words::TOPICS)).to_string()
        } else if r < 0.70 {
            format!(
                "{} for order #{}",
                self.rng.pick(words::TOPICS),
                10_000 + self.rng.below(90_000)
            )
        } else if r < 0.85 {
            format!("Question about my {}", self.rng.pick(words::PRODUCTS))
        } else if r < 0.98 {
            let issue = *self.rng.pick(&[
                "broken",
                "stopped working",
                "arrived damaged",
                "wrong size",
                "missing parts",
                "leaking",
            ]);
            let p = self.rng.pick(words::PRODUCTS);
            let mut cs = p.chars();
            let first = cs.next().map(|c| c.to_ascii_uppercase()).unwrap_or('X');
            format!("{first}{} {issue}", cs.as_str())
        } else {
            (*self.rng.pick(words::FOREIGN_SUBJECTS)).to_string()
        }
    }
}

pub fn format_date(ms: i64, tz_minutes: i32) -> String {
    let offset = FixedOffset::east_opt(tz_minutes * 60)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"));
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&offset)
        .to_rfc2822()
}

/// The date in an mbox `From ` separator line (asctime, UTC).
pub fn asctime(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%a %b %e %H:%M:%S %Y")
        .to_string()
}

/// What kind of MIME structure a rendered message got (for the corpus summary).
#[derive(Debug, Clone, Copy, Default)]
pub struct MimeStats {
    pub plain: u64,
    pub quoted_printable: u64,
    pub base64: u64,
    pub alternative: u64,
    pub html_only: u64,
    pub attachments: u64,
    pub encoded_words: u64,
}

/// RFC 5322 bytes for `d` (LF line endings). Choices are seeded by the message index, so the
/// same draft always renders the same way.
pub fn render(d: &Draft, seed: u64, stats: &mut MimeStats) -> Vec<u8> {
    let mut rng = Rng::new(mix(seed ^ 0xB0D1 ^ ((d.index as u64) << 20)));
    let mut h = String::with_capacity(4096);
    let date = format_date(d.date_ms, d.tz_minutes);
    let from_domain = d.from.email.split('@').nth(1).unwrap_or("example.com");
    let relay = rng.below(90) + 10;
    let _ = writeln!(h, "Return-Path: <{}>", d.from.email);
    let _ = writeln!(
        h,
        "Received: from mail-{relay}.{from_domain} (mail-{relay}.{from_domain} [198.51.100.{}])\n\tby mx1.{} (Postfix) with ESMTPS id {:010X}\n\tfor <{}>; {date}",
        rng.below(250) + 1,
        words::SELF_DOMAIN,
        rng.next_u64() & 0xFF_FFFF_FFFF,
        d.to.first()
            .map_or(words::SELF_ADDRESS, |p| p.email.as_str()),
    );
    let _ = writeln!(
        h,
        "Received: by mail-{relay}.{from_domain} with SMTP id {:016x};\n\t{date}",
        rng.next_u64()
    );
    if rng.chance(0.4) {
        let mut sig = vec![0u8; 192];
        rng.fill(&mut sig);
        let b = base64(&sig);
        let mut bh = vec![0u8; 32];
        rng.fill(&mut bh);
        let _ = writeln!(
            h,
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={from_domain}; s=s{};\n\th=from:to:subject:date:message-id:mime-version;\n\tbh={};\n\tb={}\n\t {}\n\t {}\n\t {}",
            rng.below(3) + 1,
            base64(&bh),
            &b[..64],
            &b[64..128],
            &b[128..192],
            &b[192..]
        );
    }
    let _ = writeln!(h, "Date: {date}");
    let _ = writeln!(h, "From: {}", address(&d.from, stats));
    let to: Vec<String> = d.to.iter().map(|p| address(p, stats)).collect();
    let _ = writeln!(h, "To: {}", to.join(", "));
    if !d.cc.is_empty() {
        let cc: Vec<String> = d.cc.iter().map(|p| address(p, stats)).collect();
        let _ = writeln!(h, "Cc: {}", cc.join(", "));
    }
    let _ = writeln!(h, "Subject: {}", encode_word_if_needed(&d.subject, stats));
    let _ = writeln!(h, "Message-ID: <{}>", d.message_id);
    if let Some(p) = &d.in_reply_to {
        let _ = writeln!(h, "In-Reply-To: <{p}>");
    }
    if !d.references.is_empty() {
        let refs: Vec<String> = d.references.iter().map(|r| format!("<{r}>")).collect();
        let _ = writeln!(h, "References: {}", refs.join("\n "));
    }
    if rng.chance(0.5) {
        let mailer = *rng.pick(&[
            "Apple Mail (2.3774.500.171.1.1)",
            "Microsoft Outlook 16.0",
            "Mozilla Thunderbird 115.8.0",
            "Roundcube Webmail/1.6.5",
        ]);
        let _ = writeln!(h, "X-Mailer: {mailer}");
    }
    h.push_str("MIME-Version: 1.0\n");

    let text = d.text();
    let r = rng.f64();
    let body = if r < 0.58 {
        stats.plain += 1;
        single_part("text/plain", &text, Cte::Plain)
    } else if r < 0.68 {
        stats.quoted_printable += 1;
        single_part("text/plain", &text, Cte::QuotedPrintable)
    } else if r < 0.72 {
        stats.base64 += 1;
        single_part("text/plain", &text, Cte::Base64)
    } else if r < 0.92 {
        stats.alternative += 1;
        let boundary = format!("alt_{:x}_{:08x}", d.index, rng.next_u64() as u32);
        let text_cte = if rng.chance(0.5) {
            Cte::Plain
        } else {
            Cte::QuotedPrintable
        };
        let html = html_body(d, rng.chance(0.3));
        format!(
            "Content-Type: multipart/alternative; boundary=\"{boundary}\"\n\nThis is a multi-part message in MIME format.\n\n--{boundary}\n{}\n--{boundary}\n{}\n--{boundary}--\n",
            single_part("text/plain", &text, text_cte),
            single_part("text/html", &html, Cte::QuotedPrintable),
        )
    } else {
        stats.html_only += 1;
        let html = html_body(d, rng.chance(0.3));
        let cte = if rng.chance(0.7) {
            Cte::QuotedPrintable
        } else {
            Cte::Plain
        };
        single_part("text/html", &html, cte)
    };
    let body = if rng.chance(0.03) {
        stats.attachments += 1;
        let boundary = format!("mixed_{:x}_{:08x}", d.index, rng.next_u64() as u32);
        format!(
            "Content-Type: multipart/mixed; boundary=\"{boundary}\"\n\n--{boundary}\n{body}\n--{boundary}\n{}\n--{boundary}--\n",
            attachment(&mut rng, d.index)
        )
    } else {
        body
    };
    h.push_str(&body);
    if !h.ends_with('\n') {
        h.push('\n');
    }
    h.into_bytes()
}

#[derive(Clone, Copy)]
enum Cte {
    Plain,
    QuotedPrintable,
    Base64,
}

/// Content-Type and Content-Transfer-Encoding headers, a blank line and the encoded content.
fn single_part(content_type: &str, content: &str, cte: Cte) -> String {
    let (name, encoded) = match cte {
        Cte::Plain if content.is_ascii() => ("7bit", content.to_string()),
        Cte::Plain => ("8bit", content.to_string()),
        Cte::QuotedPrintable => ("quoted-printable", quoted_printable(content)),
        Cte::Base64 => ("base64", base64_lines(content.as_bytes())),
    };
    format!(
        "Content-Type: {content_type}; charset=\"utf-8\"\nContent-Transfer-Encoding: {name}\n\n{encoded}\n"
    )
}

fn attachment(rng: &mut Rng, index: usize) -> String {
    let (content_type, filename, data) = match rng.below(3) {
        0 => {
            let mut data = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
            let mut rest = vec![0u8; rng.range(1_000, 6_000)];
            rng.fill(&mut rest);
            data.extend(rest);
            ("application/pdf", format!("invoice-{index}.pdf"), data)
        }
        1 => {
            let mut data = b"\x89PNG\r\n\x1a\n".to_vec();
            let mut rest = vec![0u8; rng.range(1_000, 5_000)];
            rng.fill(&mut rest);
            data.extend(rest);
            ("image/png", format!("photo_{index}.png"), data)
        }
        _ => {
            let mut csv = String::from("order,sku,quantity,price\n");
            for _ in 0..rng.range(20, 120) {
                let _ = writeln!(
                    csv,
                    "{},{:06},{},{}.{:02}",
                    10_000 + rng.below(90_000),
                    rng.below(1_000_000),
                    rng.range(1, 5),
                    rng.range(5, 400),
                    rng.below(100)
                );
            }
            (
                "text/csv",
                format!("order-export-{index}.csv"),
                csv.into_bytes(),
            )
        }
    };
    format!(
        "Content-Type: {content_type}; name=\"{filename}\"\nContent-Disposition: attachment; filename=\"{filename}\"\nContent-Transfer-Encoding: base64\n\n{}\n",
        base64_lines(&data)
    )
}

fn html_body(d: &Draft, logo: bool) -> String {
    let mut s = String::with_capacity(4096);
    s.push_str("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><style>p{margin:0 0 1em} blockquote{border-left:2px solid #ccc;padding-left:8px}</style></head>\n<body><div style=\"font-family:Arial,sans-serif;font-size:14px;color:#222\">\n");
    let _ = writeln!(s, "<p>{}</p>", escape_html(&d.greeting));
    for p in &d.paragraphs {
        let _ = writeln!(s, "<p>{}</p>", escape_html(p));
    }
    let sign: Vec<String> = d.signoff.iter().map(|l| escape_html(l)).collect();
    let _ = writeln!(s, "<p>{}</p>", sign.join("<br>\n"));
    if logo {
        let _ = writeln!(
            s,
            "<p><img src=\"https://cdn.{}/img/logo.png\" width=\"120\" height=\"32\" alt=\"Harbor &amp; Pine\"></p>",
            words::SELF_DOMAIN
        );
    }
    if let Some(hdr) = &d.quote_header {
        let lines: Vec<String> = d.quote_lines.iter().map(|l| escape_html(l)).collect();
        let _ = writeln!(
            s,
            "<div class=\"quote\"><p>{}</p><blockquote type=\"cite\"><p>{}</p></blockquote></div>",
            escape_html(hdr),
            lines.join("<br>\n")
        );
    }
    s.push_str("</div></body></html>");
    s
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

fn address(p: &Person, stats: &mut MimeStats) -> String {
    if !p.name.is_ascii() {
        stats.encoded_words += 1;
        format!("=?UTF-8?B?{}?= <{}>", base64(p.name.as_bytes()), p.email)
    } else if p.name.chars().any(|c| "&,;:()<>@[]\".".contains(c)) {
        format!("\"{}\" <{}>", p.name.replace('"', "\\\""), p.email)
    } else {
        format!("{} <{}>", p.name, p.email)
    }
}

fn encode_word_if_needed(s: &str, stats: &mut MimeStats) -> String {
    if s.is_ascii() {
        s.to_string()
    } else {
        stats.encoded_words += 1;
        format!("=?UTF-8?B?{}?=", base64(s.as_bytes()))
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Base64 in lines of 76 characters.
fn base64_lines(data: &[u8]) -> String {
    let flat = base64(data);
    let mut out = String::with_capacity(flat.len() + flat.len() / 76 + 1);
    for (k, chunk) in flat.as_bytes().chunks(76).enumerate() {
        if k > 0 {
            out.push('\n');
        }
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// RFC 2045 quoted-printable with soft line breaks at 76 columns; `\n` stays a hard break.
pub fn quoted_printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (li, line) in text.split('\n').enumerate() {
        if li > 0 {
            out.push('\n');
        }
        let bytes = line.as_bytes();
        let mut col = 0;
        for (k, &b) in bytes.iter().enumerate() {
            let last = k + 1 == bytes.len();
            let literal = match b {
                b' ' | b'\t' => !last,
                b'=' => false,
                33..=126 => true,
                _ => false,
            };
            let width = if literal { 1 } else { 3 };
            if col + width > 75 {
                out.push_str("=\n");
                col = 0;
            }
            if literal {
                out.push(b as char);
            } else {
                out.push('=');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
            col += width;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoders() {
        assert_eq!(base64(b"Man"), "TWFu");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
        assert_eq!(quoted_printable("a=b é "), "a=3Db =C3=A9=20");
        let long = "x".repeat(200);
        assert!(quoted_printable(&long).lines().all(|l| l.len() <= 76));
    }

    #[test]
    fn drafts_thread_and_render() {
        let mut g = MailGen::new(1, 1_000, 200, (150, 280));
        let mut stats = MimeStats::default();
        let mut total = 0;
        let mut replies = 0;
        for _ in 0..1_000 {
            let d = g.next_draft();
            replies += usize::from(d.in_reply_to.is_some());
            let raw = render(&d, 1, &mut stats);
            assert!(raw.ends_with(b"\n"));
            total += raw.len();
        }
        assert!((300..500).contains(&replies), "{replies}");
        let avg = total / 1_000;
        assert!((2_000..3_600).contains(&avg), "average size {avg}");
        assert!(stats.html_only > 0 && stats.alternative > 0 && stats.base64 > 0);
    }
}
