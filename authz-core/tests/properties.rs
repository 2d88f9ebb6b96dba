//! Properties: requirement evaluation against a naive oracle over sets of strings, and the
//! permission grammar against its definition — on arbitrary input, which must never panic.

use std::collections::HashSet;

use authz_core::{ActorId, Catalog, Permission, PermissionDef, Principal, Requirement, RoleDef};
use proptest::prelude::*;

const NAMES: [&str; 6] = ["a:read", "a:write", "b:read", "b:admin", "c:x", "d:y"];

/// The catalog declares the first five names; `d:y` is undeclared, so nobody can hold it.
static CATALOG: Catalog = Catalog::new(
    &[
        PermissionDef { permission: Permission::new("a:read"), description: "-" },
        PermissionDef { permission: Permission::new("a:write"), description: "-" },
        PermissionDef { permission: Permission::new("b:read"), description: "-" },
        PermissionDef { permission: Permission::new("b:admin"), description: "-" },
        PermissionDef { permission: Permission::new("c:x"), description: "-" },
    ],
    &[RoleDef { name: "none", permissions: &[] }],
);

/// A requirement tree, as plain data.
#[derive(Debug, Clone)]
enum Tree {
    Leaf(usize),
    Any(Vec<Tree>),
    All(Vec<Tree>),
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = (0..NAMES.len()).prop_map(Tree::Leaf);
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Tree::Any),
            prop::collection::vec(inner, 1..4).prop_map(Tree::All),
        ]
    })
}

/// The library's representation; leaked, as the macro's are `static`.
fn build(t: &Tree) -> Requirement {
    match t {
        Tree::Leaf(i) => Requirement::Permission(Permission::new(NAMES[*i])),
        Tree::Any(items) => Requirement::Any(Box::leak(
            items.iter().map(build).collect::<Vec<_>>().into_boxed_slice(),
        )),
        Tree::All(items) => Requirement::All(Box::leak(
            items.iter().map(build).collect::<Vec<_>>().into_boxed_slice(),
        )),
    }
}

/// The oracle: what the expression means, over a set of names.
fn naive(t: &Tree, held: &HashSet<&str>) -> bool {
    match t {
        Tree::Leaf(i) => held.contains(NAMES[*i]),
        Tree::Any(items) => items.iter().fold(false, |acc, i| acc | naive(i, held)),
        Tree::All(items) => items.iter().fold(true, |acc, i| acc & naive(i, held)),
    }
}

struct Holder(HashSet<&'static str>);

impl Principal for Holder {
    fn actor_id(&self) -> &ActorId {
        &ActorId::System("proptest")
    }
    fn has_permission(&self, p: Permission) -> bool {
        self.0.contains(p.as_str())
    }
}

/// The grammar, written out independently of `validate`.
fn matches_grammar(s: &str) -> bool {
    fn part(p: &str) -> bool {
        let mut c = p.chars();
        c.next().is_some_and(|f| f.is_ascii_lowercase())
            && c.all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_' || ch == '-')
    }
    let parts: Vec<&str> = s.split(':').collect();
    s.len() <= Permission::MAX_LEN && parts.len() == 2 && part(parts[0]) && part(parts[1])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn requirements_mean_what_they_say(t in tree(), mask in 0u32..64) {
        let held: HashSet<&str> = NAMES.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, n)| *n).collect();
        let requirement = build(&t);
        prop_assert_eq!(requirement.is_satisfied_by(&Holder(held.clone())), naive(&t, &held));
        // Display never panics and names every leaf.
        let text = requirement.to_string();
        for p in requirement.permissions() {
            prop_assert!(text.contains(p.as_str()));
        }
    }

    #[test]
    fn compiled_requirements_agree_with_the_tree(t in tree(), mask in 0u32..64) {
        let mut actor = CATALOG.actor(1, ["none"]).expect("role");
        for (i, name) in NAMES.iter().enumerate() {
            if mask & (1 << i) != 0 {
                actor.grant(Permission::new(name));
            }
        }
        let requirement = build(&t);
        let compiled = requirement.compile(&CATALOG);
        prop_assert_eq!(compiled.check(actor.permissions()), Some(requirement.is_satisfied_by(&actor)));
    }

    #[test]
    fn any_string_is_validated_without_panicking(s in ".{0,160}") {
        prop_assert_eq!(authz_core::permission::validate(&s).is_ok(), matches_grammar(&s), "{:?}", s);
        let leaked: &'static str = Box::leak(s.clone().into_boxed_str());
        prop_assert_eq!(Permission::parse(leaked).is_ok(), matches_grammar(&s));
    }

    #[test]
    fn near_valid_strings_are_judged_exactly(s in "[a-zA-Z0-9_: -]{0,20}") {
        prop_assert_eq!(authz_core::permission::validate(&s).is_ok(), matches_grammar(&s), "{:?}", s);
    }
}
