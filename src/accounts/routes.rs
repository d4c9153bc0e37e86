//! HTML pages: sign-in, registration, password, language, and the
//! administrators' account pages.

use crate::web::Query;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::device::{DeviceCookie, KnownDevice};
use super::domain::Role;
use super::entity::user;
use super::service::{self, AccessChange, NewAccount, Registration, SignedIn};
use super::store::{self, UserFilter};
use crate::org_units;
use crate::state::AppState;
use crate::web::i18n::Locale;
use crate::web::page::safe_next;
use crate::web::{AppError, AuthUser, ClientAddr, Form, MaybeUser, Page, Shell, render};
use crate::web::{cookies, csrf};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/sign-in", get(sign_in_page).post(sign_in))
        .route("/sign-out", post(sign_out))
        .route("/register", get(register_page).post(register))
        .route(
            "/account/password",
            get(password_page).post(change_password),
        )
        .route("/lang", post(switch_language))
        .route("/admin/accounts", get(accounts_page).post(create_account))
        .route("/admin/accounts/new", get(new_account_page))
        .route(
            "/admin/accounts/{id}",
            get(account_page).post(change_access),
        )
        .route("/admin/accounts/{id}/reset-password", post(reset_password))
}

fn with_status(status: StatusCode, html: impl IntoResponse) -> Response {
    (status, html).into_response()
}

fn session_cookie(state: &AppState, signed: &SignedIn) -> HeaderValue {
    let max_age = (signed.expires_ms - state.now_ms()) / 1000;
    cookies::set(
        cookies::SESSION,
        &signed.token,
        Some(max_age),
        state.config.cookie_secure,
    )
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    s: Shell,
}

async fn home(Page(s): Page) -> Result<impl IntoResponse, AppError> {
    render(Home { s })
}

#[derive(Template)]
#[template(path = "accounts/sign_in.html")]
struct SignInPage {
    s: Shell,
    next: String,
    login: String,
    errors: Vec<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn sign_in_page(Page(s): Page, Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    if s.user.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let next = safe_next(q.next.as_deref());
    Ok(render(SignInPage {
        s,
        next,
        login: String::new(),
        errors: vec![],
    })?
    .into_response())
}

#[derive(Deserialize)]
struct SignInForm {
    login: String,
    password: String,
    next: Option<String>,
}

async fn sign_in(
    State(state): State<AppState>,
    Page(s): Page,
    ClientAddr(addr): ClientAddr,
    KnownDevice(device): KnownDevice,
    Form(form): Form<SignInForm>,
) -> Result<Response, AppError> {
    let next = safe_next(form.next.as_deref());
    match service::sign_in(&state, &form.login, &form.password, &addr, device.as_ref()).await {
        Ok(signed) => {
            let mut r = Redirect::to(&next).into_response();
            r.headers_mut()
                .append(header::SET_COOKIE, session_cookie(&state, &signed));
            r.headers_mut()
                .append(header::SET_COOKIE, csrf::renew_nonce(&state));
            // This browser is now known for this account; one it already
            // knew keeps its id (and its count of failures).
            let device = device
                .filter(|d| d.user_id == signed.user.id)
                .unwrap_or_else(|| DeviceCookie::new(signed.user.id, crate::random_bytes()));
            r.headers_mut()
                .append(header::SET_COOKIE, device.set_cookie(&state));
            r.headers_mut().append(
                header::SET_COOKIE,
                cookies::set(
                    cookies::LANG,
                    &signed.user.locale,
                    Some(31_536_000),
                    state.config.cookie_secure,
                ),
            );
            Ok(r)
        }
        Err(e) => {
            let status = e.status_code();
            let errors = e.into_form_messages(s.tr.0)?;
            Ok(with_status(
                status,
                render(SignInPage {
                    s,
                    next,
                    login: form.login,
                    errors,
                })?,
            ))
        }
    }
}

async fn sign_out(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
) -> Result<Response, AppError> {
    if let Some(user) = user {
        service::sign_out(&state, &user).await?;
    }
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        cookies::set(cookies::SESSION, "", Some(0), state.config.cookie_secure),
    );
    r.headers_mut()
        .append(header::SET_COOKIE, csrf::renew_nonce(&state));
    Ok(r)
}

#[derive(Template)]
#[template(path = "accounts/register.html")]
struct RegisterPage {
    s: Shell,
    form: Registration,
    errors: Vec<String>,
}

async fn register_page(Page(s): Page) -> Result<impl IntoResponse, AppError> {
    render(RegisterPage {
        s,
        form: Registration::default(),
        errors: vec![],
    })
}

async fn register(
    State(state): State<AppState>,
    Page(s): Page,
    ClientAddr(addr): ClientAddr,
    Form(mut form): Form<Registration>,
) -> Result<Response, AppError> {
    form.locale = Some(s.tr.0);
    match service::register(&state, &form, &addr).await {
        Ok(signed) => {
            let mut r = Redirect::to("/").into_response();
            r.headers_mut()
                .append(header::SET_COOKIE, session_cookie(&state, &signed));
            r.headers_mut()
                .append(header::SET_COOKIE, csrf::renew_nonce(&state));
            Ok(r)
        }
        Err(e) => {
            let status = e.status_code();
            let errors = e.into_form_messages(s.tr.0)?;
            form.password.clear();
            Ok(with_status(
                status,
                render(RegisterPage { s, form, errors })?,
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "accounts/password.html")]
struct PasswordPage {
    s: Shell,
    errors: Vec<String>,
    done: bool,
}

async fn password_page(
    Page(s): Page,
    AuthUser(_): AuthUser,
) -> Result<impl IntoResponse, AppError> {
    render(PasswordPage {
        s,
        errors: vec![],
        done: false,
    })
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    match service::change_password(&state, &user, &form.current_password, &form.new_password).await
    {
        Ok(()) => Ok(render(PasswordPage {
            s,
            errors: vec![],
            done: true,
        })?
        .into_response()),
        Err(e) => {
            let status = e.status_code();
            let errors = e.into_form_messages(s.tr.0)?;
            Ok(with_status(
                status,
                render(PasswordPage {
                    s,
                    errors,
                    done: false,
                })?,
            ))
        }
    }
}

#[derive(Deserialize)]
struct LanguageForm {
    lang: String,
    back: Option<String>,
}

async fn switch_language(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Form(form): Form<LanguageForm>,
) -> Result<Response, AppError> {
    let locale = Locale::parse(&form.lang).unwrap_or_default();
    if let Some(user) = user {
        service::set_locale(&state, &user, locale).await?;
    }
    let mut r = Redirect::to(&safe_next(form.back.as_deref())).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        cookies::set(
            cookies::LANG,
            locale.code(),
            Some(31_536_000),
            state.config.cookie_secure,
        ),
    );
    Ok(r)
}

pub struct AccountRow {
    pub id: i32,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub unit: String,
    pub disabled: bool,
}

async fn account_rows(
    state: &AppState,
    users: Vec<user::Model>,
) -> Result<Vec<AccountRow>, AppError> {
    let names = org_units::store::names(&state.db).await?;
    Ok(users
        .into_iter()
        .map(|u| AccountRow {
            id: u.id,
            role: Role::parse(&u.role).unwrap_or(Role::Candidate),
            unit: u
                .org_unit_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_default(),
            username: u.username,
            full_name: u.full_name,
            disabled: u.disabled,
        })
        .collect())
}

#[derive(Template)]
#[template(path = "accounts/admin_list.html")]
struct AccountsPage {
    s: Shell,
    rows: Vec<AccountRow>,
    filter: UserFilter,
    total: u64,
    page: u64,
    pages: u64,
    roles: [Role; 4],
}

impl AccountsPage {
    fn query_for(&self, page: u64) -> String {
        serde_urlencoded::to_string([
            ("q", self.filter.q.clone().unwrap_or_default()),
            ("role", self.filter.role.clone().unwrap_or_default()),
            ("page", page.to_string()),
        ])
        .unwrap_or_default()
    }
}

async fn accounts_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Query(filter): Query<UserFilter>,
) -> Result<impl IntoResponse, AppError> {
    user.require(&[Role::Admin])?;
    let (users, total) = store::list_users(&state.db, &filter).await?;
    let rows = account_rows(&state, users).await?;
    let page = filter.page.unwrap_or(1).max(1);
    let pages = total.div_ceil(store::PAGE_SIZE).max(1);
    render(AccountsPage {
        s,
        rows,
        filter,
        total,
        page,
        pages,
        roles: Role::ALL,
    })
}

#[derive(Template)]
#[template(path = "accounts/admin_new.html")]
struct NewAccountPage {
    s: Shell,
    units: Vec<(i32, String)>,
    form: NewAccountForm,
    errors: Vec<String>,
    roles: [Role; 4],
}

#[derive(Deserialize, Default)]
struct NewAccountForm {
    username: String,
    full_name: String,
    #[serde(default)]
    email: String,
    role: String,
    #[serde(default)]
    org_unit_id: String,
}

async fn new_account_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
) -> Result<impl IntoResponse, AppError> {
    user.require(&[Role::Admin])?;
    let units = org_units::store::options(&state.db).await?;
    render(NewAccountPage {
        s,
        units,
        form: NewAccountForm {
            role: "board".into(),
            ..Default::default()
        },
        errors: vec![],
        roles: Role::ALL,
    })
}

#[derive(Template)]
#[template(path = "accounts/admin_created.html")]
struct CreatedPage {
    s: Shell,
    username: String,
    password: String,
}

async fn create_account(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Form(form): Form<NewAccountForm>,
) -> Result<Response, AppError> {
    user.require(&[Role::Admin])?;
    let Some(role) = Role::parse(&form.role) else {
        return Err(AppError::invalid(
            "role",
            crate::web::i18n::Text::key("accounts.bad_role"),
        ));
    };
    let account = NewAccount {
        username: form.username.clone(),
        full_name: form.full_name.clone(),
        email: Some(form.email.clone()),
        role,
        org_unit_id: form.org_unit_id.parse().ok(),
        password: None,
    };
    match service::create_account(&state, &user.actor(), &account).await {
        Ok((created, password)) => Ok(render(CreatedPage {
            s,
            username: created.username,
            password: password.unwrap_or_default(),
        })?
        .into_response()),
        Err(e) => {
            let status = e.status_code();
            let errors = e.into_form_messages(s.tr.0)?;
            let units = org_units::store::options(&state.db).await?;
            Ok(with_status(
                status,
                render(NewAccountPage {
                    s,
                    units,
                    form,
                    errors,
                    roles: Role::ALL,
                })?,
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "accounts/admin_account.html")]
struct AccountPage {
    s: Shell,
    account: AccountRow,
    unit_id: Option<i32>,
    units: Vec<(i32, String)>,
    roles: [Role; 4],
    errors: Vec<String>,
    notice: Option<String>,
}

impl AccountPage {
    fn is_unit(&self, id: &i32) -> bool {
        self.unit_id == Some(*id)
    }
}

async fn show_account(
    state: &AppState,
    s: Shell,
    id: i32,
    errors: Vec<String>,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let account = store::find_user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit_id = account.org_unit_id;
    let row = account_rows(state, vec![account])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let units = org_units::store::options(&state.db).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(with_status(
        status,
        render(AccountPage {
            s,
            account: row,
            unit_id,
            units,
            roles: Role::ALL,
            errors,
            notice,
        })?,
    ))
}

async fn account_page(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    user.require(&[Role::Admin])?;
    show_account(&state, s, id, vec![], None).await
}

#[derive(Deserialize)]
struct AccessForm {
    role: String,
    #[serde(default)]
    org_unit_id: String,
    #[serde(default)]
    disabled: Option<String>,
}

async fn change_access(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    Form(form): Form<AccessForm>,
) -> Result<Response, AppError> {
    user.require(&[Role::Admin])?;
    let role = Role::parse(&form.role).ok_or_else(|| {
        AppError::invalid("role", crate::web::i18n::Text::key("accounts.bad_role"))
    })?;
    let change = AccessChange {
        role,
        org_unit_id: form.org_unit_id.parse().ok(),
        disabled: form.disabled.is_some(),
    };
    match service::change_access(&state, &user.actor(), id, &change).await {
        Ok(_) => {
            let saved = s.tr.t("common.saved");
            show_account(&state, s, id, vec![], Some(saved)).await
        }
        Err(e) => {
            let errors = e.into_form_messages(s.tr.0)?;
            show_account(&state, s, id, errors, None).await
        }
    }
}

async fn reset_password(
    State(state): State<AppState>,
    Page(s): Page,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
) -> Result<Response, AppError> {
    user.require(&[Role::Admin])?;
    let password = service::reset_password(&state, &user.actor(), id, None).await?;
    let account = store::find_user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(render(CreatedPage {
        s,
        username: account.username,
        password,
    })?
    .into_response())
}
