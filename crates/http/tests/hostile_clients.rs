//! `switchboard serve` against clients that do not play along, spoken to over raw TCP so every
//! byte on the wire is the test's choice: a half-sent request, a wrong Host, a huge body behind
//! a wrong token, event-stream clients that leave.

use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard_api::app::App;
use switchboard_api::{FixedClock, MemorySecrets};
use switchboard_http::{Running, ServeOptions, start};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn app(dir: &tempfile::TempDir) -> Arc<App> {
    App::open(
        &dir.path().join("data"),
        Arc::new(FixedClock::new(1_794_000_000_000)),
        Arc::new(MemorySecrets::default()),
    )
    .expect("open app")
}

async fn server(dir: &tempfile::TempDir, read_timeout: Option<Duration>) -> Running {
    start(
        app(dir),
        ServeOptions {
            read_timeout,
            ..Default::default()
        },
    )
    .await
    .expect("start")
}

async fn connect(s: &Running) -> TcpStream {
    TcpStream::connect(s.addr).await.expect("connect")
}

/// Reads until the server closes the connection or `limit` passes; returns what arrived and
/// whether the server closed it.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&got).into(), true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&got).into(), false),
        }
    }
}

/// Reads until the end of the response head (`\r\n\r\n`) or `limit` passes.
async fn read_head(stream: &mut TcpStream, limit: Duration) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + limit;
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&got).into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_request_is_closed_after_the_read_timeout() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = server(&dir, Some(Duration::from_secs(1))).await;
    let mut c = connect(&s).await;
    let started = Instant::now();
    c.write_all(
        format!(
            "POST /rpc/root_cause_list HTTP/1.1\r\nHost: {}\r\nAuthorization: Bear",
            s.addr
        )
        .as_bytes(),
    )
    .await
    .expect("write");
    let (_, closed) = read_until_closed(&mut c, Duration::from_secs(8)).await;
    assert!(
        closed,
        "the server closed a connection whose headers never ended"
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900),
        "not before the timeout: {took:?}"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_whose_body_never_arrives_is_answered_408_and_closed() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = server(&dir, Some(Duration::from_secs(1))).await;
    let mut c = connect(&s).await;
    c.write_all(
        format!(
            "POST /rpc/root_cause_list HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"a\":",
            s.addr, s.token
        )
        .as_bytes(),
    )
    .await
    .expect("write");
    let (response, closed) = read_until_closed(&mut c, Duration::from_secs(8)).await;
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(closed, "and the connection is closed");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_servers_own_host_names_are_answered() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = server(&dir, None).await;
    let port = s.addr.port();
    for (host, expected) in [
        (format!("127.0.0.1:{port}"), "200"),
        (format!("localhost:{port}"), "200"),
        (format!("LOCALHOST:{port}"), "200"),
        (format!("evil.example:{port}"), "421"),
        ("127.0.0.1".to_string(), "421"),
        (format!("127.0.0.1:{}", port.wrapping_add(1)), "421"),
        (format!("rebind.127.0.0.1.nip.io:{port}"), "421"),
    ] {
        let mut c = connect(&s).await;
        c.write_all(
            format!(
                "POST /rpc/root_cause_list HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
                 Content-Length: 0\r\nConnection: close\r\n\r\n",
                s.token
            )
            .as_bytes(),
        )
        .await
        .expect("write");
        let (response, _) = read_until_closed(&mut c, Duration::from_secs(10)).await;
        assert!(
            response.starts_with(&format!("HTTP/1.1 {expected}")),
            "Host {host}: expected {expected}, got {response}"
        );
        if expected == "421" {
            assert!(response.contains("another host"), "{response}");
        }
    }
    // Without any Host header (HTTP/1.0) there is nothing to check against: refused too.
    let mut c = connect(&s).await;
    c.write_all(b"GET /events HTTP/1.0\r\n\r\n")
        .await
        .expect("write");
    let (response, _) = read_until_closed(&mut c, Duration::from_secs(10)).await;
    assert!(response.starts_with("HTTP/1.0 421"), "{response}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_body_with_a_wrong_token_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = server(&dir, None).await;
    let mut c = connect(&s).await;
    // Headers only: the body (1 MB, within the size limit) is never sent. A server that read
    // the body before checking the token would wait for it and answer nothing.
    c.write_all(
        format!(
            "POST /rpc/root_cause_list HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer wrong\r\n\
             Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n",
            s.addr
        )
        .as_bytes(),
    )
    .await
    .expect("write");
    let head = read_head(&mut c, Duration::from_secs(5)).await;
    assert!(
        head.starts_with("HTTP/1.1 401"),
        "refused at once: {head:?}"
    );

    // A declared body over the limit is refused unread even with the right token.
    let mut c = connect(&s).await;
    c.write_all(
        format!(
            "POST /rpc/root_cause_list HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
             Content-Length: 50000000\r\n\r\n",
            s.addr, s.token
        )
        .as_bytes(),
    )
    .await
    .expect("write");
    let head = read_head(&mut c, Duration::from_secs(5)).await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head:?}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_client_that_leaves_is_released_without_waiting_for_a_store_change() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = server(&dir, None).await;
    assert_eq!(s.event_clients(), 0);
    let mut clients = Vec::new();
    for _ in 0..5 {
        let mut c = connect(&s).await;
        c.write_all(
            format!(
                "GET /events HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\r\n",
                s.addr, s.token
            )
            .as_bytes(),
        )
        .await
        .expect("write");
        let head = read_head(&mut c, Duration::from_secs(5)).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        clients.push(c);
    }
    assert_eq!(s.event_clients(), 5, "one receiver per connected client");
    drop(clients);
    // No store change happens from here on.
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.event_clients() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        s.event_clients(),
        0,
        "every client that left was released within 5 s, without a store change"
    );
    s.stop().await;
}
