//! Account flows shared by the HTML pages, the JSON API and the CLI. Each one
//! writes its audit entry.

use crate::db::BeginWrite;
use serde::Deserialize;

use super::device::DeviceCookie;
use super::domain::{self, Role, ThrottlePolicy};
use super::entity::user;
use super::store::{self, NewUser};
use crate::audit::{self, Actor, Entry};
use crate::state::AppState;
use crate::web::auth::bad_credentials;
use crate::web::error::FieldError;
use crate::web::i18n::{Locale, Text};
use crate::web::{AppError, CurrentUser};

pub struct SignedIn {
    pub token: String,
    pub expires_ms: i64,
    pub user: user::Model,
}

async fn start_session(
    state: &AppState,
    user: user::Model,
    client_addr: &str,
) -> Result<SignedIn, AppError> {
    let now = state.now_ms();
    let expires_ms = now + state.config.session_absolute_hours * 3_600_000;
    let sid = store::create_session(&state.db, user.id, now, expires_ms, client_addr).await?;
    let token = state.tokens.issue(user.id, &sid, now, expires_ms)?;
    Ok(SignedIn {
        token,
        expires_ms,
        user,
    })
}

/// Signs in with a username or email. The attempt is reserved in the database
/// before the password is checked — counted and reserved in one transaction,
/// under the locks of the account and the address — so guesses sent at once,
/// to any process, get no more evaluated than the limit. It is reserved only
/// once its turn to be hashed has come, so sign-ins queueing at a busy moment
/// do not count against their address while they wait.
/// `device` is the browser's device cookie, if it sent a valid one.
pub async fn sign_in(
    state: &AppState,
    login: &str,
    password: &str,
    client_addr: &str,
    device: Option<&DeviceCookie>,
) -> Result<SignedIn, AppError> {
    let login = login.trim().to_lowercase();
    let now = state.now_ms();
    let db = &state.db;
    let account = store::find_by_login(db, &login).await?;
    // Throttle on the account's username however it was typed (name or
    // email), cut as it is stored so a long one is counted like any other.
    let key: String = account
        .as_ref()
        .map(|u| u.username.clone())
        .unwrap_or_else(|| login.clone())
        .chars()
        .take(254)
        .collect();
    let client_addr: String = client_addr.chars().take(64).collect();
    let client_addr = client_addr.as_str();
    // A device cookie counts only for the account it names.
    let device = device
        .filter(|d| account.as_ref().is_some_and(|u| u.id == d.user_id))
        .map(|d| d.device_id.as_str());
    let policy = ThrottlePolicy::default();
    let since = now - policy.window_ms;
    let actor = Actor {
        id: None,
        name: key.clone(),
        client_addr: client_addr.to_owned(),
    };
    let refuse = |limit: domain::Limit| {
        let (actor, key) = (actor.clone(), key.clone());
        async move {
            let entry =
                Entry::new("sign_in_throttled", &key).detail(format!("limit: {}", limit.as_str()));
            audit::record(db, now, &actor, entry).await?;
            Err::<SignedIn, _>(AppError::TooManyRequests(
                Text::key("accounts.throttled").with("minutes", policy.window_minutes()),
            ))
        }
    };
    // Refusing an attempt already over the limit needs no place in the
    // hashing queue; this read decides nothing else.
    let counts = store::count_attempts(db, &key, client_addr, device, since).await?;
    if let Err(limit) = policy.judge(&counts) {
        return refuse(limit).await;
    }
    let turn = state.hasher.turn().await?;
    let txn = db.begin_write().await?;
    let locks = [format!("account:{key}"), format!("address:{client_addr}")];
    store::lock_sign_in_keys(&txn, &[&locks[0], &locks[1]], now).await?;
    let counts = store::count_attempts(&txn, &key, client_addr, device, since).await?;
    if let Err(limit) = policy.judge(&counts) {
        txn.rollback().await?;
        drop(turn);
        return refuse(limit).await;
    }
    let attempt = store::reserve_attempt(&txn, &key, client_addr, device, now).await?;
    txn.commit().await?;
    let verified = turn
        .verify(password, account.as_ref().map(|u| u.password_hash.as_str()))
        .await?;
    match account {
        Some(user) if verified && !user.disabled => {
            let actor = Actor {
                id: Some(user.id),
                ..actor
            };
            let txn = db.begin_write().await?;
            store::attempt_succeeded(&txn, attempt).await?;
            audit::record(&txn, now, &actor, Entry::new("sign_in", &key)).await?;
            txn.commit().await?;
            start_session(state, user, client_addr).await
        }
        other => {
            let why = match other {
                None => "unknown account",
                Some(u) if u.disabled => "account disabled",
                Some(_) => "wrong password",
            };
            audit::record(
                db,
                now,
                &actor,
                Entry::new("sign_in_failed", &key).detail(why),
            )
            .await?;
            Err(bad_credentials())
        }
    }
}

pub async fn sign_out(state: &AppState, user: &CurrentUser) -> Result<(), AppError> {
    let now = state.now_ms();
    store::revoke_session(&state.db, &user.session_id, now).await?;
    state.sessions.forget_user(user.id);
    audit::record(
        &state.db,
        now,
        &user.actor(),
        Entry::new("sign_out", &user.username),
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct Registration {
    pub full_name: String,
    /// `YYYY-MM-DD` (or `DD/MM/YYYY`).
    pub date_of_birth: String,
    pub national_id: String,
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub locale: Option<Locale>,
}

/// A candidate registers themselves and is signed in. Every problem with the
/// form is reported at once, each naming its field.
pub async fn register(
    state: &AppState,
    form: &Registration,
    client_addr: &str,
) -> Result<SignedIn, AppError> {
    let today = chrono::DateTime::from_timestamp_millis(state.now_ms())
        .map(|t| t.date_naive())
        .unwrap_or_default();
    let mut errors = Vec::new();
    let mut check = |field: &'static str, r: Result<(), Text>| {
        if let Err(t) = r {
            errors.push(FieldError::new(field, t));
        }
    };
    let full_name = domain::check_full_name(&form.full_name);
    let dob = domain::check_date_of_birth(&form.date_of_birth, today);
    let national_id = domain::check_national_id(&form.national_id);
    let email = domain::check_email(&form.email);
    check("full_name", full_name.clone().map(drop));
    check("date_of_birth", dob.clone().map(drop));
    check("national_id", national_id.clone().map(drop));
    check("email", email.clone().map(drop));
    let username = email.clone().unwrap_or_default();
    check(
        "password",
        domain::check_password(&form.password, &username),
    );
    let (Ok(full_name), Ok(dob), Ok(national_id), Ok(email), true) =
        (full_name, dob, national_id, email, errors.is_empty())
    else {
        return Err(AppError::Invalid(errors));
    };
    let hash = state.hasher.hash(&form.password).await?;
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    let user = store::insert_user(
        &txn,
        NewUser {
            username: email.clone(),
            full_name,
            email: Some(email.clone()),
            date_of_birth: Some(dob),
            national_id: Some(national_id),
            role: Role::Candidate,
            org_unit_id: None,
            password_hash: hash,
            locale: form.locale.unwrap_or_default().code().to_owned(),
        },
        now,
    )
    .await?;
    let actor = Actor {
        id: Some(user.id),
        name: email.clone(),
        client_addr: client_addr.to_owned(),
    };
    audit::record(&txn, now, &actor, Entry::new("register", &email)).await?;
    txn.commit().await?;
    start_session(state, user, client_addr).await
}

/// Changes one's own password after checking the current one; every other
/// session of the account ends at once.
pub async fn change_password(
    state: &AppState,
    user: &CurrentUser,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let account = store::find_user(&state.db, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !state
        .hasher
        .verify(current, Some(&account.password_hash))
        .await?
    {
        return Err(AppError::invalid(
            "current_password",
            Text::key("password.current_wrong"),
        ));
    }
    domain::check_password(new, &account.username)
        .map_err(|t| AppError::invalid("new_password", t))?;
    let hash = state.hasher.hash(new).await?;
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    store::set_password(&txn, user.id, hash, now).await?;
    let ended = store::revoke_user_sessions(&txn, user.id, Some(&user.session_id), now).await?;
    audit::record(
        &txn,
        now,
        &user.actor(),
        Entry::new("password_changed", &user.username)
            .detail(format!("{ended} other sessions ended")),
    )
    .await?;
    txn.commit().await?;
    state.sessions.forget_user(user.id);
    Ok(())
}

/// A password of 16 characters from an alphabet without look-alikes, for new
/// staff accounts and resets; shown once.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    crate::random_bytes::<16>()
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewAccount {
    pub username: String,
    pub full_name: String,
    #[serde(default)]
    pub email: Option<String>,
    pub role: Role,
    #[serde(default)]
    pub org_unit_id: Option<i32>,
    /// Left empty, a password is generated and returned once.
    #[serde(default)]
    pub password: Option<String>,
}

/// An administrator (or the CLI) creates an account. Personnel must belong to
/// a unit: their access is that unit's subtree.
pub async fn create_account(
    state: &AppState,
    actor: &Actor,
    form: &NewAccount,
) -> Result<(user::Model, Option<String>), AppError> {
    let mut errors = Vec::new();
    let username = domain::normalize_username(&form.username)
        .map_err(|t| errors.push(FieldError::new("username", t)))
        .ok();
    let full_name = domain::check_full_name(&form.full_name)
        .map_err(|t| errors.push(FieldError::new("full_name", t)))
        .ok();
    let email = match form
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(e) => domain::check_email(e)
            .map_err(|t| errors.push(FieldError::new("email", t)))
            .ok(),
        None => None,
    };
    if form.role == Role::Personnel && form.org_unit_id.is_none() {
        errors.push(FieldError::new(
            "org_unit_id",
            Text::key("accounts.personnel_need_unit"),
        ));
    }
    if let Some(unit) = form.org_unit_id
        && crate::org_units::store::find(&state.db, unit)
            .await?
            .is_none()
    {
        errors.push(FieldError::new(
            "org_unit_id",
            Text::key("units.no_such_unit"),
        ));
    }
    let supplied = form.password.as_deref().filter(|p| !p.is_empty());
    if let (Some(p), Some(u)) = (supplied, username.as_deref())
        && let Err(t) = domain::check_password(p, u)
    {
        errors.push(FieldError::new("password", t));
    }
    let (Some(username), Some(full_name), true) = (username, full_name, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let generated = supplied.is_none().then(generate_password);
    let password = supplied
        .map(str::to_owned)
        .or(generated.clone())
        .unwrap_or_default();
    let hash = state.hasher.hash(&password).await?;
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    let user = store::insert_user(
        &txn,
        NewUser {
            username: username.clone(),
            full_name,
            email,
            date_of_birth: None,
            national_id: None,
            role: form.role,
            org_unit_id: form.org_unit_id,
            password_hash: hash,
            locale: Locale::Vi.code().to_owned(),
        },
        now,
    )
    .await?;
    audit::record(
        &txn,
        now,
        actor,
        Entry::new("account_created", &username).detail(format!(
            "role {}, unit {:?}",
            form.role.as_str(),
            form.org_unit_id
        )),
    )
    .await?;
    txn.commit().await?;
    Ok((user, generated))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AccessChange {
    pub role: Role,
    #[serde(default)]
    pub org_unit_id: Option<i32>,
    #[serde(default)]
    pub disabled: bool,
}

/// Role, unit and enabled state. Disabling ends the account's sessions at once.
pub async fn change_access(
    state: &AppState,
    actor: &Actor,
    id: i32,
    change: &AccessChange,
) -> Result<user::Model, AppError> {
    let before = store::find_user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if actor.id == Some(id) && (change.disabled || change.role != Role::Admin) {
        return Err(AppError::invalid(
            "role",
            Text::key("accounts.cannot_demote_self"),
        ));
    }
    if change.role == Role::Personnel && change.org_unit_id.is_none() {
        return Err(AppError::invalid(
            "org_unit_id",
            Text::key("accounts.personnel_need_unit"),
        ));
    }
    if let Some(unit) = change.org_unit_id
        && crate::org_units::store::find(&state.db, unit)
            .await?
            .is_none()
    {
        return Err(AppError::invalid(
            "org_unit_id",
            Text::key("units.no_such_unit"),
        ));
    }
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    store::update_access(&txn, id, change.role, change.org_unit_id, change.disabled).await?;
    if change.disabled {
        store::revoke_user_sessions(&txn, id, None, now).await?;
    }
    let detail = format!(
        "role {} → {}; unit {:?} → {:?}; disabled {} → {}",
        before.role,
        change.role.as_str(),
        before.org_unit_id,
        change.org_unit_id,
        before.disabled,
        change.disabled
    );
    let action = match (before.disabled, change.disabled) {
        (false, true) => "account_disabled",
        (true, false) => "account_enabled",
        _ => "account_changed",
    };
    audit::record(
        &txn,
        now,
        actor,
        Entry::new(action, &before.username).detail(detail),
    )
    .await?;
    txn.commit().await?;
    state.sessions.forget_user(id);
    store::find_user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// An administrator (or the CLI) sets a new password for someone; all their
/// sessions end. Returns the password to hand over.
pub async fn reset_password(
    state: &AppState,
    actor: &Actor,
    id: i32,
    password: Option<&str>,
) -> Result<String, AppError> {
    let account = store::find_user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let password = match password {
        Some(p) => {
            domain::check_password(p, &account.username)
                .map_err(|t| AppError::invalid("password", t))?;
            p.to_owned()
        }
        None => generate_password(),
    };
    let hash = state.hasher.hash(&password).await?;
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    store::set_password(&txn, id, hash, now).await?;
    store::revoke_user_sessions(&txn, id, None, now).await?;
    audit::record(
        &txn,
        now,
        actor,
        Entry::new("password_reset", &account.username),
    )
    .await?;
    txn.commit().await?;
    state.sessions.forget_user(id);
    Ok(password)
}

pub async fn set_locale(
    state: &AppState,
    user: &CurrentUser,
    locale: Locale,
) -> Result<(), AppError> {
    store::set_locale(&state.db, user.id, locale.code()).await?;
    state.sessions.forget_user(user.id);
    Ok(())
}

/// On first start with an empty database: an `admin` account, with the password
/// from `MERIT_ADMIN_PASSWORD` or a generated one (returned to be printed once).
pub async fn ensure_admin(
    state: &AppState,
    password: Option<&str>,
) -> anyhow::Result<Option<String>> {
    if store::count_users(&state.db).await? > 0 {
        return Ok(None);
    }
    let form = NewAccount {
        username: "admin".into(),
        full_name: "Administrator".into(),
        role: Role::Admin,
        password: password.map(str::to_owned),
        ..Default::default()
    };
    match create_account(state, &Actor::system("first-start"), &form).await {
        Ok((_, generated)) => Ok(Some(
            generated.unwrap_or_else(|| "(from MERIT_ADMIN_PASSWORD)".into()),
        )),
        Err(AppError::Invalid(errors)) => anyhow::bail!(
            "MERIT_ADMIN_PASSWORD is not acceptable: {}",
            errors
                .iter()
                .map(|e| e.text.english())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Err(e) => Err(anyhow::anyhow!("creating the admin account: {e}")),
    }
}
