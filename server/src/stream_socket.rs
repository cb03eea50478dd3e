//! A live stream written by the hub straight to its socket: the [`Outlet`] of a stream
//! whose connection is the server's own ([`crate::connections`]).
//!
//! When a batch goes out to thousands of streams, each stream's share is one non-blocking
//! write, made on the feed's thread as it hands the batch round: no task is woken, no
//! body polled. What the socket does not take at once waits here, in order, and the
//! connection's task writes it when the socket can take more; a stream with more than
//! [`MOST_WAITING`] bytes waiting is dropped (its browser reconnects and replays) and never
//! slows the others. What waits shares the batch's bytes with every other stream: a
//! thousand clients that stop reading hold one copy of what they missed, not a thousand.
//!
//! Until the response's head and the stream's opening (hello, replay) are written, the
//! batches offered are kept, and written after them.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::sync::{Arc, Mutex, MutexGuard};

use app::live::outlet::{Batch, Outlet, Replayed, BACKLOG};
use axum::body::Bytes;
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// A stream with more than this many bytes its client has not taken is dropped.
pub const MOST_WAITING: usize = 1024 * 1024;
/// ... or with more than this many pieces of them waiting (a chunk's size line, its
/// messages, its end): about [`BACKLOG`] batches.
const MOST_WAITING_PIECES: usize = 3 * BACKLOG;

/// The outlet of one stream's socket.
pub struct SocketOutlet {
    state: Mutex<State>,
    /// Tells the connection's task that bytes wait for the socket, or that the stream ended.
    stirred: Notify,
}

struct State {
    /// Shared with the connection's task; let go when the stream ends.
    socket: Option<Arc<TcpStream>>,
    /// The stream's opening, once the handler has made it.
    opening: Option<Bytes>,
    /// Until the opening is written, the batches offered (`None` after).
    held: Option<Vec<Arc<Batch>>>,
    replayed: Replayed,
    /// Bytes written but not yet taken by the socket, oldest first.
    waiting: VecDeque<Bytes>,
    waiting_bytes: usize,
    ended: bool,
}

impl SocketOutlet {
    pub fn new(socket: Arc<TcpStream>) -> SocketOutlet {
        SocketOutlet {
            state: Mutex::new(State {
                socket: Some(socket),
                opening: None,
                held: Some(Vec::new()),
                replayed: Replayed::default(),
                waiting: VecDeque::new(),
                waiting_bytes: 0,
                ended: false,
            }),
            stirred: Notify::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The stream's handler hands over what opens the stream, and what its replay told.
    pub fn prepare(&self, opening: Bytes, replayed: Replayed) {
        let mut state = self.state();
        state.opening = Some(opening);
        state.replayed = replayed;
    }

    /// Writes the opening and the batches held since, and the hub's batches from now on;
    /// answers `false` (and writes nothing) when the handler prepared no stream.
    pub fn start(&self) -> bool {
        let mut state = self.state();
        let Some(opening) = state.opening.take().filter(|_| !state.ended) else { return false };
        state.write(&[opening]);
        let mut out = Vec::new();
        for batch in state.held.take().unwrap_or_default() {
            out.clear();
            state.replayed.told(&batch, &mut out);
            state.write(&out);
        }
        self.stir(&state);
        true
    }

    /// Writes one chunk of the stream's own (a heartbeat).
    pub fn send(&self, data: Bytes) {
        let mut state = self.state();
        state.write(&[data]);
        self.stir(&state);
    }

    /// Resolves when bytes wait for the socket or the stream ended.
    pub async fn stirred(&self) {
        self.stirred.notified().await
    }

    /// Whether bytes wait for the socket.
    pub fn waiting(&self) -> bool {
        !self.state().waiting.is_empty()
    }

    /// Writes what waits, as much as the socket takes now.
    pub fn flush(&self) -> io::Result<()> {
        let mut state = self.state();
        let result = state.flush();
        self.stir(&state);
        result
    }

    /// The stream has ended: the hub forgets it, and the socket is the task's alone.
    pub fn end(&self) {
        let mut state = self.state();
        state.end();
    }

    fn stir(&self, state: &State) {
        if state.ended || !state.waiting.is_empty() {
            self.stirred.notify_one();
        }
    }
}

impl State {
    fn end(&mut self) {
        self.ended = true;
        self.socket = None;
        self.held = None;
        self.waiting.clear();
        self.waiting_bytes = 0;
    }

    /// Writes `data` as one chunk of the body: straight to the socket when nothing
    /// waits, and what it does not take after what waits.
    fn write(&mut self, data: &[Bytes]) {
        let length: usize = data.iter().map(Bytes::len).sum();
        if self.ended || length == 0 {
            return;
        }
        let mut size = [0u8; 20];
        let size = chunk_size(length, &mut size);
        let mut written = 0;
        if self.waiting.is_empty() {
            let Some(socket) = &self.socket else { return };
            let mut slices = Vec::with_capacity(data.len() + 2);
            slices.push(IoSlice::new(size));
            slices.extend(data.iter().map(|d| IoSlice::new(d)));
            slices.push(IoSlice::new(b"\r\n"));
            written = match socket.try_write_vectored(&slices) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
                Err(_) => return self.end(),
            };
        }
        if written == size.len() + length + 2 {
            return;
        }
        // What the socket did not take waits, in order: the batch's own bytes shared with
        // every other stream, not copied.
        let mut skip = written;
        let pieces = std::iter::once(Bytes::copy_from_slice(size)).chain(data.iter().cloned()).chain(std::iter::once(Bytes::from_static(b"\r\n")));
        for piece in pieces {
            if skip >= piece.len() {
                skip -= piece.len();
                continue;
            }
            let rest = piece.slice(skip..);
            skip = 0;
            self.waiting_bytes += rest.len();
            self.waiting.push_back(rest);
        }
        if self.waiting_bytes > MOST_WAITING || self.waiting.len() > MOST_WAITING_PIECES {
            tracing::debug!(waiting = self.waiting_bytes, "a live stream fell behind; dropped (it reconnects and replays)");
            self.end();
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        let Some(socket) = self.socket.clone() else { return Ok(()) };
        while !self.waiting.is_empty() {
            let slices: Vec<IoSlice<'_>> = self.waiting.iter().take(64).map(|b| IoSlice::new(b)).collect();
            let mut written = match socket.try_write_vectored(&slices) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) => {
                    self.end();
                    return Err(e);
                }
            };
            self.waiting_bytes -= written;
            while written > 0 {
                let Some(front) = self.waiting.front_mut() else { break };
                if written >= front.len() {
                    written -= front.len();
                    self.waiting.pop_front();
                } else {
                    let _ = front.split_to(written);
                    written = 0;
                }
            }
        }
        Ok(())
    }
}

impl Outlet for SocketOutlet {
    fn offer(&self, batch: &Arc<Batch>) -> bool {
        let mut state = self.state();
        if state.ended {
            return false;
        }
        if let Some(held) = &mut state.held {
            if held.len() < BACKLOG {
                held.push(batch.clone());
            } else {
                state.end();
            }
        } else {
            let mut out = Vec::with_capacity(1);
            state.replayed.told(batch, &mut out);
            state.write(&out);
        }
        self.stir(&state);
        true
    }

    fn ended(&self) -> bool {
        self.state().ended
    }
}

/// The size line of a chunk of `length` bytes, in `buffer`.
fn chunk_size(length: usize, buffer: &mut [u8; 20]) -> &[u8] {
    let digits = (usize::BITS - length.leading_zeros()).div_ceil(4).max(1) as usize;
    for (i, slot) in buffer[..digits].iter_mut().enumerate() {
        let nibble = (length >> (4 * (digits - 1 - i))) & 0xf;
        *slot = b"0123456789abcdef"[nibble];
    }
    buffer[digits..digits + 2].copy_from_slice(b"\r\n");
    &buffer[..digits + 2]
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn batch(seq: i64, text: &str) -> Arc<Batch> {
        Arc::new(Batch::of(vec![(vec![seq], Bytes::from(text.to_owned()))]))
    }

    /// A socket the outlet writes to, and the client's end of it.
    async fn connected() -> (Arc<TcpStream>, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (Arc::new(server), client)
    }

    async fn read_until(client: &mut TcpStream, until: &str) -> String {
        let mut got = Vec::new();
        let mut buffer = [0u8; 4096];
        while !String::from_utf8_lossy(&got).contains(until) {
            let n = tokio::time::timeout(std::time::Duration::from_secs(5), client.read(&mut buffer)).await.unwrap().unwrap();
            assert!(n > 0, "closed before {until:?}: {:?}", String::from_utf8_lossy(&got));
            got.extend_from_slice(&buffer[..n]);
        }
        String::from_utf8(got).unwrap()
    }

    #[tokio::test]
    async fn batches_offered_before_the_opening_follow_it_without_what_the_replay_told() {
        let (socket, mut client) = connected().await;
        let outlet = SocketOutlet::new(socket);
        assert!(outlet.offer(&batch(4, "four\n")));
        assert!(outlet.offer(&batch(5, "five\n")));
        assert!(!outlet.start(), "nothing to start before the handler prepared the stream");
        outlet.prepare(Bytes::from_static(b"hello\n"), Replayed::new([4].into()));
        assert!(outlet.start());
        assert!(outlet.offer(&batch(6, "six\n")));
        assert_eq!(read_until(&mut client, "six").await, "6\r\nhello\n\r\n5\r\nfive\n\r\n4\r\nsix\n\r\n", "4 was replayed");
        outlet.send(Bytes::from_static(b"beat\n"));
        assert_eq!(read_until(&mut client, "beat\n\r\n").await, "5\r\nbeat\n\r\n", "the stream's own chunk, in turn");
        outlet.end();
        assert!(!outlet.offer(&batch(7, "seven\n")), "an ended stream is forgotten");
    }

    #[tokio::test]
    async fn a_client_that_takes_nothing_is_dropped_holding_the_batches_not_copies() {
        let (socket, _client) = connected().await;
        let outlet = SocketOutlet::new(socket);
        outlet.prepare(Bytes::from_static(b"hello\n"), Replayed::default());
        assert!(outlet.start());
        let big = batch(1, &"x".repeat(64 * 1024));
        let mut offered = 0;
        while outlet.offer(&big) {
            offered += 1;
            assert!(offered < 10_000, "never dropped");
            let state = outlet.state();
            // Whatever waits of the batch is the batch's own bytes.
            assert!(state.waiting.iter().filter(|b| b.len() > 1024).all(|b| big.joined.as_ptr_range().contains(&b.as_ptr())));
        }
        assert!(outlet.ended());
        assert!(outlet.state().waiting.is_empty(), "let go once dropped");
    }


    #[test]
    fn chunk_sizes_are_hexadecimal_lines() {
        let mut buffer = [0u8; 20];
        for length in [1usize, 9, 10, 15, 16, 255, 256, 4096, 65535, 1 << 40] {
            assert_eq!(chunk_size(length, &mut buffer), format!("{length:x}\r\n").as_bytes(), "{length}");
        }
    }
}
