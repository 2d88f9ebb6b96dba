//! HTTP methods as bits, so the per-request method test of a route's guard compares no strings.

use actix_web::http::Method;

/// The bit of a standard method, on the request path.
#[inline]
pub(crate) fn bit(method: &Method) -> Option<u16> {
    Some(match *method {
        Method::GET => 1,
        Method::HEAD => 1 << 1,
        Method::POST => 1 << 2,
        Method::PUT => 1 << 3,
        Method::PATCH => 1 << 4,
        Method::DELETE => 1 << 5,
        Method::OPTIONS => 1 << 6,
        Method::TRACE => 1 << 7,
        Method::CONNECT => 1 << 8,
        _ => return None,
    })
}

/// The bit of a standard method named `name` (exact, upper case, as HTTP spells it); `0` for any
/// other method. `const`, like the guard built from it ([`MethodSet::new`]).
pub(crate) const fn bit_of_name(name: &str) -> u16 {
    match name.as_bytes() {
        b"GET" => 1,
        b"HEAD" => 1 << 1,
        b"POST" => 1 << 2,
        b"PUT" => 1 << 3,
        b"PATCH" => 1 << 4,
        b"DELETE" => 1 << 5,
        b"OPTIONS" => 1 << 6,
        b"TRACE" => 1 << 7,
        b"CONNECT" => 1 << 8,
        _ => 0,
    }
}

/// A set of methods: standard ones as bits, others by name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MethodSet {
    standard: u16,
    names: &'static [&'static str],
}

impl MethodSet {
    /// The methods a route declared with `names` answers: those, and `HEAD` with `GET` — the one
    /// place that rule is decided. Names that are not standard methods are compared as text.
    pub(crate) const fn for_route(names: &'static [&'static str]) -> Self {
        let mut standard = 0;
        let mut i = 0;
        while i < names.len() {
            standard |= bit_of_name(names[i]);
            i += 1;
        }
        if standard & bit_of_name("GET") != 0 {
            standard |= bit_of_name("HEAD");
        }
        MethodSet { standard, names }
    }

    /// Whether a request could be in both sets.
    pub(crate) fn overlaps(&self, other: MethodSet) -> bool {
        self.standard & other.standard != 0
            || self.names.iter().any(|n| bit_of_name(n) == 0 && other.names.contains(n))
    }

    #[inline]
    pub(crate) fn contains(&self, method: &Method) -> bool {
        match bit(method) {
            Some(bit) => self.standard & bit != 0,
            None => self.names.contains(&method.as_str()),
        }
    }

    /// Every method in the set, `HEAD` included for `GET`: what route introspection lists.
    #[cfg(any(test, feature = "test-kit"))]
    pub(crate) fn names(&self) -> Vec<&'static str> {
        let mut names = self.names.to_vec();
        if self.standard & bit_of_name("HEAD") != 0 && !self.names.contains(&"HEAD") {
            names.push("HEAD");
        }
        names
    }
}

/// The standard methods in the order `Allow` lists them.
const ORDER: [&str; 9] =
    ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"];

/// What a request's path matched but its method did not: the methods of those routes, recorded
/// by their method guards as actix routes the request (a guard runs only once its resource's path
/// and other guards matched), read by the default service to answer `405` with `Allow`.
#[derive(Debug, Default)]
pub(crate) struct Allowed {
    standard: u16,
    names: Vec<&'static str>,
    /// One of those routes hides that it exists (`deny = not_found` on a path without
    /// parameters): the answer is the plain 404, which tells nothing.
    pub(crate) hidden: bool,
}

impl Allowed {
    pub(crate) fn add(&mut self, set: MethodSet, hides: bool) {
        self.standard |= set.standard;
        for name in set.names {
            if bit_of_name(name) == 0 && !self.names.contains(name) {
                self.names.push(name);
            }
        }
        self.hidden |= hides;
    }

    /// The `Allow` header's value: standard methods in a fixed order, then the others.
    pub(crate) fn header(&self) -> String {
        let standard = ORDER.iter().copied().filter(|m| self.standard & bit_of_name(m) != 0);
        standard.chain(self.names.iter().copied()).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_and_other_methods() {
        let set = MethodSet::for_route(&["GET", "PURGE"]);
        for (method, want) in [
            ("GET", true),
            ("HEAD", true),
            ("PURGE", true),
            ("POST", false),
            ("get", false),
            ("PURG", false),
        ] {
            let method = Method::from_bytes(method.as_bytes()).expect("token");
            assert_eq!(set.contains(&method), want, "{method}");
        }
        let mut seen = 0;
        for name in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]
        {
            let method = Method::from_bytes(name.as_bytes()).expect("token");
            assert_eq!(bit(&method), Some(bit_of_name(name)), "{name}");
            assert_eq!(seen & bit_of_name(name), 0, "{name}: one bit per method");
            seen |= bit_of_name(name);
        }
        assert_eq!(bit_of_name("PURGE"), 0);
        assert!(!MethodSet::for_route(&["POST"]).contains(&Method::HEAD), "HEAD only with GET");
        assert!(set.overlaps(MethodSet::for_route(&["HEAD"])));
        assert!(set.overlaps(MethodSet::for_route(&["PURGE"])));
        assert!(!set.overlaps(MethodSet::for_route(&["POST", "PATCH"])));
    }

    #[test]
    fn allow_lists_every_matched_route_s_methods_once_in_order() {
        let mut allowed = Allowed::default();
        allowed.add(MethodSet::for_route(&["PATCH"]), false);
        allowed.add(MethodSet::for_route(&["GET", "PURGE"]), false);
        allowed.add(MethodSet::for_route(&["DELETE", "PURGE"]), false);
        assert_eq!(allowed.header(), "GET, HEAD, PATCH, DELETE, PURGE");
        assert!(!allowed.hidden);
    }
}
