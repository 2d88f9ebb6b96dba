//! Requirement expressions: what a route demands of its caller.

use core::fmt;

use crate::actor::Principal;
use crate::permission::Permission;
use crate::set::PermissionSet;

/// What a gated route requires of an authenticated actor.
///
/// Built by `#[require_permission(...)]` as `static` data: a literal becomes
/// [`Requirement::Permission`], `any(...)` and `all(...)` nest. Evaluation walks the tree without
/// allocating.
///
/// ```
/// use authz_core::{Permission, Requirement};
///
/// const READ: Permission = Permission::new("project:read");
/// const OWNER_EDIT: Permission = Permission::new("project:edit-own");
/// static R: Requirement = Requirement::Any(&[
///     Requirement::Permission(READ),
///     Requirement::All(&[Requirement::Permission(OWNER_EDIT), Requirement::Permission(READ)]),
/// ]);
/// assert_eq!(R.to_string(), "project:read OR (project:edit-own AND project:read)");
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Requirement {
    /// Any authenticated actor; resource rules are enforced by a policy in the service.
    Authenticated,
    /// The actor holds this permission.
    Permission(Permission),
    /// At least one of these holds.
    Any(&'static [Requirement]),
    /// Every one of these holds.
    All(&'static [Requirement]),
}

impl Requirement {
    /// Whether `actor` meets the requirement.
    pub fn is_satisfied_by<P: Principal + ?Sized>(&self, actor: &P) -> bool {
        match self {
            Requirement::Authenticated => true,
            Requirement::Permission(p) => actor.has_permission(*p),
            Requirement::Any(items) => items.iter().any(|r| r.is_satisfied_by(actor)),
            Requirement::All(items) => items.iter().all(|r| r.is_satisfied_by(actor)),
        }
    }

    /// Whether permissions answered by `has` meet the requirement.
    pub fn is_met_by(&self, has: &dyn Fn(Permission) -> bool) -> bool {
        match self {
            Requirement::Authenticated => true,
            Requirement::Permission(p) => has(*p),
            Requirement::Any(items) => items.iter().any(|r| r.is_met_by(has)),
            Requirement::All(items) => items.iter().all(|r| r.is_met_by(has)),
        }
    }

    /// The permissions the requirement still lacks, for permissions answered by `has`: for a
    /// permission not held, itself; for `all(...)`, what each failing part lacks; for `any(...)`
    /// that fails, what every alternative lacks (any one of them would do). Empty when met. In
    /// order of declaration, each once.
    pub fn missing(&self, has: &dyn Fn(Permission) -> bool) -> Vec<Permission> {
        let mut out = Vec::new();
        self.collect_missing(has, &mut out);
        out
    }

    fn collect_missing(&self, has: &dyn Fn(Permission) -> bool, out: &mut Vec<Permission>) {
        if self.is_met_by(has) {
            return;
        }
        match self {
            Requirement::Authenticated => {}
            Requirement::Permission(p) => {
                if !out.contains(p) {
                    out.push(*p);
                }
            }
            Requirement::Any(items) | Requirement::All(items) => {
                items.iter().for_each(|r| r.collect_missing(has, out))
            }
        }
    }

    /// Whether the permissions in `set` meet the requirement.
    pub fn is_satisfied_by_set(&self, set: &PermissionSet) -> bool {
        self.is_met_by(&|p| set.contains(p))
    }

    /// Every permission named anywhere in the expression, in order of appearance.
    pub fn permissions(&self) -> Vec<Permission> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect(&self, out: &mut Vec<Permission>) {
        match self {
            Requirement::Authenticated => {}
            Requirement::Permission(p) => out.push(*p),
            Requirement::Any(items) | Requirement::All(items) => {
                items.iter().for_each(|r| r.collect(out))
            }
        }
    }

    fn fmt_nested(&self, f: &mut fmt::Formatter<'_>, nested: bool) -> fmt::Result {
        let (items, sep) = match self {
            Requirement::Authenticated => return f.write_str("authenticated"),
            Requirement::Permission(p) => return f.write_str(p.as_str()),
            Requirement::Any(items) => (items, " OR "),
            Requirement::All(items) => (items, " AND "),
        };
        let parens = nested && items.len() > 1;
        if parens {
            f.write_str("(")?;
        }
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                f.write_str(sep)?;
            }
            item.fmt_nested(f, true)?;
        }
        if parens {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// Reads like the matrix column: `project:write`, `a OR b`, `a AND (b OR c)`, `authenticated`.
impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_nested(f, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_names_what_each_failing_branch_lacks() {
        const A: Permission = Permission::new("doc:a");
        const B: Permission = Permission::new("doc:b");
        const C: Permission = Permission::new("doc:c");
        let holds = |held: &'static [Permission]| move |p: Permission| held.contains(&p);
        let all = Requirement::All(&[Requirement::Permission(A), Requirement::Permission(B)]);
        assert_eq!(all.missing(&holds(&[A])), [B]);
        let any = Requirement::Any(&[
            Requirement::Permission(A),
            Requirement::All(&[Requirement::Permission(B), Requirement::Permission(C)]),
        ]);
        assert_eq!(any.missing(&holds(&[B])), [A, C]);
        assert!(any.missing(&holds(&[A])).is_empty());
        assert!(Requirement::Authenticated.missing(&holds(&[])).is_empty());
        let twice = Requirement::Any(&[Requirement::Permission(A), Requirement::Permission(A)]);
        assert_eq!(twice.missing(&holds(&[])), [A]);
    }

    use crate::actor::ActorId;

    struct Holds(&'static [&'static str]);

    impl Principal for Holds {
        fn actor_id(&self) -> &ActorId {
            &ActorId::System("test")
        }
        fn has_permission(&self, p: Permission) -> bool {
            self.0.contains(&p.as_str())
        }
    }

    const A: Requirement = Requirement::Permission(Permission::new("a:a"));
    const B: Requirement = Requirement::Permission(Permission::new("b:b"));
    const C: Requirement = Requirement::Permission(Permission::new("c:c"));

    #[test]
    fn any_all_and_nesting() {
        static ANY: Requirement = Requirement::Any(&[A, B]);
        static ALL: Requirement = Requirement::All(&[A, B]);
        static NESTED: Requirement = Requirement::All(&[A, Requirement::Any(&[B, C])]);
        let cases: &[(&[&str], [bool; 3])] = &[
            (&[], [false, false, false]),
            (&["a:a"], [true, false, false]),
            (&["b:b"], [true, false, false]),
            (&["a:a", "b:b"], [true, true, true]),
            (&["a:a", "c:c"], [true, false, true]),
        ];
        for (held, [any, all, nested]) in cases {
            let who = Holds(held);
            assert_eq!(ANY.is_satisfied_by(&who), *any, "any {held:?}");
            assert_eq!(ALL.is_satisfied_by(&who), *all, "all {held:?}");
            assert_eq!(NESTED.is_satisfied_by(&who), *nested, "nested {held:?}");
        }
        assert!(Requirement::Authenticated.is_satisfied_by(&Holds(&[])));
        assert_eq!(NESTED.to_string(), "a:a AND (b:b OR c:c)");
        assert_eq!(NESTED.permissions().len(), 3);
    }
}
