//! Full paths as served: handlers mounted at the root, under a scope, under nested scopes and
//! through `configure` appear in the matrix with their full path — and a real request to every
//! row's path gets the documented answer, for anonymous callers and for every role.

use actix_web::dev::Service;
use actix_web::{App, HttpResponse, delete, get, patch, post, test, web};
use authz_actix::matrix::RoleOutcome;
use authz_actix::{Actor, ResolveActor, Routes, mount, policy, public, require_permission};
use authz_tests::{CATALOG, resolve};

/// Health check.
#[public("uptime probes")]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// List projects.
#[require_permission(authenticated)]
#[get("")]
async fn list_projects() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Create a project.
#[require_permission("project:write")]
#[post("")]
async fn create_project() -> HttpResponse {
    HttpResponse::Created().finish()
}

/// Read a project.
#[require_permission(any("project:read", "project:write"), deny = not_found)]
#[get("/{id}")]
async fn read_project(_id: web::Path<i64>) -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Not archived, and project:write or the owner.
#[policy(rule = "project:write OR owner")]
pub fn can_edit_project(_actor: &Actor, _owner: i64) -> bool {
    true
}

/// Update a project.
#[require_permission(authenticated, policy = can_edit_project)]
#[patch("/{id}")]
async fn update_project(_id: web::Path<i64>) -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Delete a member of a project.
#[require_permission(all("project:delete", "user:admin"))]
#[delete("/{id}/members/{member}")]
async fn remove_member(_ids: web::Path<(i64, i64)>) -> HttpResponse {
    HttpResponse::NoContent().finish()
}

mod admin {
    use super::*;

    /// List users.
    #[require_permission("user:admin")]
    #[get("/users")]
    async fn list_users() -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    /// Routes kept in another module, brought in with `configure`.
    pub fn routes(r: &mut Routes<'_>) {
        r.scope("/admin", |r| {
            r.service(list_users);
        });
    }
}

fn routes(r: &mut Routes<'_>) {
    r.service(health);
    r.scope("/api", |r| {
        r.scope("/projects", |r| {
            r.service(list_projects)
                .service(create_project)
                .service(read_project)
                .service(update_project);
            r.service(remove_member);
        });
        r.configure(admin::routes);
    });
}

const EXPECTED: &[(&str, &str, &str, &str)] = &[
    // path, method, required, unauthorized response
    ("/api/admin/users", "GET", "user:admin", "403"),
    ("/api/projects", "GET", "authenticated", "403"),
    ("/api/projects", "POST", "project:write", "403"),
    ("/api/projects/{id}", "GET", "project:read OR project:write", "404 (hides existence)"),
    ("/api/projects/{id}", "PATCH", "project:write OR owner", "403"),
    ("/api/projects/{id}/members/{member}", "DELETE", "project:delete AND user:admin", "403"),
    ("/health", "GET", "none (public: uptime probes)", "—"),
];

/// A concrete path for a pattern.
fn sample(pattern: &str) -> String {
    pattern.replace("{id}", "7").replace("{member}", "9")
}

#[actix_rt::test]
async fn full_paths_and_real_answers() {
    let matrix = authz_actix::routes::matrix(routes, Some(&CATALOG));
    let rows: Vec<(String, String)> =
        matrix.endpoints().iter().map(|e| (e.path.clone(), e.method.clone())).collect();
    let want: Vec<(String, String)> =
        EXPECTED.iter().map(|(p, m, _, _)| (p.to_string(), m.to_string())).collect();
    assert_eq!(rows, want, "rows sorted by path then method, with full paths");

    let markdown = matrix.to_markdown("cargo test");
    for (path, method, required, unauthorized) in EXPECTED {
        let row = format!("| `{path}` | {method} |");
        let line = markdown
            .lines()
            .find(|l| l.starts_with(&row))
            .unwrap_or_else(|| panic!("no row {row}"));
        assert!(line.contains(&format!("| {required} |")), "{line}");
        assert!(line.ends_with(&format!("| {unauthorized} |")), "{line}");
    }
    assert!(
        markdown.contains("`can_edit_project`: Not archived, and project:write or the owner"),
        "{markdown}"
    );

    let app =
        test::init_service(App::new().wrap(ResolveActor::new(resolve)).configure(mount(routes)))
            .await;

    assert_eq!(
        authz_actix::test::undeclared_routes(&app).await,
        [],
        "every served route is declared"
    );

    let mut cells = 0;
    for endpoint in matrix.endpoints() {
        let method =
            actix_web::http::Method::from_bytes(endpoint.method.as_bytes()).expect("method");
        let uri = sample(&endpoint.path);
        // Anonymous: public rows are served, every other row answers 401.
        let res = app
            .call(test::TestRequest::default().method(method.clone()).uri(&uri).to_request())
            .await
            .expect("response");
        let anonymous = if endpoint.route.is_public() { 200 } else { 401 };
        assert_eq!(res.status().as_u16(), anonymous, "anonymous {} {uri}", endpoint.method);
        cells += 1;
        // Each role: what the matrix says is what the server does.
        for (i, role) in CATALOG.roles().iter().enumerate() {
            let token = format!("Bearer {}-{}", role.name, 100 + i);
            let req = test::TestRequest::default()
                .method(method.clone())
                .uri(&uri)
                .insert_header(("authorization", token));
            let res = app.call(req.to_request()).await.expect("response");
            let status = res.status().as_u16();
            match matrix.role_outcome(role.name, endpoint).expect("role") {
                RoleOutcome::Public
                | RoleOutcome::Allowed
                | RoleOutcome::InScope(_)
                | RoleOutcome::DependsOnPolicy(_)
                | RoleOutcome::Filtered(_) => {
                    assert!(
                        (200..300).contains(&status),
                        "{} {} {uri}: {status}",
                        role.name,
                        endpoint.method
                    )
                }
                // No actor here holds a role in any scope: an outsider everywhere.
                RoleOutcome::Denied(want) | RoleOutcome::DeniedInScope(_, _, want) => {
                    assert_eq!(status, want, "{} {} {uri}", role.name, endpoint.method)
                }
            }
            cells += 1;
        }
    }
    assert_eq!(cells, EXPECTED.len() * (1 + CATALOG.roles().len()));
}

// `test` is actix's here; the plain test attribute by full path.
#[::core::prelude::v1::test]
fn json_and_csv_carry_every_row() {
    let matrix = authz_actix::routes::matrix(routes, Some(&CATALOG));
    let json: serde_json::Value = serde_json::from_str(&matrix.to_json()).expect("valid JSON");
    assert_eq!(json["schema"], authz_actix::matrix::SCHEMA);
    let endpoints = json["endpoints"].as_array().expect("endpoints");
    assert_eq!(endpoints.len(), EXPECTED.len());
    let patch = endpoints.iter().find(|e| e["method"] == "PATCH").expect("PATCH row");
    assert_eq!(patch["path"], "/api/projects/{id}");
    assert_eq!(patch["policy"]["name"], "can_edit_project");
    assert_eq!(patch["policy"]["rule"], "project:write OR owner");
    assert_eq!(patch["roles"]["member"], "policy");
    assert_eq!(patch["deny_status"], 403);
    assert!(patch["file"].as_str().is_some_and(|f| f.ends_with("matrix.rs")));
    assert!(patch["line"].as_u64().is_some_and(|l| l > 0));
    let read = endpoints
        .iter()
        .find(|e| e["path"] == "/api/projects/{id}" && e["method"] == "GET")
        .expect("GET row");
    assert_eq!(read["permissions"], serde_json::json!(["project:read", "project:write"]));
    assert_eq!(read["roles"]["member"], "denied");
    assert_eq!(json["roles"].as_array().map(Vec::len), Some(CATALOG.roles().len()));
    assert_eq!(json["permissions"].as_array().map(Vec::len), Some(CATALOG.permissions().len()));

    let csv = matrix.to_csv();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1 + EXPECTED.len());
    assert!(lines[0].starts_with("Endpoint,Method,Operation,Required permission(s)"));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("/health,GET,Health check,none (public: uptime probes),"))
    );

    // Deterministic: the same routes render the same bytes.
    assert_eq!(matrix.to_json(), authz_actix::routes::matrix(routes, Some(&CATALOG)).to_json());
}

/// Pong.
#[public("probes")]
#[get("pong")]
async fn pong() -> HttpResponse {
    HttpResponse::Ok().body("pong")
}

/// Ping.
#[require_permission("project:read", operation = "Ping | echo\nback")]
#[get("ping")]
async fn ping() -> HttpResponse {
    HttpResponse::Ok().body("ping")
}

fn unslashed(r: &mut Routes<'_>) {
    r.scope("v1", |r| {
        r.service(pong);
    });
    r.scope("/api", |r| {
        r.service(ping);
    });
}

/// Paths without a leading `/` are rendered exactly as actix joins them, and served there.
#[actix_rt::test]
async fn rows_render_paths_as_actix_joins_them() {
    let matrix = authz_actix::routes::matrix(unslashed, Some(&CATALOG));
    let rows: Vec<&str> = matrix.endpoints().iter().map(|e| e.path.as_str()).collect();
    assert_eq!(rows, ["/api/ping", "/v1/pong"]);
    let markdown = matrix.to_markdown("cargo test");
    assert!(markdown.contains("| `/api/ping` | GET | Ping \\| echo back |"), "{markdown}");

    let app =
        test::init_service(App::new().wrap(ResolveActor::new(resolve)).configure(mount(unslashed)))
            .await;
    let res = test::call_service(&app, test::TestRequest::get().uri("/v1/pong").to_request()).await;
    assert_eq!(test::read_body(res).await, "pong");
    let req = test::TestRequest::get()
        .uri("/api/ping")
        .insert_header(("authorization", "Bearer admin-1"));
    let res = test::call_service(&app, req.to_request()).await;
    assert_eq!(test::read_body(res).await, "ping");
}

/// Tenant users, public.
#[public("tenant directory")]
#[get("/{tenant}/users")]
async fn tenant_users() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Admin users.
#[require_permission("user:admin")]
#[get("/admin/users")]
async fn admin_users() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Admin users again, another handler.
#[require_permission("project:read")]
#[get("/users")]
async fn admin_users_again() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn shadowed(r: &mut Routes<'_>) {
    r.service(tenant_users).service(admin_users);
}

fn twice(r: &mut Routes<'_>) {
    r.service(admin_users);
    r.scope("/admin", |r| {
        r.service(admin_users_again);
    });
}

fn shadowed_by_public_scope(r: &mut Routes<'_>) {
    r.public_service("/admin", "legacy pages", web::resource("/{page}").to(HttpResponse::Ok));
    r.service(admin_users);
}

/// A declared route that an earlier pattern shadows, or a second declaration for one path and
/// method, is an error in `check`, in `matrix` and at `mount`: the matrix would say what the app
/// does not do.
#[::core::prelude::v1::test]
fn shadowed_and_duplicate_routes_are_errors() {
    let error = authz_actix::routes::check(shadowed).expect_err("shadowed");
    assert_eq!(error.problems.len(), 1, "{error}");
    assert!(error.problems[0].starts_with("`/admin/users` (`admin_users` at "), "{error}");
    assert!(
        error.problems[0].contains("is shadowed by `/{tenant}/users` (`tenant_users` at "),
        "{error}"
    );

    let error = authz_actix::routes::check(twice).expect_err("twice");
    assert!(
        error.problems[0]
            .starts_with("`GET /admin/users` is declared twice: `admin_users_again` at "),
        "{error}"
    );

    let error = authz_actix::routes::check(shadowed_by_public_scope).expect_err("public scope");
    assert!(error.problems[0].contains("is shadowed by `/admin`"), "{error}");

    assert!(authz_actix::routes::check(routes).is_ok());
    assert!(authz_actix::routes::check(unslashed).is_ok());

    let matrix = std::panic::catch_unwind(|| authz_actix::routes::matrix(shadowed, Some(&CATALOG)));
    let message = matrix.expect_err("matrix refuses").downcast::<String>().expect("message");
    assert!(message.contains("is shadowed by"), "{message}");
    let mounted = std::panic::catch_unwind(|| App::new().configure(mount(twice)));
    assert!(mounted.is_err(), "mount refuses");
}

/// A report by number, public.
#[public("published reports")]
#[get("/reports/{id:\\d+}")]
async fn numbered_report() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// A report by name, for admins.
#[require_permission("user:admin")]
#[get("/reports/{name}")]
async fn named_report() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn regex_shadowed(r: &mut Routes<'_>) {
    r.service(numbered_report).service(named_report);
}

/// Patterns are compared by what they match: `/reports/{id:\d+}` takes `GET /reports/7`,
/// which the later `/reports/{name}` row would document as admin-only.
#[::core::prelude::v1::test]
fn a_route_shadowed_for_some_paths_is_an_error() {
    let error = authz_actix::routes::check(regex_shadowed).expect_err("shadowed");
    assert!(error.problems[0].contains("`/reports/{name}` (`named_report` at "), "{error}");
    assert!(error.problems[0].contains("is shadowed by `/reports/{id:\\d+}`"), "{error}");
    // In the other order `/reports/{name}` takes every number too: the public row would lie.
    let error = authz_actix::routes::check(|r: &mut Routes<'_>| {
        r.service(named_report).service(numbered_report);
    })
    .expect_err("shadowed the other way");
    assert!(error.problems[0].contains("`/reports/{id:\\d+}` (`numbered_report` at "), "{error}");
}

fn one_name_twice(r: &mut Routes<'_>) {
    r.scope("/orgs/{id}", |r| {
        r.scope("/projects", |r| {
            r.service(read_project);
        });
    });
}

/// A parameter name that a scope prefix and its route both use would be read from the prefix by
/// every lookup by name (a team scope's id among them): refused wherever the routes are checked.
#[::core::prelude::v1::test]
fn a_parameter_named_twice_in_one_full_path_is_an_error() {
    let error = authz_actix::routes::check(one_name_twice).expect_err("named twice");
    assert_eq!(error.problems.len(), 1, "{error}");
    assert!(
        error.problems[0].starts_with("`/orgs/{id}/projects/{id}` (`read_project` at "),
        "{error}"
    );
    assert!(error.problems[0].contains("names the path parameter `id` twice"), "{error}");
    assert!(
        std::panic::catch_unwind(|| authz_actix::routes::matrix(one_name_twice, Some(&CATALOG)))
            .is_err()
    );
}

/// `mount` inside a scope would serve paths its matrix does not show (and prefixes nobody
/// checked): refused when the app is built.
#[::core::prelude::v1::test]
fn mount_inside_a_scope_is_refused_when_the_app_is_built() {
    let built = std::thread::spawn(|| {
        actix_rt::System::new().block_on(async {
            let app = App::new()
                .wrap(ResolveActor::new(resolve))
                .service(web::scope("/v3").configure(mount(routes)));
            drop(test::init_service(app).await);
        })
    })
    .join();
    let panic = built.expect_err("refused");
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or(panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or_default();
    assert!(message.contains("`mount` must configure the `App` itself"), "{message}");
}
