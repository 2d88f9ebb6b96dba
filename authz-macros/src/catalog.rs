//! The permission catalog, `authz.toml`, read at compile time.
//!
//! ```toml
//! [permissions]
//! "project:read" = "Read private projects"
//!
//! [roles]
//! member = ["project:read"]
//! admin = { includes = ["member"], permissions = ["user:admin"] }
//! ```
//!
//! A role includes other roles' permissions with `includes`: checked here (every included role
//! declared, no role including itself through others), flattened into the role's permissions in
//! `CATALOG`, and kept for the matrix's role table.
//!
//! The file is read from the root of the crate being compiled (`CARGO_MANIFEST_DIR`). Every
//! expansion that consults it emits `include_bytes!` of it, so cargo rebuilds the crate when the
//! file changes. A broken file is one error: `catalog!()` reports it, and declarations stay
//! silent when the crate's sources invoke `catalog!()` (see [`reported_at_catalog_macro`]);
//! without one, every declaration reports it. Nothing depends on which expansion runs first, or
//! on a process compiling one crate only (an IDE's proc-macro server reuses its process). Parsed
//! files are cached per process, keyed by path and contents, which only saves work.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::LitStr;
use toml::de::{DeTable, DeValue};

use crate::errors::suggest;

pub const FILE_NAME: &str = "authz.toml";

/// A valid catalog, in declaration order.
pub struct Catalog {
    pub path: PathBuf,
    /// How messages name the file: relative to the crate root when inside it.
    pub display: String,
    pub permissions: Vec<(String, String)>,
    /// Each role with every permission it grants, its included roles' too.
    pub roles: Vec<(String, Vec<String>)>,
    /// Each role that includes others, with the roles it names in `includes`.
    pub includes: Vec<(String, Vec<String>)>,
    /// `[scopes]`: kind → description.
    pub scopes: Vec<(String, String)>,
}

/// What the crate being compiled has.
pub enum Lookup {
    /// No `authz.toml`, and none required.
    Absent,
    Present(Rc<Catalog>),
    /// The file is broken, or required and missing.
    Broken(String),
}

/// Parsed files by path, with the text they were parsed from.
type Cache = HashMap<PathBuf, (String, Result<Rc<Catalog>, String>)>;

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(HashMap::new());
}

/// The catalog of the crate being compiled.
pub fn for_crate() -> Lookup {
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        return Lookup::Absent;
    };
    let path = dir.join(FILE_NAME);
    let broken = Lookup::Broken;
    if !path.exists() {
        return match required_by_manifest(&dir) {
            Ok(false) => Lookup::Absent,
            Ok(true) => broken(format!(
                "`{FILE_NAME}` does not exist at the crate root, but this crate requires a catalog (`[package.metadata.authz] catalog = \"required\"` in Cargo.toml)"
            )),
            Err(message) => broken(message),
        };
    }
    match load(&path, FILE_NAME) {
        Ok(catalog) => Lookup::Present(catalog),
        Err(message) => broken(message),
    }
}

/// Reads and checks the catalog at `path` (cached); messages call the file `shown`.
pub fn load(path: &Path, shown: &str) -> Result<Rc<Catalog>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{shown}`: {e}"))?;
    CACHE.with(|cache| {
        if let Some((cached_text, result)) = cache.borrow().get(path)
            && *cached_text == text
        {
            return result.clone();
        }
        let result = parse(path, shown, &text).map(Rc::new);
        cache.borrow_mut().insert(path.to_owned(), (text, result.clone()));
        result
    })
}

/// `[package.metadata.authz] catalog = "required"` in the crate's Cargo.toml.
fn required_by_manifest(dir: &Path) -> Result<bool, String> {
    let manifest = dir.join("Cargo.toml");
    let Ok(text) = std::fs::read_to_string(&manifest) else {
        return Ok(false);
    };
    let doc = DeTable::parse(&text)
        .map_err(|e| format!("cannot parse `{}`: {}", display(&manifest), e.message()))?;
    let setting = get(doc.get_ref(), "package")
        .and_then(|p| as_table(p))
        .and_then(|p| get(p, "metadata"))
        .and_then(|m| as_table(m))
        .and_then(|m| get(m, "authz"))
        .and_then(|a| as_table(a))
        .and_then(|a| get(a, "catalog"));
    match setting {
        None => Ok(false),
        Some(DeValue::String(s)) if s == "required" => Ok(true),
        Some(DeValue::String(s)) if s == "optional" => Ok(false),
        Some(_) => Err(format!(
            "`{}`: `[package.metadata.authz] catalog` must be \"required\" or \"optional\"",
            display(&manifest)
        )),
    }
}

fn get<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a DeValue<'i>> {
    table.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v.get_ref())
}

fn as_table<'a, 'i>(value: &'a DeValue<'i>) -> Option<&'a DeTable<'i>> {
    match value {
        DeValue::Table(t) => Some(t),
        _ => None,
    }
}

/// `path` as messages show it: relative to the crate root when inside it, so messages read the
/// same on every machine.
pub fn display(path: &Path) -> String {
    let root = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    root.and_then(|r| path.strip_prefix(r).ok().map(|p| p.display().to_string()))
        .unwrap_or_else(|| path.display().to_string())
}

/// `file:line:column` of byte `offset`.
fn position(shown: &str, text: &str, offset: usize) -> String {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("{shown}:{line}:{column}")
}

fn parse(path: &Path, shown: &str, text: &str) -> Result<Catalog, String> {
    let at = |offset: usize| position(shown, text, offset);
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let place = e.span().map_or_else(|| shown.to_owned(), |s| at(s.start));
            // Name the entry: the parser's message alone does not.
            let entry = e
                .span()
                .and_then(|s| text.get(s.start..))
                .and_then(|rest| rest.lines().next())
                .map(|line| line.split('=').next().unwrap_or(line).trim().to_owned())
                .filter(|entry| !entry.is_empty())
                .map_or_else(String::new, |entry| format!(" (at `{entry}`)"));
            return Err(format!("{place}: invalid TOML: {}{entry}", e.message().trim_end()));
        }
    };
    let mut errors = Vec::new();
    let mut permissions: Vec<(String, String)> = Vec::new();
    let mut roles: Vec<(String, Vec<String>)> = Vec::new();
    let mut includes: Vec<(String, Vec<String>)> = Vec::new();
    let mut scopes: Vec<(String, String)> = Vec::new();
    let mut saw_permissions = false;

    for (key, value) in doc.get_ref() {
        match (key.get_ref().as_ref(), value.get_ref()) {
            ("permissions", DeValue::Table(table)) => {
                saw_permissions = true;
                for (name, description) in table {
                    let place = at(name.span().start);
                    if let Err(e) = authz_core::permission::validate(name.get_ref()) {
                        errors.push(format!("{place}: `{}` is not a valid permission: {e}", name.get_ref()));
                        continue;
                    }
                    match description.get_ref() {
                        DeValue::String(d) if !d.trim().is_empty() => {
                            permissions.push((name.get_ref().to_string(), d.to_string()));
                        }
                        DeValue::String(_) => errors.push(format!(
                            "{place}: permission `{}` needs a description: `\"{}\" = \"What it allows\"`",
                            name.get_ref(),
                            name.get_ref()
                        )),
                        _ => errors.push(format!(
                            "{place}: the description of `{}` must be a string: `\"{}\" = \"What it allows\"`",
                            name.get_ref(),
                            name.get_ref()
                        )),
                    }
                }
            }
            ("roles", DeValue::Table(table)) => {
                for (name, granted) in table {
                    let place = at(name.span().start);
                    let role = name.get_ref().to_string();
                    if !valid_role_name(&role) {
                        errors.push(format!("{place}: role name `{role}` must match `[a-z][a-z0-9_-]*`"));
                    }
                    let usage = format!("`{role} = [\"resource:action\", ...]` or `{role} = {{ includes = [\"role\", ...], permissions = [...] }}`");
                    let (items, included) = match granted.get_ref() {
                        DeValue::Array(items) => (Some(items), None),
                        DeValue::Table(table) => {
                            let mut items = None;
                            let mut included = None;
                            for (key, value) in table {
                                let place = at(key.span().start);
                                match (key.get_ref().as_ref(), value.get_ref()) {
                                    ("permissions", DeValue::Array(list)) => items = Some(list),
                                    ("includes", DeValue::Array(list)) => included = Some(list),
                                    ("permissions" | "includes", _) => errors.push(format!("{place}: `{}` of role `{role}` must be a list: {usage}", key.get_ref())),
                                    (other, _) => errors.push(format!("{place}: role `{role}` has `includes` and `permissions`, not `{other}`{}", suggest(other, &["includes", "permissions"]))),
                                }
                            }
                            (items, Some(included))
                        }
                        _ => {
                            errors.push(format!("{place}: role `{role}` must list permissions: {usage}"));
                            continue;
                        }
                    };
                    let mut list: Vec<String> = Vec::new();
                    for item in items.into_iter().flat_map(|items| items.iter()) {
                        let place = at(item.span().start);
                        match item.get_ref() {
                            DeValue::String(p) if list.iter().any(|q| q == p.as_ref()) => {
                                errors.push(format!("{place}: role `{role}` lists `{p}` twice"));
                            }
                            DeValue::String(p) => list.push(p.to_string()),
                            _ => errors.push(format!("{place}: role `{role}` must list permission names as strings")),
                        }
                    }
                    if let Some(included) = included.flatten() {
                        let mut names: Vec<String> = Vec::new();
                        for item in included.iter() {
                            let place = at(item.span().start);
                            match item.get_ref() {
                                DeValue::String(r) if names.iter().any(|q| q == r.as_ref()) => {
                                    errors.push(format!("{place}: role `{role}` includes `{r}` twice"));
                                }
                                DeValue::String(r) => names.push(r.to_string()),
                                _ => errors.push(format!("{place}: role `{role}` must name included roles as strings")),
                            }
                        }
                        if !names.is_empty() {
                            includes.push((role.clone(), names));
                        }
                    }
                    roles.push((role, list));
                }
            }
            ("scopes", DeValue::Table(table)) => {
                for (name, description) in table {
                    let place = at(name.span().start);
                    let kind = name.get_ref().to_string();
                    if !valid_role_name(&kind) {
                        errors.push(format!("{place}: scope kind `{kind}` must match `[a-z][a-z0-9_-]*`"));
                    }
                    match description.get_ref() {
                        DeValue::String(d) if !d.trim().is_empty() => scopes.push((kind, d.to_string())),
                        _ => errors.push(format!("{place}: scope kind `{kind}` needs a description: `{kind} = \"What it groups\"`")),
                    }
                }
            }
            ("permissions" | "roles" | "scopes", _) => errors.push(format!(
                "{}: `{}` must be a table: `[{}]`",
                at(key.span().start),
                key.get_ref(),
                key.get_ref()
            )),
            (other, _) => errors.push(format!(
                "{}: unknown section `{other}`; `{FILE_NAME}` has `[permissions]`, `[roles]` and `[scopes]`{}",
                at(key.span().start),
                suggest(other, &["permissions", "roles", "scopes"])
            )),
        }
    }
    if !saw_permissions && errors.is_empty() {
        errors.push(format!(
            "{}: missing `[permissions]`: declare each permission with a description",
            shown.to_owned()
        ));
    }
    // Roles may only grant declared permissions.
    let declared: Vec<&str> = permissions.iter().map(|(p, _)| p.as_str()).collect();
    for (role, granted) in &roles {
        for p in granted {
            if !declared.contains(&p.as_str()) {
                let place = find(text, role, p).map_or_else(|| shown.to_owned(), at);
                errors.push(format!(
                    "{place}: role `{role}` grants `{p}`, which is not declared in `[permissions]`{}",
                    suggest(p, &declared)
                ));
            }
        }
    }
    // Included roles must be declared, and no role may include itself through others.
    let names: Vec<&str> = roles.iter().map(|(r, _)| r.as_str()).collect();
    for (role, included) in &includes {
        for other in included {
            if !names.contains(&other.as_str()) {
                let place = find(text, role, other).map_or_else(|| shown.to_owned(), at);
                errors.push(format!(
                    "{place}: role `{role}` includes `{other}`, which is not a role of `[roles]`{}",
                    suggest(other, &names)
                ));
            }
        }
    }
    if errors.is_empty() {
        if let Some(cycle) = inclusion_cycle(&includes) {
            let place = find(text, &cycle[0], &cycle[1]).map_or_else(|| shown.to_owned(), at);
            errors.push(format!(
                "{place}: roles include each other in a circle: {}",
                cycle.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(" includes ")
            ));
        } else {
            roles = flatten(&roles, &includes);
            // In the order `[permissions]` declares them, whichever role they came from.
            let order = |p: &String| permissions.iter().position(|(q, _)| q == p);
            for (_, granted) in &mut roles {
                granted.sort_by_key(order);
            }
        }
    }
    if permissions.len() > authz_core::Catalog::MAX_PERMISSIONS {
        errors.push(format!(
            "{}: at most {} permissions",
            shown.to_owned(),
            authz_core::Catalog::MAX_PERMISSIONS
        ));
    }
    if roles.len() > authz_core::Catalog::MAX_ROLES {
        errors.push(format!(
            "{}: at most {} roles",
            shown.to_owned(),
            authz_core::Catalog::MAX_ROLES
        ));
    }
    // Two permissions must not map to one constant name.
    let mut constants: HashMap<String, &str> = HashMap::new();
    for (p, _) in &permissions {
        if let Some(other) = constants.insert(constant_name(p), p) {
            errors.push(format!(
                "{}: `{other}` and `{p}` both become the constant `{}`; rename one",
                shown.to_owned(),
                constant_name(p)
            ));
        }
    }
    if errors.is_empty() {
        Ok(Catalog {
            path: path.to_owned(),
            display: shown.to_owned(),
            permissions,
            roles,
            includes,
            scopes,
        })
    } else {
        Err(errors.join("\n"))
    }
}

/// Byte offset of `"permission"` in the line that declares `role`, for error positions.
/// A circle of inclusions, if there is one: `[a, b, a]` for `a` including `b` including `a`.
fn inclusion_cycle(includes: &[(String, Vec<String>)]) -> Option<Vec<String>> {
    fn visit(
        role: &str,
        includes: &[(String, Vec<String>)],
        path: &mut Vec<String>,
        done: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|r| r == role) {
            let mut cycle = path[start..].to_vec();
            cycle.push(role.to_owned());
            return Some(cycle);
        }
        if done.iter().any(|r| r == role) {
            return None;
        }
        path.push(role.to_owned());
        let next = includes.iter().find(|(r, _)| r == role).map(|(_, n)| n.as_slice());
        for other in next.unwrap_or_default() {
            if let Some(cycle) = visit(other, includes, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.push(role.to_owned());
        None
    }
    let mut done = Vec::new();
    includes.iter().find_map(|(role, _)| visit(role, includes, &mut Vec::new(), &mut done))
}

/// Each role's own permissions, then those of the roles it includes (transitively), each once.
/// Only called without a circle.
fn flatten(
    roles: &[(String, Vec<String>)],
    includes: &[(String, Vec<String>)],
) -> Vec<(String, Vec<String>)> {
    fn gather(
        role: &str,
        roles: &[(String, Vec<String>)],
        includes: &[(String, Vec<String>)],
        out: &mut Vec<String>,
    ) {
        for p in
            roles.iter().find(|(r, _)| r == role).map(|(_, p)| p.as_slice()).unwrap_or_default()
        {
            if !out.contains(p) {
                out.push(p.clone());
            }
        }
        let next = includes.iter().find(|(r, _)| r == role).map(|(_, n)| n.as_slice());
        for other in next.unwrap_or_default() {
            gather(other, roles, includes, out);
        }
    }
    roles
        .iter()
        .map(|(role, _)| {
            let mut out = Vec::new();
            gather(role, roles, includes, &mut out);
            (role.clone(), out)
        })
        .collect()
}

fn find(text: &str, role: &str, permission: &str) -> Option<usize> {
    let quoted = format!("\"{permission}\"");
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if (trimmed.starts_with(role) || trimmed.starts_with(&format!("\"{role}\"")))
            && let Some(i) = line.find(&quoted)
        {
            return Some(offset + i);
        }
        offset += line.len();
    }
    None
}

fn valid_role_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// `project:edit-own` → `PROJECT_EDIT_OWN`.
pub fn constant_name(permission: &str) -> String {
    permission.to_ascii_uppercase().replace([':', '-'], "_")
}

impl Catalog {
    pub fn index_of(&self, permission: &str) -> Option<usize> {
        self.permissions.iter().position(|(p, _)| p == permission)
    }

    /// `include_bytes!` of the file, so cargo rebuilds when it changes.
    pub fn track(&self) -> TokenStream {
        let path = self.path.display().to_string();
        quote!(
            const _: &[u8] = ::core::include_bytes!(#path);
        )
    }

    /// The error for a literal the catalog does not declare, with the nearest name or the
    /// resource's declared permissions.
    pub fn unknown(&self, lit: &LitStr) -> syn::Error {
        let value = lit.value();
        let names: Vec<&str> = self.permissions.iter().map(|(p, _)| p.as_str()).collect();
        let mut message = format!("unknown permission `{value}`");
        let hint = suggest(&value, &names);
        if !hint.is_empty() {
            message.push_str(&hint);
        } else {
            let resource = value.split(':').next().unwrap_or_default();
            let same: Vec<String> = names
                .iter()
                .filter(|n| n.split(':').next() == Some(resource))
                .map(|n| format!("`{n}`"))
                .collect();
            if same.is_empty() {
                message.push_str(&format!(
                    "; `{}` declares no permission on `{resource}`",
                    self.display
                ));
            } else {
                message.push_str(&format!(
                    "; `{}` declares for `{resource}`: {}",
                    self.display,
                    same.join(", ")
                ));
            }
        }
        syn::Error::new(lit.span(), message)
    }
}

/// Whether the crate's own sources (`src/`, comments aside) invoke `catalog!()` on its
/// `authz.toml`, the file `for_crate` reads: that invocation then reports the file broken, once,
/// and declarations stay silent about it, so one mistake in the file is one error.
///
/// Read from the files on every call, never remembered: an IDE's proc-macro process outlives
/// edits and serves many crates. Only consulted when the file is broken.
pub fn reported_at_catalog_macro() -> bool {
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        return false;
    };
    let mut pending = vec![dir.join("src")];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && std::fs::read_to_string(&path)
                    .is_ok_and(|text| invokes_catalog_on_crate_file(&text))
            {
                return true;
            }
        }
    }
    false
}

/// `catalog!()` (or `catalog! {}`, with only a `crate = ...` argument) outside comments.
fn invokes_catalog_on_crate_file(text: &str) -> bool {
    let code = without_comments(text);
    let mut rest = code.as_str();
    while let Some(at) = rest.find("catalog!") {
        let after = rest[at + "catalog!".len()..].trim_start();
        let preceded_by_ident =
            rest[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
        if let Some(open) = after.chars().next().filter(|c| matches!(c, '(' | '{' | '[')) {
            let close = match open {
                '(' => ')',
                '{' => '}',
                _ => ']',
            };
            let args = after[1..].split(close).next().unwrap_or_default();
            if !preceded_by_ident && !args.contains("path") {
                return true;
            }
        }
        rest = &rest[at + "catalog!".len()..];
    }
    false
}

/// `text` with comments and the insides of string and character literals blanked, so only code
/// is searched: a `catalog!()` in a comment or a string must not silence the declarations.
fn without_comments(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let (c, next) = (chars[i], chars.get(i + 1).copied());
        match (c, next) {
            ('/', Some('/')) => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            ('/', Some('*')) => {
                let mut depth = 0;
                while i < chars.len() {
                    match (chars[i], chars.get(i + 1)) {
                        ('/', Some('*')) => (depth, i) = (depth + 1, i + 2),
                        ('*', Some('/')) => (depth, i) = (depth - 1, i + 2),
                        _ => i += 1,
                    }
                    if depth == 0 {
                        break;
                    }
                }
                out.push(' ');
                continue;
            }
            ('r', Some('"' | '#'))
                if !chars[..i].last().is_some_and(|c| c.is_alphanumeric() || *c == '_') =>
            {
                let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
                if chars.get(i + 1 + hashes) == Some(&'"') {
                    i += 2 + hashes;
                    while i < chars.len()
                        && !(chars[i] == '"'
                            && chars[i + 1..].iter().take(hashes).filter(|c| **c == '#').count()
                                == hashes)
                    {
                        i += 1;
                    }
                    i += 1 + hashes;
                    out.push_str("\"\"");
                    continue;
                }
            }
            ('"', _) => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
                continue;
            }
            ('\'', Some('\\')) => {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("' '");
                continue;
            }
            ('\'', Some(_)) if chars.get(i + 2) == Some(&'\'') => {
                i += 3;
                out.push_str("' '");
                continue;
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The error a broken or missing catalog produces at `span`.
pub fn broken_error(message: &str, span: Span) -> syn::Error {
    syn::Error::new(span, format!("invalid permission catalog:\n{message}"))
}

#[cfg(test)]
mod tests {
    use super::invokes_catalog_on_crate_file as invokes;

    fn parse(roles: &str) -> Result<super::Catalog, String> {
        let text = format!(
            "[permissions]\n\"doc:read\" = \"Read\"\n\"doc:write\" = \"Write\"\n\"doc:admin\" = \"Admin\"\n\n[roles]\n{roles}"
        );
        super::parse(std::path::Path::new("authz.toml"), "authz.toml", &text)
    }

    #[test]
    fn a_role_holds_the_permissions_of_the_roles_it_includes() {
        let parsed = parse(
            "admin = { includes = [\"editor\"], permissions = [\"doc:admin\"] }\n\
             editor = { includes = [\"reader\"], permissions = [\"doc:write\"] }\n\
             reader = [\"doc:read\"]\n",
        );
        assert_eq!(parsed.as_ref().err(), None);
        let Ok(catalog) = parsed else { return };
        let granted = |role: &str| {
            catalog
                .roles
                .iter()
                .find(|(r, _)| r == role)
                .map(|(_, p)| p.clone())
                .unwrap_or_default()
        };
        // In declaration order: read, write, admin.
        assert_eq!(granted("admin"), ["doc:read", "doc:write", "doc:admin"]);
        assert_eq!(granted("editor"), ["doc:read", "doc:write"]);
        assert_eq!(
            catalog.includes,
            [
                ("admin".to_owned(), vec!["editor".to_owned()]),
                ("editor".to_owned(), vec!["reader".to_owned()])
            ]
        );
    }

    #[test]
    fn an_unknown_included_role_is_named_with_the_closest_one() {
        let error = parse("admin = { includes = [\"editr\"] }\neditor = [\"doc:write\"]\n")
            .err()
            .unwrap_or_default();
        assert!(
            error.contains("authz.toml:7:")
                && error
                    .contains("role `admin` includes `editr`, which is not a role of `[roles]`")
                && error.contains("editor"),
            "{error}"
        );
    }

    #[test]
    fn roles_including_each_other_in_a_circle_are_refused() {
        let error = parse(
            "a = { includes = [\"b\"] }\nb = { includes = [\"c\"] }\nc = { includes = [\"a\"] }\n",
        )
        .err()
        .unwrap_or_default();
        assert!(
            error.contains(
                "roles include each other in a circle: `a` includes `b` includes `c` includes `a`"
            ),
            "{error}"
        );
        let error = parse("a = { includes = [\"a\"] }\n").err().unwrap_or_default();
        assert!(error.contains("`a` includes `a`"), "{error}");
    }

    #[test]
    fn a_role_table_has_includes_and_permissions_only() {
        let error = parse("a = { include = [\"b\"] }\nb = []\n").err().unwrap_or_default();
        assert!(
            error.contains("role `a` has `includes` and `permissions`, not `include`")
                && error.contains("includes"),
            "{error}"
        );
        let error = parse("a = { permissions = \"doc:read\" }\n").err().unwrap_or_default();
        assert!(error.contains("`permissions` of role `a` must be a list"), "{error}");
    }

    #[test]
    fn only_code_that_invokes_catalog_on_the_crate_file_counts() {
        assert!(invokes("pub mod perms {\n    authz_actix::catalog!();\n}\n"));
        assert!(invokes("catalog! { crate = ::my_facade }"));
        assert!(invokes("use authz_actix::catalog;\ncatalog!();"));
        assert!(!invokes("// authz_actix::catalog!();\nfn main() {}"));
        assert!(!invokes("/* outer /* catalog!() */ still a comment */ fn main() {}"));
        assert!(!invokes(r#"const MAIN: &str = "authz_actix::catalog!();";"#));
        assert!(!invokes("const MAIN: &str = r#\"\nauthz_actix::catalog!();\n\"#;"));
        assert!(!invokes(r#"let q = '"'; let s = "catalog!()";"#));
        assert!(!invokes(r#"authz_actix::catalog!(path = "../other.toml");"#));
        assert!(!invokes("my_catalog!();"));
        assert!(invokes("fn f<'a>(x: &'a str) {}\nauthz_actix::catalog!();"));
    }
}
