//! The README's quickstart quotes this crate: each quoted block (its first line names the file)
//! must still be in that file, piece by piece (`// ...` separates pieces), so the README cannot
//! show code that does not compile or does not exist.

const README: &str = include_str!("../../../README.md");
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

#[test]
fn every_quoted_block_is_in_its_file() {
    let mut quoted = 0;
    let mut lines = README.lines();
    while let Some(line) = lines.next() {
        if !line.starts_with("```") {
            continue;
        }
        let body: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
        let Some(first) = body.first() else { continue };
        let Some(file) = first
            .strip_prefix("// examples/quickstart/")
            .or_else(|| first.strip_prefix("# examples/quickstart/"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(format!("{ROOT}/examples/quickstart/{file}"))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        for piece in body[1..].split(|l| *l == "// ...") {
            let piece = piece.join("\n");
            assert!(text.contains(&piece), "README quotes {file}, which no longer holds:\n{piece}");
        }
        quoted += 1;
    }
    assert_eq!(
        quoted, 7,
        "the quickstart's quoted blocks: lib.rs and on_axum.rs on the first screen, then authz.toml, lib.rs, main.rs, the test, on_axum.rs"
    );
}

/// The matrix the README shows is the one the quickstart renders.
#[test]
fn the_quoted_matrix_is_the_rendered_one() {
    let rendered = authz_actix::routes::matrix(quickstart::routes, Some(&quickstart::CATALOG))
        .to_markdown(quickstart::REGENERATE);
    let start = README
        .find("$ cargo run -q -p quickstart -- matrix\n")
        .expect("the matrix command in the README");
    let quoted = README[start..].lines().skip(1).take_while(|l| l.starts_with('|'));
    let mut rows = 0;
    for line in quoted {
        assert!(
            rendered.lines().any(|l| l == line),
            "README line not in the rendered matrix: {line}"
        );
        rows += 1;
    }
    assert_eq!(rows, 2 + 4);
}
