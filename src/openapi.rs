//! The OpenAPI 3 document at `/api/openapi.json`. Every JSON endpoint joins it.

use axum::response::IntoResponse;
use utoipa::OpenApi;

use crate::{accounts, audit, banks, campaigns, exams, org_units, plans, staff};

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
        campaigns::api::list,
        campaigns::api::create,
        campaigns::api::show,
        campaigns::api::publish,
        campaigns::api::apply,
        campaigns::api::applications,
        campaigns::api::mine,
        campaigns::api::decide,
        campaigns::api::extra_minutes,
        exams::api::list,
        exams::api::create,
        exams::api::show,
        exams::api::save,
        exams::api::feasibility,
        exams::api::publish,
        exams::api::preview,
        exams::api::issue_forms,
        exams::api::fairness,
        exams::api::reproduce,
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
    tags((name = "accounts"), (name = "org units"), (name = "audit"), (name = "banks"), (name = "campaigns"), (name = "papers"), (name = "staff"), (name = "plans"))
)]
pub struct ApiDoc;

pub async fn document() -> impl IntoResponse {
    axum::Json(ApiDoc::openapi())
}
