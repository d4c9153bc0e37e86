//! Table mappings for papers and forms.

pub mod paper {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "papers")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub campaign_id: i32,
        pub round: i32,
        pub title: String,
        pub version: i32,
        pub supersedes_id: Option<i32>,
        /// `draft`, `published` or `superseded`.
        pub status: String,
        /// `PaperSpec` as JSON: blueprint, navigation, release policy.
        pub spec: String,
        pub time_limit_minutes: i32,
        pub opens_ms: i64,
        pub closes_ms: i64,
        pub grace_seconds: i32,
        pub created_by: i32,
        pub created_ms: i64,
        pub published_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod paper_board {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "paper_board")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub paper_id: i32,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod form {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "forms")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub paper_id: i32,
        /// None for a board member's preview.
        pub application_id: Option<i32>,
        pub seed: i64,
        pub item_count: i32,
        /// `Form::encode`: compact, one row per form.
        pub data: Vec<u8>,
        pub created_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
