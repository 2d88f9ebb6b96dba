mod perms {
    authz_actix::catalog!(path = "../catalogs/duplicate-in-role.toml");
}

fn main() {}
