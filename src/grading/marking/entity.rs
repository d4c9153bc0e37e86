//! Table mappings for essay marks and appeals.

pub mod essay_mark {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "essay_marks")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub paper_id: i32,
        pub attempt_id: i32,
        /// Form item, 0-based in form order.
        pub item: i32,
        /// `domain::Slot::number`.
        pub slot: i32,
        pub marker_id: i32,
        pub points: f64,
        pub note: String,
        pub appeal_id: Option<i32>,
        pub marked_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod appeal {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "appeals")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub campaign_id: i32,
        pub application_id: i32,
        pub candidate_id: i32,
        pub paper_id: i32,
        pub attempt_id: i32,
        pub round: String,
        pub section: String,
        pub reason: String,
        /// `pending` or `decided`.
        pub status: String,
        /// The section's scaled score when the appeal was made, and after it.
        pub score_before: f64,
        pub score_after: Option<f64>,
        pub requested_ms: i64,
        pub decided_by: Option<i32>,
        pub decided_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
