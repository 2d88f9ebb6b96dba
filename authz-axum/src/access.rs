//! Who can call an endpoint, and access expectations in CI, on axum: authz-core's
//! [`expectations`](authz_core::expectations), with the matcher axum routes by (matchit).

use std::path::Path;

use authz_core::Expectation;
use authz_core::matrix::{Endpoint, Matrix};

pub use authz_core::Lint;

/// Whether axum's router would route `path` to `pattern`: matchit, the matcher axum uses, asked
/// with that one pattern.
fn matches(pattern: &str, path: &str) -> bool {
    let mut router = matchit::Router::new();
    router.insert(pattern, ()).is_ok() && router.at(path).is_ok()
}

/// The endpoint `method` `path` names: a path as the matrix writes it (`/projects/{id}`), or one
/// a client would send (`/projects/7`), matched as axum matches it.
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

#[cfg(test)]
mod tests {
    #[test]
    fn concrete_paths_match_as_axum_matches_them() {
        assert!(super::matches("/projects/{id}", "/projects/7"));
        assert!(!super::matches("/projects/{id}", "/projects/7/"));
        assert!(super::matches("/files/{*rest}", "/files/a/b"));
        assert!(!super::matches("/projects", "/Projects"));
    }
}
