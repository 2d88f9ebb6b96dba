//! Reading credentials from `Authorization` for a [`Resolver`](crate::Resolver), as RFC 9110
//! §11 says (the scheme is case-insensitive; one header, one credential) — the same spellings
//! the actix front end accepts, from the same code.
//!
//! ```
//! use authz_axum::credentials;
//!
//! let req = http::Request::get("/").header("authorization", "Bearer abc123").body(()).unwrap();
//! let (parts, ()) = req.into_parts();
//! assert_eq!(credentials::bearer(&parts), Some("abc123"));
//! ```

use http::header::AUTHORIZATION;
use http::request::Parts;

/// The token of `Authorization: Bearer <token>` (RFC 6750 §2.1), the scheme in any case.
///
/// `None` when there is no such header, when there are several (which credential would count?),
/// for another scheme, for more than one space after it, or when the token is not RFC 9110's
/// `token68` (letters, digits and `-._~+/`, then any `=`).
pub fn bearer(parts: &Parts) -> Option<&str> {
    authz_core::credentials::bearer(
        parts.headers.get_all(AUTHORIZATION).iter().map(|v| v.as_bytes()),
    )
}
