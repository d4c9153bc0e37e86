//! Several priority claims per application, each with its own document, and the
//! recorded outcome of each round that gates the next one.
//!
//! `applications.priority_category` (one code, proved by the shared
//! `document_ref`) becomes `priority_claims`, a JSON array of
//! `{"code", "document_ref"}`; existing claims are carried over with the document
//! they were filed with. `round_results` holds, per application and round, whether
//! the candidate qualified for the rounds after it, as decided when personnel
//! closed the round.

use sea_orm_migration::sea_orm::{ConnectionTrait, Value};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
    PriorityCategory,
    PriorityClaims,
    DocumentRef,
}

#[derive(DeriveIden)]
enum RoundResults {
    Table,
    Id,
    CampaignId,
    ApplicationId,
    Round,
    Qualified,
    Failures,
    DecidedMs,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Applications::Table)
                .add_column(text(Applications::PriorityClaims).default("[]"))
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        let rows = db
            .query_all(
                &Query::select()
                    .columns([
                        Applications::Id,
                        Applications::PriorityCategory,
                        Applications::DocumentRef,
                    ])
                    .from(Applications::Table)
                    .and_where(Expr::col(Applications::PriorityCategory).is_not_null())
                    .to_owned(),
            )
            .await?;
        for row in rows {
            let id: i32 = row.try_get("", "id")?;
            let code: String = row.try_get("", "priority_category")?;
            let document: Option<String> = row.try_get("", "document_ref")?;
            let claims = serde_json::json!([{
                "code": code,
                "document_ref": document.unwrap_or_default(),
            }]);
            db.execute(
                &Query::update()
                    .table(Applications::Table)
                    .value(
                        Applications::PriorityClaims,
                        Value::from(claims.to_string()),
                    )
                    .and_where(Expr::col(Applications::Id).eq(id))
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Applications::Table)
                .drop_column(Applications::PriorityCategory)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RoundResults::Table)
                .col(pk_auto(RoundResults::Id))
                .col(integer(RoundResults::CampaignId))
                .col(integer(RoundResults::ApplicationId))
                .col(integer(RoundResults::Round))
                .col(boolean(RoundResults::Qualified))
                .col(text(RoundResults::Failures))
                .col(big_integer(RoundResults::DecidedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(RoundResults::Table, RoundResults::CampaignId)
                        .to(Campaigns::Table, Campaigns::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(RoundResults::Table, RoundResults::ApplicationId)
                        .to(Applications::Table, Applications::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("round_results_application_round")
                .table(RoundResults::Table)
                .col(RoundResults::ApplicationId)
                .col(RoundResults::Round)
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RoundResults::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Applications::Table)
                .add_column(string_len_null(Applications::PriorityCategory, 32))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Applications::Table)
                .drop_column(Applications::PriorityClaims)
                .to_owned(),
        )
        .await
    }
}
