//! Behaviour of `#[require_permission]` against a real actix `App`: statuses, bodies, and proof
//! (a side-effect counter per handler) that a refused request never runs the handler.

// Each test runs on its own runtime thread; the lock serializes whole tests, across their awaits.
#![allow(clippy::await_holding_lock)]

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, get, post, route, test, web};
use authz_actix::{CurrentActor, ResolveActor, require_permission};
use authz_tests::{actor, resolve, serial};

static READS: AtomicUsize = AtomicUsize::new(0);
static WRITES: AtomicUsize = AtomicUsize::new(0);
static HIDDEN: AtomicUsize = AtomicUsize::new(0);
static ANY: AtomicUsize = AtomicUsize::new(0);
static ALL: AtomicUsize = AtomicUsize::new(0);
static JSON: AtomicUsize = AtomicUsize::new(0);
static BOOM: AtomicUsize = AtomicUsize::new(0);

/// Read a report.
#[require_permission("project:read")]
#[get("/reports")]
async fn read_reports(actor: CurrentActor) -> HttpResponse {
    READS.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().body(format!("reports for {}", actor.id()))
}

/// Create a report.
#[require_permission("project:write")]
#[post("/reports")]
async fn create_report() -> HttpResponse {
    WRITES.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Created().finish()
}

/// Read a secret.
#[require_permission("user:admin", deny = not_found)]
#[get("/secrets/{id}")]
async fn read_secret(id: web::Path<u32>) -> HttpResponse {
    HIDDEN.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().body(id.to_string())
}

/// Either permission.
#[require_permission(any("project:delete", "user:admin"))]
#[get("/any")]
async fn either() -> HttpResponse {
    ANY.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().finish()
}

/// Both permissions, one of them nested.
#[require_permission(all("project:read", any("user:admin", "project:delete")))]
#[route("/all", method = "GET", method = "PUT")]
async fn both() -> HttpResponse {
    ALL.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().finish()
}

/// Takes a JSON body: the gate must answer before the body is read or rejected.
#[require_permission("project:write")]
#[post("/json")]
async fn takes_json(body: web::Json<serde_json::Value>) -> HttpResponse {
    JSON.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().json(body.into_inner())
}

/// A policy with a bug: it panics before the handler does anything.
#[require_permission("project:read")]
#[get("/boom")]
async fn boom() -> HttpResponse {
    fn buggy_policy() -> bool {
        panic!("policy bug")
    }
    if buggy_policy() {
        BOOM.fetch_add(1, Ordering::SeqCst);
    }
    HttpResponse::Ok().finish()
}

/// Behind a route-level middleware that changes the response body type (`Logger`'s `StreamLog`).
#[require_permission("project:read")]
#[get("/logged", wrap = "actix_web::middleware::Logger::default()")]
async fn logged() -> HttpResponse {
    HttpResponse::Ok().body("logged")
}

fn app() -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new().wrap(ResolveActor::new(resolve)).configure(authz_actix::mount(|r| {
        r.service(read_reports)
            .service(create_report)
            .service(read_secret)
            .service(either)
            .service(both)
            .service(takes_json)
            .service(boom)
            .service(logged);
    }))
}

async fn send(
    app: &impl Service<
        actix_http::Request,
        Response = ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
    >,
    req: test::TestRequest,
    token: Option<&str>,
) -> (StatusCode, Vec<(String, String)>, Vec<u8>) {
    let req = match token {
        Some(t) => req.insert_header(("authorization", format!("Bearer {t}"))),
        None => req,
    };
    let res = test::call_service(app, req.to_request()).await;
    let status = res.status();
    let mut headers: Vec<(String, String)> = res
        .headers()
        .iter()
        .filter(|(n, _)| *n != "date")
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("<bytes>").to_owned()))
        .collect();
    headers.sort();
    let body = test::read_body(res).await.to_vec();
    (status, headers, body)
}

#[actix_rt::test]
async fn allowed_unauthenticated_and_forbidden() {
    let _serial = serial();
    let app = test::init_service(app()).await;
    let before = (READS.load(Ordering::SeqCst), WRITES.load(Ordering::SeqCst));

    let (status, _, body) =
        send(&app, test::TestRequest::get().uri("/reports"), Some("editor-7")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, b"reports for 7");

    let (status, headers, body) = send(&app, test::TestRequest::get().uri("/reports"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers.contains(&("www-authenticate".into(), "Bearer".into())), "{headers:?}");
    assert!(headers.contains(&("content-type".into(), "application/problem+json".into())));
    let json: serde_json::Value = serde_json::from_slice(&body).expect("problem+json body");
    assert_eq!(json["status"], 401);

    let (status, _, body) =
        send(&app, test::TestRequest::post().uri("/reports"), Some("support-3")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let text = String::from_utf8(body).expect("utf-8");
    assert!(!text.contains("project:write"), "the body must not name the permission: {text}");

    // An unknown token is anonymous: 401, not 403.
    let (status, _, _) =
        send(&app, test::TestRequest::post().uri("/reports"), Some("nobody")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Only the one allowed request ran a handler body.
    assert_eq!(READS.load(Ordering::SeqCst) - before.0, 1);
    assert_eq!(WRITES.load(Ordering::SeqCst) - before.1, 0);

    let (status, _, _) =
        send(&app, test::TestRequest::post().uri("/reports"), Some("editor-7")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(WRITES.load(Ordering::SeqCst) - before.1, 1);
}

#[actix_rt::test]
async fn hidden_existence_is_byte_identical_to_a_missing_route() {
    let _serial = serial();
    let app = test::init_service(app()).await;
    let before = HIDDEN.load(Ordering::SeqCst);
    let hidden = send(&app, test::TestRequest::get().uri("/secrets/1"), Some("editor-7")).await;
    let missing =
        send(&app, test::TestRequest::get().uri("/no/such/route"), Some("editor-7")).await;
    assert_eq!(hidden.0, StatusCode::NOT_FOUND);
    assert_eq!(hidden, missing, "status, headers (except Date) and body must match");
    assert_eq!(HIDDEN.load(Ordering::SeqCst), before, "the handler body must not run");

    let (status, _, body) =
        send(&app, test::TestRequest::get().uri("/secrets/1"), Some("support-3")).await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, &b"1"[..]));
    // Anonymous callers are told to authenticate, hidden route or not.
    let (status, _, _) = send(&app, test::TestRequest::get().uri("/secrets/1"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[actix_rt::test]
async fn any_and_all_semantics() {
    let _serial = serial();
    let app = test::init_service(app()).await;
    // `any("project:delete", "user:admin")`
    let cases = [("admin-1", 200), ("support-2", 200), ("editor-3", 403), ("member-4", 403)];
    let before = ANY.load(Ordering::SeqCst);
    for (who, want) in cases {
        let (status, _, _) = send(&app, test::TestRequest::get().uri("/any"), Some(who)).await;
        assert_eq!(status.as_u16(), want, "any: {who}");
    }
    assert_eq!(ANY.load(Ordering::SeqCst) - before, 2);

    // `all("project:read", any("user:admin", "project:delete"))`, on both methods of the route.
    let cases = [("admin-1", 200), ("support-2", 200), ("editor-3", 403), ("member-4", 403)];
    let before = ALL.load(Ordering::SeqCst);
    for (who, want) in cases {
        for req in [test::TestRequest::get(), test::TestRequest::put()] {
            let (status, _, _) = send(&app, req.uri("/all"), Some(who)).await;
            assert_eq!(status.as_u16(), want, "all: {who}");
        }
    }
    assert_eq!(ALL.load(Ordering::SeqCst) - before, 4);
}

#[actix_rt::test]
async fn head_follows_get() {
    let _serial = serial();
    let app = test::init_service(app()).await;
    let head =
        || test::TestRequest::default().method(actix_web::http::Method::HEAD).uri("/reports");
    let before = READS.load(Ordering::SeqCst);
    assert_eq!(send(&app, head(), None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(send(&app, head(), Some("member-4")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(READS.load(Ordering::SeqCst), before);
    assert_eq!(send(&app, head(), Some("editor-7")).await.0, StatusCode::OK);
    assert_eq!(READS.load(Ordering::SeqCst), before + 1);
    // A method the route does not declare is not routed to the handler at all.
    let (status, _, _) =
        send(&app, test::TestRequest::delete().uri("/reports"), Some("admin-1")).await;
    assert!(status.is_client_error(), "{status}");
}

#[actix_rt::test]
async fn gate_answers_before_extractors_run() {
    let _serial = serial();
    let app = test::init_service(app()).await;
    let before = JSON.load(Ordering::SeqCst);
    let bad_json = || {
        test::TestRequest::post()
            .uri("/json")
            .insert_header(("content-type", "application/json"))
            .set_payload("{oops")
    };
    // Unauthenticated or forbidden callers learn nothing about what the body should look like.
    assert_eq!(send(&app, bad_json(), None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(send(&app, bad_json(), Some("member-4")).await.0, StatusCode::FORBIDDEN);
    // An allowed caller reaches the extractor, which rejects the body.
    assert_eq!(send(&app, bad_json(), Some("editor-7")).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(JSON.load(Ordering::SeqCst), before);
}

#[actix_rt::test]
async fn resolver_error_and_panic_fail_closed() {
    let _serial = serial();
    let app = test::init_service(app()).await;
    let before = READS.load(Ordering::SeqCst);
    for token in ["down", "panic"] {
        let (status, _, body) =
            send(&app, test::TestRequest::get().uri("/reports"), Some(token)).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{token}");
        let text = String::from_utf8(body).expect("utf-8");
        assert!(
            !text.contains("unavailable") && !text.contains("resolver"),
            "generic body: {text}"
        );
        // The next request is served normally.
        let (status, _, _) =
            send(&app, test::TestRequest::get().uri("/reports"), Some("editor-1")).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(READS.load(Ordering::SeqCst) - before, 2);
}

#[actix_rt::test]
async fn missing_resolver_middleware_fails_closed() {
    let _serial = serial();
    let app = test::init_service(App::new().service(read_reports).service(create_report)).await;
    let before = (READS.load(Ordering::SeqCst), WRITES.load(Ordering::SeqCst));
    for req in [test::TestRequest::get().uri("/reports"), test::TestRequest::post().uri("/reports")]
    {
        let (status, _, _) = send(&app, req, Some("admin-1")).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    }
    assert_eq!((READS.load(Ordering::SeqCst), WRITES.load(Ordering::SeqCst)), before);
}

#[actix_rt::test]
async fn test_kit_actors_stand_in_for_the_resolver_of_the_real_app() {
    let _serial = serial();
    let app = test::init_service(app()).await;
    // `Bearer down` would make the resolver fail: an injected actor means it never runs.
    let req = |actor| {
        let req = test::TestRequest::post()
            .uri("/reports")
            .insert_header(("authorization", "Bearer down"))
            .to_request();
        authz_actix::test::with_actor(req, actor)
    };
    assert_eq!(
        test::call_service(&app, req(actor(9, &["editor"]))).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        test::call_service(&app, req(actor(9, &["member"]))).await.status(),
        StatusCode::FORBIDDEN
    );
    let req = authz_actix::test::anonymous(test::TestRequest::post().uri("/reports").to_request());
    assert_eq!(test::call_service(&app, req).await.status(), StatusCode::UNAUTHORIZED);
}

#[actix_rt::test]
async fn an_app_without_resolve_actor_serves_no_declared_route_even_to_an_injected_actor() {
    let _serial = serial();
    let (logs, _guard) = authz_tests::capture_logs();
    let app =
        test::init_service(App::new().service(create_report).configure(authz_actix::mount(|r| {
            r.service(read_reports);
        })))
        .await;
    let before = (READS.load(Ordering::SeqCst), WRITES.load(Ordering::SeqCst));
    for uri in ["/reports", "/nowhere"] {
        let req = authz_actix::test::with_actor(
            test::TestRequest::get().uri(uri).to_request(),
            actor(1, &["admin"]),
        );
        assert_eq!(
            test::call_service(&app, req).await.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{uri}"
        );
    }
    let req = authz_actix::test::with_actor(
        test::TestRequest::post().uri("/reports").to_request(),
        actor(1, &["admin"]),
    );
    assert_eq!(test::call_service(&app, req).await.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        (READS.load(Ordering::SeqCst), WRITES.load(Ordering::SeqCst)),
        before,
        "no handler ran"
    );
    assert!(
        logs.take().iter().any(|l| l.contains("ERROR") && l.contains("nothing observes routing"))
    );
}

#[actix_rt::test]
async fn a_panicking_policy_fails_closed_and_the_app_keeps_serving() {
    let _serial = serial();
    let app = test::init_service(app()).await;
    let (status, headers, body) =
        send(&app, test::TestRequest::get().uri("/boom"), Some("editor-7")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(headers.contains(&("content-type".into(), "application/problem+json".into())));
    assert!(!String::from_utf8_lossy(&body).contains("policy bug"), "generic body");
    assert_eq!(BOOM.load(Ordering::SeqCst), 0, "no side effect");
    let (status, _, _) =
        send(&app, test::TestRequest::get().uri("/reports"), Some("editor-7")).await;
    assert_eq!(status, StatusCode::OK, "the next request is served");
}

#[actix_rt::test]
async fn a_route_level_middleware_may_change_the_body_type() {
    let app = test::init_service(app()).await;
    let (status, _, body) =
        send(&app, test::TestRequest::get().uri("/logged"), Some("support-2")).await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, &b"logged"[..]));
    let (status, _, _) =
        send(&app, test::TestRequest::get().uri("/logged"), Some("member-4")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
