//! What must still answer when something misbehaves: a permission check, a handler, a scope
//! middleware or a log subscriber that panics, and refused requests whose bodies were never
//! read — every one a generic answer, the connection closed where the body is unread, and the
//! next request decided as usual.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, get, test, web};
use authz_actix::{
    ActorId, Permission, Principal, ResolveActor, mount, public, require_permission,
};
use authz_tests::{ApiKey, require_api_key, resolve_from_api_key};
use futures_util::future::LocalBoxFuture;

/// Read reports.
#[require_permission("project:read")]
#[get("/reports")]
async fn reports() -> HttpResponse {
    HttpResponse::Ok().body("reports")
}

/// Health check.
#[public("probes")]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

/// An actor whose permission check panics.
struct Buggy(ActorId);

impl Principal for Buggy {
    fn actor_id(&self) -> &ActorId {
        &self.0
    }
    fn has_permission(&self, _: Permission) -> bool {
        panic!("permission backend bug")
    }
}

#[actix_rt::test]
async fn a_panicking_permission_check_answers_500_and_the_app_keeps_serving() {
    let resolve = |req: HttpRequest| async move {
        let buggy = req.headers().contains_key("x-buggy");
        Ok::<_, std::convert::Infallible>(buggy.then_some(Buggy(ActorId::Int(9))))
    };
    let app =
        test::init_service(App::new().wrap(ResolveActor::new(resolve)).configure(mount(|r| {
            r.service(reports).service(health);
        })))
        .await;
    for _ in 0..2 {
        let res = test::call_service(
            &app,
            test::TestRequest::get().uri("/reports").insert_header(("x-buggy", "1")).to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = test::read_body(res).await;
        assert!(String::from_utf8_lossy(&body).contains("The request could not be processed"));
        let res =
            test::call_service(&app, test::TestRequest::get().uri("/reports").to_request()).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "the next request is decided as usual");
        let res =
            test::call_service(&app, test::TestRequest::get().uri("/health").to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
}

/// Sends a request head announcing a body, a first piece of it, and reads the answer; then keeps
/// sending body bytes until the server closes the connection. Returns the status, the
/// `Connection` header, and how many body bytes the server took after answering.
fn refused_with_body(
    addr: std::net::SocketAddr,
    path: &str,
    framing: &str,
    token: Option<&str>,
) -> (u16, Option<String>, usize) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    stream.set_write_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let chunked = framing == "chunked";
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let head = if chunked {
        format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Transfer-Encoding: chunked\r\n\r\n")
    } else {
        format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Length: 1000000000\r\n\r\n")
    };
    stream.write_all(head.as_bytes()).expect("head");
    let piece = vec![b'x'; 16 * 1024];
    let chunk = |out: &mut Vec<u8>| {
        if chunked {
            out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
            out.extend_from_slice(&piece);
            out.extend_from_slice(b"\r\n");
        } else {
            out.extend_from_slice(&piece);
        }
    };
    let mut first = Vec::new();
    chunk(&mut first);
    stream.write_all(&first).expect("first piece");
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    while !raw.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).expect("response");
        assert!(n > 0, "connection closed before an answer");
        raw.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
    let connection = text.lines().find_map(|l| {
        l.split_once(':')
            .filter(|(n, _)| n.eq_ignore_ascii_case("connection"))
            .map(|(_, v)| v.trim().to_owned())
    });
    // Up to 64 MiB at about 12 MiB/s (16 KiB every 1.25 ms, for 5 s): a server that reads on
    // takes all of it; one that closes after lingering (1 s by default) takes about 12.
    let mut more = Vec::new();
    chunk(&mut more);
    let mut sent = 0;
    while sent < 64 * 1024 * 1024 {
        if stream.write_all(&more).is_err() {
            break;
        }
        sent += piece.len();
        std::thread::sleep(Duration::from_micros(1250));
    }
    (status, connection, sent)
}

/// Create a report (never reached: the tests send no credentials).
#[require_permission("project:write")]
#[actix_web::post("/reports")]
async fn create_report(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok().body(body.len().to_string())
}

/// Who is asking (a public route: anonymous callers get `CurrentActor`'s 401).
#[public("echo")]
#[actix_web::post("/whoami")]
async fn whoami(actor: authz_actix::CurrentActor) -> HttpResponse {
    HttpResponse::Ok().body(actor.id().to_string())
}

/// Refused by the service before the body is read.
#[require_permission("project:read")]
#[actix_web::post("/denied")]
async fn denied() -> Result<HttpResponse, authz_actix::Denied> {
    Err(authz_actix::Denied::from(authz_actix::AuthzError::Forbidden))
}

/// Panics before the body is read.
#[require_permission("project:read")]
#[actix_web::post("/boom")]
async fn boom() -> HttpResponse {
    panic!("handler bug")
}

/// Panics before the body is read, on a public route (no gate catches it).
#[public("fails")]
#[actix_web::post("/public-boom")]
async fn public_boom() -> HttpResponse {
    panic!("handler bug")
}

#[actix_rt::test]
async fn refusals_close_connections_whose_body_was_not_read() {
    let server = actix_web::HttpServer::new(|| {
        App::new()
            .wrap(ResolveActor::new(authz_tests::resolve))
            .configure(mount(|r| {
                // Refusals in the app's shape: a service's `Denied` is reshaped at the gate.
                r.responder(|_, refusal| HttpResponse::build(refusal.status()).body("refused"));
                r.service(create_report)
                    .service(whoami)
                    .service(denied)
                    .service(boom)
                    .service(public_boom);
            }))
            .route(
                "/undeclared",
                web::post().to(|body: web::Bytes| async move { HttpResponse::Ok().body(body) }),
            )
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .expect("bind");
    let addr = server.addrs()[0];
    let handle = authz_tests::spawn(server.run());
    let results = actix_web::rt::task::spawn_blocking(move || {
        [
            ("/reports", "chunked", None, 401),
            ("/reports", "content-length", None, 401),
            ("/undeclared", "chunked", None, 500),
            ("/undeclared", "content-length", None, 500),
            ("/whoami", "chunked", None, 401),
            ("/denied", "chunked", Some("admin-1"), 403),
            ("/boom", "chunked", Some("admin-1"), 500),
            ("/public-boom", "chunked", None, 500),
        ]
        .map(|(path, framing, token, want)| {
            ((path, framing, want), refused_with_body(addr, path, framing, token))
        })
    })
    .await
    .expect("client");
    handle.stop(true).await;
    for ((path, framing, want), (status, connection, sent)) in results {
        assert_eq!(status, want, "{path} {framing}");
        assert_eq!(connection.as_deref(), Some("close"), "{path} {framing}");
        assert!(
            sent < 32 * 1024 * 1024,
            "{path} {framing}: the server kept reading ({sent} bytes after answering)"
        );
    }
}

/// Calls the scope at once (so the gate is reached within the routing call), then panics when its
/// future is first polled — before the gate is.
struct PanicsWhenPolled;

impl<S> Transform<S, ServiceRequest> for PanicsWhenPolled
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = actix_web::Error> + 'static,
{
    type Response = ServiceResponse;
    type Error = actix_web::Error;
    type Transform = PanicsWhenPolledService<S>;
    type InitError = ();
    type Future = std::future::Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        std::future::ready(Ok(PanicsWhenPolledService { service }))
    }
}

struct PanicsWhenPolledService<S> {
    service: S,
}

impl<S> Service<ServiceRequest> for PanicsWhenPolledService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = actix_web::Error> + 'static,
{
    type Response = ServiceResponse;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<ServiceResponse, actix_web::Error>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let inner = self.service.call(req);
        Box::pin(async move {
            if inner_is_never_polled() {
                panic!("middleware bug");
            }
            inner.await
        })
    }
}

fn inner_is_never_polled() -> bool {
    true
}

/// Read reports, another copy for another scope.
#[require_permission("project:read")]
#[get("/reports")]
async fn reports_again() -> HttpResponse {
    HttpResponse::Ok().body("reports")
}

/// An actor resolved for one request never decides another, even when a panic cut the first
/// short between resolving its actor and its gate.
#[actix_rt::test]
async fn a_panic_before_the_gate_leaves_no_actor_for_the_next_request() {
    let app = test::init_service(
        App::new().wrap(ResolveActor::new(resolve_from_api_key)).configure(mount(|r| {
            r.scope_with(
                "/boom",
                |s| s.wrap(PanicsWhenPolled),
                |r| {
                    r.service(reports);
                },
            );
            r.scope_with(
                "/api",
                |s| s.wrap(from_fn(require_api_key)),
                |r| {
                    r.service(reports_again);
                },
            );
        })),
    )
    .await;
    let req = test::TestRequest::get().uri("/boom/reports").insert_header(("x-api-key", "k-admin"));
    // The scope middleware runs after the resolver reads credentials: attach them directly.
    let req = req.to_request();
    req.extensions_mut().insert(ApiKey("admin-7"));
    match app.call(req).await {
        Ok(res) => assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR),
        Err(error) => {
            assert_eq!(error.error_response().status(), StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
    // Anonymous, behind a middleware that defers the gate: its own resolution, not the admin's.
    let res =
        test::call_service(&app, test::TestRequest::get().uri("/api/reports").to_request()).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

/// A subscriber layer that panics on every event, as tracing-subscriber's `fmt` does when its
/// writer fails and it reports that with `eprintln!` on a closed stderr.
struct PanickingLayer;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for PanickingLayer {
    fn on_event(&self, _: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        panic!("the log writer failed");
    }
}

#[actix_rt::test]
async fn a_panicking_log_subscriber_loses_the_audit_event_not_the_answer() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(PanickingLayer));
    let app = test::init_service(
        App::new().wrap(ResolveActor::new(authz_tests::resolve)).configure(mount(|r| {
            r.service(reports);
        })),
    )
    .await;
    // Every refusal is audited at INFO or above: each would have panicked inside the gate.
    for (token, status) in [(None, 401), (Some("member-3"), 403), (Some("down"), 500)] {
        let mut req = test::TestRequest::get().uri("/reports");
        if let Some(t) = token {
            req = req.insert_header(("authorization", format!("Bearer {t}")));
        }
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status().as_u16(), status, "{token:?}");
    }
}
