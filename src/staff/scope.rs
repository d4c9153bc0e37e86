//! Who sees which staff: administrators everything, personnel officers their
//! unit's subtree, everyone else nothing.

use sea_orm::ConnectionTrait;

use crate::accounts::domain::Role;
use crate::org_units;
use crate::web::{AppError, CurrentUser};

#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    All,
    Units(Vec<i32>),
}

impl Scope {
    pub fn contains(&self, unit_id: i32) -> bool {
        match self {
            Scope::All => true,
            Scope::Units(units) => units.contains(&unit_id),
        }
    }

    /// `None` means every unit.
    pub fn units(&self) -> Option<&[i32]> {
        match self {
            Scope::All => None,
            Scope::Units(u) => Some(u),
        }
    }

    /// National ID and date of birth: only personnel of the subtree and
    /// administrators. Anyone holding a scope is one of those, so this is the
    /// same test as `contains`; it is kept separate so the rule reads where
    /// identity is shown.
    pub fn shows_identity(&self, unit_id: i32) -> bool {
        self.contains(unit_id)
    }
}

pub async fn of(db: &impl ConnectionTrait, user: &CurrentUser) -> Result<Scope, AppError> {
    match (user.role, user.org_unit_id) {
        (Role::Admin, _) => Ok(Scope::All),
        (Role::Personnel, Some(root)) => {
            Ok(Scope::Units(org_units::store::subtree_of(db, root).await?))
        }
        _ => Err(AppError::Forbidden),
    }
}
