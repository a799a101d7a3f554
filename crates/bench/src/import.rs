//! `import`: a synthetic support mailbox as one mbox file, imported with
//! `switchboard_api::import::import_files` into a fresh store, optionally next to `notmuch new`
//! indexing the same messages as a Maildir.
//!
//! The import runs in a child process (this binary re-executed with the hidden `import-worker`
//! subcommand), so its peak RSS is the import's alone, not the generator's.

use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use crate::mail::{self, MailGen, MimeStats};
use crate::report::{Table, mb, mb_kib, thousands};
use crate::rng::Rng;
use crate::sys;
use crate::words;

/// Customers writing in.
const CUSTOMERS: usize = 5_000;
/// New words per message body (quoted text comes on top): ~2–3 KB messages.
const BODY_WORDS: (usize, usize) = (120, 240);
/// Share of messages that are exact re-deliveries of a recent one.
const DUPLICATE_RATE: f64 = 0.002;

/// DESIGN.md §7: initial sync of 100k messages faster than mbsync copying them (41.8 s).
const MBSYNC_100K_S: f64 = 41.8;
/// perf.md §5 suggested target for parse + index: ≥ 4,000 msgs/s (≤ 25 s per 100k).
const TARGET_RATE: f64 = 4_000.0;
/// perf.md §5 suggested target for memory during the initial sync.
const TARGET_RSS_MB: f64 = 150.0;
/// perf.md §5 suggested target for index size.
const TARGET_KB_PER_MSG: f64 = 5.0;

pub struct ImportArgs {
    pub count: usize,
    pub peer: bool,
    pub peer_count: Option<usize>,
    pub seed: u64,
    pub work_dir: Option<PathBuf>,
    pub keep: bool,
    /// Smoke-test size: figures are printed but not judged against budgets.
    pub small: bool,
}

/// What the worker process reports on its last stdout line.
#[derive(Debug, Serialize, Deserialize)]
pub struct WorkerReport {
    pub wall_s: f64,
    pub close_s: f64,
    pub imported: u64,
    pub duplicates: u64,
    pub failed: u64,
    pub failure_samples: Vec<String>,
    pub cases_created: u64,
    pub peak_rss_kb: Option<u64>,
    pub user_s: f64,
    pub sys_s: f64,
    /// Bytes written by the import process (write calls, and what reached the disk).
    pub wchar: u64,
    pub write_bytes: u64,
}

/// The hidden `import-worker` subcommand.
pub fn worker(mbox: &Path, data_dir: &Path, self_address: &str) -> anyhow::Result<()> {
    use switchboard_api::import::{ImportParams, import_files};
    let store = switchboard_store::Store::open(data_dir)?;
    let ctx = switchboard_api::Ctx::with_store(store, Arc::new(switchboard_api::SystemClock));
    let params = ImportParams {
        paths: vec![mbox.to_path_buf()],
        self_addresses: vec![self_address.to_string()],
    };
    let start = Instant::now();
    let mut next_note = 25_000;
    let result = import_files(&ctx, &params, &mut |p| {
        if p.seen >= next_note {
            eprintln!(
                "  … {} messages stored ({:.1} s)",
                thousands(p.seen as f64),
                start.elapsed().as_secs_f64()
            );
            next_note += 25_000;
        }
    })?;
    let wall = start.elapsed();
    let close = Instant::now();
    drop(ctx); // closes the database: the WAL is checkpointed into the main file
    let close_s = close.elapsed().as_secs_f64();
    let (user_s, sys_s) = sys::cpu_seconds("self").unwrap_or((0.0, 0.0));
    let (wchar, write_bytes) = sys::written_bytes("self").unwrap_or((0, 0));
    let report = WorkerReport {
        wchar,
        write_bytes,
        wall_s: wall.as_secs_f64(),
        close_s,
        imported: result.imported,
        duplicates: result.duplicates,
        failed: result.failed.len() as u64,
        failure_samples: result
            .failed
            .iter()
            .take(5)
            .map(|f| format!("{}: {}", f.origin, f.reason))
            .collect(),
        cases_created: result.cases_created,
        peak_rss_kb: sys::peak_rss_kb("self"),
        user_s,
        sys_s,
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

struct Corpus {
    messages: usize,
    bytes: u64,
    threads: usize,
    replies: usize,
    duplicates: usize,
    mime: MimeStats,
    generate: Duration,
    maildir_write: Duration,
    maildir_files: usize,
}

struct Stored {
    report: WorkerReport,
    db_bytes: u64,
    attachment_bytes: u64,
    messages: i64,
    conversations: i64,
    cases: i64,
    attachments: i64,
}

pub fn run(args: &ImportArgs) -> anyhow::Result<()> {
    sys::Machine::detect().print();
    let base = args.work_dir.clone().unwrap_or_else(std::env::temp_dir);
    fs::create_dir_all(&base).with_context(|| format!("cannot create {}", base.display()))?;
    let work = tempfile::Builder::new()
        .prefix("switchboard-bench-import-")
        .tempdir_in(&base)?;
    let notmuch = if args.peer {
        sys::on_path("notmuch")
    } else {
        None
    };
    let peer_n = args.peer_count.unwrap_or(args.count).min(args.count);
    let mbox = work.path().join("corpus.mbox");
    let subset_mbox =
        (notmuch.is_some() && peer_n < args.count).then(|| work.path().join("subset.mbox"));
    let maildir = notmuch.as_ref().map(|_| work.path().join("maildir"));

    println!(
        "import: generating {} messages (seed {}) in {}",
        thousands(args.count as f64),
        args.seed,
        work.path().display()
    );
    let corpus = generate(
        args,
        &mbox,
        subset_mbox.as_deref(),
        maildir.as_deref(),
        peer_n,
    )?;
    let mut t = Table::new(format!(
        "import: synthetic corpus ({} messages)",
        thousands(corpus.messages as f64)
    ));
    t.info(
        "generate + write mbox",
        format!("{:.1} s", corpus.generate.as_secs_f64()),
    );
    t.info(
        "mbox size",
        format!(
            "{} (avg {} B/msg)",
            mb(corpus.bytes),
            thousands(corpus.bytes as f64 / corpus.messages.max(1) as f64)
        ),
    );
    t.info(
        "threads started / replies",
        format!(
            "{} / {} ({:.0}%)",
            thousands(corpus.threads as f64),
            thousands(corpus.replies as f64),
            100.0 * corpus.replies as f64 / corpus.messages.max(1) as f64
        ),
    );
    t.info(
        "exact duplicates planted",
        thousands(corpus.duplicates as f64),
    );
    let pct = |n: u64| format!("{:.1}%", 100.0 * n as f64 / corpus.messages.max(1) as f64);
    t.info(
        "MIME: plain / QP / base64 text",
        format!(
            "{} / {} / {}",
            pct(corpus.mime.plain),
            pct(corpus.mime.quoted_printable),
            pct(corpus.mime.base64)
        ),
    );
    t.info(
        "MIME: alternative / HTML-only / attachment",
        format!(
            "{} / {} / {}",
            pct(corpus.mime.alternative),
            pct(corpus.mime.html_only),
            pct(corpus.mime.attachments)
        ),
    );
    if maildir.is_some() {
        t.info(
            "write Maildir copy for the peer",
            format!(
                "{} files in {:.1} s",
                thousands(corpus.maildir_files as f64),
                corpus.maildir_write.as_secs_f64()
            ),
        );
    }
    t.print();

    println!("\nimport: switchboard import_files on the mbox (child process)…");
    let pressure = sys::Pressure::start();
    let full = import_in_child(&mbox, &work.path().join("store"))?;
    let contention = pressure.describe();
    let n = corpus.messages as f64;
    let rate = n / full.report.wall_s;
    crate::baseline::timing(
        "import.msg_per_s",
        rate,
        "msg/s",
        crate::baseline::Better::Higher,
        pressure.percent(),
    );
    crate::baseline::size(
        "import.kb_per_msg",
        full.db_bytes as f64 / 1000.0 / n.max(1.0),
        "KB/msg",
    );
    let judge = |ok: bool| (!args.small).then_some(ok);
    let mut t = Table::new(format!(
        "import: switchboard, {} messages from one mbox file",
        thousands(n)
    ));
    let scaled_budget = MBSYNC_100K_S * n / 100_000.0;
    t.budget(
        "wall time (parse, thread, store, index)",
        format!("{:.1} s", full.report.wall_s),
        format!("< {scaled_budget:.1} s (mbsync w/ fsync, 41.8 s per 100k; DESIGN §7)"),
        judge(full.report.wall_s < scaled_budget),
    );
    t.budget(
        "throughput",
        format!("{} msg/s", thousands(rate)),
        format!("≥ {} msg/s (perf.md §5 target)", thousands(TARGET_RATE)),
        judge(rate >= TARGET_RATE),
    );
    t.info("CPU contention from other processes", contention);
    t.info(
        "close (WAL checkpoint)",
        format!("{:.2} s", full.report.close_s),
    );
    t.info(
        "CPU user / sys",
        format!(
            "{:.1} s / {:.1} s ({:.0}% of one core)",
            full.report.user_s,
            full.report.sys_s,
            100.0 * (full.report.user_s + full.report.sys_s)
                / (full.report.wall_s + full.report.close_s)
        ),
    );
    let rss_mb = full.report.peak_rss_kb.map(|k| k as f64 * 1024.0 / 1e6);
    t.budget(
        "peak RSS of the import process",
        mb_kib(full.report.peak_rss_kb),
        format!("≤ {TARGET_RSS_MB:.0} MB (perf.md §5 target)"),
        rss_mb.and_then(|m| judge(m <= TARGET_RSS_MB)),
    );
    let kb_per_msg = full.db_bytes as f64 / 1000.0 / n;
    t.budget(
        "database on disk",
        format!("{} ({kb_per_msg:.1} KB/msg)", mb(full.db_bytes)),
        format!("≤ {TARGET_KB_PER_MSG:.0} KB/msg (perf.md §5; notmuch 13.4)"),
        judge(kb_per_msg <= TARGET_KB_PER_MSG),
    );
    t.info(
        "bytes written by the import (write calls / to disk)",
        format!(
            "{} / {} ({:.1}× the database)",
            mb(full.report.wchar),
            mb(full.report.write_bytes),
            full.report.wchar as f64 / full.db_bytes.max(1) as f64
        ),
    );
    t.info(
        "attachment files on disk",
        format!(
            "{} ({} rows)",
            mb(full.attachment_bytes),
            thousands(full.attachments as f64)
        ),
    );
    t.budget(
        "imported / duplicates / failures",
        format!(
            "{} / {} / {}",
            thousands(full.report.imported as f64),
            thousands(full.report.duplicates as f64),
            full.report.failed
        ),
        format!("duplicates = {} planted, failures = 0", corpus.duplicates),
        Some(full.report.duplicates as usize == corpus.duplicates && full.report.failed == 0),
    );
    t.info(
        "stored messages / conversations / cases",
        format!(
            "{} / {} / {} (generator started {} threads)",
            thousands(full.messages as f64),
            thousands(full.conversations as f64),
            thousands(full.cases as f64),
            thousands(corpus.threads as f64)
        ),
    );
    t.print();
    for f in &full.report.failure_samples {
        println!("  failure: {f}");
    }

    if args.peer {
        match (&notmuch, &maildir) {
            (Some(bin), Some(dir)) => {
                let subset = match &subset_mbox {
                    Some(path) => {
                        println!(
                            "\nimport: switchboard on the first {} messages (same subset as the peer)…",
                            thousands(peer_n as f64)
                        );
                        Some(import_in_child(path, &work.path().join("store-subset"))?)
                    }
                    None => None,
                };
                println!(
                    "\nimport: peer `notmuch new` on a Maildir of the first {} messages (this is slow: ~470 msg/s)…",
                    thousands(peer_n as f64)
                );
                let pressure = sys::Pressure::start();
                let mut peer = run_notmuch(bin, dir, work.path())?;
                peer.contention = pressure.describe();
                let sb = subset.as_ref().unwrap_or(&full);
                print_peer(peer_n, args.count, sb, &peer);
            }
            _ => {
                println!(
                    "\npeer: `notmuch` is not on PATH; install it with `apt-get install notmuch` to compare."
                );
            }
        }
    }
    print_reference_peers();
    if args.keep {
        let kept = work.keep();
        println!("\nkept work directory: {}", kept.display());
    }
    Ok(())
}

fn generate(
    args: &ImportArgs,
    mbox: &Path,
    subset_mbox: Option<&Path>,
    maildir: Option<&Path>,
    peer_n: usize,
) -> anyhow::Result<Corpus> {
    let start = Instant::now();
    let mut gen_ = MailGen::new(args.seed, args.count, CUSTOMERS, BODY_WORDS);
    let mut dup_rng = Rng::new(args.seed ^ 0xD0D0);
    let mut recent: VecDeque<(Vec<u8>, String, i64)> = VecDeque::with_capacity(257);
    let mut out = BufWriter::with_capacity(1 << 20, File::create(mbox)?);
    let mut subset = match subset_mbox {
        Some(p) => Some(BufWriter::with_capacity(1 << 20, File::create(p)?)),
        None => None,
    };
    if let Some(dir) = maildir {
        for sub in ["cur", "new", "tmp"] {
            fs::create_dir_all(dir.join(sub))?;
        }
    }
    let mut mime = MimeStats::default();
    let mut bytes = 0u64;
    let mut duplicates = 0;
    let mut maildir_write = Duration::ZERO;
    let mut maildir_files = 0;
    for i in 0..args.count {
        let (raw, from, date) = if recent.len() > 100 && dup_rng.chance(DUPLICATE_RATE) {
            duplicates += 1;
            let k = dup_rng.index(recent.len());
            recent[k].clone()
        } else {
            let d = gen_.next_draft();
            let raw = mail::render(&d, args.seed, &mut mime);
            recent.push_back((raw.clone(), d.from.email.clone(), d.date_ms));
            if recent.len() > 256 {
                recent.pop_front();
            }
            (raw, d.from.email, d.date_ms)
        };
        bytes += raw.len() as u64;
        write_mbox_entry(&mut out, &from, date, &raw)?;
        if i < peer_n {
            if let Some(s) = subset.as_mut() {
                write_mbox_entry(s, &from, date, &raw)?;
            }
            if let Some(dir) = maildir {
                let t = Instant::now();
                let flags = match i % 20 {
                    0 | 1 => "",
                    2 | 3 => "RS",
                    _ => "S",
                };
                let name = format!("{}.M{i}P1.bench,S={}:2,{flags}", date / 1000, raw.len());
                fs::write(dir.join("cur").join(name), &raw)?;
                maildir_write += t.elapsed();
                maildir_files += 1;
            }
        }
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    if let Some(s) = subset {
        s.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    }
    if maildir.is_some() {
        // Write the Maildir out now, so its write-back does not land in the timed runs.
        let t = Instant::now();
        let _ = Command::new("sync").status();
        maildir_write += t.elapsed();
    }
    Ok(Corpus {
        messages: args.count,
        bytes,
        threads: gen_.threads_created,
        replies: gen_.replies,
        duplicates,
        mime,
        generate: start.elapsed().saturating_sub(maildir_write),
        maildir_write,
        maildir_files,
    })
}

/// One mboxrd entry: the `From ` separator, the message with `>From ` escaping, a blank line.
fn write_mbox_entry(
    w: &mut impl Write,
    from: &str,
    date_ms: i64,
    raw: &[u8],
) -> std::io::Result<()> {
    writeln!(w, "From {from} {}", mail::asctime(date_ms))?;
    for line in raw.split_inclusive(|&b| b == b'\n') {
        let unquoted = line.iter().position(|&b| b != b'>').unwrap_or(line.len());
        if line[unquoted..].starts_with(b"From ") {
            w.write_all(b">")?;
        }
        w.write_all(line)?;
    }
    if !raw.ends_with(b"\n") {
        w.write_all(b"\n")?;
    }
    w.write_all(b"\n")
}

fn import_in_child(mbox: &Path, data_dir: &Path) -> anyhow::Result<Stored> {
    let exe = std::env::current_exe()?;
    let output = Command::new(exe)
        .arg("import-worker")
        .arg("--mbox")
        .arg(mbox)
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--self-address")
        .arg(words::SELF_ADDRESS)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("cannot start the import worker")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!("the import worker failed ({}): {stdout}", output.status);
    }
    let line = stdout.lines().last().unwrap_or_default();
    let report: WorkerReport = serde_json::from_str(line)
        .with_context(|| format!("unexpected worker output: {stdout}"))?;
    let db = data_dir.join(switchboard_store::DB_FILE);
    let db_bytes = ["", "-wal", "-shm"]
        .iter()
        .map(|s| sys::disk_size(Path::new(&format!("{}{s}", db.display()))))
        .sum();
    let conn =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let count = |table: &str| -> rusqlite::Result<i64> {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
    };
    Ok(Stored {
        db_bytes,
        attachment_bytes: sys::disk_size(&data_dir.join("attachments")),
        messages: count("messages")?,
        conversations: count("conversations")?,
        cases: count("cases")?,
        attachments: count("attachments")?,
        report,
    })
}

struct PeerRun {
    wall_s: f64,
    peak_rss_kb: Option<u64>,
    cpu: Option<(f64, f64)>,
    db_bytes: u64,
    summary: String,
    contention: String,
}

fn run_notmuch(bin: &Path, maildir: &Path, work: &Path) -> anyhow::Result<PeerRun> {
    let config = work.join("notmuch-config");
    fs::write(
        &config,
        format!(
            "[database]\npath={}\n\n[user]\nname=Bench\nprimary_email={}\n\n[new]\ntags=unread;inbox;\nignore=\n\n[search]\nexclude_tags=deleted;spam;\n\n[maildir]\nsynchronize_flags=true\n",
            maildir.display(),
            words::SELF_ADDRESS
        ),
    )?;
    let mut cmd = Command::new(bin);
    cmd.arg("new")
        .env("NOTMUCH_CONFIG", &config)
        .env("HOME", work)
        .stdin(Stdio::null());
    let run = sys::run_child(cmd)?;
    if !run.success {
        bail!("notmuch new failed: {}{}", run.stdout, run.stderr);
    }
    let summary = run
        .stdout
        .lines()
        .chain(run.stderr.lines())
        .filter(|l| l.contains("Added") || l.contains("Processed"))
        .collect::<Vec<_>>()
        .join(" ");
    Ok(PeerRun {
        wall_s: run.wall.as_secs_f64(),
        peak_rss_kb: run.peak_rss_kb,
        cpu: run.cpu,
        db_bytes: sys::disk_size(&maildir.join(".notmuch")),
        summary,
        contention: String::new(),
    })
}

fn print_peer(peer_n: usize, count: usize, sb: &Stored, peer: &PeerRun) {
    let n = peer_n as f64;
    let title = if peer_n < count {
        format!(
            "import vs peer, SAME {} messages (subset of the {}; --peer-count)",
            thousands(n),
            thousands(count as f64)
        )
    } else {
        format!("import vs peer, same {} messages", thousands(n))
    };
    let mut t = Table::new(title);
    t.info(
        "switchboard import_files (mbox)",
        format!(
            "{:.1} s, {} msg/s, {} RSS, DB {}",
            sb.report.wall_s,
            thousands(n / sb.report.wall_s),
            mb_kib(sb.report.peak_rss_kb),
            mb(sb.db_bytes)
        ),
    );
    let cpu = peer
        .cpu
        .map_or_else(String::new, |(u, s)| format!(", CPU {u:.0}+{s:.0} s"));
    t.info(
        "notmuch new (Maildir)",
        format!(
            "{:.1} s, {} msg/s, {} RSS, DB {}{cpu}",
            peer.wall_s,
            thousands(n / peer.wall_s),
            mb_kib(peer.peak_rss_kb),
            mb(peer.db_bytes)
        ),
    );
    t.info(
        "ratio (notmuch wall / switchboard wall)",
        format!(
            "{:.1}× — switchboard is {}",
            peer.wall_s / sb.report.wall_s,
            if peer.wall_s > sb.report.wall_s {
                "faster"
            } else {
                "SLOWER"
            }
        ),
    );
    t.info("CPU contention during notmuch", peer.contention.clone());
    if !peer.summary.is_empty() {
        t.info("notmuch said", peer.summary.clone());
    }
    t.print();
}

fn print_reference_peers() {
    let mut t = Table::new(
        "reference peers, 100k messages, measured on this machine type (research/perf.md)",
    );
    t.info(
        "mbsync 1.4.4 IMAP → Maildir, FSync yes",
        "41.8 s (2,390 msg/s), 39 MB RSS",
    );
    t.info(
        "mbsync 1.4.4 IMAP → Maildir, FSync no",
        "6.4 s (15,700 msg/s)",
    );
    t.info(
        "notmuch new 0.37, fresh DB",
        "212.8 s (470 msg/s), 239 MB RSS, 1,341 MB DB",
    );
    t.info(
        "Python email + SQLite FTS5",
        "182.9 s (547 msg/s), 127 MB RSS, 331 MB DB",
    );
    t.info(
        "  of which SQLite + FTS5 inserts only",
        "9.6 s (10,400 msg/s)",
    );
    t.print();
}
