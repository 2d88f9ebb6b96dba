//! Attacks on a real listening server (127.0.0.1 only, bounded loops): route-matching bypass
//! attempts, malformed credentials, client-supplied identity, faults during the check, scope
//! confusion between teams (an id from another team in the path, in the body, both), revocation
//! racing in-flight requests, and 10,000+ concurrent mixed requests. Every attack runs against
//! both front ends — actix-web (and, for the bypass attempts, actix behind `NormalizePath` too)
//! and axum (`projects serve --framework axum`'s app, on its own multi-threaded tokio runtime) —
//! with the same expectations. Each test prints its figures, per front end.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::{HttpServer, web};
use authz_tests::{RawResponse, http, http_bytes};
use projects::db::Db;
use projects::model::{NewProject, Project};
use projects::perms::{CATALOG, PROJECT_READ, PROJECT_WRITE};
use projects::service::ProjectService;
use projects::teams::Teams;
use projects::users::{Users, demo};

/// Which server answers: the same services, database and policies behind each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Front {
    Actix,
    /// actix-web behind its `NormalizePath` (slashes merged, trailing slash trimmed).
    ActixNormalized,
    Axum,
    /// axum behind tower-http's `NormalizePath` (trailing slash trimmed), outside the `App`.
    AxumNormalized,
}

impl Front {
    /// The two front ends as `projects serve` runs them.
    const BOTH: [Front; 2] = [Front::Actix, Front::Axum];
    const ALL: [Front; 4] =
        [Front::Actix, Front::ActixNormalized, Front::Axum, Front::AxumNormalized];
}

/// The running server, to stop.
enum Server {
    Actix(actix_web::dev::ServerHandle),
    /// axum's own runtime: shutting it down closes the listener and every connection.
    Axum(tokio::runtime::Runtime),
}

struct World {
    addr: SocketAddr,
    db: Db,
    tokens: Vec<(String, i64, String)>, // name, id, token
    private_bob: i64,
    public_alice: i64,
    server: Server,
}

impl World {
    async fn stop(self) {
        match self.server {
            Server::Actix(handle) => handle.stop(true).await,
            Server::Axum(runtime) => runtime.shutdown_background(),
        }
    }

    fn token(&self, name: &str) -> &str {
        &self.tokens.iter().find(|(n, _, _)| n == name).expect("user").2
    }

    fn id(&self, name: &str) -> i64 {
        self.tokens.iter().find(|(n, _, _)| n == name).expect("user").1
    }
}

/// An actix-web server of two workers on `listener`, each with the app `$app` makes (a macro:
/// the two apps' types differ, and `HttpServer::new`'s bounds would be longer than this).
macro_rules! actix_server {
    ($listener:expr, $app:expr) => {{
        let server = HttpServer::new($app).workers(2).listen($listener).expect("listen").run();
        let handle = server.handle();
        actix_rt::spawn(server);
        Server::Actix(handle)
    }};
}

async fn world(front: Front) -> World {
    // Shown with a failing test's output: which front end the failure is on.
    println!("-- against {front:?}");
    let db = Db::connect("sqlite::memory:").await.expect("database");
    let users = Users::new(db.clone());
    let tokens: Vec<(String, i64, String)> =
        demo(&users).await.expect("demo").into_iter().map(|(u, t)| (u.name, u.id, t)).collect();
    let seed = CATALOG.system_actor("attack-seed", &[PROJECT_WRITE]);
    let svc = ProjectService::new(db.clone());
    let bob = tokens.iter().find(|(n, _, _)| n == "bob").expect("bob").1;
    let alice = tokens.iter().find(|(n, _, _)| n == "alice").expect("alice").1;
    let private_bob = svc
        .create(
            &seed,
            NewProject { name: "private".into(), owner_id: Some(bob), ..Default::default() },
        )
        .await
        .expect("p")
        .id;
    let public_alice = svc
        .create(
            &seed,
            NewProject {
                name: "public".into(),
                owner_id: Some(alice),
                is_public: true,
                ..Default::default()
            },
        )
        .await
        .expect("p")
        .id;
    // Teams 1 (apollo: erin editor, dave editor) and 2 (zephyr: nobody).
    let teams = Teams::new(db.clone());
    projects::teams::demo(&teams).await.expect("demo teams");
    teams.set_member("apollo", "dave", "editor").await.expect("member");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server_db = db.clone();
    let server = match front {
        Front::Actix => actix_server!(listener, move || projects::http::app(server_db.clone())),
        Front::ActixNormalized => {
            actix_server!(listener, move || projects::http::app_normalized(server_db.clone()))
        }
        Front::Axum | Front::AxumNormalized => {
            // As `projects serve --framework axum` serves it: its own multi-threaded runtime.
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            listener.set_nonblocking(true).expect("nonblocking");
            let app = projects::http_axum::ActixPaths(projects::http_axum::app(server_db, false));
            let normalized = front == Front::AxumNormalized;
            runtime.spawn(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                if normalized {
                    let app = tower_http::normalize_path::NormalizePath::trim_trailing_slash(app);
                    let app = axum::ServiceExt::<axum::extract::Request>::into_make_service(app);
                    axum::serve(listener, app).await
                } else {
                    axum::serve(listener, app.into_make_service()).await
                }
            });
            Server::Axum(runtime)
        }
    };
    World { addr, db, tokens, private_bob, public_alice, server }
}

/// Runs blocking client code off the server's runtime.
async fn client<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    web::block(f).await.expect("client thread")
}

/// One attempt: method, raw path, headers.
type Try<'a> = (String, Vec<u8>, Vec<(&'a str, &'a [u8])>);

/// Path spellings that a naive matcher might treat as, or not as, `path`.
fn variants(path: &str) -> Vec<Vec<u8>> {
    let mut out: Vec<String> = vec![
        path.to_owned(),
        format!("{path}/"),
        format!("/{path}"),
        path.replacen('/', "//", 2),
        path.replacen('/', "/./", 2),
        format!("/x/..{path}"),
        format!("/./{}", &path[1..]),
        path.replace('/', "%2F"),
        path.replacen('/', "%2F", 2),
        path.replacen('/', "%252F", 2),
        path.to_uppercase(),
        format!("{}{}", &path[..2].to_uppercase(), &path[2..]),
        format!("{path};x=1"),
        format!("{path};jsessionid=1"),
        format!("{path}+"),
        format!("{path}%00"),
        format!("{path}%20"),
        format!("{path}%FF"),
        format!("{path}?user_id=1&role=admin"),
        format!("{path}#frag"),
        format!("{path}/."),
        format!("{path}/.."),
    ];
    // Percent-encode one letter (`/admin` → `/%61dmin`).
    if let Some((i, c)) = path.char_indices().find(|(_, c)| c.is_ascii_lowercase()) {
        out.push(format!("{}%{:02X}{}", &path[..i], c as u32, &path[i + 1..]));
        out.push(format!("{}%{:02x}{}", &path[..i], c as u32, &path[i + 1..]));
    }
    let mut bytes: Vec<Vec<u8>> = out.into_iter().map(String::into_bytes).collect();
    // Raw invalid UTF-8 in the request line.
    let mut raw = path.as_bytes().to_vec();
    raw.extend_from_slice(&[0xFF, 0xFE]);
    bytes.push(raw);
    bytes
}

#[actix_rt::test]
async fn route_matching_bypass_attempts_never_succeed() {
    let mut attempts = 0;
    let mut successes = Vec::new();
    for front in Front::ALL {
        let w = world(front).await;
        let private = format!("/projects/{}", w.private_bob);
        // (method, path, who is denied, body)
        let targets: Vec<(&str, String, Option<String>, &[u8])> = vec![
            ("GET", "/admin/users".to_owned(), None, b""),
            ("GET", "/admin/users".to_owned(), Some(w.token("dave").to_owned()), b""),
            ("GET", "/projects".to_owned(), None, b""),
            ("POST", "/projects".to_owned(), Some(w.token("dave").to_owned()), br#"{"name":"x"}"#),
            ("GET", private.clone(), None, b""),
            ("GET", private.clone(), Some(w.token("dave").to_owned()), b""),
            ("PATCH", private.clone(), Some(w.token("dave").to_owned()), br#"{"name":"x"}"#),
            ("PATCH", private.clone(), Some(w.token("carol").to_owned()), br#"{"name":"x"}"#),
            ("DELETE", private.clone(), Some(w.token("bob").to_owned()), b""),
            ("DELETE", private.clone(), Some(w.token("erin").to_owned()), b""),
            // dave is an editor in team 1 only; carol reads everywhere but holds no team role.
            ("GET", "/teams/2/projects".to_owned(), None, b""),
            ("GET", "/teams/2/projects".to_owned(), Some(w.token("dave").to_owned()), b""),
            (
                "POST",
                "/teams/2/projects".to_owned(),
                Some(w.token("dave").to_owned()),
                br#"{"name":"x"}"#,
            ),
            (
                "POST",
                "/teams/1/projects".to_owned(),
                Some(w.token("carol").to_owned()),
                br#"{"name":"x"}"#,
            ),
            (
                "POST",
                "/teams/1/projects".to_owned(),
                Some(w.token("bob").to_owned()),
                br#"{"name":"x"}"#,
            ),
        ];
        let addr = w.addr;
        let (n, found) = client(move || {
            let mut n = 0;
            let mut found = Vec::new();
            for (method, path, token, body) in &targets {
                let auth = token.as_ref().map(|t| format!("Bearer {t}"));
                let mut base: Vec<(&str, &[u8])> = vec![("content-type", b"application/json")];
                if let Some(a) = &auth {
                    base.push(("authorization", a.as_bytes()));
                }
                let mut tries: Vec<Try<'_>> = Vec::new();
                for v in variants(path) {
                    tries.push((method.to_string(), v, base.clone()));
                }
                // Other methods on the same path. HEAD mirrors GET, so it is an attack only on a GET
                // target; on a write target it is the (allowed) read of the same resource.
                let swaps: &[&str] = if *method == "GET" {
                    &["HEAD", "OPTIONS", "PUT", "TRACE"]
                } else {
                    &["OPTIONS", "PUT", "TRACE"]
                };
                for m in swaps {
                    tries.push((m.to_string(), path.as_bytes().to_vec(), base.clone()));
                }
                for (header, value) in [
                    ("x-http-method-override", method.as_bytes()),
                    ("x-method-override", method.as_bytes()),
                    ("x-original-url", b"/health".as_slice()),
                    ("x-rewrite-url", b"/health".as_slice()),
                    ("x-forwarded-prefix", b"/health".as_slice()),
                ] {
                    let mut headers = base.clone();
                    headers.push((header, value));
                    tries.push((method.to_string(), path.as_bytes().to_vec(), headers.clone()));
                    tries.push(("POST".to_owned(), path.as_bytes().to_vec(), headers));
                }
                for (m, p, headers) in tries {
                    n += 1;
                    let res = http_bytes(addr, &m, &p, &headers, body).expect("an answer");
                    if (200..300).contains(&res.status) {
                        found.push(format!(
                            "{front:?}: {m} {} (as {}) → {}",
                            String::from_utf8_lossy(&p),
                            if token.is_some() { "denied actor" } else { "anonymous" },
                            res.status
                        ));
                    }
                    assert!(
                        res.status < 500,
                        "{m} {}: {}",
                        String::from_utf8_lossy(&p),
                        res.status
                    );
                }
            }
            (n, found)
        })
        .await;
        attempts += n;
        successes.extend(found);
        // Nothing changed: the private project is intact.
        let reader = CATALOG.system_actor("attack-check", &[PROJECT_READ]);
        let svc = ProjectService::new(w.db.clone());
        let p = svc.get(&reader, w.private_bob).await.expect("still there");
        assert_eq!(p.name, "private");
        assert!(
            svc.all().await.expect("all").iter().all(|p| p.team_id.is_none()),
            "no team project was created"
        );
        w.stop().await;
    }
    println!("bypass attempts (every front end): {attempts}, successes: {}", successes.len());
    assert!(successes.is_empty(), "bypasses:\n{}", successes.join("\n"));
}

#[actix_rt::test]
async fn malformed_credentials_are_401() {
    for front in Front::BOTH {
        let w = world(front).await;
        let valid = w.token("alice").to_owned();
        // Revoke erin's tokens and remove dave, keeping their tokens.
        let users = Users::new(w.db.clone());
        let revoked = w.token("erin").to_owned();
        users.revoke_tokens("erin").await.expect("revoke");
        let deleted = w.token("dave").to_owned();
        users.remove("dave").await.expect("remove");
        let big = format!("Bearer {}", "a".repeat(64 * 1024));
        let forms: Vec<(String, Vec<Vec<u8>>)> = vec![
            ("missing".into(), vec![]),
            ("empty".into(), vec![b"".to_vec()]),
            ("scheme only".into(), vec![b"Bearer".to_vec()]),
            ("scheme and space".into(), vec![b"Bearer ".to_vec()]),
            ("wrong scheme".into(), vec![format!("Basic {valid}").into_bytes()]),
            ("token scheme".into(), vec![format!("Token {valid}").into_bytes()]),
            ("no scheme".into(), vec![valid.clone().into_bytes()]),
            ("two spaces".into(), vec![format!("Bearer  {valid}").into_bytes()]),
            // (Trailing whitespace is optional whitespace in HTTP: the parser drops it, so
            // `Bearer TOKEN ` is the valid token, not a malformed one.)
            (
                "space inside the token".into(),
                vec![format!("Bearer {} {}", &valid[..20], &valid[20..]).into_bytes()],
            ),
            (
                "newline-folded".into(),
                vec![format!("Bearer {}\r\n {}", &valid[..20], &valid[20..]).into_bytes()],
            ),
            ("tab inside".into(), vec![format!("Bearer\t{valid}").into_bytes()]),
            (
                "truncated".into(),
                vec![format!("Bearer {}", &valid[..valid.len() - 1]).into_bytes()],
            ),
            ("extended".into(), vec![format!("Bearer {valid}0").into_bytes()]),
            (
                "uppercase token".into(),
                vec![format!("Bearer {}", valid.to_uppercase()).into_bytes()],
            ),
            (
                "two headers".into(),
                vec![
                    format!("Bearer {valid}").into_bytes(),
                    format!("Bearer {valid}").into_bytes(),
                ],
            ),
            ("non-UTF-8 bytes".into(), vec![[b"Bearer pat_".as_slice(), &[0xFF; 64]].concat()]),
            ("64 KiB".into(), vec![big.into_bytes()]),
            ("revoked token".into(), vec![format!("Bearer {revoked}").into_bytes()]),
            ("deleted user's token".into(), vec![format!("Bearer {deleted}").into_bytes()]),
            ("made-up token".into(), vec![format!("Bearer pat_{}", "0".repeat(64)).into_bytes()]),
        ];
        let addr = w.addr;
        let results = client(move || {
            forms
                .into_iter()
                .map(|(name, values)| {
                    let headers: Vec<(&str, &[u8])> =
                        values.iter().map(|v| ("authorization", v.as_slice())).collect();
                    let res =
                        http_bytes(addr, "GET", b"/projects", &headers, b"").expect("an answer");
                    (name, res.status)
                })
                .collect::<Vec<_>>()
        })
        .await;
        // The controls: the valid token works, with the scheme in any case (RFC 9110 §11.1).
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            let header = format!("{scheme} {valid}");
            let status = client(move || {
                http(addr, "GET", "/projects", &[("authorization", &header)]).expect("ok").status
            })
            .await;
            assert_eq!(status, 200, "{scheme}: the valid token works");
        }
        let mut not_401 = Vec::new();
        for (name, status) in &results {
            assert!(!(200..300).contains(status) && *status < 500, "{name}: {status}");
            if *status != 401 {
                not_401.push(format!("{name}: {status}"));
            }
        }
        println!(
            "{front:?}: credential forms: {}, all refused; answered 401 except {:?}",
            results.len(),
            not_401
        );
        // Only a header the HTTP parser itself rejects (obsolete line folding: 400) may answer other
        // than 401; it never reaches the application.
        assert!(not_401.iter().all(|s| s == "newline-folded: 400"), "{not_401:?}");
        w.stop().await;
    }
}

#[actix_rt::test]
async fn client_supplied_identity_is_ignored() {
    for front in Front::BOTH {
        let w = world(front).await;
        let addr = w.addr;
        let dave = format!("Bearer {}", w.token("dave"));
        let bob = format!("Bearer {}", w.token("bob"));
        let alice_id = w.id("alice").to_string();
        let private = format!("/projects/{}", w.private_bob);
        let statuses = {
            let (dave, bob, alice_id, private) =
                (dave.clone(), bob.clone(), alice_id.clone(), private.clone());
            client(move || {
                let dave = dave.as_str();
                let mut out = Vec::new();
                for (name, value) in [
                    ("x-user-id", alice_id.as_str()),
                    ("x-roles", "admin"),
                    ("x-forwarded-user", "alice"),
                    ("x-authenticated-user", "alice"),
                ] {
                    out.push((
                        format!("{name} on /admin/users"),
                        http(
                            addr,
                            "GET",
                            "/admin/users",
                            &[("authorization", dave), (name, value)],
                        )
                        .expect("a")
                        .status,
                        403,
                    ));
                }
                out.push((
                    "role in query".into(),
                    http(
                        addr,
                        "GET",
                        &format!("/admin/users?role=admin&user_id={alice_id}"),
                        &[("authorization", dave)],
                    )
                    .expect("a")
                    .status,
                    403,
                ));
                out.push((
                    "x-user-id on a private project".into(),
                    http(addr, "GET", &private, &[("authorization", dave), ("x-user-id", "4")])
                        .expect("a")
                        .status,
                    404,
                ));
                // owner_id in a body from an actor without project:write.
                let body = br#"{"owner_id": 5}"#;
                let res = http_bytes(
                    addr,
                    "PATCH",
                    private.as_bytes(),
                    &[("authorization", bob.as_bytes()), ("content-type", b"application/json")],
                    body,
                )
                .expect("a");
                out.push(("owner_id in a PATCH by the owner (member)".into(), res.status, 403));
                let res = http_bytes(
                    addr,
                    "POST",
                    b"/projects",
                    &[("authorization", dave.as_bytes()), ("content-type", b"application/json")],
                    br#"{"name":"x","owner_id":1}"#,
                )
                .expect("a");
                out.push(("owner_id in a POST by a member".into(), res.status, 403));
                out
            })
            .await
        };
        for (case, status, want) in &statuses {
            assert_eq!(status, want, "{case}");
        }
        let reader = CATALOG.system_actor("identity-check", &[PROJECT_READ]);
        let p =
            ProjectService::new(w.db.clone()).get(&reader, w.private_bob).await.expect("project");
        assert_eq!(p.owner_id, w.id("bob"), "ownership unchanged");
        println!("{front:?}: client-supplied identity attempts: {}, all ignored", statuses.len());
        w.stop().await;
    }
}

#[actix_rt::test]
async fn faults_during_the_check_fail_closed() {
    for front in Front::BOTH {
        let w = world(front).await;
        let addr = w.addr;
        let bob = format!("Bearer {}", w.token("bob"));
        let private = format!("/projects/{}", w.private_bob);
        let mut faults = 0;

        // The resolver's token lookup fails: every gated route answers the generic 500, public ones
        // still work.
        sqlx::query("ALTER TABLE api_tokens RENAME TO api_tokens_away")
            .execute(&w.db.pool)
            .await
            .expect("break");
        let (b, p) = (bob.clone(), private.clone());
        let (gated, health, body) = client(move || {
            let gated = http(addr, "GET", &p, &[("authorization", &b)]).expect("a");
            let health = http(addr, "GET", "/health", &[]).expect("a");
            (gated.status, health.status, String::from_utf8_lossy(&gated.body).into_owned())
        })
        .await;
        assert_eq!((gated, health), (500, 200));
        assert!(
            !body.contains("api_tokens") && !body.contains("no such table"),
            "generic body: {body}"
        );
        faults += 1;
        sqlx::query("ALTER TABLE api_tokens_away RENAME TO api_tokens")
            .execute(&w.db.pool)
            .await
            .expect("repair");

        // The project lookup fails during the policy check of a write: 500, nothing written.
        sqlx::query("ALTER TABLE projects RENAME TO projects_away")
            .execute(&w.db.pool)
            .await
            .expect("break");
        let (b, p) = (bob.clone(), private.clone());
        let statuses = client(move || {
            let body = br#"{"name":"hacked"}"#;
            let headers: [(&str, &[u8]); 2] =
                [("authorization", b.as_bytes()), ("content-type", b"application/json")];
            [
                http_bytes(addr, "PATCH", p.as_bytes(), &headers, body).expect("a").status,
                http_bytes(addr, "DELETE", p.as_bytes(), &headers, b"").expect("a").status,
                http_bytes(addr, "GET", p.as_bytes(), &headers, b"").expect("a").status,
            ]
        })
        .await;
        assert_eq!(
            statuses,
            [500, 403, 500],
            "PATCH and GET fail closed; DELETE is refused by the gate first"
        );
        faults += 3;
        sqlx::query("ALTER TABLE projects_away RENAME TO projects")
            .execute(&w.db.pool)
            .await
            .expect("repair");

        // The server answers normally afterwards, and nothing was written.
        let (b, p) = (bob.clone(), private.clone());
        let res: RawResponse =
            client(move || http(addr, "GET", &p, &[("authorization", &b)]).expect("a")).await;
        assert_eq!(res.status, 200);
        let project: Project = serde_json::from_slice(&res.body).expect("project");
        assert_eq!(project.name, "private");
        println!("{front:?}: faults injected: {faults}, all failed closed, server kept serving");
        w.stop().await;
    }
}

#[actix_rt::test]
async fn ten_thousand_concurrent_mixed_requests_match_the_oracle() {
    const THREADS: usize = 64;
    const PER_THREAD: usize = 160;
    for front in Front::BOTH {
        let w = world(front).await;
        let addr = w.addr;
        // (token or none, expected list ids, expected admin status, expected private status)
        let bob_id = w.id("bob");
        let everyone: Vec<(Option<String>, Vec<i64>, u16, u16)> = vec![
            (None, vec![], 401, 401),
            (Some(w.token("alice").to_owned()), vec![w.private_bob, w.public_alice], 200, 200),
            (Some(w.token("erin").to_owned()), vec![w.private_bob, w.public_alice], 403, 200),
            (Some(w.token("carol").to_owned()), vec![w.private_bob, w.public_alice], 200, 200),
            (Some(w.token("bob").to_owned()), vec![w.private_bob, w.public_alice], 403, 200),
            (Some(w.token("dave").to_owned()), vec![w.public_alice], 403, 404),
        ];
        let _ = bob_id;
        let everyone = Arc::new(everyone);
        let private = format!("/projects/{}", w.private_bob);
        let sent = Arc::new(AtomicUsize::new(0));
        let mismatches = Arc::new(std::sync::Mutex::new(Vec::new()));
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (everyone, private, sent, mismatches) =
                    (everyone.clone(), private.clone(), sent.clone(), mismatches.clone());
                std::thread::spawn(move || {
                    for i in 0..PER_THREAD {
                        let (token, list, admin, private_status) =
                            &everyone[(t * 7 + i * 13) % everyone.len()];
                        let auth = token.as_ref().map(|t| format!("Bearer {t}"));
                        let headers: Vec<(&str, &str)> =
                            auth.iter().map(|a| ("authorization", a.as_str())).collect();
                        let (path, want) = match i % 3 {
                            0 => ("/projects", if token.is_some() { 200 } else { 401 }),
                            1 => ("/admin/users", *admin),
                            _ => (private.as_str(), *private_status),
                        };
                        let res = http(addr, "GET", path, &headers).expect("an answer");
                        sent.fetch_add(1, Ordering::Relaxed);
                        let mut ok = res.status == want;
                        if ok && path == "/projects" && res.status == 200 {
                            // No actor leaks into another request: the list is exactly this actor's.
                            let ids: Vec<i64> = serde_json::from_slice::<Vec<Project>>(&res.body)
                                .map(|v| v.iter().map(|p| p.id).collect())
                                .unwrap_or_default();
                            ok = ids == *list;
                        }
                        if !ok {
                            mismatches
                                .lock()
                                .expect("lock")
                                .push(format!("{path} → {}", res.status));
                        }
                    }
                })
            })
            .collect();
        client(move || handles.into_iter().for_each(|h| h.join().expect("client thread"))).await;
        let sent = sent.load(Ordering::Relaxed);
        let mismatches = mismatches.lock().expect("lock").clone();
        println!(
            "{front:?}: concurrent requests: {sent} over {THREADS} connections at a time, mismatches: {}",
            mismatches.len()
        );
        assert!(sent >= 10_000);
        assert!(mismatches.is_empty(), "{:?}", &mismatches[..mismatches.len().min(10)]);
        w.stop().await;
    }
}

/// `method path` with a JSON `body` as the named user.
fn send(addr: SocketAddr, method: &str, path: &str, token: &str, body: &str) -> RawResponse {
    let auth = format!("Bearer {token}");
    let headers: [(&str, &[u8]); 2] =
        [("authorization", auth.as_bytes()), ("content-type", b"application/json")];
    http_bytes(addr, method, path.as_bytes(), &headers, body.as_bytes()).expect("an answer")
}

#[actix_rt::test]
async fn scope_confusion_never_crosses_teams() {
    for front in Front::BOTH {
        let w = world(front).await;
        let svc = ProjectService::new(w.db.clone());
        let alice = CATALOG.actor(w.id("alice"), ["admin"]).expect("alice");
        let in_team_1 = svc
            .create_in_team(&alice, 1, projects::model::NewTeamProject { name: "one".into() })
            .await
            .expect("p")
            .id;
        let in_team_2 = svc
            .create_in_team(&alice, 2, projects::model::NewTeamProject { name: "two".into() })
            .await
            .expect("p")
            .id;
        let (addr, dave, erin) = (w.addr, w.token("dave").to_owned(), w.token("erin").to_owned());
        let (dave_id, erin_id) = (w.id("dave"), w.id("erin"));
        let cases: Vec<(&str, String, &str, &str, u16)> = vec![
            // An id from another team in the path.
            ("GET", "/teams/2/projects".into(), "dave", "", 404),
            ("POST", "/teams/2/projects".into(), "dave", r#"{"name":"x"}"#, 404),
            ("GET", format!("/projects/{in_team_2}"), "dave", "", 404),
            ("PATCH", format!("/projects/{in_team_2}"), "dave", r#"{"name":"x"}"#, 404),
            // Deleting needs project:delete at the gate: 403 for any id, existing or not.
            ("DELETE", format!("/projects/{in_team_2}"), "dave", "", 403),
            ("DELETE", "/projects/9999".into(), "dave", "", 403),
            // Other spellings of team 2 name no team for the gate; a global editor's handler reads
            // them as actix's parser does, on her own global permission.
            ("GET", "/teams/+2/projects".into(), "dave", "", 404),
            ("GET", "/teams/02/projects".into(), "dave", "", 404),
            ("GET", "/teams/2%20/projects".into(), "dave", "", 404),
            ("GET", "/teams/%32/projects".into(), "dave", "", 404),
            ("GET", "/teams/1%2F..%2F2/projects".into(), "dave", "", 404),
            // Another team's id in the body: not a field anywhere, so refused as a bad body.
            ("POST", "/teams/1/projects".into(), "dave", r#"{"name":"x","team_id":2}"#, 400),
            ("PATCH", format!("/projects/{in_team_1}"), "dave", r#"{"team_id":2}"#, 400),
            ("POST", "/projects".into(), "erin", r#"{"name":"x","team_id":2}"#, 400),
            // Both: the path's team decides, before the body is read.
            ("POST", "/teams/2/projects".into(), "dave", r#"{"name":"x","team_id":1}"#, 404),
            // Granting oneself more: user:admin is needed in the team, and dave holds editor there.
            ("PUT", format!("/teams/1/members/{dave_id}"), "dave", r#"{"role":"admin"}"#, 403),
            ("PUT", format!("/teams/2/members/{dave_id}"), "dave", r#"{"role":"admin"}"#, 404),
            ("DELETE", format!("/teams/1/members/{erin_id}"), "dave", "", 403),
            // Legitimate controls: dave in team 1, erin (global editor) anywhere.
            ("GET", "/teams/1/projects".into(), "dave", "", 200),
            ("PATCH", format!("/projects/{in_team_1}"), "dave", r#"{"name":"renamed"}"#, 200),
            ("GET", "/teams/2/projects".into(), "erin", "", 200),
        ];
        let n = cases.len();
        let probe = dave.clone();
        let hidden = client(move || send(addr, "GET", "/teams/99/projects", &probe, "")).await;
        let answers = client(move || {
            cases
                .into_iter()
                .map(|(method, path, who, body, want)| {
                    let token = if who == "dave" { &dave } else { &erin };
                    let res = send(addr, method, &path, token, body);
                    (format!("{method} {path} {body} as {who}"), want, res)
                })
                .collect::<Vec<_>>()
        })
        .await;
        for (what, want, res) in &answers {
            assert_eq!(res.status, *want, "{what}");
            if *want == 404 && what.contains("/teams/") {
                assert_eq!(res.body, hidden.body, "{what}: the body of a team that does not exist");
            }
        }
        // Nothing moved between teams, nothing was created in team 2.
        let all = svc.all().await.expect("all");
        let team_of = |id: i64| all.iter().find(|p| p.id == id).and_then(|p| p.team_id);
        assert_eq!((team_of(in_team_1), team_of(in_team_2)), (Some(1), Some(2)));
        assert_eq!(all.iter().filter(|p| p.team_id == Some(2)).count(), 1);
        let members = Teams::new(w.db.clone()).members("apollo").await.expect("members");
        assert!(
            members.contains(&("dave".to_owned(), "editor".to_owned()))
                && !members.iter().any(|(_, r)| r == "admin"),
            "{members:?}"
        );
        println!(
            "{front:?}: scope confusion: {n} attempts, all answered as the team in the path allows"
        );
        w.stop().await;
    }
}

#[actix_rt::test]
async fn no_request_started_after_a_revocation_is_served() {
    for front in Front::BOTH {
        let w = world(front).await;
        let (addr, dave) = (w.addr, w.token("dave").to_owned());
        // Warm both workers' caches with dave's grant in team 1.
        let warm = dave.clone();
        client(move || {
            (0..20).for_each(|_| {
                assert_eq!(send(addr, "GET", "/teams/1/projects", &warm, "").status, 200)
            })
        })
        .await;
        let revoked_at: Arc<std::sync::OnceLock<std::time::Instant>> = Arc::default();
        let racers: Vec<_> = (0..4)
            .map(|_| {
                let (dave, revoked_at) = (dave.clone(), revoked_at.clone());
                std::thread::spawn(move || {
                    let mut late_successes = 0;
                    let mut created = 0;
                    let start = std::time::Instant::now();
                    while start.elapsed() < std::time::Duration::from_millis(1500) {
                        let sent = std::time::Instant::now();
                        let status =
                            send(addr, "POST", "/teams/1/projects", &dave, r#"{"name":"race"}"#)
                                .status;
                        if status == 201 {
                            created += 1;
                            if revoked_at.get().is_some_and(|at| sent > *at) {
                                late_successes += 1;
                            }
                        } else {
                            assert_eq!(status, 404, "refused as an outsider");
                        }
                    }
                    (created, late_successes)
                })
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(300));
        // Revoked in this process: the store's epoch moves before `revoke` returns.
        let dave_id = authz_actix::ActorId::Int(w.id("dave"));
        w.db.grants
            .revoke(&dave_id, authz_actix::Scope::new(projects::service::TEAM, 1), None)
            .await
            .expect("revoke");
        revoked_at.set(std::time::Instant::now()).expect("once");
        let mut created = 0;
        let mut late = 0;
        for racer in racers {
            let (c, l) = client(move || racer.join().expect("racer")).await;
            created += c;
            late += l;
        }
        let stored = ProjectService::new(w.db.clone())
            .all()
            .await
            .expect("all")
            .iter()
            .filter(|p| p.name == "race")
            .count();
        println!(
            "{front:?}: revocation race: {created} created before the revocation, {late} after it"
        );
        assert_eq!(late, 0, "a request sent after the revocation was served");
        assert_eq!(stored, created, "every 201 is one stored project, nothing else");
        w.stop().await;
    }
}

/// Grant escalation over HTTP, as reported: carol (support: user:admin, no project:write) makes
/// herself admin in a team, then writes there. Every step is refused, and she holds nothing more.
#[actix_rt::test]
async fn grant_escalation_is_refused() {
    for front in Front::BOTH {
        let w = world(front).await;
        let svc = ProjectService::new(w.db.clone());
        let alice = CATALOG.actor(w.id("alice"), ["admin"]).expect("alice");
        let in_team_2 = svc
            .create_in_team(&alice, 2, projects::model::NewTeamProject { name: "two".into() })
            .await
            .expect("p")
            .id;
        let (addr, carol, carol_id, erin_id) =
            (w.addr, w.token("carol").to_owned(), w.id("carol"), w.id("erin"));
        let cases: Vec<(&str, String, &str, u16)> = vec![
            // Promoting herself, in a team where she holds nothing and in one where erin edits.
            ("PUT", format!("/teams/2/members/{carol_id}"), r#"{"role":"admin"}"#, 403),
            ("PUT", format!("/teams/1/members/{carol_id}"), r#"{"role":"editor"}"#, 403),
            // Promoting another user to a role with permissions she lacks.
            ("PUT", format!("/teams/2/members/{erin_id}"), r#"{"role":"admin"}"#, 403),
            // Replacing, or taking away, a stronger role than her own.
            ("PUT", format!("/teams/1/members/{erin_id}"), r#"{"role":"member"}"#, 403),
            ("DELETE", format!("/teams/1/members/{erin_id}"), "", 403),
            // What the escalation was for.
            ("POST", "/teams/2/projects".into(), r#"{"name":"mine"}"#, 404),
            // She may see it (project:read), not edit it.
            ("PATCH", format!("/projects/{in_team_2}"), r#"{"is_locked":true}"#, 403),
            // What she holds, she may give.
            ("PUT", format!("/teams/2/members/{carol_id}"), r#"{"role":"support"}"#, 200),
        ];
        let answers = client(move || {
            cases
                .into_iter()
                .map(|(m, p, b, want)| {
                    (format!("{m} {p} {b}"), want, send(addr, m, &p, &carol, b).status)
                })
                .collect::<Vec<_>>()
        })
        .await;
        for (what, want, got) in &answers {
            assert_eq!(got, want, "{what}");
        }
        let teams = Teams::new(w.db.clone());
        assert_eq!(
            teams.members("zephyr").await.expect("members"),
            [("carol".to_owned(), "support".to_owned())]
        );
        assert!(
            teams
                .members("apollo")
                .await
                .expect("members")
                .contains(&("erin".to_owned(), "editor".to_owned()))
        );
        w.stop().await;
    }
}

/// One spelling of an id on every route: a team scope's gate refuses `01` before any store is
/// asked, and the handlers read ids by the same rule, so a global editor (whom no gate asks about
/// teams) gets the same answer as a missing resource, byte for byte.
#[actix_rt::test]
async fn ids_have_one_spelling_on_every_route() {
    for front in Front::BOTH {
        let w = world(front).await;
        let (addr, erin, alice) = (w.addr, w.token("erin").to_owned(), w.token("alice").to_owned());
        let private = w.private_bob;
        let answers = client(move || {
            let missing = send(addr, "GET", "/projects/999999", &alice, "");
            let mut out = Vec::new();
            for token in [&erin, &alice] {
                for (method, path, body) in [
                    ("GET", "/teams/01/projects".to_owned(), ""),
                    ("POST", "/teams/01/projects".to_owned(), r#"{"name":"x"}"#),
                    ("GET", format!("/projects/0{private}"), ""),
                    ("GET", format!("/projects/+{private}"), ""),
                    ("PATCH", format!("/projects/0{private}"), r#"{"name":"x"}"#),
                    ("PUT", "/teams/1/members/01".to_owned(), r#"{"role":"member"}"#),
                ] {
                    // erin holds no user:admin in team 1: the gate answers 403 before the user id
                    // matters. alice reaches the handler.
                    if method == "PUT" && token == &erin {
                        continue;
                    }
                    let res = send(addr, method, &path, token, body);
                    out.push((format!("{method} {path}"), res.status, res.body == missing.body));
                }
            }
            // The canonical spellings still work.
            out.push((
                "GET /teams/1/projects".to_owned(),
                send(addr, "GET", "/teams/1/projects", &erin, "").status,
                true,
            ));
            out.push((
                format!("GET /projects/{private}"),
                send(addr, "GET", &format!("/projects/{private}"), &alice, "").status,
                true,
            ));
            out
        })
        .await;
        let n = answers.len();
        for (i, (what, status, same)) in answers.into_iter().enumerate() {
            if i + 2 >= n {
                assert_eq!(status, 200, "{what}");
            } else {
                assert_eq!((status, same), (404, true), "{what}: answered as a missing resource");
            }
        }
        w.stop().await;
    }
}
