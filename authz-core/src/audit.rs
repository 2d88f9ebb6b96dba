//! What the audit events of every front end write for a refusal, the same way: the permissions
//! it lacked, the route's policies, a policy's logged reason. Displayed only when an event is
//! written.

use std::fmt;

use crate::{Permission, RouteMeta};

/// The permissions a refusal lacked, for a log field: `a,b`, or `-` when none.
#[derive(Debug, Clone, Copy)]
pub struct Missing<'a>(pub &'a [Permission]);

impl fmt::Display for Missing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("-");
        }
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(p.as_str())?;
        }
        Ok(())
    }
}

/// The policies a route applies (`policy`/`filter`, then `visibility`), as declared; `-` when it
/// declares none.
#[derive(Debug, Clone, Copy)]
pub struct PolicyName(pub &'static RouteMeta);

impl fmt::Display for PolicyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let route = self.0;
        let mut names = route
            .policy
            .map(|p| p.policy().name())
            .into_iter()
            .chain(route.visibility.map(|v| v.name()));
        match names.next() {
            None => f.write_str("-"),
            Some(first) => {
                f.write_str(first)?;
                names.try_for_each(|name| write!(f, ",{name}"))
            }
        }
    }
}

/// A service policy's logged reason, escaped; `-` for a bare `AuthzError`.
#[derive(Debug, Clone, Copy)]
pub struct PolicyReason(pub &'static str);

impl fmt::Display for PolicyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("-");
        }
        write!(f, "\"{}\"", self.0.escape_debug())
    }
}
