//! Schema migrations for merit. Portable SeaQuery DSL only, so the same steps
//! run on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m0001_platform;
mod m0003_staff;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_platform::Migration),
            // m0002 is the question banks' (built elsewhere); staff does not depend on it.
            Box::new(m0003_staff::Migration),
        ]
    }
}
