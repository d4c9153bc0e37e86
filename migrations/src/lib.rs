//! Schema migrations for merit. Portable SeaQuery DSL only, so the same steps
//! run on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m0001_platform;
mod m0002_banks;
mod m0003_staff;
mod m0004_campaigns;
mod m0005_forms;
mod m0006_attempts;
mod m0007_grading;
mod m0008_marking;
mod m0009_staff_links;
mod m0010_claims_and_rounds;
mod m0011_law_in_force;
mod m0012_sign_in_throttle;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_platform::Migration),
            Box::new(m0002_banks::Migration),
            Box::new(m0003_staff::Migration),
            Box::new(m0004_campaigns::Migration),
            Box::new(m0005_forms::Migration),
            Box::new(m0006_attempts::Migration),
            Box::new(m0007_grading::Migration),
            Box::new(m0008_marking::Migration),
            Box::new(m0009_staff_links::Migration),
            Box::new(m0010_claims_and_rounds::Migration),
            Box::new(m0011_law_in_force::Migration),
            Box::new(m0012_sign_in_throttle::Migration),
        ]
    }
}
