mod perms {
    authz_axum::catalog!(path = "../../catalogs/role-grants-undeclared.toml");
}

fn main() {}
