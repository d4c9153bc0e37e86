//! Table mappings for campaigns. Behaviour lives in `store.rs`.

pub mod campaign {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "campaigns")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub title: String,
        pub kind: String,
        pub org_unit_id: i32,
        /// The rule set as JSON (`rules::model::RuleSet`), copied from a preset so
        /// later preset changes never alter a running campaign.
        pub rule_set: String,
        pub applies_from_ms: i64,
        pub applies_until_ms: i64,
        pub status: String,
        pub created_by: i32,
        pub created_ms: i64,
        /// Set when the rule set is not in force for the campaign's dates and
        /// personnel carried it on as a transitional intake (Decree 170/2025 Art 70).
        pub transitional_reason: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod position {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "campaign_positions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub campaign_id: i32,
        pub code: String,
        pub title: String,
        pub quota: i32,
        pub job_position_id: Option<i32>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod application {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "applications")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub campaign_id: i32,
        pub position_id: i32,
        pub candidate_id: i32,
        /// JSON array of exempted sections, each `round.section`.
        pub exemptions: String,
        /// The document proving the exemptions.
        pub document_ref: Option<String>,
        pub status: String,
        pub reject_reason: Option<String>,
        pub extra_minutes: i32,
        pub decided_by: Option<i32>,
        pub decided_ms: Option<i64>,
        pub created_ms: i64,
        /// JSON array of `domain::PriorityClaim`.
        pub priority_claims: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod staff_link {
    use sea_orm::entity::prelude::*;

    /// A promotion-campaign application admitted from a staff record; the
    /// promotion it leads to is written once, when `promoted_ms` is set.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "staff_links")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub application_id: i32,
        pub campaign_id: i32,
        pub staff_id: i32,
        pub created_ms: i64,
        pub promoted_ms: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod round_result {
    use sea_orm::entity::prelude::*;

    /// Whether an application qualified in a round for the rounds after it, as
    /// decided when personnel closed the round; a later round is open only to
    /// those who did.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "round_results")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub campaign_id: i32,
        pub application_id: i32,
        /// 1-based, as papers number their round.
        pub round: i32,
        pub qualified: bool,
        /// JSON array of `grading::ranking::Failure`, empty when qualified.
        pub failures: String,
        pub decided_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
