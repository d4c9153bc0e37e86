//! JSON API for sessions and accounts. API clients send `Authorization: Bearer`.

use crate::web::Query;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, patch, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::device::KnownDevice;
use super::domain::Role;
use super::entity::user;
use super::service::{self, AccessChange, NewAccount, Registration, SignedIn};
use super::store::{self, UserFilter};
use crate::state::AppState;
use crate::web::{AppError, AuthUser, ClientAddr, Json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/session", post(create_session).delete(end_session))
        .route("/api/register", post(register))
        .route("/api/me", get(me))
        .route("/api/me/password", post(change_password))
        .route("/api/accounts", get(list_accounts).post(create_account))
        .route("/api/accounts/{id}", patch(change_access))
        .route("/api/accounts/{id}/password", post(reset_password))
}

#[derive(Serialize, ToSchema)]
pub struct AccountView {
    pub id: i32,
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub role: Role,
    pub org_unit_id: Option<i32>,
    pub disabled: bool,
    pub locale: String,
}

impl From<user::Model> for AccountView {
    fn from(u: user::Model) -> Self {
        AccountView {
            id: u.id,
            role: Role::parse(&u.role).unwrap_or(Role::Candidate),
            username: u.username,
            full_name: u.full_name,
            email: u.email,
            org_unit_id: u.org_unit_id,
            disabled: u.disabled,
            locale: u.locale,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Unix milliseconds; the session may end earlier when idle or signed out.
    pub expires_ms: i64,
    pub account: AccountView,
}

impl From<SignedIn> for SessionView {
    fn from(s: SignedIn) -> Self {
        SessionView {
            token: s.token,
            expires_ms: s.expires_ms,
            account: s.user.into(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    /// Username or email.
    pub login: String,
    pub password: String,
}

#[utoipa::path(post, path = "/api/session", tag = "accounts", request_body = Credentials,
    responses((status = 200, body = SessionView), (status = 422, description = "wrong username or password"), (status = 429, description = "too many failed attempts")))]
pub async fn create_session(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    KnownDevice(device): KnownDevice,
    Json(c): Json<Credentials>,
) -> Result<axum::Json<SessionView>, AppError> {
    Ok(axum::Json(
        service::sign_in(&state, &c.login, &c.password, &addr, device.as_ref())
            .await?
            .into(),
    ))
}

#[utoipa::path(delete, path = "/api/session", tag = "accounts", responses((status = 204)))]
pub async fn end_session(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<StatusCode, AppError> {
    service::sign_out(&state, &user).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/register", tag = "accounts", request_body = Registration,
    responses((status = 201, body = SessionView), (status = 409, description = "email or national ID already registered"), (status = 422, description = "invalid field")))]
pub async fn register(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Json(form): Json<Registration>,
) -> Result<impl IntoResponse, AppError> {
    let signed = service::register(&state, &form, &addr).await?;
    Ok((StatusCode::CREATED, axum::Json(SessionView::from(signed))))
}

#[utoipa::path(get, path = "/api/me", tag = "accounts", responses((status = 200, body = AccountView), (status = 401)))]
pub async fn me(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<axum::Json<AccountView>, AppError> {
    let account = store::find_user(&state.db, user.id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(axum::Json(account.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

#[utoipa::path(post, path = "/api/me/password", tag = "accounts", request_body = PasswordChange,
    responses((status = 204, description = "changed; other sessions ended"), (status = 422)))]
pub async fn change_password(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Json(p): Json<PasswordChange>,
) -> Result<StatusCode, AppError> {
    service::change_password(&state, &user, &p.current_password, &p.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct AccountPage {
    pub items: Vec<AccountView>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

#[utoipa::path(get, path = "/api/accounts", tag = "accounts", params(UserFilter),
    responses((status = 200, body = AccountPage), (status = 403)))]
pub async fn list_accounts(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Query(filter): Query<UserFilter>,
) -> Result<axum::Json<AccountPage>, AppError> {
    user.require(&[Role::Admin])?;
    let (rows, total) = store::list_users(&state.db, &filter).await?;
    Ok(axum::Json(AccountPage {
        items: rows.into_iter().map(Into::into).collect(),
        total,
        page: filter.page.unwrap_or(1).max(1),
        page_size: store::PAGE_SIZE,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CreatedAccount {
    pub account: AccountView,
    /// Present when merit generated the password; shown this once.
    pub password: Option<String>,
}

#[utoipa::path(post, path = "/api/accounts", tag = "accounts", request_body = NewAccount,
    responses((status = 201, body = CreatedAccount), (status = 403), (status = 409), (status = 422)))]
pub async fn create_account(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Json(form): Json<NewAccount>,
) -> Result<impl IntoResponse, AppError> {
    user.require(&[Role::Admin])?;
    let (account, password) = service::create_account(&state, &user.actor(), &form).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CreatedAccount {
            account: account.into(),
            password,
        }),
    ))
}

#[utoipa::path(patch, path = "/api/accounts/{id}", tag = "accounts", request_body = AccessChange,
    params(("id" = i32, Path)), responses((status = 200, body = AccountView), (status = 403), (status = 404)))]
pub async fn change_access(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(change): Json<AccessChange>,
) -> Result<axum::Json<AccountView>, AppError> {
    user.require(&[Role::Admin])?;
    Ok(axum::Json(
        service::change_access(&state, &user.actor(), id, &change)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordReset {
    /// Left out, a password is generated.
    #[serde(default)]
    pub password: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NewPassword {
    pub password: String,
}

#[utoipa::path(post, path = "/api/accounts/{id}/password", tag = "accounts", request_body = PasswordReset,
    params(("id" = i32, Path)), responses((status = 200, body = NewPassword), (status = 403), (status = 404)))]
pub async fn reset_password(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Json(body): Json<PasswordReset>,
) -> Result<axum::Json<NewPassword>, AppError> {
    user.require(&[Role::Admin])?;
    let password =
        service::reset_password(&state, &user.actor(), id, body.password.as_deref()).await?;
    Ok(axum::Json(NewPassword { password }))
}
