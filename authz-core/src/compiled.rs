//! Requirements compiled against a catalog: bit masks instead of names.

use crate::catalog::Catalog;
use crate::requirement::Requirement;
use crate::set::{Bits, PermissionSet, WORDS};

/// A [`Requirement`] resolved against one catalog, so checking an actor's [`PermissionSet`] is a
/// few word-wide ANDs: no name is looked up per request.
///
/// Flat shapes — one permission, `any(...)` or `all(...)` of permissions — become one mask (one
/// word test when the catalog has up to 64 permissions); nested ones keep their tree over catalog
/// indices. A permission the catalog does not declare can be held
/// by nobody, so it compiles to "never".
///
/// ```
/// use authz_core::{Catalog, Permission, PermissionDef, Requirement, RoleDef};
///
/// const READ: Permission = Permission::new("doc:read");
/// const WRITE: Permission = Permission::new("doc:write");
/// static CATALOG: Catalog = Catalog::new(
///     &[PermissionDef { permission: READ, description: "r" }, PermissionDef { permission: WRITE, description: "w" }],
///     &[RoleDef { name: "reader", permissions: &[READ] }],
/// );
/// static NEEDS: Requirement = Requirement::Any(&[Requirement::Permission(READ), Requirement::Permission(WRITE)]);
///
/// let compiled = NEEDS.compile(&CATALOG);
/// let reader = CATALOG.actor(1, ["reader"]).unwrap();
/// assert_eq!(compiled.check(reader.permissions()), Some(true));
/// ```
#[derive(Debug, Clone)]
pub struct CompiledRequirement {
    catalog: &'static Catalog,
    // Every requirement that reduces to one word of the set — one permission, `any`/`all` within a
    // catalog of up to 64 permissions, "always", "never" — is this test, with no dispatch:
    // `((set[word] & mask) == expect) != negate`.
    word: usize,
    mask: u64,
    expect: u64,
    negate: bool,
    // Anything else (nested trees, masks spanning words) evaluates this instead.
    tree: Option<Box<Node>>,
}

#[derive(Debug, Clone)]
enum Node {
    Always,
    Never,
    /// At least one bit of the mask.
    AnyOf(Bits),
    /// Every bit of the mask.
    AllOf(Bits),
    Any(Vec<Node>),
    All(Vec<Node>),
}

impl Requirement {
    /// Resolves this requirement against `catalog` (see [`CompiledRequirement`]).
    pub fn compile(&self, catalog: &'static Catalog) -> CompiledRequirement {
        let node = compile(self, catalog);
        // (word, mask, expect, negate) for the shapes that are one word test.
        let flat = match &node {
            Node::Always => Some((0, 0, 0, false)),
            Node::Never => Some((0, 0, 0, true)),
            // Some bit of the mask: not (held & mask == 0).
            Node::AnyOf(mask) => mask.single_word().map(|(w, m)| (w, m, 0, true)),
            // Every bit of the mask: held & mask == mask.
            Node::AllOf(mask) => mask.single_word().map(|(w, m)| (w, m, m, false)),
            Node::Any(_) | Node::All(_) => None,
        };
        match flat {
            Some((word, mask, expect, negate)) => {
                CompiledRequirement { catalog, word, mask, expect, negate, tree: None }
            }
            None => CompiledRequirement {
                catalog,
                word: 0,
                mask: 0,
                expect: 0,
                negate: false,
                tree: Some(Box::new(node)),
            },
        }
    }
}

fn compile(req: &Requirement, catalog: &'static Catalog) -> Node {
    match req {
        Requirement::Authenticated => Node::Always,
        Requirement::Permission(p) => match catalog.index_of(*p) {
            Some(i) => {
                let mut bits = Bits::default();
                bits.insert(i);
                Node::AnyOf(bits)
            }
            None => Node::Never,
        },
        Requirement::Any(items) => {
            let nodes: Vec<Node> = items.iter().map(|r| compile(r, catalog)).collect();
            if nodes.iter().any(|n| matches!(n, Node::Always)) {
                return Node::Always;
            }
            let nodes: Vec<Node> =
                nodes.into_iter().filter(|n| !matches!(n, Node::Never)).collect();
            // any(a, b, c) of single permissions is one mask.
            if nodes.iter().all(|n| matches!(n, Node::AnyOf(_))) {
                let mut mask = Bits::default();
                for n in &nodes {
                    if let Node::AnyOf(b) = n {
                        mask.union_with(b);
                    }
                }
                return if mask == Bits::default() { Node::Never } else { Node::AnyOf(mask) };
            }
            Node::Any(nodes)
        }
        Requirement::All(items) => {
            let nodes: Vec<Node> = items.iter().map(|r| compile(r, catalog)).collect();
            if nodes.iter().any(|n| matches!(n, Node::Never)) {
                return Node::Never;
            }
            let nodes: Vec<Node> =
                nodes.into_iter().filter(|n| !matches!(n, Node::Always)).collect();
            if nodes.is_empty() {
                return Node::Always;
            }
            // all(a, b, c) of single permissions is one mask.
            if nodes.iter().all(|n| matches!(n, Node::AnyOf(b) if b.count() == 1)) {
                let mut mask = Bits::default();
                for n in &nodes {
                    if let Node::AnyOf(b) = n {
                        mask.union_with(b);
                    }
                }
                return Node::AllOf(mask);
            }
            Node::All(nodes)
        }
    }
}

impl Node {
    fn eval(&self, held: &Bits) -> bool {
        match self {
            Node::Always => true,
            Node::Never => false,
            Node::AnyOf(mask) => held.intersects(mask),
            Node::AllOf(mask) => held.contains_all(mask),
            Node::Any(nodes) => nodes.iter().any(|n| n.eval(held)),
            Node::All(nodes) => nodes.iter().all(|n| n.eval(held)),
        }
    }
}

impl CompiledRequirement {
    /// Whether `set` meets the requirement; `None` when `set` is drawn from another catalog (then
    /// evaluate the [`Requirement`] itself).
    #[inline]
    pub fn check(&self, set: &PermissionSet) -> Option<bool> {
        if !core::ptr::eq(set.catalog(), self.catalog) {
            return None;
        }
        let held = set.bits();
        Some(match &self.tree {
            None => ((held.word(self.word) & self.mask) == self.expect) != self.negate,
            Some(tree) => tree.eval(held),
        })
    }

    /// The catalog this was compiled against.
    pub fn catalog(&self) -> &'static Catalog {
        self.catalog
    }
}

const _: () = assert!(WORDS == 4, "Bits helpers below assume the inline four-word set");
