//! The app's resolver, and what it establishes for a request: a [`Resolution`], found where it
//! is first needed (a gate or [`CurrentActor`](crate::CurrentActor)), then kept for the request.
//!
//! One owner: the request. Its extensions hold one [`Slot`], written by whoever first polls a
//! resolution of it — the gate of a gated route, or `CurrentActor` — and finds it empty: known at
//! once when the resolver answers on its first poll (most do), otherwise marked running until it
//! does. Every later reader of that request, whenever it asks (a middleware after the handler, a
//! task the handler spawned, a second extractor polled beside the first), reads the slot: it
//! waits while the resolver runs and gets its outcome, so the resolver runs at most once per
//! request and no reader can ever get another request's actor.

use std::any::Any;
use std::cell::OnceCell;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use actix_web::{HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use authz_core::Principal;

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
            Err(_) => Box::pin(std::future::ready(resolver_panicked())),
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
                crate::note::note!(error, target: "authz", %error, "actor resolver failed; gated routes refuse this request");
                Poll::Ready(Resolution::Failed)
            }
            Err(_) => Poll::Ready(resolver_panicked()),
        }
    }
}

pub(crate) fn resolver_panicked() -> Resolution {
    crate::note::note!(error, target: "authz", "actor resolver panicked; gated routes refuse this request");
    Resolution::Failed
}

/// Where [`ResolveActor`](crate::ResolveActor) leaves the app's resolver for gates and
/// extractors: app data that [`mount`](crate::mount) registers, so one lookup finds it, per app
/// instance.
pub(crate) struct ResolverSlot(OnceCell<Rc<dyn ErasedResolver>>, usize);

impl ResolverSlot {
    /// The slot of the `mount` with this id: the app's, since the last one registered wins.
    pub(crate) fn new(mount: usize) -> Self {
        ResolverSlot(OnceCell::new(), mount)
    }

    /// Which `mount` registered it.
    pub(crate) fn mount(&self) -> usize {
        self.1
    }

    /// Keeps `resolver` for this app instance; the first one wins.
    pub(crate) fn link<R: Resolver>(&self, resolver: Rc<R>) {
        let resolver: Rc<dyn ErasedResolver> = resolver;
        let _ = self.0.set(resolver);
    }
}

/// The request's resolution, in its extensions: running, or known.
pub(crate) enum Slot {
    /// The resolver runs; these readers wait for it.
    Running(Vec<Waker>),
    Known(Resolution),
}

impl Slot {
    /// A slot that knows `resolution` from the start (the test kit's injected actors).
    #[cfg(feature = "test-kit")]
    pub(crate) fn known(resolution: Resolution) -> Self {
        Slot::Known(resolution)
    }
}

/// The request's resolution: known already, or on its way ([`Resolve`], polled by whoever asked).
///
/// Nothing is claimed here: the slot is read, and the resolver is started only when the
/// [`Resolve`] is first polled — inside every scope middleware's future — by whoever finds the
/// slot still empty then.
pub(crate) fn resolve(req: &HttpRequest) -> Result<Resolution, Resolve> {
    match req.extensions().get::<Slot>() {
        Some(Slot::Known(resolution)) => Ok(resolution.clone()),
        Some(Slot::Running(_)) => Err(Resolve { state: State::Waiting }),
        None => Err(Resolve { state: State::Unclaimed }),
    }
}

/// The app's resolver, started on `req`: `Failed` at once when the app has none.
fn start(req: &HttpRequest) -> LocalBoxFuture<'static, Resolution> {
    match req.app_data::<ResolverSlot>().and_then(|slot| slot.0.get()) {
        Some(resolver) => resolver.start(req.clone()),
        None => {
            crate::note::note!(error,
                target: "authz",
                "no actor resolver: wrap the app in `authz_actix::ResolveActor` and register its routes with `authz_actix::mount`"
            );
            Box::pin(std::future::ready(Resolution::Failed))
        }
    }
}

/// A request's resolution on its way, polled with the request it is for: see [`resolve`].
///
/// It holds no handle on the request, so whoever is served next has the request to itself; the
/// one that started the resolver settles the slot when the resolver answers, or, dropped before
/// that (a scope timeout, a client gone), settles it as failed, so no reader is left waiting.
pub(crate) struct Resolve {
    state: State,
}

enum State {
    /// Nobody had claimed the slot when this was made.
    Unclaimed,
    /// Someone else runs the resolver.
    Waiting,
    /// This one runs it, and has claimed the slot.
    Running(LocalBoxFuture<'static, Resolution>, HttpRequest),
    Done,
}

impl fmt::Debug for Resolve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolve").finish_non_exhaustive()
    }
}

impl Resolve {
    /// Polls the resolution of `req`, the request this was made for.
    pub(crate) fn poll_for(&mut self, req: &HttpRequest, cx: &mut Context<'_>) -> Poll<Resolution> {
        loop {
            match &mut self.state {
                State::Unclaimed => {
                    match req.extensions().get::<Slot>() {
                        Some(Slot::Known(resolution)) => return self.done(resolution.clone()),
                        Some(Slot::Running(_)) => {
                            self.state = State::Waiting;
                            continue;
                        }
                        None => {}
                    }
                    let mut fut = start(req);
                    // Most resolvers answer at once: then the slot is written once, known.
                    if let Poll::Ready(resolution) = fut.as_mut().poll(cx) {
                        req.extensions_mut().insert(Slot::Known(resolution.clone()));
                        return self.done(resolution);
                    }
                    req.extensions_mut().insert(Slot::Running(Vec::new()));
                    self.state = State::Running(fut, req.clone());
                    return Poll::Pending;
                }
                State::Waiting => {
                    let mut extensions = req.extensions_mut();
                    return match extensions.get_mut::<Slot>() {
                        Some(Slot::Known(resolution)) => {
                            let resolution = resolution.clone();
                            drop(extensions);
                            self.done(resolution)
                        }
                        Some(Slot::Running(waiting)) => {
                            if !waiting.iter().any(|w| w.will_wake(cx.waker())) {
                                waiting.push(cx.waker().clone());
                            }
                            Poll::Pending
                        }
                        // Taken out by someone else: nothing can be decided.
                        None => {
                            drop(extensions);
                            self.done(Resolution::Failed)
                        }
                    };
                }
                State::Running(fut, _) => {
                    let resolution = std::task::ready!(fut.as_mut().poll(cx));
                    settle(req, resolution.clone());
                    return self.done(resolution);
                }
                State::Done => return Poll::Ready(Resolution::Failed),
            }
        }
    }

    fn done(&mut self, resolution: Resolution) -> Poll<Resolution> {
        self.state = State::Done;
        Poll::Ready(resolution)
    }
}

impl Drop for Resolve {
    fn drop(&mut self) {
        // Dropped while the resolver ran (a scope timeout, a client gone): the request has no
        // actor, and whoever waits for one is told so rather than left waiting.
        if let State::Running(_, req) = &self.state {
            settle(req, Resolution::Failed);
        }
    }
}

/// Keeps `resolution` as the request's, in the slot claimed for it, and wakes whoever waits.
fn settle(req: &HttpRequest, resolution: Resolution) {
    let mut extensions = req.extensions_mut();
    let previous = match extensions.get_mut::<Slot>() {
        Some(slot) => std::mem::replace(slot, Slot::Known(resolution)),
        None => {
            extensions.insert(Slot::Known(resolution));
            return;
        }
    };
    drop(extensions);
    if let Slot::Running(waiting) = previous {
        waiting.into_iter().for_each(Waker::wake);
    }
}
