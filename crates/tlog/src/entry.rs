//! The entry: what one leaf of the log commits to, and its canonical bytes.
//!
//! Guarantees: [`Entry::encode`] is injective and [`Entry::decode`] is its
//! exact inverse (it refuses trailing bytes, a wrong version and invalid UTF-8);
//! [`detail_digest`] commits to the fields that are not public (who acted and
//! the record before and after) so that an entry can be published without them
//! and still be checked against the full audit row by whoever holds it.

use crate::hash::{Hash, sm3};

/// The only encoding version so far (the first byte of every entry).
pub const VERSION: u8 = 1;

/// One log entry: the public fields of an audit row and the digest of the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Position in the log, from 0 (the audit row's sequence number minus one).
    pub index: u64,
    /// When the change was recorded, Unix seconds.
    pub at: i64,
    /// Region code of the changed record.
    pub region: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// [`detail_digest`] of the audit row.
    pub detail: Hash,
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}

/// SM3 over the audit row's private fields:
/// `opt(i64 actor_id) ‖ str(actor) ‖ str(unit) ‖ opt(str before) ‖ opt(str after)`,
/// where `str(s)` is the length as u32 big-endian then the UTF-8 bytes, `opt(x)`
/// is 0x00 when absent and 0x01 ‖ x when present, integers big-endian.
pub fn detail_digest(actor_id: Option<i64>, actor: &str, unit: &str, before: Option<&str>, after: Option<&str>) -> Hash {
    let mut b = Vec::with_capacity(64 + actor.len() + unit.len() + before.map_or(0, str::len) + after.map_or(0, str::len));
    match actor_id {
        None => b.push(0),
        Some(id) => {
            b.push(1);
            b.extend_from_slice(&id.to_be_bytes());
        }
    }
    put_str(&mut b, actor);
    put_str(&mut b, unit);
    put_opt_str(&mut b, before);
    put_opt_str(&mut b, after);
    sm3(&b)
}

impl Entry {
    /// `0x01 ‖ u64 index ‖ i64 at ‖ str region ‖ str action ‖ str entity ‖ str entity_id ‖ detail[32]`.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(1 + 8 + 8 + 16 + self.region.len() + self.action.len() + self.entity.len() + self.entity_id.len() + 32);
        b.push(VERSION);
        b.extend_from_slice(&self.index.to_be_bytes());
        b.extend_from_slice(&self.at.to_be_bytes());
        put_str(&mut b, &self.region);
        put_str(&mut b, &self.action);
        put_str(&mut b, &self.entity);
        put_str(&mut b, &self.entity_id);
        b.extend_from_slice(&self.detail);
        b
    }

    /// The entry these bytes encode, or `None` if they are not exactly one encoded entry.
    pub fn decode(bytes: &[u8]) -> Option<Entry> {
        let (index, at, [region, action, entity, entity_id], detail) = parse(bytes)?;
        Some(Entry { index, at, region: region.into(), action: action.into(), entity: entity.into(), entity_id: entity_id.into(), detail })
    }

    /// The index these bytes carry if they are exactly one encoded entry (what
    /// [`Entry::decode`] accepts), without copying any of its fields.
    pub fn index_of(bytes: &[u8]) -> Option<u64> {
        parse(bytes).map(|(index, ..)| index)
    }

    /// This entry's leaf hash.
    pub fn leaf_hash(&self) -> Hash {
        crate::hash::leaf_hash(&self.encode())
    }
}

/// The fields of exactly one encoded entry, borrowed from `bytes`.
fn parse(bytes: &[u8]) -> Option<(u64, i64, [&str; 4], Hash)> {
    let mut r = Reader(bytes);
    if r.take(1)? != [VERSION] {
        return None;
    }
    let index = u64::from_be_bytes(r.take(8)?.try_into().ok()?);
    let at = i64::from_be_bytes(r.take(8)?.try_into().ok()?);
    let texts = [r.string()?, r.string()?, r.string()?, r.string()?];
    let detail: Hash = r.take(32)?.try_into().ok()?;
    r.0.is_empty().then_some((index, at, texts, detail))
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn string(&mut self) -> Option<&'a str> {
        let len = u32::from_be_bytes(self.take(4)?.try_into().ok()?) as usize;
        std::str::from_utf8(self.take(len)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Entry {
        Entry {
            index: 41,
            at: 1_764_000_000,
            region: "530628".into(),
            action: "pairing.signed".into(),
            entity: "pairing".into(),
            entity_id: "7".into(),
            detail: detail_digest(Some(3), "彝良县乡村振兴局", "彝良县", None, Some("{\"a\":1}")),
        }
    }

    #[test]
    fn the_documented_layout() {
        let e = sample();
        let b = e.encode();
        assert_eq!(b[0], 1);
        assert_eq!(&b[1..9], &41u64.to_be_bytes());
        assert_eq!(&b[9..17], &1_764_000_000i64.to_be_bytes());
        assert_eq!(&b[17..21], &6u32.to_be_bytes());
        assert_eq!(&b[21..27], b"530628");
        assert_eq!(&b[b.len() - 32..], &e.detail);
        assert_eq!(b.len(), 1 + 8 + 8 + (4 + 6) + (4 + 14) + (4 + 7) + (4 + 1) + 32);
    }

    #[test]
    fn detail_distinguishes_absent_from_empty() {
        assert_ne!(detail_digest(None, "a", "b", None, None), detail_digest(None, "a", "b", Some(""), None));
        assert_ne!(detail_digest(None, "ab", "", None, None), detail_digest(None, "a", "b", None, None));
    }

    #[test]
    fn decode_refuses_what_is_not_one_entry() {
        let b = sample().encode();
        assert!(Entry::decode(&b[..b.len() - 1]).is_none());
        let mut longer = b.clone();
        longer.push(0);
        assert!(Entry::decode(&longer).is_none());
        let mut v2 = b.clone();
        v2[0] = 2;
        assert!(Entry::decode(&v2).is_none());
        assert_eq!(Entry::index_of(&b), Some(41));
        for bad in [&b[..b.len() - 1], &longer[..], &v2[..]] {
            assert_eq!(Entry::index_of(bad), None);
        }
    }

    proptest! {
        #[test]
        fn decode_inverts_encode(index in any::<u64>(), at in any::<i64>(), region in ".{0,12}", action in ".{0,20}", entity in ".{0,10}", id in ".{0,10}", detail in any::<[u8; 32]>()) {
            let e = Entry { index, at, region, action, entity, entity_id: id, detail };
            prop_assert_eq!(Entry::decode(&e.encode()), Some(e));
        }
    }
}
