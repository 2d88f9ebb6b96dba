//! What must compose with authz: a hand-written `Declared` (enforced as it claims), a resolver
//! that keeps the request, scope middleware that attaches credentials for the resolver, and
//! public routes, which never run the resolver.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpResponse, get, test, web};
use authz_actix::records::{Access, RouteMeta};
use authz_actix::{Permission, ResolveActor, mount, public, require_permission};
use authz_tests::{require_api_key, resolve_from_api_key};

/// Read reports.
#[require_permission("project:read")]
#[get("/reports")]
async fn reports() -> HttpResponse {
    HttpResponse::Ok().body("reports")
}

static RESOLVED: AtomicUsize = AtomicUsize::new(0);

/// Health check.
#[public("probes")]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

/// Counts its runs, then resolves as the shared test resolver does.
async fn counting_resolve(
    req: HttpRequest,
) -> Result<Option<authz_actix::Actor>, authz_tests::ResolverDown> {
    RESOLVED.fetch_add(1, Ordering::SeqCst);
    authz_tests::resolve(req).await
}

#[actix_rt::test]
async fn public_routes_never_run_the_resolver() {
    let app = test::init_service(App::new().wrap(ResolveActor::new(counting_resolve)).configure(
        mount(|r| {
            r.service(health).service(reports);
        }),
    ))
    .await;
    let before = RESOLVED.load(Ordering::SeqCst);
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/health")
            .insert_header(("authorization", "Bearer admin-1"))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(RESOLVED.load(Ordering::SeqCst), before, "a public route resolves nobody");
    let res = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/reports")
            .insert_header(("authorization", "Bearer admin-1"))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(RESOLVED.load(Ordering::SeqCst), before + 1, "a gated route resolves once");
}

/// What a hand-written `Declared` might claim: `user:admin`, for a handler with no gate of its own.
static CLAIMED: RouteMeta = RouteMeta {
    handler: "forged",
    module: module_path!(),
    file: file!(),
    line: line!(),
    methods: &["GET"],
    path: "/forged",
    access: Access::Gated {
        requirement: authz_actix::records::Requirement::Permission(Permission::new("user:admin")),
        deny: authz_actix::Deny::Forbidden,
        scope: None,
    },
    policy: None,
    visibility: None,
    operation: "Forged",
};

struct Forged;

impl authz_actix::__private::Sealed for Forged {}

impl authz_actix::Declared for Forged {
    const __AUTHZ_GUARDED: bool = false;

    fn route() -> &'static RouteMeta {
        &CLAIMED
    }

    fn __authz_parts() -> authz_actix::__private::Parts {
        authz_actix::__private::Parts {
            name: "forged",
            guards: Vec::new(),
            handler: web::get().to(|| async { HttpResponse::Ok().body("secret") }),
            responder: None,
            wrapped: false,
        }
    }
}

#[actix_rt::test]
async fn a_hand_written_declaration_is_enforced_as_it_claims() {
    let app = test::init_service(
        App::new().wrap(ResolveActor::new(authz_tests::resolve)).configure(mount(|r| {
            r.service(Forged);
        })),
    )
    .await;
    let call = |token: Option<&'static str>| {
        let mut req = test::TestRequest::get().uri("/forged");
        if let Some(token) = token {
            req = req.insert_header(("authorization", token));
        }
        test::call_service(&app, req.to_request())
    };
    assert_eq!(call(None).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(call(Some("Bearer member-2")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(call(Some("Bearer admin-1")).await.status(), StatusCode::OK);
}

thread_local! {
    static KEPT: RefCell<Vec<HttpRequest>> = const { RefCell::new(Vec::new()) };
}

#[actix_rt::test]
async fn a_resolver_that_keeps_the_request_does_not_break_routing() {
    let resolve = |req: HttpRequest| {
        KEPT.with_borrow_mut(|kept| kept.push(req.clone()));
        authz_tests::resolve(req)
    };
    let app =
        test::init_service(App::new().wrap(ResolveActor::new(resolve)).configure(mount(|r| {
            r.service(health);
            r.scope("/api", |r| {
                r.service(reports);
            });
        })))
        .await;
    for _ in 0..3 {
        let res = test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/api/reports")
                .insert_header(("authorization", "Bearer admin-1"))
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let res =
            test::call_service(&app, test::TestRequest::get().uri("/api/reports").to_request())
                .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let res =
            test::call_service(&app, test::TestRequest::get().uri("/health").to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    assert_eq!(KEPT.with_borrow(Vec::len), 6);
    KEPT.with_borrow_mut(Vec::clear);
}

/// Who is calling.
#[require_permission(authenticated)]
#[get("/me")]
async fn me(actor: authz_actix::CurrentActor) -> HttpResponse {
    HttpResponse::Ok().body(actor.id().to_string())
}

#[actix_rt::test]
async fn credentials_attached_by_scope_middleware_reach_the_resolver() {
    let app = test::init_service(
        App::new().wrap(ResolveActor::new(resolve_from_api_key)).configure(mount(|r| {
            r.service(health);
            r.scope_with(
                "/api",
                |s| s.wrap(from_fn(require_api_key)),
                |r| {
                    r.service(reports).service(me);
                },
            );
        })),
    )
    .await;
    let call = |uri: &'static str, key: Option<&'static str>| {
        let mut req = test::TestRequest::get().uri(uri);
        if let Some(key) = key {
            req = req.insert_header(("x-api-key", key));
        }
        test::call_service(&app, req.to_request())
    };
    let res = call("/api/reports", Some("k-admin")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = call("/api/me", Some("k-admin")).await;
    assert_eq!(test::read_body(res).await, "7");
    assert_eq!(call("/api/reports", Some("wrong")).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(call("/api/reports", None).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(call("/health", None).await.status(), StatusCode::OK);
}
