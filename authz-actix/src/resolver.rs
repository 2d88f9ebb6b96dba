//! The app's resolver, and what it establishes for a request: a [`Resolution`], found where it
//! is first needed (a gate or [`CurrentActor`](crate::CurrentActor)), then kept for the request.

use std::any::Any;
use std::cell::OnceCell;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_web::{HttpMessage, HttpRequest};
use futures_util::future::{ready, Either, LocalBoxFuture, Ready};

use crate::Principal;

/// What resolution established for a request; stored in the request's extensions once known.
#[derive(Clone)]
pub(crate) enum Resolution {
    /// No credentials, or credentials that identify nobody.
    Anonymous,
    /// An actor.
    Actor(Rc<dyn Principal>),
    /// The resolver failed or panicked, or none is installed: nothing may be decided.
    Failed,
}

impl Resolution {
    #[cfg(feature = "test-kit")]
    pub(crate) fn actor<A: Principal>(actor: A) -> Self {
        Resolution::Actor(Rc::new(actor))
    }

    /// The actor as its concrete type, when it is an `A`.
    pub(crate) fn downcast<A: Principal>(actor: &Rc<dyn Principal>) -> Option<Rc<A>> {
        let any: Rc<dyn Any> = actor.clone();
        any.downcast::<A>().ok()
    }
}

/// The app's way of finding the actor behind a request: bearer token, session cookie, JWT...
///
/// Implemented for any `Fn(HttpRequest) -> impl Future<Output = Result<Option<A>, E>>`:
/// `Ok(Some(actor))` for a caller, `Ok(None)` for no or unusable credentials (gated routes then
/// answer 401), `Err(e)` when it cannot tell (a database outage: gated routes answer 500 and the
/// error is logged; the request is never served as anyone).
///
/// It runs after routing and after every scope middleware, at the first gate or
/// [`CurrentActor`](crate::CurrentActor) of the request, so credentials a scope middleware
/// attaches are there to read, and `#[public]` routes never run it.
pub trait Resolver: 'static {
    /// The actor type this resolver produces.
    type Actor: Principal;
    /// Why resolution failed; logged, never sent to the client.
    type Error: fmt::Display;
    /// The resolution in progress.
    type Future: Future<Output = Result<Option<Self::Actor>, Self::Error>> + 'static;

    /// Starts resolving the actor for `req`.
    fn resolve(&self, req: HttpRequest) -> Self::Future;
}

impl<F, Fut, A, E> Resolver for F
where
    F: Fn(HttpRequest) -> Fut + 'static,
    Fut: Future<Output = Result<Option<A>, E>> + 'static,
    A: Principal,
    E: fmt::Display,
{
    type Actor = A;
    type Error = E;
    type Future = Fut;

    fn resolve(&self, req: HttpRequest) -> Fut {
        self(req)
    }
}

/// A resolver of any type, for gates and extractors that cannot name it.
pub(crate) trait ErasedResolver {
    fn start(&self, req: HttpRequest) -> LocalBoxFuture<'static, Resolution>;
}

impl<R: Resolver> ErasedResolver for R {
    fn start(&self, req: HttpRequest) -> LocalBoxFuture<'static, Resolution> {
        match catch_unwind(AssertUnwindSafe(|| self.resolve(req))) {
            Ok(fut) => Box::pin(Resolving { fut }),
            Err(_) => Box::pin(ready(resolver_panicked())),
        }
    }
}

pin_project_lite::pin_project! {
    /// The app's resolver at work: its outcome as a [`Resolution`], a panic included.
    pub(crate) struct Resolving<F> {
        #[pin]
        fut: F,
    }
}

impl<F> Resolving<F> {
    pub(crate) fn new(fut: F) -> Self {
        Resolving { fut }
    }
}

impl<F, A, E> Future for Resolving<F>
where
    F: Future<Output = Result<Option<A>, E>>,
    A: Principal,
    E: fmt::Display,
{
    type Output = Resolution;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Resolution> {
        let fut = self.project().fut;
        match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(Ok(Some(actor)))) => Poll::Ready(Resolution::Actor(Rc::new(actor))),
            Ok(Poll::Ready(Ok(None))) => Poll::Ready(Resolution::Anonymous),
            Ok(Poll::Ready(Err(error))) => {
                crate::audit::note!(error, target: "authz", %error, "actor resolver failed; gated routes refuse this request");
                Poll::Ready(Resolution::Failed)
            }
            Err(_) => Poll::Ready(resolver_panicked()),
        }
    }
}

pub(crate) fn resolver_panicked() -> Resolution {
    crate::audit::note!(error, target: "authz", "actor resolver panicked; gated routes refuse this request");
    Resolution::Failed
}

/// Where [`mount`](crate::mount) lets [`ResolveActor`] leave the app's resolver for gates and
/// extractors: app data, so one lookup finds it, per app instance.
#[derive(Default)]
pub(crate) struct ResolverSlot(OnceCell<Rc<dyn ErasedResolver>>);

impl ResolverSlot {
    /// Keeps `resolver` for this app instance; the first one wins.
    pub(crate) fn link<R: Resolver>(&self, resolver: Rc<R>) {
        let resolver: Rc<dyn ErasedResolver> = resolver;
        let _ = self.0.set(resolver);
    }
}


/// The resolution stored for the request, if any.
#[inline]
pub(crate) fn stored(req: &HttpRequest) -> Option<Resolution> {
    req.extensions().get::<Resolution>().cloned()
}

/// The app's resolver, started on `req`; `Failed` at once when the app has none.
pub(crate) fn start(req: &HttpRequest) -> Either<Ready<Resolution>, LocalBoxFuture<'static, Resolution>> {
    match req.app_data::<ResolverSlot>().and_then(|slot| slot.0.get()) {
        Some(resolver) => Either::Right(resolver.start(req.clone())),
        None => {
            crate::audit::note!(error, 
                target: "authz",
                "no actor resolver: wrap the app in `authz_actix::ResolveActor` and register its routes with `authz_actix::mount`"
            );
            Either::Left(ready(Resolution::Failed))
        }
    }
}

/// Keeps `resolution` for the rest of the request (later gates and extractors).
pub(crate) fn store(req: &HttpRequest, resolution: &Resolution) {
    req.extensions_mut().insert(resolution.clone());
}
