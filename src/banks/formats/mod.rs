//! File formats a bank can be read from and written to. Each module is pure:
//! text or bytes in, [`Parsed`](super::model::Parsed) out, and back.

pub mod gift;
pub mod moodle_xml;
pub mod native;
pub mod spreadsheet;
