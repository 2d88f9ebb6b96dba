//! The `CurrentActor` extractor.

use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::{Error, FromRequest, HttpRequest};
use futures_util::future::{Either, LocalBoxFuture, Ready, ready};

use crate::problem::{self, Refusal};
use crate::resolver::Resolution;
use authz_core::{Actor, Principal};

/// The actor behind this request, from the app's [`Resolver`](crate::Resolver) — run here if no
/// gate ran it before (on a `#[public]` route, say), at most once per request: every reader of
/// one request (the handler, a middleware after it, a task it spawned) gets the same actor, and
/// a reader of another request gets that request's.
///
/// Extracting it without an actor answers 401; if resolution failed, if
/// [`ResolveActor`](crate::ResolveActor) is missing, or if the resolver produces another type
/// than `A`, it answers a generic 500 and logs why.
/// Use `Option<CurrentActor>` on routes that serve anonymous callers too.
///
/// ```
/// use actix_web::{get, HttpResponse};
/// use authz_actix::{require_permission, CurrentActor};
///
/// #[require_permission(authenticated)]
/// #[get("/me")]
/// async fn me(actor: CurrentActor) -> HttpResponse {
///     HttpResponse::Ok().body(actor.id().to_string())
/// }
/// ```
pub struct CurrentActor<A: Principal = Actor>(Rc<A>);

impl<A: Principal> CurrentActor<A> {
    /// A shared handle to the actor, for passing to a service that outlives the extractor.
    pub fn shared(&self) -> Rc<A> {
        self.0.clone()
    }
}

impl<A: Principal> Deref for CurrentActor<A> {
    type Target = A;

    fn deref(&self) -> &A {
        &self.0
    }
}

impl<A: Principal + fmt::Debug> fmt::Debug for CurrentActor<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CurrentActor").field(&self.0).finish()
    }
}

impl<A: Principal> FromRequest for CurrentActor<A> {
    type Error = Error;
    type Future = Either<Ready<Result<Self, Error>>, LocalBoxFuture<'static, Result<Self, Error>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        match crate::resolver::resolve(req) {
            Ok(known) => Either::Left(ready(extract(req, &known))),
            Err(mut resolving) => {
                let req = req.clone();
                Either::Right(Box::pin(async move {
                    let resolution = std::future::poll_fn(|cx| resolving.poll_for(&req, cx)).await;
                    extract(&req, &resolution)
                }))
            }
        }
    }
}

fn extract<A: Principal>(
    req: &HttpRequest,
    resolution: &Resolution,
) -> Result<CurrentActor<A>, Error> {
    let refused = |refusal| {
        InternalError::from_response("authorization refused", problem::shaped(req, refusal, None))
            .into()
    };
    let internal = || refused(Refusal::Internal);
    match resolution {
        Resolution::Actor(actor) => match Resolution::downcast::<A>(actor) {
            Some(actor) => Ok(CurrentActor(actor)),
            None => {
                crate::note::note!(error,
                    target: "authz",
                    expected = std::any::type_name::<A>(),
                    "`CurrentActor<A>` asks for another type than the resolver produces"
                );
                Err(internal())
            }
        },
        Resolution::Anonymous => Err(refused(Refusal::Unauthenticated)),
        Resolution::Failed => Err(internal()),
    }
}
