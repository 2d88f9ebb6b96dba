CREATE TABLE teams (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

ALTER TABLE projects ADD COLUMN team_id INTEGER REFERENCES teams(id);

CREATE INDEX projects_team ON projects(team_id)
