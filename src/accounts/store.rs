//! Account, session and sign-in-attempt rows. Functions take any connection,
//! so a caller can run several inside one transaction.

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, OnConflict, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};

use super::domain::{AttemptCounts, Role};
use super::entity::{login_attempt, session, sign_in_lock, user};
use crate::web::AppError;
use crate::web::error::FieldError;
use crate::web::i18n::Text;

pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub national_id: Option<String>,
    pub role: Role,
    pub org_unit_id: Option<i32>,
    pub password_hash: String,
    pub locale: String,
}

/// Inserts an account; a taken username, email or national ID is a 409 that
/// names the field.
pub async fn insert_user(
    db: &impl ConnectionTrait,
    new: NewUser,
    now_ms: i64,
) -> Result<user::Model, AppError> {
    let taken = |field: &'static str, key: &'static str| {
        AppError::Conflict(FieldError::new(field, Text::key(key)))
    };
    if find_by_username(db, &new.username).await?.is_some() {
        return Err(taken("username", "accounts.username_taken"));
    }
    if let Some(email) = &new.email
        && user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .count(db)
            .await?
            > 0
    {
        return Err(taken("email", "accounts.email_taken"));
    }
    if let Some(id) = &new.national_id
        && user::Entity::find()
            .filter(user::Column::NationalId.eq(id.as_str()))
            .count(db)
            .await?
            > 0
    {
        return Err(taken("national_id", "accounts.national_id_taken"));
    }
    let row = user::ActiveModel {
        username: Set(new.username),
        full_name: Set(new.full_name),
        email: Set(new.email),
        date_of_birth: Set(new.date_of_birth),
        national_id: Set(new.national_id),
        role: Set(new.role.as_str().to_owned()),
        org_unit_id: Set(new.org_unit_id),
        password_hash: Set(new.password_hash),
        locale: Set(new.locale),
        disabled: Set(false),
        created_ms: Set(now_ms),
        password_changed_ms: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row)
}

pub async fn find_by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await
}

/// Sign-in accepts the username or the email address.
pub async fn find_by_login(
    db: &impl ConnectionTrait,
    login: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(
            Condition::any()
                .add(user::Column::Username.eq(login))
                .add(user::Column::Email.eq(login)),
        )
        .one(db)
        .await
}

/// The account holding a national ID, if any (unique among accounts).
pub async fn find_by_national_id(
    db: &impl ConnectionTrait,
    national_id: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::NationalId.eq(national_id))
        .one(db)
        .await
}

/// These accounts, in no order; ids with no account are left out.
pub async fn find_users(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

pub async fn find_user(db: &impl ConnectionTrait, id: i32) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).one(db).await
}

pub async fn count_users(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    user::Entity::find().count(db).await
}

pub async fn set_password(
    db: &impl ConnectionTrait,
    id: i32,
    hash: String,
    now_ms: i64,
) -> Result<(), DbErr> {
    user::ActiveModel {
        id: Set(id),
        password_hash: Set(hash),
        password_changed_ms: Set(now_ms),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

pub async fn set_locale(db: &impl ConnectionTrait, id: i32, locale: &str) -> Result<(), DbErr> {
    user::ActiveModel {
        id: Set(id),
        locale: Set(locale.to_owned()),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

pub async fn update_access(
    db: &impl ConnectionTrait,
    id: i32,
    role: Role,
    org_unit_id: Option<i32>,
    disabled: bool,
) -> Result<(), DbErr> {
    user::ActiveModel {
        id: Set(id),
        role: Set(role.as_str().to_owned()),
        org_unit_id: Set(org_unit_id),
        disabled: Set(disabled),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct UserFilter {
    /// Part of the username, full name or email.
    pub q: Option<String>,
    pub role: Option<String>,
    #[serde(default, deserialize_with = "crate::web::extract::page")]
    pub page: Option<u64>,
}

pub const PAGE_SIZE: u64 = 50;

/// The accounts a search box finds: `text` in the username, full name or
/// email (usernames and emails are stored in lower case).
fn matching(text: &str) -> Condition {
    Condition::any()
        .add(crate::db::contains(
            (user::Entity, user::Column::Username),
            &text.to_lowercase(),
        ))
        .add(crate::db::contains(
            (user::Entity, user::Column::FullName),
            text,
        ))
        .add(crate::db::contains(
            (user::Entity, user::Column::Email),
            &text.to_lowercase(),
        ))
}

/// The ids of the accounts a search for `text` finds, as a subquery for lists
/// of other things (applications, attempts) searched by their person: a
/// search for "a" may find more accounts than a statement may bind values.
pub fn ids_matching(text: &str) -> SelectStatement {
    user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(matching(text))
        .into_query()
}

pub async fn list_users(
    db: &impl ConnectionTrait,
    filter: &UserFilter,
) -> Result<(Vec<user::Model>, u64), DbErr> {
    let mut q = user::Entity::find();
    if let Some(text) = filter.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        q = q.filter(matching(text));
    }
    if let Some(role) = filter.role.as_deref().and_then(Role::parse) {
        q = q.filter(user::Column::Role.eq(role.as_str()));
    }
    let total = q.clone().count(db).await?;
    let page = filter.page.unwrap_or(1).max(1);
    let rows = q
        .order_by_asc(user::Column::Username)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .all(db)
        .await?;
    Ok((rows, total))
}

pub async fn create_session(
    db: &impl ConnectionTrait,
    user_id: i32,
    now_ms: i64,
    expires_ms: i64,
    client_addr: &str,
) -> Result<String, DbErr> {
    let id = hex::encode(crate::random_bytes::<16>());
    session::ActiveModel {
        id: Set(id.clone()),
        user_id: Set(user_id),
        created_ms: Set(now_ms),
        last_seen_ms: Set(now_ms),
        expires_ms: Set(expires_ms),
        revoked_ms: Set(None),
        client_addr: Set(client_addr.chars().take(64).collect()),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// Sessions with their accounts, by session id, in one query (a join): this
/// runs for every request whose session is not in the cache.
pub async fn find_sessions(
    db: &impl ConnectionTrait,
    sids: &[&str],
) -> Result<std::collections::HashMap<String, (session::Model, user::Model)>, DbErr> {
    let found = session::Entity::find()
        .filter(session::Column::Id.is_in(sids.iter().copied()))
        .find_also_related(user::Entity)
        .all(db)
        .await?;
    Ok(found
        .into_iter()
        .filter_map(|(s, u)| Some((s.id.clone(), (s, u?))))
        .collect())
}

/// Records that these sessions were seen at `now_ms`.
pub async fn touch_sessions(
    db: &impl ConnectionTrait,
    sids: &[&str],
    now_ms: i64,
) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenMs, Expr::value(now_ms))
        .filter(session::Column::Id.is_in(sids.iter().copied()))
        .filter(session::Column::LastSeenMs.lt(now_ms))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn revoke_session(
    db: &impl ConnectionTrait,
    sid: &str,
    now_ms: i64,
) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedMs, Expr::value(now_ms))
        .filter(session::Column::Id.eq(sid))
        .filter(session::Column::RevokedMs.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of an account except `keep` (the one changing its password).
pub async fn revoke_user_sessions(
    db: &impl ConnectionTrait,
    user_id: i32,
    keep: Option<&str>,
    now_ms: i64,
) -> Result<u64, DbErr> {
    let mut q = session::Entity::update_many()
        .col_expr(session::Column::RevokedMs, Expr::value(now_ms))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedMs.is_null());
    if let Some(keep) = keep {
        q = q.filter(session::Column::Id.ne(keep));
    }
    Ok(q.exec(db).await?.rows_affected)
}

/// The lock stripe of a throttling key. Keys share a stripe now and then,
/// which only makes their sign-ins wait for each other.
fn stripe(key: &str) -> i32 {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(key.as_bytes());
    i32::from(u16::from_be_bytes([hash[0], hash[1]]) % 4096)
}

/// Takes the locks of these keys (an account, an address) until the end of
/// the transaction, always in the same order so two sign-ins cannot wait for
/// each other. An upsert locks the row on PostgreSQL; on SQLite the write
/// transaction already holds the whole database.
pub async fn lock_sign_in_keys(
    db: &impl ConnectionTrait,
    keys: &[&str],
    now_ms: i64,
) -> Result<(), DbErr> {
    let mut stripes: Vec<i32> = keys.iter().map(|k| stripe(k)).collect();
    stripes.sort_unstable();
    stripes.dedup();
    for s in stripes {
        sign_in_lock::Entity::insert(sign_in_lock::ActiveModel {
            stripe: Set(s),
            touched_ms: Set(now_ms),
        })
        .on_conflict(
            OnConflict::column(sign_in_lock::Column::Stripe)
                .update_column(sign_in_lock::Column::TouchedMs)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// The id of the latest success matching `scope` inside the window, or 0.
async fn last_success(
    db: &impl ConnectionTrait,
    scope: Condition,
    since_ms: i64,
) -> Result<i64, DbErr> {
    let id: Option<i64> = login_attempt::Entity::find()
        .select_only()
        .column(login_attempt::Column::Id)
        .filter(scope)
        .filter(login_attempt::Column::Succeeded.eq(true))
        .filter(login_attempt::Column::AtMs.gte(since_ms))
        .order_by_desc(login_attempt::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    Ok(id.unwrap_or(0))
}

/// Attempts matching `scope` inside the window that are not known to have
/// succeeded (failures, and attempts whose password is being checked), made
/// after the attempt `after`.
async fn unsettled(
    db: &impl ConnectionTrait,
    scope: Condition,
    since_ms: i64,
    after: i64,
) -> Result<u64, DbErr> {
    login_attempt::Entity::find()
        .filter(scope)
        .filter(login_attempt::Column::Succeeded.eq(false))
        .filter(login_attempt::Column::AtMs.gte(since_ms))
        .filter(login_attempt::Column::Id.gt(after))
        .count(db)
        .await
}

/// What a sign-in as `username` from `client_addr` (with this device cookie id)
/// is judged by. Run it holding [`lock_sign_in_keys`] for both.
pub async fn count_attempts(
    db: &impl ConnectionTrait,
    username: &str,
    client_addr: &str,
    device: Option<&str>,
    since_ms: i64,
) -> Result<AttemptCounts, DbErr> {
    use login_attempt::Column as A;
    if let Some(device) = device {
        let scope = || {
            Condition::all()
                .add(A::Username.eq(username))
                .add(A::Device.eq(device))
        };
        let after = last_success(db, scope(), since_ms).await?;
        return Ok(AttemptCounts {
            device: Some(unsettled(db, scope(), since_ms, after).await?),
            ..AttemptCounts::default()
        });
    }
    let pair = || {
        Condition::all()
            .add(A::Username.eq(username))
            .add(A::ClientAddr.eq(client_addr))
    };
    let after = last_success(db, pair(), since_ms).await?;
    let untrusted = |c: Condition| c.add(A::Device.is_null());
    Ok(AttemptCounts {
        account_and_address: unsettled(db, untrusted(pair()), since_ms, after).await?,
        address: unsettled(
            db,
            untrusted(Condition::all().add(A::ClientAddr.eq(client_addr))),
            since_ms,
            0,
        )
        .await?,
        account: unsettled(
            db,
            untrusted(Condition::all().add(A::Username.eq(username))),
            since_ms,
            0,
        )
        .await?,
        device: None,
    })
}

/// Reserves an attempt: it counts as a failure until [`attempt_succeeded`].
pub async fn reserve_attempt(
    db: &impl ConnectionTrait,
    username: &str,
    client_addr: &str,
    device: Option<&str>,
    now_ms: i64,
) -> Result<i64, DbErr> {
    let row = login_attempt::ActiveModel {
        username: Set(username.chars().take(254).collect()),
        client_addr: Set(client_addr.chars().take(64).collect()),
        at_ms: Set(now_ms),
        succeeded: Set(false),
        device: Set(device.map(str::to_owned)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

pub async fn attempt_succeeded(db: &impl ConnectionTrait, id: i64) -> Result<(), DbErr> {
    login_attempt::Entity::update_many()
        .col_expr(login_attempt::Column::Succeeded, Expr::value(true))
        .filter(login_attempt::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
