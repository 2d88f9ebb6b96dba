//! Reading a credential out of `Authorization` header values, as RFC 9110 §11 says: the scheme
//! is case-insensitive, one header holds one credential. Each front end applies these to its
//! framework's headers (`authz_actix::credentials`, `authz_axum::credentials`), so both accept
//! exactly the same spellings.

/// The credential after `scheme` when `values` — every `Authorization` header of a request, as
/// bytes — is exactly one header of that scheme.
///
/// `None` when there is no header, when there are several (which credential would count?), for
/// another scheme, for no credential or for more than one space after the scheme. RFC 9110
/// allows `1*SP` there; accepting one spelling leaves nothing for a proxy in front and the
/// server behind it to read differently.
pub fn credential<'a>(mut values: impl Iterator<Item = &'a [u8]>, scheme: &str) -> Option<&'a str> {
    let header = values.next()?;
    if values.next().is_some() {
        return None;
    }
    let value = std::str::from_utf8(header).ok()?;
    let (given, rest) = value.split_once(' ')?;
    if !given.eq_ignore_ascii_case(scheme) {
        return None;
    }
    (!rest.is_empty() && !rest.starts_with(' ')).then_some(rest)
}

/// The token of `Authorization: Bearer <token>` (RFC 6750 §2.1): [`credential`] for the scheme
/// `bearer`, when the token is RFC 9110's `token68` (letters, digits and `-._~+/`, then any `=`).
pub fn bearer<'a>(values: impl Iterator<Item = &'a [u8]>) -> Option<&'a str> {
    let token = credential(values, "bearer")?;
    is_token68(token).then_some(token)
}

/// RFC 9110 §11.2 `token68`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_token68(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    !body.is_empty() && body.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}
