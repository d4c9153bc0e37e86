//! Question banks.

pub mod model;
