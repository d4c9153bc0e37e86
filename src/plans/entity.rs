//! Table mappings for streamlining plans. Behaviour lives in `store.rs` and `domain.rs`.

pub mod plan {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "plans")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub org_unit_id: i32,
        pub title: String,
        pub first_year: i32,
        pub last_year: i32,
        pub status: String,
        pub target_kind: String,
        pub cap_ratio_pct: i32,
        /// The `PayoutRule` as JSON.
        pub payout_rule: String,
        pub created_by: String,
        pub created_ms: i64,
        pub submitted_ms: Option<i64>,
        pub approved_ms: Option<i64>,
        pub approved_by: Option<String>,
        pub carried_out_ms: Option<i64>,
        pub review_note: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod plan_unit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "plan_units")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub plan_id: i32,
        pub org_unit_id: i32,
        pub baseline_headcount: i32,
        pub baseline_quota: i32,
        pub baseline_coefficients: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod plan_target {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "plan_targets")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub plan_id: i32,
        pub org_unit_id: i32,
        pub year: i32,
        pub amount: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod plan_person {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "plan_people")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub plan_id: i32,
        pub staff_id: i32,
        pub org_unit_id: i32,
        pub year: i32,
        pub category: String,
        pub exit_route: String,
        pub volunteer: bool,
        pub pregnant: bool,
        pub youngest_child_birth: Option<Date>,
        pub note: String,
        pub carried_out_ms: Option<i64>,
        pub created_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
