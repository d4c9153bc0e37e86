//! HTML pages for streamlining plans and the workforce dashboard. Thin: the
//! checks live in `service.rs`, shared with the JSON API.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::chart::{self, Labels};
use super::domain::{Action, Payout};
use super::service::{self, NewPlan, NewProposal, PlanView, Target, UnitDashboard};
use super::store;
use crate::org_units;
use crate::staff::domain::format_vnd;
use crate::staff::scope::{self, Scope};
use crate::staff::service::{StaffView, parse_date};
use crate::staff::store as staff_store;
use crate::state::AppState;
use crate::web::i18n::{Text, Tr};
use crate::web::{AppError, AuthUser, CurrentUser, Form, Page, Shell, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/plans", get(list_page).post(create_form))
        .route("/plans/{id}", get(detail_page))
        .route("/plans/{id}/targets", post(target_form))
        .route("/plans/{id}/people", post(propose_form))
        .route("/plans/{id}/people/{person}/withdraw", post(withdraw_form))
        .route("/plans/{id}/workflow", post(workflow_form))
        .route("/plans/{id}/carry-out", post(carry_out_form))
        .route("/staff/dashboard", get(dashboard_page))
}

#[derive(Template)]
#[template(path = "plans/list.html")]
struct ListPage {
    s: Shell,
    plans: Vec<(i32, String, String, i32, i32, String)>,
    units: Vec<(i32, String)>,
    errors: Vec<String>,
}

async fn list_with(
    state: &AppState,
    s: Shell,
    scope: &Scope,
    errors: Vec<String>,
) -> Result<ListPage, AppError> {
    let names = org_units::store::names(&state.db).await?;
    let plans = store::list(&state.db, scope.units())
        .await?
        .into_iter()
        .map(|p| {
            (
                p.id,
                p.title,
                names.get(&p.org_unit_id).cloned().unwrap_or_default(),
                p.first_year,
                p.last_year,
                p.status,
            )
        })
        .collect();
    let units = org_units::store::options(&state.db)
        .await?
        .into_iter()
        .filter(|(id, _)| scope.contains(*id))
        .collect();
    Ok(ListPage {
        s,
        plans,
        units,
        errors,
    })
}

async fn list_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
) -> Result<impl IntoResponse, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    render(list_with(&state, s, &scope, vec![]).await?)
}

#[derive(Deserialize, Default)]
struct PlanForm {
    #[serde(default)]
    org_unit_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    first_year: String,
    #[serde(default)]
    last_year: String,
    #[serde(default)]
    target_kind: String,
    #[serde(default)]
    cap_ratio_pct: String,
}

fn invalid_page(e: &AppError) -> bool {
    matches!(e, AppError::Invalid(_) | AppError::Conflict(_))
}

async fn create_form(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Form(f): Form<PlanForm>,
) -> Result<Response, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let owner: i32 = f.org_unit_id.parse().unwrap_or(0);
    // The plan covers the owner unit and every unit under it that the user sees.
    let unit_ids = org_units::store::subtree_of(&state.db, owner)
        .await?
        .into_iter()
        .filter(|u| scope.contains(*u))
        .collect();
    let n = NewPlan {
        org_unit_id: owner,
        title: f.title,
        first_year: f.first_year.trim().parse().unwrap_or(0),
        last_year: f.last_year.trim().parse().unwrap_or(0),
        unit_ids,
        target_kind: f.target_kind,
        cap_ratio_pct: f.cap_ratio_pct.trim().parse().ok(),
        payout_rule: None,
    };
    match service::create(&state, &user.actor(), &scope, &n).await {
        Ok(p) => Ok(Redirect::to(&format!("/plans/{}", p.id)).into_response()),
        Err(e) if invalid_page(&e) => {
            let errors = e.messages(s.tr.0);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(list_with(&state, s, &scope, errors).await?)?,
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "plans/detail.html")]
struct DetailPage {
    s: Shell,
    p: PlanView,
    chart: String,
    candidates: Vec<StaffView>,
    can_edit: bool,
    can_approve: bool,
    can_carry_out: bool,
    years: Vec<i32>,
    errors: Vec<String>,
}

impl DetailPage {
    fn vnd(&self, v: &i64) -> String {
        format_vnd(*v)
    }
    fn unit_name(&self, id: &Option<i32>) -> String {
        id.and_then(|id| self.p.units.iter().find(|u| u.org_unit_id == id))
            .map(|u| u.unit_name.clone())
            .unwrap_or_else(|| self.s.tr.t("plans.whole_plan"))
    }
    fn target_of(&self, unit: &i32, year: &i32) -> String {
        self.p
            .targets
            .iter()
            .find(|t| t.org_unit_id == *unit && t.year == *year)
            .map(|t| {
                if self.p.target_kind == "percent" {
                    format!("{}.{:02}%", t.amount / 100, t.amount % 100)
                } else {
                    t.amount.to_string()
                }
            })
            .unwrap_or_default()
    }
    fn payout(&self, p: &Payout) -> String {
        payout_text(&self.s.tr, p)
    }
}

fn payout_text(tr: &Tr, p: &Payout) -> String {
    match p {
        Payout::Estimate {
            months_tenths,
            amount_vnd,
        } => Text::key("plans.payout_estimate")
            .with(
                "months",
                format!("{}.{}", months_tenths / 10, months_tenths % 10),
            )
            .with("amount", format_vnd(*amount_vnd))
            .render(tr.0),
        Payout::OutsideWindow { months_early } => Text::key("plans.payout_outside")
            .with("months", months_early)
            .render(tr.0),
        Payout::NotEstimated => tr.t("plans.payout_none"),
    }
}

async fn detail_with(
    state: &AppState,
    s: Shell,
    user: &CurrentUser,
    id: i32,
    errors: Vec<String>,
) -> Result<DetailPage, AppError> {
    let scope = scope::of(&state.db, user).await?;
    let plan = service::visible(state, &scope, id).await?;
    let p = service::view(state, &plan).await?;
    let labels = Labels {
        title: format!("{} — {}", s.tr.t("plans.projection"), p.title),
        streamlined: s.tr.t("plans.streamlined"),
        retired: s.tr.t("plans.retired"),
        cap: s.tr.t("plans.cap"),
        headcount: s.tr.t("plans.headcount_end"),
        target: s.tr.t("plans.target_headcount"),
        quota: s.tr.t("plans.quota"),
    };
    let chart = chart::svg(&p.totals, &labels);
    let lk = crate::staff::service::Lookups::load(&state.db, state.now_ms()).await?;
    let proposed: Vec<i32> = p.people.iter().map(|x| x.staff_id).collect();
    let candidates = staff_store::list(
        &state.db,
        &staff_store::StaffFilter {
            units: Some(p.units.iter().map(|u| u.org_unit_id).collect()),
            status: Some("active".into()),
            ..Default::default()
        },
    )
    .await?
    .iter()
    .filter(|x| !proposed.contains(&x.id))
    .map(|x| crate::staff::service::view(x, &lk, &scope))
    .collect();
    let status = p.status.clone();
    Ok(DetailPage {
        can_edit: status == "draft",
        can_approve: status == "submitted" && service::may_approve(state, user, &plan).await?,
        can_carry_out: status == "approved",
        years: (p.first_year..=p.last_year).collect(),
        s,
        p,
        chart,
        candidates,
        errors,
    })
}

async fn detail_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<impl IntoResponse, AppError> {
    render(detail_with(&state, s, &user, id, vec![]).await?)
}

async fn after(
    state: &AppState,
    s: Shell,
    user: &CurrentUser,
    id: i32,
    r: Result<(), AppError>,
) -> Result<Response, AppError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/plans/{id}")).into_response()),
        Err(e) if invalid_page(&e) => {
            let errors = e.messages(s.tr.0);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(detail_with(state, s, user, id, errors).await?)?,
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
struct TargetForm {
    #[serde(default)]
    org_unit_id: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    amount: String,
}

/// Sets one unit-year target, keeping the others.
async fn target_form(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(f): Form<TargetForm>,
) -> Result<Response, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let plan = service::visible(&state, &scope, id).await?;
    let unit: i32 = f.org_unit_id.parse().unwrap_or(0);
    let year: i32 = f.year.trim().parse().unwrap_or(0);
    // Percent targets are typed as percent (1.5) and stored in hundredths.
    let amount = if plan.target_kind == "percent" {
        crate::staff::domain::parse_coefficient(&f.amount).unwrap_or(-1)
    } else {
        f.amount.trim().parse().unwrap_or(-1)
    };
    let mut targets: Vec<Target> = store::targets(&state.db, id)
        .await?
        .into_iter()
        .filter(|t| !(t.org_unit_id == unit && t.year == year))
        .map(|t| Target {
            org_unit_id: t.org_unit_id,
            year: t.year,
            amount: t.amount,
        })
        .collect();
    targets.push(Target {
        org_unit_id: unit,
        year,
        amount,
    });
    let r = service::set_targets(&state, &user.actor(), &scope, id, &targets).await;
    after(&state, s, &user, id, r).await
}

#[derive(Deserialize, Default)]
struct ProposalForm {
    #[serde(default)]
    staff_id: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    exit_route: String,
    #[serde(default)]
    volunteer: Option<String>,
    #[serde(default)]
    pregnant: Option<String>,
    #[serde(default)]
    youngest_child_birth: String,
    #[serde(default)]
    note: String,
}

async fn propose_form(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(f): Form<ProposalForm>,
) -> Result<Response, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let n = NewProposal {
        staff_id: f.staff_id.parse().unwrap_or(0),
        year: f.year.trim().parse().unwrap_or(0),
        category: f.category,
        exit_route: f.exit_route,
        volunteer: f.volunteer.is_some(),
        pregnant: f.pregnant.is_some(),
        youngest_child_birth: Some(f.youngest_child_birth),
        note: f.note,
    };
    let r = service::propose(&state, &user.actor(), &scope, id, &n)
        .await
        .map(|_| ());
    after(&state, s, &user, id, r).await
}

async fn withdraw_form(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path((id, person)): Path<(i32, i32)>,
) -> Result<Response, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let r = service::withdraw(&state, &user.actor(), &scope, id, person).await;
    after(&state, s, &user, id, r).await
}

#[derive(Deserialize, Default)]
struct WorkflowForm {
    action: String,
    #[serde(default)]
    note: String,
}

async fn workflow_form(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(f): Form<WorkflowForm>,
) -> Result<Response, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let action = match f.action.as_str() {
        "submit" => Action::Submit,
        "approve" => Action::Approve,
        "return" if !f.note.trim().is_empty() => Action::Return,
        "return" => {
            return after(
                &state,
                s,
                &user,
                id,
                Err(AppError::invalid(
                    "note",
                    Text::key("plans.reason_required"),
                )),
            )
            .await;
        }
        _ => return Err(AppError::bad_request(Text::key("plans.bad_transition"))),
    };
    let r = service::act(&state, &user, &scope, id, action, &f.note)
        .await
        .map(|_| ());
    after(&state, s, &user, id, r).await
}

#[derive(Deserialize, Default)]
struct CarryOutForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    effective_date: String,
}

async fn carry_out_form(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(f): Form<CarryOutForm>,
) -> Result<Response, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    let r = match parse_date(&f.effective_date) {
        None => Err(AppError::invalid(
            "effective_date",
            Text::key("staff.bad_date"),
        )),
        Some(d) => service::carry_out(
            &state,
            &user,
            &scope,
            id,
            f.year.trim().parse().unwrap_or(0),
            d,
        )
        .await
        .map(|_| ()),
    };
    after(&state, s, &user, id, r).await
}

#[derive(Template)]
#[template(path = "plans/dashboard.html")]
struct DashboardPage {
    s: Shell,
    units: Vec<UnitDashboard>,
}

async fn dashboard_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
) -> Result<impl IntoResponse, AppError> {
    let scope = scope::of(&state.db, &user).await?;
    render(DashboardPage {
        s,
        units: service::dashboard(&state, &scope).await?,
    })
}
