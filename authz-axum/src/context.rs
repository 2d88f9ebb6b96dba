//! What a request carries through the app: the app's shared settings, and the request's
//! resolution once known — one extension, inserted by [`App`](crate::App) before routing, read by
//! the gate, the extractor and the fallbacks.

use std::sync::Arc;

use http::request::Parts;

use crate::resolver::{ErasedResolver, Resolution};
use authz_core::Grants;

/// What every gate of an app reads: the resolver, the grant store, the matrix digest. One per
/// app, shared by reference count; each request carries a handle in its extensions.
#[derive(Clone)]
pub(crate) struct Shared {
    pub(crate) resolver: Arc<dyn ErasedResolver>,
    pub(crate) grants: Option<Grants>,
    pub(crate) digest: String,
    /// `App::explain`.
    pub(crate) explain: bool,
    /// Per full pattern, the methods declared there, for a `405`'s `Allow`.
    pub(crate) methods: crate::routes::PathMethods,
    /// `App::responder`.
    pub(crate) responder: Option<crate::problem::AppResponder>,
    /// `App::telemetry`.
    pub(crate) telemetry: Option<crate::telemetry::Telemetry>,
    /// Each declared route's decisions so far (by its record's address), for telemetry's
    /// one-in-n timing.
    pub(crate) seen: Arc<std::collections::HashMap<usize, std::sync::atomic::AtomicU32>>,
}

/// What a request carries, inserted by [`App`] before routing: the app, and the request's
/// resolution once the gate (or the first `CurrentActor`) established it. One entry, not two:
/// axum adds two of its own while routing (the matched path and the parameters), and a fourth
/// entry would make the request's map grow (a rehash, ~300 instructions a request, measured with
/// `benches/axum-instructions.sh`).
#[derive(Clone)]
pub(crate) struct AppHandle {
    pub(crate) app: Arc<Shared>,
    pub(crate) resolution: Option<Resolution>,
}

/// The request's resolution: the one already kept with it, or the resolver's, kept with the
/// request for every later reader.
pub(crate) async fn resolve(parts: &mut Parts, app: &Shared) -> Resolution {
    if let Some(known) = parts.extensions.get::<AppHandle>().and_then(|h| h.resolution.clone()) {
        return known;
    }
    let resolution = app.resolver.start(parts).await;
    if let Some(handle) = parts.extensions.get_mut::<AppHandle>() {
        handle.resolution = Some(resolution.clone());
    }
    resolution
}
