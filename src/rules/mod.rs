//! Rule sets: the legal rules of a campaign, as data.

pub mod model;
pub mod presets;
