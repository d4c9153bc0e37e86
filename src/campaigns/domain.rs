//! Campaign rules that decide without I/O: kinds, statuses, windows, who may
//! apply, and how an application moves.

use serde::{Deserialize, Serialize};

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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn extra_minutes_are_bounded() {
        assert!(check_extra_minutes(-1).is_err());
        assert_eq!(check_extra_minutes(15), Ok(15));
        assert!(check_extra_minutes(181).is_err());
    }
}
