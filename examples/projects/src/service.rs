//! `ProjectService`: load, authorize, then mutate — inside one transaction, so nothing can change
//! between the check and the write. HTTP handlers, CLI commands and the background job all come
//! through here with an `Actor`, so they share one set of rules.

use authz_actix::{
    Actor, ActorId, Authorizer, AuthzError, Deny, GrantError, Grants, Refused, Scope,
};

use crate::db::{Backend, Db, now};
use crate::model::{Member, NewProject, NewTeamProject, Project, ProjectPatch, check_name};
use crate::perms::{CATALOG, PROJECT_READ, PROJECT_WRITE, USER_ADMIN};
use crate::policy::{
    Viewer, can_change_role, can_delete_project, can_edit_project, can_view_project,
    visible_projects,
};
use crate::project_columns;

/// The scope kind of teams, as `authz.toml` declares it.
pub const TEAM: &str = "team";

/// Why a service call failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Refused by a policy (with its reasons), or hidden.
    #[error(transparent)]
    Denied(#[from] Refused),
    /// The request is well-formed but says something impossible.
    #[error("{0}")]
    Invalid(&'static str),
    /// The request names something the store does not hold (an `owner_id` of no user): valid
    /// as written, refused by the current state (409).
    #[error("{0}")]
    Conflict(&'static str),
    /// Storage failed; details are logged, never shown.
    #[error("storage error")]
    Db(#[from] sqlx::Error),
    /// The grant store failed: refused (fails closed), details logged.
    #[error("grant store error")]
    Grants(#[from] GrantError),
}

impl From<AuthzError> for ServiceError {
    fn from(error: AuthzError) -> Self {
        ServiceError::Denied(error.into())
    }
}

/// Projects, with every rule applied.
#[derive(Debug, Clone)]
pub struct ProjectService {
    db: Db,
    grants: Grants,
}

/// The user id behind an actor; system actors have none.
fn user_id(actor: &Actor) -> Option<i64> {
    match actor.id() {
        ActorId::Int(id) => Some(*id),
        _ => None,
    }
}

/// `Conflict` unless `owner` names a user.
async fn require_user(conn: &mut sqlx::AnyConnection, owner: i64) -> Result<(), ServiceError> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
        .bind(owner)
        .fetch_optional(&mut *conn)
        .await?;
    exists.map(drop).ok_or(ServiceError::Conflict("`owner_id` does not name a user"))
}

impl ProjectService {
    /// Projects in `db`, with team roles from its grant table through a cache of its own.
    pub fn new(db: Db) -> Self {
        let grants = Grants::new(db.grants.clone(), &crate::perms::CATALOG);
        ProjectService { db, grants }
    }

    /// As [`new`](Self::new), sharing `grants` — the cache the routes' gates fill (see
    /// `http::app`), so a service check right after the gate's costs no query.
    pub fn with_grants(db: Db, grants: Grants) -> Self {
        ProjectService { db, grants }
    }

    /// `actor` as it stands in `team`: its global permissions plus those of its roles there
    /// (one grant-store query, cached; none for a project without a team, or for an actor whom no
    /// role could give more).
    async fn standing(&self, actor: &Actor, team: Option<i64>) -> Result<Actor, ServiceError> {
        let mut standing = actor.clone();
        let holds_all =
            CATALOG.roles().iter().all(|role| role.permissions.iter().all(|p| actor.has(*p)));
        if let Some(team) = team.filter(|_| !holds_all) {
            let (scoped, _) = self.grants.in_scope(actor.id(), Scope::new(TEAM, team)).await?;
            for permission in scoped.iter() {
                standing.grant(permission);
            }
        }
        Ok(standing)
    }

    /// The actor as it stands in project `id`'s team, asked before any connection is held: on
    /// SQLite the pool has one connection, which the load (or the transaction) would hold while
    /// the grant store waits for it. A project's team never changes (no operation moves it), and
    /// [`visible`](Self::visible) checks that the loaded project is in the team asked about.
    async fn standing_for(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(Option<i64>, Actor), ServiceError> {
        let team: Option<Option<i64>> =
            sqlx::query_scalar("SELECT team_id FROM projects WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.db.pool)
                .await?;
        let team = team.flatten();
        Ok((team, self.standing(actor, team).await?))
    }

    /// Project `id` loaded with `select` (bound to `$1`), if `actor` — standing as
    /// [`standing_for`](Self::standing_for) found it in `team` — may know it exists: a hidden
    /// project is `NotFound`, exactly like a missing one. Every read and write of one project
    /// starts here.
    async fn visible(
        &self,
        conn: &mut sqlx::AnyConnection,
        select: &'static str,
        (team, standing): (Option<i64>, Actor),
        id: i64,
    ) -> Result<(Project, Actor), ServiceError> {
        let row = sqlx::query(select).bind(id).fetch_optional(&mut *conn).await?;
        // Missing: answered as a hidden project is, logged as not found.
        let project =
            row.as_ref().map(Project::from_row).transpose()?.ok_or(AuthzError::Missing)?;
        if project.team_id != team {
            // Not reachable through this service; refuse rather than judge with another team's roles.
            return Err(ServiceError::Invalid("the project changed teams during the request"));
        }
        Authorizer::require(
            can_view_project(&Viewer::in_place(&standing), &project),
            Deny::NotFound,
        )?;
        Ok((project, standing))
    }

    /// Who `actor` is as a viewer of every project: the teams where it reads through a team role.
    pub async fn viewer<'a>(&self, actor: &'a Actor) -> Result<Viewer<'a>, ServiceError> {
        let teams = self.grants.scopes_with(actor, TEAM, PROJECT_READ).await?;
        Ok(Viewer { actor, teams })
    }

    /// One project, row-locked on PostgreSQL until the transaction ends; SQLite has a single
    /// connection and serializes on its own.
    fn select_for_update(&self) -> &'static str {
        match self.db.backend {
            Backend::Postgres => {
                concat!("SELECT ", project_columns!(), " FROM projects WHERE id = $1 FOR UPDATE")
            }
            Backend::Sqlite => {
                concat!("SELECT ", project_columns!(), " FROM projects WHERE id = $1")
            }
        }
    }

    /// Every project `actor` may see — `can_view_project`'s own condition, run by the database
    /// as the `WHERE` clause (the test kit's property tests hold the two readings equal).
    pub async fn list(&self, actor: &Actor) -> Result<Vec<Project>, ServiceError> {
        let viewer = self.viewer(actor).await?;
        let filter = authz_sqlx::where_clause(&visible_projects(&viewer), 1)
            .map_err(|e| ServiceError::Db(sqlx::Error::Protocol(e.to_string())))?;
        let sql = format!(
            concat!("SELECT ", project_columns!(), " FROM projects WHERE {} ORDER BY id"),
            filter.sql
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in filter.params {
            query = query.bind(value);
        }
        let rows = query.fetch_all(&self.db.pool).await?;
        Ok(rows.iter().map(Project::from_row).collect::<Result<_, _>>()?)
    }

    /// Every project, for tests that hold the list to the policy.
    pub async fn all(&self) -> Result<Vec<Project>, ServiceError> {
        let rows =
            sqlx::query(concat!("SELECT ", project_columns!(), " FROM projects ORDER BY id"))
                .fetch_all(&self.db.pool)
                .await?;
        Ok(rows.iter().map(Project::from_row).collect::<Result<_, _>>()?)
    }

    /// The project, if `actor` may see it; a hidden project is `NotFound`, exactly like a
    /// missing one.
    pub async fn get(&self, actor: &Actor, id: i64) -> Result<Project, ServiceError> {
        let standing = self.standing_for(actor, id).await?;
        let mut conn = self.db.pool.acquire().await?;
        let select = concat!("SELECT ", project_columns!(), " FROM projects WHERE id = $1");
        Ok(self.visible(&mut conn, select, standing, id).await?.0)
    }

    /// `Ok` when `actor` holds `permission` in `team` (or globally); otherwise `outsiders` when it
    /// holds no role there and `members` when it does — then `Missing` for a team that does not
    /// exist, answered exactly as a hidden one.
    async fn in_team(
        &self,
        actor: &Actor,
        team: i64,
        permission: authz_actix::Permission,
        members: Deny,
        outsiders: Deny,
    ) -> Result<(), ServiceError> {
        self.grants
            .require(actor, Scope::new(TEAM, team), permission, members, outsiders)
            .await??;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM teams WHERE id = $1")
            .bind(team)
            .fetch_optional(&self.db.pool)
            .await?;
        exists.map(drop).ok_or(ServiceError::from(AuthzError::Missing))
    }

    /// The projects of `team`, for an actor reading there (the route's gate asked the same
    /// question; this answer comes from the worker's cache).
    pub async fn list_team(&self, actor: &Actor, team: i64) -> Result<Vec<Project>, ServiceError> {
        self.in_team(actor, team, PROJECT_READ, Deny::NotFound, Deny::NotFound).await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            project_columns!(),
            " FROM projects WHERE team_id = $1 ORDER BY id"
        ))
        .bind(team)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows.iter().map(Project::from_row).collect::<Result<_, _>>()?)
    }

    /// Creates a private project in `team`, owned by the actor: 404 to an actor with no role in
    /// the team (or for a team that does not exist), 403 to a member without project:write.
    pub async fn create_in_team(
        &self,
        actor: &Actor,
        team: i64,
        new: NewTeamProject,
    ) -> Result<Project, ServiceError> {
        self.in_team(actor, team, PROJECT_WRITE, Deny::Forbidden, Deny::NotFound).await?;
        check_name(&new.name).map_err(ServiceError::Invalid)?;
        let owner =
            user_id(actor).ok_or(ServiceError::Invalid("a team project is owned by a user"))?;
        let row = sqlx::query(concat!(
            "INSERT INTO projects (name, owner_id, is_public, is_archived, is_locked, allow_owner_edits, updated_at, team_id) \
             VALUES ($1, $2, FALSE, FALSE, FALSE, TRUE, $3, $4) RETURNING ",
            project_columns!()
        ))
        .bind(crate::model::clean_name(&new.name))
        .bind(owner)
        .bind(now())
        .bind(team)
        .fetch_one(&self.db.pool)
        .await?;
        let project = Project::from_row(&row)?;
        tracing::info!(actor = %actor.id(), project = project.id, team, "team project created");
        Ok(project)
    }

    /// Creates a project owned by `new.owner_id`, or by the actor.
    pub async fn create(&self, actor: &Actor, new: NewProject) -> Result<Project, ServiceError> {
        Authorizer::require(actor.has(PROJECT_WRITE), Deny::Forbidden)?;
        check_name(&new.name).map_err(ServiceError::Invalid)?;
        let owner = new
            .owner_id
            .or(user_id(actor))
            .ok_or(ServiceError::Invalid("`owner_id` is required"))?;
        let mut tx = self.db.pool.begin().await?;
        require_user(&mut tx, owner).await?;
        let row = sqlx::query(concat!(
            "INSERT INTO projects (name, owner_id, is_public, is_archived, is_locked, allow_owner_edits, updated_at) \
             VALUES ($1, $2, $3, FALSE, $4, $5, $6) RETURNING ",
            project_columns!()
        ))
        .bind(crate::model::clean_name(&new.name))
        .bind(owner)
        .bind(new.is_public)
        .bind(new.is_locked)
        .bind(new.allow_owner_edits)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
        let project = Project::from_row(&row)?;
        tx.commit().await?;
        tracing::info!(actor = %actor.id(), project = project.id, "project created");
        Ok(project)
    }

    /// Makes `role` the one role user `user` holds in `team`: 404 to an actor with no role there
    /// (or for a team that does not exist), 403 to a member without user:admin or to one who
    /// would grant or replace permissions it does not hold there ([`can_change_role`]); 422 for
    /// an unknown role or user. Every instance refuses what the old role allowed within a second
    /// on PostgreSQL (the grant table's trigger), this process at once.
    pub async fn set_member(
        &self,
        actor: &Actor,
        team: i64,
        user: i64,
        role: &str,
    ) -> Result<Member, ServiceError> {
        self.in_team(actor, team, USER_ADMIN, Deny::Forbidden, Deny::NotFound).await?;
        if CATALOG.roles().iter().all(|r| r.name != role) {
            return Err(ServiceError::Invalid("`role` is not a role of the catalog"));
        }
        let mut conn = self.db.pool.acquire().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(&mut *conn)
            .await?;
        drop(conn);
        // The path names no user: what a missing resource gets.
        exists.ok_or(ServiceError::from(AuthzError::Missing))?;
        let (who, scope) = (ActorId::Int(user), Scope::new(TEAM, team));
        let replaced = self.roles_in(&who, scope).await?;
        let replaced: Vec<&str> = replaced.iter().map(String::as_str).collect();
        let granter = self.standing(actor, Some(team)).await?;
        Authorizer::require(can_change_role(&granter, Some(role), &replaced), Deny::Forbidden)?;
        // Revoke first: in between, the user holds nothing there (refused, never more).
        self.db.grants.revoke(&who, scope, None).await?;
        self.db.grants.grant(&who, scope, role).await?;
        tracing::info!(actor = %actor.id(), team, user, role, "team role set");
        Ok(Member { team_id: team, user_id: user, role: role.to_owned() })
    }

    /// Removes every role user `user` holds in `team`; `Missing` (404) when there was none. The
    /// same refusals as [`set_member`](Self::set_member).
    pub async fn remove_member(
        &self,
        actor: &Actor,
        team: i64,
        user: i64,
    ) -> Result<(), ServiceError> {
        self.in_team(actor, team, USER_ADMIN, Deny::Forbidden, Deny::NotFound).await?;
        let (who, scope) = (ActorId::Int(user), Scope::new(TEAM, team));
        let held = self.roles_in(&who, scope).await?;
        if held.is_empty() {
            return Err(ServiceError::from(AuthzError::Missing));
        }
        let held: Vec<&str> = held.iter().map(String::as_str).collect();
        let granter = self.standing(actor, Some(team)).await?;
        Authorizer::require(can_change_role(&granter, None, &held), Deny::Forbidden)?;
        match self.db.grants.revoke(&who, scope, None).await? {
            0 => Err(ServiceError::from(AuthzError::Missing)),
            _ => {
                tracing::info!(actor = %actor.id(), team, user, "team roles revoked");
                Ok(())
            }
        }
    }

    /// The catalog roles `user` holds in `scope`, from the store itself (not a cache: what is
    /// replaced must be what is there). Roles the catalog does not declare grant nothing and are
    /// left out.
    async fn roles_in(&self, user: &ActorId, scope: Scope) -> Result<Vec<String>, ServiceError> {
        let roles = authz_actix::GrantStore::roles_in(&self.db.grants, user, scope).await?;
        Ok(roles.into_iter().filter(|r| CATALOG.roles().iter().any(|c| c.name == r)).collect())
    }

    /// Applies `patch`: 404 when the actor cannot see the project, 403 when it can but may not
    /// make this change.
    pub async fn update(
        &self,
        actor: &Actor,
        id: i64,
        patch: ProjectPatch,
    ) -> Result<Project, ServiceError> {
        if let Some(name) = &patch.name {
            check_name(name).map_err(ServiceError::Invalid)?;
        }
        let standing = self.standing_for(actor, id).await?;
        let mut tx = self.db.pool.begin().await?;
        let (mut project, standing) =
            self.visible(&mut tx, self.select_for_update(), standing, id).await?;
        Authorizer::require(can_edit_project(&standing, &project, &patch), Deny::Forbidden)?;
        if let Some(owner) = patch.owner_id {
            require_user(&mut tx, owner).await?;
        }
        patch.apply(&mut project);
        sqlx::query(
            "UPDATE projects SET name = $1, owner_id = $2, is_public = $3, is_archived = $4, is_locked = $5, \
             allow_owner_edits = $6, updated_at = $7 WHERE id = $8",
        )
        .bind(&project.name)
        .bind(project.owner_id)
        .bind(project.is_public)
        .bind(project.is_archived)
        .bind(project.is_locked)
        .bind(project.allow_owner_edits)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(actor = %actor.id(), project = id, "project updated");
        Ok(project)
    }

    /// Deletes the project: 404 when the actor cannot see it, 403 when it may not delete it.
    pub async fn delete(&self, actor: &Actor, id: i64) -> Result<(), ServiceError> {
        let standing = self.standing_for(actor, id).await?;
        let mut tx = self.db.pool.begin().await?;
        let (project, standing) =
            self.visible(&mut tx, self.select_for_update(), standing, id).await?;
        Authorizer::require(can_delete_project(&standing, &project), Deny::Forbidden)?;
        sqlx::query("DELETE FROM projects WHERE id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        tracing::info!(actor = %actor.id(), project = id, "project deleted");
        Ok(())
    }

    /// Archives every live project not updated for `max_age_secs`, each through `update`, so the
    /// same policies decide. Returns the ids archived; projects the actor may not archive are
    /// skipped and logged.
    pub async fn archive_stale(
        &self,
        actor: &Actor,
        max_age_secs: i64,
    ) -> Result<Vec<i64>, ServiceError> {
        let cutoff = now() - max_age_secs;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM projects WHERE is_archived = FALSE AND updated_at < $1 ORDER BY id",
        )
        .bind(cutoff)
        .fetch_all(&self.db.pool)
        .await?;
        let mut archived = Vec::new();
        for id in ids {
            let patch = ProjectPatch { is_archived: Some(true), ..Default::default() };
            match self.update(actor, id, patch).await {
                Ok(_) => archived.push(id),
                Err(ServiceError::Denied(e)) => {
                    tracing::warn!(actor = %actor.id(), project = id, error = %e, reason = e.reason, "not archived: refused")
                }
                Err(e) => return Err(e),
            }
        }
        Ok(archived)
    }
}
