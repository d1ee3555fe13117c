//! The two hash rules of the tree (RFC 9162 §2.1.1 with SM3 for SHA-256).
//!
//! Guarantees: a leaf hash and a node hash can never be equal for different
//! inputs by construction of the domain-separation byte (0x00 leaf, 0x01 node);
//! the empty tree's root is SM3 of the empty string.

use sm3::{Digest, Sm3};

/// An SM3 digest.
pub type Hash = [u8; 32];

/// SM3(0x00 ‖ entry bytes).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sm3::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

/// SM3(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sm3::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the tree with no leaves: SM3 of the empty string.
pub fn empty_root() -> Hash {
    Sm3::new().finalize().into()
}

/// SM3 of arbitrary bytes (the entry's detail digest).
pub fn sm3(bytes: &[u8]) -> Hash {
    Sm3::digest(bytes).into()
}
