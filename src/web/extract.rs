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

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default()).map(Query)
    }
}

/// A query string as a `T`; what does not fit is refused with the field named.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, AppError> {
    let names = std::cell::Cell::new(&[] as &'static [&'static str]);
    let de = FieldNames {
        inner: serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes())),
        names: &names,
    };
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let text = Text::key("error.bad_query").with("detail", e.into_inner());
        match names.get().iter().find(|n| **n == path) {
            Some(field) => AppError::bad_field(field, text),
            None => AppError::bad_request(text),
        }
    })
}

/// Notes the field names a struct declares, so an error can name its field
/// with the `&'static str` the error body carries.
struct FieldNames<'a, D> {
    inner: D,
    names: &'a std::cell::Cell<&'static [&'static str]>,
}

impl<'de, D: serde::Deserializer<'de>> serde::Deserializer<'de> for FieldNames<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(v)
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.names.set(fields);
        self.inner.deserialize_struct(name, fields, v)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// The highest page a list is asked for: far past any list, and small enough
/// that its offset fits the database's integers.
pub const MAX_PAGE: u64 = 1_000_000;

/// `page=`: a whole number from 1 to [`MAX_PAGE`]
/// (`#[serde(default, deserialize_with = "crate::web::extract::page")]`).
pub fn page<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    use serde::Deserialize;
    let page = Option::<u64>::deserialize(d)?;
    match page {
        Some(p) if !(1..=MAX_PAGE).contains(&p) => Err(serde::de::Error::custom(format!(
            "page {p} is not between 1 and {MAX_PAGE}"
        ))),
        other => Ok(other),
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
