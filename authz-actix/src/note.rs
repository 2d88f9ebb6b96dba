//! authz's own log lines — failures it answers with a 500, responder trouble — guarded as the
//! audit events are: a panicking `tracing` subscriber loses the line, never the answer. A module of
//! its own so that whatever refuses can log without depending on the audit trail.

/// One guarded `tracing` event: `note!(error, target: "authz", ...)`.
macro_rules! note {
    ($level:ident, $($arg:tt)*) => {
        ::std::mem::drop(::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| tracing::$level!($($arg)*))))
    };
}

pub(crate) use note;
