authz_axum::catalog!(file = "authz.toml");

fn main() {}
