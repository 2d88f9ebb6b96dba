//! actix path patterns, rewritten parameter by parameter: for the test kit's sample paths and the
//! OpenAPI document's paths.

/// `pattern` with each top-level `{name}` or `{name:regex}` segment replaced by `param(name)`;
/// braces nested in a regex belong to their segment.
pub(crate) fn rewrite_params(pattern: &str, mut param: impl FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut depth = 0usize;
    let mut segment = String::new();
    for c in pattern.chars() {
        match (depth, c) {
            (0, '{') => {
                depth = 1;
                segment.clear();
            }
            (0, _) => out.push(c),
            (_, '}') if depth == 1 => {
                depth = 0;
                let name = segment.split(':').next().unwrap_or_default();
                out.push_str(&param(name));
            }
            (_, _) => {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                segment.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::rewrite_params;

    #[test]
    fn parameters_are_rewritten_whole() {
        let named = |p: &str| rewrite_params(p, |name| format!("<{name}>"));
        assert_eq!(named("/projects/{id:\\d+}/x"), "/projects/<id>/x");
        assert_eq!(named("/a/{x}/b/{y:[a-z]{2}}"), "/a/<x>/b/<y>");
        assert_eq!(named("/static"), "/static");
        assert_eq!(rewrite_params("/t/{name:[a-z]+}", |_| "a".to_owned()), "/t/a");
    }
}
