//! Exact small-count statistics for "did the fix work?".
//!
//! Why not a normal approximation: a fixed root cause typically has a handful of cases on each
//! side of the fix (12 before, 2 after). Wald-style intervals on such counts are wrong in the
//! direction that matters (they claim a fix worked when the data cannot say). The interval used
//! here is the exact conditional one: given `n = before + after` cases in total, the number
//! after the fix is Binomial(n, p) with `p = w_a·r / (w_a·r + w_b)`, where `w_a`, `w_b` are the
//! window lengths and `r` the ratio of the after-rate to the before-rate. A Clopper–Pearson
//! interval on `p` maps one-to-one onto an interval on `r`.
//!
//! The special functions are written out here (no numeric dependency): the log-gamma function
//! (Lanczos), the regularized incomplete beta function (continued fraction, Lentz's method),
//! its inverse by bisection, and the binomial CDF through the incomplete beta.

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error below 1e-14).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = COEF[0];
    let t = x + G + 0.5;
    for (i, c) in COEF.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The continued fraction of the incomplete beta function (Lentz's method).
fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-16;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=500 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// The regularized incomplete beta function I_x(a, b), for a, b > 0 and x in [0, 1].
pub fn beta_inc(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(a, b, x) / a
    } else {
        1.0 - front * beta_cf(b, a, 1.0 - x) / b
    }
}

/// The q-quantile of the Beta(a, b) distribution: the x with I_x(a, b) = q. Bisection, so it
/// cannot diverge; 200 halvings reach the resolution of f64.
pub fn beta_quantile(q: f64, a: f64, b: f64) -> f64 {
    if q <= 0.0 {
        return 0.0;
    }
    if q >= 1.0 {
        return 1.0;
    }
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if beta_inc(a, b, mid) < q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// P(X ≤ k) for X ~ Binomial(n, p).
pub fn binomial_cdf(k: u64, n: u64, p: f64) -> f64 {
    if k >= n {
        return 1.0;
    }
    if p <= 0.0 {
        return 1.0;
    }
    if p >= 1.0 {
        return 0.0;
    }
    beta_inc((n - k) as f64, k as f64 + 1.0, 1.0 - p)
}

/// The exact (Clopper–Pearson) two-sided interval at `level` (e.g. 0.95) for a binomial
/// proportion with `x` successes out of `n`. `n` must be at least 1.
pub fn clopper_pearson(x: u64, n: u64, level: f64) -> (f64, f64) {
    let alpha = 1.0 - level;
    let lower = if x == 0 {
        0.0
    } else {
        beta_quantile(alpha / 2.0, x as f64, (n - x + 1) as f64)
    };
    let upper = if x >= n {
        1.0
    } else {
        beta_quantile(1.0 - alpha / 2.0, x as f64 + 1.0, (n - x) as f64)
    };
    (lower, upper)
}

/// The ratio of two Poisson rates, after / before, with its exact conditional interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateRatio {
    /// (after / w_after) / (before / w_before); None when there was nothing before.
    pub ratio: Option<f64>,
    /// Bounds; the upper one is None (unbounded) when there was nothing before.
    pub low: f64,
    pub high: Option<f64>,
}

/// `before` events in a window of length `w_before`, `after` events in `w_after` (any unit,
/// the same for both; both > 0). None when there are no events at all (nothing to compare).
pub fn rate_ratio(
    before: u64,
    w_before: f64,
    after: u64,
    w_after: f64,
    level: f64,
) -> Option<RateRatio> {
    let n = before + after;
    if n == 0 || w_before <= 0.0 || w_after <= 0.0 {
        return None;
    }
    let (pl, pu) = clopper_pearson(after, n, level);
    // p = w_a·r / (w_a·r + w_b)  ⇔  r = p·w_b / ((1 − p)·w_a)
    let to_ratio = |p: f64| p * w_before / ((1.0 - p) * w_after);
    Some(RateRatio {
        ratio: (before > 0).then(|| (after as f64 / w_after) / (before as f64 / w_before)),
        low: to_ratio(pl),
        high: (pu < 1.0).then(|| to_ratio(pu)),
    })
}

/// The nearest-rank percentile (`q` in (0, 1]) of sorted values: the smallest value with at
/// least a share `q` of the values at or below it. None for no values.
pub fn percentile(sorted: &[i64], q: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values computed once with SciPy 1.17.1 (scipy.special.betainc, scipy.stats.beta.ppf,
    // scipy.stats.binom.cdf) and kept here as constants.
    fn close(got: f64, want: f64, tol: f64) -> bool {
        (got - want).abs() <= tol * want.abs().max(1e-300)
    }

    #[test]
    fn incomplete_beta_matches_scipy() {
        for (a, b, x, want) in [
            (2.0, 3.0, 0.4, 0.5247999999999999),
            (0.5, 0.5, 0.2, 0.2951672353008665),
            (10.0, 20.0, 0.3, 0.3640040810719437),
        ] {
            let got = beta_inc(a, b, x);
            assert!(
                close(got, want, 1e-12),
                "I_{x}({a}, {b}) = {got}, SciPy says {want}"
            );
        }
    }

    #[test]
    fn beta_quantile_matches_scipy() {
        for (q, a, b, want) in [
            (0.025, 3.0, 10.0, 0.05486064452799272),
            (0.975, 4.0, 9.0, 0.5718584618781891),
            (0.025, 1.0, 20.0, 0.0012650894979498038),
            (0.975, 51.0, 50.0, 0.601678870496699),
        ] {
            let got = beta_quantile(q, a, b);
            assert!(
                close(got, want, 1e-10),
                "Beta({a}, {b}).ppf({q}) = {got}, SciPy says {want}"
            );
        }
    }

    #[test]
    fn binomial_cdf_matches_scipy() {
        for (k, n, p, want) in [
            (3, 10, 0.3, 0.6496107184000002),
            (0, 20, 0.1, 0.12157665459056925),
            (40, 100, 0.5, 0.028443966820490444),
        ] {
            let got = binomial_cdf(k, n, p);
            assert!(
                close(got, want, 1e-10),
                "Binom({n}, {p}).cdf({k}) = {got}, SciPy says {want}"
            );
        }
        assert_eq!(binomial_cdf(10, 10, 0.3), 1.0, "every outcome is at most n");
    }

    #[test]
    fn rate_ratio_interval_matches_the_scipy_inversion() {
        // (before, w_before, after, w_after) → (ratio, low, high), from the same inversion in SciPy.
        let cases = [
            (
                (12, 4.0, 2, 4.0),
                (
                    0.16666666666666666,
                    0.01811689688532481,
                    Some(0.7486466027726506),
                ),
            ),
            (
                (8, 4.0, 6, 4.0),
                (0.75, 0.21449291802859274, Some(2.4648906094786542)),
            ),
            (
                (3, 4.0, 15, 4.0),
                (5.0, 1.4144238177512356, Some(26.944604644416874)),
            ),
            ((10, 4.0, 0, 2.5), (0.0, 0.0, Some(0.7138008793470794))),
            (
                (20, 4.0, 1, 4.0),
                (0.05, 0.001206336943780223, Some(0.31261141680936044)),
            ),
        ];
        for ((b, wb, a, wa), (ratio, low, high)) in cases {
            let r = rate_ratio(b, wb, a, wa, 0.95).expect("cases to compare");
            assert!(close(r.ratio.unwrap(), ratio, 1e-12) || ratio == 0.0 && r.ratio == Some(0.0));
            assert!(
                close(r.low, low, 1e-9) || low == 0.0 && r.low == 0.0,
                "low {} vs {low}",
                r.low
            );
            assert!(
                close(r.high.unwrap(), high.unwrap(), 1e-9),
                "high {:?} vs {high:?}",
                r.high
            );
        }
    }

    #[test]
    fn nothing_before_the_fix_leaves_the_ratio_unbounded() {
        let r = rate_ratio(0, 4.0, 3, 4.0, 0.95).unwrap();
        assert_eq!(r.ratio, None, "no before-rate to divide by");
        assert_eq!(r.high, None, "the interval is unbounded above");
        assert!(r.low > 0.0);
        assert!(
            rate_ratio(0, 4.0, 0, 4.0, 0.95).is_none(),
            "no cases at all: nothing to say"
        );
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(
            percentile(&v, 0.5),
            Some(5),
            "median of 1..10 by nearest rank"
        );
        assert_eq!(percentile(&v, 0.9), Some(9));
        assert_eq!(percentile(&[7], 0.9), Some(7));
        assert_eq!(percentile(&[], 0.5), None);
    }
}
