//! `Json` and `Form` that answer malformed input with merit's error shape and
//! a message that says what is wrong, instead of axum's plain-text rejections.

use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::AppError;
use super::i18n::Text;

pub struct Json<T>(pub T);
pub struct Form<T>(pub T);

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
