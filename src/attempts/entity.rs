//! Table mappings for attempts and answers.

pub mod attempt {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "attempts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub paper_id: i32,
        pub application_id: i32,
        pub candidate_id: i32,
        pub form_id: i32,
        pub item_count: i32,
        pub sequential: bool,
        pub position: i32,
        pub started_ms: i64,
        pub deadline_ms: i64,
        pub grace_ms: i64,
        pub extra_ms: i64,
        pub submitted_ms: Option<i64>,
        /// `manual`, `deadline` (the page at zero) or `sweeper`.
        pub submit_reason: Option<String>,
        /// `in_progress` or `submitted`.
        pub status: String,
        pub last_save_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod answer {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "answers")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub attempt_id: i32,
        pub item: i32,
        pub response: Option<String>,
        pub flagged: bool,
        pub seq: i64,
        pub saved_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
