//! `Json`, `Form` and `Query` that answer malformed input with merit's error shape and
//! a message that says what is wrong, instead of axum's plain-text rejections.

use axum::extract::FromRequestParts;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{FromRequest, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::AppError;
use super::i18n::Text;

pub struct Json<T>(pub T);
pub struct Form<T>(pub T);
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(JsonRejection::BytesRejection(_)) => {
                Err(AppError::bad_request(Text::key("error.too_large")))
            }
            Err(e) => Err(AppError::bad_request(
                Text::key("error.bad_json").with("detail", e.body_text()),
            )),
        }
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(FormRejection::BytesRejection(_)) => {
                Err(AppError::bad_request(Text::key("error.too_large")))
            }
            Err(e) => Err(AppError::bad_request(
                Text::key("error.bad_form").with("detail", e.body_text()),
            )),
        }
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Query(v))
            .map_err(|e| {
                AppError::bad_request(Text::key("error.bad_query").with("detail", e.body_text()))
            })
    }
}

/// A urlencoded form's fields in the order sent, repeated names kept: the
/// checkboxes of a list (`staff=1&staff=2`) and per-row fields
/// (`gender_17=f`), which [`Form`] cannot collect into a struct.
pub struct FormFields(pub Vec<(String, String)>);

impl FormFields {
    /// The first value sent under `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value sent under `name`.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value sent under `name` that parses as a `T`.
    pub fn all<T: std::str::FromStr>(&self, name: &str) -> Vec<T> {
        self.values(name).filter_map(|v| v.parse().ok()).collect()
    }

    /// `(rest, value)` of every field named `prefix` + rest.
    pub fn with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.0
            .iter()
            .filter_map(move |(k, v)| Some((k.strip_prefix(prefix)?, v.as_str())))
    }
}

impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::bad_request(Text::key("error.too_large")))?;
        serde_urlencoded::from_bytes(&body)
            .map(FormFields)
            .map_err(|e| AppError::bad_request(Text::key("error.bad_form").with("detail", e)))
    }
}

#[cfg(test)]
mod tests {
    use super::FormFields;

    fn fields(pairs: &[(&str, &str)]) -> FormFields {
        FormFields(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn repeated_and_prefixed_fields_are_all_kept() {
        let f = fields(&[
            ("staff", "4"),
            ("gender_17", "f"),
            ("staff", "x"),
            ("staff", "9"),
            ("date", "2026-12-01"),
            ("gender_3", ""),
            ("date", "later"),
        ]);
        assert_eq!(f.get("date"), Some("2026-12-01"), "the first of a repeat");
        assert_eq!(f.get("missing"), None);
        assert_eq!(
            f.values("date").collect::<Vec<_>>(),
            ["2026-12-01", "later"]
        );
        assert_eq!(
            f.all::<i32>("staff"),
            vec![4, 9],
            "what does not parse is left out"
        );
        assert_eq!(
            f.with_prefix("gender_").collect::<Vec<_>>(),
            vec![("17", "f"), ("3", "")]
        );
    }
}
