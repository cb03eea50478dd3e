//! A mail server for the email tests.

/// A mail server for tests: it turns away (421) as many next connections as
/// `refuse_next` says (`usize::MAX`: all of them), and takes every message it is given.
pub struct SmtpSink {
    pub port: u16,
    pub taken: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    pub refuse_next: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl SmtpSink {
    pub async fn start(refuse: usize) -> SmtpSink {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::{Arc, Mutex};
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let taken = Arc::new(Mutex::new(Vec::new()));
        let refuse_next = Arc::new(AtomicUsize::new(refuse));
        let (messages, refusing) = (taken.clone(), refuse_next.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let refused = refusing.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| match n {
                    0 => None,
                    usize::MAX => Some(usize::MAX),
                    n => Some(n - 1),
                });
                let messages = messages.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    if refused.is_ok() {
                        let _ = write.write_all(b"421 sink busy, try later\r\n").await;
                        return;
                    }
                    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                    let mut lines = BufReader::new(read).lines();
                    let (mut in_data, mut message) = (false, String::new());
                    while let Ok(Some(line)) = lines.next_line().await {
                        if in_data {
                            if line == "." {
                                in_data = false;
                                messages.lock().unwrap().push(std::mem::take(&mut message));
                                let _ = write.write_all(b"250 queued\r\n").await;
                            } else {
                                message.push_str(&line);
                                message.push('\n');
                            }
                            continue;
                        }
                        let command = line.to_ascii_uppercase();
                        let answer: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
                            b"250-sink\r\n250 8BITMIME\r\n"
                        } else if command.starts_with("DATA") {
                            in_data = true;
                            b"354 go ahead\r\n"
                        } else if command.starts_with("QUIT") {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            b"250 ok\r\n"
                        };
                        let _ = write.write_all(answer).await;
                    }
                });
            }
        });
        SmtpSink { port, taken, refuse_next }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn messages(&self) -> Vec<String> {
        self.taken.lock().unwrap().clone()
    }
}
