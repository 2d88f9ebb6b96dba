//! The matrix build step: a `matrix` subcommand any app exposes in a few lines, and a test helper
//! that keeps the committed matrix equal to the code.
//!
//! Framework-free: each front end re-exports it (`authz_actix::build`, `authz_axum::build`) and
//! renders the matrix from its own routes (`authz_actix::routes::matrix`,
//! `authz_axum::routes::matrix`).
//!
//! ```no_run
//! # fn matrix() -> authz_core::matrix::Matrix { authz_core::matrix::Matrix::new(Vec::new(), None) }
//! fn main() -> std::process::ExitCode {
//!     let mut args = std::env::args().skip(1);
//!     match args.next().as_deref() {
//!         Some("matrix") => authz_core::build::run(
//!             args,
//!             &matrix(), // authz_actix::routes::matrix(routes, Some(&CATALOG)), or authz_axum's
//!             "cargo run -p my-app -- matrix --out docs/authorization.md",
//!         ),
//!         _ => { /* serve */ std::process::ExitCode::SUCCESS }
//!     }
//! }
//! ```
//!
//! `my-app matrix [--format md|json|csv] [--out FILE] [--check FILE] [--diff OLD.json]`: prints
//! the matrix, writes it to `FILE`, compares it with `FILE` and exits with status 1 and a unified
//! diff on stderr when the file is stale, or prints the access changes since `OLD.json` (a JSON
//! matrix, e.g. the base branch's) and exits with status 1 when access widened.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::matrix::Matrix;

/// Environment variable: set to `overwrite` to let [`assert_fresh`] rewrite stale files.
pub const OVERWRITE_ENV: &str = "AUTHZ_MATRIX";

/// A rendering of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Markdown, for people.
    Markdown,
    /// JSON (`authz-matrix/1`), for tools.
    Json,
    /// CSV, for spreadsheets.
    Csv,
}

impl Format {
    /// Parses `md`, `markdown`, `json` or `csv`.
    pub fn parse(text: &str) -> Option<Format> {
        match text {
            "md" | "markdown" => Some(Format::Markdown),
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// The format a file's extension implies (`.json`, `.csv`; anything else is Markdown).
    pub fn for_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Format::Json,
            Some("csv") => Format::Csv,
            _ => Format::Markdown,
        }
    }

    /// Renders `matrix`; `regenerate` is the command named in the Markdown header.
    pub fn render(self, matrix: &Matrix, regenerate: &str) -> String {
        match self {
            Format::Markdown => matrix.to_markdown(regenerate),
            Format::Json => matrix.to_json(),
            Format::Csv => matrix.to_csv(),
        }
    }
}

/// A committed matrix that differs from the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// The file.
    pub path: PathBuf,
    /// Unified diff from the file to what the code renders.
    pub diff: String,
}

impl fmt::Display for Stale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is stale: it differs from what the code renders\n{}",
            self.path.display(),
            self.diff
        )
    }
}

impl std::error::Error for Stale {}

/// Compares the file at `path` with `expected`.
pub fn check_file(path: &Path, expected: &str) -> Result<(), Stale> {
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current == expected {
        return Ok(());
    }
    let from = path.display().to_string();
    let diff = similar::TextDiff::from_lines(current.as_str(), expected)
        .unified_diff()
        .context_radius(2)
        .header(&from, "rendered from the code")
        .to_string();
    Err(Stale { path: path.to_owned(), diff })
}

/// Writes `contents` to `path` through a temporary file and a rename, so a failure never leaves a
/// half-written matrix behind.
pub fn write_file(path: &Path, contents: &str) -> std::io::Result<()> {
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("matrix")
    ));
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// For tests: panics with a diff when the committed file at `path` differs from `matrix`, unless
/// `AUTHZ_MATRIX=overwrite` is set, in which case the file is rewritten. The format follows the
/// file's extension.
#[track_caller]
pub fn assert_fresh(path: impl AsRef<Path>, matrix: &Matrix, regenerate: &str) {
    let path = path.as_ref();
    let expected = Format::for_path(path).render(matrix, regenerate);
    if std::env::var(OVERWRITE_ENV).is_ok_and(|v| v == "overwrite") {
        if let Err(e) = write_file(path, &expected) {
            panic!("cannot write {}: {e}", path.display());
        }
        return;
    }
    if let Err(stale) = check_file(path, &expected) {
        panic!("{stale}\nregenerate with `{regenerate}`, or rerun with {OVERWRITE_ENV}=overwrite");
    }
}

const USAGE: &str = "usage: matrix [--format md|json|csv] [--out FILE] [--check FILE] [--diff OLD.json] [--expect FILE] [--lint]";

/// What the `matrix` subcommand was asked, parsed: for apps that parse their command line
/// themselves (clap, say) and hand the flags over as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatrixCommand {
    /// The rendering; default: from the file's extension, else Markdown.
    pub format: Option<Format>,
    /// Write the matrix to this file.
    pub out: Option<PathBuf>,
    /// Compare this file with the code.
    pub check: Option<PathBuf>,
    /// Print the access changes since this JSON matrix.
    pub diff: Option<PathBuf>,
    /// Check the access expectations in this TOML file ([`expectations`](crate::expectations)).
    pub expect: Option<PathBuf>,
    /// Report the declarations' lints ([`Matrix::lints`]); exit 1 when there are any.
    pub lint: bool,
}

/// The `matrix` subcommand: parses `args` (what follows `matrix`), then prints, writes or checks.
///
/// Exit status: 0 on success, 1 when `--check` finds the file stale (diff on stderr) or `--diff`
/// finds that access widened (a role gains an endpoint, or an endpoint becomes public), 2 on a
/// usage or I/O error.
pub fn run(args: impl IntoIterator<Item = String>, matrix: &Matrix, regenerate: &str) -> ExitCode {
    let mut command = MatrixCommand::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--format" | "--out" | "--check" | "--diff" | "--expect" => match args.next() {
                Some(v) => v,
                None => return usage(&format!("{arg} needs a value")),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--lint" => {
                command.lint = true;
                continue;
            }
            other => return usage(&format!("unexpected argument `{other}`")),
        };
        match arg.as_str() {
            "--format" => match Format::parse(&value) {
                Some(f) => command.format = Some(f),
                None => {
                    return usage(&format!("unknown format `{value}`; expected md, json or csv"));
                }
            },
            "--out" => command.out = Some(PathBuf::from(value)),
            "--diff" => command.diff = Some(PathBuf::from(value)),
            "--expect" => command.expect = Some(PathBuf::from(value)),
            _ => command.check = Some(PathBuf::from(value)),
        }
    }
    command.execute(matrix, regenerate)
}

impl MatrixCommand {
    /// Prints, writes or checks `matrix`, as [`run`] does once it has parsed its arguments.
    pub fn execute(&self, matrix: &Matrix, regenerate: &str) -> ExitCode {
        if [
            self.out.is_some(),
            self.check.is_some(),
            self.diff.is_some(),
            self.expect.is_some(),
            self.lint,
        ]
        .iter()
        .filter(|x| **x)
        .count()
            > 1
        {
            return usage("--out, --check, --diff, --expect and --lint cannot be combined");
        }
        if self.lint {
            return lint(matrix);
        }
        if let Some(file) = &self.expect {
            return expect(file, matrix);
        }
        if let Some(base) = &self.diff {
            return diff(base, matrix);
        }
        let target = self.out.as_deref().or(self.check.as_deref());
        let format =
            self.format.or_else(|| target.map(Format::for_path)).unwrap_or(Format::Markdown);
        let rendered = format.render(matrix, regenerate);
        let summary = format!("{} endpoints", matrix.endpoints().len());
        emit(&rendered, self.out.as_deref(), self.check.as_deref(), regenerate, &summary)
    }
}

/// `--lint`: 0 without lints, 1 naming each.
fn lint(matrix: &Matrix) -> ExitCode {
    let lints = matrix.lints();
    for lint in &lints {
        eprintln!("lint: {lint}");
    }
    if lints.is_empty() {
        eprintln!("no lints in {} endpoints", matrix.endpoints().len());
        ExitCode::SUCCESS
    } else {
        eprintln!("{} lints", lints.len());
        ExitCode::from(1)
    }
}

/// `--expect FILE`: 0 when every expectation holds, 1 naming each that does not, 2 when the file
/// cannot be read.
fn expect(file: &Path, matrix: &Matrix) -> ExitCode {
    let expected = match crate::expectations::read(file) {
        Ok(expected) => expected,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let violations = matrix.violations(&expected);
    for violation in &violations {
        eprintln!("violated: {violation}");
    }
    if violations.is_empty() {
        eprintln!("{}: {} expectations hold", file.display(), expected.len());
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "{} of {} expectations violated in {}",
            violations.len(),
            expected.len(),
            file.display()
        );
        ExitCode::from(1)
    }
}

/// What a generating command does with `text`, a file kept in the repository: writes it to
/// `out`, compares it with `check` (exit status 1 and a diff on stderr when stale), or prints it.
/// `regenerate` is the command that rewrites the file; `summary` is said after "wrote"/"up to
/// date" (e.g. `7 endpoints`). For an app's own generated files, such as an OpenAPI document.
pub fn emit(
    text: &str,
    out: Option<&Path>,
    check: Option<&Path>,
    regenerate: &str,
    summary: &str,
) -> ExitCode {
    let summary = if summary.is_empty() { String::new() } else { format!(" ({summary})") };
    match (out, check) {
        (Some(path), _) => match write_file(path, text) {
            Ok(()) => {
                eprintln!("wrote {}{summary}", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                ExitCode::from(2)
            }
        },
        (None, Some(path)) => {
            // A file that cannot be read is not a stale one: say so, and exit as on an I/O error.
            if let Err(e) = std::fs::metadata(path) {
                eprintln!("error: cannot read {}: {e}", path.display());
                eprintln!("generate it with `{}`", for_path(regenerate, path));
                return ExitCode::from(2);
            }
            match check_file(path, text) {
                Ok(()) => {
                    eprintln!("{} is up to date{summary}", path.display());
                    ExitCode::SUCCESS
                }
                Err(stale) => {
                    eprintln!("{stale}");
                    eprintln!("regenerate with `{}`", for_path(regenerate, path));
                    ExitCode::from(1)
                }
            }
        }
        (None, None) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
    }
}

/// `regenerate` (a command ending in `--out FILE`) with `path` as its file: the hint names the
/// file the user gave, not the app's default.
fn for_path(regenerate: &str, path: &Path) -> String {
    match regenerate.rfind(" --out ") {
        Some(at) => format!("{} --out {}", &regenerate[..at], path.display()),
        None => regenerate.to_owned(),
    }
}

/// `--diff`: the access changes since `base`, on stdout; 1 when access widened.
fn diff(base: &Path, matrix: &Matrix) -> ExitCode {
    let text = match std::fs::read_to_string(base) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", base.display());
            return ExitCode::from(2);
        }
    };
    match matrix.diff_from_json(&text) {
        Ok(changes) if changes.is_empty() => {
            eprintln!("no access changes since {}", base.display());
            ExitCode::SUCCESS
        }
        Ok(changes) => {
            print!("{changes}");
            if changes.widened() {
                eprintln!("access widened since {}", base.display());
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("error: {}: {e}", base.display());
            ExitCode::from(2)
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("error: {problem}\n{USAGE}");
    ExitCode::from(2)
}
