//! Granting roles cannot escalate: for every team, granter, target and role, on every database
//! configured (SQLite always, PostgreSQL in CI), `PUT` and `DELETE
//! /teams/{team_id}/members/{user_id}` decide as the DESIGN rule says — checked against an oracle
//! written from that rule, not from the service's code — and a refused change leaves the grants
//! as they were.
//!
//! The rule: user:admin in the team (globally or through one's roles there), and every
//! permission of the role granted and of the role replaced (or revoked) held there; 404 to a
//! granter with no role in the team and no global user:admin.

mod support;

use authz_actix::{AuthzError, Permission};
use projects::perms::{CATALOG, USER_ADMIN};
use projects::service::{ProjectService, ServiceError};
use projects::teams::Teams;
use support::{Who, databases, users};

/// Team roles on top of the demo's (apollo: erin editor), so that granters stand in teams through
/// roles of their own: dave is support in apollo (user:admin there, no project:write), bob is
/// admin in zephyr.
const EXTRA: &[(&str, &str, &str)] = &[("apollo", "dave", "support"), ("zephyr", "bob", "admin")];

fn role_permissions(role: &str) -> &'static [Permission] {
    CATALOG.roles().iter().find(|r| r.name == role).map(|r| r.permissions).unwrap_or_default()
}

/// What the rule answers: the granter's global role and its role in the team (if any), the role
/// granted (`None`: a revocation) and the target's role there now.
fn expected(
    global: &str,
    in_team: Option<&str>,
    granted: Option<&str>,
    current: Option<&str>,
) -> u16 {
    let holds = |p: &Permission| {
        role_permissions(global).contains(p)
            || in_team.is_some_and(|r| role_permissions(r).contains(p))
    };
    if in_team.is_none() && !role_permissions(global).contains(&USER_ADMIN) {
        return 404;
    }
    if !holds(&USER_ADMIN) {
        return 403;
    }
    let involved = granted.into_iter().chain(current);
    if !involved.flat_map(role_permissions).all(holds) {
        return 403;
    }
    match (granted, current) {
        (Some(_), _) => 200,
        (None, Some(_)) => 204,
        (None, None) => 404,
    }
}

fn status<T>(result: &Result<T, ServiceError>) -> u16 {
    match result {
        Ok(_) => 0,
        Err(ServiceError::Denied(refused)) => match refused.error {
            AuthzError::Forbidden => 403,
            AuthzError::NotFound | AuthzError::Missing => 404,
            AuthzError::Unauthenticated => 401,
        },
        Err(ServiceError::Invalid(_)) => 422,
        Err(ServiceError::Conflict(_)) => 409,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

/// The role `user` holds in `team` now, by name.
async fn role_in(teams: &Teams, team: &str, user: &str) -> Option<String> {
    teams.members(team).await.expect("members").into_iter().find(|(u, _)| u == user).map(|(_, r)| r)
}

/// Puts `user`'s role in `team` back to `role` (none: no role).
async fn restore(teams: &Teams, team: &str, user: &str, role: Option<&str>) {
    let _ = teams.revoke_member(team, user).await;
    if let Some(role) = role {
        teams.set_member(team, user, role).await.expect("restore");
    }
}

#[actix_rt::test]
async fn no_granter_gives_or_takes_away_more_than_it_holds() {
    for (backend, db) in databases().await {
        let people: Vec<Who> = users(&db).await;
        let teams = Teams::new(db.clone());
        let ids = projects::teams::demo(&teams).await.expect("demo teams");
        for (team, user, role) in EXTRA {
            teams.set_member(team, user, role).await.expect("extra member");
        }
        let svc = ProjectService::new(db.clone());
        let roles: Vec<&str> = CATALOG.roles().iter().map(|r| r.name).collect();
        let mut checked = 0;
        for team in &ids {
            for granter in &people {
                let granter_in_team = role_in(&teams, &team.name, granter.name).await;
                let actor = CATALOG.actor(granter.id, [granter.role]).expect("granter");
                for target in &people {
                    let before = role_in(&teams, &team.name, target.name).await;
                    for role in &roles {
                        let want = expected(
                            granter.role,
                            granter_in_team.as_deref(),
                            Some(role),
                            before.as_deref(),
                        );
                        let got = status(&svc.set_member(&actor, team.id, target.id, role).await);
                        let got = if got == 0 { 200 } else { got };
                        let what = format!(
                            "{backend}: {} ({}, {granter_in_team:?} in {}) sets {} ({before:?}) to {role}",
                            granter.name, granter.role, team.name, target.name
                        );
                        assert_eq!(got, want, "{what}");
                        let after = role_in(&teams, &team.name, target.name).await;
                        if want == 200 {
                            assert_eq!(after.as_deref(), Some(*role), "{what}: the role was set");
                        } else {
                            assert_eq!(
                                after, before,
                                "{what}: a refused change leaves the grant as it was"
                            );
                        }
                        restore(&teams, &team.name, target.name, before.as_deref()).await;
                        checked += 1;
                    }
                    let want =
                        expected(granter.role, granter_in_team.as_deref(), None, before.as_deref());
                    let got = status(&svc.remove_member(&actor, team.id, target.id).await);
                    let got = if got == 0 { 204 } else { got };
                    assert_eq!(
                        got, want,
                        "{backend}: {} in {} removes {} ({before:?})",
                        granter.name, team.name, target.name
                    );
                    restore(&teams, &team.name, target.name, before.as_deref()).await;
                    checked += 1;
                }
            }
        }
        println!("{backend}: {checked} membership changes decided as the rule says");
    }
}

#[actix_rt::test]
async fn a_user_administrator_cannot_promote_herself() {
    for (backend, db) in databases().await {
        let people = users(&db).await;
        let teams = Teams::new(db.clone());
        let ids = projects::teams::demo(&teams).await.expect("demo teams");
        let svc = ProjectService::new(db.clone());
        let carol = support::who(&people, "carol");
        let actor = CATALOG.actor(carol.id, ["support"]).expect("carol");
        let zephyr = ids.iter().find(|t| t.name == "zephyr").expect("zephyr").id;
        // The reported attack: support (user:admin, no project:write) makes herself admin.
        for role in ["admin", "editor"] {
            assert_eq!(
                status(&svc.set_member(&actor, zephyr, carol.id, role).await),
                403,
                "{backend}: {role}"
            );
        }
        assert_eq!(role_in(&teams, "zephyr", "carol").await, None, "{backend}");
        // What she holds she may give, herself included.
        assert!(svc.set_member(&actor, zephyr, carol.id, "support").await.is_ok(), "{backend}");
        assert!(svc.set_member(&actor, zephyr, carol.id, "member").await.is_ok(), "{backend}");
        // A stronger role held by someone else she cannot replace or take away.
        let erin = support::who(&people, "erin");
        let apollo = ids.iter().find(|t| t.name == "apollo").expect("apollo").id;
        assert_eq!(
            status(&svc.set_member(&actor, apollo, erin.id, "member").await),
            403,
            "{backend}"
        );
        assert_eq!(status(&svc.remove_member(&actor, apollo, erin.id).await), 403, "{backend}");
        assert_eq!(role_in(&teams, "apollo", "erin").await.as_deref(), Some("editor"), "{backend}");
    }
}

/// The test kit's check, over the example's own policy.
#[test]
fn the_membership_policy_passes_the_test_kits_escalation_check() {
    let found = authz_actix::test::escalations(&CATALOG, |granter, granted, replaced| {
        projects::policy::can_change_role(granter, granted, replaced).is_allowed()
    });
    assert_eq!(found, Vec::<String>::new());
}
