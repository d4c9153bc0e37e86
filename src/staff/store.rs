//! Queries for grades, base salaries, positions and staff records.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

use super::domain::{self, Event, EventKind, FoldError, Record, Scale};
use super::entity::{base_salary, event, grade, position, staff};

fn to_scale(m: grade::Model) -> Scale {
    Scale {
        code: m.code,
        name_vi: m.name_vi,
        name_en: m.name_en,
        first: m.first_coefficient,
        increment: m.increment,
        steps: m.steps,
        step_months: m.step_months,
    }
}

pub async fn scales(db: &impl ConnectionTrait) -> Result<Vec<Scale>, DbErr> {
    let mut all: Vec<Scale> = grade::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(to_scale)
        .collect();
    all.sort_by_key(|s| std::cmp::Reverse(s.first));
    Ok(all)
}

pub async fn base_salaries(db: &impl ConnectionTrait) -> Result<Vec<base_salary::Model>, DbErr> {
    base_salary::Entity::find()
        .order_by_asc(base_salary::Column::EffectiveFrom)
        .all(db)
        .await
}

pub async fn base_table(db: &impl ConnectionTrait) -> Result<Vec<(NaiveDate, i64)>, DbErr> {
    Ok(base_salaries(db)
        .await?
        .into_iter()
        .map(|b| (b.effective_from, b.amount_vnd))
        .collect())
}

pub async fn positions(
    db: &impl ConnectionTrait,
    units: Option<&[i32]>,
) -> Result<Vec<position::Model>, DbErr> {
    let mut q = position::Entity::find();
    if let Some(units) = units {
        q = q.filter(position::Column::OrgUnitId.is_in(units.to_vec()));
    }
    q.order_by_asc(position::Column::OrgUnitId)
        .order_by_asc(position::Column::Title)
        .all(db)
        .await
}

pub async fn position(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<position::Model>, DbErr> {
    position::Entity::find_by_id(id).one(db).await
}

pub async fn insert_position(
    db: &impl ConnectionTrait,
    unit_id: i32,
    title: &str,
    group: &str,
    grade: &str,
    headcount: i32,
    now_ms: i64,
) -> Result<position::Model, DbErr> {
    position::ActiveModel {
        org_unit_id: Set(unit_id),
        title: Set(title.to_owned()),
        position_group: Set(group.to_owned()),
        grade_code: Set(grade.to_owned()),
        headcount: Set(headcount),
        created_ms: Set(now_ms),
        updated_ms: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn update_position(
    db: &impl ConnectionTrait,
    p: &position::Model,
    now_ms: i64,
) -> Result<(), DbErr> {
    position::ActiveModel {
        id: Set(p.id),
        title: Set(p.title.clone()),
        position_group: Set(p.position_group.clone()),
        grade_code: Set(p.grade_code.clone()),
        headcount: Set(p.headcount),
        updated_ms: Set(now_ms),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// People in post (active) per position.
pub async fn in_post_by_position(
    db: &impl ConnectionTrait,
    units: Option<&[i32]>,
) -> Result<HashMap<i32, i32>, DbErr> {
    let mut out = HashMap::new();
    for s in list(
        db,
        &StaffFilter {
            units: units.map(<[i32]>::to_vec),
            status: Some("active".into()),
            ..Default::default()
        },
    )
    .await?
    {
        if let Some(p) = s.position_id {
            *out.entry(p).or_insert(0) += 1;
        }
    }
    Ok(out)
}

/// Vacancies of a position: approved headcount minus the people in post
/// (negative when overstaffed); `None` when there is no such position. The
/// campaign feature checks quotas against this.
pub async fn vacancies(db: &impl ConnectionTrait, position_id: i32) -> Result<Option<i32>, DbErr> {
    let Some(p) = position(db, position_id).await? else {
        return Ok(None);
    };
    let in_post = staff::Entity::find()
        .filter(staff::Column::PositionId.eq(position_id))
        .filter(staff::Column::Status.eq("active"))
        .count(db)
        .await?;
    Ok(Some(domain::vacancies(p.headcount, in_post as i32)))
}

#[derive(Debug, Clone, Default)]
pub struct StaffFilter {
    pub units: Option<Vec<i32>>,
    pub status: Option<String>,
    pub position_id: Option<i32>,
    /// Part of the name, any case.
    pub name: Option<String>,
}

pub async fn list(db: &impl ConnectionTrait, f: &StaffFilter) -> Result<Vec<staff::Model>, DbErr> {
    let mut q = staff::Entity::find();
    if let Some(units) = &f.units {
        q = q.filter(staff::Column::OrgUnitId.is_in(units.clone()));
    }
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(staff::Column::Status.eq(s));
    }
    if let Some(p) = f.position_id {
        q = q.filter(staff::Column::PositionId.eq(p));
    }
    let rows = q
        .order_by_asc(staff::Column::OrgUnitId)
        .order_by_asc(staff::Column::Id)
        .all(db)
        .await?;
    // Vietnamese names need Unicode-aware case folding, which SQLite's LIKE lacks.
    Ok(
        match f.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => {
                let n = n.to_lowercase();
                rows.into_iter()
                    .filter(|s| s.full_name.to_lowercase().contains(&n))
                    .collect()
            }
            None => rows,
        },
    )
}

pub async fn find(db: &impl ConnectionTrait, id: i32) -> Result<Option<staff::Model>, DbErr> {
    staff::Entity::find_by_id(id).one(db).await
}

pub async fn national_id_taken(
    db: &impl ConnectionTrait,
    national_id: &str,
) -> Result<bool, DbErr> {
    Ok(staff::Entity::find()
        .filter(staff::Column::NationalId.eq(national_id))
        .count(db)
        .await?
        > 0)
}

pub struct Identity {
    pub full_name: String,
    pub gender: domain::Gender,
    pub date_of_birth: NaiveDate,
    pub national_id: Option<String>,
}

fn apply(m: &mut staff::ActiveModel, r: &Record, now_ms: i64) {
    m.org_unit_id = Set(r.unit_id);
    m.position_id = Set(r.position_id);
    m.employment_type = Set(r.employment_type.as_str().to_owned());
    m.grade_code = Set(r.grade.clone());
    m.step = Set(r.step);
    m.coefficient = Set(r.coefficient);
    m.last_step_raise = Set(r.last_step_raise);
    m.hire_date = Set(r.hire_date);
    m.status = Set(r.status.as_str().to_owned());
    m.leave_kind = Set(r.leave_kind.map(|k| k.as_str().to_owned()));
    m.leave_until = Set(r.leave_until);
    m.under_review = Set(r.under_review);
    m.last_appraisal_year = Set(r.last_appraisal.map(|(y, _)| y));
    m.last_appraisal = Set(r
        .last_appraisal
        .map(|(_, rating)| rating.as_str().to_owned()));
    m.updated_ms = Set(now_ms);
}

async fn insert_event(
    db: &impl ConnectionTrait,
    staff_id: i32,
    e: &Event,
    note: &str,
    actor: &str,
    now_ms: i64,
) -> Result<(), DbErr> {
    let payload = serde_json::to_string(&e.kind)
        .map_err(|err| DbErr::Custom(format!("event payload: {err}")))?;
    event::ActiveModel {
        staff_id: Set(staff_id),
        kind: Set(e.kind.name().to_owned()),
        effective_date: Set(e.effective),
        payload: Set(payload),
        note: Set(note.to_owned()),
        actor_name: Set(actor.to_owned()),
        created_ms: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(transparent)]
    Fold(#[from] FoldError),
}

/// Opens a record with its hire event.
pub async fn hire(
    db: &impl ConnectionTrait,
    who: &Identity,
    hire: &Event,
    note: &str,
    actor: &str,
    now_ms: i64,
) -> Result<staff::Model, EventError> {
    let record = domain::fold(std::slice::from_ref(hire))?;
    let mut m = staff::ActiveModel {
        full_name: Set(who.full_name.clone()),
        gender: Set(who.gender.as_str().to_owned()),
        date_of_birth: Set(who.date_of_birth),
        national_id: Set(who.national_id.clone()),
        created_ms: Set(now_ms),
        ..Default::default()
    };
    apply(&mut m, &record, now_ms);
    let saved = m.insert(db).await?;
    insert_event(db, saved.id, hire, note, actor, now_ms).await?;
    Ok(saved)
}

pub async fn events(
    db: &impl ConnectionTrait,
    staff_id: i32,
) -> Result<Vec<(event::Model, EventKind)>, DbErr> {
    let rows = event::Entity::find()
        .filter(event::Column::StaffId.eq(staff_id))
        .order_by_asc(event::Column::EffectiveDate)
        .order_by_asc(event::Column::Id)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|m| {
            let kind: EventKind = serde_json::from_str(&m.payload)
                .map_err(|e| DbErr::Custom(format!("staff event {}: {e}", m.id)))?;
            Ok((m, kind))
        })
        .collect()
}

/// Appends an event and rewrites the record from the fold of all its events;
/// an event the history cannot take is refused and nothing is written.
pub async fn append_event(
    db: &impl ConnectionTrait,
    staff_id: i32,
    e: &Event,
    note: &str,
    actor: &str,
    now_ms: i64,
) -> Result<Record, EventError> {
    let mut all: Vec<Event> = events(db, staff_id)
        .await?
        .into_iter()
        .map(|(m, kind)| Event {
            effective: m.effective_date,
            kind,
        })
        .collect();
    all.push(e.clone());
    let record = domain::fold(&all)?;
    insert_event(db, staff_id, e, note, actor, now_ms).await?;
    let mut m = staff::ActiveModel {
        id: Set(staff_id),
        ..Default::default()
    };
    apply(&mut m, &record, now_ms);
    m.update(db).await?;
    Ok(record)
}

/// Sets the base salary from a date: a new row, or the row of that date corrected.
pub async fn set_base_salary(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    amount_vnd: i64,
    note: &str,
) -> Result<(), DbErr> {
    match base_salary::Entity::find()
        .filter(base_salary::Column::EffectiveFrom.eq(from))
        .one(db)
        .await?
    {
        Some(row) => {
            base_salary::ActiveModel {
                id: Set(row.id),
                amount_vnd: Set(amount_vnd),
                note: Set(note.to_owned()),
                ..Default::default()
            }
            .update(db)
            .await?;
        }
        None => {
            base_salary::ActiveModel {
                effective_from: Set(from),
                amount_vnd: Set(amount_vnd),
                note: Set(note.to_owned()),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}
