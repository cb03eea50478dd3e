//! A live stream's answer, written straight to its socket: the head, then the body as it
//! comes, chunked; or, for a stream its handler prepared, the hub's batches through the
//! stream's [`SocketOutlet`] ([`follow`]).

use std::io::{self, IoSlice};
use std::time::Duration;

use app::live::outlet::Outlet;
use axum::body::{Body, Bytes, HttpBody};
use axum::http::{header, Response, StatusCode};
use tokio::net::TcpStream;

use crate::stream_socket::SocketOutlet;

/// A client that takes longer than this to take one write of its stream is dropped.
const WRITE_TIME: Duration = Duration::from_secs(20);

/// Writes `response` to `socket`, its body as it comes (chunked unless its length is
/// known), until it ends or the client goes. A stream the handler prepared on `outlet`
/// is written by the hub from then on ([`follow`]).
pub(super) async fn answer(socket: &TcpStream, response: Response<Body>, outlet: &SocketOutlet) -> io::Result<()> {
    let (parts, mut body) = response.into_parts();
    let bodiless = parts.status.is_informational() || parts.status == StatusCode::NO_CONTENT || parts.status == StatusCode::NOT_MODIFIED;
    let length = if bodiless { Some(0) } else { body.size_hint().exact() };
    let chunked = length.is_none();
    let mut head = Vec::with_capacity(1024);
    head.extend_from_slice(format!("HTTP/1.1 {} {}\r\n", parts.status.as_u16(), parts.status.canonical_reason().unwrap_or("")).as_bytes());
    for (name, value) in &parts.headers {
        if matches!(*name, header::CONTENT_LENGTH | header::TRANSFER_ENCODING | header::CONNECTION) {
            continue;
        }
        for piece in [name.as_str().as_bytes(), b": ", value.as_bytes(), b"\r\n"] {
            head.extend_from_slice(piece);
        }
    }
    if !parts.headers.contains_key(header::DATE) {
        head.extend_from_slice(format!("date: {}\r\n", httpdate::fmt_http_date(std::time::SystemTime::now())).as_bytes());
    }
    match length {
        _ if bodiless => {}
        Some(n) => head.extend_from_slice(format!("content-length: {n}\r\n").as_bytes()),
        None => head.extend_from_slice(b"transfer-encoding: chunked\r\n"),
    }
    head.extend_from_slice(b"connection: close\r\n\r\n");
    write_all(socket, &mut [IoSlice::new(&head)]).await?;
    drop(head);
    if bodiless {
        return Ok(());
    }
    if chunked && outlet.start() {
        return follow(socket, body, outlet).await;
    }
    loop {
        let frame = tokio::select! {
            frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)) => frame,
            gone = gone(socket) => return gone,
        };
        let data: Bytes = match frame {
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) if !data.is_empty() => data,
                _ => continue,
            },
            // The body failed: the client sees the answer cut short.
            Some(Err(e)) => return Err(io::Error::other(e)),
            None => break,
        };
        if chunked {
            let size = format!("{:x}\r\n", data.len());
            write_all(socket, &mut [IoSlice::new(size.as_bytes()), IoSlice::new(&data), IoSlice::new(b"\r\n")]).await?;
        } else {
            write_all(socket, &mut [IoSlice::new(&data)]).await?;
        }
    }
    if chunked {
        write_all(socket, &mut [IoSlice::new(b"0\r\n\r\n")]).await?;
    }
    Ok(())
}

/// A live stream whose batches the hub writes through `outlet`: here, the body's own
/// chunks (heartbeats) go the same way, and what the socket did not take at once is
/// written when it can take more. Ends when the body ends (the server stops), the client
/// goes or takes nothing for [`WRITE_TIME`], or the stream falls behind.
async fn follow(socket: &TcpStream, mut body: Body, outlet: &SocketOutlet) -> io::Result<()> {
    loop {
        let waiting = outlet.waiting();
        tokio::select! {
            frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)) => match frame {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        outlet.send(data);
                    }
                }
                Some(Err(e)) => return Err(io::Error::other(e)),
                None => break,
            },
            () = outlet.stirred() => {}
            ready = writable(socket), if waiting => {
                ready?;
                outlet.flush()?;
            }
            gone = gone(socket) => return gone,
        }
        if outlet.ended() {
            return Ok(());
        }
    }
    // The server stops: what waits, then the body's end.
    while outlet.waiting() && !outlet.ended() {
        writable(socket).await?;
        outlet.flush()?;
    }
    outlet.end();
    write_all(socket, &mut [IoSlice::new(b"0\r\n\r\n")]).await
}

/// Writes all of `bufs`, giving up on a client that takes none of it for [`WRITE_TIME`].
/// What the socket takes at once (nearly always all of it) is written without arming a
/// timer.
async fn write_all(to: &TcpStream, mut bufs: &mut [IoSlice<'_>]) -> io::Result<()> {
    while !bufs.is_empty() {
        let written = match to.try_write_vectored(bufs) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(written) => written,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                writable(to).await?;
                continue;
            }
            Err(e) => return Err(e),
        };
        IoSlice::advance_slices(&mut bufs, written);
    }
    Ok(())
}

/// Resolves when `socket` can take more, or fails when its client takes nothing for
/// [`WRITE_TIME`].
async fn writable(socket: &TcpStream) -> io::Result<()> {
    match tokio::time::timeout(WRITE_TIME, socket.writable()).await {
        Ok(ready) => ready,
        Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "the client took nothing")),
    }
}

/// Resolves when the client closes its side or the connection breaks. What it sends
/// meanwhile (nothing, for a stream) is read and let go.
async fn gone(from: &TcpStream) -> io::Result<()> {
    let mut sink = [0u8; 256];
    loop {
        from.readable().await?;
        match from.try_read(&mut sink) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}
