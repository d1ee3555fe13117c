//! The writer's side of the tree: which complete subtrees are stored, which
//! ones a new leaf finishes, and which stored subtrees make up a proof.
//!
//! Guarantees:
//! - Only complete subtrees are ever stored ([`NodeId`]): node (level, index)
//!   covers leaves `[index·2^level, (index+1)·2^level)`, so a stored hash never
//!   changes once written.
//! - Appending leaf `n` needs the stored hashes of the `trailing_ones(n)`
//!   smallest subtrees of the tree of size `n` ([`append_needs`]) and yields the
//!   subtrees it completes ([`append`]): amortised one node per leaf.
//! - The hash of any range that RFC 9162's recursion produces is the fold of at
//!   most 64 complete subtrees ([`subtrees`], [`range_hash`]); an inclusion or
//!   consistency proof is a list of such ranges ([`inclusion_ranges`],
//!   [`consistency_ranges`]), so it costs O(log² n) hashes and O(log n) distinct
//!   stored reads at worst, never a pass over the leaves.

use crate::hash::{Hash, node_hash};

/// A complete subtree: leaves `[index << level, (index + 1) << level)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

/// A half-open range of leaf indexes `[start, end)`.
pub type Range = (u64, u64);

/// The complete subtrees whose concatenation is `[start, end)`, largest first.
/// For the ranges of RFC 9162's recursion (whose start is a multiple of the
/// largest power of two not above their size) this is the split the RFC makes.
pub fn subtrees(start: u64, end: u64) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut at = start;
    while at < end {
        let mut level = 63 - (end - at).leading_zeros();
        while level > 0 && at & ((1u64 << level) - 1) != 0 {
            level -= 1;
        }
        out.push(NodeId { level: level as u8, index: at >> level });
        at += 1u64 << level;
    }
    out
}

/// The hash of a range from the hashes of its [`subtrees`], in the same order:
/// RFC 9162's MTH, which hashes the right-hand part first.
pub fn range_hash(parts: &[Hash]) -> Option<Hash> {
    let (last, rest) = parts.split_last()?;
    Some(rest.iter().rev().fold(*last, |right, left| node_hash(left, &right)))
}

/// The stored subtrees that appending leaf number `size` (the tree's size before
/// it) merges with, smallest last.
pub fn append_needs(size: u64) -> Vec<NodeId> {
    let all = subtrees(0, size);
    let merges = size.trailing_ones() as usize;
    all[all.len() - merges..].to_vec()
}

/// The complete subtrees (level ≥ 1) that leaf number `size` finishes, given
/// the hashes of [`append_needs`]`(size)` in that order and the new leaf's hash.
pub fn append(size: u64, needed: &[Hash], leaf: Hash) -> Vec<(NodeId, Hash)> {
    let mut out = Vec::with_capacity(needed.len());
    let mut hash = leaf;
    let mut index = size;
    for (level, left) in (1u8..).zip(needed.iter().rev()) {
        hash = node_hash(left, &hash);
        index >>= 1;
        out.push((NodeId { level, index }, hash));
    }
    out
}

fn largest_power_below(n: u64) -> u64 {
    // The largest power of two strictly smaller than n (n ≥ 2).
    1u64 << (63 - (n - 1).leading_zeros())
}

/// RFC 9162 §2.1.3.1 PATH(m, D[n]) as the ranges whose hashes form it, leaf side first.
pub fn inclusion_ranges(index: u64, size: u64) -> Vec<Range> {
    fn path(m: u64, start: u64, end: u64, out: &mut Vec<Range>) {
        let n = end - start;
        if n <= 1 {
            return;
        }
        let k = largest_power_below(n);
        if m < k {
            path(m, start, start + k, out);
            out.push((start + k, end));
        } else {
            path(m - k, start + k, end, out);
            out.push((start, start + k));
        }
    }
    let mut out = Vec::new();
    if index < size {
        path(index, 0, size, &mut out);
    }
    out
}

/// RFC 9162 §2.1.4.1 PROOF(m, D[n]) as the ranges whose hashes form it (0 < m ≤ n).
pub fn consistency_ranges(m: u64, n: u64) -> Vec<Range> {
    fn subproof(m: u64, start: u64, end: u64, whole: bool, out: &mut Vec<Range>) {
        let n = end - start;
        if m == n {
            if !whole {
                out.push((start, end));
            }
            return;
        }
        let k = largest_power_below(n);
        if m <= k {
            subproof(m, start, start + k, whole, out);
            out.push((start + k, end));
        } else {
            subproof(m - k, start + k, end, false, out);
            out.push((start, start + k));
        }
    }
    let mut out = Vec::new();
    if 0 < m && m <= n {
        subproof(m, 0, n, true, &mut out);
    }
    out
}

/// Every stored subtree that the hashes of `ranges` are made of, without repeats.
pub fn nodes_of(ranges: &[Range]) -> Vec<NodeId> {
    let mut all: Vec<NodeId> = ranges.iter().flat_map(|&(s, e)| subtrees(s, e)).collect();
    all.sort();
    all.dedup();
    all
}

/// The hashes of `ranges` from the stored subtrees `lookup` gives (None if one is missing).
pub fn hashes_of(ranges: &[Range], lookup: impl Fn(NodeId) -> Option<Hash>) -> Option<Vec<Hash>> {
    ranges
        .iter()
        .map(|&(s, e)| {
            let parts: Option<Vec<Hash>> = subtrees(s, e).into_iter().map(&lookup).collect();
            range_hash(&parts?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use std::collections::HashMap;

    /// A store built leaf by leaf with `append`, as the database is.
    fn build(n: u64) -> HashMap<NodeId, Hash> {
        let mut stored = HashMap::new();
        for i in 0..n {
            let leaf = leaf_hash(&i.to_be_bytes());
            let needed: Vec<Hash> = append_needs(i).iter().map(|id| stored[id]).collect();
            stored.insert(NodeId { level: 0, index: i }, leaf);
            stored.extend(append(i, &needed, leaf));
        }
        stored
    }

    #[test]
    fn every_complete_subtree_is_stored_and_nothing_else() {
        let stored = build(37);
        // 37 leaves, 18 + 9 + 4 + 2 + 1 complete nodes above them.
        assert_eq!(stored.len(), 37 + 18 + 9 + 4 + 2 + 1);
        for (id, hash) in &stored {
            if id.level > 0 {
                let l = stored[&NodeId { level: id.level - 1, index: id.index * 2 }];
                let r = stored[&NodeId { level: id.level - 1, index: id.index * 2 + 1 }];
                assert_eq!(*hash, node_hash(&l, &r));
            }
        }
    }

    #[test]
    fn subtrees_split_as_the_rfc_recursion_does() {
        assert_eq!(subtrees(0, 7), vec![NodeId { level: 2, index: 0 }, NodeId { level: 1, index: 2 }, NodeId { level: 0, index: 6 }]);
        assert_eq!(subtrees(8, 12), vec![NodeId { level: 2, index: 2 }]);
        assert!(subtrees(5, 5).is_empty());
    }

    #[test]
    fn proofs_need_few_stored_nodes() {
        let n = 1_000_000_007u64;
        assert!(nodes_of(&inclusion_ranges(123_456_789, n)).len() <= 64);
        assert!(nodes_of(&consistency_ranges(999_999_937, n)).len() <= 64);
    }
}
