//! Campaign and application flows shared by the HTML pages and the JSON API.
//! Each change writes its audit entry.

use crate::db::BeginWrite;
use chrono::Datelike;
use serde::Deserialize;

use super::domain::{
    self, ApplicationStatus, CampaignDraft, CampaignKind, Decision, PriorityClaim,
};
use super::entity::{application, campaign, position};
use super::rules;
use super::store::{self, NewApplication, NewCampaign};
use crate::accounts::domain::Role;
use crate::audit::{self, Entry};
use crate::org_units;
use crate::state::AppState;
use crate::web::error::FieldError;
use crate::web::i18n::Text;
use crate::web::{AppError, CurrentUser};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PositionInput {
    pub code: String,
    pub title: String,
    pub quota: i32,
    /// The job position (staff records) this recruits for; its vacancies and
    /// the unit's recruitment cap limit the quota.
    #[serde(default)]
    pub job_position_id: Option<i32>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CampaignInput {
    pub title: String,
    #[serde(default)]
    pub kind: CampaignKind,
    pub org_unit_id: i32,
    /// A rule-set preset id, e.g. `vn-138-2020-recruitment`.
    pub preset: String,
    /// A custom rule set (the shape of `GET /api/campaigns/{id}`'s `rule_set`);
    /// when given it is used instead of the preset, after validation.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub rule_set: Option<serde_json::Value>,
    /// Unix milliseconds.
    pub applies_from_ms: i64,
    pub applies_until_ms: i64,
    pub positions: Vec<PositionInput>,
    /// Needed (10+ characters) to set a quota above what vacancies and the
    /// recruitment cap allow; recorded in the audit log.
    #[serde(default)]
    pub quota_override_reason: Option<String>,
    /// A transitional intake (Decree 170/2025 Art 70): the rule set is not in
    /// force on every day of the application window, and personnel carry the
    /// intake on under it. Needs `transitional_reason`; recorded in the audit
    /// log and shown on the campaign. Ignored when the rule set is in force.
    #[serde(default)]
    pub transitional: bool,
    #[serde(default)]
    pub transitional_reason: Option<String>,
}

/// Personnel act on campaigns of their unit subtree; administrators on all.
pub async fn check_unit_access(
    state: &AppState,
    user: &CurrentUser,
    unit: i32,
) -> Result<(), AppError> {
    user.require(&[Role::Personnel, Role::Admin])?;
    let scope = org_units::store::scope_of(&state.db, user).await?;
    if org_units::store::in_scope(&scope, unit) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The campaign, if this member of staff may manage it (404 otherwise, so the
/// existence of other units' campaigns is not revealed).
pub async fn managed_campaign(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
) -> Result<campaign::Model, AppError> {
    let c = store::find_campaign(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    check_unit_access(state, user, c.org_unit_id).await?;
    Ok(c)
}

/// Quotas above what a linked job position may take: its vacancies, within the
/// recruitment cap of the unit's approved streamlining plan for that year. The
/// cap is the plan's, for all its units together, so positions under one plan
/// may not take more than it between them either. Returns one message per
/// position (or plan) over the limit; links to unknown or out-of-scope
/// positions are errors.
async fn quota_overrides(
    state: &AppState,
    scope: &Option<Vec<i32>>,
    input: &CampaignInput,
    year: i32,
    errors: &mut Vec<FieldError>,
) -> Result<Vec<Text>, AppError> {
    let mut over = Vec::new();
    if input.kind != CampaignKind::Recruitment {
        return Ok(over);
    }
    // Plan id → (its cap, title, the codes of the positions under it, their quotas).
    let mut by_plan: std::collections::BTreeMap<i32, (i32, String, Vec<String>, i32)> =
        std::collections::BTreeMap::new();
    for p in &input.positions {
        let Some(job) = p.job_position_id else {
            continue;
        };
        let position = crate::staff::store::position(&state.db, job).await?;
        let Some(position) = position.filter(|j| org_units::store::in_scope(scope, j.org_unit_id))
        else {
            errors.push(FieldError::new(
                "positions",
                Text::key("campaigns.bad_job_position").with("code", &p.code),
            ));
            continue;
        };
        let vacancies = crate::staff::store::vacancies(&state.db, job)
            .await?
            .unwrap_or(0);
        let plan = crate::plans::service::plan_cap(&state.db, position.org_unit_id, year).await?;
        let cap = plan.as_ref().map(|c| c.plan_cap);
        if let Some(plan) = plan {
            let entry = by_plan.entry(plan.plan_id).or_insert((
                plan.plan_cap,
                plan.plan_title,
                Vec::new(),
                0,
            ));
            entry.2.push(p.code.clone());
            entry.3 += p.quota.max(0);
        }
        let limit = domain::quota_limit(vacancies, cap);
        if p.quota > limit {
            over.push(
                Text::key("campaigns.quota_over_limit")
                    .with("code", &p.code)
                    .with("quota", p.quota)
                    .with("vacancies", vacancies)
                    .with("cap", cap.map_or_else(|| "—".to_owned(), |c| c.to_string())),
            );
        }
    }
    for (cap, plan, codes, quota) in by_plan.into_values() {
        if codes.len() > 1 && quota > cap {
            over.push(
                Text::key("campaigns.quota_over_plan_cap")
                    .with("codes", codes.join(", "))
                    .with("quota", quota)
                    .with("plan", plan)
                    .with("year", year)
                    .with("cap", cap),
            );
        }
    }
    Ok(over)
}

pub async fn create_campaign(
    state: &AppState,
    user: &CurrentUser,
    input: &CampaignInput,
) -> Result<campaign::Model, AppError> {
    check_unit_access(state, user, input.org_unit_id).await?;
    let positions: Vec<(String, String, i32)> = input
        .positions
        .iter()
        .map(|p| (p.code.trim().to_owned(), p.title.trim().to_owned(), p.quota))
        .collect();
    let mut errors: Vec<FieldError> = domain::check_campaign(&CampaignDraft {
        title: &input.title,
        applies_from_ms: input.applies_from_ms,
        applies_until_ms: input.applies_until_ms,
        positions: &positions,
    })
    .into_iter()
    .map(|(f, t)| FieldError::new(f, t))
    .collect();
    let rule_set = match &input.rule_set {
        Some(custom) => match rules::custom_json(custom) {
            Ok(json) => Some(json),
            Err(problems) => {
                errors.extend(
                    problems
                        .into_iter()
                        .map(|p| FieldError::new("rule_set", Text::Raw(p))),
                );
                None
            }
        },
        None => {
            let preset = rules::preset_json(&input.preset);
            if preset.is_none() {
                errors.push(FieldError::new("preset", Text::key("campaigns.bad_preset")));
            }
            preset
        }
    };
    let field = if input.rule_set.is_some() {
        "rule_set"
    } else {
        "preset"
    };
    let transitional_reason = match rule_set.as_deref().and_then(rules::parse) {
        Some(r) if input.applies_from_ms < input.applies_until_ms => domain::law_in_force(
            &r,
            domain::window_days(
                input.applies_from_ms,
                input.applies_until_ms,
                state.config.utc_offset_minutes,
            ),
            domain::TransitionalClaim {
                transitional: input.transitional,
                reason: input.transitional_reason.as_deref(),
            },
            field,
        )
        .unwrap_or_else(|problems| {
            errors.extend(problems.into_iter().map(|(f, t)| FieldError::new(f, t)));
            None
        }),
        _ => None,
    };
    let scope = org_units::store::scope_of(&state.db, user).await?;
    let year = chrono::DateTime::from_timestamp_millis(input.applies_from_ms)
        .map(|t| t.year())
        .unwrap_or(2026);
    let overrides = quota_overrides(state, &scope, input, year, &mut errors).await?;
    let reason = domain::override_reason(input.quota_override_reason.as_deref());
    if !overrides.is_empty() && reason.is_none() {
        errors.extend(
            overrides
                .iter()
                .map(|o| FieldError::new("positions", o.clone())),
        );
    }
    let (Some(rule_set_json), true) = (rule_set, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    let c = store::insert_campaign(
        &txn,
        NewCampaign {
            title: input.title.trim().to_owned(),
            kind: input.kind,
            org_unit_id: input.org_unit_id,
            rule_set_json,
            applies_from_ms: input.applies_from_ms,
            applies_until_ms: input.applies_until_ms,
            created_by: user.id,
            transitional_reason: transitional_reason.clone(),
        },
        &input
            .positions
            .iter()
            .map(|p| p.job_position_id)
            .collect::<Vec<_>>(),
        &positions,
        now,
    )
    .await?;
    if let (false, Some(reason)) = (overrides.is_empty(), &reason) {
        let what: Vec<String> = overrides.iter().map(Text::english).collect();
        audit::record(
            &txn,
            now,
            &user.actor(),
            Entry::new("quota_override", format!("campaign {}", c.id))
                .detail(format!("{reason} — {}", what.join("; "))),
        )
        .await?;
    }
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new("campaign_created", format!("campaign {} {}", c.id, c.title)).detail(format!(
            "preset {}, {} positions",
            input.preset,
            positions.len()
        )),
    )
    .await?;
    if let Some(reason) = &transitional_reason {
        audit::record(
            &txn,
            now,
            &user.actor(),
            Entry::new("campaign_transitional", format!("campaign {}", c.id)).detail(format!(
                "{reason} — {}",
                rules::in_force_summary(
                    &c.rule_set,
                    c.applies_from_ms,
                    c.applies_until_ms,
                    state.config.utc_offset_minutes
                )
            )),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(c)
}

/// Personnel replace a draft campaign's rule set (sections, pass marks,
/// priority table…) before publication, under the checks a new campaign's
/// rule set passes. A transitional campaign's reason covers its new rules too.
pub async fn edit_rule_set(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    value: &serde_json::Value,
) -> Result<campaign::Model, AppError> {
    let c = managed_campaign(state, user, id).await?;
    if c.status != "draft" {
        return Err(AppError::invalid(
            "status",
            Text::key("campaigns.rule_set_locked"),
        ));
    }
    let json = rules::custom_json(value).map_err(|problems| {
        AppError::Invalid(
            problems
                .into_iter()
                .map(|p| FieldError::new("rule_set", Text::Raw(p)))
                .collect(),
        )
    })?;
    let new_rules = rules::parse(&json)
        .ok_or_else(|| anyhow::anyhow!("a validated rule set did not read back"))?;
    domain::law_in_force(
        &new_rules,
        domain::window_days(
            c.applies_from_ms,
            c.applies_until_ms,
            state.config.utc_offset_minutes,
        ),
        domain::TransitionalClaim {
            transitional: c.transitional_reason.is_some(),
            reason: c.transitional_reason.as_deref(),
        },
        "rule_set",
    )
    .map_err(|problems| {
        AppError::Invalid(
            problems
                .into_iter()
                .map(|(f, t)| FieldError::new(f, t))
                .collect(),
        )
    })?;
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    store::set_rule_set(&txn, c.id, json.clone()).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new("campaign_rule_set_edited", format!("campaign {}", c.id)).detail(format!(
            "{} → {}",
            rules::summary(&c.rule_set),
            rules::summary(&json)
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(campaign::Model {
        rule_set: json,
        ..c
    })
}

/// Publishing makes the campaign visible to candidates during its window.
pub async fn publish_campaign(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
) -> Result<(), AppError> {
    let c = managed_campaign(state, user, id).await?;
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    store::set_status(&txn, c.id, "published").await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new("campaign_published", format!("campaign {}", c.id)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    pub position_id: i32,
    /// Every priority category the candidate claims, each with the document
    /// that proves it; the rule set decides how they combine (highest only, or
    /// cumulative up to its cap).
    #[serde(default)]
    pub priority_claims: Vec<PriorityClaim>,
    /// Sections the candidate asks to be exempted from, as the rule set names
    /// them: `round.section` (e.g. `round_1.general_knowledge`), or the section
    /// id alone when no other round has a section of that id. Only sections the
    /// rule set marks `exemptible` are accepted; the error names them.
    #[serde(default)]
    pub exemptions: Vec<String>,
    /// The document proving the exemptions; needed when any is claimed.
    #[serde(default)]
    pub document_ref: Option<String>,
}

/// A candidate applies to one position of an open recruitment campaign.
pub async fn apply(
    state: &AppState,
    user: &CurrentUser,
    campaign_id: i32,
    input: &ApplicationInput,
) -> Result<application::Model, AppError> {
    user.require(&[Role::Candidate])?;
    let now = state.now_ms();
    let c = store::find_campaign(&state.db, campaign_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if c.status != "published" {
        return Err(AppError::NotFound);
    }
    if c.kind != CampaignKind::Recruitment.as_str()
        || !domain::window_open(c.applies_from_ms, c.applies_until_ms, now)
    {
        return Err(AppError::invalid(
            "campaign",
            Text::key("applications.window_closed"),
        ));
    }
    let rule_set = rules::of(&c)?;
    let position = store::find_position(&state.db, input.position_id).await?;
    let mut errors = Vec::new();
    if position.as_ref().is_none_or(|p| p.campaign_id != c.id) {
        errors.push(FieldError::new(
            "position_id",
            Text::key("applications.bad_position"),
        ));
    }
    let claims =
        domain::check_claims(&rule_set, &input.priority_claims).unwrap_or_else(|problems| {
            errors.extend(
                problems
                    .into_iter()
                    .map(|t| FieldError::new("priority_claims", t)),
            );
            Vec::new()
        });
    let exemptions =
        domain::check_exemptions(&rule_set, &input.exemptions).unwrap_or_else(|problems| {
            errors.extend(
                problems
                    .into_iter()
                    .map(|t| FieldError::new("exemptions", t)),
            );
            Vec::new()
        });
    let document_ref = input
        .document_ref
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    if !exemptions.is_empty() && document_ref.is_none() {
        errors.push(FieldError::new(
            "document_ref",
            Text::key("applications.document_needed"),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    if store::application_of(&state.db, c.id, user.id)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(FieldError::new(
            "campaign",
            Text::key("applications.already_applied"),
        )));
    }
    let txn = state.db.begin_write().await?;
    let a = store::insert_application(
        &txn,
        NewApplication {
            campaign_id: c.id,
            position_id: input.position_id,
            candidate_id: user.id,
            priority_claims: claims,
            exemptions,
            document_ref,
            status: ApplicationStatus::Submitted,
            extra_minutes: 0,
        },
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new(
            "application_submitted",
            format!("application {} campaign {}", a.id, c.id),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(a)
}

/// The application with its campaign, if this member of staff may manage it.
pub async fn managed_application(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
) -> Result<(application::Model, campaign::Model), AppError> {
    let a = store::find_application(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let c = managed_campaign(state, user, a.campaign_id).await?;
    Ok((a, c))
}

pub async fn decide(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    decision: &Decision,
) -> Result<ApplicationStatus, AppError> {
    let (a, _) = managed_application(state, user, id).await?;
    let current = ApplicationStatus::parse(&a.status).unwrap_or(ApplicationStatus::Submitted);
    let next = domain::decide(current, decision).map_err(|t| AppError::invalid("decision", t))?;
    let reason = match decision {
        Decision::Reject { reason } => Some(reason.trim().to_owned()),
        Decision::Approve => None,
    };
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    store::record_decision(&txn, a.id, next, reason.clone(), user.id, now).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new("application_decided", format!("application {}", a.id)).detail(format!(
            "{} → {}{}",
            a.status,
            next.as_str(),
            reason.map(|r| format!(": {r}")).unwrap_or_default()
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(next)
}

/// Accommodation: extra minutes on every paper of the campaign. It changes a
/// deadline, so it is audited.
pub async fn set_extra_minutes(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    minutes: i32,
) -> Result<(), AppError> {
    let (a, _) = managed_application(state, user, id).await?;
    let minutes =
        domain::check_extra_minutes(minutes).map_err(|t| AppError::invalid("extra_minutes", t))?;
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    store::set_extra_minutes(&txn, a.id, minutes).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new("accommodation_set", format!("application {}", a.id))
            .detail(format!("extra minutes {} → {minutes}", a.extra_minutes)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Campaigns a user may see in lists: staff see their scope; candidates see
/// open campaigns (browsing) — their own applications are listed separately.
pub async fn visible_campaigns(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Vec<campaign::Model>, AppError> {
    match user.role {
        Role::Candidate => Ok(store::open_campaigns(&state.db, state.now_ms()).await?),
        Role::Personnel | Role::Admin => {
            let scope = org_units::store::scope_of(&state.db, user).await?;
            Ok(store::campaigns_in(&state.db, &scope).await?)
        }
        Role::Board => Err(AppError::Forbidden),
    }
}

/// A campaign a candidate may look at: published, and open or applied to.
pub async fn candidate_campaign(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
) -> Result<(campaign::Model, Vec<position::Model>), AppError> {
    let c = store::find_campaign(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let applied = store::application_of(&state.db, c.id, user.id)
        .await?
        .is_some();
    let open = c.status == "published"
        && domain::window_open(c.applies_from_ms, c.applies_until_ms, state.now_ms());
    if !(open || applied) {
        return Err(AppError::NotFound);
    }
    let positions = store::positions(&state.db, c.id).await?;
    Ok((c, positions))
}

/// The eligible list of a promotion campaign: everyone active in the
/// campaign's units, with why each excluded person is excluded.
pub async fn eligible(
    state: &AppState,
    user: &CurrentUser,
    id: i32,
    locale: crate::web::i18n::Locale,
) -> Result<Vec<super::eligibility::EligibilityRow>, AppError> {
    let c = managed_campaign(state, user, id).await?;
    if c.kind != CampaignKind::Promotion.as_str() {
        return Err(AppError::invalid(
            "campaign",
            Text::key("eligibility.not_promotion"),
        ));
    }
    let rules = rules::parse(&c.rule_set)
        .and_then(|r| r.promotion)
        .ok_or_else(|| AppError::invalid("rule_set", Text::key("eligibility.no_rules")))?;
    let units = org_units::store::subtree_of(&state.db, c.org_unit_id).await?;
    let today = crate::staff::service::today(state.now_ms());
    let people = crate::staff::store::list(
        &state.db,
        &crate::staff::store::StaffFilter {
            units: Some(units),
            status: Some("active".into()),
            ..Default::default()
        },
    )
    .await?;
    let mut rows = Vec::with_capacity(people.len());
    for p in people {
        let events: Vec<crate::staff::domain::Event> = crate::staff::store::events(&state.db, p.id)
            .await?
            .into_iter()
            .map(|(m, kind)| crate::staff::domain::Event {
                effective: m.effective_date,
                kind,
            })
            .collect();
        let facts = super::eligibility::facts(&p.grade_code, p.under_review, &events, today);
        let problems = rules.check(&facts);
        rows.push(super::eligibility::row(
            p.id,
            &p.full_name,
            p.org_unit_id,
            &facts,
            &problems,
            locale,
        ));
    }
    rows.sort_by(|a, b| {
        b.eligible
            .cmp(&a.eligible)
            .then_with(|| a.full_name.cmp(&b.full_name))
    });
    Ok(rows)
}
