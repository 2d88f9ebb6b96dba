//! Teams and their members: who holds which catalog role inside which team. Roles are stored in
//! authz's grant table (`authz_sqlx`), so every running server learns of a change — at once on
//! PostgreSQL, through the table's trigger; within about 100 ms on a SQLite file, by its `data_version`.

use crate::db::{Db, now};
use crate::model::Team;
use crate::perms::CATALOG;
use crate::service::{ProjectService, ServiceError, TEAM};
use crate::users::{UserError, Users, valid_name};

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("team names are 1 to 64 characters of a-z, 0-9, `_`, `-` and `.`")]
    BadName,
    #[error("a team named `{0}` already exists")]
    Exists(String),
    #[error("no team `{0}` (by name or id)")]
    NoSuchTeam(String),
    #[error("unknown role `{0}`; roles: {roles}", roles = CATALOG.roles().iter().map(|r| r.name).collect::<Vec<_>>().join(", "))]
    UnknownRole(String),
    #[error(transparent)]
    Users(#[from] UserError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Teams and memberships.
#[derive(Debug, Clone)]
pub struct Teams {
    db: Db,
}

impl Teams {
    pub fn new(db: Db) -> Self {
        Teams { db }
    }

    /// Creates team `name`.
    pub async fn add(&self, name: &str) -> Result<Team, TeamError> {
        if !valid_name(name) {
            return Err(TeamError::BadName);
        }
        let mut tx = self.db.pool.begin().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM teams WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(TeamError::Exists(name.to_owned()));
        }
        let id: i64 =
            sqlx::query_scalar("INSERT INTO teams (name, created_at) VALUES ($1, $2) RETURNING id")
                .bind(name)
                .bind(now())
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(Team { id, name: name.to_owned() })
    }

    /// The team named `team`, or else the team whose id `team` is (`teams list` prints both): a
    /// name wins, so a team named `7` is found by name.
    pub async fn find(&self, team: &str) -> Result<Option<Team>, TeamError> {
        let by_name: Option<i64> = sqlx::query_scalar("SELECT id FROM teams WHERE name = $1")
            .bind(team)
            .fetch_optional(&self.db.pool)
            .await?;
        if let Some(id) = by_name {
            return Ok(Some(Team { id, name: team.to_owned() }));
        }
        let Some(id) = crate::users::parse_id(team) else { return Ok(None) };
        let name: Option<String> = sqlx::query_scalar("SELECT name FROM teams WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        Ok(name.map(|name| Team { id, name }))
    }

    /// Every team, by id.
    pub async fn list(&self) -> Result<Vec<Team>, TeamError> {
        let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM teams ORDER BY id")
            .fetch_all(&self.db.pool)
            .await?;
        Ok(rows.into_iter().map(|(id, name)| Team { id, name }).collect())
    }

    async fn team_and_user(&self, team: &str, user: &str) -> Result<(Team, i64), TeamError> {
        let found = self.find(team).await?.ok_or_else(|| TeamError::NoSuchTeam(team.to_owned()))?;
        let user = Users::new(self.db.clone())
            .find(user)
            .await?
            .ok_or_else(|| UserError::NoSuchUser(user.to_owned()))?;
        Ok((found, user.id))
    }

    /// Makes `role` the one role `user` holds in `team`, as `PUT /teams/{team_id}/members/{user_id}`
    /// does: through the same service and its no-escalation policy, as the logged system actor
    /// `members-cli`, which holds every permission of the catalog.
    pub async fn set_member(&self, team: &str, user: &str, role: &str) -> Result<(), TeamError> {
        if CATALOG.roles().iter().all(|r| r.name != role) {
            return Err(TeamError::UnknownRole(role.to_owned()));
        }
        let (team, user) = self.team_and_user(team, user).await?;
        ProjectService::new(self.db.clone()).set_member(&cli_actor(), team.id, user, role).await?;
        Ok(())
    }

    /// Removes every role `user` holds in `team`, as `DELETE /teams/{team_id}/members/{user_id}`
    /// does; `false` when they held none (nothing to do is not an error, as for `users revoke`).
    pub async fn revoke_member(&self, team: &str, user: &str) -> Result<bool, TeamError> {
        let (found, id) = self.team_and_user(team, user).await?;
        match ProjectService::new(self.db.clone()).remove_member(&cli_actor(), found.id, id).await {
            Ok(()) => Ok(true),
            Err(ServiceError::Denied(refused)) if refused == authz_actix::AuthzError::Missing => {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `(user name, role)` of every member of `team`, by name then role.
    pub async fn members(&self, team: &str) -> Result<Vec<(String, String)>, TeamError> {
        let found = self.find(team).await?.ok_or_else(|| TeamError::NoSuchTeam(team.to_owned()))?;
        // Grants are keyed by the actor id as text (`authz_sqlx`); users by integer id.
        Ok(sqlx::query_as(
            "SELECT u.name, g.role FROM authz_grants g JOIN users u ON CAST(u.id AS TEXT) = g.actor \
             WHERE g.scope_kind = $1 AND g.scope_id = $2 ORDER BY u.name, g.role",
        )
        .bind(TEAM)
        .bind(found.id)
        .fetch_all(&self.db.pool)
        .await?)
    }
}

/// The demo's teams: `apollo`, where erin is an editor, and `zephyr`, where she holds nothing.
pub const DEMO_TEAMS: &[(&str, &[(&str, &str)])] =
    &[("apollo", &[("erin", "editor")]), ("zephyr", &[])];

/// Creates the missing demo teams and memberships.
pub async fn demo(teams: &Teams) -> Result<Vec<Team>, TeamError> {
    let mut out = Vec::new();
    for (name, members) in DEMO_TEAMS {
        let team = match teams.find(name).await? {
            Some(team) => team,
            None => teams.add(name).await?,
        };
        for (user, role) in *members {
            teams.set_member(name, user, role).await?;
        }
        out.push(team);
    }
    Ok(out)
}

/// The command line's actor for membership changes: a named, logged system actor.
fn cli_actor() -> authz_actix::Actor {
    let every: Vec<_> = CATALOG.permissions().iter().map(|p| p.permission).collect();
    CATALOG.system_actor("members-cli", &every)
}
