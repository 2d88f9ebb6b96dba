//! One mistake, one error: a declaration with a typo is still registered through `Routes`, and
//! the only error is the typo's — no "has no authorization declaration" at `r.service(...)`.

use axum::response::Response as HttpResponse;
use authz_axum::{require_permission, Routes};

/// Write a report.
#[require_permission("project:wirte")]
#[get("/reports")]
async fn write_report() -> HttpResponse {
    HttpResponse::default()
}

/// Read a report: an unknown argument.
#[require_permission("project:read", dney = not_found)]
#[get("/reports/{id}")]
async fn read_report() -> HttpResponse {
    HttpResponse::default()
}

fn routes(r: &mut Routes<'_>) {
    r.service(write_report).service(read_report);
}

fn main() {
    let _ = routes;
}
