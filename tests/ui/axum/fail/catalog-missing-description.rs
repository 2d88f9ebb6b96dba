mod perms {
    authz_axum::catalog!(path = "../../catalogs/missing-description.toml");
}

fn main() {}
