//! Refusals as axum responses: authz-core's `application/problem+json` bodies, byte for byte
//! what the actix front end sends, and the mark that tells [`App`](crate::App) a declared
//! endpoint answered.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::{self, HeaderValue};

use authz_core::problem::CHALLENGE;
pub use authz_core::problem::{
    FORBIDDEN, INTERNAL, METHOD_NOT_ALLOWED, NOT_FOUND, PROBLEM_JSON, UNAUTHORIZED,
};
use authz_core::{AuthzError, Refused};

/// The mark on a response that a declared endpoint (or authz's own fallback) gave it, in the
/// response's extensions, where no client can see or send it. (A header [`App`](crate::App) takes
/// off measured ~80 instructions a request more: inserting and removing a custom header name
/// hashes it twice; `benches/axum-instructions.sh`.)
#[derive(Clone, Copy)]
pub(crate) struct Served;

/// A refusal a [responder](crate::App::responder) shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// `401`: no actor could be established.
    Unauthenticated,
    /// `403`: the actor may not do this.
    Forbidden,
    /// `404`: missing, or hidden (the two must not differ).
    NotFound,
    /// `405`: declared routes match the path, none the method. authz adds the `Allow` header
    /// after the responder.
    MethodNotAllowed,
    /// `500`: authorization could not be decided.
    Internal,
}

impl Refusal {
    /// The status every response to this refusal carries.
    pub fn status(self) -> StatusCode {
        match self {
            Refusal::Unauthenticated => StatusCode::UNAUTHORIZED,
            Refusal::Forbidden => StatusCode::FORBIDDEN,
            Refusal::NotFound => StatusCode::NOT_FOUND,
            Refusal::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Refusal::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<AuthzError> for Refusal {
    fn from(err: AuthzError) -> Self {
        match err {
            AuthzError::Unauthenticated => Refusal::Unauthenticated,
            AuthzError::Forbidden => Refusal::Forbidden,
            AuthzError::NotFound | AuthzError::Missing => Refusal::NotFound,
        }
    }
}

/// A route's own responder, `#[require_permission(..., responder = path::to::fn)]`: it shapes the
/// route's refusals in place of the app's.
pub type RouteResponder = fn(&http::request::Parts, Refusal) -> Response;

/// The app's responder ([`App::responder`](crate::App::responder)).
pub(crate) type AppResponder =
    std::sync::Arc<dyn Fn(&http::request::Parts, Refusal) -> Response + Send + Sync>;

/// The generic answer to `refusal`.
fn generic(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Unauthenticated => response(AuthzError::Unauthenticated),
        Refusal::Forbidden => response(AuthzError::Forbidden),
        Refusal::NotFound => response(AuthzError::NotFound),
        Refusal::MethodNotAllowed => method_not_allowed(),
        Refusal::Internal => internal_error(),
    }
}

/// `refusal` as the route's responder, else the app's, shapes it — the generic body when
/// neither is given, when the responder answers another status (logged) or panics (logged). A
/// 401 always carries the `WWW-Authenticate` challenge.
pub(crate) fn shaped(
    parts: &http::request::Parts,
    refusal: Refusal,
    route: Option<RouteResponder>,
    app: Option<&AppResponder>,
) -> Response {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    let custom = match (route, app) {
        (Some(f), _) => Some(catch_unwind(AssertUnwindSafe(|| f(parts, refusal)))),
        (None, Some(f)) => Some(catch_unwind(AssertUnwindSafe(|| f(parts, refusal)))),
        (None, None) => None,
    };
    let mut res = match custom {
        None => generic(refusal),
        Some(Ok(res)) if res.status() == refusal.status() => res,
        Some(Ok(res)) => {
            tracing::error!(target: "authz", expected = %refusal.status(), answered = %res.status(), "refusal responder answered another status; generic body sent");
            generic(refusal)
        }
        Some(Err(_)) => {
            tracing::error!(target: "authz", status = %refusal.status(), "refusal responder panicked; generic body sent");
            generic(refusal)
        }
    };
    if refusal == Refusal::Unauthenticated && !res.headers().contains_key(header::WWW_AUTHENTICATE)
    {
        res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(CHALLENGE));
    }
    res
}

/// The mark on a refusal a service made (`Denied`): what the audit event says of it.
#[derive(Clone, Copy)]
pub(crate) struct ServiceRefusal(pub(crate) Refused);

fn problem(status: StatusCode, body: &'static str) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

/// The generic answer to `err`: 401 (with its `WWW-Authenticate` challenge), 403 or 404.
pub fn response(err: AuthzError) -> Response {
    match err {
        AuthzError::Unauthenticated => {
            let mut res = problem(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(CHALLENGE));
            res
        }
        AuthzError::Forbidden => problem(StatusCode::FORBIDDEN, FORBIDDEN),
        AuthzError::NotFound | AuthzError::Missing => problem(StatusCode::NOT_FOUND, NOT_FOUND),
    }
}

/// The generic 500 used when authorization cannot be decided (resolver failure, an undeclared
/// endpoint): the request is refused, never served.
pub fn internal_error() -> Response {
    problem(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL)
}

/// `response`, marked as a declared endpoint's.
pub(crate) fn served(mut response: Response) -> Response {
    response.extensions_mut().insert(Served);
    response
}

/// `response` with `Connection: close`: the request's body, if any, is not read.
pub(crate) fn closing(mut response: Response) -> Response {
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// The explained 403 for permissions the actor lacked (the app explains refusals).
pub(crate) fn forbidden_missing(
    missing: &[authz_core::Permission],
    parts: &http::request::Parts,
) -> Response {
    let mut response = Response::new(Body::from(authz_core::problem::forbidden_missing(missing)));
    *response.status_mut() = StatusCode::FORBIDDEN;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    unread(served(response), parts)
}

/// A service policy's 403 with the reason it marked safe to show (the app explains refusals).
pub(crate) fn reason_shown(response: Response, shown: &str) -> Response {
    let (mut head, _) = response.into_parts();
    head.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(head, Body::from(authz_core::problem::forbidden_reason(shown)))
}

/// The header carrying a decision's id when the app explains refusals (see `App::explain`).
pub const DECISION_ID: &str = authz_core::problem::DECISION_ID;

/// Adds the decision's id to `response`, unless it is a 404: a hidden resource's answer must
/// not differ from a missing one's.
pub(crate) fn stamp(response: &mut Response, id: Option<authz_core::DecisionId>) {
    let Some(id) = id else { return };
    if response.status() == StatusCode::NOT_FOUND {
        return;
    }
    if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
        response.headers_mut().insert(header::HeaderName::from_static(DECISION_ID), value);
    }
}

/// A refusal at the gate, shaped by the route's or the app's responder: marked, and closing the
/// connection when the request has a body nobody read.
pub(crate) fn refusal(
    refusal: Refusal,
    parts: &http::request::Parts,
    route: Option<RouteResponder>,
    app: Option<&AppResponder>,
) -> Response {
    unread(served(shaped(parts, refusal, route, app)), parts)
}

/// Closes the connection after `response` when the request announced a body: it is refused
/// before anything read it, and it is never read.
pub(crate) fn unread(response: Response, parts: &http::request::Parts) -> Response {
    let has_body = parts.headers.contains_key(header::TRANSFER_ENCODING)
        || parts
            .headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() != b"0");
    if has_body { closing(response) } else { response }
}

/// The mark on a 404 answered for a method a hidden route does not take: axum would add its
/// `Allow` to it, and a hidden route's 404 must be a missing one's, byte for byte.
#[derive(Clone, Copy)]
pub(crate) struct WithoutAllow;

/// The 405 for a declared path in a method none of its routes takes (the caller adds `Allow`).
pub(crate) fn method_not_allowed() -> Response {
    problem(StatusCode::METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED)
}

/// A refusal a service returns from a gated handler: `Err(Denied(...))` through `?`, answered
/// with the generic body for its error and audited as the route's denial.
///
/// ```
/// use authz_axum::{Authorizer, Decision, Deny, Denied};
///
/// async fn archive(archived: bool) -> Result<&'static str, Denied> {
///     let decision = if archived { Decision::deny("archived") } else { Decision::allow("editor") };
///     Authorizer::require(decision, Deny::Forbidden)?;
///     Ok("archived")
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied(pub Refused);

impl Denied {
    /// The refusal's kind.
    pub fn error(&self) -> AuthzError {
        self.0.error
    }
}

impl From<AuthzError> for Denied {
    fn from(err: AuthzError) -> Self {
        Denied(Refused::from(err))
    }
}

impl From<Refused> for Denied {
    fn from(refused: Refused) -> Self {
        Denied(refused)
    }
}

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.error.fmt(f)
    }
}

impl std::error::Error for Denied {}

impl IntoResponse for Denied {
    fn into_response(self) -> Response {
        let mut res = response(self.0.error);
        res.extensions_mut().insert(ServiceRefusal(self.0));
        res
    }
}

/// A public service's answers, marked as a declared endpoint's.
#[derive(Clone)]
pub(crate) struct MarkServed<T>(pub(crate) T);

impl<T> tower_service::Service<axum::extract::Request> for MarkServed<T>
where
    T: tower_service::Service<axum::extract::Request, Error = std::convert::Infallible>,
    T::Response: IntoResponse,
    T::Future: Send + 'static,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Response, std::convert::Infallible>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), std::convert::Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: axum::extract::Request) -> Self::Future {
        // A test kit probe: the service is declared; it is not run.
        #[cfg(feature = "test-kit")]
        if req.extensions().get::<crate::marks::Probe>().is_some() {
            let mut probed = Response::new(Body::empty());
            *probed.status_mut() = StatusCode::NO_CONTENT;
            return Box::pin(std::future::ready(Ok(served(probed))));
        }
        let fut = self.0.call(req);
        Box::pin(async move {
            let response = match fut.await {
                Ok(response) => response.into_response(),
                Err(never) => match never {},
            };
            Ok(served(response))
        })
    }
}
