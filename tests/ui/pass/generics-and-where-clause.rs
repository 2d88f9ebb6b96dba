#![deny(warnings)]
//! Lifetime generics, a where-clause, attributes and extractors survive the rewrite.

use actix_web::{get, web, HttpResponse};
use authz_actix::{require_permission, CurrentActor};

/// Read an item.
#[require_permission("project:read")]
#[get("/items/{id}")]
#[allow(clippy::needless_lifetimes)]
async fn read_item<'a>(actor: CurrentActor, id: web::Path<u32>, query: web::Query<Vec<(String, String)>>) -> HttpResponse
where
    'static: 'a,
    u32: Copy,
{
    let _ = (&actor, &query);
    HttpResponse::Ok().body(id.to_string())
}

fn main() {
    let _ = actix_web::App::new().service(read_item);
}
