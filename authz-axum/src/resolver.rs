//! Who is asking: the app's [`Resolver`], run at most once per request, its outcome kept in the
//! request's extensions.
//!
//! One owner, one direction: axum hands the request to the handler by value, so the gate — the
//! first thing the declared handler runs — resolves the actor, stores the outcome in the request
//! it owns, and every extractor after it reads the same value. Nothing is kept outside the
//! request, and no other request can ever be reached from it.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::request::Parts;

use authz_core::Principal;

/// A resolved actor of any type.
pub(crate) type SharedPrincipal = Arc<dyn Principal + Send + Sync>;

/// What resolution established for a request; stored in the request's extensions once known.
#[derive(Clone)]
pub(crate) enum Resolution {
    /// No credentials, or credentials that identify nobody.
    Anonymous,
    /// An actor.
    Actor(SharedPrincipal),
    /// The resolver failed or panicked: nothing may be decided.
    Failed,
}

impl Resolution {
    /// The actor as its concrete type, when it is an `A`.
    pub(crate) fn downcast<A: Principal + Send + Sync>(actor: &SharedPrincipal) -> Option<Arc<A>> {
        let any: Arc<dyn Any + Send + Sync> = actor.clone();
        any.downcast::<A>().ok()
    }
}

/// The app's way of finding the actor behind a request: bearer token, session cookie, JWT...
///
/// Implemented for any `async fn(&Parts) -> Result<Option<A>, E>` (and any function returning
/// a `Send` future of that output, borrowing the head or not): `Ok(Some(actor))` for a caller,
/// `Ok(None)` for no or unusable credentials (gated routes then answer 401), `Err(e)` when it
/// cannot tell (a database outage: gated routes answer 500 and the error is logged; the request
/// is never served as anyone). Implement it on a type of your own to carry a pool or a key.
///
/// It runs after routing, at the gate of a declared route or at the first
/// [`CurrentActor`](crate::CurrentActor) of a `#[public]` one, so `#[public]` routes that do not
/// ask never run it, and it runs at most once per request.
///
/// ```
/// use authz_axum::{credentials, Actor};
/// use http::request::Parts;
///
/// async fn resolve(parts: &Parts) -> Result<Option<Actor>, std::convert::Infallible> {
///     let Some(token) = credentials::bearer(parts) else { return Ok(None) };
///     // Look the token up (hashed) in your store.
///     let _ = token;
///     Ok(None)
/// }
/// # let _ = authz_axum::App::new(|_: &mut authz_axum::Routes<'_, ()>| {}, resolve);
/// ```
pub trait Resolver: Send + Sync + 'static {
    /// The actor type this resolver produces.
    type Actor: Principal + Send + Sync;
    /// Why resolution failed; logged, never sent to the client.
    type Error: fmt::Display;

    /// Resolves the actor for the request whose head is `parts`.
    fn resolve(
        &self,
        parts: &Parts,
    ) -> impl Future<Output = Result<Option<Self::Actor>, Self::Error>> + Send;
}

/// A resolver function, for one lifetime of the head it reads: what lets an `async fn` that
/// borrows its argument be a [`Resolver`] (its future's type depends on that lifetime, which a
/// plain `Fn(&Parts) -> Fut` bound cannot say).
pub trait ResolveFn<'a>: Send + Sync + 'static {
    /// What the function answers.
    type Output;
    /// Its future.
    type Fut: Future<Output = Self::Output> + Send + 'a;

    /// Calls the function.
    fn call(&self, parts: &'a Parts) -> Self::Fut;
}

impl<'a, F, Fut> ResolveFn<'a> for F
where
    F: Fn(&'a Parts) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'a,
{
    type Output = Fut::Output;
    type Fut = Fut;

    fn call(&self, parts: &'a Parts) -> Fut {
        self(parts)
    }
}

impl<F, A, E> Resolver for F
where
    F: for<'a> ResolveFn<'a, Output = Result<Option<A>, E>>,
    A: Principal + Send + Sync,
    E: fmt::Display,
{
    type Actor = A;
    type Error = E;

    fn resolve(&self, parts: &Parts) -> impl Future<Output = Result<Option<A>, E>> + Send {
        ResolveFn::call(self, parts)
    }
}

/// The future of an erased resolver.
type Started<'a> = Pin<Box<dyn Future<Output = Resolution> + Send + 'a>>;

/// A resolver of any type, for the gate and the extractor, which cannot name it.
pub(crate) trait ErasedResolver: Send + Sync {
    fn start<'a>(&'a self, parts: &'a Parts) -> Started<'a>;
}

impl<R: Resolver> ErasedResolver for R {
    fn start<'a>(&'a self, parts: &'a Parts) -> Started<'a> {
        match catch_unwind(AssertUnwindSafe(|| self.resolve(parts))) {
            Ok(fut) => Box::pin(Resolving { fut }),
            Err(_) => Box::pin(std::future::ready(panicked())),
        }
    }
}

fn panicked() -> Resolution {
    tracing::error!(target: "authz", "actor resolver panicked");
    Resolution::Failed
}

pin_project_lite::pin_project! {
    /// The app's resolver at work: its answer as a [`Resolution`], a panic as a failure.
    struct Resolving<F> {
        #[pin]
        fut: F,
    }
}

impl<F, A, E> Future for Resolving<F>
where
    F: Future<Output = Result<Option<A>, E>>,
    A: Principal + Send + Sync,
    E: fmt::Display,
{
    type Output = Resolution;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Resolution> {
        let fut = self.project().fut;
        let polled = catch_unwind(AssertUnwindSafe(|| fut.poll(cx)));
        Poll::Ready(match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(Ok(Some(actor)))) => Resolution::Actor(Arc::new(actor)),
            Ok(Poll::Ready(Ok(None))) => Resolution::Anonymous,
            Ok(Poll::Ready(Err(error))) => {
                tracing::error!(target: "authz", error = %error, "actor resolution failed");
                Resolution::Failed
            }
            Err(_) => panicked(),
        })
    }
}
