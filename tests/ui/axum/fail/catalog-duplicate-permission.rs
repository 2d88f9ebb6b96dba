mod perms {
    authz_axum::catalog!(path = "../../catalogs/duplicate-permission.toml");
}

fn main() {}
