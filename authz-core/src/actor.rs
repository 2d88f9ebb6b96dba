//! Actors: who is acting, with which roles and permissions.

use core::any::Any;
use core::fmt;

use crate::catalog::{Catalog, UnknownRole};
use crate::permission::Permission;
use crate::set::PermissionSet;

/// An actor's stable identifier, as recorded in audit events and compared by ownership checks.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum ActorId {
    /// A numeric user id (database primary key).
    Int(i64),
    /// A textual id (UUID, subject claim, ...).
    Text(Box<str>),
    /// A named system actor, such as a background job; never the owner of anything.
    System(&'static str),
}

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActorId::Int(n) => write!(f, "{n}"),
            ActorId::Text(s) => f.write_str(s),
            ActorId::System(name) => write!(f, "system:{name}"),
        }
    }
}

impl fmt::Debug for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<i64> for ActorId {
    fn from(id: i64) -> Self {
        ActorId::Int(id)
    }
}

impl From<&str> for ActorId {
    fn from(id: &str) -> Self {
        ActorId::Text(id.into())
    }
}

impl From<String> for ActorId {
    fn from(id: String) -> Self {
        ActorId::Text(id.into_boxed_str())
    }
}

impl PartialEq<i64> for ActorId {
    fn eq(&self, other: &i64) -> bool {
        matches!(self, ActorId::Int(n) if n == other)
    }
}

impl PartialEq<str> for ActorId {
    fn eq(&self, other: &str) -> bool {
        matches!(self, ActorId::Text(s) if &**s == other)
    }
}

impl PartialEq<&str> for ActorId {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

/// What the framework needs from an actor type: an id for audit and a permission test.
///
/// [`Actor`] implements it; an app with its own user type implements these two methods and uses
/// its type everywhere an actor is expected (the resolver, `CurrentActor<MyUser>`, policies).
pub trait Principal: Any {
    /// The id written to audit events and compared by [`crate::is_owner`].
    fn actor_id(&self) -> &ActorId;

    /// Whether the actor holds `permission`.
    fn has_permission(&self, permission: Permission) -> bool;

    /// The actor's permissions as a catalog bitset, when it has one: gates then check a
    /// [`CompiledRequirement`](crate::CompiledRequirement) — a few ANDs — instead of asking
    /// `has_permission` per name.
    fn permission_set(&self) -> Option<&PermissionSet> {
        None
    }
}

/// The built-in actor: an id, the roles it was given and the permissions those roles grant.
///
/// Roles are resolved to permissions once, when the actor is built ([`Catalog::actor`]); checks
/// afterwards are bit tests.
#[derive(Clone)]
pub struct Actor {
    id: ActorId,
    roles: u64,
    permissions: PermissionSet,
}

impl Actor {
    /// The actor's id.
    pub fn id(&self) -> &ActorId {
        &self.id
    }

    /// Names of the roles the actor was built with, in catalog order.
    pub fn roles(&self) -> impl Iterator<Item = &'static str> + '_ {
        let roles = self.permissions.catalog().roles();
        roles.iter().enumerate().filter(|(i, _)| self.roles & (1 << i) != 0).map(|(_, r)| r.name)
    }

    /// Whether the actor was given `role`. Prefer permission checks: see the crate docs.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles().any(|r| r == role)
    }

    /// The actor's permissions.
    pub fn permissions(&self) -> &PermissionSet {
        &self.permissions
    }

    /// Whether the actor holds `permission`.
    #[inline]
    pub fn has(&self, permission: Permission) -> bool {
        self.permissions.contains(permission)
    }

    /// Whether this is a system actor (see [`Catalog::system_actor`]).
    pub fn is_system(&self) -> bool {
        matches!(self.id, ActorId::System(_))
    }

    /// Adds a permission granted directly rather than through a role; returns `false` when the
    /// catalog does not declare it.
    pub fn grant(&mut self, permission: Permission) -> bool {
        self.permissions.insert(permission)
    }
}

impl Principal for Actor {
    fn actor_id(&self) -> &ActorId {
        &self.id
    }

    #[inline]
    fn has_permission(&self, permission: Permission) -> bool {
        self.has(permission)
    }

    #[inline]
    fn permission_set(&self) -> Option<&PermissionSet> {
        Some(&self.permissions)
    }
}

impl fmt::Debug for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Actor")
            .field("id", &self.id)
            .field("roles", &self.roles().collect::<Vec<_>>())
            .field("permissions", &self.permissions)
            .finish()
    }
}

impl Catalog {
    /// Builds an actor with `roles`, resolving them to permissions now.
    ///
    /// An unknown role is an error rather than silently ignored: a role stored with a user that the
    /// catalog no longer declares deserves attention.
    pub fn actor(
        &'static self,
        id: impl Into<ActorId>,
        roles: impl RoleNames,
    ) -> Result<Actor, UnknownRole> {
        let (permissions, roles) = self.permissions_for_roles(roles.names())?;
        Ok(Actor { id: id.into(), roles, permissions })
    }

    /// A named actor for work no user started — a CLI maintenance command, a nightly job — holding
    /// exactly `permissions` (undeclared ones are ignored).
    ///
    /// Its use is logged at INFO (target `authz`), so every run without a user leaves a trace. The
    /// name appears in audit events as `system:NAME`.
    pub fn system_actor(&'static self, name: &'static str, permissions: &[Permission]) -> Actor {
        let mut set = PermissionSet::empty(self);
        for p in permissions {
            set.insert(*p);
        }
        tracing::info!(
            target: "authz",
            actor = %ActorId::System(name),
            permissions = ?set,
            "system actor in use"
        );
        Actor { id: ActorId::System(name), roles: 0, permissions: set }
    }
}

/// Whether `actor` owns a resource whose owner is `owner`.
///
/// Ownership is a relationship, not a role: combine it with permissions in policy functions.
/// System actors own nothing.
///
/// ```
/// # use authz_core::{Catalog, is_owner};
/// # static CATALOG: Catalog = Catalog::new(&[], &[]);
/// let bob = CATALOG.actor(4, []).unwrap();
/// assert!(is_owner(&bob, 4_i64));
/// assert!(!is_owner(&bob, 5_i64));
/// ```
pub fn is_owner<P, O>(actor: &P, owner: O) -> bool
where
    P: Principal + ?Sized,
    ActorId: PartialEq<O>,
{
    *actor.actor_id() == owner
}

/// The role names [`Catalog::actor`] takes: an array of names (`[]` for none, `["admin"]`), or a
/// slice or `Vec` of `&str` or `String`. A trait rather than any `IntoIterator` of `AsRef<str>`, so
/// that an actor with no roles is written `CATALOG.actor(9, [])`: with one kind of array to choose
/// from, the empty one needs no annotation.
pub trait RoleNames {
    /// Each name, in order.
    fn names(&self) -> impl Iterator<Item = &str> + '_;
}

impl<const N: usize> RoleNames for [&str; N] {
    fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.iter().copied()
    }
}

impl<const N: usize> RoleNames for &[&str; N] {
    fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.iter().copied()
    }
}

impl RoleNames for &[&str] {
    fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.iter().copied()
    }
}

impl RoleNames for Vec<&str> {
    fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.iter().copied()
    }
}

impl RoleNames for &[String] {
    fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.iter().map(String::as_str)
    }
}

impl RoleNames for Vec<String> {
    fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.iter().map(String::as_str)
    }
}

impl RoleNames for &Vec<String> {
    fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.iter().map(String::as_str)
    }
}
