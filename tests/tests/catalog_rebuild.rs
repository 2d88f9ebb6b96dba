//! A real crate, built by cargo twice: editing its `authz.toml` recompiles it (no stale checks
//! after a rename), and `catalog = "required"` makes the file mandatory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

const MAIN: &str = r#"
pub mod perms {
    authz_actix::catalog!();
}

/// Read reports.
#[authz_actix::require_permission("report:read")]
#[actix_web::get("/reports")]
async fn reports() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().finish()
}

fn main() {
    let _ = (perms::REPORT_READ, reports);
}
"#;

fn catalog(permission: &str) -> String {
    format!(
        "[permissions]\n\"{permission}\" = \"Read reports\"\n\n[roles]\nanalyst = [\"{permission}\"]\n"
    )
}

struct Probe {
    dir: PathBuf,
    target: PathBuf,
}

impl Probe {
    fn new(name: &str, metadata: &str) -> Probe {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let dir = tmp.join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).expect("probe dir");
        let authz = Path::new(WORKSPACE).join("authz-actix");
        let manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nauthz-actix = {{ path = {authz:?} }}\n\
             actix-web = {{ version = \"4\", default-features = false, features = [\"macros\"] }}\n\n\
             {metadata}\n[workspace]\n"
        );
        std::fs::write(dir.join("Cargo.toml"), manifest).expect("manifest");
        std::fs::write(dir.join("src/main.rs"), MAIN).expect("main.rs");
        // Same versions as the workspace, from the local registry cache: no network needed.
        std::fs::copy(Path::new(WORKSPACE).join("Cargo.lock"), dir.join("Cargo.lock"))
            .expect("lock file");
        std::fs::copy(
            Path::new(WORKSPACE).join("rust-toolchain.toml"),
            dir.join("rust-toolchain.toml"),
        )
        .expect("toolchain");
        // One target directory for every probe, so dependencies are checked once.
        Probe { dir, target: tmp.join("catalog-probe-target") }
    }

    fn write_catalog(&self, text: Option<&str>) {
        let path = self.dir.join("authz.toml");
        match text {
            Some(text) => std::fs::write(path, text).expect("authz.toml"),
            None => {
                let _ = std::fs::remove_file(path);
            }
        }
    }

    fn check(&self) -> Output {
        Command::new(env!("CARGO"))
            .args(["check", "--offline", "--quiet", "--message-format", "short"])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("RUSTFLAGS")
            .output()
            .expect("run cargo")
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn editing_the_catalog_recompiles_and_rechecks() {
    let probe = Probe::new("catalog-probe-rebuild", "");
    probe.write_catalog(Some(&catalog("report:read")));
    let first = probe.check();
    assert!(first.status.success(), "first build: {}", stderr(&first));

    // Rename the permission in the catalog only: the code now names an undeclared permission.
    probe.write_catalog(Some(&catalog("report:view")));
    let second = probe.check();
    assert!(!second.status.success(), "the edit must be seen");
    let err = stderr(&second);
    assert!(
        err.contains(
            "unknown permission `report:read`; `authz.toml` declares for `report`: `report:view`"
        ),
        "{err}"
    );

    // And back.
    probe.write_catalog(Some(&catalog("report:read")));
    let third = probe.check();
    assert!(third.status.success(), "{}", stderr(&third));
}

#[test]
fn a_required_catalog_must_exist() {
    let probe =
        Probe::new("catalog-probe-required", "[package.metadata.authz]\ncatalog = \"required\"\n");
    probe.write_catalog(None);
    // `catalog!()` is not used without a file, so only the requirement speaks.
    std::fs::write(
        probe.dir.join("src/main.rs"),
        MAIN.replace("authz_actix::catalog!();", "").replace("perms::REPORT_READ, ", ""),
    )
    .expect("main.rs");
    let out = probe.check();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(
            "`authz.toml` does not exist at the crate root, but this crate requires a catalog"
        ),
        "{err}"
    );

    probe.write_catalog(Some(&catalog("report:read")));
    let out = probe.check();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// One mistake in `authz.toml`, one error: `catalog!()` reports it; the declarations, however
/// many, stay silent. Decided from the crate's files at each expansion, not from process-wide
/// "reported already" state that a reused proc-macro process (an IDE's) would keep.
#[test]
fn a_broken_catalog_is_reported_once_at_catalog() {
    let probe = Probe::new("catalog-probe-broken-once", "");
    probe.write_catalog(Some("[permissions]\n\"report:read\"  = \"Read reports\"\n\n[roles]\neditor = [\"report:read\", \"report:wirte\"]\n"));
    let more: String = (0..5)
        .map(|i| format!("\n/// Route {i}.\n#[authz_actix::require_permission(\"report:read\")]\n#[actix_web::get(\"/r{i}\")]\nasync fn r{i}() -> actix_web::HttpResponse {{\n    actix_web::HttpResponse::Ok().finish()\n}}\n"))
        .collect();
    let main = MAIN.replace(
        "let _ = (perms::REPORT_READ, reports);",
        "let _ = (reports, r0, r1, r2, r3, r4);",
    );
    std::fs::write(probe.dir.join("src/main.rs"), format!("{main}{more}")).expect("main.rs");
    let out = probe.check();
    assert!(!out.status.success());
    let err = stderr(&out);
    let errors: Vec<&str> = err.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(errors.len(), 2, "one error and rustc's 'aborting due to': {err}");
    assert!(
        errors[0].contains("src/main.rs:3:") && errors[0].contains("invalid permission catalog"),
        "at `catalog!()`: {err}"
    );
    assert!(err.contains("report:wirte"), "{err}");
}

/// Without `catalog!()`, a broken catalog is reported at every declaration that consults it,
/// whatever ran first (nothing else in the crate reads the file).
#[test]
fn a_broken_catalog_is_reported_at_every_declaration() {
    let probe = Probe::new("catalog-probe-broken", "");
    probe.write_catalog(Some("[permissions]\n\"report:read\" = \n"));
    let second = "\n/// Write reports.\n#[authz_actix::require_permission(\"report:read\")]\n#[actix_web::post(\"/reports\")]\n\
                  async fn write() -> actix_web::HttpResponse {\n    actix_web::HttpResponse::Ok().finish()\n}\n";
    let main = MAIN
        .replace("authz_actix::catalog!();", "")
        .replace("perms::REPORT_READ, reports", "reports, write");
    std::fs::write(probe.dir.join("src/main.rs"), format!("{main}{second}")).expect("main.rs");
    let out = probe.check();
    assert!(!out.status.success());
    let err = stderr(&out);
    let reported: Vec<&str> =
        err.lines().filter(|l| l.contains("invalid permission catalog")).collect();
    assert_eq!(reported.len(), 2, "one error per declaration: {err}");
    assert_ne!(
        reported[0].split(':').nth(1),
        reported[1].split(':').nth(1),
        "at each declaration's line: {err}"
    );
}
