mod perms {
    authz_axum::catalog!(path = "../../catalogs/duplicate-in-role.toml");
}

fn main() {}
