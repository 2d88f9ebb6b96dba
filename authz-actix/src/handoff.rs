//! What `ResolveActor` and a gate pass each other on one thread, within one call or poll: the
//! request a gate reached while actix routed it, the resolution `ResolveActor` resolved for it,
//! and the resolution of the request whose handler a gate is polling.
//!
//! Each value lives only for the call or poll that set it: routing and a gate's first poll run
//! on the calling thread, inside the one `ResolveActor` call or poll that sets a value before
//! and takes it after, so no other request can set or see it in between. Drop guards clear what
//! a panic would otherwise leave behind.

use std::cell::Cell;

use actix_web::HttpRequest;
use futures_util::future::{ready, Either, LocalBoxFuture, Ready};

use crate::resolver::{self, Resolution};

thread_local! {
    // The request a gate reached during the routing call, with no actor resolved yet.
    static AWAITING_ACTOR: Cell<Option<HttpRequest>> = const { Cell::new(None) };
    // A resolution `ResolveActor` hands to the gate it polls first, for that one poll.
    static HANDED: Cell<Option<Resolution>> = const { Cell::new(None) };
    // The resolution of the request whose handler a gate is polling, for its `CurrentActor`.
    static SERVING: Cell<Option<Resolution>> = const { Cell::new(None) };
}

/// Runs `route` — one request through the app, whose routing is synchronous — and returns the
/// request a gate reached within it that needs an actor: the caller may resolve it now, with
/// the app's resolver's own future type, and [`hand_over`] the outcome to that gate.
#[inline]
pub(crate) fn awaiting_actor<T>(route: impl FnOnce() -> T) -> (T, Option<HttpRequest>) {
    AWAITING_ACTOR.with(|cell| drop(cell.take()));
    let routed = route();
    (routed, AWAITING_ACTOR.with(Cell::take))
}

/// Called by a gate that needs an actor: see [`awaiting_actor`]. Outside a routing call nobody
/// takes it, and the next routing call clears it.
#[inline]
pub(crate) fn await_actor(req: &HttpRequest) {
    AWAITING_ACTOR.with(|cell| drop(cell.replace(Some(req.clone()))));
}

/// Runs `poll` — the first poll of a routed request whose gate awaits `resolution` — with the
/// resolution handed over for [`take_handed`]. Returns it if no gate took it. Nothing is left
/// behind, even if `poll` panics: another request's gate must never find it.
#[inline]
pub(crate) fn hand_over<T>(resolution: Resolution, poll: impl FnOnce() -> T) -> (T, Option<Resolution>) {
    /// Clears the hand-over if `poll` unwinds.
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            HANDED.with(|cell| drop(cell.take()));
        }
    }
    HANDED.with(|cell| drop(cell.replace(Some(resolution))));
    let clear = Clear;
    let out = poll();
    let untaken = HANDED.with(Cell::take);
    std::mem::forget(clear);
    (out, untaken)
}

/// The resolution [`hand_over`] passes to the gate polled within it.
#[inline]
pub(crate) fn take_handed() -> Option<Resolution> {
    HANDED.with(Cell::take)
}

/// Runs `poll` — a gate polling its handler — with `resolution` as the request's, for the
/// handler's [`CurrentActor`](crate::CurrentActor): no per-request storage on this path.
#[inline]
pub(crate) fn serving<T>(resolution: &Resolution, poll: impl FnOnce() -> T) -> T {
    /// Restores the outer value when dropped — also if `poll` unwinds: no later request may
    /// read this one's actor.
    struct Restore(Option<Resolution>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            SERVING.with(|cell| drop(cell.replace(outer)));
        }
    }
    let _restore = Restore(SERVING.with(|cell| cell.replace(Some(resolution.clone()))));
    poll()
}

/// The request's resolution, if it is known already: the one its gate is serving on this
/// thread, or stored.
#[inline]
pub(crate) fn known(req: &HttpRequest) -> Option<Resolution> {
    let serving = SERVING.with(|cell| {
        let current = cell.take();
        let copy = current.clone();
        cell.set(current);
        copy
    });
    serving.or_else(|| resolver::stored(req))
}

/// The request's resolution: known already, or the app's resolver started on it. The caller
/// stores what a started resolver produces, with [`resolver::store`].
pub(crate) fn resolution(req: &HttpRequest) -> Either<Ready<Resolution>, LocalBoxFuture<'static, Resolution>> {
    match known(req) {
        Some(known) => Either::Left(ready(known)),
        None => resolver::start(req),
    }
}
