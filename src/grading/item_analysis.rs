//! Item analysis of a paper: how hard each question was, how well it separated
//! stronger from weaker candidates, and how reliable the test was — with the
//! definitions Moodle's quiz statistics use
//! (<https://docs.moodle.org/dev/Quiz_statistics_calculations>), so a board used
//! to Moodle reads the same numbers.
//!
//! Input is a matrix of attempts × items, each cell the item's score as a
//! fraction of its maximum (a question left blank is 0), plus each item's
//! maximum points. Marks are `fraction × max`; the test score of an attempt is
//! the sum of its marks. Variances and covariances divide by n − 1, as Moodle's do.
//!
//! Per item (`x` its marks, `T` the test score, `R = T − x` the rest of the test):
//! - facility = mean(x) / max;
//! - standard deviation = sd(x) / max (a share of the item's maximum);
//! - discrimination index = corr(x, R), the "corrected" item–rest correlation,
//!   −1..=1 (Moodle prints it ×100);
//! - discriminative efficiency = cov(x, R) / cov_max(x, R), where cov_max pairs
//!   the sorted x with the sorted R: the largest covariance those two sets of
//!   values could have had (Moodle prints it ×100).
//!
//! Per test, on test scores in marks: mean, median, sd, skewness and kurtosis
//! (the k-statistics k3/k2^1.5 and k4/k2², kurtosis 0 for a normal
//! distribution), Cronbach's alpha (Moodle's "coefficient of internal
//! consistency") α = p/(p−1)·(1 − Σ var(x)/var(T)), error ratio √(1 − α) and
//! standard error = error ratio × sd.
//!
//! A statistic that is undefined for the data — an sd of one attempt, a
//! correlation with a constant item or a constant rest of test — is `None`,
//! never NaN. The work is two passes over the matrix plus, per item, a
//! partial selection on the rest scores (linear for items with few distinct
//! marks, as multiple-choice items have), so 100,000 attempts × 60 items take
//! a fraction of a second.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::numbers::fmt2;

/// Items easier or harder than this are flagged for the board to look at.
pub const FACILITY_MIN: f64 = 0.2;
pub const FACILITY_MAX: f64 = 0.9;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemFlag {
    /// Stronger candidates did worse on it than weaker ones: a wrong key or a
    /// misleading question.
    NegativeDiscrimination,
    /// Facility below [`FACILITY_MIN`].
    TooHard,
    /// Facility above [`FACILITY_MAX`].
    TooEasy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemStats {
    /// 0-based column in the input.
    pub item: usize,
    pub max_points: f64,
    /// Mean score as a share of the maximum; None without attempts.
    pub facility: Option<f64>,
    /// As a share of the maximum; None with fewer than 2 attempts.
    pub sd: Option<f64>,
    /// Item–rest correlation; None when the item or the rest is constant.
    pub discrimination: Option<f64>,
    /// None when the largest possible covariance is 0.
    pub discriminative_efficiency: Option<f64>,
    pub flags: Vec<ItemFlag>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestStats {
    pub attempts: usize,
    pub items: usize,
    /// The highest test score possible: the sum of the items' maxima.
    pub max_score: f64,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub sd: Option<f64>,
    pub skewness: Option<f64>,
    pub kurtosis: Option<f64>,
    /// Cronbach's alpha, at most 1 (may be negative for a poor test).
    pub alpha: Option<f64>,
    pub error_ratio: Option<f64>,
    pub standard_error: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemAnalysis {
    pub test: TestStats,
    pub items: Vec<ItemStats>,
    /// Each attempt's test score in marks, in input order (for the histogram).
    pub scores: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InputError {
    Shape { values: usize, items: usize },
    MaxPoints { item: usize, value: f64 },
    NotANumber { attempt: usize, item: usize },
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Shape { values, items } => write!(
                f,
                "{values} item scores do not divide into attempts of {items} items"
            ),
            InputError::MaxPoints { item, value } => write!(
                f,
                "item {}: maximum points must be above 0, got {value}",
                item + 1
            ),
            InputError::NotANumber { attempt, item } => write!(
                f,
                "attempt {}, item {}: the score is not a number",
                attempt + 1,
                item + 1
            ),
        }
    }
}

impl std::error::Error for InputError {}

/// Up to this many distinct marks per item, cov_max uses partial selections;
/// above it, a full sort.
const FEW_DISTINCT: usize = 32;

/// Analyses `fractions`, a row-major attempts × items matrix (row `a` is
/// `fractions[a * items .. (a + 1) * items]`), where `items = max_points.len()`.
pub fn analyse(max_points: &[f64], fractions: &[f64]) -> Result<ItemAnalysis, InputError> {
    let m = max_points.len();
    // With no items, only an empty matrix divides (is_multiple_of(0) means == 0).
    if !fractions.len().is_multiple_of(m) {
        return Err(InputError::Shape {
            values: fractions.len(),
            items: m,
        });
    }
    for (item, &value) in max_points.iter().enumerate() {
        if !(value.is_finite() && value > 0.0) {
            return Err(InputError::MaxPoints { item, value });
        }
    }
    let n = fractions.len().checked_div(m).unwrap_or(0);
    let max_score: f64 = max_points.iter().sum();

    // Pass 1: test scores and item means.
    let mut scores = Vec::with_capacity(n);
    let mut item_sum = vec![0.0; m];
    for (a, row) in fractions.chunks_exact(m.max(1)).enumerate() {
        let mut total = 0.0;
        for (j, (&f, &max)) in row.iter().zip(max_points).enumerate() {
            if !f.is_finite() {
                return Err(InputError::NotANumber {
                    attempt: a,
                    item: j,
                });
            }
            let mark = f * max;
            total += mark;
            item_sum[j] += mark;
        }
        scores.push(total);
    }
    let nf = n as f64;
    let mean_t = scores.iter().sum::<f64>() / nf;
    let mean_x: Vec<f64> = item_sum.iter().map(|s| s / nf).collect();

    // Pass 2: centred sums. R = T − x, so its deviation is dT − dx.
    let (mut t2, mut t3, mut t4) = (0.0, 0.0, 0.0);
    let mut xx = vec![0.0; m];
    let mut xr = vec![0.0; m];
    let mut rr = vec![0.0; m];
    for (row, &t) in fractions.chunks_exact(m.max(1)).zip(&scores) {
        let dt = t - mean_t;
        let dt2 = dt * dt;
        t2 += dt2;
        t3 += dt2 * dt;
        t4 += dt2 * dt2;
        for j in 0..m {
            let dx = row[j] * max_points[j] - mean_x[j];
            let dr = dt - dx;
            xx[j] += dx * dx;
            xr[j] += dx * dr;
            rr[j] += dr * dr;
        }
    }

    let df = nf - 1.0;
    let var_t = (n >= 2).then(|| t2 / df);
    // Below these a variance is rounding noise: the values were all equal.
    let tiny_t = (1e-9 * max_score).powi(2);
    let mut scratch = vec![0.0; n];
    let mut items = Vec::with_capacity(m);
    let mut sum_item_var = 0.0;
    for j in 0..m {
        let max = max_points[j];
        let tiny = (1e-9 * max).powi(2);
        let facility = (n >= 1).then(|| mean_x[j] / max);
        let (mut sd, mut discrimination, mut efficiency) = (None, None, None);
        if n >= 2 {
            let var_x = xx[j] / df;
            let var_r = rr[j] / df;
            let cov = xr[j] / df;
            sum_item_var += var_x;
            sd = Some(var_x.sqrt() / max);
            if var_x > tiny && var_r > tiny_t {
                discrimination = Some((cov / (var_x * var_r).sqrt()).clamp(-1.0, 1.0));
            }
            let cov_max = max_covariance(
                fractions,
                m,
                j,
                max,
                mean_x[j],
                &scores,
                mean_t,
                &mut scratch,
            ) / df;
            if cov_max > tiny.sqrt() * tiny_t.sqrt() {
                efficiency = Some((cov / cov_max).min(1.0));
            }
        }
        let mut flags = Vec::new();
        if discrimination.is_some_and(|d| d < 0.0) {
            flags.push(ItemFlag::NegativeDiscrimination);
        }
        match facility {
            Some(f) if f < FACILITY_MIN => flags.push(ItemFlag::TooHard),
            Some(f) if f > FACILITY_MAX => flags.push(ItemFlag::TooEasy),
            _ => {}
        }
        items.push(ItemStats {
            item: j,
            max_points: max,
            facility,
            sd,
            discrimination,
            discriminative_efficiency: efficiency,
            flags,
        });
    }

    let spread = var_t.filter(|v| *v > tiny_t);
    let (m2, m3, m4) = (t2 / nf, t3 / nf, t4 / nf);
    let skewness = spread.filter(|_| n > 2).map(|k2| {
        let k3 = nf * nf * m3 / ((nf - 1.0) * (nf - 2.0));
        k3 / k2.powf(1.5)
    });
    let kurtosis = spread.filter(|_| n > 3).map(|k2| {
        let k4 = nf * nf * ((nf + 1.0) * m4 - 3.0 * (nf - 1.0) * m2 * m2)
            / ((nf - 1.0) * (nf - 2.0) * (nf - 3.0));
        k4 / (k2 * k2)
    });
    let p = m as f64;
    let alpha = spread
        .filter(|_| m >= 2)
        .map(|k2| (p / (p - 1.0) * (1.0 - sum_item_var / k2)).min(1.0));
    let sd_t = var_t.map(f64::sqrt);
    let error_ratio = alpha.map(|a| (1.0 - a).max(0.0).sqrt());
    let standard_error = error_ratio.zip(sd_t).map(|(e, s)| e * s);

    Ok(ItemAnalysis {
        test: TestStats {
            attempts: n,
            items: m,
            max_score,
            mean: (n >= 1).then_some(mean_t),
            median: median(&scores),
            sd: sd_t,
            skewness,
            kurtosis,
            alpha,
            error_ratio,
            standard_error,
        },
        items,
        scores,
    })
}

/// Σ (x₍ᵢ₎ − x̄)(R₍ᵢ₎ − R̄) over x and R each sorted ascending: the
/// covariance numerator of the best pairing.
///
/// Sorted x is a run of each distinct mark, so only the sums of R over the
/// matching ranks are needed; partial selection finds them without a sort.
#[allow(clippy::too_many_arguments)]
fn max_covariance(
    fractions: &[f64],
    m: usize,
    j: usize,
    max: f64,
    mean_x: f64,
    scores: &[f64],
    mean_t: f64,
    rest: &mut [f64],
) -> f64 {
    let mut distinct: Vec<(f64, usize)> = Vec::new();
    let mut few = true;
    let mut last = 0;
    let column = fractions.iter().skip(j).step_by(m);
    for ((r, &f), &t) in rest.iter_mut().zip(column).zip(scores) {
        // + 0.0 makes −0.0 and 0.0 one mark.
        let x = f * max + 0.0;
        *r = (t - mean_t) - (x - mean_x);
        if !few {
            continue;
        }
        // Marks repeat, so the previous one usually matches.
        if distinct.get(last).is_some_and(|d| d.0 == x) {
            distinct[last].1 += 1;
        } else if let Some(i) = distinct.iter().position(|d| d.0 == x) {
            distinct[i].1 += 1;
            last = i;
        } else if distinct.len() < FEW_DISTINCT {
            last = distinct.len();
            distinct.push((x, 1));
        } else {
            few = false;
        }
    }
    if !few {
        let mut xs: Vec<f64> = fractions
            .iter()
            .skip(j)
            .step_by(m)
            .map(|f| f * max)
            .collect();
        xs.sort_unstable_by(f64::total_cmp);
        rest.sort_unstable_by(f64::total_cmp);
        return xs
            .iter()
            .zip(rest.iter())
            .map(|(x, r)| (x - mean_x) * r)
            .sum();
    }
    distinct.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut remaining: &mut [f64] = rest;
    let mut sum = 0.0;
    for (v, count) in distinct {
        if count < remaining.len() {
            remaining.select_nth_unstable_by(count, f64::total_cmp);
        }
        let (lowest, tail) = std::mem::take(&mut remaining).split_at_mut(count);
        sum += (v - mean_x) * lowest.iter().sum::<f64>();
        remaining = tail;
    }
    sum
}

fn median(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mut v = values.to_vec();
    let mid = n / 2;
    let (below, at, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *at;
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((lower + upper) / 2.0)
}

/// One bar of a histogram: values in `lower..upper` (the last bar includes `upper`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    pub lower: f64,
    pub upper: f64,
    pub count: u64,
}

/// Counts `values` into `bins` equal-width bins from `min` to `max`. Values
/// outside the range go into the end bins (negative marking can go below 0);
/// NaN is skipped. Empty when `bins` is 0 or the range is empty.
pub fn histogram(values: &[f64], min: f64, max: f64, bins: usize) -> Vec<Bin> {
    if bins == 0 || !(min.is_finite() && max.is_finite() && max > min) {
        return Vec::new();
    }
    let width = (max - min) / bins as f64;
    let mut out: Vec<Bin> = (0..bins)
        .map(|i| Bin {
            lower: min + width * i as f64,
            upper: if i + 1 == bins {
                max
            } else {
                min + width * (i + 1) as f64
            },
            count: 0,
        })
        .collect();
    for &v in values {
        if v.is_nan() {
            continue;
        }
        let i = ((v - min) / (max - min) * bins as f64).floor();
        let i = if i < 0.0 {
            0
        } else {
            (i as usize).min(bins - 1)
        };
        out[i].count += 1;
    }
    out
}

/// Text for the chart; `id` must be unique on the page (it prefixes the ids
/// that `aria-labelledby` points at).
#[derive(Debug, Clone, Copy)]
pub struct HistogramLabels<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub x_axis: &'a str,
    pub y_axis: &'a str,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 56.0;

/// An SVG bar chart of `bins`, with a title and description for screen readers
/// and a tooltip per bar. Presentation attributes only: no `style`, which the
/// Content Security Policy forbids.
pub fn histogram_svg(bins: &[Bin], labels: &HistogramLabels<'_>) -> String {
    use std::fmt::Write;
    let id = escape(labels.id);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let base = TOP + plot_h;
    let highest = bins.iter().map(|b| b.count).max().unwrap_or(0);
    let step = nice_step(highest);
    let y_max = (highest.div_ceil(step) * step).max(step) as f64;

    let mut s = String::with_capacity(1024 + bins.len() * 160);
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="sans-serif" font-size="11">"##
    );
    let _ = write!(
        s,
        r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(labels.title),
        escape(labels.description)
    );

    let mut tick = 0;
    while tick as f64 <= y_max {
        let y = base - tick as f64 / y_max * plot_h;
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#dddddd"/><text x="{}" y="{:.1}" text-anchor="end" fill="#333333">{tick}</text>"##,
            LEFT + plot_w,
            LEFT - 6.0,
            y + 4.0
        );
        tick += step;
    }

    if !bins.is_empty() {
        let bar_w = plot_w / bins.len() as f64;
        let gap = if bar_w > 3.0 { 1.0 } else { 0.0 };
        for (i, b) in bins.iter().enumerate() {
            let h = b.count as f64 / y_max * plot_h;
            let _ = write!(
                s,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="#3b6ea5"><title>{}–{}: {}</title></rect>"##,
                LEFT + bar_w * i as f64 + gap / 2.0,
                base - h,
                bar_w - gap,
                fmt2(b.lower),
                fmt2(b.upper),
                b.count
            );
        }
        // Edge labels, thinned so that at most about a dozen show.
        let every = (bins.len() + 1).div_ceil(12);
        for i in (0..=bins.len()).step_by(every) {
            let value = if i == bins.len() {
                bins[i - 1].upper
            } else {
                bins[i].lower
            };
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{}" text-anchor="middle" fill="#333333">{}</text>"##,
                LEFT + bar_w * i as f64,
                base + 16.0,
                fmt2(value)
            );
        }
    }

    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{base}" x2="{}" y2="{base}" stroke="#333333"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{base}" stroke="#333333"/>"##,
        LEFT + plot_w
    );
    let _ = write!(
        s,
        r##"<text x="{:.1}" y="{}" text-anchor="middle" fill="#333333" font-size="12">{}</text>"##,
        LEFT + plot_w / 2.0,
        HEIGHT - 12.0,
        escape(labels.x_axis)
    );
    let _ = write!(
        s,
        r##"<text x="14" y="{:.1}" text-anchor="middle" fill="#333333" font-size="12" transform="rotate(-90 14 {:.1})">{}</text>"##,
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0,
        escape(labels.y_axis)
    );
    s.push_str("</svg>");
    s
}

/// 1, 2 or 5 × 10ⁿ, so that about four gridlines cover `highest`.
fn nice_step(highest: u64) -> u64 {
    let rough = highest.div_ceil(4).max(1);
    let mut p = 1;
    loop {
        for f in [1, 2, 5] {
            if f * p >= rough {
                return f * p;
            }
        }
        p *= 10;
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    macro_rules! assert_close {
        ($a:expr, $b:expr) => {
            assert!(
                close($a, $b),
                "{} = {:?}, expected {}",
                stringify!($a),
                $a,
                $b
            )
        };
    }

    // Five attempts, three items; items 1 and 2 are worth 1 point, item 3 is
    // worth 2. Fractions and marks:
    //
    //   attempt   f1  f2  f3    x1 x2 x3   T
    //   A          1   1  1      1  1  2   4
    //   B          1   0  .5     1  0  1   2
    //   C          1   1  0      1  1  0   2
    //   D          0   0  .5     0  0  1   1
    //   E          0   1  0      0  1  0   1
    //
    // Test: mean T = 10/5 = 2; sorted 1 1 2 2 4, median 2. Deviations 2 0 0 −1 −1:
    //   Σd² = 6, Σd³ = 8 − 1 − 1 = 6, Σd⁴ = 16 + 1 + 1 = 18.
    //   var = 6/4 = 1.5, sd = √1.5 = 1.224745.
    //   m2 = 1.2, m3 = 1.2, m4 = 3.6 (sums / 5); k2 = 1.5;
    //   k3 = 25·1.2/(4·3) = 2.5, skewness = 2.5/1.5^1.5 = 1.360828;
    //   k4 = 25·(6·3.6 − 3·4·1.2²)/(4·3·2) = 25·4.32/24 = 4.5, kurtosis = 4.5/1.5² = 2.
    //
    // Item 1: x = 1 1 1 0 0, mean .6, facility .6; dx = .4 .4 .4 −.6 −.6,
    //   Σdx² = 1.2, var .3, sd √.3 = .547723.
    //   R = T − x = 3 1 1 1 1, mean 1.4, dR = 1.6 −.4 −.4 −.4 −.4, Σ = 3.2, var .8.
    //   Σ dx·dR = .64 − .16 − .16 + .24 + .24 = .8, cov .2;
    //   DI = .2/√(.3·.8) = .408248.
    //   Sorted: x 0 0 1 1 1 (dx −.6 −.6 .4 .4 .4), R 1 1 1 1 3 (dR −.4 −.4 −.4 −.4 1.6):
    //   Σ = .24 + .24 − .16 − .16 + .64 = .8, cov_max .2, DE = 1.
    // Item 2: x = 1 0 1 0 1, mean .6, var .3; dx = .4 −.6 .4 −.6 .4.
    //   R = 3 2 1 1 0, mean 1.4, dR = 1.6 .6 −.4 −.4 −1.4, Σ = 5.2, var 1.3.
    //   Σ dx·dR = .64 − .36 − .16 + .24 − .56 = −.2, cov −.05;
    //   DI = −.05/√(.3·1.3) = −.080064 (flagged).
    //   Sorted R 0 1 1 2 3 (dR −1.4 −.4 −.4 .6 1.6) with sorted x:
    //   .84 + .24 − .16 + .24 + .64 = 1.8, cov_max .45, DE = −.05/.45 = −.111111.
    // Item 3: x = 2 1 0 1 0, mean .8, facility .4; dx = 1.2 .2 −.8 .2 −.8,
    //   Σ = 2.8, var .7, sd √.7/2 = .418330.
    //   R = 2 1 2 0 1, mean 1.2, dR = .8 −.2 .8 −1.2 −.2, Σ = 2.8, var .7.
    //   Σ dx·dR = .96 − .04 − .64 − .24 + .16 = .2, cov .05; DI = .05/.7 = .071429.
    //   Sorted x 0 0 1 1 2 (dx −.8 −.8 .2 .2 1.2), R 0 1 1 2 2 (dR −1.2 −.2 −.2 .8 .8):
    //   .96 + .16 − .04 + .16 + .96 = 2.2, cov_max .55, DE = .05/.55 = .090909.
    // Alpha: Σ var(x) = .3 + .3 + .7 = 1.3; α = 3/2·(1 − 1.3/1.5) = .2;
    //   error ratio √.8 = .894427; standard error .894427·1.224745 = 1.095445.
    const MAX: [f64; 3] = [1.0, 1.0, 2.0];
    #[rustfmt::skip]
    const FRACTIONS: [f64; 15] = [
        1.0, 1.0, 1.0,
        1.0, 0.0, 0.5,
        1.0, 1.0, 0.0,
        0.0, 0.0, 0.5,
        0.0, 1.0, 0.0,
    ];

    fn worked() -> ItemAnalysis {
        match analyse(&MAX, &FRACTIONS) {
            Ok(a) => a,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn test_statistics_match_the_hand_computation() {
        let t = worked().test;
        assert_eq!((t.attempts, t.items, t.max_score), (5, 3, 4.0));
        assert_close!(t.mean, 2.0);
        assert_close!(t.median, 2.0);
        assert_close!(t.sd, 1.5f64.sqrt());
        assert_close!(t.skewness, 2.5 / 1.5f64.powf(1.5));
        assert_close!(t.kurtosis, 2.0);
        assert_close!(t.alpha, 0.2);
        assert_close!(t.error_ratio, 0.8f64.sqrt());
        assert_close!(t.standard_error, 0.8f64.sqrt() * 1.5f64.sqrt());
    }

    #[test]
    fn item_statistics_match_the_hand_computation() {
        let items = worked().items;
        let [i1, i2, i3] = &items[..] else {
            panic!("three items")
        };
        assert_close!(i1.facility, 0.6);
        assert_close!(i1.sd, 0.3f64.sqrt());
        assert_close!(i1.discrimination, 0.2 / 0.24f64.sqrt());
        assert_close!(i1.discriminative_efficiency, 1.0);
        assert!(i1.flags.is_empty());

        assert_close!(i2.facility, 0.6);
        assert_close!(i2.discrimination, -0.05 / 0.39f64.sqrt());
        assert_close!(i2.discriminative_efficiency, -0.05 / 0.45);
        assert_eq!(i2.flags, vec![ItemFlag::NegativeDiscrimination]);

        assert_close!(i3.facility, 0.4);
        assert_close!(i3.sd, 0.7f64.sqrt() / 2.0);
        assert_close!(i3.discrimination, 0.05 / 0.7);
        assert_close!(i3.discriminative_efficiency, 0.05 / 0.55);
        assert_eq!(worked().scores, vec![4.0, 2.0, 2.0, 1.0, 1.0]);
    }

    #[test]
    fn many_distinct_marks_give_the_same_efficiency_as_few() {
        // Item 3 with 40 distinct marks takes the sorting path; compare with a
        // direct computation of cov / cov_max.
        let n = 40;
        let mut fr = Vec::new();
        for a in 0..n {
            let x = a as f64 / n as f64;
            let y = ((a * 7) % n) as f64 / n as f64;
            fr.extend([if a % 3 == 0 { 1.0 } else { 0.0 }, y, x]);
        }
        let out = analyse(&[1.0, 1.0, 1.0], &fr)
            .ok()
            .map(|a| a.items[2].clone());
        let xs: Vec<f64> = (0..n).map(|a| fr[a * 3 + 2]).collect();
        let rs: Vec<f64> = (0..n).map(|a| fr[a * 3] + fr[a * 3 + 1]).collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let (mx, mr) = (mean(&xs), mean(&rs));
        let cov: f64 = xs.iter().zip(&rs).map(|(x, r)| (x - mx) * (r - mr)).sum();
        let (mut sx, mut sr) = (xs.clone(), rs.clone());
        sx.sort_by(f64::total_cmp);
        sr.sort_by(f64::total_cmp);
        let cov_max: f64 = sx.iter().zip(&sr).map(|(x, r)| (x - mx) * (r - mr)).sum();
        let efficiency = out.and_then(|i| i.discriminative_efficiency);
        assert_close!(efficiency, cov / cov_max);
    }

    #[test]
    fn constant_items_give_none_not_nan() {
        let fr = [1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0];
        let Ok(a) = analyse(&[1.0, 1.0], &fr) else {
            panic!("valid input")
        };
        let constant = &a.items[0];
        assert_eq!(constant.facility, Some(1.0));
        assert_eq!(constant.sd, Some(0.0));
        assert_eq!(constant.discrimination, None);
        assert_eq!(constant.discriminative_efficiency, None);
        assert_eq!(constant.flags, vec![ItemFlag::TooEasy]);
        // The other item is then its own rest of test... but the rest of it is
        // the constant item: also undefined.
        assert_eq!(a.items[1].discrimination, None);
    }

    #[test]
    fn every_attempt_equal_leaves_spread_statistics_undefined() {
        let Ok(a) = analyse(&[1.0, 1.0], &[1.0, 0.0, 1.0, 0.0, 1.0, 0.0]) else {
            panic!("valid input")
        };
        let t = a.test;
        assert_eq!(t.sd, Some(0.0));
        assert_eq!(
            (
                t.skewness,
                t.kurtosis,
                t.alpha,
                t.error_ratio,
                t.standard_error
            ),
            (None, None, None, None, None)
        );
        assert_eq!(a.items[1].flags, vec![ItemFlag::TooHard]);
    }

    #[test]
    fn no_attempts_and_one_attempt_are_handled() {
        let Ok(none) = analyse(&[1.0, 2.0], &[]) else {
            panic!("valid input")
        };
        assert_eq!(
            (none.test.attempts, none.test.mean, none.test.median),
            (0, None, None)
        );
        assert_eq!(none.items[0].facility, None);
        let Ok(one) = analyse(&[1.0, 2.0], &[1.0, 0.5]) else {
            panic!("valid input")
        };
        assert_eq!(
            (one.test.mean, one.test.median, one.test.sd),
            (Some(2.0), Some(2.0), None)
        );
        assert_eq!((one.items[1].facility, one.items[1].sd), (Some(0.5), None));
    }

    #[test]
    fn bad_input_is_reported_for_people() {
        let msg = |r: Result<ItemAnalysis, InputError>| r.err().map(|e| e.to_string());
        assert_eq!(
            msg(analyse(&[1.0, 1.0], &[1.0, 0.0, 1.0])),
            Some("3 item scores do not divide into attempts of 2 items".to_owned())
        );
        assert_eq!(
            msg(analyse(&[1.0, 0.0], &[])),
            Some("item 2: maximum points must be above 0, got 0".to_owned())
        );
        assert_eq!(
            msg(analyse(&[1.0, 1.0], &[1.0, 0.0, f64::NAN, 1.0])),
            Some("attempt 2, item 1: the score is not a number".to_owned())
        );
    }

    #[test]
    fn median_of_an_even_count_averages_the_middle_two() {
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[5.0]), Some(5.0));
    }

    #[test]
    fn histogram_counts_into_equal_bins_with_the_top_edge_included() {
        let bins = histogram(
            &[0.0, 9.99, 10.0, 55.0, 100.0, -3.0, 120.0, f64::NAN],
            0.0,
            100.0,
            10,
        );
        let counts: Vec<u64> = bins.iter().map(|b| b.count).collect();
        assert_eq!(counts, vec![3, 1, 0, 0, 0, 1, 0, 0, 0, 2]);
        assert_eq!((bins[1].lower, bins[1].upper), (10.0, 20.0));
        assert_eq!(bins[9].upper, 100.0);
        assert!(histogram(&[1.0], 5.0, 5.0, 10).is_empty());
        assert!(histogram(&[1.0], 0.0, 5.0, 0).is_empty());
    }

    #[test]
    fn histogram_svg_is_accessible_escaped_and_uses_no_style_attribute() {
        let bins = histogram(&[10.0, 20.0, 25.0, 90.0], 0.0, 100.0, 10);
        let svg = histogram_svg(
            &bins,
            &HistogramLabels {
                id: "dist",
                title: "Phân bố điểm <vòng 2>",
                description: "Điểm của 4 thí sinh & hơn",
                x_axis: "Điểm",
                y_axis: "Số thí sinh",
            },
        );
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains(r#"role="img" aria-labelledby="dist-title dist-desc""#));
        assert!(svg.contains(r#"<title id="dist-title">Phân bố điểm &lt;vòng 2&gt;</title>"#));
        assert!(svg.contains(r#"<desc id="dist-desc">Điểm của 4 thí sinh &amp; hơn</desc>"#));
        assert!(svg.contains("<title>20–30: 2</title>"));
        assert!(!svg.contains("style"), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 10);
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn gridline_steps_are_round_numbers() {
        assert_eq!(
            [0, 3, 4, 9, 40, 41, 130, 1999].map(nice_step),
            [1, 1, 1, 5, 10, 20, 50, 500]
        );
    }

    #[test]
    #[ignore = "timing; run with --release --ignored"]
    fn hundred_thousand_attempts_of_sixty_items_take_well_under_a_second() {
        let (n, m) = (100_000, 60);
        let mut state: u64 = 42;
        let mut fr = Vec::with_capacity(n * m);
        for a in 0..n {
            let ability = (a % 100) as f64 / 100.0;
            for j in 0..m {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (state >> 11) as f64 / (1u64 << 53) as f64;
                let difficulty = j as f64 / m as f64;
                fr.push(if u < 0.3 + 0.6 * ability - 0.3 * difficulty {
                    1.0
                } else {
                    0.0
                });
            }
        }
        let start = std::time::Instant::now();
        let ok = analyse(&vec![1.0; m], &fr).is_ok();
        let took = start.elapsed();
        println!("{n} × {m}: {took:?}");
        assert!(ok);
        // Unoptimised builds are several times slower (about 1.5 s here).
        let limit = if cfg!(debug_assertions) { 5.0 } else { 1.0 };
        assert!(took.as_secs_f64() < limit);
    }

    fn matrix() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
        (1usize..6, 0usize..30).prop_flat_map(|(m, n)| {
            (
                prop::collection::vec(prop::sample::select(vec![1.0, 2.0, 5.0]), m),
                prop::collection::vec(prop::sample::select(vec![0.0, 0.25, 0.5, 1.0]), m * n),
            )
        })
    }

    fn all_finite(a: &ItemAnalysis) -> bool {
        let t = &a.test;
        let test = [
            t.mean,
            t.median,
            t.sd,
            t.skewness,
            t.kurtosis,
            t.alpha,
            t.error_ratio,
            t.standard_error,
        ];
        let items = a.items.iter().flat_map(|i| {
            [
                i.facility,
                i.sd,
                i.discrimination,
                i.discriminative_efficiency,
            ]
        });
        test.into_iter().chain(items).flatten().all(f64::is_finite)
    }

    proptest! {
        #[test]
        fn statistics_are_finite_and_in_range((max, fr) in matrix()) {
            let a = analyse(&max, &fr);
            prop_assert!(a.is_ok());
            let Ok(a) = a else { unreachable!() };
            prop_assert!(all_finite(&a));
            for i in &a.items {
                prop_assert!(i.facility.is_none_or(|f| (0.0..=1.0).contains(&f)));
                prop_assert!(i.discrimination.is_none_or(|d| (-1.0..=1.0).contains(&d)));
                prop_assert!(i.discriminative_efficiency.is_none_or(|d| d <= 1.0));
            }
            prop_assert!(a.test.alpha.is_none_or(|x| x <= 1.0));
        }

        #[test]
        fn alpha_of_identical_items_is_one(
            column in prop::collection::vec(prop::sample::select(vec![0.0, 0.5, 1.0]), 2..40),
            copies in 2usize..6,
        ) {
            prop_assume!(column.iter().any(|x| *x != column[0]));
            let fr: Vec<f64> = column.iter().flat_map(|x| std::iter::repeat_n(*x, copies)).collect();
            let Ok(a) = analyse(&vec![2.0; copies], &fr) else { unreachable!() };
            prop_assert!(close(a.test.alpha, 1.0), "{:?}", a.test.alpha);
            // √(1 − α) turns rounding of 1e-16 in α into 1e-8.
            prop_assert!(a.test.error_ratio.is_some_and(|e| e < 1e-6));
        }

        #[test]
        fn an_item_equal_to_the_rest_of_the_test_discriminates_perfectly(
            rows in prop::collection::vec((any::<bool>(), any::<bool>()), 2..40),
        ) {
            // Items 1 and 2 are worth 1 point each; item 3, worth 2, scores
            // exactly their sum, so its rest of test equals its marks.
            prop_assume!(rows.iter().any(|r| r.0 as u8 + r.1 as u8 != rows[0].0 as u8 + rows[0].1 as u8));
            let fr: Vec<f64> = rows
                .iter()
                .flat_map(|&(a, b)| {
                    let (a, b) = (f64::from(u8::from(a)), f64::from(u8::from(b)));
                    [a, b, (a + b) / 2.0]
                })
                .collect();
            let Ok(a) = analyse(&[1.0, 1.0, 2.0], &fr) else { unreachable!() };
            prop_assert!(close(a.items[2].discrimination, 1.0), "{:?}", a.items[2].discrimination);
            prop_assert!(close(a.items[2].discriminative_efficiency, 1.0));
        }
    }
}
