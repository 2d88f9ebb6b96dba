//! The `CurrentActor` extractor.

use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::{ready, Ready};

use crate::resolve::Resolution;
use crate::{problem, Actor, AuthzError, Denied, Principal};

/// The actor [`ResolveActor`](crate::ResolveActor) established for this request.
///
/// Extracting it without an actor answers 401; if resolution failed, if the middleware is missing,
/// or if the resolver produces another type than `A`, it answers a generic 500 and logs why.
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
    type Future = Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(extract(req))
    }
}

fn extract<A: Principal>(req: &HttpRequest) -> Result<CurrentActor<A>, Error> {
    let internal = || InternalError::from_response("authorization unavailable", problem::internal_error()).into();
    match req.extensions().get::<Resolution>() {
        Some(Resolution::Actor(actor)) => match Resolution::downcast::<A>(actor) {
            Some(actor) => Ok(CurrentActor(actor)),
            None => {
                tracing::error!(
                    target: "authz",
                    expected = std::any::type_name::<A>(),
                    "`CurrentActor<A>` asks for another type than the resolver produces"
                );
                Err(internal())
            }
        },
        Some(Resolution::Anonymous) => Err(Denied(AuthzError::Unauthenticated).into()),
        Some(Resolution::Failed) => Err(internal()),
        None => {
            tracing::error!(target: "authz", "`CurrentActor` used but the `ResolveActor` middleware is not installed");
            Err(internal())
        }
    }
}
