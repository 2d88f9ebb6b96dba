//! [`CurrentActor`]: the request's actor, as the gate (or the first reader) resolved it.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use axum::extract::FromRequestParts;
use axum::response::Response;
use http::request::Parts;

use crate::context::AppHandle;
use crate::problem::{self, Refusal};
use crate::resolver::Resolution;
use authz_core::{Actor, Principal};

/// The authenticated actor of the request: an extractor for handlers.
///
/// On a gated route it is the actor the gate admitted (the resolver does not run again). On a
/// `#[public]` route it runs the resolver, once, and answers `401` when nobody is signed in. An
/// `A` other than the resolver's actor type answers `500` (logged).
pub struct CurrentActor<A: Principal + Send + Sync = Actor>(Arc<A>);

impl<A: Principal + Send + Sync> CurrentActor<A> {
    /// The actor, shared: for a task that outlives the handler.
    pub fn shared(&self) -> Arc<A> {
        self.0.clone()
    }
}

impl<A: Principal + Send + Sync> Deref for CurrentActor<A> {
    type Target = A;

    fn deref(&self) -> &A {
        &self.0
    }
}

impl<A: Principal + Send + Sync + fmt::Debug> fmt::Debug for CurrentActor<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CurrentActor").field(&self.0).finish()
    }
}

impl<S, A> FromRequestParts<S> for CurrentActor<A>
where
    S: Send + Sync,
    A: Principal + Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        let Some(app) = parts.extensions.get::<AppHandle>().map(|handle| handle.app.clone()) else {
            outside_app();
            return Err(problem::internal_error());
        };
        match crate::context::resolve(parts, &app).await {
            Resolution::Actor(actor) => match Resolution::downcast::<A>(&actor) {
                Some(actor) => Ok(CurrentActor(actor)),
                None => {
                    tracing::error!(
                        target: "authz",
                        expected = std::any::type_name::<A>(),
                        "`CurrentActor` asks for another actor type than the resolver's: refused (500)"
                    );
                    Err(problem::refusal(Refusal::Internal, parts, None, app.responder.as_ref()))
                }
            },
            Resolution::Anonymous => {
                Err(problem::refusal(Refusal::Unauthenticated, parts, None, app.responder.as_ref()))
            }
            Resolution::Failed => {
                Err(problem::refusal(Refusal::Internal, parts, None, app.responder.as_ref()))
            }
        }
    }
}

/// `CurrentActor` asked for in a request no [`App`](crate::App) serves (a handler of a plain
/// `Router` beside the app).
#[cold]
fn outside_app() {
    static SAID: AtomicBool = AtomicBool::new(false);
    crate::audit::misassembled(
        &SAID,
        "request refused (500): `CurrentActor` outside `authz_axum::App`, which has no resolver to \
         ask; serve the handler as a declared one through `Routes` and `App::new`",
    );
}
