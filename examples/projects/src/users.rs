//! Users and their API tokens. Tokens are random, shown once, and stored only as SHA-256 hashes.

use actix_web::HttpRequest;
use authz_actix::Actor;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::{Db, now};
use crate::perms::CATALOG;

/// Tokens look like `pat_` followed by 64 lowercase hex digits (32 random bytes).
const PREFIX: &str = "pat_";
const TOKEN_LEN: usize = PREFIX.len() + 64;

/// A user as `GET /admin/users` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub roles: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("unknown role `{0}`; roles: {roles}", roles = role_names())]
    UnknownRole(String),
    #[error("user names are 1 to 64 characters of a-z, 0-9, `_`, `-` and `.`")]
    BadName,
    #[error("a user named `{0}` already exists")]
    Exists(String),
    #[error("no user `{0}` (by name or id)")]
    NoSuchUser(String),
    #[error("cannot draw random bytes for a token: {0}")]
    Random(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The roles `authz.toml` declares, for messages.
fn role_names() -> String {
    crate::perms::CATALOG.roles().iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
}

/// Users, roles and tokens.
#[derive(Debug, Clone)]
pub struct Users {
    db: Db,
}

/// A user or team name: 1 to 64 characters of a-z, 0-9, `_`, `-` and `.`.
/// An id as the command line takes it: digits, no sign, no leading zero (the spelling `list`
/// prints and HTTP paths accept).
pub fn parse_id(text: &str) -> Option<i64> {
    authz_actix::Scope::parse_id(text)
}

pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.".contains(&b))
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> Result<String, UserError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| UserError::Random(e.to_string()))?;
    Ok(format!("{PREFIX}{}", hex::encode(bytes)))
}

/// The token in `Authorization: Bearer TOKEN`, when the request carries exactly one, in this
/// service's token format. The header is read by [`authz_actix::credentials::bearer`] (the
/// scheme in any case, RFC 9110 §11); anything else — no header, two headers, another scheme, a
/// token of another shape — means no credentials.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    authz_actix::credentials::bearer(req).and_then(well_formed)
}

/// [`bearer_token`] for the axum front end: the same header rules (both front ends read it with
/// authz-core's code), the same token format.
pub fn bearer_token_of(parts: &http::request::Parts) -> Option<&str> {
    authz_axum::credentials::bearer(parts).and_then(well_formed)
}

/// `token`, when it has this service's token format.
fn well_formed(token: &str) -> Option<&str> {
    let well_formed = token.len() == TOKEN_LEN
        && token.starts_with(PREFIX)
        && token[PREFIX.len()..].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    well_formed.then_some(token)
}

impl Users {
    pub fn new(db: Db) -> Self {
        Users { db }
    }

    /// Creates `name` with `role` and returns the new user and their first token.
    pub async fn add(&self, name: &str, role: &str) -> Result<(User, String), UserError> {
        if CATALOG.roles().iter().all(|r| r.name != role) {
            return Err(UserError::UnknownRole(role.to_owned()));
        }
        if !valid_name(name) {
            return Err(UserError::BadName);
        }
        let mut tx = self.db.pool.begin().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(UserError::Exists(name.to_owned()));
        }
        let id: i64 =
            sqlx::query_scalar("INSERT INTO users (name, created_at) VALUES ($1, $2) RETURNING id")
                .bind(name)
                .bind(now())
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(id)
            .bind(role)
            .execute(&mut *tx)
            .await?;
        let token = new_token()?;
        sqlx::query("INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(hash(&token))
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((User { id, name: name.to_owned(), roles: vec![role.to_owned()] }, token))
    }

    /// A fresh token for an existing user; earlier tokens stay valid until revoked.
    pub async fn issue_token(&self, name: &str) -> Result<(User, String), UserError> {
        let user = self.find(name).await?.ok_or_else(|| UserError::NoSuchUser(name.to_owned()))?;
        let token = new_token()?;
        sqlx::query("INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
            .bind(user.id)
            .bind(hash(&token))
            .bind(now())
            .execute(&self.db.pool)
            .await?;
        Ok((user, token))
    }

    /// Revokes every live token of `name`; returns how many.
    pub async fn revoke_tokens(&self, name: &str) -> Result<u64, UserError> {
        let user = self.find(name).await?.ok_or_else(|| UserError::NoSuchUser(name.to_owned()))?;
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(user.id)
        .execute(&self.db.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Deletes `name`, their roles and tokens (their projects keep them as owner: deletion is
    /// refused while they own projects).
    pub async fn remove(&self, name: &str) -> Result<(), UserError> {
        let user = self.find(name).await?.ok_or_else(|| UserError::NoSuchUser(name.to_owned()))?;
        let mut tx = self.db.pool.begin().await?;
        sqlx::query("DELETE FROM api_tokens WHERE user_id = $1")
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM users WHERE id = $1").bind(user.id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user named `user`, or else the user whose id `user` is (`users list` prints both): a
    /// name wins.
    pub async fn find(&self, user: &str) -> Result<Option<User>, UserError> {
        let rows = sqlx::query(
            "SELECT u.id, u.name, r.role FROM users u LEFT JOIN user_roles r ON r.user_id = u.id WHERE u.name = $1 ORDER BY r.role",
        )
        .bind(user)
        .fetch_all(&self.db.pool)
        .await?;
        if let Some(found) = with_roles(rows)?.pop() {
            return Ok(Some(found));
        }
        let Some(id) = parse_id(user) else { return Ok(None) };
        let rows = sqlx::query(
            "SELECT u.id, u.name, r.role FROM users u LEFT JOIN user_roles r ON r.user_id = u.id WHERE u.id = $1 ORDER BY r.role",
        )
        .bind(id)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(with_roles(rows)?.pop())
    }

    pub async fn list(&self) -> Result<Vec<User>, UserError> {
        let rows = sqlx::query("SELECT u.id, u.name, r.role FROM users u LEFT JOIN user_roles r ON r.user_id = u.id ORDER BY u.id, r.role")
            .fetch_all(&self.db.pool)
            .await?;
        with_roles(rows)
    }

    /// The actor holding `token`, if it is live. Roles the catalog no longer declares grant
    /// nothing (and are logged).
    pub async fn resolve(&self, token: &str) -> Result<Option<Actor>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT t.user_id, r.role FROM api_tokens t LEFT JOIN user_roles r ON r.user_id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(hash(token))
        .fetch_all(&self.db.pool)
        .await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let id: i64 = first.try_get("user_id")?;
        let mut roles = Vec::new();
        for row in &rows {
            let role: Option<String> = row.try_get("role")?;
            match role {
                Some(r) if CATALOG.roles().iter().any(|d| d.name == r) => roles.push(r),
                Some(r) => {
                    tracing::warn!(user = id, role = %r, "ignoring a role the catalog does not declare")
                }
                None => {}
            }
        }
        Ok(CATALOG.actor(id, &roles).ok())
    }
}

/// Folds `(id, name, role)` rows, ordered by user, into users with their roles.
fn with_roles(rows: Vec<sqlx::any::AnyRow>) -> Result<Vec<User>, UserError> {
    let mut users: Vec<User> = Vec::new();
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let role: Option<String> = row.try_get("role")?;
        match users.last_mut() {
            Some(u) if u.id == id => u.roles.extend(role),
            _ => users.push(User {
                id,
                name: row.try_get("name")?,
                roles: role.into_iter().collect(),
            }),
        }
    }
    Ok(users)
}

/// The demo users `serve --demo` creates: (name, role).
pub const DEMO_USERS: &[(&str, &str)] = &[
    ("alice", "admin"),
    ("erin", "editor"),
    ("carol", "support"),
    ("bob", "member"),
    ("dave", "member"),
];

/// Creates the missing demo users and issues every one a fresh token.
pub async fn demo(users: &Users) -> Result<Vec<(User, String)>, UserError> {
    let mut out = Vec::new();
    for (name, role) in DEMO_USERS {
        let issued = match users.find(name).await? {
            Some(_) => users.issue_token(name).await?,
            None => users.add(name, role).await?,
        };
        out.push(issued);
    }
    Ok(out)
}
