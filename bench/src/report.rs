//! What the rush reports: latencies, their timeline, the requests as CSV, and the CPU
//! each process on the machine used.

use std::time::Instant;

use anyhow::Context;
use serde_json::{json, Value};

/// One request of the measured on-sale.
#[derive(Clone, Copy)]
pub struct Sample {
    /// Milliseconds after the doors opened when it was sent.
    pub at_ms: f64,
    pub ms: f64,
    pub status: u16,
}

/// CPU seconds used so far by every process on this machine: pid → (command, seconds).
pub fn cpu_by_process() -> std::collections::HashMap<u32, (String, f64)> {
    let ticks = 100.0; // USER_HZ on Linux
    let mut by = std::collections::HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else { return by };
    for entry in dir.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        // Kernel workers rename themselves after their current job: keep the stem only.
        let comm = stat[open + 1..close].split('-').next().unwrap_or_default().to_owned();
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        let (Some(u), Some(s)) = (fields.get(11).and_then(|v| v.parse::<f64>().ok()), fields.get(12).and_then(|v| v.parse::<f64>().ok())) else { continue };
        by.insert(pid, (comm, (u + s) / ticks));
    }
    by
}

/// CPU seconds each command used between two snapshots (processes that ended meanwhile
/// are not counted).
pub fn cpu_between(before: &std::collections::HashMap<u32, (String, f64)>, after: &std::collections::HashMap<u32, (String, f64)>) -> Vec<(String, f64)> {
    let mut by: std::collections::BTreeMap<String, f64> = std::collections::BTreeMap::new();
    for (pid, (comm, t)) in after {
        let start = before.get(pid).map(|(_, t0)| *t0).unwrap_or(0.0);
        *by.entry(comm.clone()).or_insert(0.0) += t - start;
    }
    let mut list: Vec<(String, f64)> = by.into_iter().filter(|(_, d)| *d >= 0.01).collect();
    list.sort_by(|a, b| b.1.total_cmp(&a.1));
    list
}

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

pub fn summary(name: &str, mut ms: Vec<f64>) -> Value {
    ms.sort_by(|a, b| a.total_cmp(b));
    let v = json!({ "count": ms.len(), "p50_ms": percentile(&ms, 50.0), "p95_ms": percentile(&ms, 95.0), "p99_ms": percentile(&ms, 99.0) });
    println!("{name:<18} n={:<6} p50={:>7.1} ms  p95={:>7.1} ms  p99={:>7.1} ms", ms.len(), v["p50_ms"].as_f64().unwrap(), v["p95_ms"].as_f64().unwrap(), v["p99_ms"].as_f64().unwrap());
    v
}

/// A request sent at `sent`, answered now with `status`.
pub fn sample(opened: Instant, sent: Instant, status: u16) -> Sample {
    Sample { at_ms: (sent - opened).as_secs_f64() * 1000.0, ms: sent.elapsed().as_secs_f64() * 1000.0, status }
}

/// The holds' p99 by when they were sent, in tenths of the on-sale: where the slow ones are.
pub fn timeline(holds: &[Sample]) -> String {
    let end = holds.iter().map(|s| s.at_ms).fold(0.0, f64::max).max(1.0);
    let parts: Vec<String> = (0..10)
        .map(|tenth| {
            let mut ms: Vec<f64> = holds.iter().filter(|s| ((s.at_ms / end * 10.0) as usize).min(9) == tenth).map(|s| s.ms).collect();
            ms.sort_by(|a, b| a.total_cmp(b));
            format!("{}:{:.0}", ms.len(), percentile(&ms, 99.0))
        })
        .collect();
    format!("{} (count:p99 ms per tenth of {:.0} ms)", parts.join(" "), end)
}

pub fn write_samples(path: &std::path::Path, holds: &[Sample], orders: &[Sample]) -> anyhow::Result<()> {
    let mut csv = String::from("kind,at_ms,ms,status\n");
    for (kind, list) in [("hold", holds), ("order", orders)] {
        for s in list {
            csv.push_str(&format!("{kind},{:.2},{:.2},{}\n", s.at_ms, s.ms, s.status));
        }
    }
    std::fs::write(path, csv).with_context(|| format!("writing {}", path.display()))
}
