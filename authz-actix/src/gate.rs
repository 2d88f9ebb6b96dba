//! The gate authz installs on each gated handler's resource.

use std::fmt;

use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::future::{LocalBoxFuture, Ready, ready};

use std::cell::RefCell;
use std::rc::Rc;

use crate::audit::{ANONYMOUS, actor_label, audit, audit_outcome};
use crate::problem::{self, Refusal, RouteResponder};
use crate::resolver::{self, Resolution};
use crate::select::{self, EndpointCheck, Mount};
use crate::telemetry::{Meter, Outcome, Reason, Started};
use authz_core::{
    Access, CompiledRequirement, GrantError, Grants, PermissionSet, Requirement, RouteMeta, Scope,
    ScopeRef, ScopedCheck,
};
use authz_core::{AuthzError, Principal};

/// Checks a route's requirement before anything of the handler runs — extractors included.
///
/// Installed by authz on every gated route's resource, as its outermost middleware. It reads its
/// requirement from the handler's record, the same record the matrix is rendered from.
///
/// The gate owns the request's actor: it is the endpoint deny by default observes (it refuses a
/// request nobody observes), it starts the app's resolver in its own future — so the resolver
/// runs inside every scope middleware's future, bounded by a scope timeout — it decides, and it
/// calls the handler. The resolution it reaches is the request's ([`resolver`]'s slot), for every
/// later reader.
#[derive(Clone, Copy)]
pub(crate) struct Gate {
    route: &'static RouteMeta,
    // `responder = ...` of the route, in place of the app's.
    responder: Option<RouteResponder>,
    mount: Mount,
    // The route has middleware of its own, which may need the request to itself
    // (`headers_mut`): the gate then keeps no handle on it while the handler runs.
    exclusive: bool,
}

impl Gate {
    pub(crate) const fn new(
        route: &'static RouteMeta,
        responder: Option<RouteResponder>,
        mount: Mount,
        exclusive: bool,
    ) -> Self {
        Gate { route, responder, mount, exclusive }
    }
}

impl fmt::Debug for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gate").field("handler", &self.route.handler).finish()
    }
}

// The gate answers with boxed bodies, as a resource's endpoint does: behind it, a handler's
// response is already boxed (boxing it again is a no-op), and so is a refusal; so the resource's
// own `map_into_boxed_body` after the gate costs nothing.
impl<S, B> Transform<S, ServiceRequest> for Gate
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Transform = GateService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(GateService(Rc::new(Inner {
            service,
            route: self.route,
            responder: self.responder,
            exclusive: self.exclusive,
            check: EndpointCheck::new(self.mount),
            compiled: RefCell::new(None),
            meter: Meter::default(),
        }))))
    }
}

/// The service a [`Gate`] wraps around a handler.
pub(crate) struct GateService<S>(Rc<Inner<S>>);

struct Inner<S> {
    service: S,
    route: &'static RouteMeta,
    responder: Option<RouteResponder>,
    exclusive: bool,
    check: EndpointCheck,
    // The requirement compiled against the catalog of the actors seen (one per app in practice),
    // so a check is a few ANDs. Per worker: services are not shared across threads.
    compiled: RefCell<Option<CompiledRequirement>>,
    meter: Meter,
}

impl<S> fmt::Debug for GateService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GateService").field("handler", &self.0.route.handler).finish()
    }
}

impl<S, B> Service<ServiceRequest> for GateService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = GateFuture<S>;

    #[inline]
    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.0.service.poll_ready(cx)
    }

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let inner = &*self.0;
        let started = inner.meter.start(req.request(), inner.route);
        let state = if !inner.check.admits(&req) {
            audit!(
                error,
                req,
                inner.route,
                ANONYMOUS,
                (Outcome::Error, Reason::Misconfigured),
                "routing is not observed, or the route is not the app's mount's",
                500,
                (&inner.meter, started)
            );
            State::Refused { res: Some(Box::new(select::unobserved_refusal(req))) }
        } else {
            match resolver::resolve(req.request()) {
                Ok(known) => inner.admit(req, known, started),
                // The resolver runs when this future is polled: inside every scope middleware's.
                Err(fut) => State::Resolving { fut, req: Some(req), started },
            }
        };
        GateFuture { state, inner: self.0.clone() }
    }
}

impl<S, B> Inner<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    #[cold]
    fn refuse(&self, req: ServiceRequest, refusal: Refusal) -> State<S::Future> {
        let response = problem::shaped(req.request(), refusal, self.responder);
        let mut response = problem::explained(req.request(), response, self.responder.is_some());
        if self.meter.explains() {
            let status = response.status();
            problem::stamp_decision_id(req.request(), status, response.headers_mut());
        }
        State::Refused { res: Some(Box::new(problem::refusal(req, response))) }
    }

    fn judge(&self, started: Started) -> Judge<'_> {
        Judge { route: self.route, compiled: &self.compiled, meter: &self.meter, started }
    }

    /// Decides `req` for `resolution`; calls the handler when allowed.
    fn admit(
        &self,
        req: ServiceRequest,
        resolution: Resolution,
        started: Started,
    ) -> State<S::Future> {
        let judge = self.judge(started);
        match catch_unwind(AssertUnwindSafe(|| judge.decide(&req, &resolution))) {
            Ok(Ok(Verdict::Allow)) => self.call(req, resolution, started, false),
            Ok(Ok(Verdict::AllowInScope)) => self.call(req, resolution, started, true),
            Ok(Ok(Verdict::InScope(scope))) => self.ask_store(req, resolution, scope, started),
            Ok(Err(refusal)) => self.refuse(req, refusal),
            Err(_) => {
                audit!(
                    error,
                    req,
                    self.route,
                    actor_label(&resolution),
                    (Outcome::Error, Reason::Misconfigured),
                    "the actor's permission check panicked",
                    500,
                    (&self.meter, started)
                );
                self.refuse(req, Refusal::Internal)
            }
        }
    }

    /// Serves the handler: the gate's verdict was to allow.
    #[inline(always)]
    fn call(
        &self,
        req: ServiceRequest,
        resolution: Resolution,
        started: Started,
        in_scope: bool,
    ) -> State<S::Future> {
        self.meter.decided(req.request(), Outcome::Allow, started);
        let request = (!self.exclusive).then(|| req.request().clone());
        State::Calling { fut: self.service.call(req), request, resolution, in_scope }
    }

    /// Global permissions did not suffice: the actor's roles in `scope` decide, from the app's
    /// grant store (through this worker's cache).
    fn ask_store(
        &self,
        req: ServiceRequest,
        resolution: Resolution,
        scope: Scope,
        started: Started,
    ) -> State<S::Future> {
        let Resolution::Actor(actor) = &resolution else {
            return self.refuse(req, Refusal::Internal);
        };
        let Some(grants) = app_grants(&req).cloned() else {
            audit!(
                error,
                req,
                self.route,
                actor.actor_id(),
                (Outcome::Error, Reason::Misconfigured),
                "scoped route but no `Grants` in the app data",
                500,
                (&self.meter, started)
            );
            return self.refuse(req, Refusal::Internal);
        };
        // Global permissions were checked already: only the roles in the scope are asked for.
        let id = actor.actor_id().clone();
        // The store is timed in its own future: the gate's carries no room for it.
        let asked = self.meter.now();
        let fut = Box::pin(async move { (grants.in_scope(&id, scope).await, asked) });
        State::Scoping { fut, req: Some(req), resolution, started }
    }

    /// The store's answer for a scoped route: decided as a cached one is.
    fn scoped(
        &self,
        req: ServiceRequest,
        resolution: Resolution,
        answer: Result<(PermissionSet, u64), GrantError>,
        started: Started,
    ) -> State<S::Future> {
        let Resolution::Actor(actor) = &resolution else {
            return self.refuse(req, Refusal::Internal);
        };
        let id = actor.actor_id();
        match answer {
            Ok((scoped, mask)) => {
                match self.judge(started).in_scope(&req, &**actor, &scoped, mask) {
                    Ok(_) => self.call(req, resolution, started, true),
                    Err(refusal) => self.refuse(req, refusal),
                }
            }
            // Fail closed.
            Err(e) => {
                crate::note::note!(error, target: "authz", error = %e, "grant store failed");
                audit!(
                    error,
                    req,
                    self.route,
                    id,
                    (Outcome::Error, Reason::GrantStore),
                    "grant store failed",
                    500,
                    (&self.meter, started)
                );
                self.refuse(req, Refusal::Internal)
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// A request at the gate: resolving the actor if nobody did yet, then the handler — run
    /// behind a panic guard, its outcome the request's one audit event — or a refusal.
    pub(crate) struct GateFuture<S>
    where
        S: Service<ServiceRequest>,
    {
        #[pin]
        state: State<S::Future>,
        inner: Rc<Inner<S>>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F> {
        // The resolver at work; its handle on the request goes when it is done.
        Resolving { fut: resolver::Resolve, req: Option<ServiceRequest>, started: Started },
        // Asking the grant store for the actor's roles in the route's scope (since `asked`).
        Scoping { fut: LocalBoxFuture<'static, (Result<(PermissionSet, u64), GrantError>, Started)>, req: Option<ServiceRequest>, resolution: Resolution, started: Started },
        // The handler, with the actor it is served for (for the audit) and, unless the route's
        // own middleware may need the request to itself, a handle for a panic's answer.
        Calling { #[pin] fut: F, request: Option<actix_web::HttpRequest>, resolution: Resolution, in_scope: bool },
        // Boxed: an allowed request's future carries no room for a response.
        Refused { res: Option<Box<ServiceResponse>> },
    }
}

impl<S> fmt::Debug for GateFuture<S>
where
    S: Service<ServiceRequest>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GateFuture")
            .field("handler", &self.inner.route.handler)
            .finish_non_exhaustive()
    }
}

impl<S, B> Future for GateFuture<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody + 'static,
{
    type Output = Result<ServiceResponse<BoxBody>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let route = this.inner.route;
        loop {
            match this.state.as_mut().project() {
                StateProj::Resolving { fut, req, started } => {
                    let Some(request) = req.as_ref() else {
                        return Poll::Ready(Err(polled_after_completion()));
                    };
                    let resolution = std::task::ready!(fut.poll_for(request.request(), cx));
                    let Some(req) = req.take() else {
                        return Poll::Ready(Err(polled_after_completion()));
                    };
                    let started = *started;
                    this.inner.meter.resolved(started, &resolution);
                    let next = this.inner.admit(req, resolution, started);
                    this.state.set(next);
                }
                StateProj::Scoping { fut, req, resolution, started } => {
                    let (answer, asked) = std::task::ready!(
                        catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))).unwrap_or_else(
                            |_| {
                                Poll::Ready((
                                    Err(GrantError::new(std::io::Error::other(
                                        "the grant store panicked",
                                    ))),
                                    Started::OFF,
                                ))
                            }
                        )
                    );
                    let Some(req) = req.take() else {
                        return Poll::Ready(Err(polled_after_completion()));
                    };
                    let resolution = std::mem::replace(resolution, Resolution::Failed);
                    this.inner.meter.stored(asked, answer.is_ok());
                    let next = this.inner.scoped(req, resolution, answer, *started);
                    this.state.set(next);
                }
                StateProj::Refused { res } => {
                    return Poll::Ready(
                        res.take().map(|res| *res).ok_or_else(polled_after_completion),
                    );
                }
                StateProj::Calling { fut, request, resolution, in_scope } => {
                    let polled = catch_unwind(AssertUnwindSafe(|| fut.poll(cx)));
                    return match polled {
                        Ok(Poll::Pending) => Poll::Pending,
                        Ok(Poll::Ready(Ok(res))) => {
                            let refusal = audit_outcome(
                                &res,
                                route,
                                resolution,
                                *in_scope,
                                &this.inner.meter,
                            );
                            let mut res = match refusal {
                                Some(_) => problem::reshape(res, this.inner.responder)
                                    .unwrap_or_else(problem::boxed),
                                None => problem::boxed(res),
                            };
                            if this.inner.meter.explains() && refusal.is_some() {
                                res = problem::explained_policy(res, this.inner.responder);
                            }
                            if this.inner.meter.explains() {
                                let (req, status) = (res.request().clone(), res.status());
                                problem::stamp_decision_id(&req, status, res.headers_mut());
                            }
                            Poll::Ready(Ok(res))
                        }
                        Ok(Poll::Ready(Err(e))) => Poll::Ready(Err(e)),
                        Err(_) => {
                            let id = actor_label(resolution);
                            let Some(request) = request.take() else {
                                // The route's own middleware had the request: nothing is left to
                                // shape the answer with but the generic one.
                                crate::note::note!(error, target: "authz", actor = %id, handler = route.handler, "handler panicked; refused with a generic error");
                                return Poll::Ready(Err(problem::closing_error(
                                    "handler panicked",
                                )));
                            };
                            audit!(
                                error,
                                request,
                                route,
                                id,
                                (Outcome::Error, Reason::Panic),
                                "handler panicked; refused with a generic error",
                                500,
                                (&this.inner.meter, Started::OFF)
                            );
                            let mut response =
                                problem::shaped(&request, Refusal::Internal, this.inner.responder);
                            // The body may be half read: close rather than read the rest.
                            response
                                .head_mut()
                                .set_connection_type(actix_web::http::ConnectionType::Close);
                            if this.inner.meter.explains() {
                                let status = response.status();
                                problem::stamp_decision_id(
                                    &request,
                                    status,
                                    response.headers_mut(),
                                );
                            }
                            Poll::Ready(Ok(ServiceResponse::new(request, response)))
                        }
                    };
                }
            }
        }
    }
}

fn polled_after_completion() -> Error {
    actix_web::error::ErrorInternalServerError("polled after completion")
}

/// The requirement check: the compiled masks when the actor has a catalog bitset, otherwise the
/// requirement asks the actor permission by permission.
#[inline]
fn satisfied(
    requirement: &Requirement,
    actor: &dyn Principal,
    compiled: &RefCell<Option<CompiledRequirement>>,
) -> bool {
    match actor.permission_set() {
        Some(set) => satisfied_by_set(requirement, set, compiled),
        None => requirement.is_satisfied_by(actor),
    }
}

/// The compiled check of a permission set (compiled on first use, per worker).
#[inline]
fn satisfied_by_set(
    requirement: &Requirement,
    set: &PermissionSet,
    compiled: &RefCell<Option<CompiledRequirement>>,
) -> bool {
    let mut cache = compiled.borrow_mut();
    if let Some(answer) = cache.as_ref().and_then(|c| c.check(set)) {
        return answer;
    }
    let fresh = requirement.compile(set.catalog());
    let answer = fresh.check(set).unwrap_or_else(|| requirement.is_satisfied_by_set(set));
    *cache = Some(fresh);
    answer
}

/// The app's grant store, given as `app_data(grants)` or, by the usual actix habit,
/// `app_data(web::Data::new(grants))`.
#[inline]
fn app_grants(req: &ServiceRequest) -> Option<&Grants> {
    req.app_data::<Grants>()
        .or_else(|| req.app_data::<actix_web::web::Data<Grants>>().map(|data| data.get_ref()))
}

/// What the gate does with a request once the actor is known.
enum Verdict {
    /// Met by the actor's global permissions.
    Allow,
    /// Met by the roles the actor holds in the route's scope.
    AllowInScope,
    /// Global permissions fall short; the actor's roles in this scope decide.
    InScope(Scope),
}

/// One decision at the gate: the route, its compiled requirement, and where the decision is
/// counted and timed.
#[derive(Clone, Copy)]
struct Judge<'a> {
    route: &'static RouteMeta,
    compiled: &'a RefCell<Option<CompiledRequirement>>,
    meter: &'a Meter,
    started: Started,
}

impl Judge<'_> {
    /// The answer for a scoped route once the actor's roles in the scope are known (`scoped`,
    /// the permissions they grant; `mask`, the roles — from this worker's cache or the store):
    /// the global permissions united with `scoped`, then the route's compiled check. Served, or
    /// refused — `outsiders` for an actor with no role there, `deny` for a member — and audited.
    fn in_scope(
        self,
        req: &ServiceRequest,
        actor: &dyn Principal,
        scoped: &PermissionSet,
        mask: u64,
    ) -> Result<Verdict, Refusal> {
        let route = self.route;
        let Access::Gated { requirement, deny, scope: Some(ScopeRef { outsiders, .. }) } =
            &route.access
        else {
            return Err(Refusal::Internal);
        };
        let allowed = match actor.permission_set() {
            Some(global) => satisfied_by_set(requirement, &global.union(scoped), self.compiled),
            None => requirement.is_met_by(&|p| scoped.contains(p) || actor.has_permission(p)),
        };
        let check = ScopedCheck { allowed, member: Some(mask != 0) };
        let id = actor.actor_id();
        match check.refusal(*deny, *outsiders) {
            None => Ok(Verdict::AllowInScope),
            Some(denial) => {
                if check.member == Some(true) {
                    let missing =
                        requirement.missing(&|p| scoped.contains(p) || actor.has_permission(p));
                    audit!(
                        info,
                        req,
                        route,
                        id,
                        (Outcome::Deny, Reason::Requirement),
                        "requirement not met in the scope",
                        denial.status(),
                        (self.meter, self.started),
                        missing = problem::Missing(&missing),
                        scope = crate::audit::ScopeOf(route, req.match_info())
                    );
                    problem::explain(req, denial, missing);
                } else {
                    audit!(
                        info,
                        req,
                        route,
                        id,
                        (Outcome::Deny, Reason::NoRoleInScope),
                        "no role in the scope",
                        denial.status(),
                        (self.meter, self.started),
                        scope = crate::audit::ScopeOf(route, req.match_info())
                    );
                }
                Err(Refusal::from(AuthzError::from(denial)))
            }
        }
    }

    fn decide(self, req: &ServiceRequest, resolution: &Resolution) -> Result<Verdict, Refusal> {
        let route = self.route;
        let metered = (self.meter, self.started);
        let Access::Gated { requirement, deny, scope } = &route.access else {
            // Public routes carry no gate; a record that says otherwise cannot be enforced.
            audit!(
                error,
                req,
                route,
                ANONYMOUS,
                (Outcome::Error, Reason::Misconfigured),
                "gate installed on a public route record",
                500,
                metered
            );
            return Err(Refusal::Internal);
        };
        match resolution {
            Resolution::Actor(actor) => {
                let id = actor.actor_id();
                if satisfied(requirement, &**actor, self.compiled) {
                    // The allow (or a service-level refusal) is audited when the handler answers.
                    Ok(Verdict::Allow)
                } else if let Some(scope) = scope {
                    // The id as actix decoded it, in its one canonical spelling; anything else
                    // names no scope and is answered as a missing one, before any store is asked.
                    match req.match_info().get(scope.param).and_then(Scope::parse_id) {
                        Some(scope_id) => {
                            let in_scope = Scope::new(scope.kind, scope_id);
                            // Fast path: this worker's cache knows the actor's roles there.
                            let cached =
                                app_grants(req).and_then(|grants| grants.cached(id, in_scope));
                            let Some((scoped, mask)) = cached else {
                                return Ok(Verdict::InScope(in_scope));
                            };
                            self.in_scope(req, &**actor, &scoped, mask)
                        }
                        None => {
                            audit!(
                                info,
                                req,
                                route,
                                id,
                                (Outcome::NotFound, Reason::NoSuchScope),
                                "the path names no scope",
                                404,
                                metered
                            );
                            Err(Refusal::NotFound)
                        }
                    }
                } else {
                    let missing = requirement.missing(&|p| actor.has_permission(p));
                    audit!(
                        info,
                        req,
                        route,
                        id,
                        (Outcome::Deny, Reason::Requirement),
                        "requirement not met",
                        deny.status(),
                        metered,
                        missing = problem::Missing(&missing)
                    );
                    problem::explain(req, *deny, missing);
                    Err(Refusal::from(AuthzError::from(*deny)))
                }
            }
            Resolution::Anonymous => {
                audit!(
                    info,
                    req,
                    route,
                    ANONYMOUS,
                    (Outcome::Unauthenticated, Reason::NoActor),
                    "no authenticated actor",
                    401,
                    metered
                );
                Err(Refusal::Unauthenticated)
            }
            Resolution::Failed => {
                audit!(
                    error,
                    req,
                    route,
                    ANONYMOUS,
                    (Outcome::Error, Reason::Resolver),
                    "actor resolution failed",
                    500,
                    metered
                );
                Err(Refusal::Internal)
            }
        }
    }
}
