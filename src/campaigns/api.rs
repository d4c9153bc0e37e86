//! JSON API for campaigns and applications.

use crate::web::Query;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::domain::{ApplicationStatus, Decision, PriorityClaim, section_key};
use super::entity::{application, campaign, position};
use super::service::{self, ApplicationInput, CampaignInput};
use super::store::{self, ApplicationFilter};
use crate::accounts::domain::Role;
use crate::state::AppState;
use crate::web::{AppError, AuthUser, Json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/campaigns", get(list).post(create))
        .route("/api/campaigns/{id}", get(show))
        .route("/api/campaigns/{id}/publish", post(publish))
        .route("/api/campaigns/{id}/rule-set", put(edit_rule_set))
        .route("/api/rule-set-presets", get(presets))
        .route("/api/rule-set-presets/{id}", get(preset))
        .route(
            "/api/campaigns/{id}/applications",
            get(applications).post(apply),
        )
        .route("/api/campaigns/{id}/eligible", get(eligible))
        .route("/api/campaigns/{id}/hires", post(hire_winners))
        .route("/api/campaigns/{id}/admissions", post(admit_staff))
        .route("/api/campaigns/{id}/promotions", post(promote_winners))
        .route("/api/me/applications", get(mine))
        .route("/api/applications/{id}/decision", post(decide))
        .route("/api/applications/{id}/extra-minutes", put(extra_minutes))
}

#[derive(Serialize, ToSchema)]
pub struct CampaignView {
    pub id: i32,
    pub title: String,
    pub kind: String,
    pub org_unit_id: i32,
    pub status: String,
    pub applies_from_ms: i64,
    pub applies_until_ms: i64,
    /// The rule set's name; the full rule set is shown to staff only.
    pub rule_set_name: String,
    /// Set when the campaign is a transitional intake: its rule set is not in
    /// force for its dates, and this is why personnel carried it on.
    pub transitional_reason: Option<String>,
}

impl From<&campaign::Model> for CampaignView {
    fn from(c: &campaign::Model) -> Self {
        CampaignView {
            id: c.id,
            title: c.title.clone(),
            kind: c.kind.clone(),
            org_unit_id: c.org_unit_id,
            status: c.status.clone(),
            applies_from_ms: c.applies_from_ms,
            applies_until_ms: c.applies_until_ms,
            rule_set_name: super::rules::name(&c.rule_set, crate::web::i18n::Locale::En),
            transitional_reason: c.transitional_reason.clone(),
        }
    }
}

/// Named apart from the staff records' `PositionView` in the OpenAPI document.
#[derive(Serialize, ToSchema)]
#[schema(as = CampaignPositionView)]
pub struct PositionView {
    pub id: i32,
    pub code: String,
    pub title: String,
    pub quota: i32,
}

impl From<position::Model> for PositionView {
    fn from(p: position::Model) -> Self {
        PositionView {
            id: p.id,
            code: p.code,
            title: p.title,
            quota: p.quota,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CampaignDetail {
    pub campaign: CampaignView,
    pub positions: Vec<PositionView>,
    /// The whole rule set (JSON), for staff.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub rule_set: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: i32,
    pub campaign_id: i32,
    pub position_id: i32,
    pub candidate_id: i32,
    pub status: ApplicationStatus,
    pub priority_claims: Vec<PriorityClaim>,
    /// Exempt sections, each `round.section`.
    pub exemptions: Vec<String>,
    /// The document proving the exemptions.
    pub document_ref: Option<String>,
    pub reject_reason: Option<String>,
    pub extra_minutes: i32,
    pub created_ms: i64,
}

impl TryFrom<application::Model> for ApplicationView {
    type Error = sea_orm::DbErr;

    fn try_from(a: application::Model) -> Result<Self, Self::Error> {
        Ok(ApplicationView {
            id: a.id,
            campaign_id: a.campaign_id,
            position_id: a.position_id,
            candidate_id: a.candidate_id,
            status: ApplicationStatus::parse(&a.status).unwrap_or(ApplicationStatus::Submitted),
            priority_claims: a.priority_claims()?,
            exemptions: a.exempt_sections()?.iter().map(section_key).collect(),
            document_ref: a.document_ref,
            reject_reason: a.reject_reason,
            extra_minutes: a.extra_minutes,
            created_ms: a.created_ms,
        })
    }
}

#[utoipa::path(get, path = "/api/campaigns", tag = "campaigns",
    responses((status = 200, body = [CampaignView], description = "staff: their units' campaigns; candidates: open campaigns")))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<axum::Json<Vec<CampaignView>>, AppError> {
    let campaigns = service::visible_campaigns(&state, &user).await?;
    Ok(axum::Json(campaigns.iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/campaigns", tag = "campaigns", request_body = CampaignInput,
    responses((status = 201, body = CampaignView), (status = 403), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Json(input): Json<CampaignInput>,
) -> Result<impl IntoResponse, AppError> {
    let c = service::create_campaign(&state, &user, &input).await?;
    Ok((StatusCode::CREATED, axum::Json(CampaignView::from(&c))))
}

#[utoipa::path(get, path = "/api/campaigns/{id}", tag = "campaigns", params(("id" = i32, Path)),
    responses((status = 200, body = CampaignDetail), (status = 404)))]
pub async fn show(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<CampaignDetail>, AppError> {
    let (c, positions, staff) = match user.role {
        Role::Candidate => {
            let (c, p) = service::candidate_campaign(&state, &user, id).await?;
            (c, p, false)
        }
        _ => {
            let c = service::managed_campaign(&state, &user, id).await?;
            let p = store::positions(&state.db, c.id).await?;
            (c, p, true)
        }
    };
    Ok(axum::Json(CampaignDetail {
        campaign: (&c).into(),
        positions: positions.into_iter().map(Into::into).collect(),
        rule_set: staff.then(|| serde_json::from_str(&c.rule_set).unwrap_or_default()),
    }))
}

#[utoipa::path(post, path = "/api/campaigns/{id}/publish", tag = "campaigns", params(("id" = i32, Path)),
    responses((status = 204), (status = 404)))]
pub async fn publish(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<StatusCode, AppError> {
    service::publish_campaign(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/campaigns/{id}/rule-set", tag = "campaigns", params(("id" = i32, Path)),
    request_body(content = Object, description = "the whole rule set, in the shape of `GET /api/rule-set-presets/{id}` or of `rule_set` in `GET /api/campaigns/{id}`"),
    responses((status = 200, body = CampaignDetail, description = "the campaign with its new rule set; audited"), (status = 404),
        (status = 422, description = "every problem with the rule set (field `rule_set`), its effective dates not covering the application window of a campaign that is not a transitional intake, or the campaign no longer a draft (field `status`)")))]
pub async fn edit_rule_set(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(body): Json<serde_json::Value>,
) -> Result<axum::Json<CampaignDetail>, AppError> {
    let c = service::edit_rule_set(&state, &user, id, &body).await?;
    let positions = store::positions(&state.db, c.id).await?;
    Ok(axum::Json(CampaignDetail {
        campaign: (&c).into(),
        positions: positions.into_iter().map(Into::into).collect(),
        rule_set: Some(serde_json::from_str(&c.rule_set).unwrap_or_default()),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PresetView {
    /// What to send as `preset` when creating a campaign.
    pub id: String,
    pub name: String,
    /// `recruitment` or `promotion`.
    pub purpose: String,
    pub effective_from: chrono::NaiveDate,
    /// Last day the rules applied; absent while no later rules replace them.
    pub effective_until: Option<chrono::NaiveDate>,
    /// In force on the date asked about.
    pub in_force: bool,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PresetQuery {
    /// `YYYY-MM-DD`; today (local time) when absent.
    pub on: Option<String>,
}

#[utoipa::path(get, path = "/api/rule-set-presets", tag = "campaigns", params(PresetQuery),
    responses((status = 200, body = [PresetView], description = "every preset with its effective dates, marked in force or not on `on`"), (status = 403), (status = 422, description = "`on` is not a date")))]
pub async fn presets(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Query(q): Query<PresetQuery>,
) -> Result<axum::Json<Vec<PresetView>>, AppError> {
    user.require(&[Role::Personnel, Role::Admin, Role::Board])?;
    let on = match q.on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => super::domain::local_date(state.now_ms(), state.config.utc_offset_minutes),
        Some(raw) => chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
            AppError::invalid(
                "on",
                crate::web::i18n::Text::key("campaigns.bad_on_date").with("value", raw),
            )
        })?,
    };
    Ok(axum::Json(
        super::rules::preset_statuses(on, on)
            .into_iter()
            .map(|p| PresetView {
                id: p.id,
                name: p.name,
                purpose: serde_json::to_value(p.purpose)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                effective_from: p.effective_from,
                effective_until: p.effective_until,
                in_force: p.in_force,
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/rule-set-presets/{id}", tag = "campaigns", params(("id" = String, Path, description = "a preset id, e.g. `vn-170-2025-recruitment`")),
    responses((status = 200, body = Object, description = "the whole preset rule set: rounds, sections, pass marks, priority table, tie-breaks, appeals, effective dates; edit it and send it as a campaign's `rule_set`"), (status = 403), (status = 404)))]
pub async fn preset(
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<axum::Json<crate::rules::model::RuleSet>, AppError> {
    user.require(&[Role::Personnel, Role::Admin, Role::Board])?;
    crate::rules::presets::by_id(&id)
        .map(axum::Json)
        .ok_or(AppError::NotFound)
}

#[utoipa::path(post, path = "/api/campaigns/{id}/applications", tag = "campaigns", params(("id" = i32, Path)), request_body = ApplicationInput,
    responses((status = 201, body = ApplicationView), (status = 409, description = "already applied to this campaign"), (status = 422)))]
pub async fn apply(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(input): Json<ApplicationInput>,
) -> Result<impl IntoResponse, AppError> {
    let a = service::apply(&state, &user, id, &input).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(ApplicationView::try_from(a)?),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationPage {
    pub items: Vec<ApplicationListItem>,
    pub total: u64,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationListItem {
    pub application: ApplicationView,
    pub full_name: String,
    pub email: Option<String>,
}

#[utoipa::path(get, path = "/api/campaigns/{id}/applications", tag = "campaigns", params(("id" = i32, Path), ApplicationFilter),
    responses((status = 200, body = ApplicationPage), (status = 404)))]
pub async fn applications(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Query(filter): Query<ApplicationFilter>,
) -> Result<axum::Json<ApplicationPage>, AppError> {
    let c = service::managed_campaign(&state, &user, id).await?;
    let (rows, total) = store::list_applications(&state.db, c.id, &filter, true).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(ApplicationListItem {
                full_name: r.candidate.full_name,
                email: r.candidate.email,
                application: r.application.try_into()?,
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()?;
    Ok(axum::Json(ApplicationPage { items, total }))
}

#[utoipa::path(get, path = "/api/me/applications", tag = "campaigns", responses((status = 200, body = [ApplicationView])))]
pub async fn mine(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<axum::Json<Vec<ApplicationView>>, AppError> {
    user.require(&[Role::Candidate])?;
    Ok(axum::Json(
        store::applications_of_candidate(&state.db, user.id)
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect::<Result<_, sea_orm::DbErr>>()?,
    ))
}

#[utoipa::path(post, path = "/api/applications/{id}/decision", tag = "campaigns", params(("id" = i32, Path)), request_body = Decision,
    responses((status = 200, body = ApplicationView), (status = 404), (status = 422)))]
pub async fn decide(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(decision): Json<Decision>,
) -> Result<axum::Json<ApplicationView>, AppError> {
    service::decide(&state, &user, id, &decision).await?;
    let a = store::find_application(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(axum::Json(a.try_into()?))
}

#[derive(Deserialize, ToSchema)]
pub struct ExtraMinutes {
    pub extra_minutes: i32,
}

#[utoipa::path(put, path = "/api/applications/{id}/extra-minutes", tag = "campaigns", params(("id" = i32, Path)), request_body = ExtraMinutes,
    responses((status = 204), (status = 404), (status = 422)))]
pub async fn extra_minutes(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(body): Json<ExtraMinutes>,
) -> Result<StatusCode, AppError> {
    service::set_extra_minutes(&state, &user, id, body.extra_minutes).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/campaigns/{id}/eligible", tag = "campaigns", params(("id" = i32, Path)),
    responses((status = 200, body = [super::eligibility::EligibilityRow], description = "promotion campaigns: staff of the campaign's units, eligible first, each exclusion with its reasons"), (status = 404), (status = 422)))]
pub async fn eligible(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<axum::Json<Vec<super::eligibility::EligibilityRow>>, AppError> {
    Ok(axum::Json(
        service::eligible(&state, &user, id, user.locale).await?,
    ))
}

#[utoipa::path(post, path = "/api/campaigns/{id}/hires", tag = "campaigns", params(("id" = i32, Path)), request_body = super::hires::Confirmation,
    responses((status = 200, body = [super::hires::Hired], description = "a staff record with a hire event per confirmed winner"), (status = 404), (status = 422, description = "results not released, not a selected candidate, no linked job position, or already on staff")))]
pub async fn hire_winners(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(body): Json<super::hires::Confirmation>,
) -> Result<axum::Json<Vec<super::hires::Hired>>, AppError> {
    Ok(axum::Json(
        super::hires::confirm(&state, &user, id, &body).await?,
    ))
}

#[utoipa::path(post, path = "/api/campaigns/{id}/admissions", tag = "campaigns", params(("id" = i32, Path)), request_body = super::promotions::Admission,
    responses((status = 201, body = [super::promotions::Admitted], description = "promotion campaigns: an approved application per eligible member of staff, linked to the staff record; a new candidate account's password is shown once"), (status = 404), (status = 422, description = "not a promotion campaign, not on the eligible list or excluded (with the reasons), already admitted, or the national ID belongs to a staff account")))]
pub async fn admit_staff(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(body): Json<super::promotions::Admission>,
) -> Result<impl IntoResponse, AppError> {
    let admitted = super::promotions::admit(&state, &user, id, &body).await?;
    Ok((StatusCode::CREATED, axum::Json(admitted)))
}

#[utoipa::path(post, path = "/api/campaigns/{id}/promotions", tag = "campaigns", params(("id" = i32, Path)), request_body = super::promotions::PromotionConfirmation,
    responses((status = 200, body = [super::promotions::Promoted], description = "a promotion event per confirmed winner (new grade, step and coefficient); `already` when confirmed before, and then nothing is written"), (status = 404), (status = 422, description = "results not released, not a selected candidate, not admitted from staff records, or no target grade")))]
pub async fn promote_winners(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(body): Json<super::promotions::PromotionConfirmation>,
) -> Result<axum::Json<Vec<super::promotions::Promoted>>, AppError> {
    Ok(axum::Json(
        super::promotions::confirm(&state, &user, id, &body).await?,
    ))
}
