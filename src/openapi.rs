//! The OpenAPI 3 document at `/api/openapi.json`. Every JSON endpoint joins it.

use axum::response::IntoResponse;
use utoipa::OpenApi;

use crate::{accounts, audit, org_units, plans, staff};

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
        staff::api::grades,
        staff::api::base_salaries,
        staff::api::set_base_salary,
        staff::api::list_positions,
        staff::api::create_position,
        staff::api::get_position,
        staff::api::update_position,
        staff::api::list_staff,
        staff::api::create_staff,
        staff::api::get_staff,
        staff::api::add_event,
        staff::api::import_staff,
        staff::api::export_staff,
        plans::api::list_plans,
        plans::api::create_plan,
        plans::api::get_plan,
        plans::api::set_targets,
        plans::api::propose,
        plans::api::withdraw,
        plans::api::submit,
        plans::api::approve,
        plans::api::return_plan,
        plans::api::carry_out,
        plans::api::cap,
        plans::api::dashboard,
    ),
    tags((name = "accounts"), (name = "org units"), (name = "audit"), (name = "staff"), (name = "plans"))
)]
pub struct ApiDoc;

pub async fn document() -> impl IntoResponse {
    axum::Json(ApiDoc::openapi())
}
