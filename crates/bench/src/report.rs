//! Plain-text tables: one row per figure, with the budget it is held against and a verdict.
//! A missed budget is reported, never turned into a failure.

pub enum Verdict {
    /// Within budget.
    Ok,
    /// Over budget.
    Missed,
    /// No budget, or the run is too small for the comparison to mean anything.
    Info,
    /// A verdict of its own, e.g. a comparison with a recorded baseline.
    Text(&'static str),
}

pub struct Row {
    pub metric: String,
    pub value: String,
    pub budget: String,
    pub verdict: Verdict,
}

pub struct Table {
    title: String,
    rows: Vec<Row>,
}

impl Table {
    pub fn new(title: impl Into<String>) -> Table {
        Table {
            title: title.into(),
            rows: Vec::new(),
        }
    }

    pub fn info(&mut self, metric: impl Into<String>, value: impl Into<String>) {
        self.rows.push(Row {
            metric: metric.into(),
            value: value.into(),
            budget: String::new(),
            verdict: Verdict::Info,
        });
    }

    /// A figure with a budget. `ok` says whether it is met; `None` when the comparison does
    /// not apply (e.g. a smoke-test size).
    pub fn budget(
        &mut self,
        metric: impl Into<String>,
        value: impl Into<String>,
        budget: impl Into<String>,
        ok: Option<bool>,
    ) {
        self.rows.push(Row {
            metric: metric.into(),
            value: value.into(),
            budget: budget.into(),
            verdict: match ok {
                Some(true) => Verdict::Ok,
                Some(false) => Verdict::Missed,
                None => Verdict::Info,
            },
        });
    }

    /// A figure compared with an earlier one: `change` goes in the budget column.
    pub fn compared(
        &mut self,
        metric: impl Into<String>,
        value: impl Into<String>,
        change: impl Into<String>,
        verdict: &'static str,
    ) {
        self.rows.push(Row {
            metric: metric.into(),
            value: value.into(),
            budget: change.into(),
            verdict: Verdict::Text(verdict),
        });
    }

    pub fn print(&self) {
        let w0 = self
            .rows
            .iter()
            .map(|r| r.metric.chars().count())
            .max()
            .unwrap_or(0)
            .max(6);
        let w1 = self
            .rows
            .iter()
            .map(|r| r.value.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        let w2 = self
            .rows
            .iter()
            .map(|r| r.budget.chars().count())
            .max()
            .unwrap_or(0)
            .max(6);
        println!();
        println!("== {} ==", self.title);
        println!(
            "{:<w0$} | {:>w1$} | {:<w2$} | verdict",
            "metric", "value", "budget"
        );
        println!("{}", "-".repeat(w0 + w1 + w2 + 16));
        for r in &self.rows {
            let verdict = match r.verdict {
                Verdict::Ok => "ok",
                Verdict::Missed => "MISSED",
                Verdict::Info => "",
                Verdict::Text(t) => t,
            };
            println!(
                "{:<w0$} | {:>w1$} | {:<w2$} | {verdict}",
                r.metric, r.value, r.budget
            );
        }
    }
}

/// 12345.6 → "12,346".
pub fn thousands(v: f64) -> String {
    let n = v.round() as i64;
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (k, c) in s.chars().enumerate() {
        if k > 0 && (s.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

pub fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

pub fn mb_kib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "n/a".to_string(),
        |k| format!("{:.1} MB", k as f64 * 1024.0 / 1_000_000.0),
    )
}

/// Percentile (nearest rank) of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting() {
        assert_eq!(thousands(1234567.0), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), 2.0);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 95.0), 4.0);
    }
}
