//! Reading credentials from `Authorization` for a [`Resolver`](crate::Resolver): what apps add
//! actix-web-httpauth for, without its middleware.
//!
//! authz's resolver already runs where credentials are needed — at the first gate or
//! [`CurrentActor`](crate::CurrentActor) of a request, after every scope middleware — and a
//! missing or unusable credential already answers `401` with `WWW-Authenticate` in the app's
//! refusal shape. So a resolver only needs to read the header: these functions do, as RFC 9110
//! §11 says (the scheme is case-insensitive; one header, one credential). actix-web-httpauth's
//! `HttpAuthentication` middleware answers `401` itself, with an empty body, before authz sees
//! the request (and so refuses the test kit's injected actors too, which carry no header); use it
//! only in front of routes authz does not gate, or not at all.
//!
//! ```
//! use actix_web::HttpRequest;
//! use authz_actix::{credentials, Actor};
//!
//! async fn resolve(req: HttpRequest) -> Result<Option<Actor>, std::convert::Infallible> {
//!     let Some(token) = credentials::bearer(&req) else { return Ok(None) };
//!     // Look the token up (hashed) in your store.
//!     let _ = token;
//!     Ok(None)
//! }
//! ```

use actix_web::HttpRequest;
use actix_web::http::header::AUTHORIZATION;
use base64::Engine;

/// The token of `Authorization: Bearer <token>` (RFC 6750 §2.1), the scheme in any case.
///
/// `None` when there is no such header, when there are several (which credential would count?),
/// for another scheme, for more than one space after it, or when the token is not RFC 9110's
/// `token68` (letters, digits and `-._~+/`, then any `=`).
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    authz_core::credentials::bearer(headers(req))
}

/// The user id and password of `Authorization: Basic <base64>` (RFC 7617), the scheme in any
/// case: `None` under the same conditions as [`bearer`], or when the credential is not base64 of
/// UTF-8 `user:password`.
pub fn basic(req: &HttpRequest) -> Option<(String, String)> {
    let encoded = authz_core::credentials::credential(headers(req), "basic")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// The request's `Authorization` headers, as bytes.
fn headers(req: &HttpRequest) -> impl Iterator<Item = &[u8]> {
    req.headers().get_all(AUTHORIZATION).map(|value| value.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::{basic, bearer};
    use actix_web::test::TestRequest;

    fn with(values: &[&str]) -> actix_web::HttpRequest {
        values
            .iter()
            .fold(TestRequest::get(), |req, v| req.append_header(("authorization", *v)))
            .to_http_request()
    }

    #[test]
    fn bearer_reads_one_token68_after_the_scheme_in_any_case() {
        for (header, token) in [
            ("Bearer abc123", Some("abc123")),
            ("bearer abc123", Some("abc123")),
            ("BEARER a.b-c_d~e+f/g==", Some("a.b-c_d~e+f/g==")),
            ("Bearer  abc123", None),
            ("Bearer", None),
            ("Bearer ", None),
            ("Bearerabc", None),
            ("Basic abc123", None),
            ("Bearer abc 123", None),
            ("Bearer ab=c", None),
            ("Bearer ==", None),
        ] {
            assert_eq!(bearer(&with(&[header])), token, "{header:?}");
        }
        assert_eq!(bearer(&with(&[])), None);
        assert_eq!(bearer(&with(&["Bearer a", "Bearer b"])), None, "two credentials: neither");
    }

    #[test]
    fn basic_decodes_user_and_password() {
        // "ada:open sesame" and "ada:" and "no colon"
        assert_eq!(
            basic(&with(&["Basic YWRhOm9wZW4gc2VzYW1l"])),
            Some(("ada".into(), "open sesame".into()))
        );
        assert_eq!(basic(&with(&["basic YWRhOg=="])), Some(("ada".into(), String::new())));
        assert_eq!(basic(&with(&["Basic bm8gY29sb24="])), None);
        assert_eq!(basic(&with(&["Basic !!!"])), None);
        assert_eq!(basic(&with(&["Bearer YWRhOm9wZW4gc2VzYW1l"])), None);
    }
}
