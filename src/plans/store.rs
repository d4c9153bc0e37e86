//! Queries for plans, their units, targets and people.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use super::entity::{plan, plan_person, plan_target, plan_unit};

pub async fn list(
    db: &impl ConnectionTrait,
    units: Option<&[i32]>,
) -> Result<Vec<plan::Model>, DbErr> {
    let mut q = plan::Entity::find();
    if let Some(u) = units {
        q = q.filter(plan::Column::OrgUnitId.is_in(u.to_vec()));
    }
    q.order_by_desc(plan::Column::Id).all(db).await
}

pub async fn find(db: &impl ConnectionTrait, id: i32) -> Result<Option<plan::Model>, DbErr> {
    plan::Entity::find_by_id(id).one(db).await
}

pub async fn units(
    db: &impl ConnectionTrait,
    plan_id: i32,
) -> Result<Vec<plan_unit::Model>, DbErr> {
    plan_unit::Entity::find()
        .filter(plan_unit::Column::PlanId.eq(plan_id))
        .order_by_asc(plan_unit::Column::OrgUnitId)
        .all(db)
        .await
}

pub async fn targets(
    db: &impl ConnectionTrait,
    plan_id: i32,
) -> Result<Vec<plan_target::Model>, DbErr> {
    plan_target::Entity::find()
        .filter(plan_target::Column::PlanId.eq(plan_id))
        .order_by_asc(plan_target::Column::OrgUnitId)
        .order_by_asc(plan_target::Column::Year)
        .all(db)
        .await
}

pub async fn people(
    db: &impl ConnectionTrait,
    plan_id: i32,
) -> Result<Vec<plan_person::Model>, DbErr> {
    plan_person::Entity::find()
        .filter(plan_person::Column::PlanId.eq(plan_id))
        .order_by_asc(plan_person::Column::Year)
        .order_by_asc(plan_person::Column::Id)
        .all(db)
        .await
}

/// Plans that cover a unit (any status).
pub async fn plans_covering(
    db: &impl ConnectionTrait,
    unit_id: i32,
) -> Result<Vec<plan::Model>, DbErr> {
    let ids: Vec<i32> = plan_unit::Entity::find()
        .filter(plan_unit::Column::OrgUnitId.eq(unit_id))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.plan_id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    plan::Entity::find()
        .filter(plan::Column::Id.is_in(ids))
        .order_by_desc(plan::Column::Id)
        .all(db)
        .await
}

pub async fn insert_unit(
    db: &impl ConnectionTrait,
    plan_id: i32,
    unit_id: i32,
    headcount: i32,
    quota: i32,
    coefficients: i64,
) -> Result<(), DbErr> {
    plan_unit::ActiveModel {
        plan_id: Set(plan_id),
        org_unit_id: Set(unit_id),
        baseline_headcount: Set(headcount),
        baseline_quota: Set(quota),
        baseline_coefficients: Set(coefficients),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn replace_targets(
    db: &impl ConnectionTrait,
    plan_id: i32,
    targets: &[(i32, i32, i32)],
) -> Result<(), DbErr> {
    plan_target::Entity::delete_many()
        .filter(plan_target::Column::PlanId.eq(plan_id))
        .exec(db)
        .await?;
    for (unit, year, amount) in targets {
        plan_target::ActiveModel {
            plan_id: Set(plan_id),
            org_unit_id: Set(*unit),
            year: Set(*year),
            amount: Set(*amount),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

pub async fn insert_person(
    db: &impl ConnectionTrait,
    p: plan_person::ActiveModel,
) -> Result<plan_person::Model, DbErr> {
    p.insert(db).await
}

pub async fn delete_person(db: &impl ConnectionTrait, id: i32) -> Result<(), DbErr> {
    plan_person::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

pub async fn mark_carried(
    db: &impl ConnectionTrait,
    person_id: i32,
    now_ms: i64,
) -> Result<(), DbErr> {
    plan_person::ActiveModel {
        id: Set(person_id),
        carried_out_ms: Set(Some(now_ms)),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

pub async fn save(db: &impl ConnectionTrait, p: plan::Model) -> Result<(), DbErr> {
    let mut m: plan::ActiveModel = p.into();
    // Every field may have changed with a workflow step.
    m = m.reset_all();
    m.update(db).await?;
    Ok(())
}
