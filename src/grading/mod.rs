//! Grading, rankings and item statistics.

pub mod item_analysis;
pub mod ranking;
