//! Denial responses: `application/problem+json` (RFC 9457) with generic text, or the app's own
//! shape through a [responder](crate::Routes::responder).
//!
//! Every body here is a fixed string: no permission name, policy, actor or internal detail ever
//! reaches the client. The 404 is produced by one function whether the resource is missing or
//! hidden, which is what makes the two byte-identical — with a responder too, since every refusal
//! goes through it: the gate's, a service's `Denied` returned by a gated handler (reshaped at the
//! gate), `CurrentActor`'s and the default service's. `ResolveActor`'s own 500 (a request routed
//! to an undeclared service, or a panic outside any gate) stays generic: routing consumed the
//! request, so there is none to hand a responder.
//!
//! ```
//! use actix_web::{HttpRequest, HttpResponse};
//! use authz_actix::problem::Refusal;
//!
//! /// Refusals in the app's JSON:API error envelope.
//! fn json_api(_req: &HttpRequest, refusal: Refusal) -> HttpResponse {
//!     HttpResponse::build(refusal.status())
//!         .content_type("application/vnd.api+json")
//!         .body(format!(r#"{{"errors":[{{"status":"{}"}}]}}"#, refusal.status().as_u16()))
//! }
//!
//! let app = actix_web::App::new().configure(authz_actix::mount(|r| {
//!     r.responder(json_api);
//! }));
//! ```

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};

use authz_core::{AuthzError, Refused};

/// The media type of every denial body.
pub const PROBLEM_JSON: &str = authz_core::problem::PROBLEM_JSON;

use authz_core::problem::{FORBIDDEN, INTERNAL, METHOD_NOT_ALLOWED, NOT_FOUND, UNAUTHORIZED};

fn problem(err: AuthzError, body: &'static str) -> HttpResponse {
    problem_with(
        StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body,
    )
}

fn problem_with(status: StatusCode, body: &'static str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .body(body)
}

/// Marks a response as an authorization refusal, so the gate audits it as the denial (and
/// reshapes it with the app's responder).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark(Refused);

impl Mark {
    pub(crate) fn error(self) -> AuthzError {
        self.0.error
    }

    /// The policy's reasons, when a service refused with a `Decision`'s.
    pub(crate) fn refused(self) -> Refused {
        self.0
    }

    pub(crate) fn refusal(self) -> Refusal {
        Refusal::from(self.0.error)
    }
}

/// A refusal a [responder](crate::Routes::responder) shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// `401`: no actor could be established.
    Unauthenticated,
    /// `403`: the actor may not do this.
    Forbidden,
    /// `404`: missing, or hidden (the two must not differ).
    NotFound,
    /// `405`: declared routes match the path, none the method. The response gets an `Allow`
    /// header listing theirs (authz adds it after the responder).
    MethodNotAllowed,
    /// `500`: authorization could not be decided, or the route is undeclared.
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

    fn error(self) -> Option<AuthzError> {
        match self {
            Refusal::Unauthenticated => Some(AuthzError::Unauthenticated),
            Refusal::Forbidden => Some(AuthzError::Forbidden),
            Refusal::NotFound => Some(AuthzError::NotFound),
            Refusal::MethodNotAllowed | Refusal::Internal => None,
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

/// A route's own responder, `#[require_permission(..., responder = path::to::fn)]`.
pub type RouteResponder = fn(&HttpRequest, Refusal) -> HttpResponse;

/// The app's responder, installed by [`mount`](crate::mount) from
/// [`Routes::responder`](crate::Routes::responder).
#[derive(Clone)]
pub(crate) struct AppResponder(pub(crate) Rc<ShapeFn>);

/// What shapes a refusal for a request.
pub(crate) type ShapeFn = dyn Fn(&HttpRequest, Refusal) -> HttpResponse;

/// The response for `err` (an [`AuthzError`], or a policy's [`Refused`] with its reasons),
/// generic. A 401 carries `WWW-Authenticate: Bearer`.
pub fn response(err: impl Into<Refused>) -> HttpResponse {
    refused_response(err.into())
}

/// The generic response for a policy's refusal, its reasons kept for the audit event and, when
/// the app explains refusals, a `403`'s body.
fn refused_response(refused: Refused) -> HttpResponse {
    let mut res = bare_response(refused.error);
    res.extensions_mut().insert(Mark(refused));
    res
}

/// The response to `req` for `refusal`, in the app's shape when it declared a
/// [responder](crate::Routes::responder), else generic: what an app's own code answers to stay
/// identical to authz's refusals (a public handler's "not found", say).
pub fn respond(req: &HttpRequest, refusal: Refusal) -> HttpResponse {
    shaped(req, refusal, None)
}

/// The answer to `req` for a resource that does not exist: byte for byte what a hidden one gets
/// ([`respond`] with [`Refusal::NotFound`]; a responder cannot tell the two apart), audited as
/// not found rather than as a denial — `Denied::from(AuthzError::Missing)` for code that has a request.
pub fn missing(req: &HttpRequest) -> HttpResponse {
    let mut res = respond(req, Refusal::NotFound);
    res.extensions_mut().insert(Mark(Refused::from(AuthzError::Missing)));
    res
}

/// `refusal` for `req`: the route's responder, else the app's, else the generic body. A responder
/// that panics or answers another status is not trusted: the generic body answers, and the
/// failure is logged. A 401 always carries `WWW-Authenticate`.
pub(crate) fn shaped(
    req: &HttpRequest,
    refusal: Refusal,
    route: Option<RouteResponder>,
) -> HttpResponse {
    let custom = match route {
        Some(f) => Some(catch_unwind(AssertUnwindSafe(|| f(req, refusal)))),
        None => req
            .app_data::<AppResponder>()
            .map(|app| catch_unwind(AssertUnwindSafe(|| (app.0)(req, refusal)))),
    };
    let mut res = match custom {
        None => generic(refusal),
        Some(Ok(res)) if res.status() == refusal.status() => res,
        Some(Ok(res)) => {
            crate::note::note!(error, target: "authz", expected = %refusal.status(), answered = %res.status(), "refusal responder answered another status; generic body sent");
            generic(refusal)
        }
        Some(Err(_)) => {
            crate::note::note!(error, target: "authz", status = %refusal.status(), "refusal responder panicked; generic body sent");
            generic(refusal)
        }
    };
    if refusal == Refusal::Unauthenticated && !res.headers().contains_key(header::WWW_AUTHENTICATE)
    {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(authz_core::problem::CHALLENGE),
        );
    }
    if let Some(err) = refusal.error() {
        res.extensions_mut().insert(Mark(Refused::from(err)));
    }
    res.extensions_mut().insert(refusal);
    res
}

/// Whether `res` is a refusal authz (or a service's [`Denied`]) made.
pub(crate) fn is_refusal<B>(res: &HttpResponse<B>) -> bool {
    let extensions = res.extensions();
    extensions.contains::<Refusal>() || extensions.contains::<Mark>()
}

/// The body stream of a request that has one, shared between the app and its refusal.
///
/// actix-http decides what to do with an unread body when it sends the response, and again once
/// the response is written: while the reader is alive it closes the connection after the answer
/// (lingering for `HttpServer::client_disconnect_timeout`, 1 s by default, so the client reads
/// it); once the reader is dropped, a chunked body is read to its end, without limit. A handler,
/// an extractor or a middleware that refuses drops its reader before that, so
/// [`ResolveActor`](crate::ResolveActor) gives the app a handle on the stream and keeps the
/// reader itself; a refusal carries it in its body ([`unread`]) until the response is written.
/// Every other answer lets it go, so a served request's body is handled as actix always does.
pub(crate) struct Keeper {
    // Never read: while it lives, the body's reader does.
    _reader: Rc<std::cell::RefCell<actix_web::dev::Payload>>,
}

impl Keeper {
    /// Shares `req`'s body stream, if it has one.
    pub(crate) fn share(req: &mut actix_web::dev::ServiceRequest) -> Option<Keeper> {
        if !has_body(req) {
            return None;
        }
        let shared = Rc::new(std::cell::RefCell::new(actix_web::HttpMessage::take_payload(req)));
        req.set_payload(actix_web::dev::Payload::Stream {
            payload: Box::pin(Shared(shared.clone())),
        });
        Some(Keeper { _reader: shared })
    }

    /// `res`, holding the body unread until it is written.
    pub(crate) fn hold(self, res: HttpResponse) -> HttpResponse {
        unread(res, Box::new(self))
    }

    /// `error` as an error whose response holds the body unread.
    pub(crate) fn hold_error(self, error: actix_web::Error) -> actix_web::Error {
        let res = self.hold(error.error_response());
        actix_web::error::InternalError::from_response(error.to_string(), res).into()
    }
}

/// The app's handle on a shared body stream.
struct Shared(Rc<std::cell::RefCell<actix_web::dev::Payload>>);

impl futures_util::Stream for Shared {
    type Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>;

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let mut payload = self.0.borrow_mut();
        std::pin::Pin::new(&mut *payload).poll_next(cx)
    }
}

/// A service's refusal (`Denied`, or a response from [`response`]) answered by a handler, which
/// knew no request to shape it for: shaped now, as every other refusal of the app is, when the
/// app or route has a responder. `None` when `res` is no such refusal or nothing reshapes it.
pub(crate) fn reshape<B>(
    res: actix_web::dev::ServiceResponse<B>,
    route: Option<RouteResponder>,
) -> Result<actix_web::dev::ServiceResponse, actix_web::dev::ServiceResponse<B>> {
    let refusal = matches!(res.status().as_u16(), 401 | 403 | 404)
        .then(|| res.response().extensions().get::<Mark>().copied())
        .flatten();
    match refusal {
        Some(mark) if custom(res.request(), route) => {
            let (request, _) = res.into_parts();
            let response = shaped(&request, mark.refusal(), route);
            Ok(actix_web::dev::ServiceResponse::new(request, response))
        }
        _ => Err(res),
    }
}

/// `res` with a boxed body; free when the body is boxed already, as a resource's endpoint boxes
/// it (no `map_body` move).
#[inline]
pub(crate) fn boxed<B: MessageBody + 'static>(
    res: actix_web::dev::ServiceResponse<B>,
) -> actix_web::dev::ServiceResponse<BoxBody> {
    let mut res = Some(res);
    match (&mut res as &mut dyn std::any::Any)
        .downcast_mut::<Option<actix_web::dev::ServiceResponse<BoxBody>>>()
    {
        Some(already) => already.take().unwrap_or_else(|| unreachable!("just set")),
        None => res
            .map(actix_web::dev::ServiceResponse::map_into_boxed_body)
            .unwrap_or_else(|| unreachable!("just set")),
    }
}

/// Whether `req`'s app or route shapes refusals itself.
pub(crate) fn custom(req: &HttpRequest, route: Option<RouteResponder>) -> bool {
    route.is_some() || req.app_data::<AppResponder>().is_some()
}

fn generic(refusal: Refusal) -> HttpResponse {
    match (refusal, refusal.error()) {
        (_, Some(err)) => bare_response(err),
        (Refusal::MethodNotAllowed, None) => {
            problem_with(StatusCode::METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED)
        }
        (_, None) => internal_error(),
    }
}

fn bare_response(err: AuthzError) -> HttpResponse {
    match err {
        AuthzError::Unauthenticated => {
            let mut res = problem(err, UNAUTHORIZED);
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(authz_core::problem::CHALLENGE),
            );
            res
        }
        AuthzError::Forbidden => problem(err, FORBIDDEN),
        AuthzError::NotFound | AuthzError::Missing => problem(err, NOT_FOUND),
    }
}

/// The generic 500 used when authorization cannot be decided (resolver failure, missing
/// middleware): the request is refused, never served.
pub fn internal_error() -> HttpResponse {
    problem_with(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL)
}

/// The generic 500 as an error, for a refusal made where no request is left to answer with
/// (routing consumed it, or the route's own middleware holds it): the connection closes after it,
/// rather than read a body nobody wants.
pub(crate) fn closing_error(cause: &'static str) -> actix_web::Error {
    let mut response = internal_error();
    response.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
    actix_web::error::InternalError::from_response(cause, response).into()
}

/// A handler answering exactly what a hidden resource answers: the default service
/// [`mount`](crate::mount) installs, and what an app's own "not found" should return.
///
/// ```
/// use actix_web::{web, App};
/// use authz_actix::{mount, problem};
///
/// let app = App::new().configure(mount(|r| {
///     r.default_service(web::to(problem::not_found)); // what `mount` installs anyway
/// }));
/// ```
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    respond(&req, Refusal::NotFound)
}

/// `response` as the answer to `req`, refused before anything read its body. When the request
/// has a body, the connection closes after the response and the body is not read: see
/// [`unread`].
pub(crate) fn refusal(
    mut req: actix_web::dev::ServiceRequest,
    response: HttpResponse,
) -> actix_web::dev::ServiceResponse {
    if !has_body(&req) {
        return req.into_response(response);
    }
    let payload = actix_web::HttpMessage::take_payload(&mut req);
    req.into_response(unread(response, Box::new(payload)))
}

/// `response` for a request whose body nobody read, `keep` holding that body's stream.
///
/// actix-http reads an unread request body to its end when its stream was dropped and the body
/// is chunked — without limit, whatever the response says. Kept alive inside the response body
/// until the response is written, the stream is not "dropped" when actix decides what to do with
/// the connection, so it closes it (after lingering for `HttpServer::client_disconnect_timeout`,
/// 1 s by default, so the client reads the answer) instead of reading on.
pub(crate) fn unread(response: HttpResponse, keep: Box<dyn std::any::Any>) -> HttpResponse {
    let mut response = response.map_body(|_, body| BoxBody::new(Holding { body, keep }));
    response.head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
    response
}

pin_project_lite::pin_project! {
    /// A response body that keeps something alive until the response is written.
    struct Holding {
        #[pin]
        body: BoxBody,
        keep: Box<dyn std::any::Any>,
    }
}

impl MessageBody for Holding {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> actix_web::body::BodySize {
        self.body.size()
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<actix_web::web::Bytes, Self::Error>>> {
        self.project().body.poll_next(cx)
    }
}

/// Whether `req` has a body stream: actix-http gives none to a request that declares no body
/// (neither `Content-Length` above 0 nor `Transfer-Encoding`).
#[inline]
pub(crate) fn has_body(req: &actix_web::dev::ServiceRequest) -> bool {
    !matches!(req.parts().1, actix_web::dev::Payload::None)
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
///
/// A `Denied` from [`Authorizer::require`](crate::Authorizer::require) keeps the policy's
/// reasons: the audit event logs the one for the log (`policy_reason`), and an app that explains
/// refusals ([`Explain`]) shows the one the policy marked safe to show in a `403`'s body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied(pub Refused);

impl Denied {
    /// How the refusal is answered.
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
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Denied {}

impl ResponseError for Denied {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The generic body; behind a gate, the app's responder reshapes it (a `Denied` knows no
    /// request).
    fn error_response(&self) -> HttpResponse {
        refused_response(self.0)
    }
}

/// Opt-in, as app data (`App::new().app_data(authz_actix::problem::Explain)`): a `403` the gate
/// answers for permissions the actor lacks carries them in its generic problem body, as the RFC
/// 9457 extension member `missing` (`["project:write"]`). Never in a `404` (hidden stays hidden,
/// byte-identical to missing) nor a `401`; a route or app responder's body is its own and is not
/// changed. Every such refusal's audit event names them (`missing=...`) with or without this.
#[derive(Debug, Clone, Copy)]
pub struct Explain;

pub(crate) use authz_core::audit::Missing;

/// What a request's explained 403 will carry, kept with the request when the app opted in.
struct Lacked(Vec<authz_core::Permission>);

/// Keeps `missing` for `req`'s refusal when the app opted in ([`Explain`]) and the refusal is a 403.
pub(crate) fn explain(
    req: &actix_web::dev::ServiceRequest,
    deny: authz_core::Deny,
    missing: Vec<authz_core::Permission>,
) {
    if deny == authz_core::Deny::Forbidden && req.app_data::<Explain>().is_some() {
        actix_web::HttpMessage::extensions_mut(req).insert(Lacked(missing));
    }
}

/// A service policy's `403`, when the app explains refusals: the generic body with the reason
/// the policy marked safe to show (`Decision::show`) as the RFC 9457 extension member `reason`.
/// Anything else — another status, no shown reason, a body a responder shaped — is unchanged.
pub(crate) fn explained_policy(
    res: actix_web::dev::ServiceResponse,
    route: Option<RouteResponder>,
) -> actix_web::dev::ServiceResponse {
    if res.status() != StatusCode::FORBIDDEN || custom(res.request(), route) {
        return res;
    }
    let Some(shown) = res.response().extensions().get::<Mark>().and_then(|mark| mark.0.shown)
    else {
        return res;
    };
    let body = authz_core::problem::forbidden_reason(shown);
    res.map_body(|head, _| {
        // The length is the new body's.
        head.headers.remove(header::CONTENT_LENGTH);
        BoxBody::new(body)
    })
}

/// The header carrying a decision's id when the app explains refusals ([`Explain`]).
pub const DECISION_ID: &str = authz_core::problem::DECISION_ID;

/// Keeps `id` for the answer to `req`: the app explains refusals.
pub(crate) fn keep_decision_id(req: &HttpRequest, id: crate::ids::DecisionId) {
    actix_web::HttpMessage::extensions_mut(req).insert(id);
}

/// Adds the kept decision id to `headers` (of `req`'s answer, `status`), unless it is a 404: a
/// hidden resource's answer must not differ from a missing one's.
pub(crate) fn stamp_decision_id(
    req: &HttpRequest,
    status: StatusCode,
    headers: &mut actix_web::http::header::HeaderMap,
) {
    let Some(id) = actix_web::HttpMessage::extensions_mut(req).remove::<crate::ids::DecisionId>()
    else {
        return;
    };
    if status == StatusCode::NOT_FOUND {
        return;
    }
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&id.to_string()) {
        headers.insert(actix_web::http::header::HeaderName::from_static(DECISION_ID), value);
    }
}

/// `response` with the kept `missing` member added, when there is one, the response is the
/// generic 403 and no responder shaped it.
pub(crate) fn explained(req: &HttpRequest, response: HttpResponse, shaped: bool) -> HttpResponse {
    let custom = shaped || req.app_data::<AppResponder>().is_some();
    if custom || response.status() != StatusCode::FORBIDDEN {
        return response;
    }
    let Some(Lacked(missing)) = actix_web::HttpMessage::extensions_mut(req).remove::<Lacked>()
    else {
        return response;
    };
    let body = authz_core::problem::forbidden_missing(&missing);
    let mut res = problem_with(StatusCode::FORBIDDEN, "");
    res = res.set_body(actix_web::body::BoxBody::new(body));
    if let Some(mark) = response.extensions().get::<Mark>().copied() {
        res.extensions_mut().insert(mark);
    }
    res
}
