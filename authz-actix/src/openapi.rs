//! The declarations in an app's OpenAPI document (feature `utoipa`): what every operation
//! requires, how it refuses, and the permission catalog — from the same records as the matrix,
//! so the document cannot drift from the code either.
//!
//! Handlers keep their `#[utoipa::path]` (or `#[path]` with utoipa's macro imported), above or
//! below `#[require_permission]`; below it, the route attribute's method and path are used unless
//! the attribute gives its own. The document is built as usual, then [`apply`] adds to every
//! declared operation:
//!
//! - `security`: the app's scheme for a gated operation (`[]`, none, for a public one);
//! - `x-authz`: the requirement, its permissions, the denial, the policies or the public reason —
//!   the matrix row, as data;
//! - the `401`, `403` and `404` responses the matrix says the operation can give, with the
//!   `application/problem+json` schema (`Problem`);
//!
//! and to the document: the security scheme (HTTP bearer unless the app declared it) and
//! `x-authz-catalog` (every permission with its description and the roles that grant it).
//! [`check`] reports operations one side has and the other lacks.
//!
//! ```
//! # #[cfg(feature = "utoipa")] {
//! use actix_web::{get, HttpResponse};
//! use authz_actix::{require_permission, Routes};
//! use utoipa::OpenApi;
//!
//! /// List reports.
//! #[utoipa::path(get, path = "/reports", responses((status = 200, description = "The reports")))]
//! #[require_permission("report:read")]
//! #[get("/reports")]
//! async fn reports() -> HttpResponse { HttpResponse::Ok().finish() }
//!
//! #[derive(OpenApi)]
//! #[openapi(paths(reports))]
//! struct ApiDoc;
//!
//! fn routes(r: &mut Routes<'_>) { r.service(reports); }
//!
//! let matrix = authz_actix::routes::matrix(routes, None);
//! let mut doc = ApiDoc::openapi();
//! authz_actix::openapi::apply(&mut doc, &matrix, "bearer");
//! authz_actix::openapi::check(&doc, &matrix).unwrap();
//! let json = doc.to_json().unwrap();
//! assert!(json.contains(r#""x-authz":{"#));
//! # }
//! ```

pub use authz_core::openapi::*;
