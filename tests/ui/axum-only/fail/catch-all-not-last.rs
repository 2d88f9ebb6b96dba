use authz_axum::public;

#[public("static files")]
#[get("/files/{*rest}/raw")]
async fn handler() -> &'static str {
    ""
}

fn main() {}
