//! Which connections hyper serves, and the live streams' own.
//!
//! A live stream (`GET /api/v1/stream`) holds its connection for as long as the page is
//! open: thousands of them at once during an on-sale. Under hyper each one would keep an
//! HTTP/1 connection's machinery (its read and write buffers, 8 KiB each) for hours, to
//! write a few hundred bytes now and then. So a connection whose first request is a
//! stream is answered here: its head is read and checked, the request goes through the
//! same router as every other (every layer applies: request id, security headers, limits),
//! and the answer is written straight to the socket, its body chunked ([`answer`]); from
//! then on the live feed writes the stream's batches to the socket itself
//! ([`SocketOutlet`]). The connection closes when the stream ends. Every other connection, and anything here that is not a
//! plain, whole HTTP/1.1 stream request (a malformed or oversized head, a body, another
//! version), goes to hyper untouched, with the bytes already read put back in front.
//!
//! A stream asked for on a connection that already served a request is hyper's, as
//! before.

use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderName, HeaderValue, Method, Request, Uri, Version};
use axum::serve::Listener;
use axum::Router;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tower::ServiceExt;

use crate::stream_socket::SocketOutlet;

mod answer;
use answer::answer;

/// What a stream's request line starts with.
const STREAM_LINE: &[u8] = b"GET /api/v1/stream";
/// A stream's request head larger than this is hyper's to refuse.
const MOST_HEAD_BYTES: usize = 16 * 1024;
/// Headers a stream's request may carry at most (more: hyper's to refuse).
const MOST_HEADERS: usize = 64;
/// How long a stream's request head may take to arrive whole before hyper gets it.
const HEAD_TIME: Duration = Duration::from_secs(10);
/// Connections sorted for hyper and not yet taken by it.
const WAITING_FOR_HYPER: usize = 1024;

/// The listener axum serves: every accepted connection but the live streams', each with
/// what was read of it to tell.
pub struct Sorted {
    incoming: mpsc::Receiver<(Prefixed, SocketAddr)>,
    local: SocketAddr,
}

impl Sorted {
    /// Accepts on `listener` from now on; the streams' requests go to `router`.
    pub fn new(listener: TcpListener, router: Router) -> io::Result<Sorted> {
        let local = listener.local_addr()?;
        let (to_hyper, incoming) = mpsc::channel(WAITING_FOR_HYPER);
        tokio::spawn(accept(listener, router, to_hyper));
        Ok(Sorted { incoming, local })
    }
}

impl Listener for Sorted {
    type Io = Prefixed;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Prefixed, SocketAddr) {
        match self.incoming.recv().await {
            Some(connection) => connection,
            // The accepting task ended (it never does while the server is up).
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}

async fn accept(listener: TcpListener, router: Router, to_hyper: mpsc::Sender<(Prefixed, SocketAddr)>) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            // The server stopped taking connections.
            () = to_hyper.closed() => return,
        };
        match accepted {
            Ok((stream, peer)) => {
                tokio::spawn(sort(stream, peer, router.clone(), to_hyper.clone()));
            }
            // The connection went before it was taken: nothing to do.
            Err(e) if matches!(e.kind(), io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset) => {}
            // Out of descriptors, say: wait a moment rather than spin.
            Err(e) => {
                tracing::error!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// What the first bytes of a connection say.
#[derive(Debug)]
enum Head {
    /// Not yet enough to tell.
    Partial,
    /// A live stream's request, whole.
    Stream(Request<()>),
    /// Anything else: hyper's.
    Other,
}

/// Reads what a connection sends first, answers it if it asks for a stream, else hands
/// it to hyper.
async fn sort(stream: TcpStream, peer: SocketAddr, router: Router, to_hyper: mpsc::Sender<(Prefixed, SocketAddr)>) {
    let mut read = Vec::new();
    let started = tokio::time::Instant::now();
    let request = loop {
        let more = if read.is_empty() {
            // Nothing held while an idle connection waits to speak.
            stream.readable().await.and_then(|()| read_some(&stream, &mut read))
        } else {
            match tokio::time::timeout_at(started + HEAD_TIME, stream.readable()).await {
                Ok(ready) => ready.and_then(|()| read_some(&stream, &mut read)),
                Err(_) => break None,
            }
        };
        match more {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(_) => return,
        }
        match head(&read) {
            Head::Partial => continue,
            Head::Stream(request) => break Some(request),
            Head::Other => break None,
        }
    };
    match request {
        Some(mut request) => {
            drop(read);
            // Each message goes out as it comes.
            let _ = stream.set_nodelay(true);
            let socket = Arc::new(stream);
            let outlet = Arc::new(SocketOutlet::new(socket.clone()));
            request.extensions_mut().insert(ConnectInfo(peer));
            request.extensions_mut().insert(outlet.clone());
            let response = router.oneshot(request.map(|()| Body::empty())).await.unwrap_or_else(|never| match never {});
            if let Err(e) = answer(&socket, response, &outlet).await {
                tracing::debug!(error = %e, "a live stream's connection ended");
            }
            outlet.end();
        }
        None => {
            let io = Prefixed { prefix: Some(Bytes::from(read)), stream };
            let _ = to_hyper.send((io, peer)).await;
        }
    }
}

/// Reads what is there (without waiting) after what `read` holds.
fn read_some(stream: &TcpStream, read: &mut Vec<u8>) -> io::Result<usize> {
    read.reserve(if read.is_empty() { 2048 } else { read.len() });
    stream.try_read_buf(read)
}

/// What `read`, the first bytes of a connection, say.
fn head(read: &[u8]) -> Head {
    if read.len() <= STREAM_LINE.len() {
        return if STREAM_LINE.starts_with(read) { Head::Partial } else { Head::Other };
    }
    if !read.starts_with(STREAM_LINE) || !matches!(read[STREAM_LINE.len()], b' ' | b'?') {
        return Head::Other;
    }
    let mut headers = [httparse::EMPTY_HEADER; MOST_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    match parsed.parse(read) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) if read.len() < MOST_HEAD_BYTES => return Head::Partial,
        _ => return Head::Other,
    }
    if parsed.version != Some(1) {
        return Head::Other;
    }
    let Some(uri) = parsed.path.and_then(|p| p.parse::<Uri>().ok()) else { return Head::Other };
    let mut request = Request::new(());
    *request.method_mut() = Method::GET;
    *request.uri_mut() = uri;
    *request.version_mut() = Version::HTTP_11;
    for h in parsed.headers.iter() {
        let (Ok(name), Ok(value)) = (HeaderName::from_bytes(h.name.as_bytes()), HeaderValue::from_bytes(h.value)) else { return Head::Other };
        request.headers_mut().append(name, value);
    }
    // A body (which a stream's request never has) or an upgrade: hyper's to deal with.
    let h = request.headers();
    let has_body = h.contains_key(header::TRANSFER_ENCODING) || h.get(header::CONTENT_LENGTH).is_some_and(|v| v.as_bytes() != b"0");
    if has_body || h.contains_key(header::UPGRADE) {
        return Head::Other;
    }
    Head::Stream(request)
}

/// A connection for hyper: what was read of it to sort it, then the rest.
pub struct Prefixed {
    prefix: Option<Bytes>,
    stream: TcpStream,
}

impl Prefixed {
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.stream.set_nodelay(nodelay)
    }
}

impl AsyncRead for Prefixed {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if let Some(prefix) = self.prefix.as_mut() {
            let n = prefix.len().min(buf.remaining());
            buf.put_slice(&prefix.split_to(n));
            if prefix.is_empty() {
                self.prefix = None;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Prefixed {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[IoSlice<'_>]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_whole_plain_stream_request_is_taken_here() {
        let stream = b"GET /api/v1/stream?events=a HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nLast-Event-ID: 7\r\n\r\n";
        match head(stream) {
            Head::Stream(request) => {
                assert_eq!(request.uri(), "/api/v1/stream?events=a");
                assert_eq!(request.headers()["last-event-id"], "7");
                assert_eq!(request.headers()["accept"], "text/event-stream");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(head(b"GET /api/v1/stream HTTP/1.1\r\n\r\n"), Head::Stream(_)));
        // Not yet enough to tell.
        for partial in [&b"G"[..], b"GET /api/v1/str", b"GET /api/v1/stream", b"GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n"] {
            assert!(matches!(head(partial), Head::Partial), "{}", String::from_utf8_lossy(partial));
        }
        // Anything else is hyper's.
        for other in [
            &b"POST /api/v1/stream HTTP/1.1\r\n\r\n"[..],
            b"GET /api/v1/streams HTTP/1.1\r\n\r\n",
            b"GET /events HTTP/1.1\r\n\r\n",
            b"HEAD /api/v1/stream HTTP/1.1\r\n\r\n",
            b"GET /api/v1/stream HTTP/1.0\r\n\r\n",
            b"GET /api/v1/stream HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
            b"GET /api/v1/stream HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"GET /api/v1/stream HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
            b"GET /api/v1/stream HTTP/1.1\r\nBad Header\r\n\r\n",
            b"GET /api/v1/stream\x01 HTTP/1.1\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        ] {
            assert!(matches!(head(other), Head::Other), "{}", String::from_utf8_lossy(other));
        }
        let mut huge = b"GET /api/v1/stream HTTP/1.1\r\nX-Filler: ".to_vec();
        huge.resize(MOST_HEAD_BYTES + 10, b'a');
        assert!(matches!(head(&huge), Head::Other), "too large a head is hyper's to refuse");
        let many: String = (0..MOST_HEADERS + 1).map(|i| format!("X-{i}: v\r\n")).collect();
        assert!(matches!(head(format!("GET /api/v1/stream HTTP/1.1\r\n{many}\r\n").as_bytes()), Head::Other));
    }
}
