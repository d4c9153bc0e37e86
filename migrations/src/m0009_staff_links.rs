//! Links between promotion campaigns and staff records: which staff record an
//! application was admitted from, and whether its promotion was confirmed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StaffLinks {
    Table,
    Id,
    ApplicationId,
    CampaignId,
    StaffId,
    CreatedMs,
    PromotedMs,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Staff {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(StaffLinks::Table)
                .col(pk_auto(StaffLinks::Id))
                .col(integer(StaffLinks::ApplicationId))
                .col(integer(StaffLinks::CampaignId))
                .col(integer(StaffLinks::StaffId))
                .col(big_integer(StaffLinks::CreatedMs))
                .col(big_integer_null(StaffLinks::PromotedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(StaffLinks::Table, StaffLinks::ApplicationId)
                        .to(Applications::Table, Applications::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(StaffLinks::Table, StaffLinks::CampaignId)
                        .to(Campaigns::Table, Campaigns::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(StaffLinks::Table, StaffLinks::StaffId)
                        .to(Staff::Table, Staff::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("staff_links_application")
                .table(StaffLinks::Table)
                .col(StaffLinks::ApplicationId)
                .unique()
                .to_owned(),
        )
        .await?;
        // A member of staff sits a campaign once.
        m.create_index(
            Index::create()
                .name("staff_links_campaign_staff")
                .table(StaffLinks::Table)
                .col(StaffLinks::CampaignId)
                .col(StaffLinks::StaffId)
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(StaffLinks::Table).to_owned())
            .await
    }
}
