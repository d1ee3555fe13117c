//! An independent SM3 Merkle tree for the tests, written from RFC 9162 §2.1
//! as the RFC states it: recursive functions over the whole list of leaves.
//! It shares nothing with the production code (not its hashing, not its tree
//! maths), so a test that compares the two can fail.

#![allow(dead_code)]

use sm3::{Digest, Sm3};

pub type H = [u8; 32];

/// HASH(0x00 || d(0)): a leaf hash from the entry bytes.
pub fn leaf(entry: &[u8]) -> H {
    let mut h = Sm3::new();
    h.update([0x00]);
    h.update(entry);
    h.finalize().into()
}

fn node(left: &H, right: &H) -> H {
    let mut h = Sm3::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// "the largest power of two smaller than n" (n > 1).
fn k(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// MTH(D[n]) over leaf hashes (the leaf hashes are already HASH(0x00 || d)).
pub fn mth(d: &[H]) -> H {
    match d.len() {
        0 => Sm3::new().finalize().into(),
        1 => d[0],
        n => {
            let k = k(n);
            node(&mth(&d[..k]), &mth(&d[k..]))
        }
    }
}

/// PATH(m, D[n]).
pub fn path(m: usize, d: &[H]) -> Vec<H> {
    let n = d.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = k(n);
    if m < k {
        let mut p = path(m, &d[..k]);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = path(m - k, &d[k..]);
        p.push(mth(&d[..k]));
        p
    }
}

/// PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
pub fn proof(m: usize, d: &[H]) -> Vec<H> {
    subproof(m, d, true)
}

fn subproof(m: usize, d: &[H], b: bool) -> Vec<H> {
    let n = d.len();
    if m == n {
        return if b { Vec::new() } else { vec![mth(d)] };
    }
    let k = k(n);
    if m <= k {
        let mut p = subproof(m, &d[..k], b);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}

/// Hex, lowercase.
pub fn hex(h: &H) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}
