mod perms {
    authz_axum::catalog!(path = "../../catalogs/unknown-section.toml");
}

fn main() {}
