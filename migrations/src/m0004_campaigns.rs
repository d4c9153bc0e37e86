//! Campaigns, their positions, applications, and exam papers.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
    Title,
    Kind,
    OrgUnitId,
    RuleSet,
    AppliesFromMs,
    AppliesUntilMs,
    Status,
    CreatedBy,
    CreatedMs,
}

#[derive(DeriveIden)]
enum CampaignPositions {
    Table,
    Id,
    CampaignId,
    Code,
    Title,
    Quota,
    JobPositionId,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
    CampaignId,
    PositionId,
    CandidateId,
    PriorityCategory,
    Exemptions,
    DocumentRef,
    Status,
    RejectReason,
    ExtraMinutes,
    DecidedBy,
    DecidedMs,
    CreatedMs,
}

#[derive(DeriveIden)]
enum Papers {
    Table,
    Id,
    CampaignId,
    Round,
    Title,
    Version,
    SupersedesId,
    Status,
    Spec,
    TimeLimitMinutes,
    OpensMs,
    ClosesMs,
    GraceSeconds,
    CreatedBy,
    CreatedMs,
    PublishedMs,
}

#[derive(DeriveIden)]
enum PaperBoard {
    Table,
    PaperId,
    UserId,
}

#[derive(DeriveIden)]
enum OrgUnits {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Campaigns::Table)
                .col(pk_auto(Campaigns::Id))
                .col(string_len(Campaigns::Title, 300))
                .col(string_len(Campaigns::Kind, 16))
                .col(integer(Campaigns::OrgUnitId))
                .col(text(Campaigns::RuleSet))
                .col(big_integer(Campaigns::AppliesFromMs))
                .col(big_integer(Campaigns::AppliesUntilMs))
                .col(string_len(Campaigns::Status, 16))
                .col(integer(Campaigns::CreatedBy))
                .col(big_integer(Campaigns::CreatedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(Campaigns::Table, Campaigns::OrgUnitId)
                        .to(OrgUnits::Table, OrgUnits::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CampaignPositions::Table)
                .col(pk_auto(CampaignPositions::Id))
                .col(integer(CampaignPositions::CampaignId))
                .col(string_len(CampaignPositions::Code, 64))
                .col(string_len(CampaignPositions::Title, 300))
                .col(integer(CampaignPositions::Quota))
                .col(integer_null(CampaignPositions::JobPositionId))
                .foreign_key(
                    ForeignKey::create()
                        .from(CampaignPositions::Table, CampaignPositions::CampaignId)
                        .to(Campaigns::Table, Campaigns::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("campaign_positions_code")
                .table(CampaignPositions::Table)
                .col(CampaignPositions::CampaignId)
                .col(CampaignPositions::Code)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Applications::Table)
                .col(pk_auto(Applications::Id))
                .col(integer(Applications::CampaignId))
                .col(integer(Applications::PositionId))
                .col(integer(Applications::CandidateId))
                .col(string_len_null(Applications::PriorityCategory, 32))
                .col(text(Applications::Exemptions))
                .col(string_len_null(Applications::DocumentRef, 300))
                .col(string_len(Applications::Status, 16))
                .col(string_len_null(Applications::RejectReason, 1000))
                .col(integer(Applications::ExtraMinutes).default(0))
                .col(integer_null(Applications::DecidedBy))
                .col(big_integer_null(Applications::DecidedMs))
                .col(big_integer(Applications::CreatedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(Applications::Table, Applications::CampaignId)
                        .to(Campaigns::Table, Campaigns::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Applications::Table, Applications::PositionId)
                        .to(CampaignPositions::Table, CampaignPositions::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Applications::Table, Applications::CandidateId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        // One application per candidate per campaign, enforced by the database too.
        m.create_index(
            Index::create()
                .name("applications_one_per_campaign")
                .table(Applications::Table)
                .col(Applications::CampaignId)
                .col(Applications::CandidateId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Papers::Table)
                .col(pk_auto(Papers::Id))
                .col(integer(Papers::CampaignId))
                .col(integer(Papers::Round))
                .col(string_len(Papers::Title, 300))
                .col(integer(Papers::Version))
                .col(integer_null(Papers::SupersedesId))
                .col(string_len(Papers::Status, 16))
                .col(text(Papers::Spec))
                .col(integer(Papers::TimeLimitMinutes))
                .col(big_integer(Papers::OpensMs))
                .col(big_integer(Papers::ClosesMs))
                .col(integer(Papers::GraceSeconds))
                .col(integer(Papers::CreatedBy))
                .col(big_integer(Papers::CreatedMs))
                .col(big_integer_null(Papers::PublishedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(Papers::Table, Papers::CampaignId)
                        .to(Campaigns::Table, Campaigns::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PaperBoard::Table)
                .col(integer(PaperBoard::PaperId))
                .col(integer(PaperBoard::UserId))
                .primary_key(
                    Index::create()
                        .col(PaperBoard::PaperId)
                        .col(PaperBoard::UserId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PaperBoard::Table, PaperBoard::PaperId)
                        .to(Papers::Table, Papers::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PaperBoard::Table, PaperBoard::UserId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            PaperBoard::Table.into_iden(),
            Papers::Table.into_iden(),
            Applications::Table.into_iden(),
            CampaignPositions::Table.into_iden(),
            Campaigns::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
