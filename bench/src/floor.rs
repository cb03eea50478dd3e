//! The machine's floor for the live stream: one message handed to N open loopback TCP
//! connections, written by one thread with plain non-blocking writes (no server, no HTTP,
//! no runtime on the writing side) and read by a task per connection on a one-thread
//! tokio runtime, as the `live` tool reads its streams. Batch after batch, each sent once
//! the last was read whole.
//!
//! It reports, for each number of connections, how long one batch takes to reach all of
//! them (the two cores doing nothing else) and the CPU time one delivered message costs
//! (writing and reading, kernel included): what any server would pay at least, here,
//! to tell that many browsers of one change.

use std::io::{ErrorKind, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::io::AsyncReadExt;

#[derive(Parser, Debug)]
struct Args {
    /// Numbers of connections to measure, one after the other.
    #[arg(long, value_delimiter = ',', default_value = "100,2000,10000")]
    connections: Vec<usize>,
    /// Batches sent to every connection, each once the last was read whole.
    #[arg(long, default_value_t = 100)]
    batches: usize,
    /// Bytes of one message (a `seats` event naming a few seats is 150–400).
    #[arg(long, default_value_t = 300)]
    bytes: usize,
}

/// CPU seconds this process has used so far (user and system, every thread).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn measure(n: usize, batches: usize, bytes: usize) -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let mut writers = Vec::with_capacity(n);
    let mut readers = Vec::with_capacity(n);
    for _ in 0..n {
        let client = TcpStream::connect(addr)?;
        let (server, _) = listener.accept()?;
        server.set_nodelay(true)?;
        server.set_nonblocking(true)?;
        client.set_nonblocking(true)?;
        writers.push(server);
        readers.push(client);
    }
    let read = Arc::new(AtomicUsize::new(0));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_io().build()?;
    let reading = {
        let read = read.clone();
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let mut tasks = tokio::task::JoinSet::new();
                for client in readers {
                    let read = read.clone();
                    let mut client = tokio::net::TcpStream::from_std(client).expect("a tokio socket");
                    tasks.spawn(async move {
                        let mut buf = vec![0u8; 64 * 1024];
                        loop {
                            match client.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(got) => {
                                    read.fetch_add(got, Ordering::Release);
                                }
                            }
                        }
                    });
                }
                while tasks.join_next().await.is_some() {}
            })
        })
    };
    let message = {
        let mut m = b"id: 1\nevent: seats\ndata: ".to_vec();
        m.resize(bytes.saturating_sub(2).max(m.len()), b'x');
        m.extend_from_slice(b"\n\n");
        m
    };
    let mut cycles = Vec::with_capacity(batches);
    let mut written_total = 0usize;
    // One batch unmeasured: every connection's first wake-up.
    let cpu_before = {
        let mut cpu = 0.0;
        for batch in 0..=batches {
            if batch == 1 {
                cpu = cpu_seconds();
            }
            let started = Instant::now();
            for w in writers.iter_mut() {
                let mut left: &[u8] = &message;
                while !left.is_empty() {
                    match w.write(left) {
                        Ok(k) => left = &left[k..],
                        Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::yield_now(),
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            written_total += message.len() * n;
            while read.load(Ordering::Acquire) < written_total {
                std::thread::sleep(Duration::from_micros(20));
            }
            if batch > 0 {
                cycles.push(started.elapsed().as_secs_f64() * 1000.0);
            }
        }
        cpu
    };
    let cpu = cpu_seconds() - cpu_before;
    drop(writers);
    let _ = reading.join();
    cycles.sort_by(|a, b| a.total_cmp(b));
    let per_message_us = cpu * 1e6 / (batches * n) as f64;
    println!(
        "{n:>6} connections, {batches} batches of {bytes} B: one batch to all in p50 {:.1} ms, p99 {:.1} ms; {per_message_us:.2} µs of CPU a delivered message (both sides, kernel included)",
        percentile(&cycles, 0.5),
        percentile(&cycles, 0.99),
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    for n in &args.connections {
        measure(*n, args.batches, args.bytes)?;
    }
    Ok(())
}
