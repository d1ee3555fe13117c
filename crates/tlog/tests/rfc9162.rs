//! The production tree, proofs and verifier against the independent RFC 9162
//! implementation in `reference/`, and SM2 against GB/T 32918.5's example.

mod reference;

use duijie_tlog::note::{self, Checkpoint, PrivateKey, PublicKey};
use duijie_tlog::tree::{self, NodeId};
use duijie_tlog::{Hash, verify};
use std::collections::HashMap;

fn leaves(n: usize) -> Vec<Hash> {
    (0..n).map(|i| reference::leaf(format!("entry {i}").as_bytes())).collect()
}

/// The stored subtrees, built one append at a time as the database builds them.
fn stored(leaves: &[Hash]) -> HashMap<NodeId, Hash> {
    let mut s = HashMap::new();
    for (i, leaf) in leaves.iter().enumerate() {
        let i = i as u64;
        let needed: Vec<Hash> = tree::append_needs(i).iter().map(|id| s[id]).collect();
        s.insert(NodeId { level: 0, index: i }, *leaf);
        s.extend(tree::append(i, &needed, *leaf));
    }
    s
}

#[test]
fn leaf_and_node_hashes_are_the_rfc_rules_with_sm3() {
    assert_eq!(duijie_tlog::leaf_hash(b"abc"), reference::leaf(b"abc"));
    let d = leaves(2);
    assert_eq!(tree::range_hash(&[d[0], d[1]]).unwrap(), reference::mth(&d));
    // SM3("abc") from GB/T 32905's example, through the empty-root rule's hash.
    assert_eq!(duijie_tlog::hex(&duijie_tlog::hash::sm3(b"abc")), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

#[test]
fn roots_and_proofs_equal_the_reference_for_every_small_tree() {
    let all = leaves(70);
    let s = stored(&all);
    let lookup = |id: NodeId| s.get(&id).copied();
    for n in 1..=all.len() {
        let d = &all[..n];
        let root = tree::hashes_of(&[(0, n as u64)], lookup).unwrap()[0];
        assert_eq!(root, reference::mth(d), "root of {n}");
        let mut streamed = verify::Root::new();
        d.iter().for_each(|l| streamed.push(*l));
        assert_eq!(streamed.root(), root, "streamed root of {n}");
        for m in 0..n {
            let p = tree::hashes_of(&tree::inclusion_ranges(m as u64, n as u64), lookup).unwrap();
            assert_eq!(p, reference::path(m, d), "PATH({m}, D[{n}])");
            assert!(verify::inclusion(m as u64, n as u64, &d[m], &p, &root));
            // Any other leaf or position is refused. (The size is bound by the
            // signed checkpoint, not by the proof: RFC 9162 proofs for sizes 3
            // and 4 can coincide, so that is not asserted here.)
            assert!(!verify::inclusion(m as u64, n as u64, &reference::leaf(b"other"), &p, &root));
            if n > 1 {
                assert!(!verify::inclusion(((m + 1) % n) as u64, n as u64, &d[m], &p, &root) || d[m] == d[(m + 1) % n]);
            }
        }
        for m in 1..=n {
            let p = tree::hashes_of(&tree::consistency_ranges(m as u64, n as u64), lookup).unwrap();
            assert_eq!(p, reference::proof(m, d), "PROOF({m}, D[{n}])");
            let old = reference::mth(&d[..m]);
            assert!(verify::consistency(m as u64, n as u64, &old, &root, &p), "consistency {m} → {n}");
            assert!(!verify::consistency(m as u64, n as u64, &reference::leaf(b"forged"), &root, &p));
            if !p.is_empty() {
                let mut bad = p.clone();
                bad[0][0] ^= 1;
                assert!(!verify::consistency(m as u64, n as u64, &old, &root, &bad));
            }
        }
    }
}

#[test]
fn a_forked_history_is_not_consistent() {
    let honest = leaves(20);
    let mut forked = honest.clone();
    forked[5] = reference::leaf(b"rewritten");
    let s = stored(&forked);
    let p = tree::hashes_of(&tree::consistency_ranges(10, 20), |id| s.get(&id).copied()).unwrap();
    assert!(!verify::consistency(10, 20, &reference::mth(&honest[..10]), &reference::mth(&forked), &p));
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// GB/T 32918.5-2017 (GM/T 0003.5) Annex: the recommended curve, private key dA,
/// message "message digest", identity 1234567812345678 and the signature (r, s).
const D_A: &str = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8";
const X_A: &str = "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020";
const Y_A: &str = "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13";
const R: &str = "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3";
const S: &str = "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa";

fn vector_point() -> Vec<u8> {
    [vec![4u8], unhex(X_A), unhex(Y_A)].concat()
}

/// dA in the private key file form, with the key ID of the standard's public
/// key (xA, yA): parsing refuses it unless dA's public half is that point.
fn vector_key(name: &str) -> PrivateKey {
    use base64::Engine;
    let raw = [b"\xffsm2-sm3".as_slice(), &unhex(D_A)].concat();
    let text = format!("PRIVATE+KEY+{name}+{}+{}", key_id(name, &vector_point()), base64::engine::general_purpose::STANDARD.encode(&raw));
    PrivateKey::parse(&text).expect("dA's public key is the standard's (xA, yA)")
}

/// The key ID the signed-note rule gives (SHA-256 over name, newline, type, point), computed here.
fn key_id(name: &str, point: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n\xffsm2-sm3");
    h.update(point);
    h.finalize()[..4].iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn sm2_matches_the_gbt_32918_example() {
    let key = vector_key("gbt32918.example/log");
    let public = key.public();
    // The public key the standard derives from dA.
    let encoded = public.encode();
    assert!(encoded.starts_with(&format!("gbt32918.example/log+{}+", key_id("gbt32918.example/log", &vector_point()))));
    let parsed = PublicKey::parse(&encoded).unwrap();
    // The standard's signature of "message digest" verifies with the platform's check ...
    let sig = [unhex(R), unhex(S)].concat();
    assert!(parsed.verifies(b"message digest", &sig));
    // ... and nothing else does.
    assert!(!parsed.verifies(b"message digesT", &sig));
    let mut flipped = sig.clone();
    flipped[63] ^= 1;
    assert!(!parsed.verifies(b"message digest", &flipped));
    // A checkpoint signed with the standard's key opens with its public key.
    let cp = Checkpoint { origin: "gbt32918.example/log".into(), size: 3, root: [7u8; 32] };
    let signed = key.sign(&cp.body());
    assert_eq!(Checkpoint::parse(note::open(&signed, &parsed).unwrap()).unwrap(), cp);
}
