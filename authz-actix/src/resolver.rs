//! The app's resolver, and what it establishes for a request: a [`Resolution`], found where it
//! is first needed (a gate or [`CurrentActor`](crate::CurrentActor)), then kept for the request.
//!
//! One owner: the request. Its extensions hold one [`Slot`], put there by whoever first needs
//! the actor — the gate of a gated route, or `CurrentActor` — before the resolver starts. Every
//! later reader of that request, whenever it asks (a middleware after the handler, a task the
//! handler spawned, a second extractor polled beside the first), reads the slot: it waits while
//! the resolver runs and gets its outcome, so the resolver runs at most once per request and no
//! reader can ever get another request's actor.

use std::any::Any;
use std::cell::OnceCell;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use actix_web::{HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

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

/// The request's resolution: known already, or awaited from whoever started the resolver, or the
/// app's resolver started here (and the slot claimed, so nobody starts it again). The resolver's
/// future is only made here; it runs when [`Resolve`] is polled.
pub(crate) fn resolve(req: &HttpRequest) -> Result<Resolution, Resolve> {
    let mut extensions = req.extensions_mut();
    let state = match extensions.get::<Slot>() {
        Some(Slot::Known(resolution)) => return Ok(resolution.clone()),
        Some(Slot::Running(_)) => State::Waiting,
        None => {
            extensions.insert(Slot::Running(Vec::new()));
            drop(extensions);
            return Err(Resolve { req: Some(req.clone()), state: State::Running(start(req)) });
        }
    };
    drop(extensions);
    Err(Resolve { req: Some(req.clone()), state })
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

/// A request's resolution on its way: see [`resolve`].
pub(crate) struct Resolve {
    // Held only while the resolution is on its way, to reach the request's slot; let go as soon
    // as it is known, so whoever is served next has the request to itself.
    req: Option<HttpRequest>,
    state: State,
}

enum State {
    Waiting,
    Running(LocalBoxFuture<'static, Resolution>),
    Done,
}

impl fmt::Debug for Resolve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolve").finish_non_exhaustive()
    }
}

impl Future for Resolve {
    type Output = Resolution;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Resolution> {
        let this = self.get_mut();
        let Some(req) = &this.req else { return Poll::Ready(Resolution::Failed) };
        match &mut this.state {
            State::Waiting => {
                let mut extensions = req.extensions_mut();
                match extensions.get_mut::<Slot>() {
                    Some(Slot::Known(resolution)) => {
                        let resolution = resolution.clone();
                        drop(extensions);
                        this.state = State::Done;
                        this.req = None;
                        Poll::Ready(resolution)
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
                        this.state = State::Done;
                        this.req = None;
                        Poll::Ready(Resolution::Failed)
                    }
                }
            }
            State::Running(fut) => {
                let resolution = std::task::ready!(fut.as_mut().poll(cx));
                this.state = State::Done;
                settle(req, resolution.clone());
                this.req = None;
                Poll::Ready(resolution)
            }
            State::Done => Poll::Ready(Resolution::Failed),
        }
    }
}

impl Drop for Resolve {
    fn drop(&mut self) {
        // Dropped while the resolver ran (a scope timeout, a client gone): the request has no
        // actor, and whoever waits for one is told so rather than left waiting.
        if let (State::Running(_), Some(req)) = (&self.state, &self.req) {
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
