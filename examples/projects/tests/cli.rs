//! The `projects` binary end to end: `serve --demo` on a fresh SQLite file answers real HTTP
//! requests with the demo tokens it prints; `users` manages tokens (revoked and deleted ones get
//! 401); `archive-stale` goes through the service as a logged system actor.

mod support;

use authz_tests::http;
use support::process::{free_port, get, run, serve_demo, serve_with, temp_db, token};

#[test]
fn serve_demo_answers_with_the_printed_tokens() {
    let (dir, url) = temp_db("demo");
    let addr = free_port();
    let (server, lines) = serve_demo(&url, addr);
    let users: Vec<&str> = lines.iter().map(|l| l["user"].as_str().expect("user")).collect();
    assert_eq!(users, ["alice", "erin", "carol", "bob", "dave"]);
    assert_eq!(lines[0]["roles"], serde_json::json!(["admin"]));
    assert!(lines.iter().all(|l| l["id"].is_i64()), "ids are integers");

    assert_eq!(http(addr, "GET", "/health", &[]).expect("health").status, 200);
    assert_eq!(http(addr, "GET", "/projects", &[]).expect("anonymous").status, 401);
    assert_eq!(get(addr, "/projects", &token(&lines, "bob")), 200);
    assert_eq!(get(addr, "/admin/users", &token(&lines, "bob")), 403);
    assert_eq!(get(addr, "/admin/users", &token(&lines, "carol")), 200);
    assert_eq!(get(addr, "/projects/1", &token(&lines, "alice")), 404);

    // A restart issues fresh tokens; the database (and the users) persist.
    drop(server);
    let (_server, again) = serve_demo(&url, addr);
    assert_eq!(
        again.iter().map(|l| l["id"].clone()).collect::<Vec<_>>(),
        lines.iter().map(|l| l["id"].clone()).collect::<Vec<_>>()
    );
    assert_ne!(token(&again, "bob"), token(&lines, "bob"));
    assert_eq!(get(addr, "/projects", &token(&again, "bob")), 200);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn revoked_and_deleted_users_tokens_are_refused() {
    let (dir, url) = temp_db("tokens");
    let out = run(&["users", "add", "frank", "--role", "editor", "--database", &url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let frank = String::from_utf8(out.stdout).expect("token").trim().to_owned();
    let out = run(&["users", "add", "gina", "--role", "member", "--database", &url]);
    let gina = String::from_utf8(out.stdout).expect("token").trim().to_owned();
    let bad = run(&["users", "add", "hal", "--role", "root", "--database", &url]);
    assert!(
        !bad.status.success()
            && String::from_utf8_lossy(&bad.stderr).contains("unknown role `root`")
    );

    let addr = free_port();
    let (_server, _) = serve_demo(&url, addr);
    assert_eq!(get(addr, "/projects", &frank), 200);
    assert_eq!(get(addr, "/projects", &gina), 200);

    assert!(run(&["users", "revoke", "frank", "--database", &url]).status.success());
    assert_eq!(get(addr, "/projects", &frank), 401, "revoked token");
    assert!(run(&["users", "remove", "gina", "--database", &url]).status.success());
    assert_eq!(get(addr, "/projects", &gina), 401, "token of a deleted user");
    // Malformed tokens never reach the database, and never get past 401.
    for bad in [&frank[..frank.len() - 1], "pat_", "", "not-a-token", &frank.to_uppercase()] {
        assert_eq!(get(addr, "/projects", bad), 401, "{bad:?}");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[actix_rt::test]
async fn archive_stale_runs_as_a_logged_system_actor() {
    use projects::model::NewProject;
    use projects::perms::{CATALOG, PROJECT_WRITE};

    let (dir, url) = temp_db("archive");
    {
        let db = projects::db::Db::connect(&url).await.expect("database");
        let (owner, _) =
            projects::users::Users::new(db.clone()).add("olga", "member").await.expect("user");
        let svc = projects::service::ProjectService::new(db.clone());
        let seed = CATALOG.system_actor("test-seed", &[PROJECT_WRITE]);
        for name in ["old", "fresh"] {
            let new = NewProject {
                name: name.into(),
                owner_id: Some(owner.id),
                allow_owner_edits: true,
                ..Default::default()
            };
            svc.create(&seed, new).await.expect("project");
        }
        // Age one of them by a year.
        sqlx::query("UPDATE projects SET updated_at = updated_at - 31536000 WHERE name = 'old'")
            .execute(&db.pool)
            .await
            .expect("age");
        db.pool.close().await;
    }

    let out = run(&["archive-stale", "--days", "30", "--database", &url]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("system actor in use") && stderr.contains("system:archive-stale"),
        "{stderr}"
    );
    assert!(stderr.contains("archived 1 project(s)"), "{stderr}");

    let db = projects::db::Db::connect(&url).await.expect("database");
    let reader = CATALOG.system_actor("test-check", &[projects::perms::PROJECT_READ]);
    let listed = projects::service::ProjectService::new(db).list(&reader).await.expect("list");
    let archived: Vec<(&str, bool)> =
        listed.iter().map(|p| (p.name.as_str(), p.is_archived)).collect();
    assert_eq!(archived, [("old", true), ("fresh", false)]);

    // Running again archives nothing: archived projects are not editable, even by the job.
    let out = run(&["archive-stale", "--days", "30", "--database", &url]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("archived 0 project(s)"));
    std::fs::remove_dir_all(dir).ok();
}

/// `--check` of a file that is not there: a missing file, exit 2, and the hint names the file
/// given — not a stale one with a diff against nothing.
#[test]
fn checking_a_missing_file_says_it_is_missing() {
    let dir = std::env::temp_dir().join(format!("projects-missing-{}", std::process::id()));
    for (command, file) in [("matrix", "authorization.md"), ("openapi", "openapi.json")] {
        let path = dir.join(file);
        let out = run(&[command, "--check", path.to_str().expect("path")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        assert!(stderr.contains(&format!("cannot read {}", path.display())), "{command}: {stderr}");
        assert!(
            stderr.contains(&format!("--out {}", path.display())),
            "{command}: the hint names the file given: {stderr}"
        );
        assert!(!stderr.contains("stale") && stderr.lines().count() <= 3, "{command}: {stderr}");
    }
}

/// A database that will not open says where and why: the SQLite path and its cause, PostgreSQL's
/// host (never the password) and the driver's cause — at once, not after a pool's 30 s timeout.
#[test]
fn a_database_that_will_not_open_names_the_place_and_the_cause() {
    let dir = std::env::temp_dir().join(format!("projects-db-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let garbage = dir.join("garbage.db");
    std::fs::write(&garbage, "not a database, just text").expect("file");
    let cases = [
        (
            format!("sqlite://{}/missing/x.db", dir.display()),
            format!("the directory `{}/missing` does not exist", dir.display()),
        ),
        (format!("sqlite://{}", garbage.display()), "file is not a database".to_owned()),
        (format!("sqlite://{}", dir.display()), "it is a directory".to_owned()),
        (
            "postgres://app:hunter2@127.0.0.1:1/projects".to_owned(),
            "cannot connect to PostgreSQL at 127.0.0.1:1/projects".to_owned(),
        ),
    ];
    for (url, cause) in cases {
        let started = std::time::Instant::now();
        let out = run(&["users", "list", "--database", &url]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{url}: {stderr}");
        assert!(stderr.contains(&cause), "{url}: {stderr}");
        if url.starts_with("sqlite") {
            let path = url.trim_start_matches("sqlite://");
            assert!(
                stderr.contains(&format!("cannot open the SQLite database `{path}`")),
                "{url}: {stderr}"
            );
        }
        assert!(!stderr.contains("hunter2"), "no credentials in messages: {stderr}");
        // Bounded by `projects::db::CONNECT_TIMEOUT` (5 s), with room for a loaded machine.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{url}: {:?}",
            started.elapsed()
        );
    }
    std::fs::remove_dir_all(dir).ok();
}

/// `who-can METHOD PATH`: the roles that may call it, those that may inside a team, then the
/// policies that still decide — for a path as the matrix writes it or as a client sends it.
#[test]
fn who_can_answers_from_the_declarations() {
    let who = |method: &str, path: &str| {
        let out = run(&["who-can", method, path]);
        assert!(out.status.success(), "{method} {path}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    assert_eq!(who("GET", "/admin/users"), "admin\nsupport\n");
    assert_eq!(
        who("post", "/teams/7/projects"),
        "admin\neditor\nadmin in team\neditor in team\n",
        "a client's path, any case of method"
    );
    let delete = who("DELETE", "/projects/{id}");
    assert!(delete.starts_with("admin\npolicy can_delete_project: "), "{delete}");
    assert!(delete.contains("\npolicy can_view_project: "), "{delete}");
    assert_eq!(who("GET", "/health"), "anyone (public)\n");
    let none = run(&["who-can", "TRACE", "/projects"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&none.stderr)
            .contains("no endpoint is declared for TRACE /projects")
    );
}

/// `matrix --expect FILE`: the committed expectations hold; a violated one is named with the
/// endpoint, the role and why (exit 1); an unreadable or malformed file is exit 2.
#[test]
fn access_expectations_are_checked_against_the_declarations() {
    let committed = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/access-expectations.toml");
    let out = run(&["matrix", "--expect", committed]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let dir = std::env::temp_dir().join(format!("projects-expect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let wrong = dir.join("wrong.toml");
    std::fs::write(
        &wrong,
        "[[expect]]\nrole = \"member\"\nmethod = \"DELETE\"\npath = \"/projects/{id}\"\nallowed = true\n\n\
         [[expect]]\nrole = \"editor\"\nmethod = \"GET\"\npath = \"/admin/users\"\nallowed = false\n\n\
         [[expect]]\nrole = \"support\"\nmethod = \"POST\"\npath = \"/projects\"\nallowed = true\n",
    )
    .expect("file");
    let out = run(&["matrix", "--expect", wrong.to_str().expect("path")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "violated: DELETE /projects/{id} for `member`: expected allowed, but it is denied (403)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "violated: POST /projects for `support`: expected allowed, but it is denied (403)"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("`editor`"), "the expectation that holds is not named: {stderr}");
    assert!(stderr.contains("2 of 3 expectations violated"), "{stderr}");

    let malformed = dir.join("malformed.toml");
    std::fs::write(
        &malformed,
        "[[expect]]\nrole = \"member\"\nmethod = \"GET\"\npath = \"/health\"\n",
    )
    .expect("file");
    let out = run(&["matrix", "--expect", malformed.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expectation 1: `allowed` is missing"));
    let out = run(&["matrix", "--expect", dir.join("missing.toml").to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(dir).ok();
}

/// `serve --explain`, on a real server: a 403 the gate answers names the permissions the caller
/// lacked (`missing`), in the same problem body otherwise; 401 and 404 bodies are byte for byte
/// what they are without the flag, and a service policy's 403 names nothing. Every such refusal's
/// log line says `missing=` either way.
#[test]
fn explained_refusals_name_what_was_missing_and_nothing_else_changes() {
    let body = |addr, method: &str, path: &str, token: Option<&str>| {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &[u8])> = vec![("content-type", b"application/json")];
        if let Some(auth) = &auth {
            headers.push(("authorization", auth.as_bytes()));
        }
        let res =
            authz_tests::http_bytes(addr, method, path.as_bytes(), &headers, br#"{"name":"x"}"#)
                .expect("response");
        let id = res.header("authz-decision-id").map(str::to_owned);
        ((res.status, String::from_utf8_lossy(&res.body).into_owned()), id)
    };
    let mut answers = Vec::new();
    for explain in [false, true] {
        let (dir, url) = temp_db(if explain { "explain-on" } else { "explain-off" });
        let addr = free_port();
        let flags: &[&str] = if explain { &["--explain"] } else { &[] };
        let (server, lines, logs) = serve_with(&url, addr, true, flags);
        let (bob, carol) = (token(&lines, "bob"), token(&lines, "carol"));
        let (forbidden, forbidden_id) = body(addr, "POST", "/projects", Some(&bob));
        let (admin, _) = body(addr, "GET", "/admin/users", Some(&bob));
        let (anonymous, _) = body(addr, "GET", "/projects/1", None);
        let (hidden, hidden_id) = body(addr, "GET", "/teams/1/projects", Some(&bob));
        // With --explain, the refusal names its decision; a 404 never does (nor, off, anything).
        assert_eq!(forbidden_id.is_some(), explain, "{forbidden_id:?}");
        assert_eq!(hidden_id, None);
        // A service policy's refusal: carol (support) may not lock a project she cannot edit.
        let (created, _) = body(addr, "POST", "/projects", Some(&token(&lines, "alice")));
        assert_eq!(created.0, 201);
        let id: serde_json::Value = serde_json::from_str(&created.1).expect("JSON");
        let patch = format!("/projects/{}", id["id"]);
        let auth = format!("Bearer {carol}");
        let policy = authz_tests::http_bytes(
            addr,
            "PATCH",
            patch.as_bytes(),
            &[("authorization", auth.as_bytes()), ("content-type", b"application/json")],
            br#"{"is_locked":true}"#,
        )
        .expect("response");
        answers.push((
            forbidden,
            admin,
            anonymous,
            hidden,
            (policy.status, String::from_utf8_lossy(&policy.body).into_owned()),
        ));
        drop(server);
        let logged: Vec<String> = logs.try_iter().collect();
        assert!(
            logged.iter().any(|l| l.contains("reason=\"requirement not met\"")
                && l.contains("missing=project:write")),
            "the log names what was missing, with or without --explain: {logged:?}"
        );
        // The events name the committed matrix: its digest line.
        let committed = include_str!("../../../docs/authorization.md");
        let digest = committed
            .split("Digest `")
            .nth(1)
            .and_then(|rest| rest.split('`').next())
            .expect("the matrix's digest line");
        assert!(
            logged
                .iter()
                .filter(|l| l.contains("authorization decision"))
                .all(|l| l.contains(&format!("matrix={digest}"))),
            "every event names the committed matrix {digest}: {logged:?}"
        );
        if let Some(id) = forbidden_id {
            assert!(
                logged.iter().any(|l| l.contains(&format!("decision_id={id}"))
                    && l.contains("missing=project:write")),
                "the header's id is the event's: {logged:?}"
            );
        }
        std::fs::remove_dir_all(dir).ok();
    }
    let (plain, explained) = (&answers[0], &answers[1]);
    assert_eq!(plain.0.0, 403);
    assert!(!plain.0.1.contains("missing"), "off by default: {}", plain.0.1);
    let body: serde_json::Value = serde_json::from_str(&explained.0.1).expect("problem JSON");
    assert_eq!(body["missing"], serde_json::json!(["project:write"]));
    assert_eq!((body["status"].clone(), body["title"].clone()), (403.into(), "Forbidden".into()));
    let admin: serde_json::Value = serde_json::from_str(&explained.1.1).expect("problem JSON");
    assert_eq!(admin["missing"], serde_json::json!(["user:admin"]));
    assert_eq!(plain.2, explained.2, "401 unchanged");
    assert_eq!(plain.3, explained.3, "404 unchanged");
    assert_eq!(plain.3.0, 404);
    assert_eq!(plain.4, explained.4, "a service policy's 403 names nothing");
    assert_eq!(explained.4.0, 403);
}

/// `serve --metrics ADDR`, on a real server: the API's decisions, counted by route pattern,
/// method, outcome and reason, in Prometheus text on a listener of its own; the API's port does
/// not serve them, and no id a client sent becomes a label.
#[test]
fn metrics_are_served_on_their_own_listener() {
    metrics_on(&[], "metrics");
}

#[test]
fn metrics_are_served_on_their_own_listener_on_axum() {
    metrics_on(&["--framework", "axum"], "metrics-axum");
}

/// `serve --metrics` with `flags`: the same series, labels and buckets on either front end.
fn metrics_on(flags: &[&str], name: &str) {
    let (dir, url) = temp_db(name);
    let (addr, metrics) = (free_port(), free_port());
    let metrics_addr = metrics.to_string();
    let mut flags = flags.to_vec();
    flags.extend(["--metrics", &metrics_addr]);
    let (_server, lines, _logs) = serve_with(&url, addr, true, &flags);
    let bob = token(&lines, "bob");
    assert_eq!(get(addr, "/projects", &bob), 200);
    assert_eq!(get(addr, "/projects", &bob), 200);
    assert_eq!(get(addr, "/admin/users", &bob), 403);
    assert_eq!(get(addr, "/projects/987654321", &bob), 404);
    assert_eq!(http(addr, "GET", "/projects", &[]).expect("anonymous").status, 401);
    assert_eq!(get(addr, "/teams/55555/projects", &bob), 404);

    let scraped = http(metrics, "GET", "/metrics", &[]).expect("scrape");
    assert_eq!(scraped.status, 200);
    assert_eq!(scraped.header("content-type"), Some("text/plain; version=0.0.4; charset=utf-8"));
    let text = String::from_utf8_lossy(&scraped.body);
    for series in [
        r#"authz_decisions_total{route="/projects",method="GET",outcome="allow",reason="requirement"} 2"#,
        r#"authz_decisions_total{route="/admin/users",method="GET",outcome="deny",reason="requirement"} 1"#,
        r#"authz_decisions_total{route="/projects/{id}",method="GET",outcome="not_found",reason="missing"} 1"#,
        r#"authz_decisions_total{route="/projects",method="GET",outcome="unauthenticated",reason="no_actor"} 1"#,
        r#"authz_decisions_total{route="/teams/{team_id}/projects",method="GET",outcome="deny",reason="no_role_in_scope"} 1"#,
        "# TYPE authz_decision_duration_seconds histogram",
        r#"authz_grant_store_duration_seconds_count{outcome="ok"} 1"#,
    ] {
        assert!(text.lines().any(|l| l == series), "{series} missing from\n{text}");
    }
    // One decision in 16 is timed per route and worker, the first included: which worker served
    // the second `/projects` decides whether it was.
    for (series, least, most) in [
        (
            r#"authz_decision_duration_seconds_count{route="/projects",method="GET",outcome="allow"}"#,
            1,
            2,
        ),
        (
            r#"authz_decision_duration_seconds_count{route="/admin/users",method="GET",outcome="deny"}"#,
            1,
            1,
        ),
        (r#"authz_resolver_duration_seconds_count{outcome="actor"}"#, 4, 5),
    ] {
        let count: u32 = text
            .lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{series} missing from\n{text}"));
        assert!((least..=most).contains(&count), "{series} {count}\n{text}");
        let bucket = series.replace("_count{", "_bucket{").replace("\"}", "\",le=\"0.001\"}");
        assert!(text.contains(&bucket), "{bucket} (the example's buckets) missing from\n{text}");
    }
    for sent in ["987654321", "55555"] {
        assert!(!text.contains(sent), "{sent} became a label:\n{text}");
    }
    assert_eq!(http(addr, "GET", "/metrics", &[]).expect("api port").status, 404);
    assert_eq!(http(metrics, "GET", "/projects", &[]).expect("metrics port").status, 404);
    std::fs::remove_dir_all(dir).ok();
}

/// A policy's reasons, on a real server: the audit event logs the one for the log
/// (`policy_reason`) with or without `--explain`; with it, the 403 shows only the one the policy
/// marked safe to show (`"reason":"archived"`).
#[test]
fn a_policy_shows_only_the_reason_it_marked_safe() {
    for explain in [false, true] {
        let (dir, url) = temp_db(if explain { "reason-on" } else { "reason-off" });
        let addr = free_port();
        let flags: &[&str] = if explain { &["--explain"] } else { &[] };
        let (server, lines, logs) = serve_with(&url, addr, true, flags);
        let auth = format!("Bearer {}", token(&lines, "alice"));
        let send = |method: &str, path: &str, body: &[u8]| {
            authz_tests::http_bytes(
                addr,
                method,
                path.as_bytes(),
                &[("authorization", auth.as_bytes()), ("content-type", b"application/json")],
                body,
            )
            .expect("response")
        };
        let created = send("POST", "/projects", br#"{"name":"old"}"#);
        assert_eq!(created.status, 201);
        let id: serde_json::Value = serde_json::from_slice(&created.body).expect("JSON");
        let path = format!("/projects/{}", id["id"]);
        assert_eq!(send("PATCH", &path, br#"{"is_archived":true}"#).status, 200);
        let refused = send("PATCH", &path, br#"{"name":"new"}"#);
        assert_eq!(refused.status, 403);
        let body: serde_json::Value = serde_json::from_slice(&refused.body).expect("problem JSON");
        if explain {
            assert_eq!(body["reason"], "archived", "{body}");
        } else {
            assert_eq!(body.get("reason"), None, "off by default: {body}");
        }
        assert_eq!(body.get("missing"), None, "{body}");
        drop(server);
        let logged: Vec<String> = logs.try_iter().collect();
        assert!(
            logged.iter().any(|l| l.contains("reason=\"refused by a service-level policy\"")
                && l.contains("policy=can_edit_project")
                && l.contains("policy_reason=\"project is archived\"")),
            "the logged reason, with or without --explain: {logged:?}"
        );
        assert!(!String::from_utf8_lossy(&refused.body).contains("project is archived"));
        std::fs::remove_dir_all(dir).ok();
    }
}
