//! The gate every declared axum handler runs first: after routing, before any extractor reads
//! the request.
//!
//! The handler's generated `Handler::call` splits the request, awaits [`gate`] with the head,
//! and only then runs the extractors and the function; the answer goes back through
//! [`Admitted::answer`], which writes the allow's audit event (or a service's refusal's) and
//! marks the response as a declared endpoint's. There is no middleware between the two and no
//! state outside the request: the gate owns the request while it decides.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use std::sync::Arc;

use axum::response::Response;
use http::StatusCode;
use http::request::Parts;

use crate::context::{AppHandle, Shared};
use std::time::Instant;

use axum::extract::MatchedPath;
use http::Method;

use crate::audit::{ANONYMOUS, Head, audit, labels};
use crate::problem::{self, Refusal, RouteResponder, ServiceRefusal};
use crate::resolver::{Resolution, SharedPrincipal};
use crate::telemetry::{Outcome, Reason};
use authz_core::audit::{Missing, PolicyName, PolicyReason};
use authz_core::{
    Access, AuthzError, DecisionId, Permission, Principal, Requirement, RouteMeta, Scope,
    ScopedCheck,
};

/// A request the gate let through, on its way to the handler.
pub struct Admitted {
    route: &'static RouteMeta,
    responder: Option<RouteResponder>,
    app: Arc<Shared>,
    // The request's head, kept for a responder to shape a service's refusal with (the handler
    // takes the request); only when a responder is given.
    shaping: Option<Box<Parts>>,
    // For a gated route: who was admitted, and how (for the allow's audit event).
    gated: Option<Gated>,
}

struct Gated {
    actor: SharedPrincipal,
    in_scope: bool,
    // What the allow is counted under, when the app counts decisions.
    counted: Option<(Option<MatchedPath>, Method)>,
    // Read when the gate admitted the request, if its event can be written.
    head: Option<Head>,
}

impl fmt::Debug for Admitted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Admitted").field("handler", &self.route.handler).finish_non_exhaustive()
    }
}

impl Admitted {
    fn new(
        route: &'static RouteMeta,
        responder: Option<RouteResponder>,
        app: Arc<Shared>,
        parts: &Parts,
        gated: Option<Gated>,
    ) -> Admitted {
        let custom = responder.is_some() || app.responder.is_some();
        let shaping = custom.then(|| Box::new(parts.clone()));
        Admitted { route, responder, app, shaping, gated }
    }

    fn allow(
        route: &'static RouteMeta,
        responder: Option<RouteResponder>,
        app: Arc<Shared>,
        (actor, in_scope): (SharedPrincipal, bool),
        parts: &mut Parts,
        started: Option<Instant>,
    ) -> Admitted {
        let counted = app.telemetry.as_ref().map(|telemetry| {
            // Timed as the gate's allow; counted when the handler answers (a service may refuse).
            let (pattern, method, _) = labels(parts, route, None);
            telemetry.decided(pattern, method, Outcome::Allow, started);
            (parts.extensions.get::<MatchedPath>().cloned(), parts.method.clone())
        });
        // The request goes to the handler: what the event will say of it is read now, and only
        // when the event can be written (an allow at DEBUG, a service's refusal at INFO).
        let head =
            tracing::enabled!(target: "authz", tracing::Level::INFO).then(|| Head::of(parts));
        let gated = Gated { actor, in_scope, counted, head };
        Admitted::new(route, responder, app, parts, Some(gated))
    }

    /// The handler's answer, audited — a service's refusal (`Denied`) is the route's denial,
    /// anything else the allow — shaped by the route's or the app's responder when it is a
    /// service's refusal, and marked as a declared endpoint's.
    pub fn answer(self, response: Response) -> Response {
        let refused = response.extensions().get::<ServiceRefusal>().map(|r| r.0);
        let id = self.gated.as_ref().and_then(|gated| self.audit(gated, refused, &response));
        let app = &self.app;
        let mut response = match (refused, &self.shaping) {
            // A service's refusal, in the route's or the app's shape.
            (Some(refused), Some(parts)) => problem::shaped(
                parts,
                Refusal::from(refused.error),
                self.responder,
                app.responder.as_ref(),
            ),
            _ => response,
        };
        response = problem::served(response);
        if app.explain && self.gated.is_some() {
            if let Some(shown) = refused.and_then(|r| r.shown)
                && response.status() == StatusCode::FORBIDDEN
                && self.shaping.is_none()
            {
                response = problem::reason_shown(response, shown);
            }
            problem::stamp(&mut response, id);
        }
        response
    }

    /// The audit event of a gated route's answer; the decision's id when the answer carries it.
    fn audit(
        &self,
        gated: &Gated,
        refused: Option<authz_core::Refused>,
        response: &Response,
    ) -> Option<DecisionId> {
        let Gated { actor, in_scope, counted, head } = gated;
        let (route, app) = (self.route, &*self.app);
        let actor = actor.actor_id();
        // The head read at admission, whenever INFO was enabled then; if the subscriber's filter
        // changed since (a reloaded filter), the event says what is left: the method.
        let bare;
        let head = match head {
            Some(head) => head,
            None => {
                bare = Head::bare(counted.as_ref().map_or(Method::GET, |(_, m)| m.clone()));
                &bare
            }
        };
        let head = || head;
        let counted = || match counted {
            Some((pattern, method)) => {
                (pattern.as_ref().map_or(route.path, MatchedPath::as_str), method, None)
            }
            None => ("", &Method::GET, None),
        };
        match refused {
            Some(refused) if refused.error == AuthzError::Missing => audit!(
                INFO,
                app,
                *head(),
                counted(),
                route,
                actor,
                (Outcome::NotFound, Reason::Missing),
                "no such resource",
                404
            ),
            Some(refused) => audit!(
                INFO,
                app,
                *head(),
                counted(),
                route,
                actor,
                (
                    if refused.error == AuthzError::Unauthenticated {
                        Outcome::Unauthenticated
                    } else {
                        Outcome::Deny
                    },
                    Reason::Policy
                ),
                if refused.error == AuthzError::NotFound {
                    "hidden by a service-level policy"
                } else {
                    "refused by a service-level policy"
                },
                refused.error.status(),
                policy = PolicyName(route),
                policy_reason = PolicyReason(refused.reason)
            ),
            None => audit!(
                DEBUG,
                app,
                *head(),
                counted(),
                route,
                actor,
                (Outcome::Allow, Reason::Requirement),
                if *in_scope { "requirement met in the scope" } else { "requirement met" },
                response.status().as_u16()
            ),
        }
    }
}

/// A refusal at the gate, with what an app that explains refusals adds: the permissions a
/// 403 lacked, and the decision's id (never on a 404).
fn refuse(
    app: &Shared,
    responder: Option<RouteResponder>,
    parts: &Parts,
    err: AuthzError,
    missing: Option<&[Permission]>,
    id: Option<DecisionId>,
) -> Response {
    let custom = responder.is_some() || app.responder.is_some();
    let mut response = match missing {
        Some(missing) if app.explain && !custom && err == AuthzError::Forbidden => {
            problem::forbidden_missing(missing, parts)
        }
        _ => problem::refusal(Refusal::from(err), parts, responder, app.responder.as_ref()),
    };
    problem::stamp(&mut response, id);
    response
}

/// A 500 at the gate.
fn fail(
    app: &Shared,
    responder: Option<RouteResponder>,
    parts: &Parts,
    id: Option<DecisionId>,
) -> Response {
    let mut response =
        problem::refusal(Refusal::Internal, parts, responder, app.responder.as_ref());
    problem::stamp(&mut response, id);
    response
}

/// Decides the request whose head is `parts` for `route`: `Ok` to call the handler, `Err` with
/// the refusal to answer instead.
///
/// Every refusal is audited here and answered before anything reads the body (which is then
/// never read: the connection closes after the answer).
pub async fn gate(
    route: &'static RouteMeta,
    responder: Option<RouteResponder>,
    parts: &mut Parts,
) -> Result<Admitted, Response> {
    let Some(app) = parts.extensions.get::<AppHandle>().map(|handle| handle.app.clone()) else {
        // A declared handler in a router that is not an `App`: nothing observes what else that
        // router serves, so nothing it serves is trusted.
        static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        crate::audit::misassembled(
            &SAID,
            &format!(
                "request refused (500): the declared handler `{}` was reached outside \
                 `authz_axum::App`, which nothing then observes; register it with `Routes` and \
                 serve the app `App::new` builds",
                route.handler
            ),
        );
        // Unmarked: no `App` is there to take the mark off.
        return Err(problem::internal_error());
    };
    // A test kit probe: answered at once, no resolver, no handler.
    #[cfg(feature = "test-kit")]
    if parts.extensions.get::<crate::marks::Probe>().is_some() {
        let mut probed = Response::new(axum::body::Body::empty());
        *probed.status_mut() = StatusCode::NO_CONTENT;
        return Err(problem::served(probed));
    }
    let Access::Gated { requirement, deny, scope } = &route.access else {
        return Ok(Admitted::new(route, responder, app, parts, None));
    };
    let app_ref = &*app;
    let started = app
        .telemetry
        .as_ref()
        .and_then(|telemetry| telemetry.start(app.seen.get(&(std::ptr::from_ref(route) as usize))));
    let resolution = crate::context::resolve(parts, app_ref).await;
    if let Some(telemetry) = &app.telemetry {
        telemetry.resolved(started, &resolution);
    }
    let actor = match resolution {
        Resolution::Actor(actor) => actor,
        Resolution::Anonymous => {
            let id = audit!(
                INFO,
                app_ref,
                Head::of(parts),
                labels(parts, route, started),
                route,
                ANONYMOUS,
                (Outcome::Unauthenticated, Reason::NoActor),
                "no authenticated actor",
                401
            );
            return Err(refuse(app_ref, responder, parts, AuthzError::Unauthenticated, None, id));
        }
        Resolution::Failed => {
            let id = audit!(
                ERROR,
                app_ref,
                Head::of(parts),
                labels(parts, route, started),
                route,
                ANONYMOUS,
                (Outcome::Error, Reason::Resolver),
                "actor resolution failed",
                500
            );
            return Err(fail(app_ref, responder, parts, id));
        }
    };
    let Ok(allowed) = catch_unwind(AssertUnwindSafe(|| satisfied(requirement, &*actor))) else {
        let id = audit!(
            ERROR,
            app_ref,
            Head::of(parts),
            labels(parts, route, started),
            route,
            actor.actor_id(),
            (Outcome::Error, Reason::Misconfigured),
            "the actor's permission check panicked",
            500
        );
        return Err(fail(app_ref, responder, parts, id));
    };
    if allowed {
        return Ok(Admitted::allow(route, responder, app.clone(), (actor, false), parts, started));
    }
    let Some(scope) = scope else {
        let missing = requirement.missing(&|p| actor.has_permission(p));
        let id = audit!(
            INFO,
            app_ref,
            Head::of(parts),
            labels(parts, route, started),
            route,
            actor.actor_id(),
            (Outcome::Deny, Reason::Requirement),
            "requirement not met",
            deny.status(),
            missing = Missing(&missing)
        );
        return Err(refuse(app_ref, responder, parts, AuthzError::from(*deny), Some(&missing), id));
    };
    // The id as axum decoded it, in its one canonical spelling; anything else names no scope
    // and is answered as a missing one, before any store is asked.
    let named = crate::audit::params(parts).and_then(|params| {
        params.iter().find(|(name, _)| *name == scope.param).and_then(|(_, v)| Scope::parse_id(v))
    });
    let Some(id) = named else {
        let id = audit!(
            INFO,
            app_ref,
            Head::of(parts),
            labels(parts, route, started),
            route,
            actor.actor_id(),
            (Outcome::NotFound, Reason::NoSuchScope),
            "the path names no scope",
            404
        );
        return Err(refuse(app_ref, responder, parts, AuthzError::NotFound, None, id));
    };
    let in_scope = Scope::new(scope.kind, id);
    let Some(grants) = app.grants.as_ref() else {
        let id = audit!(
            ERROR,
            app_ref,
            Head::of(parts),
            labels(parts, route, started),
            route,
            actor.actor_id(),
            (Outcome::Error, Reason::Misconfigured),
            "scoped route but no `Grants` given to the app",
            500
        );
        return Err(fail(app_ref, responder, parts, id));
    };
    let known = match grants.cached(actor.actor_id(), in_scope) {
        Some(known) => Ok(known),
        None => {
            let asked = Instant::now();
            // Boxed: the store's query is the rare path, and its future held inline would make
            // every declared handler's future larger than glibc's small allocations (1,496
            // bytes, then 848 of them the gate's), which made each request's malloc and free
            // take the slow path.
            let answer = Box::pin(grants.in_scope(actor.actor_id(), in_scope)).await;
            if let Some(telemetry) = &app.telemetry {
                telemetry.stored(asked, answer.is_ok());
            }
            answer
        }
    };
    let (scoped, mask) = match known {
        Ok(known) => known,
        Err(e) => {
            tracing::error!(target: "authz", error = %e, "grant store failed");
            let id = audit!(
                ERROR,
                app_ref,
                Head::of(parts),
                labels(parts, route, started),
                route,
                actor.actor_id(),
                (Outcome::Error, Reason::GrantStore),
                "grant store failed",
                500
            );
            return Err(fail(app_ref, responder, parts, id));
        }
    };
    let has = |p: Permission| scoped.contains(p) || actor.has_permission(p);
    let allowed = match actor.permission_set() {
        Some(global) => requirement.is_satisfied_by_set(&global.union(&scoped)),
        None => requirement.is_met_by(&has),
    };
    let check = ScopedCheck { allowed, member: Some(mask != 0) };
    let Some(denial) = check.refusal(*deny, scope.outsiders) else {
        return Ok(Admitted::allow(route, responder, app.clone(), (actor, true), parts, started));
    };
    let err = AuthzError::from(denial);
    if mask != 0 {
        let missing = requirement.missing(&has);
        let id = audit!(
            INFO,
            app_ref,
            Head::of(parts),
            labels(parts, route, started),
            route,
            actor.actor_id(),
            (Outcome::Deny, Reason::Requirement),
            "requirement not met in the scope",
            denial.status(),
            missing = Missing(&missing),
            scope = format_args!("\"{in_scope}\"")
        );
        Err(refuse(app_ref, responder, parts, err, Some(&missing), id))
    } else {
        let id = audit!(
            INFO,
            app_ref,
            Head::of(parts),
            labels(parts, route, started),
            route,
            actor.actor_id(),
            (Outcome::Deny, Reason::NoRoleInScope),
            "no role in the scope",
            denial.status(),
            scope = format_args!("\"{in_scope}\"")
        );
        Err(refuse(app_ref, responder, parts, err, None, id))
    }
}

/// The requirement check: the catalog bitset when the actor has one, otherwise permission by
/// permission.
fn satisfied(requirement: &Requirement, actor: &(dyn Principal + Send + Sync)) -> bool {
    match actor.permission_set() {
        Some(set) => requirement.is_satisfied_by_set(set),
        None => requirement.is_satisfied_by(actor),
    }
}
