//! The UI suite for axum: every compile-fail case of `ui/fail/` that is not about actix-web
//! itself, rewritten for `authz_axum` (the same lines, so the same spans), must fail with the
//! same errors as on actix — one declaration syntax, one set of messages. Cases about axum
//! alone live in `ui/axum-only/`.
//!
//! The rewritten cases are committed (`ui/axum/fail/`), generated from the actix ones by
//! [`rewrite`]; `AUTHZ_UI=overwrite cargo test -p authz-tests --test ui_axum` writes them again,
//! and `TRYBUILD=overwrite` their `.stderr` files — then read every changed file.

use std::path::{Path, PathBuf};

/// Actix cases whose axum rewrite answers differently, and why: what is left of the suite must
/// match message for message.
const DIFFERENT: &[(&str, &str)] = &[
    (
        "route-unknown-option",
        "axum routes take no actix options: the message says `guard` is an actix-web route option",
    ),
    (
        "routes-reject-undeclared-handler",
        "axum has no `#[get]` of its own: an undeclared axum handler is a plain function (ui/axum-only/undeclared-handler.rs)",
    ),
    (
        "wrong-attribute-order",
        "a route attribute above the declaration is unresolved on axum (nothing defines `#[get]`), so rustc stops there",
    ),
    (
        "public-route-attribute-above",
        "as wrong-attribute-order: `#[get]` above `#[public]` names no attribute on axum",
    ),
];

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `source`, an actix case, as an axum case with the same lines; `None` when the case uses
/// actix-web beyond a route attribute and `HttpResponse::Ok()`.
fn rewrite(source: &str) -> Option<String> {
    let mut out = String::with_capacity(source.len());
    for line in source.lines() {
        let line = if line.starts_with("use actix_web::") {
            if line.contains("HttpResponse") {
                "use axum::response::Response as HttpResponse;".to_owned()
            } else {
                String::new()
            }
        } else {
            line.replace("HttpResponse::Ok().finish()", "HttpResponse::default()")
                .replace("authz_actix", "authz_axum")
                // One directory deeper.
                .replace("\"../catalogs/", "\"../../catalogs/")
        };
        if line.contains("actix") || line.contains("web::") || line.contains("HttpRequest") {
            return None;
        }
        out.push_str(&line);
        out.push('\n');
    }
    Some(out)
}

/// The actix cases with an axum rewrite: `(name, rewritten source)`.
fn cases() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let dir = manifest_dir().join("ui/fail");
    let mut entries: Vec<_> =
        std::fs::read_dir(&dir).expect("ui/fail").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for path in entries {
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let name = path.file_stem().and_then(|s| s.to_str()).expect("name").to_owned();
        if DIFFERENT.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let source = std::fs::read_to_string(&path).expect("case");
        if let Some(rewritten) = rewrite(&source) {
            out.push((name, rewritten));
        }
    }
    out
}

#[test]
fn the_axum_cases_are_the_actix_cases_rewritten() {
    let dir = manifest_dir().join("ui/axum/fail");
    let overwrite = std::env::var_os("AUTHZ_UI").is_some_and(|v| v == "overwrite");
    if overwrite {
        std::fs::create_dir_all(&dir).expect("ui/axum/fail");
    }
    let cases = cases();
    assert!(cases.len() >= 60, "only {} cases rewrite: the rewrite lost its way", cases.len());
    let mut stale = Vec::new();
    for (name, rewritten) in &cases {
        let path = dir.join(format!("{name}.rs"));
        if overwrite {
            std::fs::write(&path, rewritten).expect("write case");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(rewritten.as_str()) {
            stale.push(name.clone());
        }
    }
    let committed: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_owned)).collect()
        })
        .unwrap_or_default();
    for name in committed {
        if !cases.iter().any(|(n, _)| *n == name) {
            stale.push(format!("{name} (no actix case rewrites to it)"));
        }
    }
    stale.sort();
    stale.dedup();
    assert!(
        stale.is_empty(),
        "ui/axum/fail is out of date for: {stale:?}; regenerate with AUTHZ_UI=overwrite"
    );
}

/// A `.stderr` with what the rewrite itself changes taken out: the case's directory, the facade's
/// name, and the columns and underline lengths those shift (`authz_axum` is a character shorter
/// than `authz_actix`). Messages, notes, lines and the source they quote stay.
fn normalized(stderr: &str) -> String {
    let text = stderr
        .replace("ui/axum/fail/", "ui/fail/")
        .replace("authz_axum", "authz_actix")
        .replace("../../catalogs/", "../catalogs/");
    text.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if let Some(location) = trimmed.strip_prefix("--> ") {
                // `--> file:line:column`: the column goes.
                let cut = location.rsplit_once(':').map_or(location, |(head, _)| head);
                return format!("--> {cut}");
            }
            // An underline row (`  |     ^^^^ label`): the marks collapse to one.
            if let Some(rest) = trimmed.strip_prefix('|') {
                let rest = rest.trim_start();
                if rest.starts_with(['^', '-']) {
                    let label = rest.trim_start_matches(['^', '-', ' ']);
                    return format!("| {} {label}", &rest[..1]);
                }
            }
            line.to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn both_frameworks_report_the_same_errors() {
    let mut differing = Vec::new();
    for (name, _) in cases() {
        let actix = std::fs::read_to_string(manifest_dir().join(format!("ui/fail/{name}.stderr")));
        let axum =
            std::fs::read_to_string(manifest_dir().join(format!("ui/axum/fail/{name}.stderr")));
        match (actix, axum) {
            (Ok(actix), Ok(axum)) if normalized(&axum) == normalized(&actix) => {}
            (Ok(_), Ok(_)) => differing.push(name),
            _ => differing.push(format!("{name} (a .stderr is missing)")),
        }
    }
    assert!(
        differing.is_empty(),
        "these cases fail differently on axum than on actix: {differing:?}\n\
         (diff ui/fail/NAME.stderr ui/axum/fail/NAME.stderr)"
    );
}

#[test]
fn ui_axum() {
    // As in `ui.rs`: the cases are compiled against this crate's `authz.toml`.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target dir");
    let project = target.join("tests").join("trybuild").join(env!("CARGO_PKG_NAME"));
    std::fs::create_dir_all(&project).expect("trybuild project dir");
    std::fs::copy(manifest_dir().join("authz.toml"), project.join("authz.toml"))
        .expect("copy catalog");

    let t = trybuild::TestCases::new();
    t.compile_fail("ui/axum/fail/*.rs");
    t.compile_fail("ui/axum-only/fail/*.rs");
    t.pass("ui/axum-only/pass/*.rs");
}
