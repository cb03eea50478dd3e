//! The outbox relay: hands committed events to the bus, oldest first, and marks them
//! published only after the bus accepted them (at-least-once; consumers are idempotent).

use std::time::Duration;

use app::state::AppState;

use crate::bus::Bus;

const BATCH: i64 = 200;

/// A publication the bus has not accepted within this long is given up and tried
/// again: a stuck broker must not hold the outbox's rows (and turn) for ever.
pub const PUBLISH_TIMEOUT: Duration = Duration::from_secs(15);

/// Hands `events` to the bus within [`PUBLISH_TIMEOUT`].
async fn publish(bus: &Bus, events: &[app::audit::EventEnvelope]) -> anyhow::Result<()> {
    match tokio::time::timeout(PUBLISH_TIMEOUT, bus.publish(events)).await {
        Ok(result) => result,
        Err(_) => anyhow::bail!("the bus did not accept {} events within {} s", events.len(), PUBLISH_TIMEOUT.as_secs()),
    }
}

/// Publishes one batch; returns how many events were published.
pub async fn relay_batch(state: &AppState, bus: &Bus) -> anyhow::Result<usize> {
    let Some(claim) = state.event_store.claim(&state.db, BATCH).await? else {
        return Ok(0);
    };
    publish(bus, &claim.events).await?;
    let published = claim.events.len();
    claim.commit().await?;
    Ok(published)
}

/// Runs forever: publishes whenever a commit signals new events, and polls as a fallback
/// (other processes write events too).
pub async fn run(state: AppState, bus: Bus) {
    let mut failures = 0u32;
    loop {
        match relay_batch(&state, &bus).await {
            // A full batch: more are probably waiting.
            Ok(n) if n as i64 == BATCH => {
                failures = 0;
                tracing::debug!(published = n, "outbox relayed");
            }
            // The outbox is drained: wait for the next commit. A commit made since the
            // batch was claimed has already stored its wake-up, so none is missed.
            Ok(n) => {
                failures = 0;
                if n > 0 {
                    tracing::debug!(published = n, "outbox relayed");
                }
                let _ = tokio::time::timeout(Duration::from_millis(250), state.db.relay_woken()).await;
            }
            Err(e) => {
                failures += 1;
                let wait = Duration::from_millis(200 * 2u64.pow(failures.min(6)));
                tracing::warn!(error = format!("{e:#}"), retry_in_ms = wait.as_millis() as u64, "outbox relay failed");
                tokio::time::sleep(wait).await;
            }
        }
    }
}
