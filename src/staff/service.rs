//! Staff operations with their checks and audit entries; routes and the
//! importer call these, so the HTML page, the JSON API and imports apply the
//! same rules.

use crate::db::BeginWrite;
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::domain::{
    self, DisciplineStage, EmploymentType, Event, EventKind, Gender, LeaveKind, PositionGroup,
    Rating, Scale, StepOutlook,
};
use super::entity::{position, staff};
use super::scope::Scope;
use super::store::{self, EventError, Identity};
use crate::audit::{self, Actor, Entry};
use crate::org_units;
use crate::state::AppState;
use crate::web::AppError;
use crate::web::error::FieldError;
use crate::web::i18n::Text;

/// Today in Vietnam (UTC+7), from the injected clock.
pub fn today(now_ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(now_ms + 7 * 3_600_000)
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

/// Dates as people type them: `2024-07-01` or `01/07/2024`.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let s = raw.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

/// What a page or an API answer needs to name things.
pub struct Lookups {
    pub units: HashMap<i32, String>,
    pub positions: HashMap<i32, position::Model>,
    pub scales: HashMap<String, Scale>,
    pub base: Vec<(NaiveDate, i64)>,
    pub today: NaiveDate,
}

impl Lookups {
    pub async fn load(db: &impl ConnectionTrait, now_ms: i64) -> Result<Lookups, AppError> {
        Ok(Lookups {
            units: org_units::store::names(db).await?,
            positions: store::positions(db, None)
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect(),
            scales: store::scales(db)
                .await?
                .into_iter()
                .map(|s| (s.code.clone(), s))
                .collect(),
            base: store::base_table(db).await?,
            today: today(now_ms),
        })
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PositionView {
    pub id: i32,
    pub org_unit_id: i32,
    pub unit_name: String,
    pub title: String,
    pub group: String,
    pub grade: String,
    pub headcount: i32,
    pub in_post: i32,
    /// Headcount minus people in post; negative when overstaffed.
    pub vacancies: i32,
}

pub fn position_view(
    p: &position::Model,
    in_post: i32,
    units: &HashMap<i32, String>,
) -> PositionView {
    PositionView {
        id: p.id,
        org_unit_id: p.org_unit_id,
        unit_name: units.get(&p.org_unit_id).cloned().unwrap_or_default(),
        title: p.title.clone(),
        group: p.position_group.clone(),
        grade: p.grade_code.clone(),
        headcount: p.headcount,
        in_post,
        vacancies: domain::vacancies(p.headcount, in_post),
    }
}

pub async fn positions(state: &AppState, scope: &Scope) -> Result<Vec<PositionView>, AppError> {
    let units = org_units::store::names(&state.db).await?;
    let in_post = store::in_post_by_position(&state.db, scope.units()).await?;
    Ok(store::positions(&state.db, scope.units())
        .await?
        .iter()
        .map(|p| position_view(p, in_post.get(&p.id).copied().unwrap_or(0), &units))
        .collect())
}

#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct NewPosition {
    pub org_unit_id: i32,
    pub title: String,
    /// `leadership`, `professional` or `support`.
    pub group: String,
    /// Grade code, e.g. `A1`.
    pub grade: String,
    /// Approved headcount (biên chế).
    pub headcount: i32,
}

async fn check_position(
    db: &impl ConnectionTrait,
    scope: &Scope,
    p: &NewPosition,
) -> Result<String, AppError> {
    let mut errors = Vec::new();
    if !scope.contains(p.org_unit_id) || org_units::store::find(db, p.org_unit_id).await?.is_none()
    {
        errors.push(FieldError::new(
            "org_unit_id",
            Text::key("staff.unit_out_of_scope"),
        ));
    }
    let title = p.title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() || title.chars().count() > 200 {
        errors.push(FieldError::new("title", Text::key("positions.bad_title")));
    }
    if PositionGroup::parse(&p.group).is_none() {
        errors.push(FieldError::new("group", Text::key("positions.bad_group")));
    }
    if !store::scales(db).await?.iter().any(|s| s.code == p.grade) {
        errors.push(FieldError::new(
            "grade",
            Text::key("staff.bad_grade").with("grade", &p.grade),
        ));
    }
    if !(0..=10_000).contains(&p.headcount) {
        errors.push(FieldError::new(
            "headcount",
            Text::key("positions.bad_headcount"),
        ));
    }
    if errors.is_empty() {
        Ok(title)
    } else {
        Err(AppError::Invalid(errors))
    }
}

pub async fn create_position(
    state: &AppState,
    actor: &Actor,
    scope: &Scope,
    p: &NewPosition,
) -> Result<PositionView, AppError> {
    let title = check_position(&state.db, scope, p).await?;
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    let m = store::insert_position(
        &txn,
        p.org_unit_id,
        &title,
        &p.group,
        &p.grade,
        p.headcount,
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        actor,
        Entry::new("position_created", format!("position {} {title}", m.id)).detail(format!(
            "unit {} grade {} headcount {}",
            p.org_unit_id, p.grade, p.headcount
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(position_view(
        &m,
        0,
        &org_units::store::names(&state.db).await?,
    ))
}

/// Changes title, group, grade or headcount; the unit stays.
pub async fn update_position(
    state: &AppState,
    actor: &Actor,
    scope: &Scope,
    id: i32,
    p: &NewPosition,
) -> Result<PositionView, AppError> {
    let old = store::position(&state.db, id)
        .await?
        .filter(|o| scope.contains(o.org_unit_id))
        .ok_or(AppError::NotFound)?;
    let p = NewPosition {
        org_unit_id: old.org_unit_id,
        ..p.clone()
    };
    let title = check_position(&state.db, scope, &p).await?;
    let new = position::Model {
        title,
        position_group: p.group.clone(),
        grade_code: p.grade.clone(),
        headcount: p.headcount,
        ..old.clone()
    };
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    store::update_position(&txn, &new, now).await?;
    audit::record(
        &txn,
        now,
        actor,
        Entry::new("position_updated", format!("position {id} {}", new.title)).detail(format!(
            "headcount {} → {}, grade {} → {}",
            old.headcount, new.headcount, old.grade_code, new.grade_code
        )),
    )
    .await?;
    txn.commit().await?;
    let in_post = store::vacancies(&state.db, id)
        .await?
        .map(|v| new.headcount - v)
        .unwrap_or(0);
    Ok(position_view(
        &new,
        in_post,
        &org_units::store::names(&state.db).await?,
    ))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffView {
    pub id: i32,
    pub full_name: String,
    pub gender: String,
    /// Only for personnel of the unit's subtree and administrators.
    pub date_of_birth: Option<NaiveDate>,
    /// Only for personnel of the unit's subtree and administrators.
    pub national_id: Option<String>,
    pub org_unit_id: i32,
    pub unit_name: String,
    pub position_id: Option<i32>,
    pub position_title: Option<String>,
    pub employment_type: String,
    pub grade: String,
    pub step: i32,
    /// Two decimals, e.g. "2.67".
    pub coefficient: String,
    pub last_step_raise: Option<NaiveDate>,
    pub hire_date: NaiveDate,
    pub status: String,
    pub on_leave: Option<String>,
    pub under_review: bool,
    pub last_appraisal_year: Option<i32>,
    pub last_appraisal: Option<String>,
    /// Derived from date of birth and gender (Labor Code 2019 schedule).
    pub retirement_date: Option<NaiveDate>,
    pub next_step: StepOutlook,
    /// Seniority allowance in percent today (past the last step).
    pub seniority_percent: i32,
    /// Coefficient × base salary in force today.
    pub monthly_pay_vnd: Option<i64>,
}

pub fn view(s: &staff::Model, lk: &Lookups, scope: &Scope) -> StaffView {
    let identity = scope.shows_identity(s.org_unit_id);
    let since = s.last_step_raise.unwrap_or(s.hire_date);
    let next_step = lk
        .scales
        .get(&s.grade_code)
        .map(|sc| domain::next_step(sc, s.step, since))
        .unwrap_or(StepOutlook::Unknown);
    let seniority_percent = match next_step {
        StepOutlook::Seniority { from } => domain::seniority_percent(from, lk.today),
        _ => 0,
    };
    let on_leave = match (&s.leave_kind, s.leave_until) {
        (Some(k), Some(until)) if lk.today < until => Some(k.clone()),
        _ => None,
    };
    StaffView {
        id: s.id,
        full_name: s.full_name.clone(),
        gender: s.gender.clone(),
        date_of_birth: identity.then_some(s.date_of_birth),
        national_id: if identity {
            s.national_id.clone()
        } else {
            None
        },
        org_unit_id: s.org_unit_id,
        unit_name: lk.units.get(&s.org_unit_id).cloned().unwrap_or_default(),
        position_id: s.position_id,
        position_title: s
            .position_id
            .and_then(|p| lk.positions.get(&p))
            .map(|p| p.title.clone()),
        employment_type: s.employment_type.clone(),
        grade: s.grade_code.clone(),
        step: s.step,
        coefficient: domain::format_coefficient(s.coefficient),
        last_step_raise: s.last_step_raise,
        hire_date: s.hire_date,
        status: s.status.clone(),
        on_leave,
        under_review: s.under_review,
        last_appraisal_year: s.last_appraisal_year,
        last_appraisal: s.last_appraisal.clone(),
        retirement_date: Gender::parse(&s.gender)
            .and_then(|g| domain::retirement_date(g, s.date_of_birth)),
        next_step,
        seniority_percent,
        monthly_pay_vnd: domain::base_salary_on(&lk.base, lk.today)
            .map(|b| domain::monthly_pay(s.coefficient, b)),
    }
}

/// A new staff record, as typed in a form, sent as JSON or read from a row of
/// an import file. Dates are `YYYY-MM-DD` or `DD/MM/YYYY`.
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct NewStaff {
    pub full_name: String,
    /// `male` or `female`.
    pub gender: String,
    pub date_of_birth: String,
    #[serde(default)]
    pub national_id: Option<String>,
    pub org_unit_id: i32,
    #[serde(default)]
    pub position_id: Option<i32>,
    /// `civil_servant`, `public_employee` or `contract`.
    pub employment_type: String,
    pub grade: String,
    pub step: i32,
    /// Empty means the scale's coefficient for the step.
    #[serde(default)]
    pub coefficient: Option<String>,
    #[serde(default)]
    pub last_step_raise: Option<String>,
    pub hire_date: String,
}

/// Checks a new record against the rules; field names in the errors are the
/// `NewStaff` fields (the importer maps them to its columns).
pub fn check_new_staff(
    n: &NewStaff,
    lk: &Lookups,
    scope: &Scope,
) -> Result<(Identity, Event), Vec<FieldError>> {
    let mut errors = Vec::new();
    let full_name = n.full_name.split_whitespace().collect::<Vec<_>>().join(" ");
    if full_name.is_empty() || full_name.chars().count() > 200 {
        errors.push(FieldError::new("full_name", Text::key("staff.bad_name")));
    }
    let gender = Gender::parse(&n.gender);
    if gender.is_none() {
        errors.push(FieldError::new("gender", Text::key("staff.bad_gender")));
    }
    let birth = parse_date(&n.date_of_birth);
    match birth {
        None => errors.push(FieldError::new(
            "date_of_birth",
            Text::key("staff.bad_date"),
        )),
        Some(b)
            if domain::whole_years(b, lk.today) < 18 || domain::whole_years(b, lk.today) > 80 =>
        {
            errors.push(FieldError::new("date_of_birth", Text::key("staff.bad_age")))
        }
        _ => {}
    }
    let national_id = match n
        .national_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => match crate::accounts::domain::check_national_id(raw) {
            Ok(id) => Some(id),
            Err(t) => {
                errors.push(FieldError::new("national_id", t));
                None
            }
        },
    };
    if !scope.contains(n.org_unit_id) || !lk.units.contains_key(&n.org_unit_id) {
        errors.push(FieldError::new(
            "org_unit_id",
            Text::key("staff.unit_out_of_scope"),
        ));
    }
    if let Some(p) = n.position_id {
        match lk.positions.get(&p) {
            Some(pos) if pos.org_unit_id == n.org_unit_id => {}
            _ => errors.push(FieldError::new(
                "position_id",
                Text::key("staff.position_not_in_unit"),
            )),
        }
    }
    let employment_type = EmploymentType::parse(&n.employment_type);
    if employment_type.is_none() {
        errors.push(FieldError::new(
            "employment_type",
            Text::key("staff.bad_employment_type"),
        ));
    }
    let scale = lk.scales.get(n.grade.trim());
    let mut coefficient = None;
    match scale {
        None => errors.push(FieldError::new(
            "grade",
            Text::key("staff.bad_grade").with("grade", n.grade.trim()),
        )),
        Some(sc) => match sc.coefficient(n.step) {
            None => errors.push(FieldError::new(
                "step",
                Text::key("staff.bad_step")
                    .with("grade", &sc.code)
                    .with("steps", sc.steps),
            )),
            Some(c) => coefficient = Some(c),
        },
    }
    if let Some(raw) = n.coefficient.as_deref().filter(|s| !s.trim().is_empty()) {
        match domain::parse_coefficient(raw) {
            // A kept coefficient (bảo lưu) may differ from the scale's.
            Some(c) => coefficient = Some(c),
            None => errors.push(FieldError::new(
                "coefficient",
                Text::key("staff.bad_coefficient"),
            )),
        }
    }
    let hire_date = parse_date(&n.hire_date);
    match (hire_date, birth) {
        (None, _) => errors.push(FieldError::new("hire_date", Text::key("staff.bad_date"))),
        (Some(h), _) if h > lk.today => {
            errors.push(FieldError::new("hire_date", Text::key("staff.future_date")))
        }
        (Some(h), Some(b)) if domain::whole_years(b, h) < 16 => errors.push(FieldError::new(
            "hire_date",
            Text::key("staff.hired_too_young"),
        )),
        _ => {}
    }
    let last_step_raise = match n
        .last_step_raise
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(raw) => match parse_date(raw) {
            Some(d) if d <= lk.today => Some(d),
            Some(_) => {
                errors.push(FieldError::new(
                    "last_step_raise",
                    Text::key("staff.future_date"),
                ));
                None
            }
            None => {
                errors.push(FieldError::new(
                    "last_step_raise",
                    Text::key("staff.bad_date"),
                ));
                None
            }
        },
    };
    match (
        gender,
        birth,
        employment_type,
        coefficient,
        hire_date,
        errors.is_empty(),
    ) {
        (
            Some(gender),
            Some(date_of_birth),
            Some(employment_type),
            Some(coefficient),
            Some(hire_date),
            true,
        ) => Ok((
            Identity {
                full_name,
                gender,
                date_of_birth,
                national_id,
            },
            Event {
                effective: hire_date,
                kind: EventKind::Hire {
                    unit_id: n.org_unit_id,
                    position_id: n.position_id,
                    employment_type,
                    grade: n.grade.trim().to_owned(),
                    step: n.step,
                    coefficient,
                    last_step_raise,
                },
            },
        )),
        _ => Err(errors),
    }
}

fn event_error(e: EventError) -> AppError {
    match e {
        EventError::Db(db) => db.into(),
        EventError::Fold(f) => {
            AppError::invalid("kind", Text::key("staff.event_conflict").with("detail", f))
        }
    }
}

pub async fn hire(
    state: &AppState,
    actor: &Actor,
    scope: &Scope,
    n: &NewStaff,
) -> Result<staff::Model, AppError> {
    let lk = Lookups::load(&state.db, state.now_ms()).await?;
    let (who, event) = check_new_staff(n, &lk, scope).map_err(AppError::Invalid)?;
    if let Some(id) = &who.national_id
        && store::national_id_taken(&state.db, id).await?
    {
        return Err(AppError::invalid(
            "national_id",
            Text::key("staff.national_id_taken"),
        ));
    }
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    let m = store::hire(&txn, &who, &event, "", &actor.name, now)
        .await
        .map_err(event_error)?;
    audit::record(
        &txn,
        now,
        actor,
        Entry::new("staff_hired", format!("staff {} {}", m.id, m.full_name)).detail(format!(
            "unit {} position {:?} grade {} step {}",
            m.org_unit_id, m.position_id, m.grade_code, m.step
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

/// An event as typed in a form or sent as JSON. Which fields count depends on
/// `kind`; empty step and coefficient mean the next step and the scale's value
/// (for a promotion: the step the scale's rule gives, see `promotion_placement`).
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct NewEvent {
    /// `transfer`, `step_raise`, `promotion`, `appraisal`, `discipline`, `leave`, `retirement`.
    pub kind: String,
    pub effective_date: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub org_unit_id: Option<i32>,
    #[serde(default)]
    pub position_id: Option<i32>,
    #[serde(default)]
    pub grade: Option<String>,
    #[serde(default)]
    pub step: Option<i32>,
    #[serde(default)]
    pub coefficient: Option<String>,
    #[serde(default)]
    pub year: Option<i32>,
    /// `excellent`, `good`, `completed`, `not_completed`.
    #[serde(default)]
    pub rating: Option<String>,
    /// `review_opened`, `sanctioned`, `cleared`.
    #[serde(default)]
    pub stage: Option<String>,
    /// `maternity`, `sick`, `unpaid`, `other`.
    #[serde(default)]
    pub leave_kind: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
}

fn build_event(
    n: &NewEvent,
    s: &staff::Model,
    lk: &Lookups,
    scope: &Scope,
) -> Result<Event, AppError> {
    let bad = |field: &'static str, key: &'static str| AppError::invalid(field, Text::key(key));
    let effective =
        parse_date(&n.effective_date).ok_or_else(|| bad("effective_date", "staff.bad_date"))?;
    if effective < s.hire_date {
        return Err(bad("effective_date", "staff.before_hire"));
    }
    let coefficient_for = |grade: &str, step: i32| -> Result<i32, AppError> {
        if let Some(raw) = n.coefficient.as_deref().filter(|c| !c.trim().is_empty()) {
            return domain::parse_coefficient(raw)
                .ok_or_else(|| bad("coefficient", "staff.bad_coefficient"));
        }
        let sc = lk.scales.get(grade).ok_or_else(|| {
            AppError::invalid("grade", Text::key("staff.bad_grade").with("grade", grade))
        })?;
        sc.coefficient(step).ok_or_else(|| {
            AppError::invalid(
                "step",
                Text::key("staff.bad_step")
                    .with("grade", grade)
                    .with("steps", sc.steps),
            )
        })
    };
    let position_in = |unit: i32| -> Result<Option<i32>, AppError> {
        match n.position_id {
            None => Ok(None),
            Some(p)
                if lk
                    .positions
                    .get(&p)
                    .is_some_and(|pos| pos.org_unit_id == unit) =>
            {
                Ok(Some(p))
            }
            Some(_) => Err(bad("position_id", "staff.position_not_in_unit")),
        }
    };
    let kind = match n.kind.as_str() {
        "transfer" => {
            let unit_id = n
                .org_unit_id
                .ok_or_else(|| bad("org_unit_id", "staff.unit_out_of_scope"))?;
            if !scope.contains(unit_id) || !lk.units.contains_key(&unit_id) {
                return Err(bad("org_unit_id", "staff.unit_out_of_scope"));
            }
            EventKind::Transfer {
                unit_id,
                position_id: position_in(unit_id)?,
            }
        }
        "step_raise" => {
            let step = n.step.unwrap_or(s.step + 1);
            EventKind::StepRaise {
                step,
                coefficient: coefficient_for(&s.grade_code, step)?,
            }
        }
        "promotion" => {
            let grade = n
                .grade
                .as_deref()
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .ok_or_else(|| bad("grade", "staff.grade_required"))?
                .to_owned();
            // Without a step typed in, the scale's rule places the person.
            let placed = match (n.step, n.coefficient.as_deref().map(str::trim)) {
                (None, None | Some("")) => {
                    let scale = lk.scales.get(&grade).ok_or_else(|| {
                        AppError::invalid(
                            "grade",
                            Text::key("staff.bad_grade").with("grade", &grade),
                        )
                    })?;
                    domain::promotion_placement(
                        scale,
                        s.coefficient,
                        lk.scales.get(&s.grade_code).map(|o| o.increment),
                    )
                }
                _ => None,
            };
            let (step, coefficient, keeps_step_since) = match placed {
                Some(p) => (p.step, p.coefficient, p.keeps_step_since),
                None => {
                    let step = n.step.unwrap_or(1);
                    (step, coefficient_for(&grade, step)?, false)
                }
            };
            EventKind::Promotion {
                position_id: position_in(s.org_unit_id)?,
                grade,
                step,
                coefficient,
                keeps_step_since,
            }
        }
        "appraisal" => {
            let year = n
                .year
                .filter(|y| (2000..=lk.today.year() + 1).contains(y))
                .ok_or_else(|| bad("year", "staff.bad_year"))?;
            let rating = n
                .rating
                .as_deref()
                .and_then(Rating::parse)
                .ok_or_else(|| bad("rating", "staff.bad_rating"))?;
            EventKind::Appraisal { year, rating }
        }
        "discipline" => EventKind::Discipline {
            stage: n
                .stage
                .as_deref()
                .and_then(DisciplineStage::parse)
                .ok_or_else(|| bad("stage", "staff.bad_stage"))?,
        },
        "leave" => {
            let leave_kind = n
                .leave_kind
                .as_deref()
                .and_then(LeaveKind::parse)
                .ok_or_else(|| bad("leave_kind", "staff.bad_leave_kind"))?;
            let until = n
                .until
                .as_deref()
                .and_then(parse_date)
                .filter(|u| *u > effective)
                .ok_or_else(|| bad("until", "staff.bad_until"))?;
            EventKind::Leave { leave_kind, until }
        }
        "retirement" => EventKind::Retirement,
        _ => return Err(bad("kind", "staff.bad_event_kind")),
    };
    Ok(Event { effective, kind })
}

pub async fn add_event(
    state: &AppState,
    actor: &Actor,
    scope: &Scope,
    staff_id: i32,
    n: &NewEvent,
) -> Result<staff::Model, AppError> {
    let s = store::find(&state.db, staff_id)
        .await?
        .filter(|s| scope.contains(s.org_unit_id))
        .ok_or(AppError::NotFound)?;
    let lk = Lookups::load(&state.db, state.now_ms()).await?;
    let event = build_event(n, &s, &lk, scope)?;
    let note: String = n.note.trim().chars().take(2000).collect();
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    store::append_event(&txn, staff_id, &event, &note, &actor.name, now)
        .await
        .map_err(event_error)?;
    audit::record(
        &txn,
        now,
        actor,
        Entry::new("staff_event", format!("staff {staff_id} {}", s.full_name)).detail(
            serde_json::json!({"event": event.kind, "effective": event.effective, "note": note})
                .to_string(),
        ),
    )
    .await?;
    txn.commit().await?;
    store::find(&state.db, staff_id)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    pub imported: usize,
    /// Empty when the file was imported; otherwise nothing was imported.
    pub problems: Vec<super::import::Problem>,
}

/// Imports a whole file or nothing: every row is checked first, and the rows
/// are written in one transaction only when no row has a problem.
pub async fn import(
    state: &AppState,
    actor: &Actor,
    scope: &Scope,
    bytes: &[u8],
    filename: &str,
) -> Result<ImportReport, AppError> {
    use super::import::{self as imp, Directory};
    // Off the async threads, behind the parse bound (see `web::upload`).
    let (owned, name) = (bytes.to_vec(), filename.to_owned());
    let read = crate::web::upload::parse_off_the_exam(move || imp::read_table(&owned, &name));
    let table = match read.await? {
        Ok(t) => t,
        Err(p) => {
            return Ok(ImportReport {
                imported: 0,
                problems: vec![p],
            });
        }
    };
    let lk = Lookups::load(&state.db, state.now_ms()).await?;
    let units = org_units::store::all(&state.db).await?;
    let dir = Directory {
        unit_by_code: units
            .iter()
            .filter(|u| scope.contains(u.id))
            .map(|u| (u.code.clone(), u.id))
            .collect(),
        position_by_title: lk
            .positions
            .values()
            .map(|p| ((p.org_unit_id, p.title.to_lowercase()), p.id))
            .collect(),
    };
    let (rows, mut problems) = imp::to_new_staff(&table, &dir);
    let mut ready = Vec::new();
    for (row, n) in &rows {
        match check_new_staff(n, &lk, scope) {
            Ok((who, event)) => {
                if let Some(id) = &who.national_id
                    && store::national_id_taken(&state.db, id).await?
                {
                    problems.push(imp::problem_from_field(
                        *row,
                        &FieldError::new("national_id", Text::key("staff.national_id_taken")),
                    ));
                }
                ready.push((who, event));
            }
            Err(errors) => problems.extend(errors.iter().map(|e| imp::problem_from_field(*row, e))),
        }
    }
    if !problems.is_empty() || ready.is_empty() {
        if ready.is_empty() && problems.is_empty() {
            problems.push(imp::Problem {
                row: 1,
                column: String::new(),
                problem: Text::key("import.empty").english(),
                text: Some(Text::key("import.empty")),
            });
        }
        problems.sort_by_key(|p| p.row);
        return Ok(ImportReport {
            imported: 0,
            problems,
        });
    }
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    let mut ids = Vec::with_capacity(ready.len());
    for (who, event) in &ready {
        let m = store::hire(&txn, who, event, "import", &actor.name, now)
            .await
            .map_err(event_error)?;
        ids.push(m.id);
    }
    audit::record(
        &txn,
        now,
        actor,
        Entry::new(
            "staff_imported",
            format!(
                "{} records from {}",
                ids.len(),
                filename.chars().take(100).collect::<String>()
            ),
        )
        .detail(format!("staff ids {ids:?}")),
    )
    .await?;
    txn.commit().await?;
    Ok(ImportReport {
        imported: ids.len(),
        problems: Vec::new(),
    })
}

/// The rows of an export, in the import columns.
pub async fn export_rows(state: &AppState, scope: &Scope) -> Result<Vec<Vec<String>>, AppError> {
    let units = org_units::store::all(&state.db).await?;
    let codes: HashMap<i32, String> = units.into_iter().map(|u| (u.id, u.code)).collect();
    let positions: HashMap<i32, String> = store::positions(&state.db, scope.units())
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    let filter = store::StaffFilter {
        units: scope.units().map(<[i32]>::to_vec),
        status: Some("active".into()),
        ..Default::default()
    };
    Ok(store::list(&state.db, &filter)
        .await?
        .into_iter()
        .map(|s| {
            let identity = scope.shows_identity(s.org_unit_id);
            vec![
                s.full_name,
                s.gender,
                if identity {
                    s.date_of_birth.to_string()
                } else {
                    String::new()
                },
                if identity {
                    s.national_id.unwrap_or_default()
                } else {
                    String::new()
                },
                codes.get(&s.org_unit_id).cloned().unwrap_or_default(),
                s.position_id
                    .and_then(|p| positions.get(&p).cloned())
                    .unwrap_or_default(),
                s.employment_type,
                s.grade_code,
                s.step.to_string(),
                domain::format_coefficient(s.coefficient),
                s.last_step_raise.map(|d| d.to_string()).unwrap_or_default(),
                s.hire_date.to_string(),
            ]
        })
        .collect())
}

pub async fn audit_export(
    state: &AppState,
    actor: &Actor,
    rows: usize,
    format: &str,
) -> Result<(), AppError> {
    audit::record(
        &state.db,
        state.now_ms(),
        actor,
        Entry::new("staff_exported", format!("{rows} records as {format}")),
    )
    .await?;
    Ok(())
}
