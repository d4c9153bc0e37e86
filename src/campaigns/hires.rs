//! After results are released, personnel confirm the winners of a recruitment:
//! each selected candidate becomes a staff record in the job position the
//! campaign position recruits for, opened with a hire event (probation starts
//! on the hire date). Staff records, vacancies and plan projections follow.

use crate::db::BeginWrite;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::domain::CampaignKind;
use super::service::managed_campaign;
use super::store;
use crate::accounts::store as accounts;
use crate::grading::ranking::Standing;
use crate::staff::service::NewStaff;
use crate::state::AppState;
use crate::web::error::FieldError;
use crate::web::i18n::Text;
use crate::web::{AppError, CurrentUser};

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Winner {
    pub application_id: i32,
    /// `male` or `female`: registration does not ask, the staff record needs it.
    pub gender: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Confirmation {
    pub winners: Vec<Winner>,
    /// `YYYY-MM-DD`: the first day in post.
    pub hire_date: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Hired {
    pub application_id: i32,
    pub staff_id: i32,
    pub full_name: String,
}

/// Hires the confirmed winners. Only candidates the released ranking selected
/// may be hired, only into a position linked to a job position, and each at
/// most once (the national ID is unique among staff). All or nothing.
pub async fn confirm(
    state: &AppState,
    user: &CurrentUser,
    campaign_id: i32,
    c: &Confirmation,
) -> Result<Vec<Hired>, AppError> {
    let campaign = managed_campaign(state, user, campaign_id).await?;
    if campaign.kind != CampaignKind::Recruitment.as_str() {
        return Err(AppError::invalid(
            "campaign",
            Text::key("hires.not_recruitment"),
        ));
    }
    if crate::grading::store::release_of(&state.db, campaign.id)
        .await?
        .is_none()
    {
        return Err(AppError::invalid(
            "campaign",
            Text::key("hires.not_released"),
        ));
    }
    let results = crate::grading::service::results_for(state, user, campaign.id).await?;
    let positions = store::positions(&state.db, campaign.id).await?;
    let scope = crate::staff::scope::of(&state.db, user).await?;
    let actor = user.actor();
    let mut errors = Vec::new();
    let mut plans = Vec::new();
    for w in &c.winners {
        let row = results.positions.iter().find_map(|p| {
            p.rows
                .iter()
                .find(|r| r.application_id == w.application_id)
                .map(|r| (p, r))
        });
        let Some((position_results, row)) = row.filter(|(_, r)| r.standing == Standing::Selected)
        else {
            errors.push(FieldError::new(
                "winners",
                Text::key("hires.not_selected").with("application", w.application_id),
            ));
            continue;
        };
        let position = positions
            .iter()
            .find(|p| p.id == position_results.position_id);
        let Some(job_id) = position.and_then(|p| p.job_position_id) else {
            errors.push(FieldError::new(
                "winners",
                Text::key("hires.no_job_position").with("code", &position_results.code),
            ));
            continue;
        };
        let Some(job) = crate::staff::store::position(&state.db, job_id).await? else {
            errors.push(FieldError::new(
                "winners",
                Text::key("hires.no_job_position").with("code", &position_results.code),
            ));
            continue;
        };
        let Some(person) = accounts::find_user(&state.db, row.candidate_id).await? else {
            errors.push(FieldError::new(
                "winners",
                Text::key("hires.not_selected").with("application", w.application_id),
            ));
            continue;
        };
        plans.push((
            w.application_id,
            NewStaff {
                full_name: person.full_name.clone(),
                gender: w.gender.clone(),
                date_of_birth: person
                    .date_of_birth
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                national_id: person.national_id.clone(),
                org_unit_id: job.org_unit_id,
                position_id: Some(job.id),
                employment_type: "civil_servant".into(),
                grade: job.grade_code.clone(),
                step: 1,
                coefficient: None,
                last_step_raise: None,
                hire_date: c.hire_date.clone(),
            },
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    // Check every record before writing any; then write them in one transaction.
    let lookups = crate::staff::service::Lookups::load(&state.db, state.now_ms()).await?;
    let mut checked = Vec::with_capacity(plans.len());
    for (application, n) in &plans {
        let (who, event) =
            crate::staff::service::check_new_staff(n, &lookups, &scope).map_err(|problems| {
                AppError::Invalid(
                    problems
                        .into_iter()
                        .map(|p| FieldError {
                            field: Some("winners"),
                            text: Text::Raw(format!(
                                "application {application}: {}",
                                p.text.english()
                            )),
                        })
                        .collect(),
                )
            })?;
        if let Some(id) = &who.national_id
            && crate::staff::store::national_id_taken(&state.db, id).await?
        {
            return Err(AppError::invalid(
                "winners",
                Text::key("hires.already_staff").with("application", application),
            ));
        }
        checked.push((*application, who, event));
    }
    let now = state.now_ms();
    let txn = state.db.begin_write().await?;
    let mut hired = Vec::new();
    for (application, who, event) in &checked {
        let m = crate::staff::store::hire(
            &txn,
            who,
            event,
            &format!("recruited by campaign {}", campaign.id),
            &actor.name,
            now,
        )
        .await
        .map_err(|e| {
            AppError::Internal(anyhow::anyhow!("hiring application {application}: {e}"))
        })?;
        crate::audit::record(
            &txn,
            now,
            &actor,
            crate::audit::Entry::new("staff_hired", format!("staff {} {}", m.id, m.full_name))
                .detail(format!(
                    "application {application}, campaign {}",
                    campaign.id
                )),
        )
        .await?;
        hired.push(Hired {
            application_id: *application,
            staff_id: m.id,
            full_name: m.full_name,
        });
    }
    crate::audit::record(
        &txn,
        now,
        &actor,
        crate::audit::Entry::new("winners_hired", format!("campaign {}", campaign.id))
            .detail(format!("{} hired", hired.len())),
    )
    .await?;
    txn.commit().await?;
    Ok(hired)
}
