mod perms {
    authz_axum::catalog!(path = "../../catalogs/bad-permission.toml");
}

fn main() {}
