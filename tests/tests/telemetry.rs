//! Decision telemetry through the `metrics` facade: off unless the app opts in; on, one count per
//! audited decision, labelled from declarations only, and the gate, resolver and grant store
//! timed by the app's clock.

use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, get, test, web};
use authz_actix::{Grants, ResolveActor, Telemetry, require_permission};
use authz_tests::{CATALOG, MemoryGrants, resolve};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Read a project.
#[require_permission("project:read", deny = not_found)]
#[get("/projects/{id}")]
async fn read_project(id: web::Path<u32>) -> HttpResponse {
    HttpResponse::Ok().body(id.to_string())
}

/// Hidden by the service unless it is document 1.
#[require_permission("project:read")]
#[get("/documents/{id}")]
async fn read_document(id: web::Path<u32>) -> Result<HttpResponse, authz_actix::Denied> {
    authz_actix::Authorizer::require(*id == 1, authz_actix::Deny::NotFound)?;
    Ok(HttpResponse::Ok().finish())
}

/// List a team's projects.
#[require_permission("project:write", scope = team(path = "team_id"))]
#[get("/teams/{team_id}/projects")]
async fn list_team(team_id: web::Path<i64>) -> HttpResponse {
    HttpResponse::Ok().body(format!("team {team_id}"))
}

async fn undeclared() -> HttpResponse {
    HttpResponse::Ok().body("served without a declaration")
}

/// A recorder for this thread only, so the tests of this file do not see each other's counts.
fn recorder() -> (PrometheusHandle, metrics::LocalRecorderGuard<'static>) {
    let recorder: &'static _ = Box::leak(Box::new(PrometheusBuilder::new().build_recorder()));
    (recorder.handle(), metrics::set_default_local_recorder(recorder))
}

async fn get(
    app: &impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
    uri: &str,
    token: Option<&str>,
) -> u16 {
    let mut req = test::TestRequest::get().uri(uri);
    if let Some(token) = token {
        req = req.insert_header(("authorization", format!("Bearer {token}")));
    }
    // A refusal made before routing is an error the server answers (500).
    match test::try_call_service(app, req.to_request()).await {
        Ok(res) => res.status().as_u16(),
        Err(e) => e.as_response_error().status_code().as_u16(),
    }
}

/// The sample of `series` (a metric name with its labels, as Prometheus text writes them).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

#[actix_rt::test]
async fn without_the_opt_in_nothing_is_recorded() {
    let (handle, _guard) = recorder();
    let app = test::init_service(App::new().wrap(ResolveActor::new(resolve)).configure(
        authz_actix::mount(|r| {
            r.service(read_project);
        }),
    ))
    .await;
    for token in [Some("editor-7"), Some("member-8"), None] {
        get(&app, "/projects/1", token).await;
    }
    assert_eq!(handle.render().trim(), "", "recorded without the opt-in");
}

#[actix_rt::test]
async fn every_decision_is_counted_by_route_method_outcome_and_reason() {
    let (handle, _guard) = recorder();
    let store = MemoryGrants::new(&[(8, 1, "editor"), (9, 1, "member")]);
    let app = test::init_service(
        App::new()
            .wrap(ResolveActor::new(resolve))
            .app_data(Telemetry::new().time_one_in(1))
            .app_data(Grants::new(store.clone(), &CATALOG))
            .service(web::resource("/undeclared").to(undeclared))
            .configure(authz_actix::mount(|r| {
                r.service(read_project).service(read_document).scope("/v1", |r| {
                    r.service(list_team);
                });
            })),
    )
    .await;
    let cases = [
        ("/projects/1", Some("editor-7"), 200),
        ("/projects/123456789", Some("editor-7"), 200),
        ("/projects/1", Some("member-8"), 404),
        ("/projects/1", None, 401),
        ("/projects/1", Some("down"), 500),
        ("/documents/1", Some("editor-7"), 200),
        ("/documents/2", Some("editor-7"), 404),
        ("/v1/teams/1/projects", Some("member-8"), 200),
        ("/v1/teams/1/projects", Some("member-9"), 403),
        ("/v1/teams/2/projects", Some("member-9"), 403),
        ("/v1/teams/01/projects", Some("member-9"), 404),
        ("/undeclared", Some("editor-7"), 500),
    ];
    for (uri, token, status) in cases {
        assert_eq!(get(&app, uri, token).await, status, "{uri} {token:?}");
    }
    let text = handle.render();
    let count = |labels: &str| sample(&text, &format!("authz_decisions_total{{{labels}}}"));
    for (labels, n) in [
        (r#"route="/projects/{id}",method="GET",outcome="allow",reason="requirement""#, 2.0),
        (r#"route="/projects/{id}",method="GET",outcome="deny",reason="requirement""#, 1.0),
        (r#"route="/projects/{id}",method="GET",outcome="unauthenticated",reason="no_actor""#, 1.0),
        (r#"route="/projects/{id}",method="GET",outcome="error",reason="resolver""#, 1.0),
        (r#"route="/documents/{id}",method="GET",outcome="allow",reason="requirement""#, 1.0),
        (r#"route="/documents/{id}",method="GET",outcome="deny",reason="policy""#, 1.0),
        (
            r#"route="/v1/teams/{team_id}/projects",method="GET",outcome="allow",reason="requirement""#,
            1.0,
        ),
        (
            r#"route="/v1/teams/{team_id}/projects",method="GET",outcome="deny",reason="requirement""#,
            1.0,
        ),
        (
            r#"route="/v1/teams/{team_id}/projects",method="GET",outcome="deny",reason="no_role_in_scope""#,
            1.0,
        ),
        (
            r#"route="/v1/teams/{team_id}/projects",method="GET",outcome="not_found",reason="no_such_scope""#,
            1.0,
        ),
    ] {
        assert_eq!(count(labels), Some(n), "{labels} in\n{text}");
    }
    let decisions: f64 = text
        .lines()
        .filter(|l| l.starts_with("authz_decisions_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert_eq!(decisions, 11.0, "one count per decision:\n{text}");
    assert_eq!(sample(&text, r#"authz_undeclared_requests_total{method="GET"}"#), Some(1.0));
    // Labels come from declarations: no id or path a client sent is a label value.
    for sent in ["123456789", "/undeclared", "/teams/01", "/projects/1\"", "/teams/1/"] {
        assert!(!text.contains(sent), "{sent} became a label:\n{text}");
    }
    // The gate timed each of its verdicts: two allows at `/projects/{id}` (the service's refusal
    // at `/documents/{id}` is timed under the gate's allow).
    assert_eq!(
        sample(
            &text,
            r#"authz_decision_duration_seconds_count{route="/projects/{id}",method="GET",outcome="allow"}"#
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"authz_decision_duration_seconds_count{route="/documents/{id}",method="GET",outcome="allow"}"#
        ),
        Some(2.0),
        "{text}"
    );
    // The store was asked for member-8 and member-9 in team 1, and member-9 in team 2.
    assert_eq!(
        sample(&text, r#"authz_grant_store_duration_seconds_count{outcome="ok"}"#),
        Some(3.0),
        "{text}"
    );
}

#[actix_rt::test]
async fn the_gate_times_the_resolver_and_itself_by_the_apps_clock() {
    let (handle, _guard) = recorder();
    let (clock, mock) = quanta::Clock::mock();
    // A resolver that takes 250 ms of the mock clock's time.
    let slow = move |req: HttpRequest| {
        let mock = mock.clone();
        async move {
            mock.increment(Duration::from_millis(250));
            let editor = req.headers().contains_key("authorization");
            Ok::<_, std::convert::Infallible>(
                editor.then(|| CATALOG.actor(7, ["editor"]).expect("editor")),
            )
        }
    };
    let app = test::init_service(
        App::new()
            .wrap(ResolveActor::new(slow))
            .app_data(Telemetry::with_clock(clock).time_one_in(1))
            .configure(authz_actix::mount(|r| {
                r.service(read_project);
            })),
    )
    .await;
    assert_eq!(get(&app, "/projects/1", Some("anyone")).await, 200);
    assert_eq!(get(&app, "/projects/1", None).await, 401);
    let text = handle.render();
    for (series, seconds) in [
        (r#"authz_resolver_duration_seconds_sum{outcome="actor"}"#, 0.25),
        (r#"authz_resolver_duration_seconds_sum{outcome="anonymous"}"#, 0.25),
        (
            r#"authz_decision_duration_seconds_sum{route="/projects/{id}",method="GET",outcome="allow"}"#,
            0.25,
        ),
        (
            r#"authz_decision_duration_seconds_sum{route="/projects/{id}",method="GET",outcome="unauthenticated"}"#,
            0.25,
        ),
    ] {
        let got = sample(&text, series).unwrap_or_else(|| panic!("{series} missing:\n{text}"));
        assert!((got - seconds).abs() < 1e-6, "{series}: {got}, not {seconds}");
    }
}

#[actix_rt::test]
async fn by_default_every_decision_is_counted_and_one_in_sixteen_timed() {
    let (handle, _guard) = recorder();
    let app = test::init_service(
        App::new().wrap(ResolveActor::new(resolve)).app_data(Telemetry::new()).configure(
            authz_actix::mount(|r| {
                r.service(read_project);
            }),
        ),
    )
    .await;
    for _ in 0..33 {
        assert_eq!(get(&app, "/projects/1", Some("editor-7")).await, 200);
    }
    let text = handle.render();
    let allow = r#"{route="/projects/{id}",method="GET",outcome="allow"#;
    assert_eq!(
        sample(&text, &format!(r#"authz_decisions_total{allow}",reason="requirement"}}"#)),
        Some(33.0),
        "{text}"
    );
    // The 1st, 17th and 33rd.
    assert_eq!(
        sample(&text, &format!(r#"authz_decision_duration_seconds_count{allow}"}}"#)),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"authz_resolver_duration_seconds_count{outcome="actor"}"#),
        Some(3.0),
        "{text}"
    );
}
