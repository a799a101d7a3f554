//! Regressions caught, not discovered: each benchmark records its headline figures, and
//! `all` compares them with the last recorded ones in a small checked-in baseline file
//! (`crates/bench/baseline/small.json` for `all --small`, `full.json` otherwise).
//!
//! A figure more than [`REGRESSION_LIMIT`] worse than its baseline is printed `REGRESSED` —
//! but only when the CPU was quiet enough for the comparison to mean something (at most
//! [`QUIET_PRESSURE_PCT`] of the time with a task waiting for a CPU, `/proc/pressure/cpu`).
//! On a busy machine the same change is printed as "worse (busy machine, not judged)". Nothing
//! here fails the run: a benchmark reports, it never fails on time.
//!
//! The children of `all` append one JSON line per figure to the file named by
//! [`RECORD_ENV`]; a benchmark run on its own records nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::report::Table;

/// Environment variable naming the file the figures of one `all` run are appended to.
pub const RECORD_ENV: &str = "SWITCHBOARD_BENCH_RECORD";
/// A figure this much worse than its baseline (as a fraction) is a regression.
pub const REGRESSION_LIMIT: f64 = 0.25;
/// CPU pressure (percent of the time) above which timings are not judged.
pub const QUIET_PRESSURE_PCT: f64 = 15.0;

/// Which direction is better for a figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Higher,
    Lower,
}

/// One recorded figure.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Figure {
    /// Stable name, e.g. `ingest.items_per_s`.
    pub key: String,
    pub value: f64,
    pub unit: String,
    pub better: Better,
    /// CPU pressure during the measurement, when the benchmark knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pressure_pct: Option<f64>,
    /// Timings depend on the machine being quiet; sizes (bytes, counts) do not.
    #[serde(default)]
    pub timing: bool,
}

/// The checked-in file: when and at which commit the figures were recorded.
#[derive(Debug, Serialize, Deserialize)]
pub struct Baseline {
    pub recorded: String,
    pub commit: String,
    pub figures: Vec<Figure>,
}

/// Appends a timing figure for the comparison of an `all` run (no-op when run alone).
pub fn timing(key: &str, value: f64, unit: &str, better: Better, pressure_pct: Option<f64>) {
    append(Figure {
        key: key.to_string(),
        value,
        unit: unit.to_string(),
        better,
        pressure_pct,
        timing: true,
    });
}

/// Appends a size figure (bytes per item and the like), judged whatever the CPU did.
pub fn size(key: &str, value: f64, unit: &str) {
    append(Figure {
        key: key.to_string(),
        value,
        unit: unit.to_string(),
        better: Better::Lower,
        pressure_pct: None,
        timing: false,
    });
}

fn append(f: Figure) {
    let Some(path) = std::env::var_os(RECORD_ENV) else {
        return;
    };
    let line = match serde_json::to_string(&f) {
        Ok(l) => l,
        Err(_) => return,
    };
    // One short line per write with O_APPEND: children never interleave within a line.
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| writeln!(file, "{line}"));
    if let Err(e) = written {
        eprintln!(
            "switchboard-bench: could not record {} in {}: {e}",
            f.key,
            Path::new(&path).display()
        );
    }
}

/// Reads the figures the children of one run appended.
pub fn read_records(path: &Path) -> anyhow::Result<Vec<Figure>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| anyhow::anyhow!("bad record {l:?}: {e}")))
        .collect()
}

/// The baseline file for a run of this size, next to the bench crate's sources.
pub fn baseline_path(small: bool) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("baseline")
        .join(if small { "small.json" } else { "full.json" })
}

pub fn load(path: &Path) -> anyhow::Result<Option<Baseline>> {
    match std::fs::read_to_string(path) {
        Ok(t) => serde_json::from_str(&t)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("{} is not a benchmark baseline: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub fn save(path: &Path, figures: &[Figure], commit: &str, recorded: &str) -> anyhow::Result<()> {
    let b = Baseline {
        recorded: recorded.to_string(),
        commit: commit.to_string(),
        figures: figures.to_vec(),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, serde_json::to_string_pretty(&b)? + "\n")?;
    Ok(())
}

/// What the comparison concluded for one figure.
#[derive(Debug, PartialEq)]
pub enum Judgement {
    /// Not worse than the limit (or better).
    Ok,
    /// More than the limit worse, on a quiet machine.
    Regressed,
    /// More than the limit worse, but the machine was busy.
    WorseBusy,
    /// No baseline figure with this key.
    New,
}

/// How much worse `now` is than `then`, as a fraction (negative: better).
pub fn worsening(then: f64, now: f64, better: Better) -> f64 {
    if then == 0.0 {
        return 0.0;
    }
    match better {
        Better::Lower => (now - then) / then,
        Better::Higher => (then - now) / then,
    }
}

pub fn judge(baseline: Option<&Figure>, now: &Figure) -> Judgement {
    let Some(then) = baseline else {
        return Judgement::New;
    };
    if worsening(then.value, now.value, now.better) <= REGRESSION_LIMIT {
        return Judgement::Ok;
    }
    let busy = now.timing && now.pressure_pct.is_some_and(|p| p > QUIET_PRESSURE_PCT);
    if busy {
        Judgement::WorseBusy
    } else {
        Judgement::Regressed
    }
}

/// Prints the comparison table; returns how many figures regressed.
pub fn compare(baseline: Option<&Baseline>, now: &[Figure]) -> usize {
    let mut t = Table::new(match baseline {
        Some(b) => format!(
            "compared with the baseline recorded {} at {} (REGRESSED: > {:.0}% worse on a quiet CPU)",
            b.recorded,
            b.commit,
            REGRESSION_LIMIT * 100.0
        ),
        None => "no baseline recorded yet (record one with --update-baseline)".to_string(),
    });
    let mut regressed = 0;
    for f in now {
        let then = baseline.and_then(|b| b.figures.iter().find(|g| g.key == f.key));
        let verdict = judge(then, f);
        let change = then.map_or_else(String::new, |g| {
            let w = worsening(g.value, f.value, f.better);
            format!(
                "was {} {} ({}{:.0}%)",
                fmt_value(g.value),
                g.unit,
                if w > 0.0 { "worse " } else { "better " },
                w.abs() * 100.0
            )
        });
        let label = match verdict {
            Judgement::Ok => "ok",
            Judgement::Regressed => {
                regressed += 1;
                "REGRESSED"
            }
            Judgement::WorseBusy => "worse (busy machine, not judged)",
            Judgement::New => "new",
        };
        t.compared(
            f.key.clone(),
            format!("{} {}", fmt_value(f.value), f.unit),
            change,
            label,
        );
    }
    t.print();
    regressed
}

fn fmt_value(v: f64) -> String {
    if v.abs() >= 100.0 {
        crate::report::thousands(v)
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(key: &str, value: f64, better: Better, pressure: Option<f64>, timing: bool) -> Figure {
        Figure {
            key: key.into(),
            value,
            unit: "x".into(),
            better,
            pressure_pct: pressure,
            timing,
        }
    }

    #[test]
    fn a_rate_that_dropped_by_more_than_a_quarter_on_a_quiet_cpu_regressed() {
        let then = fig("ingest.rate", 20_000.0, Better::Higher, Some(1.0), true);
        let now = fig("ingest.rate", 14_000.0, Better::Higher, Some(2.0), true);
        assert_eq!(judge(Some(&then), &now), Judgement::Regressed);
    }

    #[test]
    fn a_small_drop_is_within_the_limit() {
        let then = fig("ingest.rate", 20_000.0, Better::Higher, None, true);
        let now = fig("ingest.rate", 16_000.0, Better::Higher, Some(2.0), true);
        assert_eq!(judge(Some(&then), &now), Judgement::Ok);
    }

    #[test]
    fn a_slower_time_on_a_busy_cpu_is_reported_but_not_judged() {
        let then = fig("import.wall_s", 10.0, Better::Lower, None, true);
        let now = fig("import.wall_s", 20.0, Better::Lower, Some(60.0), true);
        assert_eq!(judge(Some(&then), &now), Judgement::WorseBusy);
    }

    #[test]
    fn a_larger_database_regresses_whatever_the_cpu_did() {
        let then = fig("ingest.kb_per_item", 1.5, Better::Lower, None, false);
        let now = fig("ingest.kb_per_item", 12.3, Better::Lower, Some(90.0), false);
        assert_eq!(judge(Some(&then), &now), Judgement::Regressed);
    }

    #[test]
    fn a_figure_without_baseline_is_new() {
        let now = fig("alerts.us_per_msg", 3.0, Better::Lower, None, true);
        assert_eq!(judge(None, &now), Judgement::New);
    }

    #[test]
    fn records_round_trip_through_the_run_file() {
        let dir = std::env::temp_dir().join(format!("sb-bench-rec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("baseline.json");
        let figs = vec![fig("a", 1.0, Better::Lower, Some(3.0), true)];
        save(&path, &figs, "abc1234", "2026-12-07").unwrap();
        let b = load(&path).unwrap().expect("baseline written");
        assert_eq!(b.commit, "abc1234");
        assert_eq!(b.figures.len(), 1);
        assert_eq!(b.figures[0].key, "a");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
