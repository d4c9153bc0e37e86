//! Org units (đơn vị): the tree of province, departments and divisions that
//! scopes what personnel officers see.

pub mod domain;
pub mod entity;
pub mod routes;
pub mod store;

pub use routes::router;
