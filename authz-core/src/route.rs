//! Route records: what `#[require_permission]` knows about a handler.

use crate::decision::Deny;
use crate::requirement::Requirement;

/// Everything one `#[require_permission]` declares, as `static` data in the binary.
///
/// The gate checks requests against it; the matrix is rendered from it.
#[derive(Debug, Clone, Copy)]
pub struct RouteMeta {
    /// The handler function's name.
    pub handler: &'static str,
    /// `module_path!()` where the handler is declared.
    pub module: &'static str,
    /// Source file of the declaration.
    pub file: &'static str,
    /// Source line of the declaration.
    pub line: u32,
    /// HTTP methods, upper case, as the route attribute gives them.
    pub methods: &'static [&'static str],
    /// The path as written in the route attribute (scope prefixes not included).
    pub path: &'static str,
    /// What the caller must hold.
    pub requirement: Requirement,
    /// How a refusal is answered.
    pub deny: Deny,
    /// The policy function the service enforces on the loaded resource, if any.
    pub policy: Option<PolicyRef>,
    /// The operation, from `operation = "..."` or the first line of the handler's doc comment.
    pub operation: &'static str,
}

/// A reference to a policy function, as written in `policy = path::to::fn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyRef {
    /// The path as written, e.g. `policies::can_edit_project`.
    pub path: &'static str,
}

impl PolicyRef {
    /// The function's name: the last path segment.
    pub fn name(&self) -> &'static str {
        self.path.rsplit("::").next().unwrap_or(self.path)
    }
}
