//! The refusal bodies every front end answers with: `application/problem+json` (RFC 9457),
//! generic text, fixed bytes. They live here so that an app served by two frameworks answers a
//! refusal with the same bytes from both.

/// The media type of every denial body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// `401`: no actor could be established.
pub const UNAUTHORIZED: &str = r#"{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Authentication is required to access this resource."}"#;
/// `403`: the actor may not do this.
pub const FORBIDDEN: &str = r#"{"type":"about:blank","title":"Forbidden","status":403,"detail":"You do not have permission to perform this action."}"#;
/// `404`: missing, or hidden — the same bytes either way.
pub const NOT_FOUND: &str = r#"{"type":"about:blank","title":"Not Found","status":404,"detail":"The requested resource was not found."}"#;
/// `405`: the path is served, the method is not.
pub const METHOD_NOT_ALLOWED: &str = r#"{"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"The method is not allowed for the requested resource."}"#;
/// `500`: authorization could not be decided, or the route is undeclared.
pub const INTERNAL: &str = r#"{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"The request could not be processed."}"#;

/// The `WWW-Authenticate` challenge a `401` carries.
pub const CHALLENGE: &str = "Bearer";

/// The `403` an app that explains refusals answers for permissions the actor lacked: the
/// generic body with the RFC 9457 extension member `missing` (`["project:write"]`).
pub fn forbidden_missing(missing: &[crate::Permission]) -> String {
    // Permission names are `[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*`: nothing to escape.
    let names: Vec<String> = missing.iter().map(|p| format!("\"{}\"", p.as_str())).collect();
    FORBIDDEN.trim_end_matches('}').to_owned() + &format!(",\"missing\":[{}]}}", names.join(","))
}

/// A service policy's `403` when the app explains refusals: the generic body with the reason
/// the policy marked safe to show (`Decision::show`) as the extension member `reason`.
pub fn forbidden_reason(shown: &str) -> String {
    let mut body = FORBIDDEN.trim_end_matches('}').to_owned();
    body.push_str(",\"reason\":\"");
    for c in shown.chars() {
        match c {
            '"' => body.push_str("\\\""),
            '\\' => body.push_str("\\\\"),
            c if u32::from(c) < 0x20 => body.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => body.push(c),
        }
    }
    body.push_str("\"}");
    body
}

/// The header carrying a decision's id when the app explains refusals.
pub const DECISION_ID: &str = "authz-decision-id";
