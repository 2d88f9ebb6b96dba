//! The audit trail: one `tracing` event, target `authz`, per decision on a gated route.

use actix_web::dev::ServiceResponse;
use authz_core::RouteMeta;

use crate::problem;
use crate::resolver::Resolution;
use crate::telemetry::{Meter, Outcome, Reason, Started};
use authz_core::AuthzError;
use authz_core::audit::{PolicyName, PolicyReason};

/// The resource a request names: its path parameters as actix decoded them (`id=7`), each value
/// cut to 64 characters and escaped, so a crafted path cannot forge or flood a log line; `-` for
/// a route without parameters.
pub(crate) struct Resource<'a>(pub(crate) &'a actix_web::dev::Path<actix_web::dev::Url>);

impl std::fmt::Display for Resource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut any = false;
        for (name, value) in self.0.iter() {
            if any {
                f.write_str(",")?;
            }
            any = true;
            write!(f, "{name}=")?;
            let mut chars = value.chars();
            for c in chars.by_ref().take(64) {
                write!(f, "{}", c.escape_debug())?;
            }
            if chars.next().is_some() {
                f.write_str("…")?;
            }
        }
        if !any {
            f.write_str("-")?;
        }
        Ok(())
    }
}

/// One audit event per decision, target `authz`: allows at DEBUG, denials at INFO, and
/// misconfiguration or resolver failure at ERROR. Fields are evaluated only when the event is
/// enabled, so a disabled level costs nothing. No token or header is ever recorded.
///
/// `(outcome, reason)` is what decided, as telemetry counts it (in `meter`, when the app opted
/// in; timed from `started` for a decision the gate makes); `$text` says it in the event.
///
/// A subscriber that panics (tracing-subscriber's `fmt` does when its writer fails and it
/// reports that on a closed stderr) loses the event, not the request: the refusal is still
/// answered.
macro_rules! audit {
    // More fields, displayed: `missing = ...` (for a refusal for permissions the actor lacks,
    // which ones), `policy_reason = ...` (a service policy's logged reason).
    ($level:ident, $req:expr, $route:expr, $actor:expr, ($outcome:expr, $reason:expr), $text:expr, $status:expr, $metered:expr $(, $key:ident = $value:expr)*) => {{
        let outcome: $crate::telemetry::Outcome = $outcome;
        let (meter, started): (&$crate::telemetry::Meter, $crate::telemetry::Started) = $metered;
        let http = $crate::telemetry::http(&$req);
        meter.count(http, outcome, $reason, started);
        // Drawn only when the event is written or the answer carries it.
        let id = ::std::cell::OnceCell::new();
        if meter.explains() {
            $crate::problem::keep_decision_id(http, *id.get_or_init($crate::ids::DecisionId::next));
        }
        ::std::mem::drop(::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| tracing::$level!(
            target: "authz",
            actor = %$actor,
            route = %$req.match_pattern().as_deref().unwrap_or($route.path),
            resource = %$crate::audit::Resource($req.match_info()),
            method = %$req.method(),
            handler = $route.handler,
            requirement = %$route.requirement_text().unwrap_or_else(|| "public".to_owned()),
            decision = outcome.decision(),
            reason = $text,
            $($key = %$value,)*
            status = $status,
            decision_id = %$crate::ids::LazyId(&id),
            matrix = %$crate::ids::digest(http),
            "authorization decision"
        ))));
    }};
}

pub(crate) use audit;

/// The audit event for a request the gate let through: a service-level refusal (a response
/// built from an `AuthzError`) is the denial, and is returned; anything else is the allow.
pub(crate) fn audit_outcome<B>(
    res: &ServiceResponse<B>,
    route: &'static RouteMeta,
    resolution: &Resolution,
    in_scope: bool,
    meter: &Meter,
) -> Option<problem::Refusal> {
    let req = res.request();
    let metered = (meter, Started::OFF);
    // `actor_label` runs only when the event is enabled: an allow at DEBUG costs nothing in
    // production.
    // Only a 401, 403 or 404 can be a refusal: other answers skip the lookup.
    let refusal = matches!(res.status().as_u16(), 401 | 403 | 404)
        .then(|| res.response().extensions().get::<problem::Mark>().copied())
        .flatten();
    let policy_reason = PolicyReason(refusal.map_or("", |mark| mark.refused().reason));
    match refusal.map(problem::Mark::error) {
        // Answered as a hidden one, logged as what it is.
        Some(AuthzError::Missing) => audit!(
            info,
            req,
            route,
            actor_label(resolution),
            (Outcome::NotFound, Reason::Missing),
            "no such resource",
            404,
            metered
        ),
        Some(AuthzError::NotFound) => audit!(
            info,
            req,
            route,
            actor_label(resolution),
            (Outcome::Deny, Reason::Policy),
            "hidden by a service-level policy",
            404,
            metered,
            policy = PolicyName(route),
            policy_reason = policy_reason
        ),
        Some(err) => audit!(
            info,
            req,
            route,
            actor_label(resolution),
            (
                if err == AuthzError::Unauthenticated {
                    Outcome::Unauthenticated
                } else {
                    Outcome::Deny
                },
                Reason::Policy
            ),
            "refused by a service-level policy",
            err.status(),
            metered,
            policy = PolicyName(route),
            policy_reason = policy_reason
        ),
        None => audit!(
            debug,
            req,
            route,
            actor_label(resolution),
            (Outcome::Allow, Reason::Requirement),
            // What satisfied it: the actor's global permissions, or its roles in the scope the
            // path names (the event's `resource`).
            if in_scope { "requirement met in the scope" } else { "requirement met" },
            res.status().as_u16(),
            metered
        ),
    }
    refusal.map(problem::Mark::refusal)
}

/// The scope a scoped route's path names (`team 7`), as actix decoded its id; `-` if none.
pub(crate) struct ScopeOf<'a>(
    pub(crate) &'static RouteMeta,
    pub(crate) &'a actix_web::dev::Path<actix_web::dev::Url>,
);

impl std::fmt::Display for ScopeOf<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scope = self.0.scope().and_then(|scope| {
            let id = self.1.get(scope.param).and_then(authz_core::Scope::parse_id)?;
            Some(authz_core::Scope::new(scope.kind, id))
        });
        match scope {
            Some(scope) => write!(f, "\"{scope}\""),
            None => f.write_str("-"),
        }
    }
}

pub(crate) fn actor_label(resolution: &Resolution) -> String {
    match resolution {
        Resolution::Actor(actor) => actor.actor_id().to_string(),
        _ => ANONYMOUS.to_owned(),
    }
}

pub(crate) const ANONYMOUS: &str = "anonymous";
