//! Denial responses: `application/problem+json` (RFC 9457) with generic text.
//!
//! Every body here is a fixed string: no permission name, policy, actor or internal detail ever
//! reaches the client. The 404 is produced by one function whether the resource is missing or
//! hidden, which is what makes the two byte-identical; install [`not_found`] as the app's default
//! service so unmatched paths answer the same bytes too.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::AuthzError;

/// The media type of every denial body.
pub const PROBLEM_JSON: &str = "application/problem+json";

const UNAUTHORIZED: &str = r#"{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Authentication is required to access this resource."}"#;
const FORBIDDEN: &str = r#"{"type":"about:blank","title":"Forbidden","status":403,"detail":"You do not have permission to perform this action."}"#;
const NOT_FOUND: &str = r#"{"type":"about:blank","title":"Not Found","status":404,"detail":"The requested resource was not found."}"#;
const INTERNAL: &str = r#"{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"The request could not be processed."}"#;

fn problem(status: StatusCode, body: &'static str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .body(body)
}

/// Marks a response as an authorization refusal, so the gate audits it as the denial.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Refusal(AuthzError);

impl Refusal {
    pub(crate) fn status(self) -> u16 {
        match self.0 {
            AuthzError::Unauthenticated => 401,
            AuthzError::Forbidden => 403,
            AuthzError::NotFound => 404,
        }
    }
}

/// The response for `err`. A 401 carries `WWW-Authenticate: Bearer`.
pub fn response(err: AuthzError) -> HttpResponse {
    let mut res = bare_response(err);
    res.extensions_mut().insert(Refusal(err));
    res
}

fn bare_response(err: AuthzError) -> HttpResponse {
    match err {
        AuthzError::Unauthenticated => {
            let mut res = problem(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            res
        }
        AuthzError::Forbidden => problem(StatusCode::FORBIDDEN, FORBIDDEN),
        AuthzError::NotFound => problem(StatusCode::NOT_FOUND, NOT_FOUND),
    }
}

/// The generic 500 used when authorization cannot be decided (resolver failure, missing
/// middleware): the request is refused, never served.
pub fn internal_error() -> HttpResponse {
    problem(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL)
}

/// A default service answering exactly what a hidden resource answers.
///
/// ```
/// use actix_web::{web, App};
/// let app = App::new().default_service(web::to(authz_actix::problem::not_found));
/// ```
pub async fn not_found() -> HttpResponse {
    bare_response(AuthzError::NotFound)
}

/// An [`AuthzError`] as an actix error, so handlers and services can use `?`.
///
/// ```
/// use actix_web::HttpResponse;
/// use authz_actix::{Authorizer, Denied, Deny};
///
/// async fn handler() -> Result<HttpResponse, Denied> {
///     Authorizer::require(false, Deny::NotFound)?;
///     Ok(HttpResponse::Ok().finish())
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied(pub AuthzError);

impl From<AuthzError> for Denied {
    fn from(err: AuthzError) -> Self {
        Denied(err)
    }
}

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Denied {}

impl ResponseError for Denied {
    fn status_code(&self) -> StatusCode {
        match self.0 {
            AuthzError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AuthzError::Forbidden => StatusCode::FORBIDDEN,
            AuthzError::NotFound => StatusCode::NOT_FOUND,
        }
    }

    fn error_response(&self) -> HttpResponse {
        response(self.0)
    }
}
