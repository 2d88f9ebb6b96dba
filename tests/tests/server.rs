//! A real listening server: a resolver that panics or fails refuses the request with a generic
//! 500 and the same worker goes on serving the next requests.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::{App, HttpResponse, HttpServer, get, web};
use authz_actix::{ResolveActor, require_permission};
use authz_tests::{http, resolve};

static RAN: AtomicUsize = AtomicUsize::new(0);

/// Read reports.
#[require_permission("project:read")]
#[get("/reports")]
async fn reports() -> HttpResponse {
    RAN.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().body("ok")
}

#[actix_rt::test]
async fn faults_fail_closed_and_the_server_keeps_serving() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    // One worker: a panic that killed it would make every later request fail.
    let server = HttpServer::new(|| {
        App::new().wrap(ResolveActor::new(resolve)).configure(authz_actix::mount(|r| {
            r.service(reports);
        }))
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    let handle = server.handle();
    actix_rt::spawn(server);

    let results = web::block(move || {
        let mut seen = Vec::new();
        for round in 0..20 {
            let token = ["Bearer panic", "Bearer down", "Bearer editor-1", "", "Bearer member-2"]
                [round % 5];
            let headers: &[(&str, &str)] =
                if token.is_empty() { &[] } else { &[("authorization", token)] };
            let res =
                http(addr, "GET", "/reports", headers).expect("the server answers every request");
            seen.push((token, res.status, String::from_utf8_lossy(&res.body).into_owned()));
        }
        seen
    })
    .await
    .expect("client thread");
    handle.stop(true).await;

    for (token, status, body) in &results {
        let want = match *token {
            "Bearer panic" | "Bearer down" => 500,
            "Bearer editor-1" => 200,
            "" => 401,
            _ => 403,
        };
        assert_eq!(*status, want, "{token:?}: {body}");
        if *status == 500 {
            assert!(
                body.contains("\"status\":500")
                    && !body.contains("panic")
                    && !body.contains("unavailable"),
                "{body}"
            );
        }
    }
    assert_eq!(RAN.load(Ordering::SeqCst), 4, "only the four allowed requests ran the handler");
}
