//! The checker's side: RFC 9162's verification algorithms and a root computed
//! from the leaves alone. Nothing here uses [`crate::tree`]: a verifier trusts
//! only the hash rules and what it is given.
//!
//! Guarantees: [`inclusion`] and [`consistency`] follow RFC 9162 §2.1.3.2 and
//! §2.1.4.2 step by step and accept exactly the proofs those algorithms accept
//! (a consistency proof between equal sizes is empty and the roots are equal;
//! a proof from the empty tree is refused: there is nothing to prove);
//! [`Root`] computes the Merkle tree hash of any number of leaves in one pass
//! with O(log n) memory.

use crate::hash::{Hash, empty_root, node_hash};

/// Whether `proof` shows that `leaf` is leaf number `index` of the tree of `size` leaves whose root is `root`.
pub fn inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && r == *root
}

/// Whether `proof` shows that the tree of `first` leaves with root `first_root`
/// is a prefix of the tree of `second` leaves with root `second_root`.
pub fn consistency(first: u64, second: u64, first_root: &Hash, second_root: &Hash, proof: &[Hash]) -> bool {
    if first == 0 || first > second {
        return false;
    }
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let (mut fn_, mut sn) = (first - 1, second - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    fr == *first_root && sr == *second_root && sn == 0
}

/// The root of a tree fed one leaf hash at a time.
#[derive(Debug, Default, Clone)]
pub struct Root {
    /// Roots of the complete subtrees so far, with their sizes, largest first.
    stack: Vec<(u64, Hash)>,
}

impl Root {
    pub fn new() -> Root {
        Root::default()
    }

    /// Adds the next leaf.
    pub fn push(&mut self, leaf: Hash) {
        let mut item = (1u64, leaf);
        while let Some(&(size, left)) = self.stack.last() {
            if size != item.0 {
                break;
            }
            self.stack.pop();
            item = (size * 2, node_hash(&left, &item.1));
        }
        self.stack.push(item);
    }

    /// The Merkle tree hash of the leaves so far.
    pub fn root(&self) -> Hash {
        let mut parts = self.stack.iter().rev();
        let Some(&(_, mut acc)) = parts.next() else { return empty_root() };
        for (_, left) in parts {
            acc = node_hash(left, &acc);
        }
        acc
    }
}
