//! Campaign, position and application rows.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::domain::{ApplicationStatus, CampaignKind, PriorityClaim, section_key};
use super::entity::{application, campaign, position, round_result, staff_link};
use crate::accounts::entity::user;
use crate::rules::model::SectionRef;

pub struct NewCampaign {
    pub title: String,
    pub kind: CampaignKind,
    pub org_unit_id: i32,
    pub rule_set_json: String,
    pub applies_from_ms: i64,
    pub applies_until_ms: i64,
    pub created_by: i32,
    /// Why rules out of force for these dates are used (a transitional intake).
    pub transitional_reason: Option<String>,
}

pub async fn insert_campaign(
    db: &impl ConnectionTrait,
    c: NewCampaign,
    job_positions: &[Option<i32>],
    positions: &[(String, String, i32)],
    now_ms: i64,
) -> Result<campaign::Model, DbErr> {
    let row = campaign::ActiveModel {
        title: Set(c.title),
        kind: Set(c.kind.as_str().to_owned()),
        org_unit_id: Set(c.org_unit_id),
        rule_set: Set(c.rule_set_json),
        applies_from_ms: Set(c.applies_from_ms),
        applies_until_ms: Set(c.applies_until_ms),
        status: Set("draft".to_owned()),
        created_by: Set(c.created_by),
        created_ms: Set(now_ms),
        transitional_reason: Set(c.transitional_reason),
        ..Default::default()
    }
    .insert(db)
    .await?;
    for (i, (code, title, quota)) in positions.iter().enumerate() {
        position::ActiveModel {
            campaign_id: Set(row.id),
            code: Set(code.clone()),
            title: Set(title.trim().to_owned()),
            quota: Set(*quota),
            job_position_id: Set(job_positions.get(i).copied().flatten()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(row)
}

pub async fn set_status(db: &impl ConnectionTrait, id: i32, status: &str) -> Result<(), DbErr> {
    campaign::ActiveModel {
        id: Set(id),
        status: Set(status.to_owned()),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Replaces a campaign's rule set (JSON, already validated).
pub async fn set_rule_set(
    db: &impl ConnectionTrait,
    id: i32,
    rule_set_json: String,
) -> Result<(), DbErr> {
    campaign::ActiveModel {
        id: Set(id),
        rule_set: Set(rule_set_json),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

pub async fn find_campaign(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<campaign::Model>, DbErr> {
    campaign::Entity::find_by_id(id).one(db).await
}

pub async fn positions(
    db: &impl ConnectionTrait,
    campaign_id: i32,
) -> Result<Vec<position::Model>, DbErr> {
    position::Entity::find()
        .filter(position::Column::CampaignId.eq(campaign_id))
        .order_by_asc(position::Column::Code)
        .all(db)
        .await
}

pub async fn find_position(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<position::Model>, DbErr> {
    position::Entity::find_by_id(id).one(db).await
}

/// Campaigns in these units (`None`: all), newest first.
pub async fn campaigns_in(
    db: &impl ConnectionTrait,
    units: &Option<Vec<i32>>,
) -> Result<Vec<campaign::Model>, DbErr> {
    let mut q = campaign::Entity::find();
    if let Some(units) = units {
        q = q.filter(campaign::Column::OrgUnitId.is_in(units.clone()));
    }
    q.order_by_desc(campaign::Column::Id).all(db).await
}

/// Published campaigns whose application window is open at `now`.
pub async fn open_campaigns(
    db: &impl ConnectionTrait,
    now_ms: i64,
) -> Result<Vec<campaign::Model>, DbErr> {
    campaign::Entity::find()
        .filter(campaign::Column::Status.eq("published"))
        .filter(campaign::Column::AppliesFromMs.lte(now_ms))
        .filter(campaign::Column::AppliesUntilMs.gt(now_ms))
        .order_by_asc(campaign::Column::AppliesUntilMs)
        .all(db)
        .await
}

pub struct NewApplication {
    pub campaign_id: i32,
    pub position_id: i32,
    pub candidate_id: i32,
    pub priority_claims: Vec<PriorityClaim>,
    pub exemptions: Vec<SectionRef>,
    pub document_ref: Option<String>,
    pub status: ApplicationStatus,
    pub extra_minutes: i32,
}

pub async fn insert_application(
    db: &impl ConnectionTrait,
    a: NewApplication,
    now_ms: i64,
) -> Result<application::Model, DbErr> {
    application::ActiveModel {
        campaign_id: Set(a.campaign_id),
        position_id: Set(a.position_id),
        candidate_id: Set(a.candidate_id),
        priority_claims: Set(json_of(&a.priority_claims)),
        exemptions: Set(json_of(
            &a.exemptions.iter().map(section_key).collect::<Vec<_>>(),
        )),
        document_ref: Set(a.document_ref),
        status: Set(a.status.as_str().to_owned()),
        reject_reason: Set(None),
        extra_minutes: Set(a.extra_minutes),
        decided_by: Set(None),
        decided_ms: Set(None),
        created_ms: Set(now_ms),
        ..Default::default()
    }
    .insert(db)
    .await
}

fn json_of<T: serde::Serialize>(value: &T) -> String {
    // Serialising plain strings and structs of strings cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

impl application::Model {
    /// The categories claimed, each with its document. A stored value that does
    /// not read is an error, never "no claims".
    pub fn priority_claims(&self) -> Result<Vec<PriorityClaim>, DbErr> {
        serde_json::from_str(&self.priority_claims).map_err(|e| {
            DbErr::Type(format!(
                "application {}: priority claims do not read: {e}",
                self.id
            ))
        })
    }

    /// The sections the candidate is exempted from.
    pub fn exempt_sections(&self) -> Result<Vec<SectionRef>, DbErr> {
        let names: Vec<String> = serde_json::from_str(&self.exemptions).map_err(|e| {
            DbErr::Type(format!(
                "application {}: exemptions do not read: {e}",
                self.id
            ))
        })?;
        names
            .iter()
            .map(|n| match n.split_once('.') {
                Some((round, section)) => Ok(SectionRef::new(round, section)),
                None => Err(DbErr::Type(format!(
                    "application {}: exemption {n:?} is not round.section",
                    self.id
                ))),
            })
            .collect()
    }
}

pub async fn find_application(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<application::Model>, DbErr> {
    application::Entity::find_by_id(id).one(db).await
}

pub async fn application_of(
    db: &impl ConnectionTrait,
    campaign_id: i32,
    candidate_id: i32,
) -> Result<Option<application::Model>, DbErr> {
    application::Entity::find()
        .filter(application::Column::CampaignId.eq(campaign_id))
        .filter(application::Column::CandidateId.eq(candidate_id))
        .one(db)
        .await
}

pub async fn applications_of_candidate(
    db: &impl ConnectionTrait,
    candidate_id: i32,
) -> Result<Vec<application::Model>, DbErr> {
    application::Entity::find()
        .filter(application::Column::CandidateId.eq(candidate_id))
        .order_by_desc(application::Column::Id)
        .all(db)
        .await
}

pub async fn record_decision(
    db: &impl ConnectionTrait,
    id: i32,
    status: ApplicationStatus,
    reason: Option<String>,
    by: i32,
    now_ms: i64,
) -> Result<(), DbErr> {
    application::ActiveModel {
        id: Set(id),
        status: Set(status.as_str().to_owned()),
        reject_reason: Set(reason),
        decided_by: Set(Some(by)),
        decided_ms: Set(Some(now_ms)),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

pub async fn set_extra_minutes(
    db: &impl ConnectionTrait,
    id: i32,
    minutes: i32,
) -> Result<(), DbErr> {
    application::Entity::update_many()
        .col_expr(application::Column::ExtraMinutes, Expr::value(minutes))
        .filter(application::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct ApplicationFilter {
    pub status: Option<String>,
    pub position_id: Option<i32>,
    /// Part of the candidate's name or email.
    pub q: Option<String>,
    #[serde(default, deserialize_with = "crate::web::extract::page")]
    pub page: Option<u64>,
}

pub const PAGE_SIZE: u64 = 50;

/// One row of the personnel's application list: the application and its candidate.
pub struct ApplicationRow {
    pub application: application::Model,
    pub candidate: user::Model,
}

/// How many of a campaign's applications have this status.
pub async fn count_applications(
    db: &impl ConnectionTrait,
    campaign_id: i32,
    status: ApplicationStatus,
) -> Result<u64, DbErr> {
    application::Entity::find()
        .filter(application::Column::CampaignId.eq(campaign_id))
        .filter(application::Column::Status.eq(status.as_str()))
        .count(db)
        .await
}

pub async fn list_applications(
    db: &impl ConnectionTrait,
    campaign_id: i32,
    filter: &ApplicationFilter,
    paged: bool,
) -> Result<(Vec<ApplicationRow>, u64), DbErr> {
    let mut q = application::Entity::find().filter(application::Column::CampaignId.eq(campaign_id));
    if let Some(s) = filter.status.as_deref().and_then(ApplicationStatus::parse) {
        q = q.filter(application::Column::Status.eq(s.as_str()));
    }
    if let Some(p) = filter.position_id {
        q = q.filter(application::Column::PositionId.eq(p));
    }
    if let Some(text) = filter.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        q = q.filter(
            application::Column::CandidateId
                .in_subquery(crate::accounts::store::ids_matching(text)),
        );
    }
    let total = q.clone().count(db).await?;
    let mut q = q.order_by_asc(application::Column::Id);
    if paged {
        let page = filter.page.unwrap_or(1).max(1);
        q = q.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE);
    }
    let apps = q.all(db).await?;
    let ids: Vec<i32> = apps.iter().map(|a| a.candidate_id).collect();
    let users: std::collections::HashMap<i32, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let rows = apps
        .into_iter()
        .filter_map(|a| {
            users
                .get(&a.candidate_id)
                .cloned()
                .map(|candidate| ApplicationRow {
                    application: a,
                    candidate,
                })
        })
        .collect();
    Ok((rows, total))
}

/// Records that an application was admitted from a staff record.
pub async fn insert_staff_link(
    db: &impl ConnectionTrait,
    application_id: i32,
    campaign_id: i32,
    staff_id: i32,
    now_ms: i64,
) -> Result<staff_link::Model, DbErr> {
    staff_link::ActiveModel {
        application_id: Set(application_id),
        campaign_id: Set(campaign_id),
        staff_id: Set(staff_id),
        created_ms: Set(now_ms),
        promoted_ms: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn staff_links(
    db: &impl ConnectionTrait,
    campaign_id: i32,
) -> Result<Vec<staff_link::Model>, DbErr> {
    staff_link::Entity::find()
        .filter(staff_link::Column::CampaignId.eq(campaign_id))
        .order_by_asc(staff_link::Column::Id)
        .all(db)
        .await
}

/// Marks the link's promotion as written; `false` when it already was (by an
/// earlier or a concurrent confirmation), so the caller writes nothing twice.
pub async fn mark_promoted(
    db: &impl ConnectionTrait,
    link_id: i32,
    now_ms: i64,
) -> Result<bool, DbErr> {
    let r = staff_link::Entity::update_many()
        .col_expr(staff_link::Column::PromotedMs, Expr::value(now_ms))
        .filter(staff_link::Column::Id.eq(link_id))
        .filter(staff_link::Column::PromotedMs.is_null())
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Replaces the recorded outcome of a round for every application listed.
pub async fn record_round_results(
    db: &impl ConnectionTrait,
    campaign_id: i32,
    round: i32,
    outcomes: &[(i32, bool, String)],
    now_ms: i64,
) -> Result<(), DbErr> {
    round_result::Entity::delete_many()
        .filter(round_result::Column::CampaignId.eq(campaign_id))
        .filter(round_result::Column::Round.eq(round))
        .exec(db)
        .await?;
    for chunk in outcomes.chunks(500) {
        round_result::Entity::insert_many(chunk.iter().map(
            |(application_id, qualified, failures)| round_result::ActiveModel {
                campaign_id: Set(campaign_id),
                application_id: Set(*application_id),
                round: Set(round),
                qualified: Set(*qualified),
                failures: Set(failures.clone()),
                decided_ms: Set(now_ms),
                ..Default::default()
            },
        ))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// The recorded outcomes of a campaign's round, by application.
pub async fn round_results(
    db: &impl ConnectionTrait,
    campaign_id: i32,
    round: i32,
) -> Result<Vec<round_result::Model>, DbErr> {
    round_result::Entity::find()
        .filter(round_result::Column::CampaignId.eq(campaign_id))
        .filter(round_result::Column::Round.eq(round))
        .order_by_asc(round_result::Column::ApplicationId)
        .all(db)
        .await
}

/// One application's recorded outcome of a round, if the round was closed.
pub async fn round_result_of(
    db: &impl ConnectionTrait,
    application_id: i32,
    round: i32,
) -> Result<Option<round_result::Model>, DbErr> {
    round_result::Entity::find()
        .filter(round_result::Column::ApplicationId.eq(application_id))
        .filter(round_result::Column::Round.eq(round))
        .one(db)
        .await
}

/// Who may sit round `round` of a campaign: None for round 1 (everyone
/// approved), otherwise the applications recorded as qualified when round
/// `round - 1` was closed — nobody while it is not.
pub async fn admitted_to_round(
    db: &impl ConnectionTrait,
    campaign_id: i32,
    round: i32,
) -> Result<Option<std::collections::HashSet<i32>>, DbErr> {
    if round <= 1 {
        return Ok(None);
    }
    Ok(Some(
        round_results(db, campaign_id, round - 1)
            .await?
            .into_iter()
            .filter(|r| r.qualified)
            .map(|r| r.application_id)
            .collect(),
    ))
}

/// Every application of a campaign, whatever its status.
pub async fn applications_of_campaign(
    db: &impl ConnectionTrait,
    campaign_id: i32,
) -> Result<Vec<application::Model>, DbErr> {
    application::Entity::find()
        .filter(application::Column::CampaignId.eq(campaign_id))
        .order_by_asc(application::Column::Id)
        .all(db)
        .await
}
