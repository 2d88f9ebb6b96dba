//! Scopes: where a grant holds. A role held in team 7 grants its permissions inside team 7 only.

use core::fmt;
use std::sync::Arc;

use crate::decision::Deny;

/// Where a scoped requirement applies, as `scope = team(path = "team_id")` declares it: the scope
/// kind and the route's path parameter that names the scope's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeRef {
    /// The scope kind, as declared in the catalog's `[scopes]` table (e.g. `team`).
    pub kind: &'static str,
    /// The path parameter holding the scope's id (e.g. `team_id`).
    pub param: &'static str,
    /// How an actor holding no role in the scope is refused (`outsiders = ...`; by default the
    /// route's own denial). `NotFound` hides the scope's existence from outsiders while members
    /// lacking the permission get the route's denial.
    pub outsiders: Deny,
}

impl ScopeRef {
    /// The requirement's qualifier as the matrix shows it: `in team {team_id}`.
    pub fn qualifier(&self) -> String {
        format!("in {} {{{}}}", self.kind, self.param)
    }
}

/// One scope: a kind and an id, such as team 7.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    /// The scope kind (`team`).
    pub kind: &'static str,
    /// The scope's id.
    pub id: i64,
}

impl Scope {
    /// Scope `id` of `kind`.
    pub const fn new(kind: &'static str, id: i64) -> Self {
        Scope { kind, id }
    }

    /// The id in a path segment, accepted only in its one canonical spelling: ASCII digits, no
    /// sign, no leading zero, within `i64`. `+7`, `07`, `7.0` or `-1` name no scope, so no two
    /// spellings of one id can reach different answers (the handler's own parser may accept
    /// more; the gate has refused those spellings before it runs).
    pub fn parse_id(text: &str) -> Option<i64> {
        let canonical = !text.is_empty()
            && text.len() <= 19
            && text.bytes().all(|b| b.is_ascii_digit())
            && (text == "0" || !text.starts_with('0'));
        if canonical { text.parse().ok() } else { None }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.id)
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The scopes of one kind where an actor holds a permission: all of them (the permission is held
/// globally), or these ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scopes {
    /// Held globally: every scope.
    All,
    /// Held in these scopes only (sorted, no duplicates).
    Only(Arc<[i64]>),
}

impl Scopes {
    /// Whether scope `id` is among them.
    pub fn contains(&self, id: i64) -> bool {
        match self {
            Scopes::All => true,
            Scopes::Only(ids) => ids.binary_search(&id).is_ok(),
        }
    }

    /// No scope at all.
    pub fn none() -> Self {
        Scopes::Only(Arc::from([]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_canonical_spelling_names_a_scope() {
        assert_eq!(Scope::parse_id("7"), Some(7));
        assert_eq!(Scope::parse_id("0"), Some(0));
        assert_eq!(Scope::parse_id("9223372036854775807"), Some(i64::MAX));
        for bad in [
            "",
            "+7",
            "-7",
            "07",
            "7 ",
            " 7",
            "7.0",
            "0x7",
            "9223372036854775808",
            "99999999999999999999",
            "٧",
        ] {
            assert_eq!(Scope::parse_id(bad), None, "{bad:?}");
        }
    }
}
