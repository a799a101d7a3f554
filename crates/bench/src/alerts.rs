//! `alerts`: the early-warning detector on synthetic histories with known answers.
//!
//! Histories have the shape of a small shop's inbound traffic: weekday and hour seasonality
//! (weekends at a third to a half, nights near zero), Poisson noise per hour, messages in seven
//! languages built from stop words, each language's everyday complaint vocabulary and a long
//! tail of rare words, with URLs, handles and order numbers mixed in. Every message goes through
//! the real tokeniser and the real detector, in date order, the way ingest feeds it.
//!
//! Figures: for spikes of several sizes (extra messages on one day about one new problem), the
//! share detected within 24 hours and the median time from the spike's first message to the
//! alert; on flat histories (no spike) the false alarms per month; the same for root causes on
//! daily case counts; and the cost per message of the store-side counting (tokenise + counters +
//! alert rows, inside a write transaction) with one message per transaction and in batches.

use std::time::{Duration, Instant};

use switchboard_core::alerts::{
    self as detect, Cooldown, DAY_MS, DayCount, Params, TermDetector, text,
};
use switchboard_store::Store;
use switchboard_store::alerts::{self as store_alerts, Arrival};

use crate::report::{Table, percentile};
use crate::rng::{Rng, Zipf};

const HOUR: i64 = 3_600_000;
/// A Monday, 00:00 UTC.
const T0: i64 = 1_767_571_200_000;

pub struct AlertsArgs {
    pub seed: u64,
    pub small: bool,
    /// Histories per spike size.
    pub histories: usize,
}

struct Lang {
    stop: &'static [&'static str],
    words: &'static [&'static str],
    problem: &'static [&'static str],
    share: f64,
}

const LANGS: &[Lang] = &[
    Lang {
        stop: &[
            "the", "and", "my", "is", "it", "was", "to", "of", "for", "with", "but", "not", "you",
            "this", "have",
        ],
        words: &[
            "order", "delivery", "refund", "late", "size", "return", "broken", "account",
            "payment", "invoice", "shipping", "package", "exchange", "discount", "voucher",
            "email", "support", "website", "checkout", "stock", "colour", "jacket", "boots",
            "tent", "warranty", "address", "tracking", "cancel", "charged", "waiting",
        ],
        problem: &["courier", "parcel", "crushed"],
        share: 0.5,
    },
    Lang {
        stop: &[
            "und", "der", "die", "das", "ist", "nicht", "ich", "mit", "für", "aber", "mein", "ein",
            "wir", "sie", "auf",
        ],
        words: &[
            "bestellung",
            "lieferung",
            "rückerstattung",
            "spät",
            "größe",
            "rücksendung",
            "kaputt",
            "konto",
            "zahlung",
            "rechnung",
            "versand",
            "paket",
            "umtausch",
            "rabatt",
            "gutschein",
            "jacke",
            "stiefel",
            "zelt",
            "garantie",
            "adresse",
        ],
        problem: &["kurier", "sendung", "zerdrückt"],
        share: 0.15,
    },
    Lang {
        stop: &[
            "le", "la", "les", "et", "est", "pas", "je", "avec", "pour", "mais", "mon", "une",
            "nous", "vous", "dans",
        ],
        words: &[
            "commande",
            "livraison",
            "remboursement",
            "retard",
            "taille",
            "retour",
            "cassé",
            "compte",
            "paiement",
            "facture",
            "expédition",
            "colis",
            "échange",
            "remise",
            "bon",
            "veste",
            "bottes",
            "tente",
            "garantie",
            "adresse",
        ],
        problem: &["transporteur", "carton", "écrasé"],
        share: 0.1,
    },
    Lang {
        stop: &[
            "el", "la", "los", "y", "es", "no", "yo", "con", "para", "pero", "mi", "una", "que",
            "por", "del",
        ],
        words: &[
            "pedido",
            "entrega",
            "reembolso",
            "tarde",
            "talla",
            "devolución",
            "roto",
            "cuenta",
            "pago",
            "factura",
            "envío",
            "paquete",
            "cambio",
            "descuento",
            "cupón",
            "chaqueta",
            "botas",
            "tienda",
            "garantía",
            "dirección",
        ],
        problem: &["mensajero", "caja", "aplastada"],
        share: 0.1,
    },
    Lang {
        stop: &[
            "il", "la", "e", "che", "non", "io", "con", "per", "ma", "mio", "una", "sono", "della",
            "questo", "anche",
        ],
        words: &[
            "ordine",
            "consegna",
            "rimborso",
            "ritardo",
            "taglia",
            "reso",
            "rotto",
            "conto",
            "pagamento",
            "fattura",
            "spedizione",
            "pacco",
            "cambio",
            "sconto",
            "buono",
            "giacca",
            "stivali",
            "tenda",
            "garanzia",
            "indirizzo",
        ],
        problem: &["corriere", "scatola", "schiacciata"],
        share: 0.05,
    },
    Lang {
        stop: &[
            "de", "het", "een", "en", "is", "niet", "ik", "met", "voor", "maar", "mijn", "we",
            "ze", "op", "van",
        ],
        words: &[
            "bestelling",
            "levering",
            "terugbetaling",
            "laat",
            "maat",
            "retour",
            "kapot",
            "account",
            "betaling",
            "factuur",
            "verzending",
            "pakket",
            "ruilen",
            "korting",
            "bon",
            "jas",
            "laarzen",
            "tent",
            "garantie",
            "adres",
        ],
        problem: &["bezorger", "doos", "geplet"],
        share: 0.05,
    },
    Lang {
        stop: &[
            "o", "a", "os", "e", "é", "não", "eu", "com", "para", "mas", "meu", "uma", "que",
            "por", "do",
        ],
        words: &[
            "encomenda",
            "entrega",
            "reembolso",
            "atraso",
            "tamanho",
            "devolução",
            "partido",
            "conta",
            "pagamento",
            "fatura",
            "envio",
            "pacote",
            "troca",
            "desconto",
            "vale",
            "casaco",
            "botas",
            "tenda",
            "garantia",
            "morada",
        ],
        problem: &["estafeta", "embalagem", "esmagada"],
        share: 0.05,
    },
];

/// Relative volume per hour of day (UTC), a shop answering in European office hours.
const HOURLY: [f64; 24] = [
    0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.4, 0.8, 1.3, 1.7, 1.8, 1.7, 1.4, 1.6, 1.7, 1.6, 1.4, 1.2,
    1.0, 0.9, 0.8, 0.6, 0.4, 0.25,
];
/// Relative volume per weekday, Monday first.
const WEEKDAY: [f64; 7] = [1.25, 1.1, 1.0, 1.0, 0.95, 0.45, 0.35];

struct Gen {
    rng: Rng,
    tail: Vec<String>,
    tail_zipf: Zipf,
    word_zipf: Zipf,
    per_day: f64,
}

impl Gen {
    fn new(seed: u64, per_day: f64) -> Gen {
        let mut rng = Rng::new(seed);
        let onsets = [
            "b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st", "tr",
        ];
        let vowels = ["a", "e", "i", "o", "u", "ai", "ou"];
        let codas = ["", "n", "r", "s", "t", "l", "x", "nd"];
        let tail: Vec<String> = (0..4000)
            .map(|_| {
                let mut w = String::new();
                for _ in 0..rng.range(2, 3) {
                    w.push_str(onsets[rng.index(onsets.len())]);
                    w.push_str(vowels[rng.index(vowels.len())]);
                }
                w.push_str(codas[rng.index(codas.len())]);
                w
            })
            .collect();
        Gen {
            rng,
            tail_zipf: Zipf::new(tail.len(), 1.05),
            tail,
            word_zipf: Zipf::new(20, 0.9),
            per_day,
        }
    }

    fn poisson(&mut self, lambda: f64) -> usize {
        // Knuth's method, in chunks so large means do not underflow.
        let mut n = 0;
        let mut left = lambda;
        while left > 0.0 {
            let step = left.min(30.0);
            left -= step;
            let limit = (-step).exp();
            let mut p = self.rng.f64();
            while p > limit {
                n += 1;
                p *= self.rng.f64();
            }
        }
        n
    }

    fn lang(&mut self) -> &'static Lang {
        let mut u = self.rng.f64();
        for l in LANGS {
            if u < l.share {
                return l;
            }
            u -= l.share;
        }
        &LANGS[0]
    }

    /// One message's text; with `problem`, it is about the planted problem.
    fn text(&mut self, problem: bool) -> String {
        let lang = self.lang();
        let n = self.rng.range(6, 22);
        let mut out: Vec<String> = Vec::with_capacity(n + 4);
        if problem {
            // The problem's words, mostly together ("courier parcel crushed"), sometimes apart.
            let k = self.rng.range(2, 3);
            out.extend(lang.problem[..k].iter().map(|w| w.to_string()));
        }
        for _ in 0..n {
            let u = self.rng.f64();
            let w = if u < 0.4 {
                self.rng.pick(lang.stop).to_string()
            } else if u < 0.75 {
                let i = self.word_zipf.sample(&mut self.rng) % lang.words.len();
                lang.words[i].to_string()
            } else if u < 0.97 {
                self.tail[self.tail_zipf.sample(&mut self.rng)].clone()
            } else {
                match self.rng.index(3) {
                    0 => format!("#{}", self.rng.range(10_000, 99_999)),
                    1 => "https://shop.example/orders/status".to_string(),
                    _ => "@harborpine".to_string(),
                }
            };
            out.push(w);
        }
        if problem && self.rng.chance(0.5) {
            let at = self.rng.index(out.len());
            out.rotate_right(at); // the phrase somewhere in the middle
        }
        out.join(" ")
    }

    /// Ordinary traffic for `day` (days since `T0`): message times, in order.
    fn ordinary_times(&mut self, day: i64) -> Vec<i64> {
        let wd = WEEKDAY[(day % 7) as usize];
        let norm: f64 = HOURLY.iter().sum();
        let mut times = Vec::new();
        for (h, w) in HOURLY.iter().enumerate() {
            let n = self.poisson(self.per_day * wd * w / norm);
            for _ in 0..n {
                times
                    .push(T0 + day * DAY_MS + h as i64 * HOUR + self.rng.below(HOUR as u64) as i64);
            }
        }
        times.sort_unstable();
        times
    }
}

/// A planted spike: `size` extra messages about one problem, spread over 6 hours from `start`.
struct Spike {
    start: i64,
    size: usize,
}

struct Outcome {
    /// Time from the spike's first message to the alert about it (ms), if within 24 h.
    detected_after: Option<i64>,
    /// Alerts about anything else (grouped as the store groups them).
    false_alarms: usize,
    messages: usize,
    tokenise_and_detect: Duration,
}

fn problem_term(term: &str) -> bool {
    term.split(' ')
        .all(|w| LANGS.iter().any(|l| l.problem.contains(&w)))
}

/// Runs one history of `days` days through the detector.
fn run_history(seed: u64, days: i64, per_day: f64, spike: Option<&Spike>) -> Outcome {
    let mut g = Gen::new(seed, per_day);
    let mut det = TermDetector::new(Params::default());
    let mut detected_after = None;
    let mut false_alarms = 0;
    let mut messages = 0;
    let mut spent = Duration::ZERO;
    // Open alert groups of the current day: (day, terms), as the store groups them.
    let mut open: Vec<Vec<String>> = Vec::new();
    let mut open_day = -1;
    for day in 0..days {
        let mut items: Vec<(i64, bool)> = g
            .ordinary_times(day)
            .into_iter()
            .map(|t| (t, false))
            .collect();
        if let Some(s) = spike
            && (s.start - T0).div_euclid(DAY_MS) == day
        {
            for i in 0..s.size {
                let offset = if i == 0 {
                    0
                } else {
                    g.rng.below(6 * HOUR as u64) as i64
                };
                items.push((s.start + offset, true));
            }
        }
        items.sort_unstable();
        for (at, problem) in items {
            let body = g.text(problem);
            messages += 1;
            let t = Instant::now();
            let terms = text::message_terms(None, &body);
            let signals = det.observe(at, &terms);
            spent += t.elapsed();
            if signals.is_empty() {
                continue;
            }
            let d = detect::day_of(det.params.tz, at);
            if d != open_day {
                open.clear();
                open_day = d;
            }
            let raised: Vec<&str> = signals
                .iter()
                .filter(|s| s.action == Cooldown::Raise)
                .map(|s| s.term.as_str())
                .collect();
            if raised.is_empty() {
                continue;
            }
            match detect::group_with(&open, &terms) {
                Some(i) => open[i].extend(raised.iter().map(|t| t.to_string())),
                None => {
                    open.push(raised.iter().map(|t| t.to_string()).collect());
                    let about_problem = raised.iter().any(|t| problem_term(t));
                    match spike {
                        Some(s) if about_problem && at >= s.start && at < s.start + DAY_MS => {
                            if detected_after.is_none() {
                                detected_after = Some(at - s.start);
                            }
                        }
                        _ => false_alarms += 1,
                    }
                }
            }
        }
    }
    Outcome {
        detected_after,
        false_alarms,
        messages,
        tokenise_and_detect: spent,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    percentile(&v, 50.0)
}

fn hours(ms: f64) -> String {
    if ms.is_nan() {
        "–".into()
    } else {
        format!("{:.1} h", ms / HOUR as f64)
    }
}

pub fn run(args: &AlertsArgs) -> anyhow::Result<()> {
    crate::sys::Machine::detect().print();
    let p = Params::default();
    println!(
        "alerts: Params {{ alpha: {}, min_count: {}, min_ratio: {}, half_life_days: {}, warmup_days: {}, cool_down_days: {} }}",
        p.alpha, p.min_count, p.min_ratio, p.half_life_days, p.warmup_days, p.cool_down_days
    );
    let histories = if args.small { 4 } else { args.histories };
    let per_day = 80.0;
    let days = 70;
    let sizes: &[usize] = &[3, 5, 8, 12, 16, 24, 40];

    let mut t = Table::new(format!(
        "term spikes: {histories} histories of {days} days per size, ~{per_day} inbound messages on an average weekday, spike on a weekday after day 42"
    ));
    let mut all_msgs = 0usize;
    let mut all_time = Duration::ZERO;
    let mut spike_fa = 0usize;
    for &size in sizes {
        let mut found = 0;
        let mut delays = Vec::new();
        for h in 0..histories {
            let seed = args.seed ^ ((size as u64) << 32) ^ h as u64;
            let mut r = Rng::new(seed ^ 0xA1E7);
            let day = 42 + 7 * r.below(3) as i64 + r.below(5) as i64; // a weekday
            let start = T0 + day * DAY_MS + (8 + r.below(6) as i64) * HOUR;
            let o = run_history(seed, days, per_day, Some(&Spike { start, size }));
            all_msgs += o.messages;
            all_time += o.tokenise_and_detect;
            spike_fa += o.false_alarms;
            if let Some(d) = o.detected_after {
                found += 1;
                delays.push(d as f64);
            }
        }
        t.info(
            format!("+{size} messages in a day: detected within 24 h"),
            format!(
                "{:>3.0} %  (median time to detect {})",
                100.0 * found as f64 / histories as f64,
                hours(median(delays))
            ),
        );
    }
    t.print();

    let flat_histories = if args.small { 2 } else { 12 };
    let flat_days = 365;
    let mut fa = 0usize;
    let mut months = 0.0;
    for h in 0..flat_histories {
        let o = run_history(
            args.seed ^ 0xF1A7 ^ ((h as u64) << 8),
            flat_days,
            per_day,
            None,
        );
        fa += o.false_alarms;
        months += (flat_days - i64::from(p.warmup_days)) as f64 / 30.44;
        all_msgs += o.messages;
        all_time += o.tokenise_and_detect;
    }
    let mut f = Table::new(format!(
        "false alarms: {flat_histories} flat histories of {flat_days} days (no spike), after the {}-day warm-up",
        p.warmup_days
    ));
    f.info(
        "term alerts per month of flat history",
        format!("{:.2}  ({fa} in {months:.0} months)", fa as f64 / months),
    );
    f.info(
        "term alerts outside the spike in spiked histories",
        spike_fa.to_string(),
    );
    f.info(
        "tokenise + detect (in memory), per message",
        format!(
            "{:.2} µs  ({} messages)",
            all_time.as_secs_f64() * 1e6 / all_msgs as f64,
            all_msgs
        ),
    );
    f.print();

    root_causes(args, &p);
    store_cost(args)?;
    Ok(())
}

/// Root causes: daily new-case counts with weekday seasonality; a cause usually at 2 a day
/// among ~30 cases; planted extra cases on one day, evaluated after each case as tagging would.
fn root_causes(args: &AlertsArgs, p: &Params) {
    let histories = if args.small {
        4
    } else {
        args.histories.max(20)
    };
    let causes = 12;
    let mut t = Table::new(format!(
        "root-cause spikes: {histories} histories per size, ~30 new cases and ~2 of the cause a weekday, {causes} causes tested"
    ));
    let simulate = |seed: u64, days: i64, spike: Option<(i64, usize)>| -> (Option<f64>, usize) {
        let mut g = Gen::new(seed, 30.0);
        let mut series: Vec<DayCount> = Vec::new();
        let mut found = None;
        let mut false_alarms = 0;
        let mut last_alert: Option<i64> = None;
        for day in 0..days {
            let wd = WEEKDAY[(day % 7) as usize];
            let all = g.poisson(30.0 * wd);
            let mut cause = g.poisson(2.0 * wd);
            let extra = match spike {
                Some((d, k)) if d == day => k,
                _ => 0,
            };
            cause += extra;
            let total = all + extra;
            // Cases arrive through the day; the detector looks after each one of the cause.
            let mut today = DayCount::default();
            let mut arrivals: Vec<bool> = (0..total).map(|i| i < cause).collect();
            for i in (1..arrivals.len()).rev() {
                let j = g.rng.index(i + 1);
                arrivals.swap(i, j);
            }
            for (i, is_cause) in arrivals.iter().enumerate() {
                today.all += 1;
                if !is_cause {
                    continue;
                }
                today.cause += 1;
                let mut window: Vec<DayCount> =
                    series.iter().rev().take(56).rev().copied().collect();
                window.push(today);
                if detect::root_cause_verdict(p, &window, causes).is_some() {
                    match detect::cooldown(p, day, last_alert) {
                        Cooldown::Raise => {
                            last_alert = Some(day);
                            if extra > 0 {
                                if found.is_none() {
                                    found = Some(i as f64 / total as f64);
                                }
                            } else {
                                false_alarms += 1;
                            }
                        }
                        Cooldown::Extend | Cooldown::Quiet => {}
                    }
                }
            }
            series.push(today);
        }
        (found, false_alarms)
    };
    for size in [3usize, 5, 8, 12] {
        let mut found = 0;
        let mut when = Vec::new();
        for h in 0..histories {
            let (f, _) = simulate(
                args.seed ^ 0x0C ^ ((size as u64) << 20) ^ h as u64,
                60,
                Some((50, size)),
            );
            if let Some(share) = f {
                found += 1;
                when.push(share);
            }
        }
        t.info(
            format!("+{size} cases of the cause in a day: detected that day"),
            format!(
                "{:>3.0} %  (median: after {:.0} % of the day's cases)",
                100.0 * found as f64 / histories as f64,
                100.0 * median(when)
            ),
        );
    }
    let flat = if args.small { 2 } else { 24 };
    let mut fa = 0;
    for h in 0..flat {
        fa += simulate(args.seed ^ 0xF0 ^ ((h as u64) << 12), 365, None).1;
    }
    let months = flat as f64 * (365.0 - f64::from(p.warmup_days)) / 30.44;
    t.info(
        "false alarms per month of flat history, per cause",
        format!(
            "{:.3}  ({fa} in {months:.0} cause-months)",
            fa as f64 / months
        ),
    );
    t.print();
}

/// The store side: tokenise + counters + alerts inside a write transaction, per message, over a
/// store that already holds 60 days of counters.
fn store_cost(args: &AlertsArgs) -> anyhow::Result<()> {
    let work = tempfile::tempdir()?;
    let mut store = Store::open(work.path())?;
    let mut g = Gen::new(args.seed ^ 0x5707E, 80.0);
    let warm_days = if args.small { 20 } else { 60 };
    for day in 0..warm_days {
        let times = g.ordinary_times(day);
        let arrivals: Vec<Arrival> = times
            .iter()
            .map(|&at| Arrival {
                case_id: 1,
                at,
                terms: text::message_terms(None, &g.text(false)),
                now: at,
            })
            .collect();
        store.write(|tx| store_alerts::count_arrivals(tx, &arrivals))?;
    }
    let vocabulary: i64 =
        store
            .conn()
            .query_row("SELECT vocabulary FROM alert_totals", [], |r| r.get(0))?;
    let n = if args.small { 300 } else { 3_000 };
    let day = warm_days;
    let bodies: Vec<(i64, String)> = (0..n)
        .map(|i| {
            (
                T0 + day * DAY_MS + (i as i64 * DAY_MS) / (2 * n as i64),
                g.text(false),
            )
        })
        .collect();
    let mut table = Table::new(format!(
        "store-side counting over {warm_days} days of counters ({vocabulary} terms stored)"
    ));
    for batch in [1usize, 10, 100] {
        let mut spent = Duration::ZERO;
        for chunk in bodies.chunks(batch) {
            let shift = batch as i64 * DAY_MS; // each run on its own later day
            store.write(|tx| {
                let t = Instant::now();
                let arrivals: Vec<Arrival> = chunk
                    .iter()
                    .map(|(at, body)| Arrival {
                        case_id: 1,
                        at: at + shift,
                        terms: text::message_terms(None, body),
                        now: at + shift,
                    })
                    .collect();
                store_alerts::count_arrivals(tx, &arrivals)?;
                spent += t.elapsed();
                Ok(())
            })?;
        }
        table.budget(
            format!("per message, {batch} message(s) per transaction"),
            format!("{:.1} µs", spent.as_secs_f64() * 1e6 / n as f64),
            "< 20 µs",
            Some(spent.as_secs_f64() * 1e6 / (n as f64) < 20.0),
        );
    }
    let rows: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM alert_terms", [], |r| r.get(0))?;
    table.info("alert_terms rows after the run", rows.to_string());
    table.print();
    Ok(())
}
