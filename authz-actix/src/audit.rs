//! The audit trail: one `tracing` event, target `authz`, per decision on a gated route.

use actix_web::dev::ServiceResponse;
use authz_core::RouteMeta;

use crate::problem;
use crate::resolver::Resolution;

/// One audit event per decision, target `authz`: allows at DEBUG, denials at INFO, and
/// misconfiguration or resolver failure at ERROR. Fields are evaluated only when the event is
/// enabled, so a disabled level costs nothing. No token or header is ever recorded.
macro_rules! audit {
    ($level:ident, $req:expr, $route:expr, $actor:expr, $decision:literal, $reason:expr, $status:expr) => {
        tracing::$level!(
            target: "authz",
            actor = %$actor,
            route = %$req.match_pattern().as_deref().unwrap_or($route.path),
            method = %$req.method(),
            handler = $route.handler,
            requirement = %$route.requirement().map_or_else(|| "public".to_owned(), ToString::to_string),
            decision = $decision,
            reason = $reason,
            status = $status,
            "authorization decision"
        )
    };
}

pub(crate) use audit;

/// The audit event for a request the gate let through: a service-level refusal (a response
/// built from an `AuthzError`) is the denial, and is returned; anything else is the allow.
pub(crate) fn audit_outcome<B>(res: &ServiceResponse<B>, route: &'static RouteMeta, resolution: &Resolution) -> Option<problem::Refusal> {
    let req = res.request();
    // `actor_label` runs only when the event is enabled: an allow at DEBUG costs nothing in
    // production.
    // Only a 401, 403 or 404 can be a refusal: other answers skip the lookup.
    let refusal = matches!(res.status().as_u16(), 401 | 403 | 404)
        .then(|| res.response().extensions().get::<problem::Mark>().copied())
        .flatten();
    match refusal {
        Some(refusal) => audit!(info, req, route, actor_label(resolution), "deny", "refused by a service-level policy", refusal.status()),
        None => audit!(debug, req, route, actor_label(resolution), "allow", "requirement met", res.status().as_u16()),
    }
    refusal.map(problem::Mark::refusal)
}

pub(crate) fn actor_label(resolution: &Resolution) -> String {
    match resolution {
        Resolution::Actor(actor) => actor.actor_id().to_string(),
        _ => ANONYMOUS.to_owned(),
    }
}

pub(crate) const ANONYMOUS: &str = "anonymous";

