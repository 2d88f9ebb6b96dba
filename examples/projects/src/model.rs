//! The project resource and the request bodies that change it.

use authz_actix::condition::{Field, Fields};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

/// A project, as stored and as served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub id: i64,
    pub name: String,
    pub owner_id: i64,
    pub is_public: bool,
    pub is_archived: bool,
    pub is_locked: bool,
    pub allow_owner_edits: bool,
    /// The team holding the project; `null` projects belong to no team, and their JSON has no
    /// `team_id` (as before teams existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<i64>,
}

/// The columns a policy's list form may name, as the database holds them.
impl Fields for Project {
    fn field(&self, column: &str) -> Field {
        match column {
            "id" => Field::Int(self.id),
            "owner_id" => Field::Int(self.owner_id),
            "team_id" => self.team_id.map_or(Field::Null, Field::Int),
            "is_public" => Field::Bool(self.is_public),
            "is_archived" => Field::Bool(self.is_archived),
            "is_locked" => Field::Bool(self.is_locked),
            "allow_owner_edits" => Field::Bool(self.allow_owner_edits),
            _ => Field::Null,
        }
    }
}

/// The columns `Project::from_row` reads, as a literal for `concat!`, so every query stays a
/// `&'static str` (sqlx refuses SQL built at run time).
#[macro_export]
macro_rules! project_columns {
    () => {
        // Flags read as integers: the `Any` driver maps SQLite's BOOLEAN to nothing it can decode.
        // (PostgreSQL has no boolean-to-bigint cast; `CASE` works on both.)
        "id, name, owner_id, \
         CAST(CASE WHEN is_public THEN 1 ELSE 0 END AS BIGINT) AS is_public, \
         CAST(CASE WHEN is_archived THEN 1 ELSE 0 END AS BIGINT) AS is_archived, \
         CAST(CASE WHEN is_locked THEN 1 ELSE 0 END AS BIGINT) AS is_locked, \
         CAST(CASE WHEN allow_owner_edits THEN 1 ELSE 0 END AS BIGINT) AS allow_owner_edits, team_id"
    };
}

impl Project {
    pub fn from_row(row: &AnyRow) -> Result<Project, sqlx::Error> {
        Ok(Project {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            owner_id: row.try_get("owner_id")?,
            is_public: row.try_get::<i64, _>("is_public")? != 0,
            is_archived: row.try_get::<i64, _>("is_archived")? != 0,
            is_locked: row.try_get::<i64, _>("is_locked")? != 0,
            allow_owner_edits: row.try_get::<i64, _>("allow_owner_edits")? != 0,
            team_id: row.try_get("team_id")?,
        })
    }
}

/// `POST /projects`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    #[schema(min_length = 1, max_length = 200, pattern = "[^ \t\r\n]")]
    pub name: String,
    /// Defaults to the creating actor.
    #[serde(default, deserialize_with = "integral")]
    pub owner_id: Option<i64>,
    #[serde(default)]
    pub is_public: bool,
    #[serde(default)]
    pub is_locked: bool,
    #[serde(default = "yes")]
    pub allow_owner_edits: bool,
}

fn yes() -> bool {
    true
}

/// `POST /teams/{team_id}/projects`: the project is the creator's, private, in the team.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeamProject {
    #[schema(min_length = 1, max_length = 200, pattern = "[^ \t\r\n]")]
    pub name: String,
}

/// `PUT /teams/{team_id}/members/{user_id}`: the one role the user holds in the team.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    pub role: String,
}

/// A user's role in a team, as `PUT /teams/{team_id}/members/{user_id}` answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub team_id: i64,
    pub user_id: i64,
    pub role: String,
}

/// A team, as `projects teams add` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: i64,
    pub name: String,
}

/// `PATCH /projects/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectPatch {
    #[schema(min_length = 1, max_length = 200, pattern = "[^ \t\r\n]")]
    pub name: Option<String>,
    pub is_public: Option<bool>,
    pub is_archived: Option<bool>,
    pub is_locked: Option<bool>,
    #[serde(default, deserialize_with = "integral")]
    pub owner_id: Option<i64>,
    pub allow_owner_edits: Option<bool>,
}

impl ProjectPatch {
    /// Whether the patch touches a field only `project:write` may change.
    pub fn touches_protected_fields(&self) -> bool {
        self.is_archived.is_some()
            || self.is_locked.is_some()
            || self.owner_id.is_some()
            || self.allow_owner_edits.is_some()
    }

    pub fn apply(&self, project: &mut Project) {
        if let Some(name) = &self.name {
            project.name = clean_name(name).to_owned();
        }
        if let Some(v) = self.is_public {
            project.is_public = v;
        }
        if let Some(v) = self.is_archived {
            project.is_archived = v;
        }
        if let Some(v) = self.is_locked {
            project.is_locked = v;
        }
        if let Some(v) = self.owner_id {
            project.owner_id = v;
        }
        if let Some(v) = self.allow_owner_edits {
            project.allow_owner_edits = v;
        }
    }
}

/// A project name: 1 to 200 characters, not only spaces, tabs and line breaks; stored without
/// the ones around it. Exactly what the OpenAPI document says of `name` (`minLength`,
/// `maxLength`, and a `pattern` of explicit characters, which every regex engine reads alike).
pub fn check_name(name: &str) -> Result<(), &'static str> {
    if clean_name(name).is_empty() {
        Err("`name` cannot be empty")
    } else if name.chars().count() > NAME_MAX {
        Err("`name` is at most 200 characters")
    } else {
        Ok(())
    }
}

/// The longest name, in characters (JSON Schema's `maxLength` counts characters too).
pub const NAME_MAX: usize = 200;

/// `name` without the spaces, tabs and line breaks around it.
pub fn clean_name(name: &str) -> &str {
    name.trim_matches([' ', '\t', '\r', '\n'])
}

/// An id in a request body: a JSON integer, or a number with no fraction (`7.0`), which JSON
/// Schema's `integer` also allows; anything else is refused as the wrong type (400).
fn integral<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    match Option::<serde_json::Number>::deserialize(deserializer)? {
        None => Ok(None),
        Some(n) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= -(2f64.powi(63)) && *f < 2f64.powi(63))
                    .map(|f| f as i64)
            })
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("expected an integer id")),
    }
}
