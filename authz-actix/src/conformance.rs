//! Conformance: the matrix as a test oracle, on actix-web. The suite is authz-core's
//! ([`Suite`], documented there); [`Run::run`] sends every cell as a request to a fresh app.
//!
//! ```ignore
//! use authz_actix::conformance::{Caller, Expected, Run, Suite};
//!
//! let report = Suite::new(authz_actix::routes::matrix(routes, Some(&CATALOG)))
//!     .actor(Caller::anonymous("anonymous"))
//!     .actor(Caller::with_roles("alice (admin)", &["admin"]))
//!     .param("id", "1")
//!     .run(|| async { fresh_app_and_credentials().await })
//!     .await;
//! report.assert_clean();
//! ```

use std::future::Future;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::TestRequest;

pub use authz_core::conformance::*;

/// [`Suite::run`](Run::run) on an actix app: every cell as a test request to the app's service.
#[allow(async_fn_in_trait)]
pub trait Run {
    /// Runs every cell against a fresh app from `fixture`, which also returns each actor's
    /// headers.
    async fn run<F, Fut, S, B>(&self, fixture: F) -> Report
    where
        F: Fn() -> Fut,
        Fut: Future<Output = (S, Credentials)>,
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody;
}

impl Run for Suite {
    async fn run<F, Fut, S, B>(&self, fixture: F) -> Report
    where
        F: Fn() -> Fut,
        Fut: Future<Output = (S, Credentials)>,
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        self.run_with(fixture, |app, request| async move {
            let method = Method::from_bytes(request.method.as_bytes()).unwrap_or(Method::GET);
            let mut req = TestRequest::default().method(method).uri(&request.uri);
            for (name, value) in &request.headers {
                req = req.insert_header((name.as_str(), value.as_str()));
            }
            if !request.body.is_empty() {
                req = req.set_payload(request.body);
            }
            match app.call(req.to_request()).await {
                Ok(res) => res.status().as_u16(),
                Err(e) => e.as_response_error().status_code().as_u16(),
            }
        })
        .await
    }
}
