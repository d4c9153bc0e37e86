//! HTTP pieces shared by every feature: errors, sign-in extractors, CSRF,
//! the page shell, translations, client addresses, static assets.

pub mod assets;
pub mod auth;
pub mod client_addr;
pub mod cookies;
pub mod csrf;
pub mod csv;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod page;
pub mod upload;

pub use auth::{AuthUser, CurrentUser, MaybeUser};
pub use client_addr::ClientAddr;
pub use error::{AppError, AppResult};
pub use extract::{Form, FormFields, Json, Query};
pub use page::{Page, Shell, render};
