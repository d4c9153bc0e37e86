//! Demo staff.
