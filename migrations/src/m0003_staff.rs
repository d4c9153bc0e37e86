//! Staff records, job positions, grades and pay, and payroll-streamlining plans.
//!
//! Independent of the exam tables: it refers only to `org_units` from m0001.
//! Coefficients are stored in hundredths (2.34 → 234) and money in whole VND,
//! so pay is exact integer arithmetic on both backends.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrgUnits {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SalaryGrades {
    Table,
    Code,
    NameVi,
    NameEn,
    FirstCoefficient,
    Increment,
    Steps,
    StepMonths,
}

#[derive(DeriveIden)]
enum BaseSalaries {
    Table,
    Id,
    EffectiveFrom,
    AmountVnd,
    Note,
}

#[derive(DeriveIden)]
enum Positions {
    Table,
    Id,
    OrgUnitId,
    Title,
    PositionGroup,
    GradeCode,
    Headcount,
    CreatedMs,
    UpdatedMs,
}

#[derive(DeriveIden)]
enum Staff {
    Table,
    Id,
    OrgUnitId,
    PositionId,
    FullName,
    Gender,
    DateOfBirth,
    NationalId,
    EmploymentType,
    GradeCode,
    Step,
    Coefficient,
    LastStepRaise,
    HireDate,
    Status,
    LeaveKind,
    LeaveUntil,
    UnderReview,
    LastAppraisalYear,
    LastAppraisal,
    CreatedMs,
    UpdatedMs,
}

#[derive(DeriveIden)]
enum StaffEvents {
    Table,
    Id,
    StaffId,
    Kind,
    EffectiveDate,
    Payload,
    Note,
    ActorName,
    CreatedMs,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
    OrgUnitId,
    Title,
    FirstYear,
    LastYear,
    Status,
    TargetKind,
    CapRatioPct,
    PayoutRule,
    CreatedBy,
    CreatedMs,
    SubmittedMs,
    ApprovedMs,
    ApprovedBy,
    CarriedOutMs,
    ReviewNote,
}

#[derive(DeriveIden)]
enum PlanUnits {
    Table,
    Id,
    PlanId,
    OrgUnitId,
    BaselineHeadcount,
    BaselineQuota,
    BaselineCoefficients,
}

#[derive(DeriveIden)]
enum PlanTargets {
    Table,
    Id,
    PlanId,
    OrgUnitId,
    Year,
    Amount,
}

#[derive(DeriveIden)]
enum PlanPeople {
    Table,
    Id,
    PlanId,
    StaffId,
    OrgUnitId,
    Year,
    Category,
    ExitRoute,
    Volunteer,
    Pregnant,
    YoungestChildBirth,
    Note,
    CarriedOutMs,
    CreatedMs,
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

/// Decree 204/2004 scales: (code, Vietnamese, English, first, increment, steps, months).
/// College level and above raise a step every 36 months, below every 24.
const GRADES: &[(&str, &str, &str, i32, i32, i32, i32)] = &[
    (
        "A3.1",
        "Chuyên viên cao cấp",
        "Senior specialist",
        620,
        36,
        6,
        36,
    ),
    (
        "A2.1",
        "Chuyên viên chính",
        "Principal specialist",
        440,
        34,
        8,
        36,
    ),
    ("A1", "Chuyên viên", "Specialist", 234, 33, 9, 36),
    (
        "A0",
        "Cán sự (cao đẳng)",
        "Officer (college)",
        210,
        31,
        10,
        36,
    ),
    ("B", "Nhân viên", "Staff", 186, 20, 12, 24),
];

/// Base salary (lương cơ sở) by effective date; "U" marks figures the sources
/// could not confirm — administrators may correct them.
const BASE_SALARIES: &[(&str, i64, &str)] = &[
    ("2013-07-01", 1_150_000, ""),
    ("2016-05-01", 1_210_000, ""),
    ("2017-07-01", 1_300_000, ""),
    ("2018-07-01", 1_390_000, "U"),
    ("2019-07-01", 1_490_000, "U"),
    ("2023-07-01", 1_800_000, ""),
    ("2024-07-01", 2_340_000, ""),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SalaryGrades::Table)
                .col(string_len(SalaryGrades::Code, 16).primary_key())
                .col(string_len(SalaryGrades::NameVi, 100))
                .col(string_len(SalaryGrades::NameEn, 100))
                .col(integer(SalaryGrades::FirstCoefficient))
                .col(integer(SalaryGrades::Increment))
                .col(integer(SalaryGrades::Steps))
                .col(integer(SalaryGrades::StepMonths))
                .to_owned(),
        )
        .await?;
        for (code, vi, en, first, inc, steps, months) in GRADES {
            m.exec_stmt(
                Query::insert()
                    .into_table(SalaryGrades::Table)
                    .columns([
                        SalaryGrades::Code,
                        SalaryGrades::NameVi,
                        SalaryGrades::NameEn,
                        SalaryGrades::FirstCoefficient,
                        SalaryGrades::Increment,
                        SalaryGrades::Steps,
                        SalaryGrades::StepMonths,
                    ])
                    .values_panic([
                        (*code).into(),
                        (*vi).into(),
                        (*en).into(),
                        (*first).into(),
                        (*inc).into(),
                        (*steps).into(),
                        (*months).into(),
                    ])
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(BaseSalaries::Table)
                .col(pk_auto(BaseSalaries::Id))
                .col(date(BaseSalaries::EffectiveFrom).unique_key())
                .col(big_integer(BaseSalaries::AmountVnd))
                .col(string_len(BaseSalaries::Note, 200).default(""))
                .to_owned(),
        )
        .await?;
        for (from, amount, note) in BASE_SALARIES {
            let day = sea_orm::prelude::ChronoDate::parse_from_str(from, "%Y-%m-%d")
                .map_err(|e| DbErr::Migration(format!("base salary date {from}: {e}")))?;
            m.exec_stmt(
                Query::insert()
                    .into_table(BaseSalaries::Table)
                    .columns([
                        BaseSalaries::EffectiveFrom,
                        BaseSalaries::AmountVnd,
                        BaseSalaries::Note,
                    ])
                    .values_panic([day.into(), (*amount).into(), (*note).into()])
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(Positions::Table)
                .col(pk_auto(Positions::Id))
                .col(integer(Positions::OrgUnitId))
                .col(string_len(Positions::Title, 200))
                .col(string_len(Positions::PositionGroup, 16))
                .col(string_len(Positions::GradeCode, 16))
                .col(integer(Positions::Headcount))
                .col(big_integer(Positions::CreatedMs))
                .col(big_integer(Positions::UpdatedMs))
                .foreign_key(&mut fk(
                    (Positions::Table, Positions::OrgUnitId),
                    (OrgUnits::Table, OrgUnits::Id),
                ))
                .foreign_key(&mut fk(
                    (Positions::Table, Positions::GradeCode),
                    (SalaryGrades::Table, SalaryGrades::Code),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("positions_unit")
                .table(Positions::Table)
                .col(Positions::OrgUnitId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Staff::Table)
                .col(pk_auto(Staff::Id))
                .col(integer(Staff::OrgUnitId))
                .col(integer_null(Staff::PositionId))
                .col(string_len(Staff::FullName, 200))
                .col(string_len(Staff::Gender, 8))
                .col(date(Staff::DateOfBirth))
                .col(string_len_null(Staff::NationalId, 32))
                .col(string_len(Staff::EmploymentType, 24))
                .col(string_len(Staff::GradeCode, 16))
                .col(integer(Staff::Step))
                .col(integer(Staff::Coefficient))
                .col(date_null(Staff::LastStepRaise))
                .col(date(Staff::HireDate))
                .col(string_len(Staff::Status, 16))
                .col(string_len_null(Staff::LeaveKind, 16))
                .col(date_null(Staff::LeaveUntil))
                .col(boolean(Staff::UnderReview).default(false))
                .col(integer_null(Staff::LastAppraisalYear))
                .col(string_len_null(Staff::LastAppraisal, 24))
                .col(big_integer(Staff::CreatedMs))
                .col(big_integer(Staff::UpdatedMs))
                .foreign_key(&mut fk(
                    (Staff::Table, Staff::OrgUnitId),
                    (OrgUnits::Table, OrgUnits::Id),
                ))
                .foreign_key(&mut fk(
                    (Staff::Table, Staff::PositionId),
                    (Positions::Table, Positions::Id),
                ))
                .foreign_key(&mut fk(
                    (Staff::Table, Staff::GradeCode),
                    (SalaryGrades::Table, SalaryGrades::Code),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("staff_unit")
                .table(Staff::Table)
                .col(Staff::OrgUnitId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("staff_position")
                .table(Staff::Table)
                .col(Staff::PositionId)
                .to_owned(),
        )
        .await?;
        // One person, one record: unique where present.
        m.create_index(
            Index::create()
                .name("staff_national_id_uniq")
                .table(Staff::Table)
                .col(Staff::NationalId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(StaffEvents::Table)
                .col(big_pk_auto(StaffEvents::Id))
                .col(integer(StaffEvents::StaffId))
                .col(string_len(StaffEvents::Kind, 16))
                .col(date(StaffEvents::EffectiveDate))
                .col(text(StaffEvents::Payload))
                .col(text(StaffEvents::Note))
                .col(string_len(StaffEvents::ActorName, 254))
                .col(big_integer(StaffEvents::CreatedMs))
                .foreign_key(&mut fk(
                    (StaffEvents::Table, StaffEvents::StaffId),
                    (Staff::Table, Staff::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("staff_events_staff")
                .table(StaffEvents::Table)
                .col(StaffEvents::StaffId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Plans::Table)
                .col(pk_auto(Plans::Id))
                .col(integer(Plans::OrgUnitId))
                .col(string_len(Plans::Title, 200))
                .col(integer(Plans::FirstYear))
                .col(integer(Plans::LastYear))
                .col(string_len(Plans::Status, 16))
                .col(string_len(Plans::TargetKind, 8))
                .col(integer(Plans::CapRatioPct))
                .col(text(Plans::PayoutRule))
                .col(string_len(Plans::CreatedBy, 254))
                .col(big_integer(Plans::CreatedMs))
                .col(big_integer_null(Plans::SubmittedMs))
                .col(big_integer_null(Plans::ApprovedMs))
                .col(string_len_null(Plans::ApprovedBy, 254))
                .col(big_integer_null(Plans::CarriedOutMs))
                .col(text(Plans::ReviewNote))
                .foreign_key(&mut fk(
                    (Plans::Table, Plans::OrgUnitId),
                    (OrgUnits::Table, OrgUnits::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PlanUnits::Table)
                .col(pk_auto(PlanUnits::Id))
                .col(integer(PlanUnits::PlanId))
                .col(integer(PlanUnits::OrgUnitId))
                .col(integer(PlanUnits::BaselineHeadcount))
                .col(integer(PlanUnits::BaselineQuota))
                .col(big_integer(PlanUnits::BaselineCoefficients))
                .foreign_key(&mut fk(
                    (PlanUnits::Table, PlanUnits::PlanId),
                    (Plans::Table, Plans::Id),
                ))
                .foreign_key(&mut fk(
                    (PlanUnits::Table, PlanUnits::OrgUnitId),
                    (OrgUnits::Table, OrgUnits::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("plan_units_uniq")
                .table(PlanUnits::Table)
                .col(PlanUnits::PlanId)
                .col(PlanUnits::OrgUnitId)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PlanTargets::Table)
                .col(pk_auto(PlanTargets::Id))
                .col(integer(PlanTargets::PlanId))
                .col(integer(PlanTargets::OrgUnitId))
                .col(integer(PlanTargets::Year))
                // Hundredths of a percent (150 = 1.5%) or a head count, as the plan's target kind says.
                .col(integer(PlanTargets::Amount))
                .foreign_key(&mut fk(
                    (PlanTargets::Table, PlanTargets::PlanId),
                    (Plans::Table, Plans::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("plan_targets_uniq")
                .table(PlanTargets::Table)
                .col(PlanTargets::PlanId)
                .col(PlanTargets::OrgUnitId)
                .col(PlanTargets::Year)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PlanPeople::Table)
                .col(pk_auto(PlanPeople::Id))
                .col(integer(PlanPeople::PlanId))
                .col(integer(PlanPeople::StaffId))
                .col(integer(PlanPeople::OrgUnitId))
                .col(integer(PlanPeople::Year))
                .col(string_len(PlanPeople::Category, 32))
                .col(string_len(PlanPeople::ExitRoute, 24))
                .col(boolean(PlanPeople::Volunteer).default(false))
                .col(boolean(PlanPeople::Pregnant).default(false))
                .col(date_null(PlanPeople::YoungestChildBirth))
                .col(text(PlanPeople::Note))
                .col(big_integer_null(PlanPeople::CarriedOutMs))
                .col(big_integer(PlanPeople::CreatedMs))
                .foreign_key(&mut fk(
                    (PlanPeople::Table, PlanPeople::PlanId),
                    (Plans::Table, Plans::Id),
                ))
                .foreign_key(&mut fk(
                    (PlanPeople::Table, PlanPeople::StaffId),
                    (Staff::Table, Staff::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("plan_people_uniq")
                .table(PlanPeople::Table)
                .col(PlanPeople::PlanId)
                .col(PlanPeople::StaffId)
                .unique()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            PlanPeople::Table.into_iden(),
            PlanTargets::Table.into_iden(),
            PlanUnits::Table.into_iden(),
            Plans::Table.into_iden(),
            StaffEvents::Table.into_iden(),
            Staff::Table.into_iden(),
            Positions::Table.into_iden(),
            BaseSalaries::Table.into_iden(),
            SalaryGrades::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
