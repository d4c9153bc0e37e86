//! One error type for every route. JSON callers get `{"errors":[{"detail":..}]}`;
//! HTML callers get the same message on a page (see `html_errors`). Details of a
//! 5xx go to the log, never to the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;

use super::i18n::{Locale, Text};

#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    #[serde(skip)]
    pub text: Text,
}

impl FieldError {
    pub fn new(field: &'static str, text: impl Into<Text>) -> Self {
        FieldError {
            field: Some(field),
            text: text.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{}", .0.english())]
    BadRequest(Text),
    /// A malformed request, with the field at fault.
    #[error("{}", .0.text.english())]
    BadField(FieldError),
    #[error("sign in first")]
    Unauthorized,
    #[error("you do not have access to this")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Input that breaks a rule; one entry per problem.
    #[error("{}", first_english(.0))]
    Invalid(Vec<FieldError>),
    #[error("{}", .0.text.english())]
    Conflict(FieldError),
    #[error("{}", .0.english())]
    TooManyRequests(Text),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

fn first_english(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| e.text.english())
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
            return AppError::Conflict(FieldError {
                field: None,
                text: Text::key("error.duplicate"),
            });
        }
        AppError::Internal(err.into())
    }
}

impl From<askama::Error> for AppError {
    fn from(err: askama::Error) -> Self {
        AppError::Internal(anyhow::anyhow!("template: {err}"))
    }
}

impl AppError {
    pub fn invalid(field: &'static str, text: impl Into<Text>) -> Self {
        AppError::Invalid(vec![FieldError::new(field, text)])
    }

    pub fn bad_request(text: impl Into<Text>) -> Self {
        AppError::BadRequest(text.into())
    }

    pub fn bad_field(field: &'static str, text: impl Into<Text>) -> Self {
        AppError::BadField(FieldError::new(field, text))
    }

    /// The messages a person sees, in their language, without field names.
    pub fn messages(&self, locale: Locale) -> Vec<String> {
        self.details(locale).into_iter().map(|(_, m)| m).collect()
    }

    /// For a page that shows its form again: the messages of a mistake the
    /// person can fix (invalid input, a conflict, throttling); any other error
    /// passes through to become an error page.
    pub fn into_form_messages(self, locale: Locale) -> Result<Vec<String>, AppError> {
        match self {
            e @ (AppError::Invalid(_) | AppError::Conflict(_) | AppError::TooManyRequests(_)) => {
                Ok(e.messages(locale))
            }
            other => Err(other),
        }
    }

    pub fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) | AppError::BadField(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The messages a person sees, in their language.
    pub fn details(&self, locale: Locale) -> Vec<(Option<&'static str>, String)> {
        let key = |k: &'static str| vec![(None, Text::key(k).render(locale))];
        match self {
            AppError::BadRequest(t) | AppError::TooManyRequests(t) => {
                vec![(None, t.render(locale))]
            }
            AppError::Unauthorized => key("error.unauthorized"),
            AppError::Forbidden => key("error.forbidden"),
            AppError::NotFound => key("error.not_found"),
            AppError::Invalid(errors) => errors
                .iter()
                .map(|e| (e.field, e.text.render(locale)))
                .collect(),
            AppError::Conflict(e) | AppError::BadField(e) => {
                vec![(e.field, e.text.render(locale))]
            }
            AppError::Internal(_) => key("error.internal"),
        }
    }
}

/// Put on an error response so the HTML layer can render it as a page.
#[derive(Clone, Debug)]
pub struct ErrorDetails(
    pub Vec<(Option<&'static str>, String)>,
    pub Vec<(Option<&'static str>, String)>,
);

#[derive(Serialize)]
struct ErrorBody {
    errors: Vec<ErrorItem>,
}

#[derive(Serialize)]
struct ErrorItem {
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'static str>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        if let AppError::Internal(err) = &self {
            tracing::error!(error = ?err, "request failed");
        }
        let english = self.details(Locale::En);
        let body = ErrorBody {
            errors: english
                .iter()
                .map(|(field, detail)| ErrorItem {
                    detail: detail.clone(),
                    field: *field,
                })
                .collect(),
        };
        let mut response = (status, axum::Json(body)).into_response();
        response
            .extensions_mut()
            .insert(ErrorDetails(english, self.details(Locale::Vi)));
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// The layer that turns a handler's panic into a plain 500 (merit's error
/// body) and one log line, instead of a dropped connection.
pub fn catch_panics() -> tower_http::catch_panic::CatchPanicLayer<fn(PanicPayload) -> Response> {
    tower_http::catch_panic::CatchPanicLayer::custom(panic_response as fn(PanicPayload) -> Response)
}

type PanicPayload = Box<dyn std::any::Any + Send + 'static>;

fn panic_response(payload: PanicPayload) -> Response {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    AppError::Internal(anyhow::anyhow!("handler panicked: {message}")).into_response()
}

#[cfg(test)]
mod panic_tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_a_plain_500() {
        let app = axum::Router::new()
            .route(
                "/boom",
                axum::routing::get(|| async {
                    let n: u64 = u64::MAX;
                    i64::try_from(n).expect("out of range");
                }),
            )
            .layer(super::catch_panics());
        let r = app
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("\"errors\""), "{body}");
        assert!(
            !body.contains("out of range"),
            "no panic detail to the client: {body}"
        );
    }
}
