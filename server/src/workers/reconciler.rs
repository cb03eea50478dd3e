//! The reconciler: every two seconds it looks for what fell through and drives it again
//! through the consumers, as a delivery would: receipts that FAILED (with a growing
//! wait, up to [`fallen::MAX_REDRIVES`] times), deliveries left half-way by a process
//! that died, payments never answered, and (every 30 s) paid orders without tickets and
//! published events a consumer never received. Then it fails the payments that did not
//! resolve by their deadline, except during an outage of the database and for a minute
//! after it: the deliveries that waited for the database get their turn first, so an
//! outage alone never fails an order. On PostgreSQL one process at a time does this (an
//! advisory lock); every consumer being idempotent, an event driven twice changes
//! nothing.

use std::collections::HashSet;
use std::time::Duration;

use app::audit::fallen::{self, Unfinished};
use app::audit::store::Turn;
use app::audit::EventEnvelope;
use app::db::now_ms;
use app::state::AppState;
use app::AppError;
use futures_util::stream::{self, StreamExt};

use super::{consumers, deliver, Consumer, Outcome};

const EVERY: Duration = Duration::from_secs(2);
/// The scans that read the last hour (paid orders without tickets, messages that never
/// arrived) run once in this many passes.
const SCAN_EVERY: u64 = 15;
/// At most this many of each kind per pass.
const BATCH: i64 = 200;
/// Deliveries one pass drives at once (a payment waits for the gateway).
const AT_ONCE: usize = 64;
/// A delivery still RECEIVED after this long died with its process.
const STALLED_MS: i64 = 10 * 60 * 1000;
/// A paid order gets its tickets within a moment; after this, they fell through.
const TICKETS_LATE_MS: i64 = 20_000;
/// Margin past the gateway's delay before an unanswered payment is driven again.
const PAYMENT_LATE_MS: i64 = 30_000;
/// Messages that never arrived are looked for among events published this long ago...
const UNDELIVERED_AFTER_MS: i64 = 2 * 60 * 1000;
/// ... and no longer ago than this.
const UNDELIVERED_WITHIN_MS: i64 = 60 * 60 * 1000;

/// After the database was last out of reach, payments are not failed at their deadline
/// for this long.
const AFTER_OUTAGE: Duration = Duration::from_secs(60);

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Deliveries driven again that did something (not duplicates).
    pub redriven: usize,
    /// Deliveries driven again that failed again.
    pub failed: usize,
    /// Payments failed at their deadline.
    pub expired_payments: usize,
}

/// Runs forever.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut pass: u64 = 0;
    let mut last_outage: Option<tokio::time::Instant> = None;
    loop {
        tick.tick().await;
        pass += 1;
        let expire_payments = last_outage.is_none_or(|at| at.elapsed() >= AFTER_OUTAGE);
        match reconcile(&state, pass % SCAN_EVERY == 0, expire_payments).await {
            Ok(report) if report == Report::default() => {}
            Ok(report) => tracing::info!(redriven = report.redriven, failed = report.failed, expired_payments = report.expired_payments, "reconciled"),
            Err(e) if e.is_transient() => {
                last_outage = Some(tokio::time::Instant::now());
                tracing::debug!(error = %e, "reconciler: database out of reach");
            }
            Err(e) => tracing::warn!(error = %e, "reconciler failed"),
        }
    }
}

/// One pass; with `scan`, also reads the last hour for paid orders without tickets and
/// messages that never arrived; with `expire_payments`, fails the payments past their
/// deadline.
pub async fn reconcile(state: &AppState, scan: bool, expire_payments: bool) -> Result<Report, AppError> {
    let db = &state.db;
    let turn = state.event_store.reconciler_turn(db).await?;
    if let Turn::Taken = turn {
        return Ok(Report::default());
    }
    let now = now_ms();
    let all = consumers();
    let wanting = |event: &EventEnvelope| all.iter().filter(|c| c.event_types.contains(&event.event_type.as_str())).copied().collect::<Vec<_>>();

    let mut work: Vec<(EventEnvelope, Consumer)> = Vec::new();
    let named = |unfinished: Vec<Unfinished>, work: &mut Vec<(EventEnvelope, Consumer)>| {
        for u in unfinished {
            match all.iter().find(|c| c.name == u.consumer) {
                Some(c) => work.push((u.event, *c)),
                None => tracing::debug!(consumer = u.consumer, "receipt of a consumer this version does not have"),
            }
        }
    };
    named(fallen::failed_receipts(db, now, BATCH).await?, &mut work);
    named(fallen::stalled_receipts(db, now, STALLED_MS, BATCH).await?, &mut work);
    let payment_late = state.gateway.delay.as_millis() as i64 + PAYMENT_LATE_MS;
    for event in fallen::unanswered_payments(db, now - payment_late, BATCH).await? {
        work.extend(wanting(&event).into_iter().map(|c| (event.clone(), c)));
    }
    if scan {
        for event in fallen::paid_without_tickets(db, now - UNDELIVERED_WITHIN_MS, now - TICKETS_LATE_MS, BATCH).await? {
            work.extend(wanting(&event).into_iter().map(|c| (event.clone(), c)));
        }
        for consumer in &all {
            let events = fallen::undelivered(db, consumer.name, consumer.event_types, now - UNDELIVERED_WITHIN_MS, now - UNDELIVERED_AFTER_MS, BATCH).await?;
            work.extend(events.into_iter().map(|e| (e, *consumer)));
        }
    }
    let mut seen = HashSet::new();
    work.retain(|(event, consumer)| seen.insert((event.id, consumer.name)));

    let outcomes: Vec<Outcome> = stream::iter(work)
        .map(|(event, consumer)| async move {
            let outcome = deliver(state, &consumer, &event).await;
            if let Outcome::Failed(reason) = &outcome {
                tracing::warn!(consumer = consumer.name, event_id = %event.id, reason, "driven again, failed again");
            }
            outcome
        })
        .buffer_unordered(AT_ONCE)
        .collect()
        .await;
    if let Some(Outcome::Unavailable(reason)) = outcomes.iter().find(|o| matches!(o, Outcome::Unavailable(_))) {
        tracing::debug!(reason, "reconciler: database out of reach mid-pass");
    }
    let mut report = Report {
        redriven: outcomes.iter().filter(|o| **o == Outcome::Processed).count(),
        failed: outcomes.iter().filter(|o| matches!(o, Outcome::Failed(_))).count(),
        expired_payments: 0,
    };
    if expire_payments {
        report.expired_payments = app::orders::payments::expire_stale_payments(&state.db).await?;
    }
    turn.end().await?;
    Ok(report)
}
