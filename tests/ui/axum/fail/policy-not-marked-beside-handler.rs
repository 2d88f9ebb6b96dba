// An unmarked policy whose name is close to a handler's: the one error says to mark it, and
// points at no handler.
use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

/// Editors edit documents.
pub fn can_edit_doc(_actor: &authz_axum::Actor) -> bool {
    false
}

/// Edit a document.
#[require_permission(authenticated, policy = can_edit_doc)]
#[patch("/docs/{id}")]
async fn can_edit_docs() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
