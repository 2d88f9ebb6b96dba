//! Permission sets: a fixed-size bitset over a catalog.

use core::fmt;

use crate::catalog::Catalog;
use crate::permission::Permission;

pub(crate) const WORDS: usize = 4;
pub(crate) const CAPACITY: usize = WORDS * 64;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Bits([u64; WORDS]);

impl Bits {
    #[inline]
    pub(crate) fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    #[inline]
    pub(crate) fn contains(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }

    #[inline]
    pub(crate) fn intersects(&self, other: &Bits) -> bool {
        (self.0[0] & other.0[0])
            | (self.0[1] & other.0[1])
            | (self.0[2] & other.0[2])
            | (self.0[3] & other.0[3])
            != 0
    }

    #[inline]
    pub(crate) fn contains_all(&self, other: &Bits) -> bool {
        (0..WORDS).all(|i| self.0[i] & other.0[i] == other.0[i])
    }

    /// `(index, bits)` when every set bit lies in one word.
    pub(crate) fn single_word(&self) -> Option<(usize, u64)> {
        let mut found = None;
        for (i, w) in self.0.iter().enumerate() {
            if *w != 0 {
                if found.is_some() {
                    return None;
                }
                found = Some((i, *w));
            }
        }
        found
    }

    #[inline]
    pub(crate) fn word(&self, i: usize) -> u64 {
        // Callers pass an index below `WORDS`; masking it spares the bounds check on the gate path.
        self.0[i % WORDS]
    }

    pub(crate) fn count(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    #[inline]
    pub(crate) fn union_with(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
    }
}

/// The permissions an actor holds.
///
/// A bitset over the actor's [`Catalog`], held inline (no allocation): a membership test is one
/// bit test after finding the permission's catalog index, which permissions obtained from the
/// catalog carry with them. No string is hashed or allocated per check. A permission the catalog
/// does not declare is never contained: nobody can hold it.
#[derive(Clone, Copy)]
pub struct PermissionSet {
    catalog: &'static Catalog,
    bits: Bits,
}

impl PermissionSet {
    /// The empty set over `catalog`.
    pub fn empty(catalog: &'static Catalog) -> Self {
        PermissionSet { catalog, bits: Bits::default() }
    }

    /// Every permission `catalog` declares.
    pub fn all(catalog: &'static Catalog) -> Self {
        let mut bits = Bits::default();
        for i in 0..catalog.permissions().len() {
            bits.insert(i);
        }
        PermissionSet { catalog, bits }
    }

    pub(crate) fn from_bits(catalog: &'static Catalog, bits: Bits) -> Self {
        PermissionSet { catalog, bits }
    }

    /// Whether `p` is in the set.
    #[inline]
    pub fn contains(&self, p: Permission) -> bool {
        match self.catalog.index_of(p) {
            Some(i) => self.bits.contains(i),
            None => false,
        }
    }

    /// Adds `p`; returns `false` (and adds nothing) when the catalog does not declare it.
    pub fn insert(&mut self, p: Permission) -> bool {
        match self.catalog.index_of(p) {
            Some(i) => {
                self.bits.insert(i);
                true
            }
            None => false,
        }
    }

    /// Whether no permission is held.
    pub fn is_empty(&self) -> bool {
        self.bits == Bits::default()
    }

    /// The held permissions, in catalog order.
    pub fn iter(&self) -> impl Iterator<Item = Permission> + '_ {
        self.catalog
            .permissions()
            .iter()
            .enumerate()
            .filter(|(i, _)| self.bits.contains(*i))
            .map(|(_, d)| d.permission)
    }

    #[inline]
    pub(crate) fn bits(&self) -> &Bits {
        &self.bits
    }

    /// Every permission of either set. Sets over different catalogs do not mix: the result is
    /// `self`'s permissions then.
    #[inline]
    pub fn union(&self, other: &PermissionSet) -> PermissionSet {
        let mut bits = self.bits;
        if core::ptr::eq(self.catalog, other.catalog) {
            bits.union_with(&other.bits);
        }
        PermissionSet { catalog: self.catalog, bits }
    }

    /// The catalog this set is drawn from.
    pub fn catalog(&self) -> &'static Catalog {
        self.catalog
    }
}

impl fmt::Debug for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(|p| p.as_str())).finish()
    }
}
