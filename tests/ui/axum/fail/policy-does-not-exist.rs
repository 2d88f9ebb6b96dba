use axum::response::Response as HttpResponse;
use authz_axum::require_permission;

mod policies {
    #[authz_axum::policy]
    pub fn can_edit(_: &authz_axum::Actor) -> bool {
        true
    }
}

#[require_permission("project:read", policy = policies::can_edti)]
#[get("/x")]
async fn handler() -> HttpResponse {
    HttpResponse::default()
}

fn main() {}
