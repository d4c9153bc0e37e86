//! The OpenAPI 3 document at `/api/openapi.json`. Every JSON endpoint joins it.

use axum::response::IntoResponse;
use utoipa::OpenApi;

use crate::{accounts, attempts, audit, banks, grading, org_units};

#[derive(OpenApi)]
#[openapi(
    info(title = "merit", description = "Civil-service recruitment and promotion exams. Authenticate with `POST /api/session` and send `Authorization: Bearer <token>`."),
    paths(
        accounts::api::create_session,
        accounts::api::end_session,
        accounts::api::register,
        accounts::api::me,
        accounts::api::change_password,
        accounts::api::list_accounts,
        accounts::api::create_account,
        accounts::api::change_access,
        accounts::api::reset_password,
        org_units::routes::list_units,
        org_units::routes::create_unit,
        audit::routes::list,
        banks::api::list_banks,
        banks::api::create_bank,
        banks::api::get_bank,
        banks::api::add_member,
        banks::api::remove_member,
        banks::api::list_questions,
        banks::api::create_question,
        banks::api::get_question,
        banks::api::update_question,
        banks::api::review,
        banks::api::import,
        banks::api::export,
        banks::api::template,
        banks::api::preview,
        attempts::api::dashboard,
        attempts::api::start,
        attempts::api::show,
        attempts::api::save,
        attempts::api::flag,
        attempts::api::move_to,
        attempts::api::submit,
        attempts::api::board,
        attempts::api::extra_time,
        attempts::api::answer_seqs,
        grading::api::grade,
        grading::api::statistics,
        grading::api::key_correction,
        grading::api::results,
        grading::api::tie_decision,
        grading::api::release,
        grading::api::mine,
    ),
    tags((name = "accounts"), (name = "org units"), (name = "audit"), (name = "banks"), (name = "attempts"), (name = "grading"))
)]
pub struct ApiDoc;

pub async fn document() -> impl IntoResponse {
    axum::Json(ApiDoc::openapi())
}
