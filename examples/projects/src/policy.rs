//! The project policies: pure functions of an actor and a project, shared by the HTTP handlers,
//! the CLI and the background job through `ProjectService`.
//!
//! An actor's permissions on a team's project include those of its roles in that team: the
//! service hands policies the actor as it stands in the project's team
//! ([`crate::service::ProjectService`] merges them), so `can_edit_project` and
//! `can_delete_project` need not know about teams.

use authz_actix::condition::Condition;
use authz_actix::{Actor, ActorId, Decision, Scopes, escalation, is_owner, policy};

use crate::model::{Project, ProjectPatch};
use crate::perms::{CATALOG, PROJECT_DELETE, PROJECT_READ, PROJECT_WRITE, USER_ADMIN};

/// Who is looking: the actor, and the teams where it holds `project:read` through a team role
/// ([`Scopes::All`] when it holds it globally).
#[derive(Debug, Clone)]
pub struct Viewer<'a> {
    pub actor: &'a Actor,
    pub teams: Scopes,
}

impl<'a> Viewer<'a> {
    /// An actor already standing in the one project's team (its team permissions merged): no
    /// other team matters.
    pub fn in_place(actor: &'a Actor) -> Self {
        Viewer { actor, teams: Scopes::none() }
    }
}

/// `can_view_project`, once, as a condition on a project's columns: evaluated on a loaded
/// project, and rendered as the list query's `WHERE` clause (`authz_sqlx::where_clause`).
pub fn visible_projects(viewer: &Viewer<'_>) -> Condition {
    if viewer.actor.has(PROJECT_READ) {
        return Condition::Always;
    }
    let owner = match viewer.actor.id() {
        ActorId::Int(id) => Condition::Eq("owner_id", *id),
        _ => Condition::Never,
    };
    Condition::any([
        Condition::Is("is_public", true),
        owner,
        Condition::in_scopes("team_id", &viewer.teams),
    ])
}

/// Public projects to anyone authenticated; private ones to project:read holders (globally, or in
/// the project's team) and the owner.
#[policy(rule = "public, or project:read (globally or in the project's team), or owner")]
pub fn can_view_project(viewer: &Viewer<'_>, project: &Project) -> bool {
    visible_projects(viewer).matches(project)
}

/// Not archived, and project:write or (owner and allow_owner_edits); protected fields need
/// project:write.
#[policy(rule = "not archived, and project:write OR (owner AND allow_owner_edits)")]
pub fn can_edit_project(actor: &Actor, project: &Project, patch: &ProjectPatch) -> Decision {
    if project.is_archived {
        return Decision::deny("project is archived").show("archived");
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
        return Decision::deny("project is locked").show("locked");
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
            team_id: None,
        }
    }

    fn view(actor: &Actor, teams: &[i64], project: &Project) -> bool {
        let teams = Scopes::Only(teams.into());
        can_view_project(&Viewer { actor, teams }, project)
    }

    #[test]
    fn view_rules() {
        let private = project(4);
        assert!(view(&actor(4, "member"), &[], &private), "owner");
        assert!(!view(&actor(5, "member"), &[], &private), "stranger");
        assert!(view(&actor(3, "support"), &[], &private), "project:read");
        assert!(
            view(&actor(5, "member"), &[], &Project { is_public: true, ..private.clone() }),
            "public"
        );
        let in_team = Project { team_id: Some(7), ..private.clone() };
        assert!(view(&actor(5, "member"), &[7], &in_team), "project:read in the project's team");
        assert!(!view(&actor(5, "member"), &[8], &in_team), "another team's reader");
        assert!(
            !view(&actor(5, "member"), &[7], &private),
            "a team reader sees no team-less project"
        );
        let system = CATALOG.system_actor("job", &[]);
        assert!(
            !can_view_project(&Viewer::in_place(&system), &Project { owner_id: 0, ..private }),
            "system actors own nothing"
        );
    }

    #[test]
    fn edit() {
        let p = project(4);
        let rename = ProjectPatch { name: Some("n".into()), ..Default::default() };
        let lock = ProjectPatch { is_locked: Some(true), ..Default::default() };
        assert!(can_edit_project(&actor(4, "member"), &p, &rename).is_allowed());
        assert!(!can_edit_project(&actor(4, "member"), &p, &lock).is_allowed(), "protected field");
        assert!(
            !can_edit_project(
                &actor(4, "member"),
                &Project { allow_owner_edits: false, ..p.clone() },
                &rename
            )
            .is_allowed()
        );
        assert!(!can_edit_project(&actor(5, "member"), &p, &rename).is_allowed());
        assert!(can_edit_project(&actor(2, "editor"), &p, &lock).is_allowed());
        assert!(
            !can_edit_project(
                &actor(1, "admin"),
                &Project { is_archived: true, ..p.clone() },
                &rename
            )
            .is_allowed()
        );
        assert!(
            !can_edit_project(&actor(3, "support"), &p, &rename).is_allowed(),
            "read is not write"
        );
    }

    #[test]
    fn delete() {
        let p = project(4);
        assert!(can_delete_project(&actor(1, "admin"), &p).is_allowed());
        assert!(
            !can_delete_project(&actor(1, "admin"), &Project { is_locked: true, ..p.clone() })
                .is_allowed()
        );
        assert!(!can_delete_project(&actor(4, "member"), &p).is_allowed(), "owners cannot delete");
        assert!(!can_delete_project(&actor(2, "editor"), &p).is_allowed());
    }
}

/// No escalation: user:admin, and every permission of the role granted and of the roles replaced.
///
/// `granter` is the actor as it stands in the team (global permissions and those of its roles
/// there); `granted` is the role given (`None` for a revocation); `replaced` are the roles taken
/// away. Written once, for `PUT` and `DELETE /teams/{team_id}/members/{user_id}`.
#[policy(
    rule = "user:admin AND holds every permission of the role granted and of the roles replaced"
)]
pub fn can_change_role(granter: &Actor, granted: Option<&str>, replaced: &[&str]) -> Decision {
    if !granter.has(USER_ADMIN) {
        return Decision::deny("no user:admin in the team");
    }
    let decided = match granted {
        Some(role) => escalation::may_grant(granter, &CATALOG, role, replaced),
        None => escalation::may_revoke(granter, &CATALOG, replaced),
    };
    // Callers pass catalog roles only; anything else is refused, never granted.
    decided.unwrap_or(Decision::deny("not a role of the catalog"))
}
