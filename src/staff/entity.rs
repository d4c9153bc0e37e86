//! Table mappings for staff records. Behaviour lives in `store.rs` and `domain.rs`.

pub mod grade {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "salary_grades")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        pub name_vi: String,
        pub name_en: String,
        pub first_coefficient: i32,
        pub increment: i32,
        pub steps: i32,
        pub step_months: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod base_salary {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "base_salaries")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub effective_from: Date,
        pub amount_vnd: i64,
        pub note: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod position {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "positions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub org_unit_id: i32,
        pub title: String,
        pub position_group: String,
        pub grade_code: String,
        pub headcount: i32,
        pub created_ms: i64,
        pub updated_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod staff {
    use sea_orm::entity::prelude::*;

    /// The current record: a snapshot of the fold of `staff_events`, rewritten
    /// after every event, plus the identity fields no event changes.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "staff")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub org_unit_id: i32,
        pub position_id: Option<i32>,
        pub full_name: String,
        pub gender: String,
        pub date_of_birth: Date,
        pub national_id: Option<String>,
        pub employment_type: String,
        pub grade_code: String,
        pub step: i32,
        pub coefficient: i32,
        pub last_step_raise: Option<Date>,
        pub hire_date: Date,
        pub status: String,
        pub leave_kind: Option<String>,
        pub leave_until: Option<Date>,
        pub under_review: bool,
        pub last_appraisal_year: Option<i32>,
        pub last_appraisal: Option<String>,
        pub created_ms: i64,
        pub updated_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "staff_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub staff_id: i32,
        pub kind: String,
        pub effective_date: Date,
        /// The `EventKind` as JSON.
        pub payload: String,
        pub note: String,
        pub actor_name: String,
        pub created_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
