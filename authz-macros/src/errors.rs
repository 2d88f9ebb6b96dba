//! Errors: collected, so one compile reports every mistake, and worded — the lists and "did
//! you mean" suggestions messages share.

#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// The value, or `None` after recording the error.
    pub fn ok<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|e| self.push(e)).ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// "`a` or `b`", "one of `a`, `b`, `c`".
pub fn one_of(names: &[&str]) -> String {
    match names {
        [a, b] => format!("`{a}` or `{b}`"),
        _ => format!("one of {}", list(names)),
    }
}

pub fn list(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// `"; did you mean `x`?"` when one of `candidates` is within a typo or two of `name`
/// (Damerau–Levenshtein distance at most a third of its length, at least 1).
pub fn suggest(name: &str, candidates: &[&str]) -> String {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), *c))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}
