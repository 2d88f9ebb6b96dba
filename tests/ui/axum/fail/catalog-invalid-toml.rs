mod perms {
    authz_axum::catalog!(path = "../../catalogs/invalid-toml.toml");
}

fn main() {}
