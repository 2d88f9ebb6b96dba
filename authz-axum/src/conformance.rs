//! Conformance: the matrix as a test oracle, on axum. The suite is authz-core's ([`Suite`],
//! documented there); [`Run::run`] sends every cell as a request to a fresh [`App`].
//!
//! ```ignore
//! use authz_axum::conformance::{Caller, Expected, Run, Suite};
//!
//! let report = Suite::new(authz_axum::routes::matrix(routes, Some(&CATALOG)))
//!     .actor(Caller::anonymous("anonymous"))
//!     .actor(Caller::with_roles("alice (admin)", &["admin"]))
//!     .param("id", "1")
//!     .run(|| async { fresh_app_and_credentials().await })
//!     .await;
//! report.assert_clean();
//! ```

use std::future::Future;

use axum::body::Body;
use tower_service::Service;

use crate::App;
pub use authz_core::conformance::*;

/// [`Suite::run`](Run::run) on an axum [`App`]: every cell as a request to the app's service.
#[allow(async_fn_in_trait)]
pub trait Run {
    /// Runs every cell against a fresh app from `fixture`, which also returns each actor's
    /// headers.
    async fn run<F, Fut>(&self, fixture: F) -> Report
    where
        F: Fn() -> Fut,
        Fut: Future<Output = (App, Credentials)>;
}

impl Run for Suite {
    async fn run<F, Fut>(&self, fixture: F) -> Report
    where
        F: Fn() -> Fut,
        Fut: Future<Output = (App, Credentials)>,
    {
        self.run_with(fixture, |mut app, request| async move {
            let mut builder =
                http::Request::builder().method(request.method.as_str()).uri(&request.uri);
            for (name, value) in &request.headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            let Ok(req) = builder.body(Body::from(request.body)) else {
                // A request the suite cannot spell (a malformed header value) answers nothing.
                return 0;
            };
            match Service::<http::Request<Body>>::call(&mut app, req).await {
                Ok(response) => response.status().as_u16(),
                Err(never) => match never {},
            }
        })
        .await
    }
}
