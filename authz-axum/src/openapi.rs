//! The declarations in an app's utoipa OpenAPI document (feature `utoipa`).
//!
//! [`document`] builds it the way utoipa-axum's `OpenApiRouter` does — from the routes as they
//! are registered — but through [`Routes`], which accepts declared handlers only:
//! each handler's `#[utoipa::path]`, written below its declaration, gives its operation (and the
//! schemas it refers to, as utoipa-axum's `routes!` reads them), added at the full path and
//! methods `Routes` serves it at — scope prefixes included, whatever path the attribute names.
//! Then authz-core's [`apply`] adds what each operation requires, from the same records as the
//! matrix:
//!
//! ```
//! use authz_axum::{Routes, require_permission};
//! use utoipa::OpenApi;
//!
//! /// Read a project.
//! #[require_permission("project:read")]
//! #[utoipa::path(responses((status = 200, description = "The project")))]
//! #[get("/{id}")]
//! async fn read_project() -> &'static str {
//!     "{}"
//! }
//!
//! fn routes(r: &mut Routes<'_>) {
//!     r.scope("/projects", |r| {
//!         r.service(read_project);
//!     });
//! }
//!
//! #[derive(OpenApi)]
//! #[openapi(info(title = "projects"))]
//! struct ApiDoc;
//!
//! let doc = authz_axum::openapi::document(routes, ApiDoc::openapi(), None, "bearer");
//! let json = serde_json::to_value(&doc).unwrap();
//! let operation = &json["paths"]["/projects/{id}"]["get"];
//! assert_eq!(operation["x-authz"]["requirement"], "project:read");
//! assert_eq!(operation["summary"], "Read a project.");
//! authz_axum::openapi::check(&doc, &authz_axum::routes::matrix(routes, None)).unwrap();
//! ```
//!
//! A `#[utoipa::path]` written *above* the declaration is expanded before it, so `Routes` cannot
//! see it: list such handlers in the base document's `#[openapi(paths(...))]` as usual; [`check`]
//! reports a declared operation the document lacks.
//!
//! utoipa-axum's `OpenApiRouter` itself is not used: it routes whatever it is given, so an app
//! served through it could serve what nothing declares.

pub use authz_core::openapi::*;

use utoipa::openapi::OpenApi;
use utoipa::openapi::path::HttpMethod;

use authz_core::Catalog;

use crate::routes::{Layout, Routes};

/// `base` with the `#[utoipa::path]` operation of every declared handler `routes` registers (at
/// its full path), then [`apply`]'s additions over the matrix of `routes`.
///
/// # Panics
///
/// When the routes are inconsistent (see [`routes::check`](crate::routes::check)), as
/// [`routes::matrix`](crate::routes::matrix) does.
pub fn document<S, F>(
    routes: F,
    base: OpenApi,
    catalog: Option<&'static Catalog>,
    scheme: &str,
) -> OpenApi
where
    S: Clone + Send + Sync + 'static,
    F: FnOnce(&mut Routes<'_, S>),
{
    let layout = Layout::build(routes);
    let mut doc = base;
    for collected in &layout.operations {
        let methods = collected.methods.iter().filter_map(|m| http_method(m)).collect();
        doc.paths.add_path_operation(&collected.path, methods, collected.operation.clone());
        let components = doc.components.get_or_insert_with(Default::default);
        components.schemas.extend(collected.schemas.iter().cloned());
    }
    apply(&mut doc, &layout.matrix(catalog), scheme);
    doc
}

/// utoipa's name for a method the macros accept (OpenAPI has no `CONNECT` operation).
fn http_method(method: &str) -> Option<HttpMethod> {
    Some(match method {
        "GET" => HttpMethod::Get,
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        "HEAD" => HttpMethod::Head,
        "OPTIONS" => HttpMethod::Options,
        "TRACE" => HttpMethod::Trace,
        _ => return None,
    })
}
