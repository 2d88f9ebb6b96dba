mod perms {
    authz_axum::catalog!(path = "../../catalogs/role-includes-unknown.toml");
}

fn main() {}
