//! Refusals in the app's own shape on axum: the app's responder shapes every refusal — the
//! gate's, `CurrentActor`'s, a service's `Denied`, the fallbacks' — and a route's own responder
//! takes precedence; a hidden resource still answers exactly as a missing one.

mod support;

use authz_axum::problem::Refusal;
use authz_axum::{
    Actor, App, AuthzError, Catalog, Denied, Permission, PermissionDef, RoleDef, Routes,
    require_permission,
};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use support::{get, send};

const READ: Permission = Permission::new("report:read");
static CATALOG: Catalog = Catalog::new(
    &[PermissionDef { permission: READ, description: "Read reports" }],
    &[
        RoleDef { name: "analyst", permissions: &[READ] },
        RoleDef { name: "guest", permissions: &[] },
    ],
);

/// The app's error envelope.
fn json_api(_: &Parts, refusal: Refusal) -> Response {
    let status = refusal.status();
    (
        status,
        [("content-type", "application/vnd.api+json")],
        format!(r#"{{"errors":[{{"status":"{}"}}]}}"#, status.as_u16()),
    )
        .into_response()
}

/// A route's own shape.
fn plain_text(_: &Parts, refusal: Refusal) -> Response {
    (refusal.status(), "no").into_response()
}

/// A responder that answers the wrong status.
fn wrong(_: &Parts, _: Refusal) -> Response {
    (http::StatusCode::OK, "fine").into_response()
}

/// Read a report; report 0 is hidden by the service.
#[require_permission("report:read", deny = not_found)]
#[get("/reports/{id}")]
async fn report(axum::extract::Path(id): axum::extract::Path<u32>) -> Result<String, Denied> {
    if id == 0 {
        return Err(Denied::from(AuthzError::NotFound));
    }
    Ok(format!("report {id}"))
}

/// Write a report.
#[require_permission("report:read", responder = plain_text)]
#[post("/reports")]
async fn write() -> &'static str {
    "written"
}

/// Export.
#[require_permission("report:read", responder = wrong)]
#[get("/export")]
async fn export() -> &'static str {
    "exported"
}

fn routes(r: &mut Routes<'_>) {
    r.service(report).service(write).service(export);
}

async fn resolve(parts: &Parts) -> Result<Option<Actor>, authz_axum::UnknownRole> {
    match authz_axum::credentials::bearer(parts) {
        Some("ana") => CATALOG.actor(2, ["analyst"]).map(Some),
        Some("gus") => CATALOG.actor(3, ["guest"]).map(Some),
        _ => Ok(None),
    }
}

#[tokio::test]
async fn every_refusal_takes_the_apps_shape_and_hidden_stays_missing() {
    let addr = support::serve(App::new(routes, resolve).responder(json_api)).await;
    let anonymous = get(addr, "/reports/1", None).await;
    assert_eq!(
        (anonymous.status, anonymous.body.as_str()),
        (401, r#"{"errors":[{"status":"401"}]}"#)
    );
    assert_eq!(anonymous.header("www-authenticate"), Some("Bearer"), "the challenge is added");
    let hidden = get(addr, "/reports/1", Some("gus")).await;
    let by_service = get(addr, "/reports/0", Some("ana")).await;
    let missing = get(addr, "/nothing", Some("ana")).await;
    assert_eq!(missing.header("content-type"), Some("application/vnd.api+json"));
    for answer in [&hidden, &by_service] {
        assert_eq!(
            (answer.status, &answer.headers, &answer.body),
            (404, &missing.headers, &missing.body)
        );
    }
    let method = send(addr, "DELETE", "/reports/1", &[]).await;
    assert_eq!((method.status, method.header("allow")), (405, Some("GET, HEAD")));
    assert_eq!(method.body, r#"{"errors":[{"status":"405"}]}"#);
    // The route's own responder wins for its refusals.
    let own = send(addr, "POST", "/reports", &[("authorization", "Bearer gus")]).await;
    assert_eq!((own.status, own.body.as_str()), (403, "no"));
    // A responder that answers another status: the generic body, with the refusal's status.
    let generic = get(addr, "/export", Some("gus")).await;
    assert_eq!((generic.status, generic.body.as_str()), (403, authz_axum::problem::FORBIDDEN));
    assert_eq!(get(addr, "/reports/1", Some("ana")).await.body, "report 1");
}
