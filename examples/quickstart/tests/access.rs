//! The quickstart's access rules, on the real app with the test kit's injected actors.

use actix_web::{App, HttpRequest, test};
use authz_actix::{ResolveActor, mount};
use quickstart::{CATALOG, routes};

#[actix_web::test]
async fn analysts_read_reports_guests_may_not_and_health_is_open() {
    // The app as `main.rs` builds it; the injected actors mean its resolver does not run.
    let resolve =
        |_req: HttpRequest| async { Ok::<_, std::convert::Infallible>(None::<authz_actix::Actor>) };
    let app =
        test::init_service(App::new().wrap(ResolveActor::new(resolve)).configure(mount(routes)))
            .await;

    let analyst = CATALOG.actor(2, ["analyst"]).unwrap();
    let req = authz_actix::test::with_actor(
        test::TestRequest::get().uri("/reports").to_request(),
        analyst,
    );
    assert_eq!(test::call_service(&app, req).await.status(), 200);

    let guest = CATALOG.actor(3, ["guest"]).unwrap();
    let req = authz_actix::test::with_actor(
        test::TestRequest::post().uri("/reports").to_request(),
        guest,
    );
    assert_eq!(test::call_service(&app, req).await.status(), 403);

    let req = test::TestRequest::get().uri("/reports").to_request();
    assert_eq!(test::call_service(&app, req).await.status(), 401);

    let req = test::TestRequest::get().uri("/health").to_request();
    assert_eq!(test::call_service(&app, req).await.status(), 200);

    // Nothing is served that is not declared.
    assert!(authz_actix::test::undeclared_routes(&app).await.is_empty());
}
