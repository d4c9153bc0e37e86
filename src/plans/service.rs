//! Plan operations with their checks and audit entries, the projection as the
//! store sees it, and the two functions the campaign feature calls:
//! [`recruitment_cap`] and [`crate::staff::store::vacancies`].

use crate::db::BeginWrite;
use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, DbErr, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::domain::{
    self, Action, Category, ExclusionFacts, ExitRoute, Payout, PayoutRule, PlanStatus,
    ProjectionInput, ProjectionRow, TargetKind, UnitBaseline,
};
use super::entity::{plan, plan_person};
use super::store;
use crate::audit::{self, Actor, Entry};
use crate::org_units;
use crate::staff::domain::{
    EventKind, Gender, LeaveKind, base_salary_on, monthly_pay, retirement_date, whole_months,
    whole_years,
};
use crate::staff::entity::staff;
use crate::staff::scope::Scope;
use crate::staff::service::{parse_date, today};
use crate::staff::store as staff_store;
use crate::state::AppState;
use crate::web::error::FieldError;
use crate::web::i18n::Text;
use crate::web::{AppError, CurrentUser};

/// The coefficient a projected hire is paid at: the first step of A1.
pub const HIRE_COEFFICIENT: i32 = 234;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewPlan {
    /// The unit that owns the plan; its personnel submit it.
    pub org_unit_id: i32,
    pub title: String,
    pub first_year: i32,
    pub last_year: i32,
    /// Units covered: the owner and units under it.
    pub unit_ids: Vec<i32>,
    /// `percent` (targets in hundredths of a percent) or `count`.
    pub target_kind: String,
    /// Percent of departures that may be replaced; 50 when empty.
    #[serde(default)]
    pub cap_ratio_pct: Option<i32>,
    #[serde(default)]
    pub payout_rule: Option<PayoutRule>,
}

fn invalid(field: &'static str, key: &'static str) -> AppError {
    AppError::invalid(field, Text::key(key))
}

async fn snapshot(db: &impl ConnectionTrait, unit_id: i32) -> Result<(i32, i32, i64), DbErr> {
    let filter = staff_store::StaffFilter {
        units: Some(vec![unit_id]),
        status: Some("active".into()),
        ..Default::default()
    };
    let people = staff_store::list(db, &filter).await?;
    let quota = staff_store::positions(db, Some(&[unit_id]))
        .await?
        .iter()
        .map(|p| p.headcount)
        .sum();
    Ok((
        people.len() as i32,
        quota,
        people.iter().map(|p| i64::from(p.coefficient)).sum(),
    ))
}

pub async fn create(
    state: &AppState,
    actor: &Actor,
    scope: &Scope,
    n: &NewPlan,
) -> Result<plan::Model, AppError> {
    let mut errors = Vec::new();
    let all_units = org_units::store::all(&state.db).await?;
    let owner_subtree = org_units::domain::subtree(&all_units, n.org_unit_id);
    if !scope.contains(n.org_unit_id) || !all_units.iter().any(|u| u.id == n.org_unit_id) {
        errors.push(FieldError::new(
            "org_unit_id",
            Text::key("staff.unit_out_of_scope"),
        ));
    }
    let title = n.title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() || title.chars().count() > 200 {
        errors.push(FieldError::new("title", Text::key("plans.bad_title")));
    }
    if !(2000..=2100).contains(&n.first_year)
        || n.last_year < n.first_year
        || n.last_year - n.first_year > 9
    {
        errors.push(FieldError::new("last_year", Text::key("plans.bad_years")));
    }
    let mut unit_ids = n.unit_ids.clone();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    if unit_ids.is_empty()
        || unit_ids
            .iter()
            .any(|u| !owner_subtree.contains(u) || !scope.contains(*u))
    {
        errors.push(FieldError::new("unit_ids", Text::key("plans.bad_units")));
    }
    let kind = TargetKind::parse(&n.target_kind);
    if kind.is_none() {
        errors.push(FieldError::new(
            "target_kind",
            Text::key("plans.bad_target_kind"),
        ));
    }
    let cap = n.cap_ratio_pct.unwrap_or(50);
    if !(0..=100).contains(&cap) {
        errors.push(FieldError::new("cap_ratio_pct", Text::key("plans.bad_cap")));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let rule = n.payout_rule.unwrap_or_default();
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    let m = plan::ActiveModel {
        org_unit_id: Set(n.org_unit_id),
        title: Set(title.clone()),
        first_year: Set(n.first_year),
        last_year: Set(n.last_year),
        status: Set(PlanStatus::Draft.as_str().to_owned()),
        target_kind: Set(kind.map(TargetKind::as_str).unwrap_or("percent").to_owned()),
        cap_ratio_pct: Set(cap),
        payout_rule: Set(serde_json::to_string(&rule).map_err(|e| AppError::Internal(e.into()))?),
        created_by: Set(actor.name.clone()),
        created_ms: Set(now),
        review_note: Set(String::new()),
        ..Default::default()
    };
    let m = sea_orm::ActiveModelTrait::insert(m, &txn).await?;
    for u in &unit_ids {
        let (headcount, quota, coefficients) = snapshot(&txn, *u).await?;
        store::insert_unit(&txn, m.id, *u, headcount, quota, coefficients).await?;
    }
    audit::record(
        &txn,
        now,
        actor,
        Entry::new("plan_created", format!("plan {} {title}", m.id)).detail(format!(
            "units {unit_ids:?}, {}–{}, cap {cap}%",
            n.first_year, n.last_year
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

/// A plan the user may see, or 404 (never 403, so ids of other units' plans
/// are not confirmed).
pub async fn visible(state: &AppState, scope: &Scope, id: i32) -> Result<plan::Model, AppError> {
    store::find(&state.db, id)
        .await?
        .filter(|p| scope.contains(p.org_unit_id))
        .ok_or(AppError::NotFound)
}

fn status_of(p: &plan::Model) -> Result<PlanStatus, AppError> {
    PlanStatus::parse(&p.status).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "plan {} has unknown status {}",
            p.id,
            p.status
        ))
    })
}

fn require_draft(p: &plan::Model) -> Result<(), AppError> {
    if domain::editable(status_of(p)?) {
        Ok(())
    } else {
        Err(AppError::Conflict(FieldError {
            field: None,
            text: Text::key("plans.not_draft"),
        }))
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct Target {
    pub org_unit_id: i32,
    pub year: i32,
    /// Hundredths of a percent (150 = 1.5%) or a number of people, as the plan's target kind says.
    pub amount: i32,
}

pub async fn set_targets(
    state: &AppState,
    actor: &Actor,
    scope: &Scope,
    id: i32,
    targets: &[Target],
) -> Result<(), AppError> {
    let p = visible(state, scope, id).await?;
    require_draft(&p)?;
    let units: Vec<i32> = store::units(&state.db, id)
        .await?
        .iter()
        .map(|u| u.org_unit_id)
        .collect();
    let mut rows = Vec::new();
    for t in targets {
        if !units.contains(&t.org_unit_id) {
            return Err(invalid("org_unit_id", "plans.bad_units"));
        }
        if !(p.first_year..=p.last_year).contains(&t.year) {
            return Err(invalid("year", "plans.year_outside"));
        }
        if !(0..=10_000).contains(&t.amount) {
            return Err(invalid("amount", "plans.bad_amount"));
        }
        rows.push((t.org_unit_id, t.year, t.amount));
    }
    rows.sort_unstable();
    rows.dedup_by_key(|r| (r.0, r.1));
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    store::replace_targets(&txn, id, &rows).await?;
    audit::record(
        &txn,
        now,
        actor,
        Entry::new("plan_targets_set", format!("plan {id}")).detail(format!("{rows:?}")),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct NewProposal {
    pub staff_id: i32,
    pub year: i32,
    /// `reorganisation`, `unqualified`, `low_appraisal`, `long_sick_leave`, `other`.
    pub category: String,
    /// `early_retirement` or `resignation`.
    pub exit_route: String,
    #[serde(default)]
    pub volunteer: bool,
    #[serde(default)]
    pub pregnant: bool,
    /// YYYY-MM-DD, when raising young children.
    #[serde(default)]
    pub youngest_child_birth: Option<String>,
    #[serde(default)]
    pub note: String,
}

pub async fn propose(
    state: &AppState,
    actor: &Actor,
    scope: &Scope,
    id: i32,
    n: &NewProposal,
) -> Result<plan_person::Model, AppError> {
    let p = visible(state, scope, id).await?;
    require_draft(&p)?;
    let s = staff_store::find(&state.db, n.staff_id)
        .await?
        .filter(|s| scope.contains(s.org_unit_id))
        .ok_or_else(|| invalid("staff_id", "plans.no_such_staff"))?;
    let units: Vec<i32> = store::units(&state.db, id)
        .await?
        .iter()
        .map(|u| u.org_unit_id)
        .collect();
    if !units.contains(&s.org_unit_id) {
        return Err(invalid("staff_id", "plans.staff_not_in_plan_units"));
    }
    if s.status != "active" {
        return Err(invalid("staff_id", "plans.staff_not_active"));
    }
    if !(p.first_year..=p.last_year).contains(&n.year) {
        return Err(invalid("year", "plans.year_outside"));
    }
    let category =
        Category::parse(&n.category).ok_or_else(|| invalid("category", "plans.bad_category"))?;
    let route =
        ExitRoute::parse(&n.exit_route).ok_or_else(|| invalid("exit_route", "plans.bad_route"))?;
    let child = match n
        .youngest_child_birth
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => None,
        Some(raw) => {
            Some(parse_date(raw).ok_or_else(|| invalid("youngest_child_birth", "staff.bad_date"))?)
        }
    };
    let day = today(state.now_ms());
    let facts = ExclusionFacts {
        under_disciplinary_review: s.under_review,
        pregnant: n.pregnant,
        on_maternity_leave: s.leave_kind.as_deref() == Some(LeaveKind::Maternity.as_str())
            && s.leave_until.is_some_and(|u| day < u),
        youngest_child_birth: child,
        volunteer: n.volunteer,
    };
    if let Some(ex) = domain::exclusion(&facts, day) {
        return Err(AppError::invalid("staff_id", Text::key(ex.key())));
    }
    if store::people(&state.db, id)
        .await?
        .iter()
        .any(|x| x.staff_id == s.id)
    {
        return Err(invalid("staff_id", "plans.already_proposed"));
    }
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    let m = store::insert_person(
        &txn,
        plan_person::ActiveModel {
            plan_id: Set(id),
            staff_id: Set(s.id),
            org_unit_id: Set(s.org_unit_id),
            year: Set(n.year),
            category: Set(category.as_str().to_owned()),
            exit_route: Set(route.as_str().to_owned()),
            volunteer: Set(n.volunteer),
            pregnant: Set(n.pregnant),
            youngest_child_birth: Set(child),
            note: Set(n.note.trim().chars().take(2000).collect()),
            created_ms: Set(now),
            ..Default::default()
        },
    )
    .await?;
    audit::record(
        &txn,
        now,
        actor,
        Entry::new(
            "plan_person_proposed",
            format!("plan {id} staff {} {}", s.id, s.full_name),
        )
        .detail(format!(
            "{} {} in {}",
            category.as_str(),
            route.as_str(),
            n.year
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

pub async fn withdraw(
    state: &AppState,
    actor: &Actor,
    scope: &Scope,
    id: i32,
    person_id: i32,
) -> Result<(), AppError> {
    let p = visible(state, scope, id).await?;
    require_draft(&p)?;
    let person = store::people(&state.db, id)
        .await?
        .into_iter()
        .find(|x| x.id == person_id)
        .ok_or(AppError::NotFound)?;
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    store::delete_person(&txn, person_id).await?;
    audit::record(
        &txn,
        now,
        actor,
        Entry::new(
            "plan_person_withdrawn",
            format!("plan {id} staff {}", person.staff_id),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Units strictly above `unit`, nearest first.
async fn ancestors(db: &impl ConnectionTrait, unit: i32) -> Result<Vec<i32>, DbErr> {
    let all = org_units::store::all(db).await?;
    let parent: HashMap<i32, Option<i32>> = all.iter().map(|u| (u.id, u.parent_id)).collect();
    let mut out = Vec::new();
    let mut at = parent.get(&unit).copied().flatten();
    while let Some(u) = at {
        if out.contains(&u) {
            break; // a cycle would be a data error; stop rather than loop
        }
        out.push(u);
        at = parent.get(&u).copied().flatten();
    }
    Ok(out)
}

/// Whether this user may approve or return the plan: personnel of a unit
/// strictly above the plan's unit.
pub async fn may_approve(
    state: &AppState,
    user: &CurrentUser,
    p: &plan::Model,
) -> Result<bool, AppError> {
    if user.role != crate::accounts::domain::Role::Personnel {
        return Ok(false);
    }
    Ok(domain::may_approve(
        user.org_unit_id,
        &ancestors(&state.db, p.org_unit_id).await?,
    ))
}

pub async fn act(
    state: &AppState,
    user: &CurrentUser,
    scope: &Scope,
    id: i32,
    action: Action,
    note: &str,
) -> Result<plan::Model, AppError> {
    let mut p = visible(state, scope, id).await?;
    let next = domain::transition(status_of(&p)?, action).ok_or_else(|| {
        AppError::Conflict(FieldError {
            field: None,
            text: Text::key("plans.bad_transition"),
        })
    })?;
    match action {
        Action::Approve | Action::Return => {
            if !may_approve(state, user, &p).await? {
                return Err(AppError::Forbidden);
            }
        }
        Action::Submit => {
            if store::people(&state.db, id).await?.is_empty()
                && store::targets(&state.db, id).await?.is_empty()
            {
                return Err(AppError::Conflict(FieldError {
                    field: None,
                    text: Text::key("plans.empty_plan"),
                }));
            }
        }
        Action::CarryOut => {}
    }
    let now = state.now_ms();
    p.status = next.as_str().to_owned();
    match action {
        Action::Submit => p.submitted_ms = Some(now),
        Action::Approve => {
            p.approved_ms = Some(now);
            p.approved_by = Some(user.username.clone());
        }
        Action::Return => p.review_note = note.trim().chars().take(2000).collect(),
        Action::CarryOut => p.carried_out_ms = Some(now),
    }
    let name = match action {
        Action::Submit => "plan_submitted",
        Action::Approve => "plan_approved",
        Action::Return => "plan_returned",
        Action::CarryOut => "plan_carried_out",
    };
    let txn = state.db.begin_write().await?;
    store::save(&txn, p.clone()).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new(name, format!("plan {id} {}", p.title)).detail(note.trim().to_owned()),
    )
    .await?;
    txn.commit().await?;
    Ok(p)
}

/// Carries out the approved plan for one year: a streamlining event in each
/// proposed person's record, dated `effective`. When no one is left, the plan
/// is carried out.
pub async fn carry_out(
    state: &AppState,
    user: &CurrentUser,
    scope: &Scope,
    id: i32,
    year: i32,
    effective: NaiveDate,
) -> Result<usize, AppError> {
    let p = visible(state, scope, id).await?;
    if status_of(&p)? != PlanStatus::Approved {
        return Err(AppError::Conflict(FieldError {
            field: None,
            text: Text::key("plans.not_approved"),
        }));
    }
    let people = store::people(&state.db, id).await?;
    let due: Vec<&plan_person::Model> = people
        .iter()
        .filter(|x| x.year == year && x.carried_out_ms.is_none())
        .collect();
    let now = state.now_ms();
    let actor = user.actor();
    let txn = state.db.begin_write().await?;
    for person in &due {
        let event = crate::staff::domain::Event {
            effective,
            kind: EventKind::Streamlining {
                plan_id: Some(id),
                category: person.category.clone(),
                route: person.exit_route.clone(),
            },
        };
        staff_store::append_event(
            &txn,
            person.staff_id,
            &event,
            &format!("plan {id}"),
            &actor.name,
            now,
        )
        .await
        .map_err(|e| match e {
            staff_store::EventError::Db(db) => AppError::from(db),
            staff_store::EventError::Fold(f) => {
                AppError::invalid("year", Text::key("staff.event_conflict").with("detail", f))
            }
        })?;
        store::mark_carried(&txn, person.id, now).await?;
    }
    audit::record(
        &txn,
        now,
        &actor,
        Entry::new("plan_year_carried_out", format!("plan {id} year {year}"))
            .detail(format!("{} people, effective {effective}", due.len())),
    )
    .await?;
    let remaining = people.iter().filter(|x| x.carried_out_ms.is_none()).count() - due.len();
    if remaining == 0 {
        let mut done = p.clone();
        done.status = PlanStatus::CarriedOut.as_str().to_owned();
        done.carried_out_ms = Some(now);
        store::save(&txn, done).await?;
        audit::record(
            &txn,
            now,
            &actor,
            Entry::new("plan_carried_out", format!("plan {id} {}", p.title)),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(due.len())
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProposalView {
    pub id: i32,
    pub staff_id: i32,
    pub full_name: String,
    pub org_unit_id: i32,
    pub year: i32,
    pub category: String,
    pub exit_route: String,
    pub volunteer: bool,
    pub note: String,
    pub carried_out: bool,
    pub retirement_date: Option<NaiveDate>,
    pub monthly_pay_vnd: Option<i64>,
    pub payout: Payout,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanUnitView {
    pub org_unit_id: i32,
    pub unit_name: String,
    pub baseline_headcount: i32,
    pub baseline_quota: i32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanView {
    pub id: i32,
    pub org_unit_id: i32,
    pub unit_name: String,
    pub title: String,
    pub first_year: i32,
    pub last_year: i32,
    pub status: String,
    pub target_kind: String,
    pub cap_ratio_pct: i32,
    pub payout_rule: PayoutRule,
    pub created_by: String,
    pub approved_by: Option<String>,
    pub review_note: String,
    pub units: Vec<PlanUnitView>,
    pub targets: Vec<Target>,
    pub people: Vec<ProposalView>,
    /// Per unit and year.
    pub projection: Vec<ProjectionRow>,
    /// The whole plan, per year.
    pub totals: Vec<ProjectionRow>,
}

fn rule_of(p: &plan::Model) -> PayoutRule {
    serde_json::from_str(&p.payout_rule).unwrap_or_default()
}

/// The estimated payout for a proposal, from the person's record on the day
/// they would leave (1 July of the plan year).
pub fn payout_for(
    rule: &PayoutRule,
    s: &staff::Model,
    route: &str,
    year: i32,
    base: &[(NaiveDate, i64)],
) -> Payout {
    if route != ExitRoute::EarlyRetirement.as_str() {
        return Payout::NotEstimated;
    }
    let leave = NaiveDate::from_ymd_opt(year, 7, 1).unwrap_or(s.hire_date);
    let Some(retire) = Gender::parse(&s.gender).and_then(|g| retirement_date(g, s.date_of_birth))
    else {
        return Payout::NotEstimated;
    };
    let salary = base_salary_on(base, leave)
        .map(|b| monthly_pay(s.coefficient, b))
        .unwrap_or(0);
    // Years of social insurance: service since hire, the best the record knows.
    domain::early_retirement_payout(
        rule,
        salary,
        whole_months(leave, retire),
        whole_years(s.hire_date, leave),
    )
}

/// The plan's projection per unit and year, from its baseline, targets and
/// people and the staff records as they stand. Depends on nothing but the
/// database, so campaigns can call it through [`recruitment_cap`].
pub async fn projection(
    db: &impl ConnectionTrait,
    p: &plan::Model,
) -> Result<Vec<ProjectionRow>, DbErr> {
    let units = store::units(db, p.id).await?;
    let targets = store::targets(db, p.id).await?;
    let people = store::people(db, p.id).await?;
    let base = staff_store::base_table(db).await?;
    let staff_rows = staff_store::list(
        db,
        &staff_store::StaffFilter {
            units: Some(units.iter().map(|u| u.org_unit_id).collect()),
            ..Default::default()
        },
    )
    .await?;
    let proposed: HashMap<i32, i32> = people.iter().map(|x| (x.staff_id, x.year)).collect();
    let kind = TargetKind::parse(&p.target_kind).unwrap_or(TargetKind::Percent);
    let input = ProjectionInput {
        first_year: p.first_year,
        last_year: p.last_year,
        cap_ratio_pct: p.cap_ratio_pct,
        hire_coefficient: HIRE_COEFFICIENT,
        base_by_year: (p.first_year..=p.last_year)
            .filter_map(|y| {
                NaiveDate::from_ymd_opt(y, 12, 31)
                    .and_then(|d| base_salary_on(&base, d))
                    .map(|b| (y, b))
            })
            .collect(),
        units: units
            .iter()
            .map(|u| UnitBaseline {
                unit_id: u.org_unit_id,
                headcount: u.baseline_headcount,
                quota: u.baseline_quota,
                targets: targets
                    .iter()
                    .filter(|t| t.org_unit_id == u.org_unit_id)
                    .map(|t| {
                        (
                            t.year,
                            domain::target_count(kind, t.amount, u.baseline_headcount),
                        )
                    })
                    .collect::<BTreeMap<_, _>>(),
            })
            .collect(),
        // Active staff, and those this plan already streamlined (so carried-out
        // years still show their departures).
        people: staff_rows
            .iter()
            .filter(|s| {
                s.status == "active" || (s.status == "streamlined" && proposed.contains_key(&s.id))
            })
            .map(|s| domain::Projected {
                staff_id: s.id,
                unit_id: s.org_unit_id,
                coefficient: s.coefficient,
                retirement_year: Gender::parse(&s.gender)
                    .and_then(|g| retirement_date(g, s.date_of_birth))
                    .map(|d| d.year()),
                streamlined_in: proposed.get(&s.id).copied(),
            })
            .collect(),
    };
    let projection = domain::project(&input);
    Ok(projection)
}

pub async fn view(state: &AppState, p: &plan::Model) -> Result<PlanView, AppError> {
    let db = &state.db;
    let names = org_units::store::names(db).await?;
    let units = store::units(db, p.id).await?;
    let targets = store::targets(db, p.id).await?;
    let people = store::people(db, p.id).await?;
    let base = staff_store::base_table(db).await?;
    let rule = rule_of(p);
    let unit_ids: Vec<i32> = units.iter().map(|u| u.org_unit_id).collect();
    let staff_rows = staff_store::list(
        db,
        &staff_store::StaffFilter {
            units: Some(unit_ids.clone()),
            ..Default::default()
        },
    )
    .await?;
    let by_id: HashMap<i32, &staff::Model> = staff_rows.iter().map(|s| (s.id, s)).collect();
    let projection = projection(db, p).await?;
    let totals = domain::totals(&projection, p.cap_ratio_pct);
    let today_base = base_salary_on(&base, today(state.now_ms()));
    Ok(PlanView {
        id: p.id,
        org_unit_id: p.org_unit_id,
        unit_name: names.get(&p.org_unit_id).cloned().unwrap_or_default(),
        title: p.title.clone(),
        first_year: p.first_year,
        last_year: p.last_year,
        status: p.status.clone(),
        target_kind: p.target_kind.clone(),
        cap_ratio_pct: p.cap_ratio_pct,
        payout_rule: rule,
        created_by: p.created_by.clone(),
        approved_by: p.approved_by.clone(),
        review_note: p.review_note.clone(),
        units: units
            .iter()
            .map(|u| PlanUnitView {
                org_unit_id: u.org_unit_id,
                unit_name: names.get(&u.org_unit_id).cloned().unwrap_or_default(),
                baseline_headcount: u.baseline_headcount,
                baseline_quota: u.baseline_quota,
            })
            .collect(),
        targets: targets
            .iter()
            .map(|t| Target {
                org_unit_id: t.org_unit_id,
                year: t.year,
                amount: t.amount,
            })
            .collect(),
        people: people
            .iter()
            .filter_map(|x| {
                let s = by_id.get(&x.staff_id)?;
                Some(ProposalView {
                    id: x.id,
                    staff_id: x.staff_id,
                    full_name: s.full_name.clone(),
                    org_unit_id: x.org_unit_id,
                    year: x.year,
                    category: x.category.clone(),
                    exit_route: x.exit_route.clone(),
                    volunteer: x.volunteer,
                    note: x.note.clone(),
                    carried_out: x.carried_out_ms.is_some(),
                    retirement_date: Gender::parse(&s.gender)
                        .and_then(|g| retirement_date(g, s.date_of_birth)),
                    monthly_pay_vnd: today_base.map(|b| monthly_pay(s.coefficient, b)),
                    payout: payout_for(&rule, s, &x.exit_route, x.year, &base),
                })
            })
            .collect(),
        projection,
        totals,
    })
}

/// The recruitment cap of the approved plan covering a unit in a year, with the
/// unit's own figures beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlanCap {
    pub plan_id: i32,
    pub plan_title: String,
    pub cap_ratio_pct: i32,
    /// Departures (streamlining and retirement) of all the plan's units that year.
    pub plan_departures: i32,
    /// The cap that applies, to all the plan's units together: ratio × `plan_departures`.
    pub plan_cap: i32,
    pub unit_departures: i32,
    /// Ratio × `unit_departures`: the unit's own figure, for reference only.
    pub unit_cap: i32,
    /// The unit's share of `plan_cap` in the plan's projection.
    pub unit_hires: i32,
}

/// How many people may be hired in a year under the approved streamlining plan
/// that covers a unit: the plan's cap, the ratio × the departures (streamlining
/// and retirement) of all its units that year, shared by those units. `None` when
/// no approved plan covers the unit and year — the cap does not apply and only
/// vacancies limit hiring. Campaigns call this.
pub async fn recruitment_cap(
    db: &impl ConnectionTrait,
    unit_id: i32,
    year: i32,
) -> Result<Option<i32>, DbErr> {
    Ok(plan_cap(db, unit_id, year).await?.map(|c| c.plan_cap))
}

/// [`recruitment_cap`] with the plan it comes from and the unit's own figures.
pub async fn plan_cap(
    db: &impl ConnectionTrait,
    unit_id: i32,
    year: i32,
) -> Result<Option<PlanCap>, DbErr> {
    let covering = store::plans_covering(db, unit_id).await?;
    // The most recently approved plan wins.
    let Some(p) = covering
        .into_iter()
        .filter(|p| {
            matches!(
                PlanStatus::parse(&p.status),
                Some(PlanStatus::Approved | PlanStatus::CarriedOut)
            ) && (p.first_year..=p.last_year).contains(&year)
        })
        .max_by_key(|p| p.approved_ms.unwrap_or(0))
    else {
        return Ok(None);
    };
    let rows = projection(db, &p).await?;
    let Some(unit) = rows
        .iter()
        .find(|r| r.unit_id == Some(unit_id) && r.year == year)
    else {
        return Ok(None);
    };
    let plan_departures = rows
        .iter()
        .filter(|r| r.year == year)
        .map(|r| r.departures)
        .sum();
    Ok(Some(PlanCap {
        plan_id: p.id,
        plan_title: p.title.clone(),
        cap_ratio_pct: p.cap_ratio_pct,
        plan_departures,
        plan_cap: domain::recruitment_cap(p.cap_ratio_pct, plan_departures),
        unit_departures: unit.departures,
        unit_cap: unit.cap,
        unit_hires: unit.hires,
    }))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanProgress {
    pub plan_id: i32,
    pub title: String,
    pub status: String,
    pub proposed: i32,
    pub carried_out: i32,
    /// People to take out over the whole plan for this unit.
    pub target: i32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitDashboard {
    pub org_unit_id: i32,
    pub unit_name: String,
    pub depth: usize,
    pub headcount: i32,
    pub quota: i32,
    /// Open places summed over positions (overstaffed positions count 0).
    pub vacancies: i32,
    pub retiring_within_24_months: i32,
    pub plans: Vec<PlanProgress>,
}

pub async fn dashboard(state: &AppState, scope: &Scope) -> Result<Vec<UnitDashboard>, AppError> {
    let db = &state.db;
    let all = org_units::store::all(db).await?;
    let day = today(state.now_ms());
    let horizon = day
        .checked_add_months(chrono::Months::new(24))
        .unwrap_or(day);
    let staff_rows = staff_store::list(
        db,
        &staff_store::StaffFilter {
            units: scope.units().map(<[i32]>::to_vec),
            status: Some("active".into()),
            ..Default::default()
        },
    )
    .await?;
    let positions = staff_store::positions(db, scope.units()).await?;
    let in_post = staff_store::in_post_by_position(db, scope.units()).await?;
    let mut out = Vec::new();
    for placed in org_units::domain::depth_first(&all)
        .into_iter()
        .filter(|p| scope.contains(p.unit.id))
    {
        let u = placed.unit.id;
        let people: Vec<&staff::Model> = staff_rows.iter().filter(|s| s.org_unit_id == u).collect();
        let unit_positions: Vec<_> = positions.iter().filter(|p| p.org_unit_id == u).collect();
        let mut plans = Vec::new();
        for p in store::plans_covering(db, u).await? {
            let unit_row = store::units(db, p.id)
                .await?
                .into_iter()
                .find(|x| x.org_unit_id == u);
            let kind = TargetKind::parse(&p.target_kind).unwrap_or(TargetKind::Percent);
            let target = store::targets(db, p.id)
                .await?
                .iter()
                .filter(|t| t.org_unit_id == u)
                .map(|t| {
                    domain::target_count(
                        kind,
                        t.amount,
                        unit_row.as_ref().map_or(0, |r| r.baseline_headcount),
                    )
                })
                .sum();
            let ppl: Vec<_> = store::people(db, p.id)
                .await?
                .into_iter()
                .filter(|x| x.org_unit_id == u)
                .collect();
            plans.push(PlanProgress {
                plan_id: p.id,
                title: p.title.clone(),
                status: p.status.clone(),
                proposed: ppl.len() as i32,
                carried_out: ppl.iter().filter(|x| x.carried_out_ms.is_some()).count() as i32,
                target,
            });
        }
        out.push(UnitDashboard {
            org_unit_id: u,
            unit_name: placed.unit.name.clone(),
            depth: placed.depth,
            headcount: people.len() as i32,
            quota: unit_positions.iter().map(|p| p.headcount).sum(),
            vacancies: unit_positions
                .iter()
                .map(|p| (p.headcount - in_post.get(&p.id).copied().unwrap_or(0)).max(0))
                .sum(),
            retiring_within_24_months: people
                .iter()
                .filter(|s| {
                    Gender::parse(&s.gender)
                        .and_then(|g| retirement_date(g, s.date_of_birth))
                        .is_some_and(|r| r >= day && r <= horizon)
                })
                .count() as i32,
            plans,
        });
    }
    Ok(out)
}
