//! The quickstart on axum: the same matrix as on actix, and the same access over a real server.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::Arc;

use quickstart::{CATALOG, REGENERATE};

#[test]
fn one_declaration_one_matrix_on_either_framework() {
    let actix = authz_actix::routes::matrix(quickstart::routes, Some(&CATALOG));
    let axum = authz_axum::routes::matrix(quickstart::on_axum::routes, Some(&CATALOG));
    assert_eq!(actix.to_markdown(REGENERATE), axum.to_markdown(REGENERATE));
}

/// `GET`/`POST path` as `token`; the status and the body.
fn send(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let auth = token.map(|t| format!("authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(stream, "{method} {path} HTTP/1.1\r\nhost: t\r\nconnection: close\r\ncontent-length: 0\r\n{auth}\r\n")
        .expect("write");
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("read");
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default())
}

#[test]
fn analysts_read_reports_guests_may_not_and_health_is_open() {
    let tokens: quickstart::Tokens = Arc::new(HashMap::from([
        ("analyst-token".to_owned(), (2, "analyst")),
        ("guest-token".to_owned(), (3, "guest")),
    ]));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let addr = listener.local_addr().expect("address");
    let app = quickstart::on_axum::app(tokens);
    runtime.spawn(async move { axum::serve(listener, app.into_make_service()).await });

    assert_eq!(send(addr, "GET", "/reports", Some("analyst-token")).0, 200);
    assert_eq!(send(addr, "POST", "/reports", Some("guest-token")).0, 403);
    assert_eq!(send(addr, "GET", "/reports", None).0, 401);
    assert_eq!(send(addr, "GET", "/health", None), (200, "ok".to_owned()));
    // `/admin/users` hides itself: the analyst gets what a missing path gets.
    assert_eq!(
        send(addr, "GET", "/admin/users", Some("analyst-token")),
        send(addr, "GET", "/admin/nothing", Some("analyst-token"))
    );
}
