//! What campaigns need from their rule set: the preset list with the dates each
//! preset is in force, and the priority categories and exemptible sections a
//! candidate may claim.

use chrono::NaiveDate;

use crate::rules::model::{PassMark, Purpose, RuleSet};
use crate::rules::presets;
use crate::web::i18n::Locale;

pub const DEFAULT_PRESET: &str = presets::VN_170_2025_RECRUITMENT;

/// A value and its label, for a `<select>` or a checkbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// The JSON of a preset, copied into the campaign so that later changes to the
/// preset never alter a running campaign.
pub fn preset_json(id: &str) -> Option<String> {
    presets::by_id(id).and_then(|r| serde_json::to_string(&r).ok())
}

/// A custom rule set, checked: the JSON it will be stored as, or every problem.
pub fn custom_json(value: &serde_json::Value) -> Result<String, Vec<String>> {
    let rules: RuleSet = serde_json::from_value(value.clone())
        .map_err(|e| vec![format!("the rule set could not be read: {e}")])?;
    let problems = crate::rules::model::validate(&rules);
    if !problems.is_empty() {
        return Err(problems);
    }
    serde_json::to_string(&rules).map_err(|e| vec![e.to_string()])
}

/// A preset, its effective dates, and whether it is in force on every day
/// asked about.
#[derive(Debug, Clone, PartialEq)]
pub struct PresetStatus {
    pub id: String,
    pub name: String,
    pub purpose: Purpose,
    pub effective_from: NaiveDate,
    pub effective_until: Option<NaiveDate>,
    pub in_force: bool,
}

impl PresetStatus {
    /// "2020-12-01 – 2025-06-30", or "2025-07-01 –" while no later rules replace it.
    pub fn dates(&self) -> String {
        match self.effective_until {
            Some(u) => format!("{} – {u}", self.effective_from),
            None => format!("{} –", self.effective_from),
        }
    }
}

/// Every preset, in the picker's order, marked in force or not from `from`
/// to `until` (both included).
pub fn preset_statuses(from: NaiveDate, until: NaiveDate) -> Vec<PresetStatus> {
    presets::all()
        .into_iter()
        .map(|r| PresetStatus {
            in_force: r.in_force_throughout(from, until),
            id: r.preset_id,
            name: r.name,
            purpose: r.purpose,
            effective_from: r.effective_from,
            effective_until: r.effective_until,
        })
        .collect()
}

/// The rule set's effective dates against the campaign's days, for the audit log.
pub fn in_force_summary(json: &str, from_ms: i64, until_ms: i64, offset_minutes: i32) -> String {
    let (from, until) = super::domain::window_days(from_ms, until_ms, offset_minutes);
    match parse(json) {
        Some(r) => format!(
            "{} in force {} – {}; applications {from} – {until}",
            r.preset_id,
            r.effective_from,
            r.effective_until
                .map_or_else(String::new, |u| u.to_string())
        ),
        None => format!("applications {from} – {until}"),
    }
}

/// What a rule set decides, in one line for the audit log: its rounds and
/// sections with their pass marks, its priority table and its tie-breaks.
pub fn summary(json: &str) -> String {
    let Some(r) = parse(json) else {
        return "unreadable rule set".to_owned();
    };
    let rounds: Vec<String> = r
        .rounds
        .iter()
        .map(|round| {
            let sections: Vec<String> = round
                .sections
                .iter()
                .map(|s| match s.pass_mark {
                    Some(PassMark::Percent(p)) => format!("{} ≥ {p}%", s.id),
                    Some(PassMark::Points(p)) => format!("{} ≥ {p}", s.id),
                    None => s.id.clone(),
                })
                .collect();
            format!("{} [{}]", round.id, sections.join(", "))
        })
        .collect();
    let priority: Vec<String> = r
        .priority
        .categories
        .iter()
        .map(|c| format!("{} {}", c.code, c.points))
        .collect();
    format!(
        "{}: {}; priority {}; {} tie-breaks",
        r.preset_id,
        rounds.join("; "),
        if priority.is_empty() {
            "none".to_owned()
        } else {
            priority.join(", ")
        },
        r.tie_breaks.len()
    )
}

/// The rule set as personnel edit it: indented JSON.
pub fn pretty(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| json.to_owned())
}

pub fn parse(json: &str) -> Option<RuleSet> {
    serde_json::from_str(json).ok()
}

/// The campaign's rule set; one that does not read is an error, never a default.
pub fn of(c: &super::entity::campaign::Model) -> Result<RuleSet, crate::web::error::AppError> {
    parse(&c.rule_set).ok_or_else(|| {
        crate::web::error::AppError::Internal(anyhow::anyhow!(
            "campaign {}: the rule set does not parse",
            c.id
        ))
    })
}

pub fn name(json: &str, _locale: Locale) -> String {
    parse(json).map(|r| r.name).unwrap_or_default()
}

pub struct Category {
    pub code: String,
}

pub fn priority_categories(json: &str) -> Vec<Category> {
    parse(json)
        .map(|r| {
            r.priority
                .categories
                .into_iter()
                .map(|c| Category { code: c.code })
                .collect()
        })
        .unwrap_or_default()
}

pub fn priority_choices(json: &str, locale: Locale) -> Vec<Choice> {
    parse(json)
        .map(|r| {
            r.priority
                .categories
                .iter()
                .map(|c| Choice {
                    value: c.code.clone(),
                    label: format!("{} (+{})", c.label.get(locale.code()), c.points),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A section a candidate may be exempted from, named `round.section`.
pub struct Exemptible {
    pub id: String,
}

fn exemptible_in(r: &RuleSet, locale: Locale) -> Vec<Choice> {
    r.rounds
        .iter()
        .flat_map(|round| {
            round
                .sections
                .iter()
                .filter(|s| s.exemptible)
                .map(move |s| Choice {
                    value: format!("{}.{}", round.id, s.id),
                    label: format!(
                        "{} — {}",
                        round.title.get(locale.code()),
                        s.title.get(locale.code())
                    ),
                })
        })
        .collect()
}

pub fn exemptible_sections(json: &str) -> Vec<Exemptible> {
    parse(json)
        .map(|r| {
            exemptible_in(&r, Locale::En)
                .into_iter()
                .map(|c| Exemptible { id: c.value })
                .collect()
        })
        .unwrap_or_default()
}

pub fn exemptible_choices(json: &str, locale: Locale) -> Vec<Choice> {
    parse(json)
        .map(|r| exemptible_in(&r, locale))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn in_2026_decree_170_is_in_force_and_decree_138_is_not() {
        let on = |id: &str, from, until| {
            preset_statuses(from, until)
                .into_iter()
                .find(|p| p.id == id)
                .map(|p| p.in_force)
        };
        let (a, b) = (day(2026, 11, 25), day(2026, 12, 24));
        assert_eq!(on(presets::VN_170_2025_RECRUITMENT, a, b), Some(true));
        assert_eq!(on(presets::VN_138_2020_RECRUITMENT, a, b), Some(false));
        let (a, b) = (day(2024, 3, 1), day(2024, 3, 31));
        assert_eq!(on(presets::VN_170_2025_RECRUITMENT, a, b), Some(false));
        assert_eq!(on(presets::VN_138_2020_RECRUITMENT, a, b), Some(true));
    }

    #[test]
    fn the_audit_summary_names_sections_pass_marks_and_priorities() {
        let json = preset_json(presets::VN_170_2025_RECRUITMENT).unwrap_or_default();
        let s = summary(&json);
        assert!(
            s.starts_with("vn-170-2025-recruitment: round_1 [general_knowledge ≥ 50%]; round_2 [written]; priority "),
            "{s}"
        );
        assert!(s.contains("hero_or_war_invalid 7.5"), "{s}");
        assert!(s.ends_with("; 3 tie-breaks"), "{s}");
    }
}
