//! A misassembled app says so on standard error, once, when the process installed no `tracing`
//! subscriber to hear its ERROR events — the state of a new app before it sets up logging. Each
//! case runs in a child process of this test binary (which installs none), and its standard
//! error is read here.

use std::process::Command;

use actix_web::{HttpResponse, get};

/// Set in the child: which front end's misassembly to serve.
const CHILD: &str = "AUTHZ_SAID_CHILD";
const NAME: &str = "a_misassembled_app_says_so_once_on_standard_error_without_a_subscriber";

#[test]
fn a_misassembled_app_says_so_once_on_standard_error_without_a_subscriber() {
    if let Ok(front) = std::env::var(CHILD) {
        child(&front);
        return;
    }
    for (front, says) in [
        ("actix", "nothing observes routing"),
        ("axum", "`CurrentActor` outside"),
        ("axum-router", "declared handler `read_projects_on_axum` was reached outside"),
    ] {
        let out = Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
            .env(CHILD, front)
            .output()
            .expect("child");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{front}: the child failed: {stderr}");
        let said: Vec<&str> = stderr.lines().filter(|line| line.starts_with("authz: ")).collect();
        assert_eq!(said.len(), 1, "{front}: one line for two refused requests: {stderr}");
        assert!(said[0].contains(says), "{front}: {}", said[0]);
    }
}

/// Read projects.
#[authz_actix::require_permission("project:read")]
#[get("/projects")]
async fn read_projects() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Read projects.
#[authz_axum::require_permission("project:read")]
#[get("/projects")]
async fn read_projects_on_axum() -> &'static str {
    "[]"
}

/// Two requests to a misassembled app; each must be refused with a 500.
fn child(front: &str) {
    let runtime = actix_rt::Runtime::new().expect("runtime");
    match front {
        // Routes mounted, `ResolveActor` forgotten.
        "actix" => runtime.block_on(async {
            let app = actix_web::test::init_service(actix_web::App::new().configure(
                authz_actix::mount(|r| {
                    r.service(read_projects);
                }),
            ))
            .await;
            for _ in 0..2 {
                let req = actix_web::test::TestRequest::get().uri("/projects").to_request();
                let status = actix_web::test::call_service(&app, req).await.status();
                assert_eq!(status.as_u16(), 500);
            }
        }),
        // `CurrentActor` in a handler of a plain router, which no `App` serves.
        "axum" => runtime.block_on(async {
            let router: axum::Router = axum::Router::new().route(
                "/me",
                axum::routing::get(|actor: authz_axum::CurrentActor| async move {
                    actor.id().to_string()
                }),
            );
            for _ in 0..2 {
                let req =
                    http::Request::get("/me").body(axum::body::Body::empty()).expect("request");
                let mut service = router.clone();
                let answer = tower_service::Service::call(&mut service, req).await.expect("answer");
                assert_eq!(answer.status().as_u16(), 500);
            }
        }),
        // A declared handler routed by a plain router instead of `Routes` and `App`.
        "axum-router" => runtime.block_on(async {
            let router: axum::Router =
                axum::Router::new().route("/projects", axum::routing::get(read_projects_on_axum));
            for _ in 0..2 {
                let req = http::Request::get("/projects")
                    .body(axum::body::Body::empty())
                    .expect("request");
                let mut service = router.clone();
                let answer = tower_service::Service::call(&mut service, req).await.expect("answer");
                assert_eq!(answer.status().as_u16(), 500);
            }
        }),
        other => panic!("no such front end: {other}"),
    }
}
