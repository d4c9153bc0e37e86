//! Vietnamese and English message catalogs (`i18n/vi.toml`, `i18n/en.toml`),
//! compiled into the binary. A test fails when a key is missing in either
//! language or used in a template but defined nowhere.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Vi,
    En,
}

impl Locale {
    pub fn code(self) -> &'static str {
        match self {
            Locale::Vi => "vi",
            Locale::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Locale> {
        match s.trim() {
            "vi" => Some(Locale::Vi),
            "en" => Some(Locale::En),
            _ => None,
        }
    }
}

pub type Catalog = HashMap<String, String>;

pub static VI: LazyLock<Catalog> = LazyLock::new(|| load(include_str!("i18n/vi.toml")));
pub static EN: LazyLock<Catalog> = LazyLock::new(|| load(include_str!("i18n/en.toml")));

/// Flattens nested tables into dotted keys: `[error] forbidden = ".."` → `error.forbidden`.
pub fn load(source: &str) -> Catalog {
    fn walk(prefix: &str, table: &toml::Table, out: &mut Catalog) {
        for (k, v) in table {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::Table(t) => walk(&key, t, out),
                toml::Value::String(s) => {
                    out.insert(key, s.clone());
                }
                other => {
                    out.insert(key, other.to_string());
                }
            }
        }
    }
    let mut out = Catalog::new();
    // The catalogs are compiled in and checked by tests, so a broken one is a
    // build-time mistake; fall back to an empty catalog rather than abort.
    if let Ok(table) = source.parse::<toml::Table>() {
        walk("", &table, &mut out);
    }
    out
}

fn catalog(locale: Locale) -> &'static Catalog {
    match locale {
        Locale::Vi => &VI,
        Locale::En => &EN,
    }
}

/// Looks a key up; a missing key shows as itself so it is noticed, not hidden.
pub fn lookup(locale: Locale, key: &str) -> String {
    catalog(locale)
        .get(key)
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// The translator templates call: `{{ s.tr.t("nav.sign_in") }}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tr(pub Locale);

impl Tr {
    pub fn t(&self, key: &str) -> String {
        lookup(self.0, key)
    }

    pub fn locale(&self) -> &'static str {
        self.0.code()
    }

    /// The label of a stored enum value (`active`, `civil_servant`, …): `enum.<value>`.
    pub fn label(&self, value: &str) -> String {
        lookup(self.0, &format!("enum.{value}"))
    }
}

/// A message that can be shown in either language: a catalog key with named
/// arguments (`{name}` in the catalog text), or text that came from elsewhere
/// (a parser, the database) and is shown as it is.
#[derive(Debug, Clone, PartialEq)]
pub enum Text {
    Key(&'static str, Vec<(&'static str, String)>),
    Raw(String),
}

impl Text {
    pub fn key(key: &'static str) -> Text {
        Text::Key(key, Vec::new())
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> Text {
        if let Text::Key(_, args) = &mut self {
            args.push((name, value.to_string()));
        }
        self
    }

    pub fn render(&self, locale: Locale) -> String {
        match self {
            Text::Raw(s) => s.clone(),
            Text::Key(key, args) => {
                let mut s = lookup(locale, key);
                for (name, value) in args {
                    s = s.replace(&format!("{{{name}}}"), value);
                }
                s
            }
        }
    }

    pub fn english(&self) -> String {
        self.render(Locale::En)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::Raw(s)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::Raw(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn both_catalogs_have_the_same_keys() {
        let vi: BTreeSet<_> = VI.keys().collect();
        let en: BTreeSet<_> = EN.keys().collect();
        let only_vi: Vec<_> = vi.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&vi).collect();
        assert!(only_vi.is_empty(), "keys missing in en.toml: {only_vi:?}");
        assert!(only_en.is_empty(), "keys missing in vi.toml: {only_en:?}");
        assert!(vi.len() > 50, "catalog looks empty: {} keys", vi.len());
    }

    #[test]
    fn every_key_used_in_templates_and_code_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut missing = BTreeSet::new();
        for dir in ["templates", "src"] {
            // This file names the markers themselves; skip it.
            for file in files(&root.join(dir))
                .into_iter()
                .filter(|f| !f.ends_with("web/i18n.rs"))
            {
                let Ok(text) = std::fs::read_to_string(&file) else {
                    continue;
                };
                for key in used_keys(&text) {
                    if !VI.contains_key(&key) || !EN.contains_key(&key) {
                        missing.insert(format!("{}: {key}", file.display()));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys used but not in both catalogs: {missing:#?}"
        );
    }

    #[test]
    fn text_arguments_are_substituted() {
        let t = Text::key("accounts.throttled").with("minutes", 15);
        assert!(t.render(Locale::En).contains("15"));
        assert!(t.render(Locale::Vi).contains("15"));
    }

    fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return out;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files(&p));
            } else if matches!(p.extension().and_then(|x| x.to_str()), Some("html" | "rs")) {
                out.push(p);
            }
        }
        out
    }

    /// Keys appear as the argument of `t`, `key` or `Text::key`, quoted, with a dot.
    fn used_keys(text: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for marker in ["t(\"", "key(\""] {
            let mut from = 0;
            while let Some(i) = text[from..].find(marker) {
                let at = from + i;
                from = at + marker.len();
                // `redact("...")` is not `t("...")`: the marker must start a word.
                let word_start = text[..at]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                let rest = &text[from..];
                if let (true, Some(end)) = (word_start, rest.find('"')) {
                    let k = &rest[..end];
                    if k.contains('.')
                        && k.chars().all(|c| {
                            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
                        })
                    {
                        keys.push(k.to_owned());
                    }
                }
            }
        }
        keys
    }
}
