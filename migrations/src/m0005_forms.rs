//! Forms: each candidate's drawn question set for one paper, stored compactly
//! (one row per form, not one per question) with the seed that made it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Forms {
    Table,
    Id,
    PaperId,
    ApplicationId,
    Seed,
    ItemCount,
    Data,
    CreatedMs,
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Forms::Table)
                .col(pk_auto(Forms::Id))
                .col(integer(Forms::PaperId))
                .col(integer_null(Forms::ApplicationId))
                .col(big_integer(Forms::Seed))
                .col(integer(Forms::ItemCount))
                .col(blob(Forms::Data))
                .col(big_integer(Forms::CreatedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(Forms::Table, Forms::PaperId)
                        .to(Papers::Table, Papers::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Forms::Table, Forms::ApplicationId)
                        .to(Applications::Table, Applications::Id),
                )
                .to_owned(),
        )
        .await?;
        // One form per candidate per paper version.
        m.create_index(
            Index::create()
                .name("forms_one_per_application")
                .table(Forms::Table)
                .col(Forms::PaperId)
                .col(Forms::ApplicationId)
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Forms::Table).to_owned())
            .await
    }
}
