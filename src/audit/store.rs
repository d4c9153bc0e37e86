use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::entity::{self, Column, Entity};

/// Who acted: a signed-in user, or a named system actor ("cli", "demo",
/// "sweeper") or the person attempting to sign in.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<i32>,
    pub name: String,
    pub client_addr: String,
}

impl Actor {
    pub fn system(name: &str) -> Actor {
        Actor {
            id: None,
            name: name.to_owned(),
            client_addr: "local".to_owned(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub action: &'a str,
    pub target: String,
    /// Free text or JSON: what changed, and why when a reason was given.
    pub detail: String,
}

impl<'a> Entry<'a> {
    pub fn new(action: &'a str, target: impl Into<String>) -> Self {
        Entry {
            action,
            target: target.into(),
            detail: String::new(),
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

pub async fn record(
    db: &impl ConnectionTrait,
    now_ms: i64,
    actor: &Actor,
    entry: Entry<'_>,
) -> Result<(), sea_orm::DbErr> {
    entity::ActiveModel {
        at_ms: Set(now_ms),
        actor_id: Set(actor.id),
        actor_name: Set(truncate(&actor.name, 254)),
        action: Set(entry.action.to_owned()),
        target: Set(truncate(&entry.target, 200)),
        detail: Set(entry.detail),
        client_addr: Set(truncate(&actor.client_addr, 64)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct Filter {
    /// Exact action, e.g. `sign_in_failed`.
    pub action: Option<String>,
    /// Exact actor name (username).
    pub actor: Option<String>,
    /// Substring of the target.
    pub target: Option<String>,
    /// 1-based page.
    #[serde(default, deserialize_with = "crate::web::extract::page")]
    pub page: Option<u64>,
}

pub const PAGE_SIZE: u64 = 50;

pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
) -> Result<(Vec<entity::Model>, u64), sea_orm::DbErr> {
    let mut q = Entity::find();
    if let Some(a) = filter.action.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(Column::Action.eq(a));
    }
    if let Some(a) = filter.actor.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(Column::ActorName.eq(a.trim().to_lowercase()));
    }
    if let Some(t) = filter.target.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(crate::db::contains((Entity, Column::Target), t));
    }
    let total = q.clone().count(db).await?;
    let page = filter.page.unwrap_or(1).max(1);
    let rows = q
        .order_by_desc(Column::Id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .all(db)
        .await?;
    Ok((rows, total))
}
