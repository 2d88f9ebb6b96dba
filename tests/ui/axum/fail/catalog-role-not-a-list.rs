mod perms {
    authz_axum::catalog!(path = "../../catalogs/role-not-a-list.toml");
}

fn main() {}
