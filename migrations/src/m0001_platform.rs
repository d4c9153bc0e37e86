//! Accounts, org units, sessions, sign-in throttling and the audit log.
//!
//! Instants are stored as unix milliseconds (`*_ms`, BIGINT): the same type on
//! both backends, cheap to compare on the exam-day hot path, no time zone games.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrgUnits {
    Table,
    Id,
    ParentId,
    Code,
    Name,
    CreatedMs,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    FullName,
    Email,
    DateOfBirth,
    NationalId,
    Role,
    OrgUnitId,
    PasswordHash,
    Locale,
    Disabled,
    CreatedMs,
    PasswordChangedMs,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CreatedMs,
    LastSeenMs,
    ExpiresMs,
    RevokedMs,
    ClientAddr,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    Username,
    ClientAddr,
    AtMs,
    Succeeded,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    AtMs,
    ActorId,
    ActorName,
    Action,
    Target,
    Detail,
    ClientAddr,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(OrgUnits::Table)
                .col(pk_auto(OrgUnits::Id))
                .col(integer_null(OrgUnits::ParentId))
                .col(string_len_uniq(OrgUnits::Code, 64))
                .col(string_len(OrgUnits::Name, 200))
                .col(big_integer(OrgUnits::CreatedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(OrgUnits::Table, OrgUnits::ParentId)
                        .to(OrgUnits::Table, OrgUnits::Id),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(pk_auto(Users::Id))
                .col(string_len_uniq(Users::Username, 254))
                .col(string_len(Users::FullName, 200))
                .col(string_len_null(Users::Email, 254))
                .col(date_null(Users::DateOfBirth))
                .col(string_len_null(Users::NationalId, 32))
                .col(string_len(Users::Role, 16))
                .col(integer_null(Users::OrgUnitId))
                .col(string_len(Users::PasswordHash, 200))
                .col(string_len(Users::Locale, 8).default("vi"))
                .col(boolean(Users::Disabled).default(false))
                .col(big_integer(Users::CreatedMs))
                .col(big_integer(Users::PasswordChangedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(Users::Table, Users::OrgUnitId)
                        .to(OrgUnits::Table, OrgUnits::Id),
                )
                .to_owned(),
        )
        .await?;
        // Unique where present: two candidates cannot register with one email or ID.
        m.create_index(
            Index::create()
                .name("users_email_uniq")
                .table(Users::Table)
                .col(Users::Email)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("users_national_id_uniq")
                .table(Users::Table)
                .col(Users::NationalId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(string_len(Sessions::Id, 64).primary_key())
                .col(integer(Sessions::UserId))
                .col(big_integer(Sessions::CreatedMs))
                .col(big_integer(Sessions::LastSeenMs))
                .col(big_integer(Sessions::ExpiresMs))
                .col(big_integer_null(Sessions::RevokedMs))
                .col(string_len(Sessions::ClientAddr, 64))
                .foreign_key(
                    ForeignKey::create()
                        .from(Sessions::Table, Sessions::UserId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("sessions_user")
                .table(Sessions::Table)
                .col(Sessions::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LoginAttempts::Table)
                .col(big_pk_auto(LoginAttempts::Id))
                .col(string_len(LoginAttempts::Username, 254))
                .col(string_len(LoginAttempts::ClientAddr, 64))
                .col(big_integer(LoginAttempts::AtMs))
                .col(boolean(LoginAttempts::Succeeded))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("login_attempts_user", LoginAttempts::Username),
            ("login_attempts_addr", LoginAttempts::ClientAddr),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(LoginAttempts::Table)
                    .col(col)
                    .col(LoginAttempts::AtMs)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(big_pk_auto(AuditLog::Id))
                .col(big_integer(AuditLog::AtMs))
                .col(integer_null(AuditLog::ActorId))
                .col(string_len(AuditLog::ActorName, 254))
                .col(string_len(AuditLog::Action, 64))
                .col(string_len(AuditLog::Target, 200))
                .col(text(AuditLog::Detail))
                .col(string_len(AuditLog::ClientAddr, 64))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("audit_at", AuditLog::AtMs),
            ("audit_action", AuditLog::Action),
            ("audit_actor", AuditLog::ActorName),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(AuditLog::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            AuditLog::Table.into_iden(),
            LoginAttempts::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
            OrgUnits::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
