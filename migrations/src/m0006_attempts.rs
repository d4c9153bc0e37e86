//! Attempts: one candidate's sitting of one paper, and the answers saved as
//! they are given. Shaped for the 09:00 start storm (one row per attempt) and
//! autosave throughput (one upsert per save, guarded by the item's sequence).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Attempts {
    Table,
    Id,
    PaperId,
    ApplicationId,
    CandidateId,
    FormId,
    ItemCount,
    Sequential,
    Position,
    StartedMs,
    DeadlineMs,
    GraceMs,
    ExtraMs,
    SubmittedMs,
    SubmitReason,
    Status,
    LastSaveMs,
}

#[derive(DeriveIden)]
enum Answers {
    Table,
    Id,
    AttemptId,
    Item,
    Response,
    Flagged,
    Seq,
    SavedMs,
}

#[derive(DeriveIden)]
enum Papers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Forms {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Attempts::Table)
                .col(pk_auto(Attempts::Id))
                .col(integer(Attempts::PaperId))
                .col(integer(Attempts::ApplicationId))
                .col(integer(Attempts::CandidateId))
                .col(integer(Attempts::FormId))
                .col(integer(Attempts::ItemCount))
                .col(boolean(Attempts::Sequential))
                // 0-based: the item a sequential paper is on now.
                .col(integer(Attempts::Position).default(0))
                .col(big_integer(Attempts::StartedMs))
                .col(big_integer(Attempts::DeadlineMs))
                .col(big_integer(Attempts::GraceMs))
                .col(big_integer(Attempts::ExtraMs).default(0))
                .col(big_integer_null(Attempts::SubmittedMs))
                .col(string_null(Attempts::SubmitReason))
                .col(string(Attempts::Status))
                .col(big_integer_null(Attempts::LastSaveMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(Attempts::Table, Attempts::PaperId)
                        .to(Papers::Table, Papers::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Attempts::Table, Attempts::ApplicationId)
                        .to(Applications::Table, Applications::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Attempts::Table, Attempts::FormId)
                        .to(Forms::Table, Forms::Id),
                )
                .to_owned(),
        )
        .await?;
        // Only once: a second start finds the first attempt.
        m.create_index(
            Index::create()
                .name("attempts_one_per_application")
                .table(Attempts::Table)
                .col(Attempts::PaperId)
                .col(Attempts::ApplicationId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("attempts_by_candidate")
                .table(Attempts::Table)
                .col(Attempts::CandidateId)
                .to_owned(),
        )
        .await?;
        // The sweeper looks for open attempts by deadline.
        m.create_index(
            Index::create()
                .name("attempts_open_by_deadline")
                .table(Attempts::Table)
                .col(Attempts::Status)
                .col(Attempts::DeadlineMs)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Answers::Table)
                .col(pk_auto(Answers::Id))
                .col(integer(Answers::AttemptId))
                .col(integer(Answers::Item))
                // `banks::scoring::Response` as JSON, in the question's original
                // order; NULL when only flagged or cleared.
                .col(text_null(Answers::Response))
                .col(boolean(Answers::Flagged).default(false))
                .col(big_integer(Answers::Seq))
                .col(big_integer(Answers::SavedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(Answers::Table, Answers::AttemptId)
                        .to(Attempts::Table, Attempts::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("answers_one_per_item")
                .table(Answers::Table)
                .col(Answers::AttemptId)
                .col(Answers::Item)
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Answers::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Attempts::Table).to_owned())
            .await
    }
}
