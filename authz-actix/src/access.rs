//! Who can call an endpoint, and access expectations in CI, on actix-web: authz-core's
//! [`expectations`](authz_core::expectations), with actix's own pattern matcher.

use std::path::Path;

use authz_core::Expectation;
use authz_core::matrix::{Endpoint, Matrix};

pub use authz_core::Lint;

/// Whether actix routes `path` to `pattern`.
fn matches(pattern: &str, path: &str) -> bool {
    actix_web::dev::ResourceDef::new(pattern).is_match(path)
}

/// The endpoint `method` `path` names: a path as the matrix writes it (`/projects/{id}`), or one
/// a client would send (`/projects/7`), matched with actix's own pattern matcher.
pub fn find<'m>(matrix: &'m Matrix, method: &str, path: &str) -> Option<&'m Endpoint> {
    authz_core::expectations::find(matrix, method, path, &matches)
}

/// `who-can METHOD PATH` as text (see [`authz_core::expectations::who_can`]).
pub fn who_can(matrix: &Matrix, method: &str, path: &str) -> Result<String, String> {
    authz_core::expectations::who_can(matrix, method, path, &matches)
}

/// Reads the expectations in the TOML file at `path` (see [`authz_core::expectations`]).
pub fn read_expectations(path: &Path) -> Result<Vec<Expectation>, String> {
    authz_core::expectations::read(path)
}
