//! The committed matrix equals the code, and the `matrix` subcommand reports drift.

use std::process::Command;

use quickstart::{CATALOG, REGENERATE, routes};

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/authorization.md");

fn matrix() -> authz_actix::matrix::Matrix {
    authz_actix::routes::matrix(routes, Some(&CATALOG))
}

/// Fails when a declaration changed without regenerating `docs/authorization.md`;
/// `AUTHZ_MATRIX=overwrite cargo test -p quickstart` rewrites it.
#[test]
fn committed_matrix_is_fresh() {
    authz_actix::build::assert_fresh(COMMITTED, &matrix(), REGENERATE);
}

#[test]
fn check_reports_a_stale_file_with_a_diff() {
    let dir = std::env::temp_dir().join(format!("authz-quickstart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let stale = dir.join("authorization.md");
    // What a developer leaves behind after changing `report:write` to `report:read` in the docs
    // by hand, or the code without regenerating: one row differs.
    let current = matrix().to_markdown(REGENERATE);
    std::fs::write(
        &stale,
        current.replace("| Write a report | report:write |", "| Write a report | report:read |"),
    )
    .expect("write");

    let bin = env!("CARGO_BIN_EXE_quickstart");
    let out =
        Command::new(bin).args(["matrix", "--check"]).arg(&stale).output().expect("run quickstart");
    assert_eq!(out.status.code(), Some(1), "stale file must fail the check");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("-| `/reports` | POST | Write a report | report:read |"), "{stderr}");
    assert!(stderr.contains("+| `/reports` | POST | Write a report | report:write |"), "{stderr}");
    // The hint names the file given.
    assert!(stderr.contains(&format!("--out {}", stale.display())), "{stderr}");

    // `--out` writes the fresh file; `--check` then passes.
    let out =
        Command::new(bin).args(["matrix", "--out"]).arg(&stale).output().expect("run quickstart");
    assert!(out.status.success());
    let out =
        Command::new(bin).args(["matrix", "--check"]).arg(&stale).output().expect("run quickstart");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Formats follow `--format` or the file's extension.
    let json =
        Command::new(bin).args(["matrix", "--format", "json"]).output().expect("run quickstart");
    assert!(String::from_utf8_lossy(&json.stdout).contains("\"schema\": \"authz-matrix/1\""));
    let bad =
        Command::new(bin).args(["matrix", "--format", "xml"]).output().expect("run quickstart");
    assert_eq!(bad.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}
