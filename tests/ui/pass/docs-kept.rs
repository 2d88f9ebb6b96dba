//! Doc comments on the handler end up on the item actix generates.
#![deny(missing_docs, warnings)]

use actix_web::{get, HttpResponse};
use authz_actix::require_permission;

/// Handlers, documented.
pub mod handlers {
    use super::*;

    /// Read a project.
    ///
    /// More detail that the matrix does not use.
    #[require_permission("project:read")]
    #[get("/projects/{id}")]
    pub async fn read_project() -> HttpResponse {
        HttpResponse::Ok().finish()
    }
}

fn main() {
    let _ = actix_web::App::new().service(handlers::read_project);
}
