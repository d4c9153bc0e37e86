//! The load generator's preparation, done by the server it loads: an
//! administrator-only endpoint, off unless the server runs with
//! `MERIT_LOADTEST=1`. It loads the demo (banks, the Decree 138 campaign and
//! its published paper), opens the paper now, adds N approved synthetic
//! candidates with forms issued, and hands back a ready session token for each
//! (N argon2 sign-ins would take minutes on two cores and measure hashing, not
//! the exam).

use crate::db::BeginWrite;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use sea_orm::{ActiveModelTrait, Set};
use serde::{Deserialize, Serialize};

use crate::accounts::domain::Role;
use crate::accounts::store as accounts;
use crate::campaigns::domain::ApplicationStatus;
use crate::campaigns::store as campaigns;
use crate::state::AppState;
use crate::web::{AppError, AuthUser, Json};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/loadtest/fixture", post(fixture))
}

#[derive(Deserialize)]
pub struct FixtureInput {
    pub candidates: usize,
}

#[derive(Serialize, Deserialize)]
pub struct Fixture {
    pub paper_id: i32,
    pub item_count: i32,
    pub tokens: Vec<String>,
}

async fn fixture(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Json(input): Json<FixtureInput>,
) -> Result<axum::Json<Fixture>, AppError> {
    user.require(&[Role::Admin])?;
    if std::env::var("MERIT_LOADTEST").as_deref() != Ok("1") {
        return Err(AppError::NotFound);
    }
    crate::demo::load(&state).await?;
    let campaign = campaigns::campaigns_in(&state.db, &None)
        .await?
        .into_iter()
        .find(|c| c.title == crate::demo::DEMO_CAMPAIGN)
        .ok_or(AppError::NotFound)?;
    let paper = crate::exams::store::papers_of_campaign(&state.db, campaign.id)
        .await?
        .into_iter()
        .find(|p| p.status == "published")
        .ok_or(AppError::NotFound)?;
    let position = campaigns::positions(&state.db, campaign.id)
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    let now = state.now_ms();
    // Open now, for three hours: the storm starts as soon as the tokens are out.
    let mut am: crate::exams::entity::paper::ActiveModel = paper.clone().into();
    am.opens_ms = Set(now - 60_000);
    am.closes_ms = Set(now + 3 * 3_600_000);
    am.update(&state.db).await?;
    let hash = state
        .hasher
        .hash(&hex::encode(crate::random_bytes::<12>()))
        .await?;
    let run = hex::encode(crate::random_bytes::<3>());
    let expires = now + state.config.session_absolute_hours * 3_600_000;
    let mut tokens = Vec::with_capacity(input.candidates);
    let txn = state.db.begin_write().await?;
    for i in 0..input.candidates {
        let u = accounts::insert_user(
            &txn,
            accounts::NewUser {
                username: format!("load-{run}-{i}"),
                full_name: format!("Load {run} {i}"),
                email: None,
                date_of_birth: None,
                national_id: None,
                role: Role::Candidate,
                org_unit_id: None,
                password_hash: hash.clone(),
                locale: "vi".into(),
            },
            now,
        )
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e:?}")))?;
        campaigns::insert_application(
            &txn,
            campaigns::NewApplication {
                campaign_id: campaign.id,
                position_id: position.id,
                candidate_id: u.id,
                priority_claims: Vec::new(),
                exemptions: Vec::new(),
                document_ref: None,
                status: ApplicationStatus::Approved,
                extra_minutes: 0,
            },
            now,
        )
        .await?;
        let sid = accounts::create_session(&txn, u.id, now, expires, "loadtest").await?;
        tokens.push(
            state
                .tokens
                .issue(u.id, &sid, now, expires)
                .map_err(AppError::Internal)?,
        );
    }
    txn.commit().await?;
    crate::exams::service::issue_forms(&state, &user, paper.id).await?;
    Ok(axum::Json(Fixture {
        paper_id: paper.id,
        item_count: 120,
        tokens,
    }))
}
