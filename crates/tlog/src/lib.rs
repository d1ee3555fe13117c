//! The verifiable log's formats and mathematics, shared by the platform (which
//! writes the log) and by anyone who checks it (`duijie log verify`, a witness,
//! a third party's own tool).
//!
//! Guarantees (each is written down in `docs/verifiable-log.md`):
//! - [`entry`]: one audit row has exactly one canonical byte string; the
//!   encoding is injective (every field is length-prefixed or fixed-size).
//! - [`export`]: the compact export of the whole log (public entries' bytes,
//!   the other leaves' hashes) and its one-pass, copy-free reading.
//! - [`hash`]: leaf hash = SM3(0x00 ‖ entry), node hash = SM3(0x01 ‖ left ‖ right),
//!   the Merkle tree hash of RFC 9162 §2.1.1 with SM3.
//! - [`tree`]: the writer's side — which complete subtrees a new leaf finishes,
//!   and which stored subtrees an inclusion or consistency proof is made of
//!   (O(log n) of them, never a rehash of the log).
//! - [`verify`]: the checker's side, RFC 9162 §2.1.3.2 and §2.1.4.2 and a
//!   streaming root computation; it shares nothing with [`tree`] but [`hash`].
//! - [`note`]: checkpoints (C2SP tlog-checkpoint) signed as C2SP signed notes
//!   with SM2 (GB/T 32918, SM3, the standard's default identity), and the key
//!   files, and witnesses' co-signatures (C2SP tlog-cosignature).
//! - [`witness`]: when a witness co-signs a checkpoint (C2SP tlog-witness
//!   `add-checkpoint`) and when it refuses one as a fork.
//!
//! Pure: no I/O anywhere in this crate.

pub mod entry;
pub mod export;
pub mod hash;
pub mod note;
pub mod tree;
pub mod verify;
pub mod witness;

pub use entry::Entry;
pub use hash::{Hash, leaf_hash, node_hash};

/// Hex (lowercase) of a hash, the form the API and receipts use.
pub fn hex(h: &Hash) -> String {
    ::hex::encode(h)
}

/// A hash from its 64 hex digits.
pub fn parse_hex(s: &str) -> Option<Hash> {
    let bytes = ::hex::decode(s.trim()).ok()?;
    bytes.try_into().ok()
}
