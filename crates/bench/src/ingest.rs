//! `ingest`: social-sized items stored straight through `Store::write` + `ingest::ingest`, in
//! batches (one transaction each), the way a social channel's sync worker stores a page.
//! Items are generated before each batch's transaction, outside the timed section.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use switchboard_store::ingest::{IngestOutcome, ingest};
use switchboard_store::{Store, accounts, contacts};

use crate::report::{Table, mb, mb_kib, percentile, thousands};
use crate::social::{self, SocialGen};
use crate::sys;

/// DESIGN.md §7.
const BUDGET_ITEMS_PER_S: f64 = 50_000.0;
const AUTHORS: usize = 20_000;

pub struct IngestArgs {
    pub count: usize,
    pub batch: usize,
    pub seed: u64,
    pub work_dir: Option<PathBuf>,
    pub small: bool,
}

pub fn run(args: &IngestArgs) -> anyhow::Result<()> {
    sys::Machine::detect().print();
    let base = args.work_dir.clone().unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&base)?;
    let work = tempfile::Builder::new()
        .prefix("switchboard-bench-ingest-")
        .tempdir_in(&base)?;
    let mut store = Store::open(work.path())?;
    let now = 1_700_000_000_000;
    let account_id = store.write(|tx| {
        let id = accounts::insert(
            tx,
            accounts::NewAccount {
                kind: "bluesky",
                name: "bench-bluesky",
                address: Some(social::SELF_HANDLE),
                config: serde_json::json!({}),
            },
            now,
        )?;
        contacts::mark_self(tx, &social::self_identity(), now)?;
        Ok(id)
    })?;
    println!(
        "ingest: {} social items in batches of {} into {}",
        thousands(args.count as f64),
        args.batch,
        work.path().display()
    );
    let mut gen_ = SocialGen::new(args.seed, AUTHORS);
    let batch = args.batch.max(1);
    let mut stored_time = Duration::ZERO;
    let mut batch_ms: Vec<f64> = Vec::new();
    let mut stored = 0u64;
    let mut dups = 0u64;
    let mut new_cases = 0u64;
    let wall = Instant::now();
    let pressure = sys::Pressure::start();
    let mut done = 0;
    while done < args.count {
        let n = batch.min(args.count - done);
        let items: Vec<_> = (0..n).map(|_| gen_.next_item(account_id)).collect();
        let t = Instant::now();
        let (s, d, c) = store.write(|tx| {
            let (mut s, mut d, mut c) = (0u64, 0u64, 0u64);
            for m in &items {
                match ingest(tx, m, "sync", now)? {
                    IngestOutcome::Stored { new_case, .. } => {
                        s += 1;
                        c += u64::from(new_case);
                    }
                    IngestOutcome::Duplicate { .. } => d += 1,
                }
            }
            Ok((s, d, c))
        })?;
        let el = t.elapsed();
        stored_time += el;
        batch_ms.push(el.as_secs_f64() * 1000.0);
        stored += s;
        dups += d;
        new_cases += c;
        done += n;
    }
    let wall = wall.elapsed();
    let peak = sys::peak_rss_kb("self");
    let (user_s, sys_s) = sys::cpu_seconds("self").unwrap_or((0.0, 0.0));
    let conversations: i64 =
        store
            .conn()
            .query_row("SELECT count(*) FROM conversations", [], |r| r.get(0))?;
    let db = store.db_path();
    drop(store);
    let db_bytes = sys::disk_size(&db);

    let rate = args.count as f64 / stored_time.as_secs_f64();
    crate::baseline::timing(
        "ingest.items_per_s",
        rate,
        "items/s",
        crate::baseline::Better::Higher,
        pressure.percent(),
    );
    crate::baseline::size(
        "ingest.kb_per_item",
        db_bytes as f64 / 1000.0 / args.count.max(1) as f64,
        "KB/item",
    );
    batch_ms.sort_by(f64::total_cmp);
    let mut t = Table::new(format!(
        "ingest: {} social items (≤300 chars, handle identities, {:.0}% replies via conversation_key), batches of {}",
        thousands(args.count as f64),
        100.0 * gen_.replies as f64 / args.count.max(1) as f64,
        batch
    ));
    t.budget(
        "ingest rate (store.write + ingest only)",
        format!("{} items/s", thousands(rate)),
        format!("> {} items/s (DESIGN §7)", thousands(BUDGET_ITEMS_PER_S)),
        (!args.small).then_some(rate > BUDGET_ITEMS_PER_S),
    );
    t.info("CPU contention from other processes", pressure.describe());
    t.info(
        "time in store.write",
        format!("{:.2} s", stored_time.as_secs_f64()),
    );
    t.info(
        "wall incl. generating items",
        format!(
            "{:.2} s ({} items/s)",
            wall.as_secs_f64(),
            thousands(args.count as f64 / wall.as_secs_f64())
        ),
    );
    t.info(
        "one batch (transaction): p50 / p95 / max",
        format!(
            "{:.1} / {:.1} / {:.1} ms",
            percentile(&batch_ms, 50.0),
            percentile(&batch_ms, 95.0),
            percentile(&batch_ms, 100.0)
        ),
    );
    t.budget(
        "peak RSS (whole process)",
        mb_kib(peak),
        "no budget (whole app < 200 MB, DESIGN §7)",
        None,
    );
    t.info("CPU user / sys", format!("{user_s:.1} s / {sys_s:.1} s"));
    if let Some((wchar, _)) = sys::written_bytes("self") {
        t.info(
            "bytes written",
            format!(
                "{} ({:.1}× the database)",
                mb(wchar),
                wchar as f64 / db_bytes.max(1) as f64
            ),
        );
    }
    t.info(
        "stored / duplicates / new cases / conversations",
        format!(
            "{} / {} / {} / {}",
            thousands(stored as f64),
            thousands(dups as f64),
            thousands(new_cases as f64),
            thousands(conversations as f64)
        ),
    );
    t.info(
        "database on disk",
        format!(
            "{} ({:.2} KB/item)",
            mb(db_bytes),
            db_bytes as f64 / 1000.0 / args.count.max(1) as f64
        ),
    );
    t.print();
    Ok(())
}
