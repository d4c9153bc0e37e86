//! A short-lived copy of live sessions, so an autosave does not read the
//! session row on every request.
//!
//! On exam day every candidate saves about once a second; reading the session
//! and its account for each save cost more than the save itself. An entry is
//! trusted for [`TRUST_MS`] after it was read. Whatever ends a session in this
//! process (sign-out, password change, access change, disabling) forgets the
//! account's entries at once; a session ended by another process sharing the
//! database stops working here within [`TRUST_MS`]. Expiry and the idle timeout
//! are still checked against the clock on every request.

use std::collections::HashMap;
use std::sync::Mutex;

use super::entity::{session, user};

/// How long a session read from the database is trusted without reading again,
/// at most. Each session is trusted for between half of this and all of it,
/// by its id: ten thousand sessions read in the same start storm would
/// otherwise all be read again in the same instant every period, and each
/// such wave stalled the autosaves behind it for a few hundred milliseconds.
pub const TRUST_MS: i64 = 5_000;

/// This session's trust period, in [TRUST_MS / 2, TRUST_MS).
pub fn trust_ms(sid: &str) -> i64 {
    // FNV-1a: stable across processes and runs, and spreads similar ids.
    let hash = sid.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let half = TRUST_MS / 2;
    half + (hash % half as u64) as i64
}

/// Entries kept before stale ones are dropped.
const PRUNE_AT: usize = 50_000;

#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, Entry>>,
}

#[derive(Clone)]
struct Entry {
    session: session::Model,
    user: user::Model,
    read_ms: i64,
}

impl SessionCache {
    /// The session and its account as read at most [`TRUST_MS`] ago.
    pub fn get(&self, sid: &str, now_ms: i64) -> Option<(session::Model, user::Model)> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(sid)
            .filter(|e| fresh(e, now_ms))
            .map(|e| (e.session.clone(), e.user.clone()))
    }

    pub fn keep(&self, session: &session::Model, user: &user::Model, now_ms: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= PRUNE_AT {
            entries.retain(|_, e| fresh(e, now_ms));
        }
        entries.insert(
            session.id.clone(),
            Entry {
                session: session.clone(),
                user: user.clone(),
                read_ms: now_ms,
            },
        );
    }

    /// The session's last-seen time was written: keep the copy in step.
    pub fn touched(&self, sid: &str, now_ms: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = entries.get_mut(sid) {
            e.session.last_seen_ms = now_ms;
        }
    }

    /// Something about the account changed (password, access, sign-out): its
    /// sessions are read from the database on their next request.
    pub fn forget_user(&self, user_id: i32) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, e| e.user.id != user_id);
    }
}

fn fresh(e: &Entry, now_ms: i64) -> bool {
    (0..trust_ms(&e.session.id)).contains(&(now_ms - e.read_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: &str, user_id: i32) -> session::Model {
        session::Model {
            id: id.into(),
            user_id,
            created_ms: 0,
            last_seen_ms: 0,
            expires_ms: 1_000_000,
            revoked_ms: None,
            client_addr: "test".into(),
        }
    }

    fn account(id: i32) -> user::Model {
        user::Model {
            id,
            username: format!("u{id}"),
            full_name: "U".into(),
            email: None,
            date_of_birth: None,
            national_id: None,
            role: "candidate".into(),
            org_unit_id: None,
            password_hash: "h".into(),
            locale: "vi".into(),
            disabled: false,
            created_ms: 0,
            password_changed_ms: 0,
        }
    }

    #[test]
    fn an_entry_is_trusted_only_for_a_while_after_it_was_read() {
        let c = SessionCache::default();
        c.keep(&session("a", 1), &account(1), 1_000);
        assert!(c.get("a", 1_000).is_some());
        assert!(c.get("a", 1_000 + trust_ms("a") - 1).is_some());
        assert!(c.get("a", 1_000 + trust_ms("a")).is_none());
        assert!(
            c.get("a", 999).is_none(),
            "a clock set back does not extend trust"
        );
        assert!(c.get("b", 1_000).is_none());
    }

    #[test]
    fn sessions_read_together_are_read_again_at_spread_times() {
        let periods: Vec<i64> = (0..1000)
            .map(|i| trust_ms(&format!("session-{i}")))
            .collect();
        assert!(periods.iter().all(|p| (TRUST_MS / 2..TRUST_MS).contains(p)));
        // Ten buckets of a quarter second: none holds more than twice its share.
        let mut buckets = [0; 10];
        for p in &periods {
            buckets[((p - TRUST_MS / 2) * 10 / (TRUST_MS / 2)) as usize] += 1;
        }
        assert!(
            buckets.iter().all(|&b| (50..200).contains(&b)),
            "{buckets:?}"
        );
    }

    #[test]
    fn forgetting_an_account_drops_all_its_sessions_and_only_those() {
        let c = SessionCache::default();
        c.keep(&session("a", 1), &account(1), 0);
        c.keep(&session("b", 1), &account(1), 0);
        c.keep(&session("c", 2), &account(2), 0);
        c.forget_user(1);
        assert!(c.get("a", 0).is_none() && c.get("b", 0).is_none());
        assert!(c.get("c", 0).is_some());
    }

    #[test]
    fn a_touch_updates_the_copy() {
        let c = SessionCache::default();
        c.keep(&session("a", 1), &account(1), 0);
        c.touched("a", 70_000);
        assert_eq!(c.get("a", 1).map(|(s, _)| s.last_seen_ms), Some(70_000));
    }
}
