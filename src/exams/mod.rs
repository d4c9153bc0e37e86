//! Exam papers, their blueprints, and the randomized forms drawn from them.

pub mod blueprint;
pub mod form;
