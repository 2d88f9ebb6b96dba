mod perms {
    authz_axum::catalog!(path = "../../catalogs/nowhere.toml");
}

fn main() {}
