//! The project policies: pure functions of an actor and a project, shared by the HTTP handlers,
//! the CLI and the background job through `ProjectService`.

use authz_actix::{is_owner, policy, Actor, Decision};

use crate::model::{Project, ProjectPatch};
use crate::perms::{PROJECT_DELETE, PROJECT_READ, PROJECT_WRITE};

/// Public projects to anyone authenticated; private ones to project:read holders and the owner.
#[policy(rule = "public, or project:read, or owner")]
pub fn can_view_project(actor: &Actor, project: &Project) -> bool {
    project.is_public || actor.has(PROJECT_READ) || is_owner(actor, project.owner_id)
}

/// Not archived, and project:write or (owner and allow_owner_edits); protected fields need
/// project:write.
#[policy(rule = "not archived, and project:write OR (owner AND allow_owner_edits)")]
pub fn can_edit_project(actor: &Actor, project: &Project, patch: &ProjectPatch) -> Decision {
    if project.is_archived {
        return Decision::deny("project is archived");
    }
    if actor.has(PROJECT_WRITE) {
        return Decision::allow("project:write");
    }
    if !(is_owner(actor, project.owner_id) && project.allow_owner_edits) {
        return Decision::deny("neither project:write nor an owner allowed to edit");
    }
    if patch.touches_protected_fields() {
        return Decision::deny("protected fields need project:write");
    }
    Decision::allow("owner edit")
}

/// project:delete, and the project is not locked.
#[policy(rule = "project:delete AND not locked")]
pub fn can_delete_project(actor: &Actor, project: &Project) -> Decision {
    if !actor.has(PROJECT_DELETE) {
        return Decision::deny("no project:delete");
    }
    if project.is_locked {
        return Decision::deny("project is locked");
    }
    Decision::allow("project:delete")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perms::CATALOG;

    fn actor(id: i64, role: &str) -> Actor {
        CATALOG.actor(id, [role]).expect("role")
    }

    fn project(owner_id: i64) -> Project {
        Project {
            id: 1,
            name: "p".into(),
            owner_id,
            is_public: false,
            is_archived: false,
            is_locked: false,
            allow_owner_edits: true,
        }
    }

    #[test]
    fn view() {
        let private = project(4);
        assert!(can_view_project(&actor(4, "member"), &private), "owner");
        assert!(!can_view_project(&actor(5, "member"), &private), "stranger");
        assert!(can_view_project(&actor(3, "support"), &private), "project:read");
        assert!(can_view_project(&actor(5, "member"), &Project { is_public: true, ..private }), "public");
    }

    #[test]
    fn edit() {
        let p = project(4);
        let rename = ProjectPatch { name: Some("n".into()), ..Default::default() };
        let lock = ProjectPatch { is_locked: Some(true), ..Default::default() };
        assert!(can_edit_project(&actor(4, "member"), &p, &rename).is_allowed());
        assert!(!can_edit_project(&actor(4, "member"), &p, &lock).is_allowed(), "protected field");
        assert!(!can_edit_project(&actor(4, "member"), &Project { allow_owner_edits: false, ..p.clone() }, &rename).is_allowed());
        assert!(!can_edit_project(&actor(5, "member"), &p, &rename).is_allowed());
        assert!(can_edit_project(&actor(2, "editor"), &p, &lock).is_allowed());
        assert!(!can_edit_project(&actor(1, "admin"), &Project { is_archived: true, ..p.clone() }, &rename).is_allowed());
        assert!(!can_edit_project(&actor(3, "support"), &p, &rename).is_allowed(), "read is not write");
    }

    #[test]
    fn delete() {
        let p = project(4);
        assert!(can_delete_project(&actor(1, "admin"), &p).is_allowed());
        assert!(!can_delete_project(&actor(1, "admin"), &Project { is_locked: true, ..p.clone() }).is_allowed());
        assert!(!can_delete_project(&actor(4, "member"), &p).is_allowed(), "owners cannot delete");
        assert!(!can_delete_project(&actor(2, "editor"), &p).is_allowed());
    }
}
