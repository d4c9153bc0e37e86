//! What campaigns need from their rule set: the preset list, and the priority
//! categories and exemptible sections a candidate may claim.

use crate::rules::model::RuleSet;
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

pub fn preset_choices() -> Vec<Choice> {
    presets::all()
        .into_iter()
        .map(|r| Choice {
            value: r.preset_id,
            label: r.name,
        })
        .collect()
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
