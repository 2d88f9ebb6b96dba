use authz_axum::Routes;

async fn plain() -> &'static str {
    "served by nobody's declaration"
}

fn routes(r: &mut Routes<'_>) {
    r.service(plain);
}

fn main() {
    let _ = authz_axum::routes::collect(routes);
}
