//! Question text to HTML, as candidates will see it. Markdown is rendered and
//! then sanitised; HTML from imports is sanitised; plain text is escaped.
//! Nothing in a question is ever run: scripts, event handlers, styles and
//! frames are removed whatever the format.

use pulldown_cmark::{Options, Parser, html};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{Answer, Question, TextFormat};

/// Safe HTML for one text field.
pub fn to_html(text: &str, format: TextFormat) -> String {
    match format {
        TextFormat::Markdown => {
            let mut options = Options::empty();
            options.insert(Options::ENABLE_TABLES);
            options.insert(Options::ENABLE_STRIKETHROUGH);
            let mut out = String::new();
            html::push_html(&mut out, Parser::new_ext(text, options));
            clean(&out)
        }
        TextFormat::Html => clean(text),
        TextFormat::Plain => escape(text).replace('\n', "<br>"),
    }
}

/// Inline text (an option, a pair): like [`to_html`] but without the
/// paragraph Markdown wraps around a single line.
pub fn inline_html(text: &str, format: TextFormat) -> String {
    let html = to_html(text, format);
    let trimmed = html.trim();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_owned(),
        _ => trimmed.to_owned(),
    }
}

fn clean(html: &str) -> String {
    ammonia::Builder::default()
        // Images are allowed (stems often need a figure); only from this site,
        // the web or data: URLs, which the page's CSP also allows.
        .url_schemes(["http", "https", "data"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        // A link leads only to the web or this site: a data: page opened from
        // an exam could pose as merit.
        .attribute_filter(|element, attribute, value| {
            let image = element == "img" && attribute == "src";
            match url_scheme(value) {
                Some(scheme) if scheme == "data" && !image => None,
                Some(scheme) if attribute == "href" && scheme != "http" && scheme != "https" => {
                    None
                }
                _ => Some(value.into()),
            }
        })
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(html)
        .to_string()
}

/// The scheme of a URL as a browser reads it (whitespace and control
/// characters dropped, lower case), or `None` for a relative URL.
fn url_scheme(url: &str) -> Option<String> {
    let url: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect();
    let end = url.find([':', '/', '?', '#'])?;
    url[end..]
        .starts_with(':')
        .then(|| url[..end].to_ascii_lowercase())
}

pub fn escape(text: &str) -> String {
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

/// A question as a candidate sees it: no weights, no feedback, no keys.
/// Options are in the bank's order here; forms shuffle them.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CandidateView {
    pub kind: String,
    pub points: f64,
    pub stem_html: String,
    /// Options (choice kinds) or items to put in order (ordering).
    pub options_html: Vec<String>,
    /// Matching: the prompts on the left...
    pub prompts_html: Vec<String>,
    /// ...and the answers offered for each.
    pub answers: Vec<String>,
}

pub fn candidate_view(q: &Question) -> CandidateView {
    let f = q.format;
    let mut view = CandidateView {
        kind: q.kind().as_str().to_owned(),
        points: q.points,
        stem_html: to_html(&q.stem, f),
        options_html: Vec::new(),
        prompts_html: Vec::new(),
        answers: Vec::new(),
    };
    match &q.answer {
        Answer::SingleChoice { options } | Answer::MultipleResponse { options } => {
            view.options_html = options.iter().map(|o| inline_html(&o.text, f)).collect();
        }
        Answer::Ordering { items } => {
            view.options_html = items.iter().map(|i| inline_html(i, f)).collect();
        }
        Answer::Matching { pairs } => {
            view.prompts_html = pairs
                .iter()
                .filter(|p| !p.prompt.trim().is_empty())
                .map(|p| inline_html(&p.prompt, f))
                .collect();
            let mut answers: Vec<String> = Vec::new();
            for p in pairs {
                if !answers.contains(&p.answer) {
                    answers.push(p.answer.clone());
                }
            }
            answers.sort();
            view.answers = answers;
        }
        Answer::TrueFalse { .. }
        | Answer::Numeric { .. }
        | Answer::ShortAnswer { .. }
        | Answer::Essay { .. } => {}
    }
    view
}

/// One line of a question's answer key, for board members (never candidates).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRow {
    pub text_html: String,
    /// "100%", "3.14±0.01", "→ Paris"...
    pub detail: String,
    pub feedback_html: String,
    /// Right (full or partial credit).
    pub right: bool,
}

pub fn key_rows(q: &Question) -> Vec<KeyRow> {
    use super::editor::{number, numeric_spec};
    let f = q.format;
    let fb = |t: &Option<String>| t.as_deref().map(|t| inline_html(t, f)).unwrap_or_default();
    match &q.answer {
        Answer::SingleChoice { options } | Answer::MultipleResponse { options } => options
            .iter()
            .map(|o| KeyRow {
                text_html: inline_html(&o.text, f),
                detail: format!("{}%", number(o.weight)),
                feedback_html: fb(&o.feedback),
                right: o.weight > 0.0,
            })
            .collect(),
        Answer::TrueFalse {
            correct,
            feedback_true,
            feedback_false,
        } => vec![
            KeyRow {
                text_html: "true".into(),
                detail: if *correct { "100%" } else { "0%" }.into(),
                feedback_html: fb(feedback_true),
                right: *correct,
            },
            KeyRow {
                text_html: "false".into(),
                detail: if *correct { "0%" } else { "100%" }.into(),
                feedback_html: fb(feedback_false),
                right: !*correct,
            },
        ],
        Answer::Numeric { answers } => answers
            .iter()
            .map(|a| KeyRow {
                text_html: escape(&numeric_spec(&a.value)),
                detail: format!("{}%", number(a.weight)),
                feedback_html: fb(&a.feedback),
                right: a.weight > 0.0,
            })
            .collect(),
        Answer::ShortAnswer { answers, .. } => answers
            .iter()
            .map(|a| KeyRow {
                text_html: escape(&a.text),
                detail: format!("{}%", number(a.weight)),
                feedback_html: fb(&a.feedback),
                right: a.weight > 0.0,
            })
            .collect(),
        Answer::Matching { pairs } => pairs
            .iter()
            .map(|p| KeyRow {
                text_html: if p.prompt.trim().is_empty() {
                    "—".into()
                } else {
                    inline_html(&p.prompt, f)
                },
                detail: format!("→ {}", p.answer),
                feedback_html: String::new(),
                right: !p.prompt.trim().is_empty(),
            })
            .collect(),
        Answer::Ordering { items } => items
            .iter()
            .enumerate()
            .map(|(i, item)| KeyRow {
                text_html: inline_html(item, f),
                detail: format!("{}", i + 1),
                feedback_html: String::new(),
                right: true,
            })
            .collect(),
        Answer::Essay { marking_guide } => vec![KeyRow {
            text_html: marking_guide
                .as_deref()
                .map(|g| to_html(g, f))
                .unwrap_or_default(),
            detail: String::new(),
            feedback_html: String::new(),
            right: true,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_and_scripts_removed() {
        let html = to_html(
            "**Đậm** <script>alert(1)</script> <img src=\"x.png\" onerror=\"alert(1)\">",
            TextFormat::Markdown,
        );
        assert!(html.contains("<strong>Đậm</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("onerror"));
        assert!(html.contains("<img src=\"x.png\""));
    }

    #[test]
    fn html_is_sanitised_and_plain_is_escaped() {
        let html = to_html(
            "<p onclick=\"x()\">a</p><iframe src=\"e\"></iframe>",
            TextFormat::Html,
        );
        assert_eq!(html, "<p>a</p>");
        assert_eq!(
            to_html("<b>1 < 2</b>\nx", TextFormat::Plain),
            "&lt;b&gt;1 &lt; 2&lt;/b&gt;<br>x"
        );
        assert!(!to_html("[x](javascript:alert(1))", TextFormat::Markdown).contains("javascript"));
    }

    #[test]
    fn links_lead_only_to_the_web_or_this_site_but_images_may_be_data() {
        for evil in [
            "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
            "<a href=\" DATA:text/html;base64,PHNjcmlwdD4=\">x</a>",
            "<a href=\"da&#x09;ta:text/html,x\">x</a>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"mailto:x@example.vn\">x</a>",
            "<a href=\"vbscript:x\">x</a>",
        ] {
            let html = to_html(evil, TextFormat::Html);
            assert!(!html.contains("href"), "{evil} gave {html}");
        }
        assert!(
            !to_html("[x](data:text/html,x)", TextFormat::Markdown).contains("data:"),
            "a Markdown link"
        );
        for kept in [
            "https://example.vn/a",
            "http://example.vn",
            "/banks/1",
            "luat.html#d2",
            "?q=1",
        ] {
            let html = to_html(&format!("<a href=\"{kept}\">x</a>"), TextFormat::Html);
            assert!(
                html.contains(&format!("href=\"{kept}\"")),
                "{kept} gave {html}"
            );
        }
        let img = to_html(
            "<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
            TextFormat::Html,
        );
        assert!(img.contains("src=\"data:image/png"), "{img}");
    }

    #[test]
    fn single_lines_render_inline() {
        assert_eq!(inline_html("*a*", TextFormat::Markdown), "<em>a</em>");
    }
}
