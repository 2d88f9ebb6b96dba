//! No escalation: whoever grants, changes or revokes a role must already hold every permission
//! that role carries — the rule every role-granting endpoint needs, over the catalog.
//!
//! Without it, holding the permission to manage members is enough to hand anyone, oneself
//! included, a role stronger than one's own: a support user with `user:admin` but not
//! `project:write` grants herself `admin` in a team and then writes there. With it, a granter can
//! pass on only what it holds (in the scope, through its global roles or its roles there), and
//! can take away only what it could have given: replacing or revoking a role needs that role's
//! permissions too.
//!
//! ```
//! use authz_core::{escalation, Catalog, Permission, PermissionDef, RoleDef};
//!
//! const READ: Permission = Permission::new("doc:read");
//! const WRITE: Permission = Permission::new("doc:write");
//! const ADMIN: Permission = Permission::new("user:admin");
//! static CATALOG: Catalog = Catalog::new(
//!     &[
//!         PermissionDef { permission: READ, description: "Read" },
//!         PermissionDef { permission: WRITE, description: "Write" },
//!         PermissionDef { permission: ADMIN, description: "Manage members" },
//!     ],
//!     &[
//!         RoleDef { name: "admin", permissions: &[READ, WRITE, ADMIN] },
//!         RoleDef { name: "support", permissions: &[READ, ADMIN] },
//!         RoleDef { name: "viewer", permissions: &[READ] },
//!     ],
//! );
//!
//! let support = CATALOG.actor(3, ["support"]).unwrap();
//! assert!(escalation::may_grant(&support, &CATALOG, "viewer", &[]).unwrap().is_allowed());
//! // Not a role with `doc:write`, which support does not hold; nor replace one.
//! assert!(!escalation::may_grant(&support, &CATALOG, "admin", &[]).unwrap().is_allowed());
//! assert!(!escalation::may_grant(&support, &CATALOG, "viewer", &["admin"]).unwrap().is_allowed());
//! assert_eq!(escalation::unheld(&support, &CATALOG, &["admin"]).unwrap(), [WRITE]);
//! ```

use crate::actor::Principal;
use crate::catalog::{Catalog, UnknownRole};
use crate::decision::Decision;
use crate::permission::Permission;

/// The permissions of `roles` that `granter` does not hold, in catalog order: empty when granting
/// (or taking away) them gives nobody more than `granter` has.
pub fn unheld(
    granter: &dyn Principal,
    catalog: &'static Catalog,
    roles: &[&str],
) -> Result<Vec<Permission>, UnknownRole> {
    let (carried, _) = catalog.permissions_for_roles(roles.iter().copied())?;
    Ok(carried.iter().filter(|p| !granter.has_permission(*p)).collect())
}

/// Whether `granter` may make `role` someone's in a scope where `replaced` are the roles it takes
/// the place of (none for a new member). `granter` is the actor as it stands in that scope: its
/// global permissions and those of its roles there. For a revocation, see [`may_revoke`].
pub fn may_grant(
    granter: &dyn Principal,
    catalog: &'static Catalog,
    role: &str,
    replaced: &[&str],
) -> Result<Decision, UnknownRole> {
    if !unheld(granter, catalog, &[role])?.is_empty() {
        return Ok(Decision::deny("the role carries permissions the granter does not hold"));
    }
    may_revoke(granter, catalog, replaced).map(|d| {
        if d.is_allowed() {
            Decision::allow("the granter holds every permission involved")
        } else {
            d
        }
    })
}

/// Whether `granter` may take `roles` away from someone: only if it holds every permission they
/// carry.
pub fn may_revoke(
    granter: &dyn Principal,
    catalog: &'static Catalog,
    roles: &[&str],
) -> Result<Decision, UnknownRole> {
    Ok(if unheld(granter, catalog, roles)?.is_empty() {
        Decision::allow("the granter holds every permission of the roles taken away")
    } else {
        Decision::deny("a role taken away carries permissions the granter does not hold")
    })
}

#[cfg(test)]
mod tests {
    use super::{may_grant, may_revoke, unheld};
    use crate::{Catalog, Permission, PermissionDef, RoleDef};

    const A: Permission = Permission::new("p:a");
    const B: Permission = Permission::new("p:b");
    static CATALOG: Catalog = Catalog::new(
        &[
            PermissionDef { permission: A, description: "a" },
            PermissionDef { permission: B, description: "b" },
        ],
        &[
            RoleDef { name: "both", permissions: &[A, B] },
            RoleDef { name: "a", permissions: &[A] },
            RoleDef { name: "none", permissions: &[] },
        ],
    );

    #[test]
    fn a_granter_passes_on_and_takes_away_only_what_it_holds() {
        let roles = ["both", "a", "none"];
        for held in roles {
            let granter = CATALOG.actor(1, [held]).unwrap();
            for granted in roles {
                for replaced in [&[][..], &["both"][..], &["a"][..], &["none"][..]] {
                    let involved: Vec<&str> =
                        std::iter::once(granted).chain(replaced.iter().copied()).collect();
                    let (needed, _) = CATALOG.permissions_for_roles(&involved).unwrap();
                    let expected = needed.iter().all(|p| granter.has(p));
                    let decided =
                        may_grant(&granter, &CATALOG, granted, replaced).unwrap().is_allowed();
                    assert_eq!(decided, expected, "{held} grants {granted} replacing {replaced:?}");
                }
            }
            let all_revocable = roles.iter().all(|r| {
                may_revoke(&granter, &CATALOG, &[*r]).unwrap().is_allowed()
                    == unheld(&granter, &CATALOG, &[*r]).unwrap().is_empty()
            });
            assert!(all_revocable);
        }
        assert!(
            may_grant(&CATALOG.actor(1, ["a"]).unwrap(), &CATALOG, "nobody", &[]).is_err(),
            "unknown roles are errors"
        );
    }
}
