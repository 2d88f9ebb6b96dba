//! The test kit's marks on a request (feature `test-kit`): put there by [`test`](crate::test),
//! read by `App`, the gate and public services. Their own module, below all of those, so that
//! nothing the test kit reads needs the test kit.

use crate::resolver::Resolution;

/// An injected resolution, which [`App`](crate::App) keeps with the request in place of its
/// resolver's.
#[derive(Clone)]
pub(crate) struct Injected(pub(crate) Resolution);

/// The mark of a probe: the gate and public services answer it at once, running no handler.
#[derive(Clone, Copy)]
pub(crate) struct Probe;
