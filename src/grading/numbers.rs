//! Numbers as people read them: a score is rounded once, to the rule set's
//! precision, where it is computed; every page, export and JSON body then
//! shows that value, and text shows it without trailing zeros or a "-0".

/// The most decimals a rule set may keep (and text shows of a score).
pub const MAX_DECIMALS: u8 = crate::rules::model::MAX_SCORE_DECIMALS;

/// `x` rounded half away from zero to `places` decimals (at most
/// [`MAX_DECIMALS`]). Floating-point residue is snapped away first, so that
/// 31.000000000000004 is 31 and 1.005 (stored as 1.00499999…) rounds to 1.01,
/// as it does on paper. Never returns -0.
pub fn round_to(x: f64, places: u8) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(i32::from(places.min(MAX_DECIMALS)));
    // Six more decimals than asked for is far below any score's meaning and far
    // above f64's residue for scores up to thousands of points.
    let snapped = (x * scale * 1e6).round() / 1e6;
    let r = snapped.round() / scale;
    if r == 0.0 { 0.0 } else { r }
}

/// `x` with at most `places` decimals (rounded as [`round_to`] rounds, not
/// half to even as `format!` does), trailing zeros dropped, never "-0".
pub fn decimal(x: f64, places: u8) -> String {
    let places = places.min(MAX_DECIMALS);
    let s = format!("{:.*}", usize::from(places), round_to(x, places));
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// Statistics, thresholds and marks: two decimals.
pub fn fmt2(x: f64) -> String {
    decimal(x, 2)
}

/// A score, already rounded to its rule set's precision: shown in full, so
/// the page says what the JSON and the exports say.
pub fn score(x: f64) -> String {
    decimal(x, MAX_DECIMALS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residue_is_rounded_away() {
        assert_eq!(31.0 / 60.0 * 60.0, 31.000000000000004, "the residue exists");
        assert_eq!(round_to(31.0 / 60.0 * 60.0, 2), 31.0);
        assert_eq!(round_to(14.5 / 50.0 * 100.0, 2), 29.0);
        assert_eq!(round_to(1.005, 2), 1.01);
        assert_eq!(round_to(2.675, 2), 2.68);
        assert_eq!(round_to(31.125, 2), 31.13);
        assert_eq!(round_to(-31.125, 2), -31.13);
        assert_eq!(round_to(29.96, 1), 30.0);
        assert_eq!(round_to(7.5, 0), 8.0);
        assert_eq!(round_to(1.23456, 9), 1.2346, "at most four decimals");
    }

    #[test]
    fn rounding_never_gives_negative_zero() {
        let r = round_to(-0.001, 2);
        assert_eq!(r, 0.0);
        assert!(r.is_sign_positive());
        assert!(round_to(-0.0, 2).is_sign_positive());
    }

    #[test]
    fn text_drops_trailing_zeros_and_never_prints_minus_zero() {
        assert_eq!(fmt2(31.0), "31");
        assert_eq!(fmt2(31.5), "31.5");
        assert_eq!(fmt2(0.125), "0.13");
        assert_eq!(fmt2(100.0), "100");
        assert_eq!(fmt2(-0.001), "0");
        assert_eq!(fmt2(-0.0), "0");
        assert_eq!(fmt2(-2.5), "-2.5");
        assert_eq!(decimal(10.0, 0), "10");
        assert_eq!(decimal(-0.4, 0), "0");
        assert_eq!(score(31.125), "31.125");
        assert_eq!(score(31.13), "31.13");
        assert_eq!(score(31.0 / 60.0 * 60.0), "31");
    }
}
