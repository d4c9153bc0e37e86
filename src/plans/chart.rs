//! The plan projection as an SVG chart drawn on the server: bars for
//! departures (streamlining and retirement) and the recruitment cap, lines
//! for the year-end headcount, the target and the quota. Presentation
//! attributes only — the CSP forbids inline styles.

use super::domain::ProjectionRow;

pub struct Labels {
    pub title: String,
    pub streamlined: String,
    pub retired: String,
    pub cap: String,
    pub headcount: String,
    pub target: String,
    pub quota: String,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn svg(rows: &[ProjectionRow], labels: &Labels) -> String {
    let (w, h, left, right, top, bottom) = (720.0_f64, 320.0_f64, 48.0, 16.0, 24.0, 72.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let max = rows
        .iter()
        .flat_map(|r| {
            [
                r.headcount_start,
                r.headcount_end,
                r.target_headcount,
                r.quota,
                r.departures + r.cap,
            ]
        })
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let y = |v: i32| top + plot_h - plot_h * f64::from(v) / max;
    let n = rows.len().max(1) as f64;
    let slot = plot_w / n;
    let x_mid = |i: usize| left + slot * (i as f64 + 0.5);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"chart-title\" class=\"chart\"><title id=\"chart-title\">{}</title>",
        esc(&labels.title)
    );
    out.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#5b6470\"/>",
        top + plot_h,
        w - right,
        top + plot_h
    ));
    for tick in 0..=4 {
        let v = (max * f64::from(tick) / 4.0).round() as i32;
        let ty = y(v);
        out.push_str(&format!("<line x1=\"{left}\" y1=\"{ty:.1}\" x2=\"{}\" y2=\"{ty:.1}\" stroke=\"#d5dae0\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6470\">{v}</text>", w - right, left - 6.0, ty + 4.0));
    }
    let bar = (slot / 4.0).min(28.0);
    for (i, r) in rows.iter().enumerate() {
        let cx = x_mid(i);
        // Stacked departures: streamlining under retirement.
        let s_top = y(r.streamlined);
        out.push_str(&format!("<rect x=\"{:.1}\" y=\"{s_top:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" fill=\"#b3261e\"><title>{}: {}</title></rect>", cx - bar - 2.0, top + plot_h - s_top, esc(&labels.streamlined), r.streamlined));
        let r_top = y(r.streamlined + r.retired);
        out.push_str(&format!("<rect x=\"{:.1}\" y=\"{r_top:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" fill=\"#f5a700\"><title>{}: {}</title></rect>", cx - bar - 2.0, s_top - r_top, esc(&labels.retired), r.retired));
        let c_top = y(r.cap);
        out.push_str(&format!("<rect x=\"{:.1}\" y=\"{c_top:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" fill=\"#1e7b34\"><title>{}: {}</title></rect>", cx + 2.0, top + plot_h - c_top, esc(&labels.cap), r.cap));
        out.push_str(&format!("<text x=\"{cx:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1b1f24\">{}</text>", top + plot_h + 16.0, r.year));
    }
    let line = |pick: &dyn Fn(&ProjectionRow) -> i32,
                color: &str,
                dash: &str,
                name: &str|
     -> String {
        let points: Vec<String> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| format!("{:.1},{:.1}", x_mid(i), y(pick(r))))
            .collect();
        let dots: String = rows.iter().enumerate().map(|(i, r)| format!("<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{color}\"><title>{} {}: {}</title></circle>", x_mid(i), y(pick(r)), esc(name), r.year, pick(r))).collect();
        format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>{dots}",
            points.join(" ")
        )
    };
    out.push_str(&line(
        &|r| r.quota,
        "#5b6470",
        " stroke-dasharray=\"2 4\"",
        &labels.quota,
    ));
    out.push_str(&line(
        &|r| r.target_headcount,
        "#8a5a00",
        " stroke-dasharray=\"6 4\"",
        &labels.target,
    ));
    out.push_str(&line(
        &|r| r.headcount_end,
        "#0b5cad",
        "",
        &labels.headcount,
    ));
    let legend: [(&str, &String); 6] = [
        ("#b3261e", &labels.streamlined),
        ("#f5a700", &labels.retired),
        ("#1e7b34", &labels.cap),
        ("#0b5cad", &labels.headcount),
        ("#8a5a00", &labels.target),
        ("#5b6470", &labels.quota),
    ];
    for (i, (color, name)) in legend.iter().enumerate() {
        let lx = left + (i % 3) as f64 * 220.0;
        let ly = h - 36.0 + (i / 3) as f64 * 18.0;
        out.push_str(&format!("<rect x=\"{lx:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\" fill=\"#1b1f24\">{}</text>", ly - 10.0, lx + 18.0, esc(name)));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(year: i32) -> ProjectionRow {
        ProjectionRow {
            unit_id: None,
            year,
            headcount_start: 10,
            streamlined: 1,
            retired: 1,
            departures: 2,
            cap: 1,
            hires: 1,
            headcount_end: 9,
            quota: 12,
            target_headcount: 9,
            meets_target: true,
            payroll_vnd: 0,
        }
    }

    fn labels() -> Labels {
        Labels {
            title: "Plan <1>".into(),
            streamlined: "S".into(),
            retired: "R".into(),
            cap: "C".into(),
            headcount: "H".into(),
            target: "T".into(),
            quota: "Q".into(),
        }
    }

    #[test]
    fn chart_has_a_bar_group_per_year_and_no_inline_styles() {
        let svg = svg(&[row(2026), row(2027)], &labels());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(">2026<") && svg.contains(">2027<"));
        assert!(!svg.contains("style="));
        assert!(svg.contains("Plan &lt;1&gt;"), "labels are escaped");
        assert_eq!(svg.matches("<polyline").count(), 3);
    }

    #[test]
    fn empty_projection_still_draws() {
        let svg = svg(&[], &labels());
        assert!(svg.contains("</svg>"));
    }
}
