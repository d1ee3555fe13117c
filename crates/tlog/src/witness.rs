//! The witness's rule (C2SP tlog-witness, `add-checkpoint`): a witness holds
//! the newest checkpoint it co-signed for each log and co-signs a new one only
//! if it is signed by the log's key and provably extends the one it holds.
//!
//! Guarantees:
//! - [`AddCheckpoint::encode`] and [`AddCheckpoint::parse`] are inverse: the
//!   request body `old <size>\n`, one base64 hash per line of the consistency
//!   proof from `old` to the new size, a blank line, then the signed note.
//! - [`decide`] accepts only a checkpoint whose note the log's key opens,
//!   whose `old` is exactly the size the witness holds (else [`Refusal::Conflict`]
//!   with that size, so the log can send the right proof), and which is
//!   consistent with the held checkpoint (RFC 9162 §2.1.4.2): a checkpoint of
//!   another history — a rewritten or forked log — is [`Refusal::Fork`], whatever
//!   else it carries. A witness never goes back to a smaller tree.
//! - Pure: the caller keeps the held checkpoints and the clock.

use crate::hash::Hash;
use crate::note::{self, Checkpoint, PublicKey};
use crate::verify;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// An `add-checkpoint` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the log believes the witness holds (0: none).
    pub old: u64,
    /// The consistency proof from `old` to the new checkpoint's size (empty when `old` is 0 or equal).
    pub proof: Vec<Hash>,
    /// The signed checkpoint.
    pub note: String,
}

impl AddCheckpoint {
    /// The request body.
    pub fn encode(&self) -> String {
        let mut body = format!("old {}\n", self.old);
        for h in &self.proof {
            body.push_str(&B64.encode(h));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.note);
        body
    }

    /// Reads a request body.
    pub fn parse(body: &str) -> Result<AddCheckpoint, Refusal> {
        let bad = |why: &str| Refusal::BadRequest(why.to_string());
        let (head, note) = body.split_once("\n\n").ok_or_else(|| bad("缺少空行分隔的检查点"))?;
        let mut lines = head.split('\n');
        let old = lines.next().and_then(|l| l.strip_prefix("old ")).ok_or_else(|| bad("第一行应为 old <大小>"))?;
        if old.is_empty() || !old.bytes().all(|b| b.is_ascii_digit()) || (old.len() > 1 && old.starts_with('0')) {
            return Err(bad("old 后应为十进制数"));
        }
        let old = old.parse().map_err(|_| bad("old 过大"))?;
        let proof = lines
            .map(|l| B64.decode(l).ok().and_then(|b| Hash::try_from(b).ok()).ok_or_else(|| bad("证明中的哈希不是 32 字节的 base64")))
            .collect::<Result<Vec<Hash>, Refusal>>()?;
        if proof.len() > 63 {
            return Err(bad("一致性证明过长"));
        }
        Ok(AddCheckpoint { old, proof, note: note.to_string() })
    }
}

/// Why a witness does not co-sign (with the HTTP status C2SP tlog-witness gives it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 400: the request cannot be read, or claims an impossible size.
    #[error("请求格式不正确：{0}")]
    BadRequest(String),
    /// 404: the witness does not follow a log of this origin.
    #[error("见证方不跟踪这个日志：{0}")]
    UnknownLog(String),
    /// 403: the note is not signed by the log's key.
    #[error("检查点签名无效")]
    BadSignature,
    /// 409: the witness holds a checkpoint of this size, not `old`.
    #[error("见证方持有的检查点大小是 {0}")]
    Conflict(u64),
    /// 422: the new checkpoint is not an extension of the one held — two histories.
    #[error("与见证方已联署的检查点不一致（日志被改写或分叉）：{0}")]
    Fork(String),
}

impl Refusal {
    /// The HTTP status of this refusal.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::BadRequest(_) => 400,
            Refusal::BadSignature => 403,
            Refusal::UnknownLog(_) => 404,
            Refusal::Conflict(_) => 409,
            Refusal::Fork(_) => 422,
        }
    }
}

/// The checkpoint a witness holding `held` moves to on `request`, or why not.
/// `key` is the log's key (looked up by the note's origin line by the caller).
pub fn decide(held: Option<&Checkpoint>, request: &AddCheckpoint, key: &PublicKey) -> Result<Checkpoint, Refusal> {
    let text = note::open(&request.note, key).map_err(|_| Refusal::BadSignature)?;
    let new = Checkpoint::parse(text).map_err(|e| Refusal::BadRequest(e.to_string()))?;
    if new.origin != key.name {
        return Err(Refusal::UnknownLog(new.origin));
    }
    let held_size = held.map_or(0, |h| h.size);
    if request.old != held_size {
        return Err(Refusal::Conflict(held_size));
    }
    if new.size < request.old {
        return Err(Refusal::BadRequest(format!("新检查点的大小 {} 小于 old {}", new.size, request.old)));
    }
    match held {
        None | Some(Checkpoint { size: 0, .. }) => {
            if !request.proof.is_empty() {
                return Err(Refusal::BadRequest("old 为 0 时证明应为空".into()));
            }
        }
        Some(h) if h.size == new.size => {
            if h.root != new.root || !request.proof.is_empty() {
                return Err(Refusal::Fork(format!("同为 {} 条记录，树根不同", new.size)));
            }
        }
        Some(h) => {
            if !verify::consistency(h.size, new.size, &h.root, &new.root, &request.proof) {
                return Err(Refusal::Fork(format!("{} 条到 {} 条的一致性证明不成立", h.size, new.size)));
            }
        }
    }
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::note::PrivateKey;

    /// The root of leaves made from `items`, with the verifier's streaming root.
    fn root(items: &[&str]) -> Hash {
        let mut r = verify::Root::new();
        for i in items {
            r.push(leaf_hash(i.as_bytes()));
        }
        r.root()
    }

    fn signed(key: &PrivateKey, items: &[&str]) -> String {
        key.sign(&Checkpoint { origin: key.public().name, size: items.len() as u64, root: root(items) }.body())
    }

    /// The consistency proof from 2 to 3 leaves: PROOF(2, D[3]) = [MTH(D[2:3])] with D[0:2] complete.
    fn proof_2_to_3(items: &[&str]) -> Vec<Hash> {
        vec![leaf_hash(items[2].as_bytes())]
    }

    #[test]
    fn a_witness_follows_a_growing_log_and_refuses_a_fork() {
        let log = PrivateKey::generate("duijie.test/log").unwrap();
        let key = log.public();
        let first = AddCheckpoint { old: 0, proof: vec![], note: signed(&log, &["a", "b"]) };
        let held = decide(None, &first, &key).unwrap();
        assert_eq!(held.size, 2);
        // The same checkpoint again is fine (nothing new), a grown one with its proof too.
        assert_eq!(decide(Some(&held), &AddCheckpoint { old: 2, proof: vec![], note: first.note.clone() }, &key).unwrap(), held);
        let grown = AddCheckpoint { old: 2, proof: proof_2_to_3(&["a", "b", "c"]), note: signed(&log, &["a", "b", "c"]) };
        let held3 = decide(Some(&held), &grown, &key).unwrap();
        assert_eq!(held3.size, 3);
        // The log believes the witness holds another size: told which.
        assert_eq!(decide(Some(&held3), &grown, &key), Err(Refusal::Conflict(3)));
        // Rewritten history signed with the log's own key: a fork, whatever proof comes with it.
        let forked = AddCheckpoint { old: 3, proof: vec![leaf_hash(b"x")], note: signed(&log, &["a", "b", "x", "d"]) };
        assert!(matches!(decide(Some(&held3), &forked, &key), Err(Refusal::Fork(_))));
        let same_size = AddCheckpoint { old: 3, proof: vec![], note: signed(&log, &["a", "b", "x"]) };
        assert!(matches!(decide(Some(&held3), &same_size, &key), Err(Refusal::Fork(_))));
        // Going back to a smaller tree is refused.
        let smaller = AddCheckpoint { old: 3, proof: vec![], note: signed(&log, &["a", "b"]) };
        assert!(matches!(decide(Some(&held3), &smaller, &key), Err(Refusal::BadRequest(_))));
        // Another key's checkpoint of the same origin, or a damaged note: not signed by the log.
        let impostor = PrivateKey::generate("duijie.test/log").unwrap();
        let other = AddCheckpoint { old: 3, proof: proof_2_to_3(&["a", "b", "c"]), note: signed(&impostor, &["a", "b", "c", "d"]) };
        assert_eq!(decide(Some(&held3), &other, &key), Err(Refusal::BadSignature));
        assert_eq!(Refusal::Fork(String::new()).status(), 422);
    }

    #[test]
    fn requests_round_trip_and_bad_ones_are_named() {
        let log = PrivateKey::generate("duijie.test/log").unwrap();
        let request = AddCheckpoint { old: 2, proof: vec![[7u8; 32], [8u8; 32]], note: signed(&log, &["a", "b", "c"]) };
        assert_eq!(AddCheckpoint::parse(&request.encode()).unwrap(), request);
        let none = AddCheckpoint { old: 0, proof: vec![], note: signed(&log, &["a"]) };
        assert_eq!(AddCheckpoint::parse(&none.encode()).unwrap(), none);
        for bad in ["", "old x\n\nnote", "old 01\n\nnote", "new 1\n\nnote", "old 1\nnot-base64!\n\nnote", "old 1"] {
            assert!(matches!(AddCheckpoint::parse(bad), Err(Refusal::BadRequest(_))), "{bad:?}");
        }
    }
}
