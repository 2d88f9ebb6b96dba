//! The audit trail: one `tracing` event, target `authz`, per decision on a gated route — the
//! same fields, in the same order, as the actix front end writes.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams};
use http::request::Parts;

use authz_core::RouteMeta;

/// One audit event per decision, target `authz`: allows at DEBUG, denials at INFO, and
/// misconfiguration or resolver failure at ERROR. What the event says of the request is read
/// only when the event is enabled. No token or header is ever recorded.
macro_rules! audit {
    ($level:ident, $app:expr, $head:expr, $labels:expr, $route:expr, $actor:expr, ($outcome:expr, $reason:expr), $text:expr, $status:expr $(, $key:ident = $value:expr)*) => {{
        let app: &$crate::context::Shared = $app;
        let outcome: ::authz_core::telemetry::Outcome = $outcome;
        if let ::core::option::Option::Some(telemetry) = &app.telemetry {
            let (route, method, started): (&str, &::http::Method, ::core::option::Option<::std::time::Instant>) = $labels;
            telemetry.count(route, method, outcome, $reason);
            telemetry.decided(route, method, outcome, started);
        }
        // Drawn now when the answer carries it (the app explains refusals), else only if the
        // event is written.
        let id = app.explain.then(::authz_core::DecisionId::next);
        if ::tracing::enabled!(target: "authz", ::tracing::Level::$level) {
            let head: &$crate::audit::Head = &$head;
            let route: &'static ::authz_core::RouteMeta = $route;
            ::std::mem::drop(::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| ::tracing::event!(
                target: "authz",
                ::tracing::Level::$level,
                actor = %$actor,
                route = %head.pattern(route),
                resource = %head.resource(),
                method = %head.method,
                handler = route.handler,
                requirement = %route.requirement_text().unwrap_or_else(|| "public".to_owned()),
                decision = outcome.decision(),
                reason = $text,
                $($key = %$value,)*
                status = $status,
                decision_id = %id.unwrap_or_else(::authz_core::DecisionId::next),
                matrix = %app.digest,
                "authorization decision"
            ))));
        }
        id
    }};
}

/// The labels a decision is counted under — the pattern axum matched (the route's own path if
/// none) and the method — and when the gate started on it, if the decision is timed.
pub(crate) fn labels<'a>(
    parts: &'a Parts,
    route: &'static RouteMeta,
    started: Option<std::time::Instant>,
) -> (&'a str, &'a http::Method, Option<std::time::Instant>) {
    let pattern = parts.extensions.get::<MatchedPath>().map_or(route.path, MatchedPath::as_str);
    (pattern, &parts.method, started)
}

pub(crate) use audit;

/// What an audit event says of the request: read from its head once the event is known to be
/// written, and kept past the handler (which takes the request) for the event of an allow.
pub(crate) struct Head {
    pub(crate) method: http::Method,
    matched: Option<MatchedPath>,
    params: Option<RawPathParams>,
}

impl Head {
    pub(crate) fn of(parts: &mut Parts) -> Head {
        Head {
            method: parts.method.clone(),
            matched: parts.extensions.get::<MatchedPath>().cloned(),
            params: params(parts),
        }
    }

    /// A head of which only the method is known.
    pub(crate) fn bare(method: http::Method) -> Head {
        Head { method, matched: None, params: None }
    }

    /// The route's full pattern as axum matched it (`/teams/{team_id}/projects`).
    pub(crate) fn pattern(&self, route: &'static RouteMeta) -> &str {
        self.matched.as_ref().map_or(route.path, MatchedPath::as_str)
    }

    /// The resource the request names: its path parameters as axum decoded them (`id=7`), each
    /// value cut to 64 characters and escaped, so a crafted path cannot forge or flood a log
    /// line; `-` for a route without parameters.
    pub(crate) fn resource(&self) -> Resource<'_> {
        Resource(self.params.as_ref())
    }
}

/// The path parameters as axum decoded them, in the path's order; `None` when one is not UTF-8
/// once decoded.
pub(crate) fn params(parts: &mut Parts) -> Option<RawPathParams> {
    let fut = std::pin::pin!(RawPathParams::from_request_parts(parts, &()));
    // axum's extractor answers at once: it reads what routing stored in the request.
    match fut.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Ok(params)) => Some(params),
        Poll::Ready(Err(_)) | Poll::Pending => None,
    }
}

/// See [`Head::resource`].
pub(crate) struct Resource<'a>(Option<&'a RawPathParams>);

impl fmt::Display for Resource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut any = false;
        for (name, value) in self.0.iter().flat_map(|params| params.iter()) {
            if any {
                f.write_str(",")?;
            }
            any = true;
            write!(f, "{name}={}", Escaped(value))?;
        }
        if !any {
            f.write_str("-")?;
        }
        Ok(())
    }
}

/// Text from the request, cut to 64 characters and escaped for a log line.
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.0.chars();
        for c in chars.by_ref().take(64) {
            write!(f, "{}", c.escape_debug())?;
        }
        if chars.next().is_some() {
            f.write_str("…")?;
        }
        Ok(())
    }
}

pub(crate) const ANONYMOUS: &str = "anonymous";

/// A refusal for a misassembled app: an ERROR event (target `authz`) on every such request, and,
/// once per `said`, a line on standard error when the process installed no `tracing` subscriber
/// to hear it — a new app, before it sets up logging, as authz-actix says a forgotten
/// `ResolveActor`.
#[cold]
pub(crate) fn misassembled(said: &AtomicBool, why: &str) {
    tracing::error!(target: "authz", "{why}");
    if !tracing::dispatcher::has_been_set() && !said.swap(true, Ordering::Relaxed) {
        eprintln!("authz: {why}");
    }
}
