mod perms {
    authz_actix::catalog!(path = "../catalogs/role-not-a-list.toml");
}

fn main() {}
