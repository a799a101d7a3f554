//! `switchboard-bench`: measures Switchboard against the performance budgets of DESIGN.md §7
//! and prints the figures next to their budgets. It never fails because something was slow:
//! a missed budget is printed as `MISSED`. It fails only if a benchmark could not run.
//!
//! ```text
//! cargo run --release -p switchboard-bench -- import --count 100000 --peer --peer-count 20000
//! cargo run --release -p switchboard-bench -- ingest --count 200000
//! cargo run --release -p switchboard-bench -- search --messages 1000000 --db-dir /var/tmp/sb-1m --reuse
//! cargo run --release -p switchboard-bench -- alerts            # early-warning detector quality and cost
//! cargo run --release -p switchboard-bench -- all --small      # CI smoke test, well under a minute
//! ```

mod alerts;
mod corpus;
mod imap;
mod import;
mod ingest;
mod mail;
mod report;
mod rng;
mod search;
mod social;
mod sys;
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
        Cmd::Alerts { histories, common } => alerts::run(&alerts::AlertsArgs {
            seed: common.seed,
            small: common.small,
            histories,
        }),
        Cmd::All {
            small,
            peer,
            work_dir,
        } => all(small, peer, work_dir),
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
fn all(small: bool, peer: bool, work_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let (import_n, ingest_n, search_n) = if small {
        (2_000, 20_000, 20_000)
    } else {
        (100_000, 200_000, 1_000_000)
    };
    let mut runs: Vec<Vec<String>> = vec![
        vec!["import".into(), "--count".into(), import_n.to_string()],
        vec!["ingest".into(), "--count".into(), ingest_n.to_string()],
        vec!["search".into(), "--messages".into(), search_n.to_string()],
        vec!["alerts".into()],
    ];
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
        let status = Command::new(&exe).args(&run).status()?;
        if !status.success() {
            failed.push(run[0].clone());
        }
    }
    println!(
        "\nall benchmarks finished in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        anyhow::bail!("benchmarks that could not run: {}", failed.join(", "));
    }
    Ok(())
}
