//! Question banks: banks, their members and topics, questions and their
//! immutable versions, and uploaded files waiting for a confirmed import.
//!
//! A question is a stable identity (bank + key); its content lives in
//! `question_versions`, one row per version. Content is stored as the JSON of
//! the model's `Question`, with the fields people filter and count by copied
//! into columns. A version's content never changes once it has been approved
//! or used by a form; only a never-approved, unused draft is edited in place.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Banks {
    Table,
    Id,
    Name,
    Subject,
    Description,
    Language,
    IgnoreDiacritics,
    CreatedMs,
}

#[derive(DeriveIden)]
enum BankMembers {
    Table,
    Id,
    BankId,
    UserId,
    AddedMs,
}

#[derive(DeriveIden)]
enum Topics {
    Table,
    Id,
    BankId,
    Path,
}

#[derive(DeriveIden)]
enum Questions {
    Table,
    Id,
    BankId,
    Key,
    CreatedMs,
}

#[derive(DeriveIden)]
enum QuestionVersions {
    Table,
    Id,
    QuestionId,
    BankId,
    Number,
    Current,
    Status,
    Kind,
    Topic,
    Difficulty,
    Points,
    Tags,
    Search,
    Fingerprint,
    Content,
    AuthorId,
    AuthorName,
    ReviewerId,
    ReviewerName,
    CreatedMs,
    ApprovedMs,
    RetiredMs,
    Used,
}

#[derive(DeriveIden)]
enum BankImports {
    Table,
    Id,
    BankId,
    UserId,
    FileName,
    Content,
    CreatedMs,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Banks::Table)
                .col(pk_auto(Banks::Id))
                .col(string_len_uniq(Banks::Name, 200))
                .col(string_len(Banks::Subject, 32))
                .col(text_null(Banks::Description))
                .col(string_len(Banks::Language, 8))
                .col(boolean(Banks::IgnoreDiacritics).default(false))
                .col(big_integer(Banks::CreatedMs))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(BankMembers::Table)
                .col(pk_auto(BankMembers::Id))
                .col(integer(BankMembers::BankId))
                .col(integer(BankMembers::UserId))
                .col(big_integer(BankMembers::AddedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(BankMembers::Table, BankMembers::BankId)
                        .to(Banks::Table, Banks::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(BankMembers::Table, BankMembers::UserId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("bank_members_uniq")
                .table(BankMembers::Table)
                .col(BankMembers::BankId)
                .col(BankMembers::UserId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("bank_members_user")
                .table(BankMembers::Table)
                .col(BankMembers::UserId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Topics::Table)
                .col(pk_auto(Topics::Id))
                .col(integer(Topics::BankId))
                .col(string_len(Topics::Path, 500))
                .foreign_key(
                    ForeignKey::create()
                        .from(Topics::Table, Topics::BankId)
                        .to(Banks::Table, Banks::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("topics_uniq")
                .table(Topics::Table)
                .col(Topics::BankId)
                .col(Topics::Path)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Questions::Table)
                .col(pk_auto(Questions::Id))
                .col(integer(Questions::BankId))
                .col(string_len(Questions::Key, 100))
                .col(big_integer(Questions::CreatedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(Questions::Table, Questions::BankId)
                        .to(Banks::Table, Banks::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("questions_key_uniq")
                .table(Questions::Table)
                .col(Questions::BankId)
                .col(Questions::Key)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(QuestionVersions::Table)
                .col(pk_auto(QuestionVersions::Id))
                .col(integer(QuestionVersions::QuestionId))
                .col(integer(QuestionVersions::BankId))
                .col(integer(QuestionVersions::Number))
                // The latest version of its question: what lists and the editor show.
                .col(boolean(QuestionVersions::Current))
                .col(string_len(QuestionVersions::Status, 16))
                .col(string_len(QuestionVersions::Kind, 32))
                .col(string_len(QuestionVersions::Topic, 500))
                .col(small_integer(QuestionVersions::Difficulty))
                .col(double(QuestionVersions::Points))
                // "\n"-separated with a leading and trailing "\n", for exact tag filters.
                .col(text(QuestionVersions::Tags))
                // Folded text (no case, no diacritics) for the text filter.
                .col(text(QuestionVersions::Search))
                .col(string_len(QuestionVersions::Fingerprint, 64))
                .col(text(QuestionVersions::Content))
                .col(integer_null(QuestionVersions::AuthorId))
                .col(string_len(QuestionVersions::AuthorName, 254))
                .col(integer_null(QuestionVersions::ReviewerId))
                .col(string_len_null(QuestionVersions::ReviewerName, 254))
                .col(big_integer(QuestionVersions::CreatedMs))
                .col(big_integer_null(QuestionVersions::ApprovedMs))
                .col(big_integer_null(QuestionVersions::RetiredMs))
                // Set when a form uses the version; from then on it never changes.
                .col(boolean(QuestionVersions::Used).default(false))
                .foreign_key(
                    ForeignKey::create()
                        .from(QuestionVersions::Table, QuestionVersions::QuestionId)
                        .to(Questions::Table, Questions::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(QuestionVersions::Table, QuestionVersions::BankId)
                        .to(Banks::Table, Banks::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("question_versions_number_uniq")
                .table(QuestionVersions::Table)
                .col(QuestionVersions::QuestionId)
                .col(QuestionVersions::Number)
                .unique()
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            (
                "question_versions_draw",
                [
                    QuestionVersions::BankId,
                    QuestionVersions::Status,
                    QuestionVersions::Topic,
                ],
            ),
            (
                "question_versions_list",
                [
                    QuestionVersions::BankId,
                    QuestionVersions::Current,
                    QuestionVersions::Topic,
                ],
            ),
            (
                "question_versions_fingerprint",
                [
                    QuestionVersions::BankId,
                    QuestionVersions::Fingerprint,
                    QuestionVersions::Current,
                ],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(QuestionVersions::Table);
            for c in cols {
                index.col(c);
            }
            m.create_index(index.to_owned()).await?;
        }

        m.create_table(
            Table::create()
                .table(BankImports::Table)
                .col(string_len(BankImports::Id, 64).primary_key())
                .col(integer(BankImports::BankId))
                .col(integer(BankImports::UserId))
                .col(string_len(BankImports::FileName, 255))
                .col(blob(BankImports::Content))
                .col(big_integer(BankImports::CreatedMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(BankImports::Table, BankImports::BankId)
                        .to(Banks::Table, Banks::Id),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            BankImports::Table.into_iden(),
            QuestionVersions::Table.into_iden(),
            Questions::Table.into_iden(),
            Topics::Table.into_iden(),
            BankMembers::Table.into_iden(),
            Banks::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
