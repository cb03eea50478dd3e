//! Browsers watching an event's seat map: each holds one live stream (`GET
//! /api/v1/stream?events=…`) from a loopback address of its own group, and notes when
//! each message arrived.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

/// Milliseconds since the epoch (the server's `occurred_at` is on the same clock).
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// What one watcher received: each seat named by a seat message (its place in the
/// event's list of seats) and when the message arrived.
pub type Received = Vec<(u32, i64)>;

/// How the watchers ask for seats to be named.
#[derive(Clone)]
pub enum SeatNames {
    /// By their place in the event's list (`?seats=index`), as the pages ask.
    Index,
    /// By id (the stream's default), matched to their places with the index.
    Ids(Arc<SeatIndex>),
}

impl SeatNames {
    fn query(&self) -> &'static str {
        match self {
            SeatNames::Index => "&seats=index",
            SeatNames::Ids(_) => "",
        }
    }

    /// The place of a seat as a message names it.
    fn place(&self, seat: &[u8]) -> Option<u32> {
        match self {
            SeatNames::Index => std::str::from_utf8(seat).ok()?.parse().ok(),
            SeatNames::Ids(index) => index.get(seat),
        }
    }
}

/// Seats by id, to note which ones a message names: the first 16 hex digits of each id
/// (a number), sorted, with the seat's place. Cheap to look up while ten million
/// arrive.
pub struct SeatIndex(Vec<(u64, u32)>);

impl SeatIndex {
    pub fn new(ids: &[String]) -> SeatIndex {
        let mut keys: Vec<(u64, u32)> = ids.iter().enumerate().filter_map(|(i, id)| Some((key(id.as_bytes())?, i as u32))).collect();
        keys.sort_unstable();
        SeatIndex(keys)
    }

    pub fn get(&self, id: &[u8]) -> Option<u32> {
        let key = key(id)?;
        self.0.binary_search_by_key(&key, |(k, _)| *k).ok().map(|at| self.0[at].1)
    }
}

/// The first 16 hex digits of a UUID, as a number.
fn key(id: &[u8]) -> Option<u64> {
    let mut n = 0u64;
    let mut digits = 0;
    for b in id.iter().filter(|b| **b != b'-') {
        n = n << 4 | (*b as char).to_digit(16)? as u64;
        digits += 1;
        if digits == 16 {
            return Some(n);
        }
    }
    None
}

pub struct Watchers {
    /// Streams that said hello.
    pub open: Arc<AtomicUsize>,
    /// Seat changes received (seats named by seat messages), by all.
    pub changes: Arc<AtomicUsize>,
    /// Streams the server ended or that broke.
    pub ended: Arc<AtomicUsize>,
    pub received: Vec<Arc<Mutex<Received>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Watchers {
    /// Opens `n` streams on `event_id`, `per_address` from each of 127.0.0.x (the server
    /// bounds the streams of one address), `at_once` connecting at a time, asking for the
    /// seats named as `names` says; when `timed`, every seat's arrival is kept on one
    /// stream of every `sample_every` (the others, and all when not `timed`, only count
    /// them). Returns once every stream said hello.
    #[allow(clippy::too_many_arguments)]
    pub async fn open(url: &str, event_id: &str, n: usize, per_address: usize, at_once: usize, names: SeatNames, timed: bool, sample_every: usize) -> anyhow::Result<Watchers> {
        let open = Arc::new(AtomicUsize::new(0));
        let changes = Arc::new(AtomicUsize::new(0));
        let ended = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(tokio::sync::Semaphore::new(at_once.max(1)));
        let server: SocketAddr = url.trim_start_matches("http://").trim_end_matches('/').parse().context("the server's URL must be http://address:port")?;
        let mut received = Vec::with_capacity(n);
        let mut tasks = Vec::with_capacity(n);
        for i in 0..n {
            let group = i / per_address.max(1);
            let ip = Ipv4Addr::new(127, 0, (1 + group / 250) as u8, (1 + group % 250) as u8);
            let request = format!("GET /api/v1/stream?events={event_id}{} HTTP/1.1\r\nhost: {server}\r\naccept: text/event-stream\r\n\r\n", names.query());
            let keep = (timed && i % sample_every.max(1) == 0).then(|| names.clone());
            let (open, changes, ended, gate) = (open.clone(), changes.clone(), ended.clone(), gate.clone());
            let mine: Arc<Mutex<Received>> = Arc::default();
            received.push(mine.clone());
            tasks.push(tokio::spawn(async move {
                let mut permit = Some(gate.acquire_owned().await);
                let mut connection = match connect(ip, server, &request).await {
                    Ok(connection) => connection,
                    Err(e) => {
                        eprintln!("watcher {i}: {e:#}");
                        ended.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                };
                let mut said_hello = false;
                // Bytes of a line not yet ended, kept for the next read.
                let mut carry: Vec<u8> = Vec::new();
                let mut buf = vec![0u8; 16 * 1024];
                loop {
                    match connection.read(&mut buf).await {
                        Ok(n) if n > 0 => {
                            // The body as it comes, read raw: its chunks' size lines are
                            // lines of their own (the server ends every chunk with a
                            // whole message), which the reading below passes over.
                            let bytes = &buf[..n];
                            let at = now_ms();
                            let mut seen = 0;
                            let mut seats = Vec::new();
                            let mut read_line = |line: &[u8]| {
                                if let Some(data) = line.strip_prefix(b"data: ") {
                                    // A seat message names its seats last, in its only array:
                                    // `{"event_id":…,"status":…,"seat_ids":["…","…"]}`, or
                                    // `"seat_indexes":[4,5]` by place.
                                    let list_at = data.starts_with(b"{\"event_id\":").then(|| data.iter().position(|b| *b == b'[')).flatten();
                                    if let Some(list_at) = list_at {
                                        let list = &data[list_at + 1..];
                                        let list = &list[..list.iter().position(|b| *b == b']').unwrap_or(list.len())];
                                        for seat in list.split(|b| *b == b',').map(|s| s.strip_prefix(b"\"").and_then(|s| s.strip_suffix(b"\"")).unwrap_or(s)).filter(|s| !s.is_empty()) {
                                            seen += 1;
                                            if let Some(index) = keep.as_ref().and_then(|k| k.place(seat)) {
                                                seats.push((index, at));
                                            }
                                        }
                                    }
                                } else if line == b"event: hello" && !said_hello {
                                    said_hello = true;
                                    open.fetch_add(1, Ordering::Relaxed);
                                    // The next one may connect.
                                    permit.take();
                                }
                            };
                            let mut rest: &[u8] = bytes;
                            while let Some(end) = rest.iter().position(|b| *b == b'\n') {
                                if carry.is_empty() {
                                    read_line(&rest[..end]);
                                } else {
                                    carry.extend_from_slice(&rest[..end]);
                                    read_line(&carry);
                                    carry.clear();
                                }
                                rest = &rest[end + 1..];
                            }
                            carry.extend_from_slice(rest);
                            if !seats.is_empty() {
                                mine.lock().unwrap().extend(seats);
                            }
                            changes.fetch_add(seen, Ordering::Relaxed);
                        }
                        _ => {
                            ended.fetch_add(1, Ordering::Relaxed);
                            return;
                        }
                    }
                }
            }));
        }
        let since = std::time::Instant::now();
        while open.load(Ordering::Relaxed) + ended.load(Ordering::Relaxed) < n {
            if since.elapsed() > Duration::from_secs(300) {
                bail!("only {} of {n} streams opened within 5 minutes", open.load(Ordering::Relaxed));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let failed = ended.load(Ordering::Relaxed);
        if failed > 0 {
            bail!("{failed} of {n} streams were refused or broke while opening");
        }
        Ok(Watchers { open, changes, ended, received, tasks })
    }

    /// Waits until `total` seat changes arrived in all, for at most `limit`; answers whether
    /// they did.
    pub async fn await_changes(&self, total: usize, limit: Duration) -> bool {
        let since = std::time::Instant::now();
        while self.changes.load(Ordering::Relaxed) < total {
            if since.elapsed() > limit {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        true
    }

    /// Closes every stream.
    pub fn close(self) {
        for t in self.tasks {
            t.abort();
        }
    }
}

/// A connection from `ip` to `server` that asked for a stream and was answered 200; what
/// it holds next is the body. Read raw rather than through an HTTP client: the generator
/// shares the server's cores, and a client's machinery for ten thousand streams would be
/// counted in the server's latency.
async fn connect(ip: Ipv4Addr, server: SocketAddr, request: &str) -> anyhow::Result<BufReader<TcpStream>> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(ip.into(), 0))?;
    let mut connection = socket.connect(server).await?;
    connection.write_all(request.as_bytes()).await?;
    let mut connection = BufReader::with_capacity(1024, connection);
    let mut status = String::new();
    connection.read_line(&mut status).await?;
    if !status.starts_with("HTTP/1.1 200") {
        bail!("{}", status.trim_end());
    }
    // The headers, up to the blank line; the body follows.
    let mut line = String::new();
    while line != "\r\n" {
        line.clear();
        if connection.read_line(&mut line).await? == 0 {
            bail!("the answer ended within its head");
        }
    }
    Ok(connection)
}

/// The resident memory of process `pid`, in KiB.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).with_context(|| format!("reading the status of process {pid}"))?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).context("VmRSS")?;
    Ok(line.split_whitespace().nth(1).context("VmRSS value")?.parse()?)
}
