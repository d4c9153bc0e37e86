//! A campaign run under rules no longer (or not yet) in force for its dates is
//! a transitional intake (Decree 170/2025 Art 70); the reason personnel give is
//! kept on the campaign. No reason: the rule set was in force.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    TransitionalReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Campaigns::Table)
                .add_column(text_null(Campaigns::TransitionalReason))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Campaigns::Table)
                .drop_column(Campaigns::TransitionalReason)
                .to_owned(),
        )
        .await
    }
}
