//! Question banks: authoring, review, versions, import and export.

pub mod formats;
pub mod model;
pub mod normalize;
pub mod scoring;
pub mod validate;
