//! Promotion campaigns and staff records, both ways. Personnel admit eligible
//! staff from the eligible list: each gets a candidate account (found by
//! national ID, or made with a password handed over once) and an approved
//! application linked to the staff record. After release, confirming a winner
//! writes a promotion event into that record: the campaign position's target
//! grade, at the step the scale's rules give, once.

use crate::db::BeginWrite;
use sea_orm::{DbErr, SqlErr};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::domain::{ApplicationStatus, CampaignKind};
use super::entity::{campaign, position};
use super::service::managed_campaign;
use super::store::{self, NewApplication};
use crate::accounts::domain::Role;
use crate::accounts::store::{self as accounts, NewUser};
use crate::audit::{self, Entry};
use crate::grading::ranking::Standing;
use crate::staff::domain::{self as staff_domain, Event, EventKind, format_coefficient};
use crate::state::AppState;
use crate::web::error::FieldError;
use crate::web::i18n::Text;
use crate::web::{AppError, CurrentUser};

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Admission {
    /// The campaign position the staff sit for.
    pub position_id: i32,
    /// Staff record ids from the eligible list.
    pub staff_ids: Vec<i32>,
}

/// One admitted member of staff: the account they sign in with to sit the
/// exam. `password` is set only for a new account and is shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Admitted {
    pub staff_id: i32,
    pub application_id: i32,
    pub full_name: String,
    pub username: String,
    pub password: Option<String>,
}

/// The sign-in name of a candidate account made for a member of staff.
pub fn staff_username(staff_id: i32) -> String {
    format!("staff-{staff_id}")
}

fn promotion_campaign(c: &campaign::Model) -> Result<(), AppError> {
    if c.kind == CampaignKind::Promotion.as_str() {
        Ok(())
    } else {
        Err(AppError::invalid(
            "campaign",
            Text::key("promotions.not_promotion"),
        ))
    }
}

/// Admits eligible staff into a promotion campaign, all or nothing.
pub async fn admit(
    state: &AppState,
    user: &CurrentUser,
    campaign_id: i32,
    a: &Admission,
) -> Result<Vec<Admitted>, AppError> {
    let c = managed_campaign(state, user, campaign_id).await?;
    promotion_campaign(&c)?;
    let position = store::find_position(&state.db, a.position_id)
        .await?
        .filter(|p| p.campaign_id == c.id)
        .ok_or_else(|| AppError::invalid("position_id", Text::key("applications.bad_position")))?;
    if a.staff_ids.is_empty() {
        return Err(AppError::invalid(
            "staff_ids",
            Text::key("promotions.none_chosen"),
        ));
    }
    let eligible = super::service::eligible(state, user, c.id, user.locale).await?;
    let linked = store::staff_links(&state.db, c.id).await?;
    let mut errors = Vec::new();
    let mut people = Vec::new();
    for id in &a.staff_ids {
        let Some(row) = eligible.iter().find(|r| r.staff_id == *id) else {
            errors.push(FieldError::new(
                "staff_ids",
                Text::key("promotions.not_listed").with("staff", id),
            ));
            continue;
        };
        if !row.eligible {
            errors.push(FieldError::new(
                "staff_ids",
                Text::key("promotions.not_eligible")
                    .with("name", &row.full_name)
                    .with("reasons", row.reasons.join("; ")),
            ));
            continue;
        }
        if linked.iter().any(|l| l.staff_id == *id) || people.iter().any(|(s, _)| s == id) {
            errors.push(FieldError::new(
                "staff_ids",
                Text::key("promotions.already_admitted").with("name", &row.full_name),
            ));
            continue;
        }
        let Some(person) = crate::staff::store::find(&state.db, *id).await? else {
            errors.push(FieldError::new(
                "staff_ids",
                Text::key("promotions.not_listed").with("staff", id),
            ));
            continue;
        };
        people.push((*id, person));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    // Accounts: the one holding the national ID, if it is a candidate's;
    // otherwise a new one. Hash first, outside the transaction: it is slow.
    let mut accounts_for = Vec::with_capacity(people.len());
    for (_, p) in &people {
        let existing = match &p.national_id {
            Some(n) => accounts::find_by_national_id(&state.db, n).await?,
            None => None,
        };
        match existing {
            Some(u) if u.role != Role::Candidate.as_str() => {
                return Err(AppError::invalid(
                    "staff_ids",
                    Text::key("promotions.staff_account").with("name", &p.full_name),
                ));
            }
            Some(u) => accounts_for.push((Some(u), None)),
            None => {
                let password = crate::accounts::service::generate_password();
                let hash = state.hasher.hash(&password).await?;
                accounts_for.push((None, Some((password, hash))));
            }
        }
    }
    let now = state.now_ms();
    let actor = user.actor();
    let txn = state.db.begin_write().await?;
    let mut admitted = Vec::with_capacity(people.len());
    // Checked again inside the transaction: a second admission of the same
    // person at the same moment passed the checks above too. On SQLite the
    // write lock orders the two, and the second sees the first's link here;
    // on PostgreSQL the unique indexes refuse the second's rows below.
    let linked = store::staff_links(&txn, c.id).await?;
    let already = |name: &str| {
        AppError::invalid(
            "staff_ids",
            Text::key("promotions.already_admitted").with("name", name),
        )
    };
    let unless_admitted_meanwhile = |e: DbErr, name: &str| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => already(name),
        _ => AppError::from(e),
    };
    for ((staff_id, p), (existing, new)) in people.iter().zip(accounts_for) {
        if linked.iter().any(|l| l.staff_id == *staff_id) {
            return Err(already(&p.full_name));
        }
        let (account, password) = match (existing, new) {
            (Some(u), _) => (u, None),
            (None, Some((password, hash))) => {
                // Not the national ID: usernames appear on results and
                // marking pages, where identity numbers must not.
                let username = staff_username(*staff_id);
                let u = accounts::insert_user(
                    &txn,
                    NewUser {
                        username,
                        full_name: p.full_name.clone(),
                        email: None,
                        date_of_birth: Some(p.date_of_birth),
                        national_id: p.national_id.clone(),
                        role: Role::Candidate,
                        org_unit_id: None,
                        password_hash: hash,
                        locale: "vi".into(),
                    },
                    now,
                )
                .await
                .map_err(|e| match e {
                    // Its national ID or username was free a moment ago.
                    AppError::Conflict(_) => already(&p.full_name),
                    e => e,
                })?;
                (u, Some(password))
            }
            (None, None) => return Err(AppError::NotFound),
        };
        if store::application_of(&txn, c.id, account.id)
            .await?
            .is_some()
        {
            return Err(already(&p.full_name));
        }
        let application = store::insert_application(
            &txn,
            NewApplication {
                campaign_id: c.id,
                position_id: position.id,
                candidate_id: account.id,
                priority_claims: Vec::new(),
                exemptions: Vec::new(),
                document_ref: None,
                status: ApplicationStatus::Approved,
                extra_minutes: 0,
            },
            now,
        )
        .await
        .map_err(|e| unless_admitted_meanwhile(e, &p.full_name))?;
        store::insert_staff_link(&txn, application.id, c.id, *staff_id, now)
            .await
            .map_err(|e| unless_admitted_meanwhile(e, &p.full_name))?;
        audit::record(
            &txn,
            now,
            &actor,
            Entry::new(
                "staff_admitted",
                format!("staff {staff_id} {}", p.full_name),
            )
            .detail(format!(
                "application {}, campaign {}, position {}{}",
                application.id,
                c.id,
                position.code,
                if password.is_some() {
                    ", new candidate account"
                } else {
                    ""
                }
            )),
        )
        .await?;
        admitted.push(Admitted {
            staff_id: *staff_id,
            application_id: application.id,
            full_name: p.full_name.clone(),
            username: account.username,
            password,
        });
    }
    txn.commit().await?;
    Ok(admitted)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PromotionConfirmation {
    /// Applications of selected candidates in the released ranking.
    pub application_ids: Vec<i32>,
    /// `YYYY-MM-DD`: the date of the promotion decision.
    pub effective_date: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Promoted {
    pub application_id: i32,
    pub staff_id: i32,
    pub full_name: String,
    pub grade: String,
    pub step: i32,
    /// e.g. `4.74`.
    pub coefficient: String,
    /// Confirmed before: nothing was written this time.
    pub already: bool,
}

/// The grade a campaign position promotes to: its job position's grade, else
/// the rule set's target grade.
fn target_grade(
    position: Option<&position::Model>,
    job_grade: Option<String>,
    rule_set: &str,
) -> Option<String> {
    position?;
    job_grade.or_else(|| {
        super::rules::parse(rule_set)
            .and_then(|r| r.promotion)
            .and_then(|p| p.to_grade)
    })
}

/// Writes a promotion event for each confirmed winner, in one transaction with
/// its audit entries. A winner confirmed before is reported, not promoted again.
pub async fn confirm(
    state: &AppState,
    user: &CurrentUser,
    campaign_id: i32,
    c: &PromotionConfirmation,
) -> Result<Vec<Promoted>, AppError> {
    let campaign = managed_campaign(state, user, campaign_id).await?;
    promotion_campaign(&campaign)?;
    if crate::grading::store::release_of(&state.db, campaign.id)
        .await?
        .is_none()
    {
        return Err(AppError::invalid(
            "campaign",
            Text::key("hires.not_released"),
        ));
    }
    let effective = crate::staff::service::parse_date(&c.effective_date)
        .ok_or_else(|| AppError::invalid("effective_date", Text::key("promotions.bad_date")))?;
    let results = crate::grading::service::results_for(state, user, campaign.id).await?;
    let positions = store::positions(&state.db, campaign.id).await?;
    let links = store::staff_links(&state.db, campaign.id).await?;
    let scope = crate::staff::scope::of(&state.db, user).await?;
    let lookups = crate::staff::service::Lookups::load(&state.db, state.now_ms()).await?;
    let mut errors = Vec::new();
    let mut plans = Vec::new();
    for application in &c.application_ids {
        let selected = results.positions.iter().find_map(|p| {
            p.rows
                .iter()
                .find(|r| r.application_id == *application && r.standing == Standing::Selected)
                .map(|_| p.position_id)
        });
        let Some(position_id) = selected else {
            errors.push(FieldError::new(
                "application_ids",
                Text::key("hires.not_selected").with("application", application),
            ));
            continue;
        };
        let Some(link) = links.iter().find(|l| l.application_id == *application) else {
            errors.push(FieldError::new(
                "application_ids",
                Text::key("promotions.not_linked").with("application", application),
            ));
            continue;
        };
        let Some(person) = crate::staff::store::find(&state.db, link.staff_id)
            .await?
            .filter(|s| scope.contains(s.org_unit_id))
        else {
            errors.push(FieldError::new(
                "application_ids",
                Text::key("promotions.not_linked").with("application", application),
            ));
            continue;
        };
        if link.promoted_ms.is_some() {
            plans.push((link.clone(), person, None));
            continue;
        }
        if effective < person.hire_date {
            errors.push(FieldError::new(
                "effective_date",
                Text::key("promotions.before_hire")
                    .with("name", &person.full_name)
                    .with("hired", person.hire_date),
            ));
            continue;
        }
        if person.status != staff_domain::Status::Active.as_str() {
            errors.push(FieldError::new(
                "application_ids",
                Text::key("promotions.not_active").with("name", &person.full_name),
            ));
            continue;
        }
        let position = positions.iter().find(|p| p.id == position_id);
        let job = position
            .and_then(|p| p.job_position_id)
            .and_then(|id| lookups.positions.get(&id));
        let code = position.map(|p| p.code.clone()).unwrap_or_default();
        let Some(grade) = target_grade(
            position,
            job.map(|j| j.grade_code.clone()),
            &campaign.rule_set,
        ) else {
            errors.push(FieldError::new(
                "application_ids",
                Text::key("promotions.no_target_grade").with("code", &code),
            ));
            continue;
        };
        let Some(scale) = lookups.scales.get(&grade) else {
            errors.push(FieldError::new(
                "application_ids",
                Text::key("promotions.no_target_grade").with("code", &code),
            ));
            continue;
        };
        let old_increment = lookups.scales.get(&person.grade_code).map(|s| s.increment);
        let Some(placement) =
            staff_domain::promotion_placement(scale, person.coefficient, old_increment)
        else {
            errors.push(FieldError::new(
                "application_ids",
                Text::key("promotions.no_target_grade").with("code", &code),
            ));
            continue;
        };
        let event = Event {
            effective,
            kind: EventKind::Promotion {
                grade,
                step: placement.step,
                coefficient: placement.coefficient,
                // Into the job position the campaign promoted for, if linked.
                position_id: job.map(|j| j.id).or(person.position_id),
                keeps_step_since: placement.keeps_step_since,
            },
        };
        plans.push((link.clone(), person, Some(event)));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let now = state.now_ms();
    let actor = user.actor();
    let txn = state.db.begin_write().await?;
    let mut out = Vec::with_capacity(plans.len());
    let mut written = 0;
    for (link, person, event) in plans {
        // The conditional mark makes a repeated or concurrent confirmation a no-op.
        let promoted = match event {
            Some(e) if store::mark_promoted(&txn, link.id, now).await? => {
                crate::staff::store::append_event(
                    &txn,
                    person.id,
                    &e,
                    &format!("promoted by campaign {}", campaign.id),
                    &actor.name,
                    now,
                )
                .await
                .map_err(|err| {
                    AppError::invalid(
                        "application_ids",
                        Text::key("promotions.history_refused")
                            .with("name", &person.full_name)
                            .with("detail", err),
                    )
                })?;
                Some(e)
            }
            _ => None,
        };
        let fresh = promoted.is_some();
        let (grade, step, coefficient) = match promoted.map(|e| e.kind) {
            Some(EventKind::Promotion {
                grade,
                step,
                coefficient,
                ..
            }) => (grade, step, coefficient),
            _ => (person.grade_code.clone(), person.step, person.coefficient),
        };
        if fresh {
            audit::record(
                &txn,
                now,
                &actor,
                Entry::new(
                    "staff_promoted",
                    format!("staff {} {}", person.id, person.full_name),
                )
                .detail(format!(
                    "application {}, campaign {}: {} step {} ({}) → {grade} step {step} ({}), from {effective}",
                    link.application_id,
                    campaign.id,
                    person.grade_code,
                    person.step,
                    format_coefficient(person.coefficient),
                    format_coefficient(coefficient),
                )),
            )
            .await?;
            written += 1;
        }
        out.push(Promoted {
            application_id: link.application_id,
            staff_id: person.id,
            full_name: person.full_name.clone(),
            grade,
            step,
            coefficient: format_coefficient(coefficient),
            already: !fresh,
        });
    }
    if written > 0 {
        audit::record(
            &txn,
            now,
            &actor,
            Entry::new("winners_promoted", format!("campaign {}", campaign.id))
                .detail(format!("{written} promoted")),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(out)
}

/// Selected candidates of a released promotion ranking who came from staff
/// records, with whether their promotion is already written: for the page.
pub struct Winner {
    pub application_id: i32,
    pub full_name: String,
    pub code: String,
    pub promoted: bool,
}

pub async fn winners(
    state: &AppState,
    user: &CurrentUser,
    campaign_id: i32,
) -> Result<Vec<Winner>, AppError> {
    let results = crate::grading::service::results_for(state, user, campaign_id).await?;
    let links = store::staff_links(&state.db, campaign_id).await?;
    Ok(results
        .positions
        .iter()
        .flat_map(|p| {
            p.rows
                .iter()
                .filter(|r| r.standing == Standing::Selected)
                .filter_map(|r| {
                    let link = links
                        .iter()
                        .find(|l| l.application_id == r.application_id)?;
                    Some(Winner {
                        application_id: r.application_id,
                        full_name: r.full_name.clone(),
                        code: p.code.clone(),
                        promoted: link.promoted_ms.is_some(),
                    })
                })
        })
        .collect())
}
