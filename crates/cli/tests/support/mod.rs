//! Helpers for the black-box CLI tests: a throwaway workspace, a runner for the built
//! `switchboard` binary, and generators for the mail the tests import.
//!
//! Nothing here reads fixtures from the repository: every input is written by the test that
//! uses it, so a test says in one place what it feeds the CLI and what it expects back.

#![allow(dead_code)] // each helper is used by some tests, not all

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

/// The binary under test, built by cargo for this test run.
pub const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

/// Prefix of every error line (docs/cli.md, "Errors").
pub const ERROR_PREFIX: &str = "switchboard: error: ";

/// A `switchboard` command with an environment that cannot reach the real user's data: no
/// inherited `SWITCHBOARD_DATA_DIR`, and `HOME`/`XDG_DATA_HOME` inside the test's temp folder.
pub fn base_command(sandbox: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.env_remove("SWITCHBOARD_DATA_DIR")
        .env_remove("SWITCHBOARD_LOG")
        .env("HOME", sandbox.join("home"))
        .env("XDG_DATA_HOME", sandbox.join("xdg-data"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub cmdline: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from_output(cmdline: String, out: Output) -> Run {
        Run {
            cmdline,
            code: out.status.code(),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }

    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Asserts the run failed the documented way: a non-zero exit and exactly one line on stderr
    /// in the form `switchboard: error: <message>`. Returns the message.
    pub fn error_message(&self) -> &str {
        assert!(
            !self.success() && self.code.is_some(),
            "`{}` should fail with a non-zero exit code, got {:?}\nstdout: {}\nstderr: {}",
            self.cmdline,
            self.code,
            self.stdout,
            self.stderr
        );
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "`{}` should print exactly one error line on stderr, got:\n{}",
            self.cmdline,
            self.stderr
        );
        lines[0].strip_prefix(ERROR_PREFIX).unwrap_or_else(|| {
            panic!(
                "`{}`: the error line should start with {ERROR_PREFIX:?}: {:?}",
                self.cmdline, lines[0]
            )
        })
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "`{}` should print JSON on stdout ({e}):\n{}",
                self.cmdline, self.stdout
            )
        })
    }
}

/// A throwaway workspace: a temp folder holding the data folder and the test's input files.
pub struct Sb {
    pub root: tempfile::TempDir,
    /// The data folder passed as `--data-dir`.
    pub data: PathBuf,
}

impl Sb {
    /// A sandbox whose data folder has not been initialised.
    pub fn uninitialised() -> Sb {
        let root = tempfile::tempdir().expect("temp dir");
        let data = root.path().join("data");
        Sb { root, data }
    }

    /// A sandbox with `switchboard init` already run.
    pub fn new() -> Sb {
        let sb = Sb::uninitialised();
        sb.ok(&["init"]);
        sb
    }

    /// A path inside the sandbox (for inputs and outputs), parents created.
    pub fn path(&self, rel: &str) -> PathBuf {
        let p = self.root.path().join(rel);
        if let Some(dir) = p.parent() {
            fs::create_dir_all(dir).expect("create parent");
        }
        p
    }

    /// `switchboard --data-dir <data>` with the sandbox environment.
    pub fn command(&self) -> Command {
        let mut c = base_command(self.root.path());
        c.arg("--data-dir").arg(&self.data);
        c
    }

    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        let mut c = self.command();
        c.args(args);
        run_command(c, args)
    }

    /// Runs and asserts exit 0.
    pub fn ok<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        let r = self.run(args);
        assert!(
            r.success(),
            "`{}` should succeed, got exit {:?}\nstdout: {}\nstderr: {}",
            r.cmdline,
            r.code,
            r.stdout,
            r.stderr
        );
        r
    }

    /// Runs, asserts exit 0, and parses stdout as JSON.
    pub fn json<S: AsRef<OsStr>>(&self, args: &[S]) -> Value {
        self.ok(args).json()
    }

    /// Runs and asserts the documented failure form; returns the run.
    pub fn fail<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        let r = self.run(args);
        r.error_message();
        r
    }

    /// Starts the binary in the background (stdout/stderr captured).
    pub fn spawn<S: AsRef<OsStr>>(&self, args: &[S]) -> Child {
        let mut c = self.command();
        c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        c.spawn().expect("spawn switchboard")
    }

    /// `case list --json --limit 0` (all cases).
    pub fn cases(&self) -> Vec<Value> {
        let v = self.json(&["case", "list", "--json", "--limit", "0"]);
        v["cases"].as_array().expect("cases array").clone()
    }

    /// `case show ID --json`.
    pub fn case(&self, id: i64) -> Value {
        self.json(&["case", "show", &id.to_string(), "--json"])
    }

    /// The case whose subject is `subject` (panics when there is not exactly one).
    pub fn case_by_subject(&self, subject: &str) -> Value {
        let all = self.cases();
        let found: Vec<&Value> = all.iter().filter(|c| c["subject"] == subject).collect();
        assert_eq!(
            found.len(),
            1,
            "expected exactly one case with subject {subject:?} in {all:#?}"
        );
        found[0].clone()
    }

    /// `(case id, status, message_count)` of every case, sorted: a fingerprint to prove a
    /// failed command changed nothing.
    pub fn fingerprint(&self) -> Vec<(i64, String, i64, usize)> {
        let mut v: Vec<_> = self
            .cases()
            .iter()
            .map(|c| {
                (
                    c["id"].as_i64().unwrap(),
                    c["status"].as_str().unwrap().to_string(),
                    c["message_count"].as_i64().unwrap(),
                    c["root_causes"].as_array().unwrap().len(),
                )
            })
            .collect();
        v.sort();
        v
    }
}

pub fn run_command<S: AsRef<OsStr>>(mut c: Command, args: &[S]) -> Run {
    let cmdline = std::iter::once("switchboard".to_string())
        .chain(
            args.iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned()),
        )
        .collect::<Vec<_>>()
        .join(" ");
    let out = c.output().expect("run switchboard");
    Run::from_output(cmdline, out)
}

/// A path as a `&str` argument (temp folders are UTF-8 on every platform we test on).
pub fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

// ---------------------------------------------------------------------------------------------
// Mail generators
// ---------------------------------------------------------------------------------------------

/// One message to generate. `raw()` renders it as RFC 5322 text with `\n` line endings.
#[derive(Clone, Debug)]
pub struct Mail {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub message_id: Option<String>,
    /// RFC 5322 date, e.g. "Mon, 04 Mar 2024 10:00:00 +0000".
    pub date: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// Everything after the common headers: extra headers (Content-Type …), a blank line, body.
    pub content: String,
}

impl Mail {
    pub fn text(from: &str, subject: &str, id: Option<&str>, date: &str, body: &str) -> Mail {
        Mail {
            from: from.into(),
            to: "Shop Support <support@shop.example>".into(),
            subject: subject.into(),
            message_id: id.map(str::to_string),
            date: date.into(),
            in_reply_to: None,
            references: Vec::new(),
            content: format!("Content-Type: text/plain; charset=utf-8\n\n{body}\n"),
        }
    }

    pub fn replying_to(mut self, parent: &str, references: &[&str]) -> Mail {
        self.in_reply_to = Some(parent.into());
        self.references = references.iter().map(|r| r.to_string()).collect();
        self
    }

    pub fn raw(&self) -> String {
        let mut s = String::new();
        writeln!(s, "From: {}", self.from).unwrap();
        writeln!(s, "To: {}", self.to).unwrap();
        writeln!(s, "Subject: {}", self.subject).unwrap();
        writeln!(s, "Date: {}", self.date).unwrap();
        if let Some(id) = &self.message_id {
            writeln!(s, "Message-ID: <{id}>").unwrap();
        }
        if let Some(p) = &self.in_reply_to {
            writeln!(s, "In-Reply-To: <{p}>").unwrap();
        }
        if !self.references.is_empty() {
            let refs: Vec<String> = self.references.iter().map(|r| format!("<{r}>")).collect();
            writeln!(s, "References: {}", refs.join(" ")).unwrap();
        }
        s.push_str("MIME-Version: 1.0\n");
        s.push_str(&self.content);
        s
    }

    /// The address in `from` (lowercase, without the display name).
    pub fn sender_address(&self) -> String {
        let f = &self.from;
        match (f.find('<'), f.find('>')) {
            (Some(a), Some(b)) => f[a + 1..b].to_lowercase(),
            _ => f.to_lowercase(),
        }
    }
}

/// An mbox file (mboxrd): each message after a `From ` separator line, body lines that start
/// with `From ` (after any number of `>`) quoted with one more `>`, a blank line between.
pub fn mbox(mails: &[Mail]) -> String {
    let mut out = String::new();
    for m in mails {
        writeln!(out, "From {} Mon Mar  4 10:00:00 2024", m.sender_address()).unwrap();
        for line in m.raw().lines() {
            if line.trim_start_matches('>').starts_with("From ") {
                out.push('>');
            }
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// Standard base64 (for attachments).
pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn write(path: &Path, content: impl AsRef<[u8]>) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap();
    }
    fs::write(path, content).unwrap();
}

// ---------------------------------------------------------------------------------------------
// The standard corpus
// ---------------------------------------------------------------------------------------------

pub const SUPPORT: &str = "support@shop.example";

pub const PARCEL_SUBJECT: &str = "Where is my parcel?";
pub const REFUND_SUBJECT: &str = "Refund for order 1234";
pub const HTML_SUBJECT: &str = "Blender arrived damaged";
pub const MAILDIR_CUR_SUBJECT: &str = "Warranty question";
pub const MAILDIR_NEW_SUBJECT: &str = "Invoice address wrong";
pub const THREAD_SUBJECT: &str = "Kettle stopped working";

/// Bytes of the attachment in the refund mail.
pub const RECEIPT: &[u8] = b"%PDF-1.4\n% receipt for order 1234, paid 49.90 EUR\n%%EOF\n";

/// Paths of the standard corpus, as written by [`write_corpus`].
pub struct Corpus {
    /// Three loose .eml files: plain text, with attachment, HTML only.
    pub parcel_eml: PathBuf,
    pub refund_eml: PathBuf,
    pub html_eml: PathBuf,
    /// A Maildir with one message in cur/, one in new/ (no Message-ID) and one in tmp/ (a
    /// delivery in progress, which readers must skip).
    pub maildir: PathBuf,
    /// An mbox with a thread of three messages, stored out of date order, one body with a
    /// `>From ` quoted line.
    pub thread_mbox: PathBuf,
    /// Not a mailbox at all.
    pub corrupt_mbox: PathBuf,
    /// A file with no RFC 5322 header.
    pub malformed_eml: PathBuf,
}

impl Corpus {
    /// The inputs that import cleanly (8 messages in 6 cases).
    pub fn good(&self) -> Vec<&Path> {
        vec![
            &self.parcel_eml,
            &self.refund_eml,
            &self.html_eml,
            &self.maildir,
            &self.thread_mbox,
        ]
    }
    /// Everything, including the two broken files.
    pub fn all(&self) -> Vec<&Path> {
        let mut v = self.good();
        v.push(&self.corrupt_mbox);
        v.push(&self.malformed_eml);
        v
    }
}

/// Messages that import cleanly from [`Corpus::good`].
pub const GOOD_MESSAGES: u64 = 8;
/// Cases they make: parcel, refund, html, two Maildir customers, one thread.
pub const GOOD_CASES: usize = 6;

pub fn thread_mails() -> [Mail; 3] {
    let first = Mail::text(
        "Frank Fisher <frank@example.com>",
        THREAD_SUBJECT,
        Some("kettle-1@example.com"),
        "Mon, 04 Mar 2024 10:00:00 +0000",
        "My kettle stopped working after a week.\nFrom the first day it made a rattling noise.",
    );
    let reply = Mail {
        from: format!("Shop Support <{SUPPORT}>"),
        to: "Frank Fisher <frank@example.com>".into(),
        ..Mail::text(
            "",
            &format!("Re: {THREAD_SUBJECT}"),
            Some("kettle-2@shop.example"),
            "Mon, 04 Mar 2024 12:00:00 +0000",
            "Sorry to hear that. Could you send the serial number?",
        )
    }
    .replying_to("kettle-1@example.com", &["kettle-1@example.com"]);
    let third = Mail::text(
        "Frank Fisher <frank@example.com>",
        &format!("Re: {THREAD_SUBJECT}"),
        Some("kettle-3@example.com"),
        "Tue, 05 Mar 2024 09:30:00 +0000",
        "The serial number is KT-99812.",
    )
    .replying_to(
        "kettle-2@shop.example",
        &["kettle-1@example.com", "kettle-2@shop.example"],
    );
    [first, reply, third]
}

pub fn write_corpus(dir: &Path) -> Corpus {
    let parcel_eml = dir.join("loose/parcel.eml");
    write(
        &parcel_eml,
        Mail::text(
            "Alice Archer <alice@example.com>",
            PARCEL_SUBJECT,
            Some("parcel-1@example.com"),
            "Fri, 01 Mar 2024 09:00:00 +0000",
            "I ordered a lamp two weeks ago and the tracking number ZX4411 shows nothing.",
        )
        .raw(),
    );

    let refund_eml = dir.join("loose/refund.eml");
    let mut refund = Mail::text(
        "Bob Baker <bob@example.com>",
        REFUND_SUBJECT,
        Some("refund-1@example.com"),
        "Sat, 02 Mar 2024 11:00:00 +0000",
        "",
    );
    refund.content = format!(
        "Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\n\n\
         --BOUNDARY\n\
         Content-Type: text/plain; charset=utf-8\n\n\
         Please refund order 1234; the receipt is attached.\n\
         --BOUNDARY\n\
         Content-Type: application/pdf; name=\"receipt.pdf\"\n\
         Content-Disposition: attachment; filename=\"receipt.pdf\"\n\
         Content-Transfer-Encoding: base64\n\n\
         {}\n\
         --BOUNDARY--\n",
        base64(RECEIPT)
    );
    write(&refund_eml, refund.raw());

    let html_eml = dir.join("loose/html-only.eml");
    let mut html = Mail::text(
        "Carol Chen <carol@example.com>",
        HTML_SUBJECT,
        Some("html-1@example.com"),
        "Sun, 03 Mar 2024 08:00:00 +0000",
        "",
    );
    html.content = "Content-Type: text/html; charset=utf-8\n\n\
        <html><body><p>The <b>smoothie</b> blender arrived with a cracked jug.</p>\
        <script>alert('x')</script></body></html>\n"
        .into();
    write(&html_eml, html.raw());

    let maildir = dir.join("Maildir");
    write(
        &maildir.join("cur/1709600000.M1P1.host:2,S"),
        Mail::text(
            "Dave Diaz <dave@example.com>",
            MAILDIR_CUR_SUBJECT,
            Some("warranty-1@example.com"),
            "Mon, 04 Mar 2024 15:00:00 +0000",
            "Is the toaster still under warranty after 13 months?",
        )
        .raw(),
    );
    write(
        &maildir.join("new/1709700000.M2P2.host"),
        Mail::text(
            "Erin Evans <erin@example.com>",
            MAILDIR_NEW_SUBJECT,
            None,
            "Wed, 06 Mar 2024 16:00:00 +0000",
            "My invoice shows the old address; the warranty card too.",
        )
        .raw(),
    );
    write(
        &maildir.join("tmp/1709800000.M3P3.host"),
        Mail::text(
            "Mallory <mallory@example.com>",
            "Half delivered",
            Some("tmp-1@example.com"),
            "Thu, 07 Mar 2024 16:00:00 +0000",
            "A message still being delivered.",
        )
        .raw(),
    );

    let thread_mbox = dir.join("mail/thread.mbox");
    let [first, reply, third] = thread_mails();
    // Stored out of date order: first, third, reply.
    write(&thread_mbox, mbox(&[first, third, reply]));

    let corrupt_mbox = dir.join("mail/corrupt.mbox");
    let mut garbage = b"\x00\x01\x02 this is not a mailbox \xff\xfe\n".to_vec();
    garbage.extend((0u8..=255).cycle().take(2048));
    write(&corrupt_mbox, garbage);

    let malformed_eml = dir.join("loose/malformed.eml");
    write(
        &malformed_eml,
        "this file has no headers at all\njust some words\n",
    );

    Corpus {
        parcel_eml,
        refund_eml,
        html_eml,
        maildir,
        thread_mbox,
        corrupt_mbox,
        malformed_eml,
    }
}

/// An mbox of `n` distinct one-message conversations (for the concurrent-backup test).
pub fn big_mbox(n: usize) -> String {
    let mails: Vec<Mail> = (0..n)
        .map(|i| {
            Mail::text(
                &format!("Customer {i} <customer{i}@bulk.example>"),
                &format!("Bulk question number {i}"),
                Some(&format!("bulk-{i}@bulk.example")),
                &format!(
                    "Fri, {:02} Feb 2024 {:02}:{:02}:00 +0000",
                    1 + (i / 1440) % 28,
                    (i / 60) % 24,
                    i % 60
                ),
                &format!("This is bulk message {i} about a toaster that does not toast."),
            )
        })
        .collect();
    mbox(&mails)
}

/// Case ids in `cases` (a `case list --json` array).
pub fn ids(cases: &[Value]) -> Vec<i64> {
    cases.iter().map(|c| c["id"].as_i64().unwrap()).collect()
}
