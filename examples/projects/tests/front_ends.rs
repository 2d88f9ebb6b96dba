//! The two front ends serve one surface: `projects serve` (actix-web) and `projects serve
//! --framework axum`, each on a fresh database with the demo users, are sent the same requests
//! in the same order — every route, every demo user and nobody, wrong methods, odd spellings,
//! bad bodies, writes — and must answer with the same status, headers (but `Date`) and bodies.
//! Their matrices must be equal too.

mod support;

use std::net::SocketAddr;

use authz_tests::{RawResponse, http_bytes};
use support::process::{Server, free_port, serve_with, temp_db, token};

struct FrontEnd {
    addr: SocketAddr,
    tokens: Vec<(String, String)>,
    _server: Server,
    _dir: std::path::PathBuf,
}

fn start(name: &str, flags: &[&str]) -> FrontEnd {
    let (dir, url) = temp_db(name);
    let addr = free_port();
    let (server, lines, _logs) = serve_with(&url, addr, true, flags);
    let tokens = ["alice", "erin", "carol", "bob", "dave"]
        .iter()
        .map(|user| ((*user).to_owned(), token(&lines, user)))
        .collect();
    FrontEnd { addr, tokens, _server: server, _dir: dir }
}

impl FrontEnd {
    fn send(&self, request: &Request) -> RawResponse {
        let auth = request.user.map(|user| {
            let token = &self.tokens.iter().find(|(u, _)| u == user).expect("demo user").1;
            format!("Bearer {token}")
        });
        let mut headers: Vec<(&str, &[u8])> = Vec::new();
        if let Some(auth) = &auth {
            headers.push(("authorization", auth.as_bytes()));
        }
        if let Some(content_type) = request.content_type {
            headers.push(("content-type", content_type.as_bytes()));
        }
        http_bytes(self.addr, request.method, request.path.as_bytes(), &headers, &request.body)
            .expect("answer")
    }
}

struct Request {
    method: &'static str,
    path: String,
    user: Option<&'static str>,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

fn request(method: &'static str, path: &str, user: Option<&'static str>) -> Request {
    Request { method, path: path.to_owned(), user, content_type: None, body: Vec::new() }
}

fn json(method: &'static str, path: &str, user: Option<&'static str>, body: &str) -> Request {
    Request {
        method,
        path: path.to_owned(),
        user,
        content_type: Some("application/json"),
        body: body.as_bytes().to_vec(),
    }
}

/// The requests, in order: reads first, then writes that change what later reads see.
fn script() -> Vec<Request> {
    let users = [None, Some("alice"), Some("erin"), Some("carol"), Some("bob"), Some("dave")];
    let mut out = Vec::new();
    for path in
        ["/health", "/openapi.json", "/scalar", "/nothing", "/health/", "//health", "/HEALTH"]
    {
        out.push(request("GET", path, None));
    }
    for (method, path) in [
        ("POST", "/health"),
        ("DELETE", "/health"),
        ("POST", "/scalar"),
        ("HEAD", "/health"),
        ("OPTIONS", "/projects"),
        ("PUT", "/projects"),
        ("get", "/health"),
        ("GET", "/scalar/"),
    ] {
        out.push(request(method, path, None));
    }
    // Attack shapes: encodings, dot segments, doubled slashes, odd methods, credential tricks.
    for path in [
        "/admin/users%2F",
        "/admin%2Fusers",
        "/admin/%75sers",
        "/projects/..%2Fadmin/users",
        "/admin/./users",
        "/admin//users",
        "/admin/users;x=1",
        "/admin/users?x=1",
        "/projects/1%00",
        "/projects/%E2%82%AC",
        "/teams/1/projects%2F",
        "/teams/%31/projects",
        "/teams/-1/projects",
        "/teams/9223372036854775808/projects",
    ] {
        out.push(request("GET", path, Some("bob")));
        out.push(request("GET", path, Some("alice")));
    }
    for method in ["PROPFIND", "PATCH", "CONNECT", "TRACE"] {
        out.push(request(method, "/admin/users", Some("alice")));
    }
    for user in users {
        // Writes each user may or may not make: bodies valid and not.
        out.push(json("POST", "/projects", user, r#"{"name":"p","is_public":false}"#));
        out.push(json("POST", "/projects", user, r#"{"name":"q","is_public":true}"#));
    }
    for user in users {
        for path in [
            "/projects",
            "/projects/1",
            "/projects/2",
            "/projects/99",
            "/projects/01",
            "/projects/abc",
            "/projects/%31",
            "/projects/1/",
            "/teams/1/projects",
            "/teams/2/projects",
            "/teams/01/projects",
            "/teams/x/projects",
            "/admin/users",
            "/admin/users/",
        ] {
            out.push(request("GET", path, user));
        }
        out.push(request("HEAD", "/projects/1", user));
        out.push(request("DELETE", "/projects", user));
        out.push(json("POST", "/projects", user, "{not json"));
        out.push(json("POST", "/projects", user, r#"{"name":"p","unknown":1}"#));
        out.push(json("POST", "/projects", user, r#"{"name":7}"#));
        out.push(Request {
            content_type: Some("text/plain"),
            ..json("POST", "/projects", user, "{}")
        });
        out.push(Request { content_type: None, ..json("POST", "/projects", user, "{}") });
        out.push(json(
            "POST",
            "/projects",
            user,
            &format!(r#"{{"name":"{}"}}"#, "x".repeat(70_000)),
        ));
        out.push(json("PATCH", "/projects/1", user, r#"{"name":"renamed"}"#));
        out.push(json("PATCH", "/projects/2", user, r#"{"is_archived":true}"#));
        out.push(json("POST", "/teams/1/projects", user, r#"{"name":"t"}"#));
        out.push(json("POST", "/teams/2/projects", user, r#"{"name":"t"}"#));
        out.push(json("PUT", "/teams/1/members/4", user, r#"{"role":"member"}"#));
        out.push(json("PUT", "/teams/1/members/4", user, r#"{"role":"nobody"}"#));
        out.push(request("DELETE", "/teams/1/members/4", user));
    }
    for user in users {
        out.push(request("DELETE", "/projects/3", user));
        out.push(request("GET", "/projects", user));
    }
    out
}

/// An answer as compared: status, headers but `Date` (sorted: the two servers write them in
/// different orders), body.
fn comparable(response: &RawResponse) -> (u16, Vec<(String, String)>, String) {
    let mut headers: Vec<(String, String)> = response
        .headers
        .iter()
        .filter(|(n, _)| n != "date")
        .map(|(n, v)| {
            // Decision ids are drawn at random: compared by presence.
            let v = if n == "authz-decision-id" { "(id)".to_owned() } else { v.clone() };
            (n.clone(), v)
        })
        .collect();
    headers.sort();
    (response.status, headers, String::from_utf8_lossy(&response.body).into_owned())
}

fn compare(flags: &[&str], name: &str) {
    let actix = start(&format!("{name}-actix"), flags);
    let mut axum_flags = flags.to_vec();
    axum_flags.extend(["--framework", "axum"]);
    let axum = start(&format!("{name}-axum"), &axum_flags);
    let mut differences = Vec::new();
    let script = script();
    for request in &script {
        let (a, b) = (comparable(&actix.send(request)), comparable(&axum.send(request)));
        if a != b {
            differences.push(format!(
                "{} {} as {:?}:\n  actix {a:?}\n  axum  {b:?}",
                request.method, request.path, request.user
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} answers differ:\n{}",
        differences.len(),
        script.len(),
        differences.join("\n")
    );
}

#[test]
fn both_front_ends_answer_every_request_alike() {
    compare(&[], "same");
}

#[test]
fn both_front_ends_explain_refusals_alike() {
    compare(&["--explain"], "explained");
}

#[test]
fn both_front_ends_have_one_matrix() {
    let actix =
        authz_actix::routes::matrix(projects::http::routes, Some(&projects::perms::CATALOG));
    let axum =
        authz_axum::routes::matrix(projects::http_axum::routes, Some(&projects::perms::CATALOG));
    assert_eq!(actix.to_markdown("-"), axum.to_markdown("-"));
    assert_eq!(actix.digest(), axum.digest());
}
