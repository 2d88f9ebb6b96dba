//! Every row of the DESIGN table, for every demo role, owner and non-owner, on SQLite — and on
//! PostgreSQL when `PROJECTS_TEST_POSTGRES_URL` is set (CI sets it). Expected answers come from an
//! independent oracle (`support`), not from the service's own policies. Every denied write is
//! checked to change nothing; every hidden project is checked to answer exactly what a missing id
//! answers.

mod support;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::test;
use projects::model::Project;
use support::{Who, can_view, delete_status, get_status, patch_status, snapshot};

const MISSING: i64 = 999_999;

type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// A raw body case: what it is, its content type, the bytes, the status, what the answer says.
type BodyCase = (&'static str, Option<&'static str>, Vec<u8>, u16, &'static str);

async fn send<S, B>(
    app: &S,
    who: Option<&Who>,
    method: &str,
    uri: &str,
    body: Option<serde_json::Value>,
) -> Answer
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let mut req = test::TestRequest::default().method(method.parse().expect("method")).uri(uri);
    if let Some(who) = who {
        req = req.insert_header(("authorization", format!("Bearer {}", who.token)));
    }
    if let Some(body) = body {
        req = req.set_json(body);
    }
    let res = app.call(req.to_request()).await.expect("response");
    let status = res.status().as_u16();
    let mut headers: Vec<(String, String)> = res
        .headers()
        .iter()
        .filter(|(n, _)| *n != "date")
        .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    headers.sort();
    let body =
        actix_web::body::to_bytes(res.into_body()).await.map_err(|_| ()).expect("body").to_vec();
    (status, headers, body)
}

#[derive(Default)]
struct Figures {
    cells: usize,
    denied_writes_checked: usize,
    leak_comparisons: usize,
}

#[actix_rt::test]
async fn every_row_for_every_actor() {
    for (backend, db) in support::databases().await {
        let users = support::users(&db).await;
        let mut projects = support::projects(&db, &users).await;
        let app = test::init_service(projects::http::app(db.clone())).await;
        let mut f = Figures::default();
        // Anonymous first, deleters last: a successful DELETE removes the project for the rest.
        let order = ["", "bob", "dave", "carol", "erin", "alice"];
        let actors: Vec<Option<&Who>> =
            order.iter().map(|n| (!n.is_empty()).then(|| support::who(&users, n))).collect();

        for who in &actors {
            let label = format!("{backend} {}", who.map_or("anonymous", |w| w.name));

            // GET /health: public.
            assert_eq!(send(&app, *who, "GET", "/health", None).await.0, 200, "{label} /health");

            // GET /projects: any authenticated actor, filtered.
            let (status, _, body) = send(&app, *who, "GET", "/projects", None).await;
            match who {
                None => assert_eq!(status, 401, "{label} GET /projects"),
                Some(w) => {
                    assert_eq!(status, 200, "{label} GET /projects");
                    let listed: Vec<Project> = serde_json::from_slice(&body).expect("project list");
                    let want: Vec<i64> =
                        projects.iter().filter(|p| can_view(w, p)).map(|p| p.id).collect();
                    assert_eq!(
                        listed.iter().map(|p| p.id).collect::<Vec<_>>(),
                        want,
                        "{label} list filter"
                    );
                }
            }
            f.cells += 1;

            // GET /admin/users: user:admin.
            let (status, _, body) = send(&app, *who, "GET", "/admin/users", None).await;
            let want = match who {
                None => 401,
                Some(w) if w.has(projects::perms::USER_ADMIN) => 200,
                Some(_) => 403,
            };
            assert_eq!(status, want, "{label} GET /admin/users");
            if status == 200 {
                let listed: serde_json::Value = serde_json::from_slice(&body).expect("users");
                assert_eq!(listed.as_array().map(Vec::len), Some(users.len()));
                assert_eq!(listed[0]["roles"], serde_json::json!(["admin"]));
            }
            f.cells += 1;

            let missing_get = send(&app, *who, "GET", &format!("/projects/{MISSING}"), None).await;
            let missing_patch = send(
                &app,
                *who,
                "PATCH",
                &format!("/projects/{MISSING}"),
                Some(serde_json::json!({"name": "x"})),
            )
            .await;
            let missing_delete =
                send(&app, *who, "DELETE", &format!("/projects/{MISSING}"), None).await;
            assert_eq!(missing_get.0, get_status(*who, None), "{label} GET missing");
            assert_eq!(missing_patch.0, patch_status(*who, None, false), "{label} PATCH missing");
            assert_eq!(missing_delete.0, delete_status(*who, None), "{label} DELETE missing");
            f.cells += 3;

            for p in projects.clone() {
                let uri = format!("/projects/{}", p.id);
                let hidden = who.is_some_and(|w| !can_view(w, &p));

                // GET /projects/{id}
                let answer = send(&app, *who, "GET", &uri, None).await;
                assert_eq!(answer.0, get_status(*who, Some(&p)), "{label} GET {}", p.name);
                if answer.0 == 200 {
                    assert_eq!(serde_json::from_slice::<Project>(&answer.2).expect("project"), p);
                }
                if hidden {
                    assert_eq!(
                        answer, missing_get,
                        "{label} GET {}: hidden must equal missing",
                        p.name
                    );
                    f.leak_comparisons += 1;
                }
                f.cells += 1;

                // PATCH /projects/{id}: a plain field, then a protected one, both with values
                // that leave the row as it is, so later cells see the same project.
                for (body, protected) in [
                    (serde_json::json!({ "name": p.name }), false),
                    (serde_json::json!({ "is_locked": p.is_locked }), true),
                ] {
                    let want = patch_status(*who, Some(&p), protected);
                    let before = snapshot(&db).await;
                    let answer = send(&app, *who, "PATCH", &uri, Some(body)).await;
                    assert_eq!(answer.0, want, "{label} PATCH {} (protected: {protected})", p.name);
                    if want != 200 {
                        assert_eq!(
                            snapshot(&db).await,
                            before,
                            "{label}: a denied PATCH changed the database"
                        );
                        f.denied_writes_checked += 1;
                    }
                    if hidden {
                        let missing = if protected {
                            send(
                                &app,
                                *who,
                                "PATCH",
                                &format!("/projects/{MISSING}"),
                                Some(serde_json::json!({"is_locked": false})),
                            )
                            .await
                        } else {
                            missing_patch.clone()
                        };
                        assert_eq!(
                            answer, missing,
                            "{label} PATCH {}: hidden must equal missing",
                            p.name
                        );
                        f.leak_comparisons += 1;
                    }
                    f.cells += 1;
                }
            }

            // DELETE /projects/{id}
            for p in projects.clone() {
                let uri = format!("/projects/{}", p.id);
                let want = delete_status(*who, Some(&p));
                let before = snapshot(&db).await;
                let answer = send(&app, *who, "DELETE", &uri, None).await;
                assert_eq!(answer.0, want, "{label} DELETE {}", p.name);
                if want == 204 {
                    projects.retain(|q| q.id != p.id);
                    assert_eq!(
                        send(&app, *who, "GET", &uri, None).await.0,
                        404,
                        "deleted means gone"
                    );
                } else {
                    assert_eq!(
                        snapshot(&db).await,
                        before,
                        "{label}: a denied DELETE changed the database"
                    );
                    f.denied_writes_checked += 1;
                }
                if who.is_some_and(|w| !can_view(w, &p)) {
                    assert_eq!(
                        answer, missing_delete,
                        "{label} DELETE {}: hidden must equal missing",
                        p.name
                    );
                    f.leak_comparisons += 1;
                }
                f.cells += 1;
            }

            // POST /projects, naming bob as owner.
            let before = snapshot(&db).await;
            let body = serde_json::json!({ "name": format!("new by {}", who.map_or("nobody", |w| w.name)), "owner_id": support::who(&users, "bob").id });
            let (status, _, created) = send(&app, *who, "POST", "/projects", Some(body)).await;
            let want = match who {
                None => 401,
                Some(w) if w.has(projects::perms::PROJECT_WRITE) => 201,
                Some(_) => 403,
            };
            assert_eq!(status, want, "{label} POST /projects");
            if status == 201 {
                let p: Project = serde_json::from_slice(&created).expect("created project");
                assert_eq!((p.owner_id, p.is_archived), (support::who(&users, "bob").id, false));
                projects.push(p);
            } else {
                assert_eq!(
                    snapshot(&db).await,
                    before,
                    "{label}: a denied POST changed the database"
                );
                f.denied_writes_checked += 1;
            }
            f.cells += 1;
        }
        println!(
            "projects/{backend}: {} cells checked, {} denied writes left the database unchanged, {} hidden-vs-missing comparisons byte-identical, 0 mismatches",
            f.cells, f.denied_writes_checked, f.leak_comparisons
        );
        assert!(f.leak_comparisons > 0 && f.denied_writes_checked > 0);
    }
}

#[actix_rt::test]
async fn bad_input_is_a_clear_4xx() {
    for (backend, db) in support::databases().await {
        let users = support::users(&db).await;
        let app = test::init_service(projects::http::app(db.clone())).await;
        let alice = Some(support::who(&users, "alice"));
        let cases: &[(&str, &str, Option<serde_json::Value>, u16)] = &[
            ("POST", "/projects", Some(serde_json::json!({ "name": "" })), 422),
            (
                "POST",
                "/projects",
                Some(serde_json::json!({ "name": "x", "owner_id": 424242 })),
                409,
            ),
            ("POST", "/projects", Some(serde_json::json!({ "name": " \t\r\n" })), 422),
            ("POST", "/projects", Some(serde_json::json!({ "name": "x".repeat(201) })), 422),
            ("POST", "/projects", Some(serde_json::json!({ "name": "x", "owner_id": 1.5 })), 400),
            ("POST", "/projects", Some(serde_json::json!({ "name": "x", "colour": "red" })), 400),
            ("POST", "/projects", Some(serde_json::json!({ "owner_id": 1 })), 400),
            ("GET", "/projects/abc", None, 404),
        ];
        for (method, uri, body, want) in cases {
            let (status, headers, body) = send(&app, alice, method, uri, body.clone()).await;
            assert_eq!(status, *want, "{backend} {method} {uri}");
            assert!(
                headers.contains(&("content-type".into(), "application/problem+json".into())),
                "{headers:?}"
            );
            assert!(!String::from_utf8_lossy(&body).contains("sqlx"), "no internals in bodies");
        }
        // Bodies that are not what the operation reads, answered as HTTP says, naming the field
        // that did not fit and nothing internal.
        let token = support::who(&users, "alice").token.clone();
        let raw = |content_type: Option<&'static str>, body: Vec<u8>| {
            let mut req = test::TestRequest::post()
                .uri("/projects")
                .insert_header(("authorization", format!("Bearer {token}")));
            if let Some(content_type) = content_type {
                req = req.insert_header(("content-type", content_type));
            }
            req.set_payload(body).to_request()
        };
        let json = br#"{"name":"x"}"#.to_vec();
        let big = format!(r#"{{"name":"{}"}}"#, "x".repeat(70 * 1024)).into_bytes();
        let cases: Vec<BodyCase> = vec![
            ("JSON sent as text/plain", Some("text/plain"), json.clone(), 415, "application/json"),
            ("JSON without a content type", None, json.clone(), 415, "application/json"),
            ("a body over the limit", Some("application/json"), big, 413, "larger than"),
            (
                "an unknown field",
                Some("application/json"),
                br#"{"name":"x","colour":"red"}"#.to_vec(),
                400,
                "unknown field `colour`",
            ),
            (
                "a wrongly typed field",
                Some("application/json"),
                br#"{"name":5}"#.to_vec(),
                400,
                "invalid type",
            ),
            ("not JSON", Some("application/json"), b"{name".to_vec(), 400, "not valid JSON"),
        ];
        for (what, content_type, body, want, says) in cases {
            let res = test::call_service(&app, raw(content_type, body)).await;
            let status = res.status().as_u16();
            let text = String::from_utf8_lossy(&test::read_body(res).await).into_owned();
            assert_eq!(status, want, "{backend}: {what}: {text}");
            assert!(text.contains(says) && !text.contains("line 1"), "{backend}: {what}: {text}");
        }

        // What the OpenAPI document calls valid is accepted: an id written `4.0` is JSON
        // Schema's integer 4; a name's surrounding spaces are dropped, not counted against it.
        let bob = support::who(&users, "bob").id;
        let body =
            serde_json::json!({ "name": format!(" {} ", "y".repeat(198)), "owner_id": bob as f64 });
        let (status, _, body) = send(&app, alice, "POST", "/projects", Some(body)).await;
        assert_eq!(status, 201, "{backend}: {}", String::from_utf8_lossy(&body));
        let created: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(
            (created["owner_id"].as_i64(), created["name"].as_str().map(str::len)),
            (Some(bob), Some(198)),
            "{backend}"
        );

        // A non-numeric id answers exactly what a missing one does.
        let abc = send(&app, alice, "GET", "/projects/abc", None).await;
        let missing = send(&app, alice, "GET", &format!("/projects/{MISSING}"), None).await;
        assert_eq!(abc, missing);
    }
}
