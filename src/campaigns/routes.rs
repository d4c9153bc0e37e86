//! HTML pages for campaigns and applications: personnel manage, candidates apply.

use crate::web::Query;
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::domain::{ApplicationStatus, CampaignKind, Decision, PriorityClaim};
use super::entity::{application, campaign, position};
use super::import;
use super::rules::{self, Choice};
use super::service::{self, ApplicationInput, CampaignInput, PositionInput};
use super::store::{self, ApplicationFilter, ApplicationRow};
use crate::accounts::domain::Role;
use crate::clock::{format_local, parse_local_input, to_local_input};
use crate::org_units;
use crate::state::AppState;
use crate::web::i18n::Text;
use crate::web::{AppError, AuthUser, Form, FormFields, Page, Shell, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list_page).post(create))
        .route("/campaigns/new", get(new_page))
        .route("/campaigns/{id}", get(campaign_page))
        .route("/campaigns/{id}/publish", post(publish))
        .route(
            "/campaigns/{id}/rule-set",
            get(rule_set_page).post(save_rule_set),
        )
        .route("/campaigns/{id}/apply", post(apply))
        .route("/campaigns/{id}/applications", get(applications_page))
        .route("/campaigns/{id}/applications.csv", get(export_csv))
        .route("/campaigns/{id}/applicants/import", post(import_applicants))
        .route("/campaigns/applicants-template.csv", get(template_csv))
        .route("/applications/{id}/decision", post(decide))
        .route("/applications/{id}/extra-time", post(extra_time))
        .route("/my/applications", get(my_applications))
        .route("/campaigns/{id}/hires", post(confirm_hires))
        .route("/campaigns/{id}/admissions", post(admit_staff))
        .route("/campaigns/{id}/promotions", post(confirm_promotions))
}

pub struct CampaignRow {
    pub id: i32,
    pub title: String,
    pub kind: CampaignKind,
    pub unit: String,
    pub window: String,
    pub published: bool,
    /// Why rules out of force for the campaign's dates are used, if they are.
    pub transitional_reason: Option<String>,
}

fn campaign_row(
    c: &campaign::Model,
    units: &std::collections::HashMap<i32, String>,
    offset: i32,
) -> CampaignRow {
    CampaignRow {
        id: c.id,
        title: c.title.clone(),
        kind: CampaignKind::parse(&c.kind).unwrap_or_default(),
        unit: units.get(&c.org_unit_id).cloned().unwrap_or_default(),
        window: format!(
            "{} – {}",
            format_local(c.applies_from_ms, offset),
            format_local(c.applies_until_ms, offset)
        ),
        published: c.status == "published",
        transitional_reason: c.transitional_reason.clone(),
    }
}

#[derive(Template)]
#[template(path = "campaigns/list.html")]
struct ListPage {
    s: Shell,
    rows: Vec<CampaignRow>,
    can_create: bool,
}

async fn list_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
) -> Result<impl IntoResponse, AppError> {
    let campaigns = service::visible_campaigns(&state, &user).await?;
    let units = org_units::store::names(&state.db).await?;
    let rows = campaigns
        .iter()
        .map(|c| campaign_row(c, &units, state.config.utc_offset_minutes))
        .collect();
    render(ListPage {
        s,
        rows,
        can_create: user.role != Role::Candidate,
    })
}

#[derive(Template)]
#[template(path = "campaigns/new.html")]
struct NewPage {
    s: Shell,
    units: Vec<(i32, String)>,
    /// Marked in force or not for the application window in the form.
    presets: Vec<rules::PresetStatus>,
    form: NewCampaignForm,
    errors: Vec<String>,
    jobs: Vec<JobRow>,
}

/// A job position personnel may recruit for, with its vacancies.
pub struct JobRow {
    pub id: i32,
    pub unit: String,
    pub title: String,
    pub vacancies: i32,
}

async fn job_rows(
    state: &AppState,
    user: &crate::web::CurrentUser,
) -> Result<Vec<JobRow>, AppError> {
    let scope = org_units::store::scope_of(&state.db, user).await?;
    let names = org_units::store::names(&state.db).await?;
    let mut rows = Vec::new();
    for j in crate::staff::store::positions(&state.db, scope.as_deref()).await? {
        let vacancies = crate::staff::store::vacancies(&state.db, j.id)
            .await?
            .unwrap_or(0);
        rows.push(JobRow {
            id: j.id,
            unit: names.get(&j.org_unit_id).cloned().unwrap_or_default(),
            title: j.title,
            vacancies,
        });
    }
    Ok(rows)
}

#[derive(Deserialize, Default)]
struct NewCampaignForm {
    title: String,
    kind: String,
    org_unit_id: String,
    preset: String,
    applies_from: String,
    applies_until: String,
    /// One position per line: `CODE | Title | quota | job position id`.
    positions: String,
    #[serde(default)]
    quota_override_reason: String,
    /// A checkbox: present ("on") when ticked.
    #[serde(default)]
    transitional: String,
    #[serde(default)]
    transitional_reason: String,
}

impl NewCampaignForm {
    /// The presets, in force or not for the days this form's window covers
    /// (today when the dates do not read).
    fn presets(&self, now_ms: i64, offset: i32) -> Vec<rules::PresetStatus> {
        let from = parse_local_input(&self.applies_from, offset).unwrap_or(now_ms);
        let until = parse_local_input(&self.applies_until, offset)
            .filter(|u| *u > from)
            .unwrap_or(from + 1);
        let (a, b) = super::domain::window_days(from, until, offset);
        rules::preset_statuses(a, b)
    }
}

async fn unit_options(
    state: &AppState,
    user: &crate::web::CurrentUser,
) -> Result<Vec<(i32, String)>, AppError> {
    let scope = org_units::store::scope_of(&state.db, user).await?;
    Ok(org_units::store::options(&state.db)
        .await?
        .into_iter()
        .filter(|(id, _)| org_units::store::in_scope(&scope, *id))
        .collect())
}

async fn new_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
) -> Result<impl IntoResponse, AppError> {
    user.require(&[Role::Personnel, Role::Admin])?;
    let units = unit_options(&state, &user).await?;
    let now = state.now_ms();
    let offset = state.config.utc_offset_minutes;
    let form = NewCampaignForm {
        kind: "recruitment".into(),
        preset: rules::DEFAULT_PRESET.into(),
        applies_from: to_local_input(now, offset),
        applies_until: to_local_input(now + 30 * 86_400_000, offset),
        positions: "CV-01 | Chuyên viên | 2".into(),
        ..Default::default()
    };
    let jobs = job_rows(&state, &user).await?;
    render(NewPage {
        s,
        units,
        presets: form.presets(now, offset),
        form,
        errors: vec![],
        jobs,
    })
}

/// `CODE | Title | quota` per line; a line that does not parse becomes an
/// obviously invalid position so the domain check names it.
fn parse_positions(text: &str) -> Vec<PositionInput> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let parts: Vec<&str> = l.split('|').map(str::trim).collect();
            PositionInput {
                code: parts.first().copied().unwrap_or_default().to_owned(),
                title: parts.get(1).copied().unwrap_or_default().to_owned(),
                quota: parts.get(2).and_then(|q| q.parse().ok()).unwrap_or(0),
                job_position_id: parts
                    .get(3)
                    .and_then(|j| j.trim_start_matches('#').parse().ok()),
            }
        })
        .collect()
}

async fn create(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Form(form): Form<NewCampaignForm>,
) -> Result<Response, AppError> {
    user.require(&[Role::Personnel, Role::Admin])?;
    let offset = state.config.utc_offset_minutes;
    let input = CampaignInput {
        title: form.title.clone(),
        kind: CampaignKind::parse(&form.kind).unwrap_or_default(),
        org_unit_id: form.org_unit_id.parse().unwrap_or(0),
        preset: form.preset.clone(),
        rule_set: None,
        quota_override_reason: Some(form.quota_override_reason.clone()),
        transitional: !form.transitional.is_empty(),
        transitional_reason: Some(form.transitional_reason.clone()),
        applies_from_ms: parse_local_input(&form.applies_from, offset).unwrap_or(0),
        applies_until_ms: parse_local_input(&form.applies_until, offset).unwrap_or(0),
        positions: parse_positions(&form.positions),
    };
    match service::create_campaign(&state, &user, &input).await {
        Ok(c) => Ok(Redirect::to(&format!("/campaigns/{}", c.id)).into_response()),
        Err(e) => {
            let errors = e.into_form_messages(s.tr.0)?;
            let units = unit_options(&state, &user).await?;
            let jobs = job_rows(&state, &user).await?;
            let page = NewPage {
                s,
                units,
                presets: form.presets(state.now_ms(), offset),
                form,
                errors,
                jobs,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "campaigns/show.html")]
struct CampaignPage {
    s: Shell,
    c: CampaignRow,
    rule_set_name: String,
    positions: Vec<position::Model>,
    manage: bool,
    counts: Vec<(String, u64)>,
    mine: Option<application::Model>,
    can_apply: bool,
    priorities: Vec<Choice>,
    exemptible: Vec<Choice>,
    errors: Vec<String>,
    imported: Vec<import::Issued>,
    papers: Vec<crate::exams::entity::paper::Model>,
    eligible: Vec<super::eligibility::EligibilityRow>,
    /// Selected candidates of released results, to confirm as hires.
    winners: Vec<(i32, String, String)>,
    today: String,
    /// Per position linked to a job position: vacancies and the recruitment
    /// cap of the approved plan covering its unit (`None`: no plan applies).
    limits: Vec<PositionLimit>,
    /// Staff already admitted to this promotion campaign.
    admitted_staff: Vec<i32>,
    /// Accounts of staff just admitted, passwords shown once.
    admitted: Vec<super::promotions::Admitted>,
    /// Selected winners of a released promotion ranking.
    promotion_winners: Vec<super::promotions::Winner>,
}

pub struct PositionLimit {
    pub position_id: i32,
    pub vacancies: i32,
    pub cap: Option<i32>,
}

impl CampaignPage {
    fn position_title(&self, id: &i32) -> String {
        self.positions
            .iter()
            .find(|p| p.id == *id)
            .map(|p| p.title.clone())
            .unwrap_or_default()
    }

    fn status_key(&self, status: &str) -> &'static str {
        ApplicationStatus::parse(status)
            .map(|s| s.label_key())
            .unwrap_or("applications.status_submitted")
    }

    fn limit_of(&self, position_id: &i32) -> Option<&PositionLimit> {
        self.limits.iter().find(|l| l.position_id == *position_id)
    }

    fn is_admitted(&self, staff_id: &i32) -> bool {
        self.admitted_staff.contains(staff_id)
    }
}

async fn show(
    state: &AppState,
    s: Shell,
    user: &crate::web::CurrentUser,
    id: i32,
    errors: Vec<String>,
    imported: Vec<import::Issued>,
) -> Result<Response, AppError> {
    show_with(state, s, user, id, errors, imported, Vec::new()).await
}

async fn show_with(
    state: &AppState,
    s: Shell,
    user: &crate::web::CurrentUser,
    id: i32,
    errors: Vec<String>,
    imported: Vec<import::Issued>,
    admitted: Vec<super::promotions::Admitted>,
) -> Result<Response, AppError> {
    let offset = state.config.utc_offset_minutes;
    let units = org_units::store::names(&state.db).await?;
    let (c, positions, manage) = if user.role == Role::Candidate {
        let (c, positions) = service::candidate_campaign(state, user, id).await?;
        (c, positions, false)
    } else {
        let c = service::managed_campaign(state, user, id).await?;
        let positions = store::positions(&state.db, c.id).await?;
        (c, positions, true)
    };
    let mut counts = Vec::new();
    if manage {
        let (all, _) =
            store::list_applications(&state.db, c.id, &ApplicationFilter::default(), false).await?;
        for status in ApplicationStatus::ALL {
            let n = all
                .iter()
                .filter(|r| r.application.status == status.as_str())
                .count() as u64;
            counts.push((s.tr.t(status.label_key()), n));
        }
    }
    let mine = if user.role == Role::Candidate {
        store::application_of(&state.db, c.id, user.id).await?
    } else {
        None
    };
    let can_apply = user.role == Role::Candidate
        && mine.is_none()
        && c.kind == CampaignKind::Recruitment.as_str()
        && super::domain::window_open(c.applies_from_ms, c.applies_until_ms, state.now_ms());
    let papers = if manage {
        crate::exams::store::papers_of_campaign(&state.db, c.id).await?
    } else {
        Vec::new()
    };
    let eligible = if manage && c.kind == CampaignKind::Promotion.as_str() {
        service::eligible(state, user, c.id, s.tr.0)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let released = manage
        && c.kind == CampaignKind::Recruitment.as_str()
        && crate::grading::store::release_of(&state.db, c.id)
            .await?
            .is_some();
    let winners = if released {
        crate::grading::service::results_for(state, user, c.id)
            .await?
            .positions
            .iter()
            .flat_map(|p| {
                p.rows
                    .iter()
                    .filter(|r| r.standing == crate::grading::ranking::Standing::Selected)
                    .map(move |r| (r.application_id, r.full_name.clone(), p.code.clone()))
            })
            .collect()
    } else {
        Vec::new()
    };
    let promotion = c.kind == CampaignKind::Promotion.as_str();
    let promotion_winners = if manage
        && promotion
        && crate::grading::store::release_of(&state.db, c.id)
            .await?
            .is_some()
    {
        super::promotions::winners(state, user, c.id).await?
    } else {
        Vec::new()
    };
    let admitted_staff = if manage && promotion {
        store::staff_links(&state.db, c.id)
            .await?
            .into_iter()
            .map(|l| l.staff_id)
            .collect()
    } else {
        Vec::new()
    };
    let limits = if manage {
        position_limits(state, &c, &positions).await?
    } else {
        Vec::new()
    };
    let today = crate::staff::service::today(state.now_ms()).to_string();
    let page = CampaignPage {
        limits,
        admitted_staff,
        admitted,
        promotion_winners,
        winners,
        today,
        eligible,
        papers,
        rule_set_name: rules::name(&c.rule_set, s.tr.0),
        priorities: rules::priority_choices(&c.rule_set, s.tr.0),
        exemptible: rules::exemptible_choices(&c.rule_set, s.tr.0),
        c: campaign_row(&c, &units, offset),
        positions,
        manage,
        counts,
        mine,
        can_apply,
        s,
        errors,
        imported,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(page)?).into_response())
}

/// What limits each linked position's quota, as the quota check sees it: the
/// job position's vacancies and the unit's recruitment cap for the campaign's year.
async fn position_limits(
    state: &AppState,
    c: &campaign::Model,
    positions: &[position::Model],
) -> Result<Vec<PositionLimit>, AppError> {
    let year = chrono::DateTime::from_timestamp_millis(c.applies_from_ms)
        .map(|t| chrono::Datelike::year(&t))
        .unwrap_or(2026);
    let mut out = Vec::new();
    for p in positions {
        let Some(job) = p.job_position_id else {
            continue;
        };
        let Some(j) = crate::staff::store::position(&state.db, job).await? else {
            continue;
        };
        out.push(PositionLimit {
            position_id: p.id,
            vacancies: crate::staff::store::vacancies(&state.db, job)
                .await?
                .unwrap_or(0),
            cap: crate::plans::service::recruitment_cap(&state.db, j.org_unit_id, year).await?,
        });
    }
    Ok(out)
}

async fn campaign_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    if user.role == Role::Board {
        return Err(AppError::Forbidden);
    }
    show(&state, s, &user, id, vec![], vec![]).await
}

#[derive(Template)]
#[template(path = "campaigns/rule_set.html")]
struct RuleSetPage {
    s: Shell,
    c: CampaignRow,
    /// The rule set as JSON, indented, or the text just sent back with its errors.
    json: String,
    errors: Vec<String>,
    /// Only a draft's rule set may change.
    editable: bool,
    saved: bool,
}

#[derive(Deserialize)]
struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn rule_set_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Query(q): Query<SavedQuery>,
) -> Result<impl IntoResponse, AppError> {
    let c = service::managed_campaign(&state, &user, id).await?;
    let units = org_units::store::names(&state.db).await?;
    render(RuleSetPage {
        s,
        json: rules::pretty(&c.rule_set),
        editable: c.status == "draft",
        c: campaign_row(&c, &units, state.config.utc_offset_minutes),
        errors: vec![],
        saved: q.saved.is_some(),
    })
}

#[derive(Deserialize)]
struct RuleSetForm {
    rule_set: String,
}

/// The rule set edited as JSON text; a text that is not JSON, or a rule set
/// that fails the checks, comes back with every problem listed beside it.
async fn save_rule_set(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(form): Form<RuleSetForm>,
) -> Result<Response, AppError> {
    let result = match serde_json::from_str::<serde_json::Value>(&form.rule_set) {
        Ok(value) => service::edit_rule_set(&state, &user, id, &value).await,
        Err(e) => Err(AppError::invalid(
            "rule_set",
            Text::key("campaigns.rule_set_not_json")
                .with("line", e.line())
                .with("column", e.column()),
        )),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/campaigns/{id}/rule-set?saved=1")).into_response()),
        Err(e) => {
            let errors = e.into_form_messages(s.tr.0)?;
            let c = service::managed_campaign(&state, &user, id).await?;
            let units = org_units::store::names(&state.db).await?;
            let editable = c.status == "draft";
            let page = RuleSetPage {
                s,
                // A locked rule set is shown as it is, not as the refused edit.
                json: if editable {
                    form.rule_set
                } else {
                    rules::pretty(&c.rule_set)
                },
                editable,
                c: campaign_row(&c, &units, state.config.utc_offset_minutes),
                errors,
                saved: false,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(page)?).into_response())
        }
    }
}

async fn publish(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    service::publish_campaign(&state, &user, id).await?;
    Ok(Redirect::to(&format!("/campaigns/{id}")).into_response())
}

/// The application form: repeated `priority` and `exemption` checkboxes, and a
/// `claim_document.<code>` field beside each category.
async fn apply(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    form: FormFields,
) -> Result<Response, AppError> {
    let text = |name: &str| Some(form.get(name).unwrap_or_default().to_owned());
    let input = ApplicationInput {
        // None chosen: the service answers that the position is not one of
        // this campaign's.
        position_id: form
            .get("position_id")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        // A ticked category carries the document typed beside it.
        priority_claims: form
            .all("priority")
            .into_iter()
            .map(|code| PriorityClaim {
                document_ref: form
                    .get(&format!("claim_document.{code}"))
                    .unwrap_or_default()
                    .to_owned(),
                code,
            })
            .collect(),
        exemptions: form.all("exemption"),
        document_ref: text("document_ref"),
    };
    match service::apply(&state, &user, id, &input).await {
        Ok(_) => Ok(Redirect::to("/my/applications").into_response()),
        Err(e) => {
            let errors = e.into_form_messages(s.tr.0)?;
            show(&state, s, &user, id, errors, vec![]).await
        }
    }
}

#[derive(Template)]
#[template(path = "campaigns/applications.html")]
struct ApplicationsPage {
    s: Shell,
    campaign_id: i32,
    title: String,
    rows: Vec<ApplicationRow>,
    positions: Vec<position::Model>,
    filter: ApplicationFilter,
    total: u64,
    page: u64,
    pages: u64,
    statuses: [ApplicationStatus; 4],
    /// Per application: what it claims, read once (a claim that does not read
    /// stops the page rather than showing none).
    claims: std::collections::HashMap<i32, Claimed>,
}

#[derive(Default)]
struct Claimed {
    priority: Vec<PriorityClaim>,
    exemptions: Vec<String>,
}

impl ApplicationsPage {
    fn claimed(&self, id: &i32) -> Option<&Claimed> {
        self.claims.get(id)
    }

    fn position_title(&self, id: &i32) -> String {
        self.positions
            .iter()
            .find(|p| p.id == *id)
            .map(|p| p.title.clone())
            .unwrap_or_default()
    }

    fn status_key(&self, status: &str) -> &'static str {
        ApplicationStatus::parse(status)
            .map(|s| s.label_key())
            .unwrap_or("applications.status_submitted")
    }

    fn is_position(&self, id: &i32) -> bool {
        self.filter.position_id == Some(*id)
    }

    /// This page's own query, for forms that come back here.
    fn here(&self) -> String {
        self.query_for(self.page)
    }

    fn query_for(&self, page: u64) -> String {
        serde_urlencoded::to_string([
            ("status", self.filter.status.clone().unwrap_or_default()),
            (
                "position_id",
                self.filter
                    .position_id
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
            ),
            ("q", self.filter.q.clone().unwrap_or_default()),
            ("page", page.to_string()),
        ])
        .unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
struct RawFilter {
    status: Option<String>,
    position_id: Option<String>,
    q: Option<String>,
    #[serde(default, deserialize_with = "crate::web::extract::page")]
    page: Option<u64>,
}

impl RawFilter {
    /// An empty `<select>` sends `position_id=`; treat it as no filter.
    fn into_filter(self) -> ApplicationFilter {
        ApplicationFilter {
            status: self.status.filter(|s| !s.is_empty()),
            position_id: self.position_id.and_then(|p| p.parse().ok()),
            q: self.q.filter(|s| !s.is_empty()),
            page: self.page,
        }
    }
}

async fn applications_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Query(raw): Query<RawFilter>,
) -> Result<impl IntoResponse, AppError> {
    let c = service::managed_campaign(&state, &user, id).await?;
    let filter = raw.into_filter();
    let (rows, total) = store::list_applications(&state.db, c.id, &filter, true).await?;
    let positions = store::positions(&state.db, c.id).await?;
    let page = filter.page.unwrap_or(1).max(1);
    let claims = rows
        .iter()
        .map(|r| {
            let a = &r.application;
            Ok((
                a.id,
                Claimed {
                    priority: a.priority_claims()?,
                    exemptions: a
                        .exempt_sections()?
                        .iter()
                        .map(super::domain::section_key)
                        .collect(),
                },
            ))
        })
        .collect::<Result<_, sea_orm::DbErr>>()?;
    render(ApplicationsPage {
        claims,
        s,
        campaign_id: c.id,
        title: c.title,
        rows,
        positions,
        total,
        page,
        pages: total.div_ceil(store::PAGE_SIZE).max(1),
        filter,
        statuses: ApplicationStatus::ALL,
    })
}

#[derive(Deserialize)]
struct DecisionForm {
    decision: String,
    #[serde(default)]
    reason: String,
    back: Option<String>,
}

async fn decide(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let decision = match form.decision.as_str() {
        "approve" => Decision::Approve,
        _ => Decision::Reject {
            reason: form.reason,
        },
    };
    service::decide(&state, &user, id, &decision).await?;
    Ok(Redirect::to(&crate::web::page::safe_next(form.back.as_deref())).into_response())
}

#[derive(Deserialize)]
struct ExtraTimeForm {
    extra_minutes: String,
    back: Option<String>,
}

async fn extra_time(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(form): Form<ExtraTimeForm>,
) -> Result<Response, AppError> {
    let minutes = form.extra_minutes.trim().parse().map_err(|_| {
        AppError::invalid(
            "extra_minutes",
            Text::key("applications.bad_extra_minutes")
                .with("max", super::domain::MAX_EXTRA_MINUTES),
        )
    })?;
    service::set_extra_minutes(&state, &user, id, minutes).await?;
    Ok(Redirect::to(&crate::web::page::safe_next(form.back.as_deref())).into_response())
}

async fn export_csv(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    let c = service::managed_campaign(&state, &user, id).await?;
    let (rows, _) =
        store::list_applications(&state.db, c.id, &ApplicationFilter::default(), false).await?;
    let positions = store::positions(&state.db, c.id).await?;
    let body = import::export_csv(&rows, &positions)
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"applications-{}.csv\"", c.id),
            ),
        ],
        body,
    )
        .into_response())
}

async fn template_csv(AuthUser(user): AuthUser) -> Result<Response, AppError> {
    user.require(&[Role::Personnel, Role::Admin])?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"applicants-template.csv\"",
            ),
        ],
        import::TEMPLATE_CSV,
    )
        .into_response())
}

async fn import_applicants(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let c = service::managed_campaign(&state, &user, id).await?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::bad_request(Text::key("error.bad_form").with("detail", e)))?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("upload.csv").to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::bad_request(Text::key("error.too_large")))?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let message = s.tr.t("applications.import_no_file");
        return show(&state, s, &user, c.id, vec![message], vec![]).await;
    };
    match import::import(&state, &user, &c, &name, &bytes).await {
        Ok(issued) => show(&state, s, &user, c.id, vec![], issued).await,
        Err(AppError::Invalid(problems)) => {
            let errors = problems
                .into_iter()
                .map(|p| p.text.render(s.tr.0))
                .collect();
            show(&state, s, &user, c.id, errors, vec![]).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "campaigns/mine.html")]
struct MinePage {
    s: Shell,
    rows: Vec<(application::Model, String, String)>,
}

impl MinePage {
    fn status_key(&self, status: &str) -> &'static str {
        ApplicationStatus::parse(status)
            .map(|s| s.label_key())
            .unwrap_or("applications.status_submitted")
    }
}

async fn my_applications(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
) -> Result<impl IntoResponse, AppError> {
    user.require(&[Role::Candidate])?;
    let mut rows = Vec::new();
    for a in store::applications_of_candidate(&state.db, user.id).await? {
        let title = store::find_campaign(&state.db, a.campaign_id)
            .await?
            .map(|c| c.title)
            .unwrap_or_default();
        let position = store::find_position(&state.db, a.position_id)
            .await?
            .map(|p| p.title)
            .unwrap_or_default();
        rows.push((a, title, position));
    }
    render(MinePage { s, rows })
}

/// The confirmation form: `gender_<application>` per winner to hire (left
/// empty: not hired now) and the hire date.
async fn confirm_hires(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    form: FormFields,
) -> Result<Response, AppError> {
    let hire_date = form.get("hire_date").unwrap_or_default().to_owned();
    let winners = form
        .with_prefix("gender_")
        .filter(|(_, gender)| !gender.is_empty())
        .filter_map(|(application, gender)| {
            Some(super::hires::Winner {
                application_id: application.parse().ok()?,
                gender: gender.to_owned(),
            })
        })
        .collect();
    match super::hires::confirm(
        &state,
        &user,
        id,
        &super::hires::Confirmation { winners, hire_date },
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/staff").into_response()),
        Err(e) => {
            let errors = e.into_form_messages(s.tr.0)?;
            show(&state, s, &user, id, errors, vec![]).await
        }
    }
}

/// The admission form: repeated `staff` checkboxes and the position.
async fn admit_staff(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    form: FormFields,
) -> Result<Response, AppError> {
    let position_id = form
        .get("position_id")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let staff_ids = form.all("staff");
    let admission = super::promotions::Admission {
        position_id,
        staff_ids,
    };
    match super::promotions::admit(&state, &user, id, &admission).await {
        Ok(admitted) => show_with(&state, s, &user, id, vec![], vec![], admitted).await,
        Err(e) => {
            let errors = e.into_form_messages(s.tr.0)?;
            show(&state, s, &user, id, errors, vec![]).await
        }
    }
}

/// The promotion form: repeated `application` checkboxes and the date.
async fn confirm_promotions(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    form: FormFields,
) -> Result<Response, AppError> {
    let effective_date = form.get("effective_date").unwrap_or_default().to_owned();
    let application_ids = form.all("application");
    let confirmation = super::promotions::PromotionConfirmation {
        application_ids,
        effective_date,
    };
    match super::promotions::confirm(&state, &user, id, &confirmation).await {
        Ok(_) => Ok(Redirect::to(&format!("/campaigns/{id}")).into_response()),
        Err(e) => {
            let errors = e.into_form_messages(s.tr.0)?;
            show(&state, s, &user, id, errors, vec![]).await
        }
    }
}
