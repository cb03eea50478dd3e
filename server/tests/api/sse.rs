//! A server-sent events client for the tests: reads `GET /api/v1/stream` message by
//! message, as a browser's EventSource would.

use std::time::Duration;

use serde_json::Value;

/// One message of the stream.
#[derive(Debug, Clone)]
pub struct Message {
    pub kind: String,
    pub id: Option<i64>,
    pub data: Value,
}

pub struct Stream {
    res: reqwest::Response,
    buffer: String,
    ended: bool,
}

/// How a stream is opened.
#[derive(Default)]
pub struct Open<'a> {
    pub events: &'a [&'a str],
    pub bearer: Option<&'a str>,
    pub last_event_id: Option<i64>,
    /// A trusted proxy's `X-Forwarded-For`, or a forged one.
    pub forwarded_for: Option<&'a str>,
    /// `?seats=`: how seats are named (`ids` or `index`).
    pub seats: Option<&'a str>,
}

/// Sends the request for a stream; answers the response as it came.
pub async fn request(api: &str, open: &Open<'_>) -> reqwest::Response {
    let mut query = Vec::new();
    if !open.events.is_empty() {
        query.push(format!("events={}", open.events.join(",")));
    }
    if let Some(seats) = open.seats {
        query.push(format!("seats={seats}"));
    }
    let url = if query.is_empty() { format!("{api}/stream") } else { format!("{api}/stream?{}", query.join("&")) };
    let mut req = reqwest::Client::new().get(url).header("accept", "text/event-stream");
    if let Some(token) = open.bearer {
        req = req.bearer_auth(token);
    }
    if let Some(id) = open.last_event_id {
        req = req.header("last-event-id", id.to_string());
    }
    if let Some(ip) = open.forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.unwrap()
}

impl Stream {
    /// Opens a stream (it must be accepted) and reads its `hello`.
    pub async fn open(api: &str, open: Open<'_>) -> (Stream, Message) {
        let res = request(api, &open).await;
        assert_eq!(res.status(), 200, "the stream was refused");
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        let mut stream = Stream { res, buffer: String::new(), ended: false };
        let hello = stream.next(Duration::from_secs(5)).await.expect("a hello");
        assert_eq!(hello.kind, "hello");
        (stream, hello)
    }

    /// The next message within `within` (none if the stream ended or was quiet).
    pub async fn next(&mut self, within: Duration) -> Option<Message> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                if let Some(message) = parse(&frame) {
                    return Some(message);
                }
                continue;
            }
            if self.ended {
                return None;
            }
            match tokio::time::timeout_at(deadline, self.res.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(std::str::from_utf8(&bytes).unwrap()),
                Ok(_) => self.ended = true,
                Err(_) => return None,
            }
        }
    }

    /// The first message of `kind` within `within`, skipping the others.
    pub async fn next_of(&mut self, kind: &str, within: Duration) -> Option<Message> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let message = self.next(left).await?;
            if message.kind == kind {
                return Some(message);
            }
        }
    }

    /// Every message that comes within `within`.
    pub async fn drain(&mut self, within: Duration) -> Vec<Message> {
        let deadline = tokio::time::Instant::now() + within;
        let mut all = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Some(m) => all.push(m),
                None => return all,
            }
        }
    }

    /// Whether the server ended the stream.
    pub async fn ended_within(&mut self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        while !self.ended {
            match tokio::time::timeout_at(deadline, self.res.chunk()).await {
                Ok(Ok(Some(_))) => {}
                Ok(_) => self.ended = true,
                Err(_) => return false,
            }
        }
        true
    }
}

fn parse(frame: &str) -> Option<Message> {
    let (mut kind, mut id, mut data) = (String::from("message"), None, String::new());
    for line in frame.lines() {
        if let Some(v) = line.strip_prefix("event: ") {
            kind = v.to_owned();
        } else if let Some(v) = line.strip_prefix("id: ") {
            id = v.parse().ok();
        } else if let Some(v) = line.strip_prefix("data: ") {
            data.push_str(v);
        }
    }
    (!data.is_empty()).then(|| Message { kind, id, data: serde_json::from_str(&data).expect("JSON data") })
}
