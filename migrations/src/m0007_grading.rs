//! Grades, tie decisions and result releases. A grade is derived data: it can
//! always be recomputed from the attempt's answers and the pinned key versions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Grades {
    Table,
    Id,
    AttemptId,
    PaperId,
    ApplicationId,
    CandidateId,
    Status,
    Sections,
    Items,
    GradedMs,
}

#[derive(DeriveIden)]
enum TieDecisions {
    Table,
    Id,
    CampaignId,
    PositionId,
    ApplicationIds,
    Reason,
    DecidedBy,
    DecidedMs,
}

#[derive(DeriveIden)]
enum ResultReleases {
    Table,
    CampaignId,
    ReleasedBy,
    ReleasedMs,
}

#[derive(DeriveIden)]
enum KeyCorrections {
    Table,
    Id,
    PaperId,
    VersionId,
    Answer,
    Reason,
    CorrectedBy,
    CorrectedMs,
}

#[derive(DeriveIden)]
enum Papers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Attempts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Grades::Table)
                .col(pk_auto(Grades::Id))
                .col(integer(Grades::AttemptId))
                .col(integer(Grades::PaperId))
                .col(integer(Grades::ApplicationId))
                .col(integer(Grades::CandidateId))
                // `graded` or `needs_marking` (an essay waits for a marker).
                .col(string(Grades::Status))
                // JSON: per section, points on the paper and scaled to the rule set.
                .col(text(Grades::Sections))
                // JSON: per form item, [version id, fraction or null]: item analysis.
                .col(text(Grades::Items))
                .col(big_integer(Grades::GradedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(Grades::Table, Grades::AttemptId)
                        .to(Attempts::Table, Attempts::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("grades_one_per_attempt")
                .table(Grades::Table)
                .col(Grades::AttemptId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("grades_by_paper")
                .table(Grades::Table)
                .col(Grades::PaperId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TieDecisions::Table)
                .col(pk_auto(TieDecisions::Id))
                .col(integer(TieDecisions::CampaignId))
                .col(integer(TieDecisions::PositionId))
                // JSON array, first preferred.
                .col(text(TieDecisions::ApplicationIds))
                .col(text(TieDecisions::Reason))
                .col(integer(TieDecisions::DecidedBy))
                .col(big_integer(TieDecisions::DecidedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(TieDecisions::Table, TieDecisions::CampaignId)
                        .to(Campaigns::Table, Campaigns::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ResultReleases::Table)
                .col(integer(ResultReleases::CampaignId).primary_key())
                .col(integer(ResultReleases::ReleasedBy))
                .col(big_integer(ResultReleases::ReleasedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(ResultReleases::Table, ResultReleases::CampaignId)
                        .to(Campaigns::Table, Campaigns::Id),
                )
                .to_owned(),
        )
        .await?;
        // Board corrections of a key on one paper: grading applies them over
        // the pinned versions, so a grade is still recomputable from the record.
        m.create_table(
            Table::create()
                .table(KeyCorrections::Table)
                .col(pk_auto(KeyCorrections::Id))
                .col(integer(KeyCorrections::PaperId))
                .col(integer(KeyCorrections::VersionId))
                .col(text(KeyCorrections::Answer))
                .col(text(KeyCorrections::Reason))
                .col(integer_null(KeyCorrections::CorrectedBy))
                .col(big_integer(KeyCorrections::CorrectedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(KeyCorrections::Table, KeyCorrections::PaperId)
                        .to(Papers::Table, Papers::Id),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            KeyCorrections::Table.into_iden(),
            ResultReleases::Table.into_iden(),
            TieDecisions::Table.into_iden(),
            Grades::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
