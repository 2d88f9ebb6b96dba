mod perms {
    authz_axum::catalog!(path = "../../catalogs/role-includes-circle.toml");
}

fn main() {}
