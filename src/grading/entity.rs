//! Table mappings for grades, tie decisions and releases.

pub mod grade {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "grades")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub attempt_id: i32,
        pub paper_id: i32,
        pub application_id: i32,
        pub candidate_id: i32,
        /// `graded` or `needs_marking`.
        pub status: String,
        /// JSON `Vec<GradedSection>`.
        pub sections: String,
        /// JSON `Vec<(version id, Option<fraction>)>`, form order.
        pub items: String,
        pub graded_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod tie_decision {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "tie_decisions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub campaign_id: i32,
        pub position_id: i32,
        /// JSON array, first preferred.
        pub application_ids: String,
        pub reason: String,
        pub decided_by: i32,
        pub decided_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod release {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "result_releases")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub campaign_id: i32,
        pub released_by: i32,
        pub released_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod key_correction {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "key_corrections")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub paper_id: i32,
        pub version_id: i32,
        /// The corrected `banks::model::Answer` as JSON; replaces the pinned key
        /// of this version when this paper is graded.
        pub answer: String,
        pub reason: String,
        pub corrected_by: Option<i32>,
        pub corrected_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
