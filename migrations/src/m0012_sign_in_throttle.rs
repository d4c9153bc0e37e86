//! Sign-in throttling that a burst cannot beat.
//!
//! `login_attempts.device` names the device cookie an attempt carried (NULL:
//! none, or not valid for that account): such attempts are counted apart from
//! everyone else's. `sign_in_locks` holds one row per lock stripe; a sign-in
//! takes the rows of its account and its address (an upsert takes the row
//! lock on PostgreSQL; SQLite's write transactions are serialised anyway)
//! before it counts recent attempts and reserves its own, so two processes
//! cannot both see room for one more guess.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Device,
}

#[derive(DeriveIden)]
enum SignInLocks {
    Table,
    Stripe,
    TouchedMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(LoginAttempts::Table)
                .add_column(string_len_null(LoginAttempts::Device, 32))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SignInLocks::Table)
                .col(integer(SignInLocks::Stripe).primary_key())
                .col(big_integer(SignInLocks::TouchedMs))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SignInLocks::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(LoginAttempts::Table)
                .drop_column(LoginAttempts::Device)
                .to_owned(),
        )
        .await
    }
}
