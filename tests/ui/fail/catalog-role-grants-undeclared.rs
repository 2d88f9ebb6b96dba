mod perms {
    authz_actix::catalog!(path = "../catalogs/role-grants-undeclared.toml");
}

fn main() {}
