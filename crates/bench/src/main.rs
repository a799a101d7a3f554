//! `switchboard-bench`: measures Switchboard against the performance budgets of DESIGN.md §7
//! and prints the figures next to their budgets. It never fails because something was slow:
//! a missed budget is printed as `MISSED`. It fails only if a benchmark could not run.
//!
//! ```text
//! cargo run --release -p switchboard-bench -- import --count 100000 --peer --peer-count 20000
//! cargo run --release -p switchboard-bench -- ingest --count 200000
//! cargo run --release -p switchboard-bench -- search --messages 1000000 --db-dir /var/tmp/sb-1m --reuse
//! cargo run --release -p switchboard-bench -- threading --corpus /tmp/notmuch/test/corpora/lkml
//! cargo run --release -p switchboard-bench -- reports --cases 100000
//! cargo run --release -p switchboard-bench -- alerts            # early-warning detector quality and cost
//! cargo run --release -p switchboard-bench -- all --small      # CI smoke test, well under a minute
//! cargo run --release -p switchboard-bench -- all --small --update-baseline
//! ```
//!
//! `all` compares each headline figure with the checked-in baseline (`baseline.rs`) and prints
//! `REGRESSED` for one more than 25% worse on a quiet CPU.

mod alerts;
mod baseline;
mod corpus;
mod imap;
mod import;
mod ingest;
mod mail;
mod report;
mod reports;
mod rng;
mod search;
mod social;
mod sys;
mod threading;
mod words;

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "switchboard-bench",
    version,
    about = "Benchmarks Switchboard against the performance budgets of DESIGN.md §7"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Args, Clone)]
struct Common {
    /// Seed of the synthetic corpora (same seed, same bytes).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Where temporary corpora and stores go (default: the system temp folder).
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// Smoke-test run: print figures without judging them against budgets.
    #[arg(long)]
    small: bool,
}

#[derive(Subcommand)]
enum Cmd {
    /// Generate a synthetic mbox and import it with import_files (optionally vs `notmuch new`).
    Import {
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        /// Also index the same messages (as a Maildir) with `notmuch new` and compare.
        #[arg(long)]
        peer: bool,
        /// Run the peer (and a matching switchboard import) on only the first N messages;
        /// notmuch needs ~200 s per 100k here.
        #[arg(long)]
        peer_count: Option<usize>,
        /// Keep the generated corpus and stores instead of deleting them.
        #[arg(long)]
        keep: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Ingest short social items straight through Store::write + ingest, in batches.
    Ingest {
        #[arg(long, default_value_t = 200_000)]
        count: usize,
        /// Items per transaction.
        #[arg(long, default_value_t = 1_000)]
        batch: usize,
        #[command(flatten)]
        common: Common,
    },
    /// Build a large store and measure warm search latency per query class.
    Search {
        #[arg(long, default_value_t = 1_000_000)]
        messages: usize,
        /// Timed queries (spread over the classes and both orders).
        #[arg(long, default_value_t = 200)]
        queries: usize,
        /// Keep the built database here (default: a temporary folder, deleted afterwards).
        #[arg(long)]
        db_dir: Option<PathBuf>,
        /// Reuse the database in --db-dir if it was built with the same size, seed and generator.
        #[arg(long)]
        reuse: bool,
        /// Run FTS5 'optimize' (merge all index segments) before querying.
        #[arg(long)]
        optimize: bool,
        /// Messages per transaction while building.
        #[arg(long, default_value_t = 10_000)]
        batch: usize,
        #[command(flatten)]
        common: Common,
    },
    /// Import the same mail oldest first and newest first into Switchboard and notmuch (one
    /// message at a time) and compare the threads each finds.
    Threading {
        /// A Maildir or folder of message files (repeatable); without it, generated reply trees.
        #[arg(long)]
        corpus: Vec<PathBuf>,
        /// Reply trees to generate when no corpus is given.
        #[arg(long, default_value_t = 200)]
        generated: usize,
        /// Compare the two orders in Switchboard only.
        #[arg(long)]
        no_notmuch: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Build a workspace of cases over a year and time each report (root causes, fix,
    /// channels, customers).
    Reports {
        #[arg(long, default_value_t = 100_000)]
        cases: usize,
        #[command(flatten)]
        common: Common,
    },
    /// The early-warning detector on synthetic histories with planted spikes: detection rate,
    /// time to detect, false alarms per month of flat history, cost per message.
    Alerts {
        /// Histories per spike size.
        #[arg(long, default_value_t = 40)]
        histories: usize,
        #[command(flatten)]
        common: Common,
    },
    /// Every benchmark, each in its own process. `--small` is the CI smoke test.
    All {
        #[arg(long)]
        small: bool,
        /// Include the notmuch peer in the import benchmark.
        #[arg(long)]
        peer: bool,
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// Write this run's figures as the new baseline (crates/bench/baseline/*.json).
        #[arg(long)]
        update_baseline: bool,
    },
    /// Initial IMAP sync of a seeded mailbox in the local test Dovecot vs mbsync, and a resync
    /// with nothing new (needs the mail test servers: tests/servers/mail.sh up).
    Imap {
        #[arg(long, default_value_t = 100_000)]
        count: u32,
        /// Skip the mbsync comparison.
        #[arg(long)]
        no_mbsync: bool,
        #[command(flatten)]
        common: Common,
    },
    #[command(hide = true)]
    ImapWorker {
        #[arg(long)]
        user: String,
        #[arg(long)]
        pass: String,
        #[arg(long)]
        port: u16,
        #[arg(long)]
        ca_file: PathBuf,
        #[arg(long)]
        data_dir: PathBuf,
    },
    #[command(hide = true)]
    ImportWorker {
        #[arg(long)]
        mbox: PathBuf,
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long)]
        self_address: String,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Import {
            count,
            peer,
            peer_count,
            keep,
            common,
        } => import::run(&import::ImportArgs {
            count,
            peer,
            peer_count,
            seed: common.seed,
            work_dir: common.work_dir,
            keep,
            small: common.small,
        }),
        Cmd::Ingest {
            count,
            batch,
            common,
        } => ingest::run(&ingest::IngestArgs {
            count,
            batch,
            seed: common.seed,
            work_dir: common.work_dir,
            small: common.small,
        }),
        Cmd::Search {
            messages,
            queries,
            db_dir,
            reuse,
            optimize,
            batch,
            common,
        } => search::run(&search::SearchArgs {
            messages,
            queries,
            db_dir,
            reuse,
            optimize,
            batch,
            seed: common.seed,
            work_dir: common.work_dir,
            small: common.small,
        }),
        Cmd::Threading {
            corpus,
            generated,
            no_notmuch,
            common,
        } => threading::run(&threading::ThreadingArgs {
            corpus,
            generated: if common.small {
                generated.min(50)
            } else {
                generated
            },
            seed: common.seed,
            work_dir: common.work_dir,
            no_notmuch,
        }),
        Cmd::Reports { cases, common } => reports::run(&reports::ReportsArgs {
            cases,
            seed: common.seed,
            work_dir: common.work_dir,
            small: common.small,
        }),
        Cmd::Alerts { histories, common } => alerts::run(&alerts::AlertsArgs {
            seed: common.seed,
            small: common.small,
            histories,
        }),
        Cmd::All {
            small,
            peer,
            work_dir,
            update_baseline,
        } => all(small, peer, work_dir, update_baseline),
        Cmd::Imap {
            count,
            no_mbsync,
            common,
        } => imap::run(&imap::ImapArgs {
            count,
            work_dir: common.work_dir,
            small: common.small,
            no_mbsync,
        }),
        Cmd::ImapWorker {
            user,
            pass,
            port,
            ca_file,
            data_dir,
        } => imap::worker(&user, &pass, port, &ca_file, &data_dir),
        Cmd::ImportWorker {
            mbox,
            data_dir,
            self_address,
        } => import::worker(&mbox, &data_dir, &self_address),
    }
}

/// Runs each benchmark as a child process (so each one's peak RSS is its own).
fn all(
    small: bool,
    peer: bool,
    work_dir: Option<PathBuf>,
    update_baseline: bool,
) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let records = tempfile::Builder::new()
        .prefix("switchboard-bench-figures")
        .tempfile()?
        .into_temp_path();
    let (import_n, ingest_n, search_n, reports_n) = if small {
        (2_000, 20_000, 20_000, 5_000)
    } else {
        (100_000, 200_000, 1_000_000, 100_000)
    };
    let mut runs: Vec<Vec<String>> = vec![
        vec!["import".into(), "--count".into(), import_n.to_string()],
        vec!["ingest".into(), "--count".into(), ingest_n.to_string()],
        vec!["search".into(), "--messages".into(), search_n.to_string()],
        vec!["threading".into()],
        vec!["reports".into(), "--cases".into(), reports_n.to_string()],
        vec!["alerts".into()],
    ];
    // The threading reproductions of the shared test data, when they are next to the repository.
    let repros = std::env::var_os("SWITCHBOARD_TESTDATA")
        .map(|d| PathBuf::from(d).join("threading-repros"))
        .unwrap_or_else(|| PathBuf::from("../shared/testdata/threading-repros"));
    if repros.is_dir() {
        let mut run = vec!["threading".to_string()];
        for case in ["truncated-refs", "ghost-parent", "spaces"] {
            run.push("--corpus".into());
            run.push(repros.join(case).display().to_string());
        }
        runs.push(run);
    }
    if peer {
        runs[0].push("--peer".into());
        if !small {
            runs[0].extend(["--peer-count".into(), "20000".into()]);
        }
    }
    // IMAP needs the local mail servers: run it only when they are up, and say so otherwise.
    match imap::servers() {
        Ok(_) => runs.push(vec!["imap".into(), "--count".into(), import_n.to_string()]),
        Err(e) => println!("\n######## switchboard-bench imap: SKIPPED ({e})"),
    }
    let start = Instant::now();
    let mut failed = Vec::new();
    for mut run in runs {
        if small {
            run.push("--small".into());
        }
        if let Some(w) = &work_dir {
            run.push("--work-dir".into());
            run.push(w.display().to_string());
        }
        println!("\n######## switchboard-bench {}", run.join(" "));
        let status = Command::new(&exe)
            .args(&run)
            .env(baseline::RECORD_ENV, &records)
            .status()?;
        if !status.success() {
            failed.push(run[0].clone());
        }
    }
    println!(
        "\nall benchmarks finished in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let figures = baseline::read_records(&records)?;
    let path = baseline::baseline_path(small);
    let recorded = baseline::load(&path)?;
    let regressed = baseline::compare(recorded.as_ref(), &figures);
    if regressed > 0 {
        println!(
            "{regressed} figure(s) REGRESSED against {} (reported, not failed)",
            path.display()
        );
    }
    if update_baseline {
        let commit = Command::new("git")
            .args(["rev-parse", "--short", "HEAD"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
        baseline::save(&path, &figures, &commit, &date)?;
        println!("baseline written: {}", path.display());
    }
    if !failed.is_empty() {
        anyhow::bail!("benchmarks that could not run: {}", failed.join(", "));
    }
    Ok(())
}
