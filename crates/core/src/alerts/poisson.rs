//! The Poisson upper tail, computed directly (no approximation that fails on small counts).

/// `ln(n!)`: exact by summation up to 256, Stirling's series beyond (error < 1e-12).
pub fn ln_factorial(n: u64) -> f64 {
    if n < 256 {
        return (2..=n).map(|k| (k as f64).ln()).sum();
    }
    let x = n as f64 + 1.0;
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x.powi(3))
}

/// `P(X >= k)` for `X ~ Poisson(lambda)`. Returns 1 for `k == 0` or `k <= lambda` (never a
/// spike), and sums the tail term by term otherwise: past the mean each term is at most
/// `lambda / (j + 1) < 1` times the previous one, so the sum converges quickly.
pub fn upper_tail(k: u64, lambda: f64) -> f64 {
    if k == 0 || (k as f64) <= lambda {
        return 1.0;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    let mut term = (-lambda + k as f64 * lambda.ln() - ln_factorial(k)).exp();
    let mut sum = 0.0;
    let mut j = k;
    while term > sum * 1e-15 && j < k + 100_000 {
        sum += term;
        j += 1;
        term *= lambda / j as f64;
    }
    sum.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_matches_values_computed_by_hand() {
        // P(X >= 1 | 1) = 1 - e^-1
        assert!((upper_tail(2, 1.0) - (1.0 - 2.0 * (-1.0f64).exp())).abs() < 1e-12);
        // P(X >= 3 | 0.5) = 1 - e^-0.5 (1 + 0.5 + 0.125)
        let want = 1.0 - (-0.5f64).exp() * 1.625;
        assert!(
            (upper_tail(3, 0.5) - want).abs() < 1e-12,
            "{}",
            upper_tail(3, 0.5)
        );
    }

    #[test]
    fn tail_is_one_at_or_below_the_mean_and_shrinks_beyond() {
        assert_eq!(upper_tail(3, 5.0), 1.0, "3 of an expected 5 is no spike");
        assert!(
            upper_tail(20, 5.0) < 1e-5,
            "20 of an expected 5 is very unlikely"
        );
        assert!(upper_tail(21, 5.0) < upper_tail(20, 5.0));
    }

    #[test]
    fn stirling_joins_the_exact_sum() {
        let exact: f64 = (2..=300u64).map(|k| (k as f64).ln()).sum();
        assert!((ln_factorial(300) - exact).abs() < 1e-9);
    }
}
