//! The catalog: every permission an app knows, with a description, and its roles.

use std::sync::OnceLock;

use crate::permission::{Permission, str_eq};
use crate::set::{Bits, PermissionSet};

/// A declared permission and the sentence that explains it in the matrix.
#[derive(Debug, Clone, Copy)]
pub struct PermissionDef {
    /// The permission.
    pub permission: Permission,
    /// One line for people, e.g. "Create and edit projects".
    pub description: &'static str,
}

/// A role and the permissions it grants.
#[derive(Debug, Clone, Copy)]
pub struct RoleDef {
    /// The role's name as stored with users, e.g. `admin`.
    pub name: &'static str,
    /// The permissions the role grants; each must be declared in the same catalog.
    pub permissions: &'static [Permission],
}

/// Something wrong in a catalog's declarations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// The same permission is declared twice.
    #[error("permission `{0}` is declared twice")]
    DuplicatePermission(&'static str),
    /// The same role is declared twice.
    #[error("role `{0}` is declared twice")]
    DuplicateRole(&'static str),
    /// A role grants a permission the catalog does not declare.
    #[error("role `{role}` grants `{permission}`, which is not declared in the catalog")]
    UndeclaredPermission {
        /// The role.
        role: &'static str,
        /// The permission it names.
        permission: &'static str,
    },
    /// A role name outside `[a-z][a-z0-9_-]*`.
    #[error("role name `{0}` must match `[a-z][a-z0-9_-]*`")]
    InvalidRoleName(&'static str),
    /// More permissions than an actor's fixed-size set can hold.
    #[error("a catalog holds at most {} permissions", Catalog::MAX_PERMISSIONS)]
    TooManyPermissions,
    /// More roles than an actor's role mask can hold.
    #[error("a catalog holds at most {} roles", Catalog::MAX_ROLES)]
    TooManyRoles,
    /// A role includes a role the catalog does not declare, or lacks one of its permissions
    /// (an including role's permissions are the included roles' too).
    #[error("role `{role}` includes `{included}`, which is not a role whose permissions it has")]
    BadInclusion {
        /// The including role.
        role: &'static str,
        /// The role it names.
        included: &'static str,
    },
}

/// A role that includes others (`editor = { includes = ["member"], ... }` in `authz.toml`): its
/// permissions already hold theirs; this says where they came from, for the matrix.
#[derive(Debug, Clone, Copy)]
pub struct Inclusion {
    /// The including role.
    pub role: &'static str,
    /// The roles it includes, as written.
    pub includes: &'static [&'static str],
}

/// A role name that the catalog does not declare (for example one read from a database).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`")]
pub struct UnknownRole(pub String);

/// Every permission an app knows, and the roles that grant them.
///
/// The catalog is the universe an actor's [`PermissionSet`] is drawn from: a set is a fixed-size
/// bitset indexed by catalog position, so a membership test is a bit test and building an actor
/// from its roles is a few word-wide ORs. Role bitsets are computed once per catalog, on first use.
///
/// Catalogs are `static` and checked while compiling:
///
/// ```
/// use authz_core::{Catalog, Permission, PermissionDef, RoleDef};
///
/// const READ: Permission = Permission::new("project:read");
/// const WRITE: Permission = Permission::new("project:write");
///
/// static CATALOG: Catalog = Catalog::new(
///     &[
///         PermissionDef { permission: READ, description: "Read private projects" },
///         PermissionDef { permission: WRITE, description: "Create and edit projects" },
///     ],
///     &[
///         RoleDef { name: "editor", permissions: &[READ, WRITE] },
///         RoleDef { name: "member", permissions: &[] },
///     ],
/// );
///
/// let erin = CATALOG.actor(7, ["editor"]).unwrap();
/// assert!(erin.permissions().contains(WRITE));
/// ```
///
/// A role that grants an undeclared permission, a duplicate, or a bad role name fails the build:
///
/// ```compile_fail
/// use authz_core::{Catalog, Permission, PermissionDef, RoleDef};
/// static CATALOG: Catalog = Catalog::new(
///     &[PermissionDef { permission: Permission::new("project:read"), description: "" }],
///     &[RoleDef { name: "editor", permissions: &[Permission::new("project:write")] }],
/// );
/// ```
#[derive(Debug)]
pub struct Catalog {
    permissions: &'static [PermissionDef],
    roles: &'static [RoleDef],
    inclusions: &'static [Inclusion],
    role_bits: OnceLock<Box<[Bits]>>,
}

impl Catalog {
    /// Most permissions one catalog may declare.
    pub const MAX_PERMISSIONS: usize = crate::set::CAPACITY;
    /// Most roles one catalog may declare.
    pub const MAX_ROLES: usize = 64;

    /// Builds a catalog, checking it.
    ///
    /// # Panics
    ///
    /// On any [`CatalogError`]; in a `static` initializer that is a compile error.
    pub const fn new(permissions: &'static [PermissionDef], roles: &'static [RoleDef]) -> Self {
        Self::with_inclusions(permissions, roles, &[])
    }

    /// Builds a catalog whose roles include others (`catalog!()` writes this for `includes` in
    /// `authz.toml`), checking it: each role's permissions must already hold those of the roles it
    /// includes.
    ///
    /// # Panics
    ///
    /// On any [`CatalogError`]; in a `static` initializer that is a compile error.
    pub const fn with_inclusions(
        permissions: &'static [PermissionDef],
        roles: &'static [RoleDef],
        inclusions: &'static [Inclusion],
    ) -> Self {
        if let Err(e) = Self::check_inclusions(roles, inclusions) {
            match e {
                CatalogError::BadInclusion { .. } => {
                    panic!("catalog: a role includes an unknown role or lacks its permissions")
                }
                _ => panic!("catalog: bad inclusion"),
            }
        }
        if let Err(e) = Self::check(permissions, roles) {
            // `const` panics cannot format; name the rule, the runtime `check` names the entry.
            match e {
                CatalogError::DuplicatePermission(_) => {
                    panic!("catalog: a permission is declared twice")
                }
                CatalogError::DuplicateRole(_) => panic!("catalog: a role is declared twice"),
                CatalogError::UndeclaredPermission { .. } => {
                    panic!("catalog: a role grants a permission that is not declared")
                }
                CatalogError::InvalidRoleName(_) => {
                    panic!("catalog: role names must match `[a-z][a-z0-9_-]*`")
                }
                CatalogError::TooManyPermissions => panic!("catalog: too many permissions"),
                CatalogError::TooManyRoles => panic!("catalog: too many roles"),
                CatalogError::BadInclusion { .. } => panic!("catalog: bad inclusion"),
            }
        }
        Catalog { permissions, roles, inclusions, role_bits: OnceLock::new() }
    }

    /// Checks that every inclusion names declared roles and that each including role holds the
    /// permissions of the roles it includes.
    pub const fn check_inclusions(
        roles: &'static [RoleDef],
        inclusions: &'static [Inclusion],
    ) -> Result<(), CatalogError> {
        let mut i = 0;
        while i < inclusions.len() {
            let inclusion = inclusions[i];
            let Some(role) = const_role(roles, inclusion.role) else {
                return Err(CatalogError::BadInclusion {
                    role: inclusion.role,
                    included: inclusion.role,
                });
            };
            let mut j = 0;
            while j < inclusion.includes.len() {
                let name = inclusion.includes[j];
                let bad = CatalogError::BadInclusion { role: inclusion.role, included: name };
                let Some(included) = const_role(roles, name) else { return Err(bad) };
                let mut p = 0;
                while p < included.permissions.len() {
                    let mut held = false;
                    let mut q = 0;
                    while q < role.permissions.len() {
                        held |=
                            str_eq(role.permissions[q].as_str(), included.permissions[p].as_str());
                        q += 1;
                    }
                    if !held {
                        return Err(bad);
                    }
                    p += 1;
                }
                j += 1;
            }
            i += 1;
        }
        Ok(())
    }

    /// The roles `role` includes, as written in `authz.toml` (empty for most roles).
    pub fn includes(&self, role: &str) -> &'static [&'static str] {
        self.inclusions.iter().find(|i| i.role == role).map_or(&[], |i| i.includes)
    }

    /// Checks declarations without building, naming the offending entry.
    pub const fn check(
        permissions: &'static [PermissionDef],
        roles: &'static [RoleDef],
    ) -> Result<(), CatalogError> {
        if permissions.len() > Self::MAX_PERMISSIONS {
            return Err(CatalogError::TooManyPermissions);
        }
        if roles.len() > Self::MAX_ROLES {
            return Err(CatalogError::TooManyRoles);
        }
        let mut i = 0;
        while i < permissions.len() {
            let mut j = i + 1;
            while j < permissions.len() {
                if str_eq(permissions[i].permission.as_str(), permissions[j].permission.as_str()) {
                    return Err(CatalogError::DuplicatePermission(
                        permissions[i].permission.as_str(),
                    ));
                }
                j += 1;
            }
            i += 1;
        }
        let mut r = 0;
        while r < roles.len() {
            let role = roles[r];
            if !valid_role_name(role.name) {
                return Err(CatalogError::InvalidRoleName(role.name));
            }
            let mut s = r + 1;
            while s < roles.len() {
                if str_eq(role.name, roles[s].name) {
                    return Err(CatalogError::DuplicateRole(role.name));
                }
                s += 1;
            }
            let mut p = 0;
            while p < role.permissions.len() {
                if const_index_of(permissions, role.permissions[p].as_str()).is_none() {
                    return Err(CatalogError::UndeclaredPermission {
                        role: role.name,
                        permission: role.permissions[p].as_str(),
                    });
                }
                p += 1;
            }
            r += 1;
        }
        Ok(())
    }

    /// The declared permissions, in declaration order.
    pub fn permissions(&self) -> &'static [PermissionDef] {
        self.permissions
    }

    /// The declared roles, in declaration order.
    pub fn roles(&self) -> &'static [RoleDef] {
        self.roles
    }

    /// The declared permission called `name`, carrying its catalog index so later tests skip the
    /// search.
    pub fn permission(&self, name: &str) -> Option<Permission> {
        let i = const_index_of(self.permissions, name)?;
        Some(self.permissions[i].permission.with_slot(i))
    }

    /// Position of `p` in this catalog.
    #[inline]
    pub(crate) fn index_of(&self, p: Permission) -> Option<usize> {
        if let Some(i) = p.slot()
            && let Some(def) = self.permissions.get(i)
            && same_name(def.permission.as_str(), p.as_str())
        {
            return Some(i);
        }
        self.index_by_name(p.as_str())
    }

    #[cold]
    fn index_by_name(&self, name: &str) -> Option<usize> {
        self.permissions.iter().position(|d| d.permission.as_str() == name)
    }

    pub(crate) fn role_index(&self, name: &str) -> Option<usize> {
        self.roles.iter().position(|r| r.name == name)
    }

    pub(crate) fn role_bits(&self, role: usize) -> Bits {
        let all = self.role_bits.get_or_init(|| {
            self.roles
                .iter()
                .map(|r| {
                    let mut bits = Bits::default();
                    for p in r.permissions {
                        // `check` proved every granted permission is declared.
                        if let Some(i) = self.index_of(*p) {
                            bits.insert(i);
                        }
                    }
                    bits
                })
                .collect()
        });
        all[role]
    }

    /// The permissions granted by `roles`, computed once here rather than at each check.
    pub fn permissions_for_roles<I, S>(
        &'static self,
        roles: I,
    ) -> Result<(PermissionSet, u64), UnknownRole>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut bits = Bits::default();
        let mut mask = 0u64;
        for role in roles {
            let role = role.as_ref();
            let i = self.role_index(role).ok_or_else(|| UnknownRole(role.to_owned()))?;
            mask |= 1 << i;
            bits.union_with(&self.role_bits(i));
        }
        Ok((PermissionSet::from_bits(self, bits), mask))
    }
}

/// Name equality, first by address: a permission obtained from the catalog shares its name's
/// storage, which makes the usual check two word compares.
#[inline]
fn same_name(a: &str, b: &str) -> bool {
    (core::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len()) || a == b
}

const fn const_role(roles: &'static [RoleDef], name: &str) -> Option<RoleDef> {
    let mut i = 0;
    while i < roles.len() {
        if str_eq(roles[i].name, name) {
            return Some(roles[i]);
        }
        i += 1;
    }
    None
}

const fn const_index_of(permissions: &[PermissionDef], name: &str) -> Option<usize> {
    let mut i = 0;
    while i < permissions.len() {
        if str_eq(permissions[i].permission.as_str(), name) {
            return Some(i);
        }
        i += 1;
    }
    None
}

const fn valid_role_name(name: &str) -> bool {
    let b = name.as_bytes();
    if b.is_empty() || !b[0].is_ascii_lowercase() {
        return false;
    }
    let mut i = 1;
    while i < b.len() {
        let c = b[i];
        if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-') {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_including_role_must_hold_what_it_includes() {
        const R: Permission = Permission::new("doc:read");
        const W: Permission = Permission::new("doc:write");
        static ROLES: &[RoleDef] = &[
            RoleDef { name: "reader", permissions: &[R] },
            RoleDef { name: "writer", permissions: &[W, R] },
            RoleDef { name: "stale", permissions: &[W] },
        ];
        let ok: &'static [Inclusion] = &[Inclusion { role: "writer", includes: &["reader"] }];
        assert_eq!(Catalog::check_inclusions(ROLES, ok), Ok(()));
        let lacking: &'static [Inclusion] = &[Inclusion { role: "stale", includes: &["reader"] }];
        assert_eq!(
            Catalog::check_inclusions(ROLES, lacking),
            Err(CatalogError::BadInclusion { role: "stale", included: "reader" })
        );
        let unknown: &'static [Inclusion] = &[Inclusion { role: "writer", includes: &["nobody"] }];
        assert!(Catalog::check_inclusions(ROLES, unknown).is_err());
        static PERMISSIONS: &[PermissionDef] = &[
            PermissionDef { permission: R, description: "Read" },
            PermissionDef { permission: W, description: "Write" },
        ];
        static CATALOG: Catalog = Catalog::with_inclusions(
            PERMISSIONS,
            ROLES,
            &[Inclusion { role: "writer", includes: &["reader"] }],
        );
        assert_eq!(CATALOG.includes("writer"), ["reader"]);
        assert!(CATALOG.includes("reader").is_empty());
    }

    const R: Permission = Permission::new("project:read");
    const W: Permission = Permission::new("project:write");
    const D: Permission = Permission::new("project:delete");
    const DEFS: &[PermissionDef] = &[
        PermissionDef { permission: R, description: "read" },
        PermissionDef { permission: W, description: "write" },
        PermissionDef { permission: D, description: "delete" },
    ];

    #[test]
    fn check_names_the_offending_entry() {
        static DUP: [PermissionDef; 3] = [DEFS[0], DEFS[1], DEFS[0]];
        assert_eq!(
            Catalog::check(&DEFS[..2], &[RoleDef { name: "admin", permissions: &[R, D] }]),
            Err(CatalogError::UndeclaredPermission { role: "admin", permission: "project:delete" })
        );
        assert_eq!(
            Catalog::check(&DUP, &[]),
            Err(CatalogError::DuplicatePermission("project:read"))
        );
        assert_eq!(
            Catalog::check(
                DEFS,
                &[RoleDef { name: "a", permissions: &[] }, RoleDef { name: "a", permissions: &[] }]
            ),
            Err(CatalogError::DuplicateRole("a"))
        );
        assert_eq!(
            Catalog::check(DEFS, &[RoleDef { name: "Admin", permissions: &[] }]),
            Err(CatalogError::InvalidRoleName("Admin"))
        );
    }

    #[test]
    fn roles_union_their_permissions() {
        static C: Catalog = Catalog::new(
            DEFS,
            &[
                RoleDef { name: "reader", permissions: &[R] },
                RoleDef { name: "deleter", permissions: &[D] },
                RoleDef { name: "member", permissions: &[] },
            ],
        );
        let (set, mask) = C.permissions_for_roles(["reader", "deleter"]).unwrap();
        assert_eq!(mask, 0b011);
        assert!(set.contains(R) && set.contains(D) && !set.contains(W));
        let (none, _) = C.permissions_for_roles(["member"]).unwrap();
        assert!(none.is_empty());
        assert_eq!(C.permissions_for_roles(["root"]).unwrap_err(), UnknownRole("root".into()));
        // A slotted permission and an unslotted one behave the same.
        assert_eq!(C.permission("project:delete"), Some(D));
        assert!(set.contains(C.permission("project:delete").unwrap()));
        assert!(!set.contains(Permission::new("other:thing")));
    }
}
