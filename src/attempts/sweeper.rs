//! The background task that submits overdue attempts even when the candidate
//! has gone: every few seconds, by the injected clock. Each pass is one
//! conditional UPDATE, so several merit processes may run it at once.

use std::time::Duration;

use crate::state::AppState;

pub const INTERVAL: Duration = Duration::from_secs(5);

pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match super::service::sweep(&state, state.now_ms()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(submitted = n, "sweeper submitted overdue attempts"),
                Err(e) => tracing::warn!(error = %e, "sweeper pass failed; next pass in 5 s"),
            }
        }
    })
}
