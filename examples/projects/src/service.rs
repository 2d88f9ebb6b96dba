//! `ProjectService`: load, authorize, then mutate — inside one transaction, so nothing can change
//! between the check and the write. HTTP handlers, CLI commands and the background job all come
//! through here with an `Actor`, so they share one set of rules.

use authz_actix::{ActorId, Actor, Authorizer, AuthzError, Deny};

use crate::db::{now, Backend, Db};
use crate::model::{check_name, NewProject, Project, ProjectPatch};
use crate::project_columns;
use crate::perms::{PROJECT_READ, PROJECT_WRITE};
use crate::policy::{can_delete_project, can_edit_project, can_view_project};

/// Why a service call failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Refused by a policy, or hidden.
    #[error(transparent)]
    Denied(#[from] AuthzError),
    /// The request is well-formed but says something impossible.
    #[error("{0}")]
    Invalid(&'static str),
    /// Storage failed; details are logged, never shown.
    #[error("storage error")]
    Db(#[from] sqlx::Error),
}

/// Projects, with every rule applied.
#[derive(Debug, Clone)]
pub struct ProjectService {
    db: Db,
}

/// The user id behind an actor; system actors have none.
fn user_id(actor: &Actor) -> Option<i64> {
    match actor.id() {
        ActorId::Int(id) => Some(*id),
        _ => None,
    }
}

/// Project `id` loaded with `select` (bound to `$1`), if `actor` may know it exists: a hidden
/// project is `NotFound`, exactly like a missing one. Every read and write starts here.
async fn visible(conn: &mut sqlx::AnyConnection, select: &'static str, actor: &Actor, id: i64) -> Result<Project, ServiceError> {
    let row = sqlx::query(select).bind(id).fetch_optional(&mut *conn).await?;
    // Missing: answered as a hidden project is, logged as not found.
    let project = row.as_ref().map(Project::from_row).transpose()?.ok_or(AuthzError::Missing)?;
    Authorizer::require(can_view_project(actor, &project), Deny::NotFound)?;
    Ok(project)
}

/// `Invalid` unless `owner` names a user.
async fn require_user(conn: &mut sqlx::AnyConnection, owner: i64) -> Result<(), ServiceError> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1").bind(owner).fetch_optional(&mut *conn).await?;
    exists.map(drop).ok_or(ServiceError::Invalid("`owner_id` does not name a user"))
}

impl ProjectService {
    pub fn new(db: Db) -> Self {
        ProjectService { db }
    }

    /// One project, row-locked on PostgreSQL until the transaction ends; SQLite has a single
    /// connection and serializes on its own.
    fn select_for_update(&self) -> &'static str {
        match self.db.backend {
            Backend::Postgres => concat!("SELECT ", project_columns!(), " FROM projects WHERE id = $1 FOR UPDATE"),
            Backend::Sqlite => concat!("SELECT ", project_columns!(), " FROM projects WHERE id = $1"),
        }
    }

    /// Every project `actor` may see: all of them with project:read, otherwise public and owned
    /// ones — filtered by the database, not in memory.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<Project>, ServiceError> {
        let rows = if actor.has(PROJECT_READ) {
            sqlx::query(concat!("SELECT ", project_columns!(), " FROM projects ORDER BY id")).fetch_all(&self.db.pool).await?
        } else {
            sqlx::query(concat!("SELECT ", project_columns!(), " FROM projects WHERE is_public = TRUE OR owner_id = $1 ORDER BY id"))
                .bind(user_id(actor).unwrap_or(-1))
                .fetch_all(&self.db.pool)
                .await?
        };
        Ok(rows.iter().map(Project::from_row).collect::<Result<_, _>>()?)
    }

    /// The project, if `actor` may see it; a hidden project is `NotFound`, exactly like a
    /// missing one.
    pub async fn get(&self, actor: &Actor, id: i64) -> Result<Project, ServiceError> {
        let mut conn = self.db.pool.acquire().await?;
        visible(&mut conn, concat!("SELECT ", project_columns!(), " FROM projects WHERE id = $1"), actor, id).await
    }

    /// Creates a project owned by `new.owner_id`, or by the actor.
    pub async fn create(&self, actor: &Actor, new: NewProject) -> Result<Project, ServiceError> {
        Authorizer::require(actor.has(PROJECT_WRITE), Deny::Forbidden)?;
        check_name(&new.name).map_err(ServiceError::Invalid)?;
        let owner = new.owner_id.or(user_id(actor)).ok_or(ServiceError::Invalid("`owner_id` is required"))?;
        let mut tx = self.db.pool.begin().await?;
        require_user(&mut tx, owner).await?;
        let row = sqlx::query(concat!(
            "INSERT INTO projects (name, owner_id, is_public, is_archived, is_locked, allow_owner_edits, updated_at) \
             VALUES ($1, $2, $3, FALSE, $4, $5, $6) RETURNING ",
            project_columns!()
        ))
        .bind(new.name.trim())
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

    /// Applies `patch`: 404 when the actor cannot see the project, 403 when it can but may not
    /// make this change.
    pub async fn update(&self, actor: &Actor, id: i64, patch: ProjectPatch) -> Result<Project, ServiceError> {
        if let Some(name) = &patch.name {
            check_name(name).map_err(ServiceError::Invalid)?;
        }
        let mut tx = self.db.pool.begin().await?;
        let mut project = visible(&mut tx, self.select_for_update(), actor, id).await?;
        Authorizer::require(can_edit_project(actor, &project, &patch), Deny::Forbidden)?;
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
        let mut tx = self.db.pool.begin().await?;
        let project = visible(&mut tx, self.select_for_update(), actor, id).await?;
        Authorizer::require(can_delete_project(actor, &project), Deny::Forbidden)?;
        sqlx::query("DELETE FROM projects WHERE id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        tracing::info!(actor = %actor.id(), project = id, "project deleted");
        Ok(())
    }

    /// Archives every live project not updated for `max_age_secs`, each through `update`, so the
    /// same policies decide. Returns the ids archived; projects the actor may not archive are
    /// skipped and logged.
    pub async fn archive_stale(&self, actor: &Actor, max_age_secs: i64) -> Result<Vec<i64>, ServiceError> {
        let cutoff = now() - max_age_secs;
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM projects WHERE is_archived = FALSE AND updated_at < $1 ORDER BY id")
            .bind(cutoff)
            .fetch_all(&self.db.pool)
            .await?;
        let mut archived = Vec::new();
        for id in ids {
            let patch = ProjectPatch { is_archived: Some(true), ..Default::default() };
            match self.update(actor, id, patch).await {
                Ok(_) => archived.push(id),
                Err(ServiceError::Denied(e)) => tracing::warn!(actor = %actor.id(), project = id, error = %e, "not archived: refused"),
                Err(e) => return Err(e),
            }
        }
        Ok(archived)
    }
}
