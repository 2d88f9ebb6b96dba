//! The gate on a real axum server: who gets what, before which code runs.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};

use authz_axum::{
    Actor, App, Catalog, CurrentActor, Permission, PermissionDef, RoleDef, Routes, public,
    require_permission,
};
use axum::extract::FromRequestParts;
use http::request::Parts;
use support::{get, send, send_raw, serve};

const PROJECT_READ: Permission = Permission::new("project:read");
const PROJECT_WRITE: Permission = Permission::new("project:write");
static CATALOG: Catalog = Catalog::new(
    &[
        PermissionDef { permission: PROJECT_READ, description: "Read private projects" },
        PermissionDef { permission: PROJECT_WRITE, description: "Create and edit projects" },
    ],
    &[
        RoleDef { name: "editor", permissions: &[PROJECT_READ, PROJECT_WRITE] },
        RoleDef { name: "member", permissions: &[] },
    ],
);

/// How many times each handler body and extractor ran, per test binary.
static SERVED: AtomicUsize = AtomicUsize::new(0);
static EXTRACTED: AtomicUsize = AtomicUsize::new(0);

/// An extractor that counts its runs: the gate must refuse before any extractor.
struct Counted;

impl<S: Send + Sync> FromRequestParts<S> for Counted {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        EXTRACTED.fetch_add(1, Ordering::SeqCst);
        Ok(Counted)
    }
}

/// Read a project.
#[require_permission("project:read")]
#[get("/projects/{id}")]
async fn read_project(
    _counted: Counted,
    actor: CurrentActor,
    axum::extract::Path(id): axum::extract::Path<u64>,
) -> String {
    SERVED.fetch_add(1, Ordering::SeqCst);
    format!("project {id} for {}", actor.id())
}

/// Read a project, asking twice who is asking.
#[require_permission("project:read")]
#[get("/twice")]
async fn read_twice(actor: CurrentActor, again: CurrentActor) -> String {
    assert_eq!(actor.id(), again.id());
    actor.id().to_string()
}

/// Edit a project.
#[require_permission("project:write", deny = not_found)]
#[put("/projects/{id}")]
async fn edit_project(_counted: Counted, body: String) -> String {
    SERVED.fetch_add(1, Ordering::SeqCst);
    body
}

/// Rebuild the index.
#[require_permission("project:write", deny = not_found)]
#[post("/reindex")]
async fn reindex() -> &'static str {
    "reindexed"
}

/// Health check.
#[public("load balancer probes")]
#[get("/health")]
async fn health() -> &'static str {
    "ok"
}

/// Who am I.
#[public("says who is signed in, or 401")]
#[get("/me")]
async fn me(actor: CurrentActor) -> String {
    actor.id().to_string()
}

/// Panics.
#[require_permission("project:read")]
#[get("/boom")]
async fn boom() -> &'static str {
    panic!("the handler failed")
}

fn routes(r: &mut Routes<'_>) {
    r.service(health).service(me).service(boom).service(read_twice).service(reindex);
    r.scope("/v1", |r| {
        r.service(read_project).service(edit_project);
    });
}

fn resolve(
    parts: &Parts,
) -> impl Future<Output = Result<Option<Actor>, authz_axum::UnknownRole>> + use<> {
    let token = authz_axum::credentials::bearer(parts).map(str::to_owned);
    async move {
        match token.as_deref() {
            Some("erin") => CATALOG.actor(2, ["editor"]).map(Some),
            Some("bob") => CATALOG.actor(3, ["member"]).map(Some),
            _ => Ok(None),
        }
    }
}

async fn server() -> std::net::SocketAddr {
    serve(App::new(routes, resolve)).await
}

#[tokio::test]
async fn callers_get_what_the_declaration_says_and_nothing_runs_before_the_gate() {
    let addr = server().await;
    let (served, extracted) = (SERVED.load(Ordering::SeqCst), EXTRACTED.load(Ordering::SeqCst));

    let anonymous = get(addr, "/v1/projects/7", None).await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
    assert_eq!(anonymous.header("www-authenticate"), Some("Bearer"));
    assert_eq!(anonymous.header("content-type"), Some("application/problem+json"));
    assert_eq!(anonymous.body, authz_axum::problem::UNAUTHORIZED);

    let member = get(addr, "/v1/projects/7", Some("bob")).await;
    assert_eq!(member.status, 403, "{member:?}");

    let head = send(addr, "HEAD", "/v1/projects/7", &[]).await;
    assert_eq!(head.status, 401, "HEAD is gated as GET is: {head:?}");
    assert_eq!(head.body, "");

    // Other tests of this file run at once, but none is let through to these two.
    assert_eq!(SERVED.load(Ordering::SeqCst), served, "no refused request reached the handler");
    assert_eq!(EXTRACTED.load(Ordering::SeqCst), extracted, "nor any extractor");

    let editor = get(addr, "/v1/projects/7", Some("erin")).await;
    assert_eq!((editor.status, editor.body.as_str()), (200, "project 7 for 2"), "{editor:?}");
    // The mark a declared endpoint's answer carries inside the app never leaves it.
    for answer in [&editor, &anonymous, &member] {
        assert!(answer.headers.iter().all(|(n, _)| !n.starts_with("authz")), "{answer:?}");
    }
    // axum decodes the path before it matches a parameter: `%37` is `7`.
    let encoded = get(addr, "/v1/projects/%37", Some("erin")).await;
    assert_eq!((encoded.status, encoded.body.as_str()), (200, "project 7 for 2"));
}

#[tokio::test]
async fn a_hidden_resource_is_answered_as_a_missing_one_byte_for_byte() {
    let addr = server().await;
    let hidden = send(addr, "PUT", "/v1/projects/7", &[("authorization", "Bearer bob")]).await;
    let missing = send(addr, "PUT", "/v1/nothing/here", &[]).await;
    assert_eq!(hidden.status, 404);
    assert_eq!(
        (hidden.status, &hidden.headers, &hidden.body),
        (missing.status, &missing.headers, &missing.body)
    );
    // Paths axum does not match are missing, whatever their spelling.
    for path in ["/v1/projects/7/", "//v1/projects/7", "/V1/projects/7", "/v1/projects"] {
        let answer = get(addr, path, Some("erin")).await;
        assert_eq!((answer.status, &answer.body), (404, &missing.body), "{path}");
    }
}

#[tokio::test]
async fn a_declared_path_in_another_method_is_405_with_allow() {
    let addr = server().await;
    let answer = send(addr, "DELETE", "/v1/projects/7", &[]).await;
    assert_eq!(answer.status, 405, "{answer:?}");
    assert_eq!(
        answer.header("allow"),
        Some("GET, HEAD, PUT"),
        "the actix front end's order and spelling"
    );
    assert_eq!(answer.header("content-type"), Some("application/problem+json"));
    // A route that hides that it exists hides its path in every method.
    let hidden = send(addr, "GET", "/reindex", &[]).await;
    let missing = send(addr, "GET", "/nothing", &[]).await;
    assert_eq!(
        (hidden.status, &hidden.headers, &hidden.body),
        (404, &missing.headers, &missing.body)
    );
    let odd = send(addr, "get", "/health", &[]).await;
    assert_eq!(odd.status, 405, "methods are case-sensitive: {odd:?}");
}

/// A resolver of its own type, counting its runs.
struct Counting(std::sync::Arc<AtomicUsize>);

impl authz_axum::Resolver for Counting {
    type Actor = Actor;
    type Error = authz_axum::UnknownRole;

    async fn resolve(&self, parts: &Parts) -> Result<Option<Actor>, Self::Error> {
        self.0.fetch_add(1, Ordering::SeqCst);
        resolve(parts).await
    }
}

#[tokio::test]
async fn the_resolver_runs_once_per_request_and_public_routes_run_it_only_when_asked() {
    let runs = std::sync::Arc::new(AtomicUsize::new(0));
    let addr = serve(App::new(routes, Counting(runs.clone()))).await;
    let probe = get(addr, "/health", Some("erin")).await;
    assert_eq!((probe.status, probe.body.as_str()), (200, "ok"));
    assert_eq!(runs.load(Ordering::SeqCst), 0, "a public route that does not ask");
    // The gate resolves; the handler then extracts `CurrentActor` twice.
    let read = get(addr, "/twice", Some("erin")).await;
    assert_eq!(read.status, 200);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let signed_in = get(addr, "/me", Some("bob")).await;
    assert_eq!((signed_in.status, signed_in.body.as_str()), (200, "3"));
    let nobody = get(addr, "/me", None).await;
    assert_eq!(nobody.status, 401);
    assert_eq!(runs.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_refusal_answers_before_the_body_and_does_not_read_it() {
    let addr = server().await;
    // A chunked body that never ends: the answer must not wait for it.
    let raw = b"PUT /v1/projects/7 HTTP/1.1\r\nhost: test\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n";
    let answer = send_raw(addr, raw).await;
    assert_eq!(answer.status, 401, "{answer:?}");
    assert_eq!(answer.header("connection"), Some("close"));
}

#[tokio::test]
async fn a_panicking_handler_is_answered_500_not_dropped() {
    let addr = server().await;
    let answer = get(addr, "/boom", Some("erin")).await;
    assert_eq!(answer.status, 500, "{answer:?}");
    assert_eq!(answer.header("content-type"), Some("application/problem+json"));
}

#[tokio::test]
async fn pipelined_requests_are_each_decided_for_their_own_caller() {
    let addr = server().await;
    // Three requests in one write on one connection: a member, nobody, then an editor. Each
    // answer must be its own caller's, in order.
    let raw = b"GET /v1/projects/7 HTTP/1.1\r\nhost: t\r\nauthorization: Bearer bob\r\n\r\n\
GET /v1/projects/8 HTTP/1.1\r\nhost: t\r\n\r\n\
GET /v1/projects/9 HTTP/1.1\r\nhost: t\r\nauthorization: Bearer erin\r\nconnection: close\r\n\r\n";
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    tokio::io::AsyncWriteExt::write_all(&mut stream, raw).await.expect("write");
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut bytes),
    )
    .await;
    assert!(read.is_ok(), "no answers within 5 s");
    let text = String::from_utf8_lossy(&bytes);
    let statuses: Vec<&str> =
        text.match_indices("HTTP/1.1 ").map(|(i, _)| &text[i + 9..i + 12]).collect();
    assert_eq!(statuses, ["403", "401", "200"], "{text}");
    assert!(text.ends_with("project 9 for 2"), "{text}");
}
