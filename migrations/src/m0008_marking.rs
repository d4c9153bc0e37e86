//! Essay marks and appeals (phúc khảo). A mark is append-only: the grade of
//! an attempt is recomputed from its answers, the pinned keys and these marks.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EssayMarks {
    Table,
    Id,
    PaperId,
    AttemptId,
    Item,
    Slot,
    MarkerId,
    Points,
    Note,
    AppealId,
    MarkedMs,
}

#[derive(DeriveIden)]
enum Appeals {
    Table,
    Id,
    CampaignId,
    ApplicationId,
    CandidateId,
    PaperId,
    AttemptId,
    Round,
    Section,
    Reason,
    Status,
    ScoreBefore,
    ScoreAfter,
    RequestedMs,
    DecidedBy,
    DecidedMs,
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
                .table(EssayMarks::Table)
                .col(pk_auto(EssayMarks::Id))
                .col(integer(EssayMarks::PaperId))
                .col(integer(EssayMarks::AttemptId))
                // The form item (0-based, form order) the mark is for.
                .col(integer(EssayMarks::Item))
                // 1 and 2: the blind marks; 3: the reconciling mark; 4: an appeal's re-mark.
                .col(integer(EssayMarks::Slot))
                .col(integer(EssayMarks::MarkerId))
                .col(double(EssayMarks::Points))
                .col(text(EssayMarks::Note).default(""))
                .col(integer_null(EssayMarks::AppealId))
                .col(big_integer(EssayMarks::MarkedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(EssayMarks::Table, EssayMarks::PaperId)
                        .to(Papers::Table, Papers::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(EssayMarks::Table, EssayMarks::AttemptId)
                        .to(Attempts::Table, Attempts::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(EssayMarks::Table, EssayMarks::MarkerId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        // Two markers racing for the same slot: the second insert fails, and
        // no answer ever gets three blind marks.
        m.create_index(
            Index::create()
                .name("essay_marks_one_per_slot")
                .table(EssayMarks::Table)
                .col(EssayMarks::AttemptId)
                .col(EssayMarks::Item)
                .col(EssayMarks::Slot)
                .unique()
                .to_owned(),
        )
        .await?;
        // Nobody marks the same answer twice, whatever the slot.
        m.create_index(
            Index::create()
                .name("essay_marks_one_per_marker")
                .table(EssayMarks::Table)
                .col(EssayMarks::AttemptId)
                .col(EssayMarks::Item)
                .col(EssayMarks::MarkerId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("essay_marks_by_paper")
                .table(EssayMarks::Table)
                .col(EssayMarks::PaperId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Appeals::Table)
                .col(pk_auto(Appeals::Id))
                .col(integer(Appeals::CampaignId))
                .col(integer(Appeals::ApplicationId))
                .col(integer(Appeals::CandidateId))
                .col(integer(Appeals::PaperId))
                .col(integer(Appeals::AttemptId))
                .col(string(Appeals::Round))
                .col(string(Appeals::Section))
                .col(text(Appeals::Reason))
                // `pending` until every answer of the section is re-marked, then `decided`.
                .col(string(Appeals::Status))
                // The section's score, scaled to the rule set's maximum.
                .col(double(Appeals::ScoreBefore))
                .col(double_null(Appeals::ScoreAfter))
                .col(big_integer(Appeals::RequestedMs))
                .col(integer_null(Appeals::DecidedBy))
                .col(big_integer_null(Appeals::DecidedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(Appeals::Table, Appeals::CampaignId)
                        .to(Campaigns::Table, Campaigns::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Appeals::Table, Appeals::AttemptId)
                        .to(Attempts::Table, Attempts::Id),
                )
                .to_owned(),
        )
        .await?;
        // A section is appealed once.
        m.create_index(
            Index::create()
                .name("appeals_once_per_section")
                .table(Appeals::Table)
                .col(Appeals::ApplicationId)
                .col(Appeals::Round)
                .col(Appeals::Section)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("appeals_by_campaign")
                .table(Appeals::Table)
                .col(Appeals::CampaignId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [Appeals::Table.into_iden(), EssayMarks::Table.into_iden()] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
