//! Permissions: stable `resource:action` identifiers.

use core::fmt;

/// A permission identifier of the form `resource:action`.
///
/// Each part matches `[a-z][a-z0-9_-]*`, for example `project:write` or `user:admin`.
/// Permissions are the shared language of routes, services, tests and the generated matrix; code
/// asks "may the actor do X?" rather than "is the actor role Y?".
///
/// A `Permission` is two words (`Copy`) and can be built in `const` context, where a literal that
/// breaks the grammar stops compilation:
///
/// ```
/// use authz_core::Permission;
///
/// pub const PROJECT_WRITE: Permission = Permission::new("project:write");
/// assert_eq!(PROJECT_WRITE.resource(), "project");
/// assert_eq!(PROJECT_WRITE.action(), "write");
/// ```
///
/// ```compile_fail
/// # use authz_core::Permission;
/// const BAD: Permission = Permission::new("Project:Write"); // uppercase: not a permission
/// ```
///
/// Strings from outside the program (a database, a token's claims) go through [`Permission::parse`],
/// which returns an error instead.
#[derive(Clone, Copy)]
pub struct Permission {
    name: &'static str,
    // Position of the colon, so `resource()`/`action()` never search.
    colon: u16,
    // Index of this permission in the catalog that declared it, or `NO_SLOT`. A hint only: the
    // catalog confirms it by name before use, so a wrong hint costs speed, never correctness.
    slot: u16,
}

const NO_SLOT: u16 = u16::MAX;

/// Why a string is not a valid permission identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPermission {
    /// The string is empty.
    #[error("a permission cannot be empty; expected `resource:action`")]
    Empty,
    /// There is no `:` separating resource and action.
    #[error("missing `:`; a permission has the form `resource:action`")]
    MissingColon,
    /// There is more than one `:`.
    #[error("more than one `:`; expected `resource:action`")]
    ExtraColon,
    /// The part before the colon is empty.
    #[error("the resource part before `:` is empty")]
    EmptyResource,
    /// The part after the colon is empty.
    #[error("the action part after `:` is empty")]
    EmptyAction,
    /// A part starts with something other than a lowercase ASCII letter.
    #[error("{found} at byte {at}; each part starts with `a-z`")]
    BadStart {
        /// Byte offset of the offending character.
        at: usize,
        /// Description of what was found instead.
        found: Found,
    },
    /// A part contains a character outside `[a-z0-9_-]`.
    #[error("{found} at byte {at}; only `a-z`, `0-9`, `_` and `-` may follow")]
    BadChar {
        /// Byte offset of the offending character.
        at: usize,
        /// Description of what was found instead.
        found: Found,
    },
    /// Longer than [`Permission::MAX_LEN`] bytes.
    #[error("longer than {} bytes", Permission::MAX_LEN)]
    TooLong,
}

/// The byte that broke the grammar, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found(pub u8);

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            b'A'..=b'Z' => write!(f, "uppercase `{}`", self.0 as char),
            b' ' => f.write_str("a space"),
            b if b.is_ascii_graphic() => write!(f, "`{}`", b as char),
            b if b.is_ascii() => write!(f, "control byte 0x{b:02x}"),
            _ => f.write_str("a non-ASCII character"),
        }
    }
}

/// Checks `s` against the permission grammar and returns the position of its colon.
///
/// This is the one implementation of the grammar: the macros call it at compile time and
/// [`Permission::new`] calls it in `const` evaluation.
pub const fn validate(s: &str) -> Result<usize, InvalidPermission> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Err(InvalidPermission::Empty);
    }
    if b.len() > Permission::MAX_LEN {
        return Err(InvalidPermission::TooLong);
    }
    let mut colon = usize::MAX;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b':' {
            if colon != usize::MAX {
                return Err(InvalidPermission::ExtraColon);
            }
            colon = i;
        }
        i += 1;
    }
    if colon == usize::MAX {
        return Err(InvalidPermission::MissingColon);
    }
    if colon == 0 {
        return Err(InvalidPermission::EmptyResource);
    }
    if colon == b.len() - 1 {
        return Err(InvalidPermission::EmptyAction);
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let starts_part = i == 0 || i == colon + 1;
        if i != colon {
            if starts_part {
                if !c.is_ascii_lowercase() {
                    return Err(InvalidPermission::BadStart { at: i, found: Found(c) });
                }
            } else if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-') {
                return Err(InvalidPermission::BadChar { at: i, found: Found(c) });
            }
        }
        i += 1;
    }
    Ok(colon)
}

impl Permission {
    /// Longest accepted identifier, in bytes.
    pub const MAX_LEN: usize = 128;

    /// Makes a permission from a literal, checking the grammar.
    ///
    /// # Panics
    ///
    /// If `name` is not `resource:action` with each part `[a-z][a-z0-9_-]*`. In `const` context
    /// (the normal use) that panic is a compile error.
    #[track_caller]
    pub const fn new(name: &'static str) -> Self {
        match validate(name) {
            Ok(colon) => Permission { name, colon: colon as u16, slot: NO_SLOT },
            Err(_) => panic!(
                "invalid permission: expected `resource:action`, each part `[a-z][a-z0-9_-]*`"
            ),
        }
    }

    /// Parses a permission from a string of static lifetime, for names read at startup.
    pub const fn parse(name: &'static str) -> Result<Self, InvalidPermission> {
        match validate(name) {
            Ok(colon) => Ok(Permission { name, colon: colon as u16, slot: NO_SLOT }),
            Err(e) => Err(e),
        }
    }

    /// A permission declared at `slot` in the app's catalog file; generated code only.
    #[doc(hidden)]
    #[track_caller]
    pub const fn __slotted(name: &'static str, slot: usize) -> Self {
        Permission::new(name).with_slot(slot)
    }

    /// The same permission, remembering its index in a catalog (see [`crate::Catalog`]).
    pub(crate) const fn with_slot(self, slot: usize) -> Self {
        Permission { slot: slot as u16, ..self }
    }

    pub(crate) const fn slot(self) -> Option<usize> {
        if self.slot == NO_SLOT { None } else { Some(self.slot as usize) }
    }

    /// The full identifier, e.g. `project:write`.
    pub const fn as_str(&self) -> &'static str {
        self.name
    }

    /// The part before the colon, e.g. `project`.
    pub fn resource(&self) -> &'static str {
        &self.name[..self.colon as usize]
    }

    /// The part after the colon, e.g. `write`.
    pub fn action(&self) -> &'static str {
        &self.name[self.colon as usize + 1..]
    }
}

impl PartialEq for Permission {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Permission {}

impl core::hash::Hash for Permission {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl PartialOrd for Permission {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Permission {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.name.cmp(other.name)
    }
}

impl fmt::Debug for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Permission({:?})", self.name)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl AsRef<str> for Permission {
    fn as_ref(&self) -> &str {
        self.name
    }
}

/// `const`-evaluable string equality, for catalog validation.
pub(crate) const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_grammar() {
        for ok in ["project:write", "user:admin", "a:b", "a1_-:x-9_", "billing-v2:read_all"] {
            assert!(validate(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_with_a_reason() {
        use InvalidPermission::*;
        assert_eq!(validate(""), Err(Empty));
        assert_eq!(validate("project"), Err(MissingColon));
        assert_eq!(validate("a:b:c"), Err(ExtraColon));
        assert_eq!(validate(":write"), Err(EmptyResource));
        assert_eq!(validate("project:"), Err(EmptyAction));
        assert_eq!(validate("Project:write"), Err(BadStart { at: 0, found: Found(b'P') }));
        assert_eq!(validate("project:1write"), Err(BadStart { at: 8, found: Found(b'1') }));
        assert_eq!(validate("pro ject:write"), Err(BadChar { at: 3, found: Found(b' ') }));
        assert_eq!(
            validate("project:wr\u{e9}te").unwrap_err(),
            BadChar { at: 10, found: Found(0xc3) }
        );
        assert_eq!(validate(&"a".repeat(200)), Err(TooLong));
    }

    #[test]
    fn parts_and_equality() {
        const P: Permission = Permission::new("project:write");
        assert_eq!((P.resource(), P.action()), ("project", "write"));
        let owned: &'static str = Box::leak(String::from("project:write").into_boxed_str());
        assert_eq!(Permission::parse(owned).unwrap(), P);
        assert_eq!(P.to_string(), "project:write");
        assert!(Permission::parse("nope").is_err());
    }
}
