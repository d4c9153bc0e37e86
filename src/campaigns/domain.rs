//! Campaign rules that decide without I/O: kinds, statuses, windows, who may
//! apply, and how an application moves.

use serde::{Deserialize, Serialize};

use crate::rules::model::{RuleSet, SectionRef};
use crate::web::i18n::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum CampaignKind {
    /// Kỳ tuyển dụng: open to candidates who register.
    #[default]
    Recruitment,
    /// Kỳ thi nâng ngạch: the eligible list comes from staff records.
    Promotion,
}

impl CampaignKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignKind::Recruitment => "recruitment",
            CampaignKind::Promotion => "promotion",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [CampaignKind::Recruitment, CampaignKind::Promotion]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            CampaignKind::Recruitment => "campaigns.kind_recruitment",
            CampaignKind::Promotion => "campaigns.kind_promotion",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    Submitted,
    Approved,
    Rejected,
    Withdrawn,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 4] = [
        ApplicationStatus::Submitted,
        ApplicationStatus::Approved,
        ApplicationStatus::Rejected,
        ApplicationStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStatus::Submitted => "submitted",
            ApplicationStatus::Approved => "approved",
            ApplicationStatus::Rejected => "rejected",
            ApplicationStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            ApplicationStatus::Submitted => "applications.status_submitted",
            ApplicationStatus::Approved => "applications.status_approved",
            ApplicationStatus::Rejected => "applications.status_rejected",
            ApplicationStatus::Withdrawn => "applications.status_withdrawn",
        }
    }
}

/// What personnel decide about an application.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject { reason: String },
}

/// An application can be decided while submitted, and a decision can be
/// reversed (an approval withdrawn for a missing document, a rejection
/// overturned on review); a withdrawn application is final.
pub fn decide(current: ApplicationStatus, decision: &Decision) -> Result<ApplicationStatus, Text> {
    if current == ApplicationStatus::Withdrawn {
        return Err(Text::key("applications.withdrawn_final"));
    }
    match decision {
        Decision::Approve => Ok(ApplicationStatus::Approved),
        Decision::Reject { reason } if reason.trim().chars().count() < 5 => {
            Err(Text::key("applications.reason_needed"))
        }
        Decision::Reject { .. } => Ok(ApplicationStatus::Rejected),
    }
}

/// Applications are accepted from `from` (inclusive) to `until` (exclusive).
pub fn window_open(from_ms: i64, until_ms: i64, now_ms: i64) -> bool {
    from_ms <= now_ms && now_ms < until_ms
}

/// Extra minutes an accommodation may grant: up to the length of a long paper.
pub const MAX_EXTRA_MINUTES: i32 = 180;

pub fn check_extra_minutes(m: i32) -> Result<i32, Text> {
    if (0..=MAX_EXTRA_MINUTES).contains(&m) {
        Ok(m)
    } else {
        Err(Text::key("applications.bad_extra_minutes").with("max", MAX_EXTRA_MINUTES))
    }
}

/// A campaign's title, window and positions, checked together.
pub struct CampaignDraft<'a> {
    pub title: &'a str,
    pub applies_from_ms: i64,
    pub applies_until_ms: i64,
    pub positions: &'a [(String, String, i32)],
}

pub fn check_campaign(d: &CampaignDraft) -> Vec<(&'static str, Text)> {
    let mut errors = Vec::new();
    let title = d.title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        errors.push(("title", Text::key("campaigns.bad_title")));
    }
    if d.applies_until_ms <= d.applies_from_ms {
        errors.push(("applies_until", Text::key("campaigns.bad_window")));
    }
    if d.positions.is_empty() {
        errors.push(("positions", Text::key("campaigns.no_positions")));
    }
    let mut codes = std::collections::HashSet::new();
    for (i, (code, title, quota)) in d.positions.iter().enumerate() {
        let n = i + 1;
        if !crate::org_units::domain::valid_code(code) {
            errors.push((
                "positions",
                Text::key("campaigns.bad_position_code").with("n", n),
            ));
        }
        if !codes.insert(code.as_str()) {
            errors.push((
                "positions",
                Text::key("campaigns.duplicate_position").with("code", code),
            ));
        }
        if title.trim().is_empty() {
            errors.push((
                "positions",
                Text::key("campaigns.bad_position_title").with("n", n),
            ));
        }
        if *quota < 1 {
            errors.push(("positions", Text::key("campaigns.bad_quota").with("n", n)));
        }
    }
    errors
}

/// How many places of a job position a recruitment may fill: its vacancies,
/// and no more than the recruitment cap of the approved streamlining plan when
/// one covers the unit (Decree 113/2018: half the places freed).
pub fn quota_limit(vacancies: i32, cap: Option<i32>) -> i32 {
    let v = vacancies.max(0);
    cap.map_or(v, |c| v.min(c.max(0)))
}

/// An override of the limit needs a reason someone can audit later.
pub fn override_reason(reason: Option<&str>) -> Option<String> {
    reason
        .map(str::trim)
        .filter(|r| r.chars().count() >= 10)
        .map(str::to_owned)
}

/// A priority category an application claims, and the document that proves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PriorityClaim {
    /// A category code of the campaign's rule set (`priority.categories[].code`).
    pub code: String,
    /// The document that proves it: its number and date, as personnel will check it.
    pub document_ref: String,
}

/// The claims as they will be stored (trimmed), or every problem with them:
/// an unknown code names the codes the rule set has; each claim needs its own
/// document; a category is claimed once.
pub fn check_claims(
    rules: &RuleSet,
    claims: &[PriorityClaim],
) -> Result<Vec<PriorityClaim>, Vec<Text>> {
    let known: Vec<&str> = rules
        .priority
        .categories
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    let mut out: Vec<PriorityClaim> = Vec::with_capacity(claims.len());
    let mut problems = Vec::new();
    for claim in claims {
        let code = claim.code.trim();
        let document_ref = claim.document_ref.trim();
        if !known.contains(&code) {
            problems.push(
                Text::key("applications.bad_priority")
                    .with("code", code)
                    .with("known", known.join(", ")),
            );
        } else if out.iter().any(|c| c.code == code) {
            problems.push(Text::key("applications.priority_twice").with("code", code));
        } else if document_ref.is_empty() {
            problems.push(Text::key("applications.claim_document_needed").with("code", code));
        } else {
            out.push(PriorityClaim {
                code: code.to_owned(),
                document_ref: document_ref.to_owned(),
            });
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// A section named as the rule set names it: `round.section`, or the section's
/// id alone when no other round has a section of that id.
pub fn section_named(rules: &RuleSet, name: &str) -> Option<SectionRef> {
    let name = name.trim();
    if let Some((round, section)) = name.split_once('.') {
        return rules
            .section(round, section)
            .map(|_| SectionRef::new(round, section));
    }
    let mut found = rules.rounds.iter().filter_map(|r| {
        r.sections
            .iter()
            .find(|s| s.id == name)
            .map(|s| SectionRef::new(&r.id, &s.id))
    });
    match (found.next(), found.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// How an exempt section is stored and shown in the API: `round.section`.
pub fn section_key(s: &SectionRef) -> String {
    format!("{}.{}", s.round, s.section)
}

/// The exemptions a candidate asks for, resolved to sections the rule set lets
/// be exempted; anything else is refused with the names that would be accepted.
pub fn check_exemptions(rules: &RuleSet, asked: &[String]) -> Result<Vec<SectionRef>, Vec<Text>> {
    let allowed: Vec<String> = rules
        .rounds
        .iter()
        .flat_map(|r| {
            r.sections
                .iter()
                .filter(|s| s.exemptible)
                .map(move |s| section_key(&SectionRef::new(&r.id, &s.id)))
        })
        .collect();
    let allowed_text = if allowed.is_empty() {
        "—".to_owned()
    } else {
        allowed.join(", ")
    };
    let mut out: Vec<SectionRef> = Vec::new();
    let mut problems = Vec::new();
    for name in asked.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        match section_named(rules, name) {
            Some(s) if allowed.contains(&section_key(&s)) => {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
            _ => problems.push(
                Text::key("applications.bad_exemption")
                    .with("section", name)
                    .with("allowed", allowed_text.clone()),
            ),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The calendar day `ms` falls on at `offset_minutes` from UTC.
pub fn local_date(ms: i64, offset_minutes: i32) -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp_millis(ms + i64::from(offset_minutes) * 60_000)
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

/// The days a campaign takes applications, first and last: `until_ms` is
/// exclusive, so its last day is the one the millisecond before it falls on.
pub fn window_days(
    from_ms: i64,
    until_ms: i64,
    offset_minutes: i32,
) -> (chrono::NaiveDate, chrono::NaiveDate) {
    (
        local_date(from_ms, offset_minutes),
        local_date(until_ms.saturating_sub(1).max(from_ms), offset_minutes),
    )
}

/// What personnel ask for when a campaign's dates fall outside its rule set's.
#[derive(Debug, Clone, Copy, Default)]
pub struct TransitionalClaim<'a> {
    pub transitional: bool,
    pub reason: Option<&'a str>,
}

/// Whether a campaign running from `from` to `until` may use `rules`: yes when
/// the rules are in force on every one of those days (`Ok(None)`); otherwise
/// only as a transitional intake with a reason (Decree 170/2025 Art 70), which
/// is returned to be recorded. A claim to be transitional is ignored when the
/// rules are in force: there is nothing to carry over. `field` names the rule
/// set in the errors ("preset" or "rule_set").
pub fn law_in_force(
    rules: &crate::rules::model::RuleSet,
    (from, until): (chrono::NaiveDate, chrono::NaiveDate),
    claim: TransitionalClaim,
    field: &'static str,
) -> Result<Option<String>, Vec<(&'static str, Text)>> {
    if rules.in_force_throughout(from, until) {
        return Ok(None);
    }
    let reason = claim.reason.map(str::trim).filter(|r| !r.is_empty());
    match (claim.transitional, reason) {
        (true, Some(r)) => Ok(Some(r.to_owned())),
        (true, None) => Err(vec![(
            "transitional_reason",
            Text::key("campaigns.transitional_reason_needed"),
        )]),
        (false, _) => {
            let text = match rules.effective_until {
                Some(u) => Text::key("campaigns.out_of_force").with("until", u),
                None => Text::key("campaigns.out_of_force_open"),
            };
            Err(vec![(
                field,
                text.with("name", &rules.name)
                    .with("effective_from", rules.effective_from)
                    .with("from", from)
                    .with("to", until),
            )])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn a_window_ends_on_the_day_before_its_exclusive_end() {
        // 2026-11-25 00:00 in Vietnam (UTC+7) to 2026-12-25 00:00.
        let from = 1_795_564_800_000 - 7 * 3_600_000;
        let until = from + 30 * 86_400_000;
        assert_eq!(
            window_days(from, until, 420),
            (day(2026, 11, 25), day(2026, 12, 24))
        );
        assert_eq!(
            local_date(from, 0),
            day(2026, 11, 24),
            "UTC is a day behind"
        );
    }

    #[test]
    fn rules_out_of_force_are_refused_naming_their_dates() {
        let rules = crate::rules::presets::vn_138_2020_recruitment();
        let window = (day(2026, 11, 25), day(2026, 12, 24));
        let Err(errors) = law_in_force(&rules, window, TransitionalClaim::default(), "preset")
        else {
            panic!("a 2026 intake under Decree 138 must be refused");
        };
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "preset");
        let en = errors[0].1.english();
        assert!(
            en.contains("2020-12-01") && en.contains("2025-06-30"),
            "{en}"
        );
        assert!(
            en.contains("2026-11-25") && en.contains("2026-12-24"),
            "{en}"
        );
    }

    #[test]
    fn a_transitional_intake_needs_a_reason_and_is_ignored_when_in_force() {
        let old = crate::rules::presets::vn_138_2020_recruitment();
        let window = (day(2025, 6, 20), day(2025, 7, 20));
        let blank = TransitionalClaim {
            transitional: true,
            reason: Some("   "),
        };
        let Err(errors) = law_in_force(&old, window, blank, "preset") else {
            panic!("a blank reason is no reason");
        };
        assert_eq!(errors[0].0, "transitional_reason");
        let claim = TransitionalClaim {
            transitional: true,
            reason: Some(" Vòng 1 xong 25/6/2025 "),
        };
        assert_eq!(
            law_in_force(&old, window, claim, "preset"),
            Ok(Some("Vòng 1 xong 25/6/2025".to_owned()))
        );
        let new = crate::rules::presets::vn_170_2025_recruitment();
        let later = (day(2026, 1, 5), day(2026, 2, 4));
        assert_eq!(law_in_force(&new, later, claim, "preset"), Ok(None));
    }

    #[test]
    fn rejection_needs_a_reason() {
        let r = decide(
            ApplicationStatus::Submitted,
            &Decision::Reject { reason: " ".into() },
        );
        assert_eq!(r, Err(Text::key("applications.reason_needed")));
        let r = decide(
            ApplicationStatus::Submitted,
            &Decision::Reject {
                reason: "Thiếu bằng tốt nghiệp".into(),
            },
        );
        assert_eq!(r, Ok(ApplicationStatus::Rejected));
    }

    #[test]
    fn decisions_can_be_reversed_but_withdrawal_is_final() {
        assert_eq!(
            decide(ApplicationStatus::Rejected, &Decision::Approve),
            Ok(ApplicationStatus::Approved)
        );
        assert!(decide(ApplicationStatus::Withdrawn, &Decision::Approve).is_err());
    }

    #[test]
    fn window_includes_its_start_and_excludes_its_end() {
        assert!(!window_open(100, 200, 99));
        assert!(window_open(100, 200, 100));
        assert!(window_open(100, 200, 199));
        assert!(!window_open(100, 200, 200));
    }

    #[test]
    fn campaign_checks_name_each_problem() {
        let positions = vec![
            ("CV1".to_owned(), "Chuyên viên".to_owned(), 2),
            ("CV1".to_owned(), "".to_owned(), 0),
        ];
        let errs = check_campaign(&CampaignDraft {
            title: "",
            applies_from_ms: 10,
            applies_until_ms: 5,
            positions: &positions,
        });
        let fields: Vec<_> = errs.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "title",
                "applies_until",
                "positions",
                "positions",
                "positions"
            ]
        );
    }

    #[test]
    fn quota_is_limited_by_vacancies_and_the_plans_cap() {
        assert_eq!(quota_limit(5, None), 5);
        assert_eq!(quota_limit(5, Some(2)), 2, "the cap binds");
        assert_eq!(quota_limit(1, Some(4)), 1, "vacancies bind");
        assert_eq!(
            quota_limit(-3, None),
            0,
            "an overstaffed position has no place"
        );
        assert_eq!(override_reason(Some("  gấp  ")), None);
        assert!(override_reason(Some("UBND tỉnh cho phép tại QĐ 12/2026")).is_some());
    }

    #[test]
    fn extra_minutes_are_bounded() {
        assert!(check_extra_minutes(-1).is_err());
        assert_eq!(check_extra_minutes(15), Ok(15));
        assert!(check_extra_minutes(181).is_err());
    }

    fn rules_170() -> RuleSet {
        crate::rules::presets::by_id(crate::rules::presets::VN_170_2025_RECRUITMENT)
            .unwrap_or_else(|| panic!("the 170 preset"))
    }

    #[test]
    fn an_exemption_is_named_by_round_and_section_or_by_section_alone() {
        let r = rules_170();
        let expected = vec![SectionRef::new("round_1", "general_knowledge")];
        let full = "round_1.general_knowledge".to_owned();
        assert_eq!(
            check_exemptions(&r, std::slice::from_ref(&full)),
            Ok(expected.clone())
        );
        assert_eq!(
            check_exemptions(&r, &["general_knowledge".to_owned()]),
            Ok(expected.clone())
        );
        assert_eq!(
            check_exemptions(&r, &[full, "general_knowledge".to_owned()]),
            Ok(expected),
            "the same section twice is one exemption"
        );
    }

    #[test]
    fn a_section_the_rules_do_not_let_be_exempted_is_refused_naming_those_they_do() {
        let r = rules_170();
        let Err(problems) = check_exemptions(&r, &["written".to_owned()]) else {
            panic!("the written paper is not exemptible");
        };
        let english = problems[0].english();
        assert!(english.contains("written"), "{english}");
        assert!(english.contains("round_1.general_knowledge"), "{english}");
        assert!(check_exemptions(&r, &["round_9.x".to_owned()]).is_err());
    }

    #[test]
    fn each_priority_claim_needs_a_known_code_and_its_own_document() {
        let r = rules_170();
        let code = r.priority.categories[0].code.clone();
        let claim = |c: &str, d: &str| PriorityClaim {
            code: c.to_owned(),
            document_ref: d.to_owned(),
        };
        assert_eq!(
            check_claims(&r, &[claim(&format!(" {code} "), " QĐ 1/2020 ")]),
            Ok(vec![claim(&code, "QĐ 1/2020")])
        );
        let Err(p) = check_claims(
            &r,
            &[claim("royalty", "x"), claim(&code, ""), claim(&code, "a")],
        ) else {
            panic!("refused");
        };
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].english().contains(&code),
            "the known codes are named: {}",
            p[0].english()
        );
        let Err(p) = check_claims(&r, &[claim(&code, "a"), claim(&code, "b")]) else {
            panic!("refused");
        };
        assert_eq!(
            p,
            vec![Text::key("applications.priority_twice").with("code", code.as_str())]
        );
    }
}
