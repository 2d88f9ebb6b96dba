//! The declarations in a utoipa document, on axum: a `#[utoipa::path]` below the declaration is
//! found by `#[openapi(paths(...))]`, and `openapi::apply` adds what the matrix says.

use authz_axum::{Routes, public, require_permission};
use utoipa::OpenApi;

/// Read the reports.
#[require_permission("report:read", deny = not_found)]
#[utoipa::path(responses((status = 200, description = "The reports")))]
#[get("/reports/{id}")]
async fn reports(axum::extract::Path(id): axum::extract::Path<u32>) -> String {
    id.to_string()
}

/// Health check.
#[public("probes")]
#[utoipa::path(responses((status = 200, description = "Up")))]
#[get("/health")]
async fn health() -> &'static str {
    "ok"
}

#[derive(OpenApi)]
#[openapi(paths(reports, health))]
struct ApiDoc;

fn routes(r: &mut Routes<'_>) {
    r.service(health);
    r.scope("/v1", |r| {
        r.service(reports);
    });
}

#[test]
fn operations_carry_what_the_matrix_says() {
    let matrix = authz_axum::routes::matrix(routes, None);
    let mut doc = ApiDoc::openapi();
    // The document's paths are the handlers' own; the matrix's are full: the app says where
    // the scope is, as utoipa's `nest` would.
    let paths = std::mem::take(&mut doc.paths.paths);
    for (path, item) in paths {
        let full = if path == "/health" { path } else { format!("/v1{path}") };
        doc.paths.paths.insert(full, item);
    }
    authz_axum::openapi::apply(&mut doc, &matrix, "bearer");
    authz_axum::openapi::check(&doc, &matrix).expect("every operation declared and documented");
    let json: serde_json::Value =
        serde_json::from_str(&doc.to_json().expect("json")).expect("json");
    let op = &json["paths"]["/v1/reports/{id}"]["get"];
    assert_eq!(op["x-authz"]["requirement"], "report:read", "{op}");
    assert!(op["responses"]["404"].is_object(), "the hidden denial is documented: {op}");
    assert_eq!(json["paths"]["/health"]["get"]["security"], serde_json::json!([]));
}
