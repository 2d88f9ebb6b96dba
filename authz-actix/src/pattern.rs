//! actix path patterns, rewritten parameter by parameter: for the test kit's sample paths, the
//! OpenAPI document's paths, and the names a full path gives its parameters.

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

/// The parameter names of `pattern`, in order, repeats included.
pub(crate) fn param_names(pattern: &str) -> Vec<String> {
    let mut names = Vec::new();
    rewrite_params(pattern, |name| {
        names.push(name.to_owned());
        String::new()
    });
    names
}

/// One `/`-separated segment of a pattern: text, or a parameter with its regex (`None`: actix's
/// default, any non-empty segment).
#[derive(Debug, PartialEq)]
enum Segment<'a> {
    Text(&'a str),
    Param {
        regex: Option<&'a str>,
    },
    /// Anything else: a parameter beside text in one segment, a tail (`{tail}*`).
    Other,
}

fn segments(pattern: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    let bytes = pattern.as_bytes();
    let mut parts = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'/' if depth == 0 => {
                parts.push(&pattern[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&pattern[start..]);
    for part in parts {
        let seg = if !part.contains(['{', '}', '*']) {
            Segment::Text(part)
        } else if part.starts_with('{')
            && part.ends_with('}')
            && param_names(part).len() == 1
            && rewrite_params(part, |_| String::new()).is_empty()
        {
            let inner = &part[1..part.len() - 1];
            Segment::Param { regex: inner.split_once(':').map(|(_, re)| re) }
        } else {
            Segment::Other
        };
        out.push(seg);
    }
    out
}

/// Whether some path is matched by both resource patterns, decided with actix's own matcher.
///
/// Certain when a path made from one of them matches both. Otherwise, for two patterns of the
/// same shape — the same number of segments, each text or one whole parameter — segment by
/// segment: two texts must be equal, a text must match the other's parameter, and two parameters
/// overlap unless both carry regexes of their own that no sample value satisfies together (then
/// the answer is "maybe", reported as an overlap: authz cannot prove two regexes disjoint).
pub(crate) fn may_overlap(a: &str, b: &str) -> bool {
    use actix_web::dev::ResourceDef;
    let (ra, rb) = (ResourceDef::new(a), ResourceDef::new(b));
    let sample = |pattern: &str, other: &[Segment<'_>]| {
        let mut paths = Vec::new();
        for value in ["1", "a", "a1", "A", "_", "-", "0"] {
            paths.push(rewrite_params(pattern, |_| value.to_owned()));
        }
        // The other pattern's texts, placed where this one has parameters.
        let mine = segments(pattern);
        if mine.len() == other.len() {
            let parts: Vec<String> = mine
                .iter()
                .zip(other)
                .map(|(m, o)| match (m, o) {
                    (Segment::Text(t), _) => (*t).to_owned(),
                    (_, Segment::Text(t)) => (*t).to_owned(),
                    _ => "1".to_owned(),
                })
                .collect();
            paths.push(parts.join("/"));
        }
        paths
    };
    let (sa, sb) = (segments(a), segments(b));
    if sample(a, &sb).iter().chain(sample(b, &sa).iter()).any(|p| ra.is_match(p) && rb.is_match(p))
    {
        return true;
    }
    if sa.len() != sb.len() || sa.iter().chain(&sb).any(|s| matches!(s, Segment::Other)) {
        return false;
    }
    sa.iter().zip(&sb).all(|pair| match pair {
        (Segment::Text(x), Segment::Text(y)) => x == y,
        (Segment::Text(t), Segment::Param { regex })
        | (Segment::Param { regex }, Segment::Text(t)) => {
            let param = match regex {
                Some(re) => format!("/{{p:{re}}}"),
                None => "/{p}".to_owned(),
            };
            ResourceDef::new(param).is_match(&format!("/{t}"))
        }
        // A parameter with actix's default regex takes any segment the other can.
        (Segment::Param { regex: None }, Segment::Param { .. })
        | (Segment::Param { .. }, Segment::Param { regex: None }) => true,
        // Two regexes of their own, no sample in common: maybe.
        (Segment::Param { .. }, Segment::Param { .. }) => true,
        _ => false,
    })
}

/// Whether `earlier` is an exception carved out of `later`: the same shape, text wherever
/// `later` has text, and text in at least one segment where `later` has a parameter
/// (`/reports/export` before `/reports/{id}`). Its own matrix row documents exactly the paths it
/// takes, so a reader is not misled; anything else that overlaps a later route is.
pub(crate) fn is_exception_to(earlier: &str, later: &str) -> bool {
    let (e, l) = (segments(earlier), segments(later));
    if e.len() != l.len() || e.iter().chain(&l).any(|s| matches!(s, Segment::Other)) {
        return false;
    }
    let narrower =
        e.iter().zip(&l).any(|pair| matches!(pair, (Segment::Text(_), Segment::Param { .. })));
    let wider =
        e.iter().zip(&l).any(|pair| matches!(pair, (Segment::Param { .. }, Segment::Text(_))));
    narrower && !wider
}

#[cfg(test)]
mod tests {
    use super::{is_exception_to, may_overlap, param_names, rewrite_params};

    #[test]
    fn a_more_specific_earlier_route_is_an_exception() {
        assert!(is_exception_to("/reports/export", "/reports/{id}"));
        assert!(is_exception_to("/reports/{id}/export", "/reports/{id}/{action}"));
        assert!(!is_exception_to("/reports/{id:\\d+}", "/reports/{name}"));
        assert!(!is_exception_to("/{tenant}/users", "/admin/users"));
        assert!(!is_exception_to("/{tenant}/export", "/admin/{what}"));
    }

    #[test]
    fn overlap_is_what_both_patterns_can_match() {
        assert!(may_overlap("/reports/{id:\\d+}", "/reports/{name}"));
        assert!(may_overlap("/reports/{name}", "/reports/{id:\\d+}"));
        assert!(may_overlap("/{tenant}/users", "/admin/users"));
        assert!(may_overlap("/files/{code:[A-Z]{3}}", "/files/{name}"));
        assert!(
            may_overlap("/files/{a:[A-Z]{3}}", "/files/{b:[0-9]{4}}"),
            "two regexes: not provably apart"
        );
        assert!(!may_overlap("/files/{id:\\d+}", "/files/latest"));
        assert!(!may_overlap("/projects/{id}", "/projects/{id}/members"));
        assert!(!may_overlap("/admin/users", "/admin/roles"));
        assert!(may_overlap("/static/{tail}*", "/static/app.js"));
    }

    #[test]
    fn parameter_names_come_in_order_with_repeats() {
        assert_eq!(
            param_names("/orgs/{team_id}/teams/{team_id:\\d+}/x/{y}"),
            ["team_id", "team_id", "y"]
        );
        assert!(param_names("/static").is_empty());
    }

    #[test]
    fn parameters_are_rewritten_whole() {
        let named = |p: &str| rewrite_params(p, |name| format!("<{name}>"));
        assert_eq!(named("/projects/{id:\\d+}/x"), "/projects/<id>/x");
        assert_eq!(named("/a/{x}/b/{y:[a-z]{2}}"), "/a/<x>/b/<y>");
        assert_eq!(named("/static"), "/static");
        assert_eq!(rewrite_params("/t/{name:[a-z]+}", |_| "a".to_owned()), "/t/a");
    }
}
