//! A live stream on a connection of its own, answered apart from hyper
//! (`server::connections`), and what such a connection sends that is not one.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{Backend, TestApp};

const SOON: Duration = Duration::from_secs(10);

/// Reads from `tcp` until `until` has been read, or the connection closes, or `SOON`.
async fn read_until(tcp: &mut tokio::net::TcpStream, until: &str) -> String {
    read_for(tcp, Some(until)).await.0
}

/// Reads from `tcp` until `until` (if any) has been read, or the connection closes, or
/// `SOON`; answers what was read and whether the connection closed.
async fn read_for(tcp: &mut tokio::net::TcpStream, until: Option<&str>) -> (String, bool) {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + SOON;
    let mut buf = [0u8; 4096];
    let mut closed = false;
    while !until.is_some_and(|u| String::from_utf8_lossy(&got).contains(u)) {
        match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed = true;
                break;
            }
            Err(_) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), closed)
}

/// A stream that opens a connection of its own is answered apart from hyper (see
/// `server::connections`): with the same headers as any answer, its messages chunked, its
/// place freed when the client goes. Everything else on such a connection, a stream asked
/// for on a connection already in use, and malformed heads are served as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_on_a_connection_of_its_own_is_answered_like_any_other() {
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpStream;
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let addr = app.config.addr;
    let event = uuid::Uuid::new_v4().to_string();
    let ask = format!("GET /api/v1/stream?events={event} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");

    // Sent a few bytes at a time, as a slow client would.
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    for piece in ask.as_bytes().chunks(7) {
        tcp.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let opening = read_until(&mut tcp, "event: hello").await;
    let (head, _) = opening.split_once("\r\n\r\n").expect("a whole head");
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
    for line in ["content-type: text/event-stream", "transfer-encoding: chunked", "cache-control: no-store", "x-content-type-options: nosniff", "connection: close", "x-request-id: ", "date: "] {
        assert!(head.contains(line), "{line} in {head}");
    }
    assert!(!head.contains("content-length"), "{head}");
    assert!(app.eventually(5, || async { app.state.live.open_streams() == 1 }).await);
    // A change is told, chunked: the chunk's size line, then the message.
    let change = app::audit::EventEnvelope {
        id: uuid::Uuid::new_v4(),
        seq: Some(1),
        event_type: "seats.held".into(),
        aggregate_id: event.clone(),
        payload: json!({ "event_id": event, "hold_id": "h", "user_id": "u", "seat_ids": ["s1"] }),
        occurred_at: time::OffsetDateTime::now_utc(),
        request_id: None,
    };
    app.state.live.publish(&[change.clone()]);
    let told = read_until(&mut tcp, "\"seat_ids\":[\"s1\"]}").await;
    let size = told.split("\r\n").next().unwrap();
    assert!(usize::from_str_radix(size, 16).is_ok_and(|n| n > 0), "a chunk size first: {told:?}");
    assert!(told.contains("id: 1\nevent: seats\ndata: {"), "{told}");
    // The client goes: its place is freed.
    drop(tcp);
    assert!(app.eventually(5, || async { app.state.live.open_streams() == 0 }).await, "a closed connection ends its stream");

    // Refused here as anywhere: a JSON error with its length, and the connection closed.
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(format!("GET /api/v1/stream HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\n\r\n").as_bytes()).await.unwrap();
    let (refused, closed) = read_for(&mut tcp, None).await;
    assert!(closed, "the connection is closed after the answer");
    let (head, body) = refused.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 406 Not Acceptable\r\n"), "{head}");
    assert!(head.to_ascii_lowercase().contains(&format!("content-length: {}", body.len())), "{head} / {body}");
    assert_eq!(serde_json::from_str::<Value>(body).unwrap()["error"]["code"], "not_acceptable");

    // Two requests on one connection, then a stream on it: all hyper's, as before.
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(format!("GET /health/live HTTP/1.1\r\nHost: {addr}\r\n\r\nGET /health/live HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).await.unwrap();
    let both = read_until(&mut tcp, "}HTTP/1.1 200 OK").await;
    assert_eq!(both.matches("HTTP/1.1 200 OK").count(), 2, "{both}");
    tcp.write_all(ask.as_bytes()).await.unwrap();
    assert!(read_until(&mut tcp, "event: hello").await.contains("HTTP/1.1 200 OK"));
    assert!(app.eventually(5, || async { app.state.live.open_streams() == 1 }).await);
    // Its changes come as well (from the queue its body drains).
    app.state.live.publish(&[app::audit::EventEnvelope { id: uuid::Uuid::new_v4(), seq: Some(2), payload: json!({ "event_id": event, "hold_id": "h", "user_id": "u", "seat_ids": ["s2"] }), ..change.clone() }]);
    assert!(read_until(&mut tcp, "\"seat_ids\":[\"s2\"]}").await.contains("id: 2\nevent: seats\n"));
    drop(tcp);
    assert!(app.eventually(5, || async { app.state.live.open_streams() == 0 }).await, "its place freed too");

    // What is not a plain HTTP/1.1 stream request goes to hyper: an old version, a body,
    // a malformed header, bytes that are no HTTP at all.
    for (sent, answer) in [
        (format!("GET /api/v1/stream?events={event} HTTP/1.0\r\nAccept: text/event-stream\r\n\r\n"), " 200 OK"),
        (format!("GET /api/v1/stream HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\nContent-Length: 2\r\n\r\nhi"), " 200 OK"),
        ("GET /api/v1/stream HTTP/1.1\r\nBad Header\r\n\r\n".to_owned(), " 400 Bad Request"),
        ("\u{16}\u{3}\u{1}\u{2}\u{0}garbage\r\n\r\n".to_owned(), " 400 Bad Request"),
    ] {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(sent.as_bytes()).await.unwrap();
        let got = read_until(&mut tcp, answer).await;
        assert!(got.starts_with("HTTP/1.") && got.lines().next().unwrap().ends_with(answer), "{sent:?} → {got:?}");
    }
    app.cleanup().await;
}
