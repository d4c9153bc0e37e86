//! Time comes from here, never from `SystemTime::now()` in feature code, so
//! tests move the clock instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Unix time in milliseconds: what the database stores (`*_ms` columns).
pub type Millis = i64;

pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> Millis;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> Millis {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A clock that only moves when told to. Shared by clones.
#[derive(Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn starting_at(ms: Millis) -> Self {
        ManualClock(Arc::new(AtomicI64::new(ms)))
    }

    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }

    pub fn advance_minutes(&self, minutes: i64) {
        self.advance_ms(minutes * 60_000);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

/// Formats a stored instant for people (UTC, minute precision).
pub fn format_ms(ms: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// Vietnam's offset (UTC+7), the default for showing and entering times. Set
/// `MERIT_UTC_OFFSET_MINUTES` elsewhere.
pub const DEFAULT_UTC_OFFSET_MINUTES: i32 = 420;

/// A stored instant as local wall time for an `<input type="datetime-local">`.
pub fn to_local_input(ms: Millis, offset_minutes: i32) -> String {
    chrono::DateTime::from_timestamp_millis(ms + i64::from(offset_minutes) * 60_000)
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// A stored instant as local wall time for people: `25/11/2026 09:00`.
pub fn format_local(ms: Millis, offset_minutes: i32) -> String {
    chrono::DateTime::from_timestamp_millis(ms + i64::from(offset_minutes) * 60_000)
        .map(|t| t.format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default()
}

/// Parses local wall time (`2026-11-25T09:00`, seconds optional) into an instant.
pub fn parse_local_input(s: &str, offset_minutes: i32) -> Option<Millis> {
    let s = s.trim();
    let t = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    Some(t.and_utc().timestamp_millis() - i64::from(offset_minutes) * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_time_round_trips_through_the_offset() {
        let ms = parse_local_input("2026-11-25T09:00", 420).unwrap();
        assert_eq!(ms, 1_795_572_000_000, "09:00 in Hà Nội is 02:00 UTC");
        assert_eq!(to_local_input(ms, 420), "2026-11-25T09:00");
        assert_eq!(format_local(ms, 420), "25/11/2026 09:00");
        assert_eq!(parse_local_input("25/11/2026", 420), None);
    }
}
