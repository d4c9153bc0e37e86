use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use super::domain::{self, Unit};
use super::entity::{self, Entity};

fn to_unit(m: entity::Model) -> Unit {
    Unit {
        id: m.id,
        parent_id: m.parent_id,
        code: m.code,
        name: m.name,
    }
}

pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<Unit>, DbErr> {
    Ok(Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(to_unit)
        .collect())
}

pub async fn find(db: &impl ConnectionTrait, id: i32) -> Result<Option<Unit>, DbErr> {
    Ok(Entity::find_by_id(id).one(db).await?.map(to_unit))
}

pub async fn find_by_code(db: &impl ConnectionTrait, code: &str) -> Result<Option<Unit>, DbErr> {
    Ok(Entity::find()
        .filter(entity::Column::Code.eq(code))
        .one(db)
        .await?
        .map(to_unit))
}

pub async fn insert(
    db: &impl ConnectionTrait,
    parent_id: Option<i32>,
    code: &str,
    name: &str,
    now_ms: i64,
) -> Result<Unit, DbErr> {
    let m = entity::ActiveModel {
        parent_id: Set(parent_id),
        code: Set(code.to_owned()),
        name: Set(name.to_owned()),
        created_ms: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(to_unit(m))
}

pub async fn rename(db: &impl ConnectionTrait, id: i32, name: &str) -> Result<(), DbErr> {
    entity::ActiveModel {
        id: Set(id),
        name: Set(name.to_owned()),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

pub async fn names(db: &impl ConnectionTrait) -> Result<HashMap<i32, String>, DbErr> {
    Ok(all(db).await?.into_iter().map(|u| (u.id, u.name)).collect())
}

/// Units for a `<select>`, indented to show the tree.
pub async fn options(db: &impl ConnectionTrait) -> Result<Vec<(i32, String)>, DbErr> {
    Ok(domain::depth_first(&all(db).await?)
        .into_iter()
        .map(|p| {
            (
                p.unit.id,
                format!("{}{}", "— ".repeat(p.depth), p.unit.name),
            )
        })
        .collect())
}

/// The units a personnel officer may see: their unit's subtree.
pub async fn subtree_of(db: &impl ConnectionTrait, root: i32) -> Result<Vec<i32>, DbErr> {
    Ok(domain::subtree(&all(db).await?, root))
}

/// The units a user may act on: `None` means all (administrators); personnel
/// get their unit's subtree; everyone else none.
pub async fn scope_of(
    db: &impl ConnectionTrait,
    user: &crate::web::CurrentUser,
) -> Result<Option<Vec<i32>>, DbErr> {
    use crate::accounts::domain::Role;
    match (user.role, user.org_unit_id) {
        (Role::Admin, _) => Ok(None),
        (Role::Personnel, Some(root)) => Ok(Some(subtree_of(db, root).await?)),
        _ => Ok(Some(Vec::new())),
    }
}

pub fn in_scope(scope: &Option<Vec<i32>>, unit: i32) -> bool {
    scope.as_ref().is_none_or(|units| units.contains(&unit))
}
