//! A TCP proxy that can stall: while stalled it keeps every connection open, accepts new
//! ones, and forwards nothing, as a broker that hangs without closing its sockets. It
//! can also cut every connection open, as a broker that restarts.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct StallingProxy {
    pub port: u16,
    stalled: watch::Sender<bool>,
    /// Bumped to end every connection open.
    cuts: watch::Sender<u64>,
}

impl StallingProxy {
    /// Listens on a free port and forwards to `upstream` (`host:port`).
    pub async fn start(upstream: String) -> StallingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stalled, watcher) = watch::channel(false);
        let (cuts, cut_watcher) = watch::channel(0u64);
        let upstream = Arc::new(upstream);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let watcher = watcher.clone();
                let mut cut = cut_watcher.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream.as_str()).await else { return };
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    let mut there = tokio::spawn(pipe(client_read, server_write, watcher.clone()));
                    let back = tokio::spawn(pipe(server_read, client_write, watcher));
                    cut.borrow_and_update();
                    // Until cut: then both halves go, and both sockets close.
                    tokio::select! {
                        _ = cut.changed() => {}
                        _ = &mut there => {}
                    }
                    there.abort();
                    back.abort();
                });
            }
        });
        StallingProxy { port, stalled, cuts }
    }

    /// A proxy in front of the broker of `TEST_AMQP_URL`, and the AMQP URL that goes
    /// through it; `None` (the test not run, and said so) when no broker is configured.
    pub async fn in_front_of_broker(test: &str) -> Option<(StallingProxy, String)> {
        let Some(amqp) = std::env::var("TEST_AMQP_URL").ok().filter(|u| !u.is_empty()) else {
            crate::helpers::not_run(test, "TEST_AMQP_URL is not set");
            return None;
        };
        let (user, rest) = amqp.split_once('@').expect("TEST_AMQP_URL names a user");
        let (host_port, vhost) = rest.split_once('/').unwrap_or((rest, ""));
        let proxy = StallingProxy::start(host_port.to_owned()).await;
        let url = format!("{user}@127.0.0.1:{}/{vhost}", proxy.port);
        Some((proxy, url))
    }

    /// Closes every connection open now (new ones are let through).
    pub fn cut(&self) {
        self.cuts.send_modify(|n| *n += 1);
    }

    pub fn stall(&self) {
        self.stalled.send_replace(true);
    }

    pub fn resume(&self) {
        self.stalled.send_replace(false);
    }
}

/// Copies bytes one way, holding them back while stalled.
async fn pipe(mut from: tokio::net::tcp::OwnedReadHalf, mut to: tokio::net::tcp::OwnedWriteHalf, mut stalled: watch::Receiver<bool>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if stalled.wait_for(|s| !*s).await.is_err() {
            return;
        }
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if stalled.wait_for(|s| !*s).await.is_err() {
            return;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
