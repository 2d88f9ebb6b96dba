//! A real server on 127.0.0.1 and a raw HTTP/1.1 client, for the behaviour tests.

#![allow(dead_code)]

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Serves `app` on an ephemeral port of 127.0.0.1; returns its address.
pub async fn serve(app: authz_axum::App) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service()).await.expect("server");
    });
    addr
}

/// One answer, as read off the wire.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// Header lines, lower-cased names, in order, `date` left out.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Sends `raw` (a whole request, or its start) and reads the answer until the server closes the
/// connection or 5 s pass.
pub async fn send_raw(addr: std::net::SocketAddr, raw: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(raw).await.expect("write");
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut bytes)).await;
    assert!(
        read.is_ok(),
        "no answer within 5 s; read so far: {:?}",
        String::from_utf8_lossy(&bytes)
    );
    parse(&bytes)
}

/// `METHOD path` with the given headers and no body, `Connection: close`.
pub async fn send(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let mut raw = format!("{method} {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n");
    for (name, value) in headers {
        raw.push_str(&format!("{name}: {value}\r\n"));
    }
    raw.push_str("\r\n");
    send_raw(addr, raw.as_bytes()).await
}

pub async fn get(addr: std::net::SocketAddr, path: &str, token: Option<&str>) -> Answer {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> =
        bearer.as_deref().map(|b| vec![("authorization", b)]).unwrap_or_default();
    send(addr, "GET", path, &headers).await
}

fn parse(bytes: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default();
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .filter(|(n, _)| n != "date")
        .collect();
    Answer { status, headers, body: body.to_owned() }
}
