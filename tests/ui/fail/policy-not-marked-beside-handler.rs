// An unmarked policy whose name is close to a handler's: the one error says to mark it, and
// points at no handler.
use actix_web::{patch, HttpResponse};
use authz_actix::require_permission;

/// Editors edit documents.
pub fn can_edit_doc(_actor: &authz_actix::Actor) -> bool {
    false
}

/// Edit a document.
#[require_permission(authenticated, policy = can_edit_doc)]
#[patch("/docs/{id}")]
async fn can_edit_docs() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn main() {}
