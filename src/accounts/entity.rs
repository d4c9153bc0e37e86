//! Table mappings for accounts. Behaviour lives in `store.rs`, not here.

pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub username: String,
        pub full_name: String,
        pub email: Option<String>,
        pub date_of_birth: Option<Date>,
        pub national_id: Option<String>,
        pub role: String,
        pub org_unit_id: Option<i32>,
        pub password_hash: String,
        pub locale: String,
        pub disabled: bool,
        pub created_ms: i64,
        pub password_changed_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub user_id: i32,
        pub created_ms: i64,
        pub last_seen_ms: i64,
        pub expires_ms: i64,
        pub revoked_ms: Option<i64>,
        pub client_addr: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::user::Entity",
            from = "Column::UserId",
            to = "super::user::Column::Id"
        )]
        User,
    }

    impl Related<super::user::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod login_attempt {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "login_attempts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub username: String,
        pub client_addr: String,
        pub at_ms: i64,
        /// Starts false: a reserved attempt counts as a failure until its
        /// password is found right.
        pub succeeded: bool,
        /// The device cookie the attempt carried, when valid for the account.
        pub device: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod sign_in_lock {
    use sea_orm::entity::prelude::*;

    /// One row per lock stripe; see `store::lock_sign_in_keys`.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "sign_in_locks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub stripe: i32,
        pub touched_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
