//! The compact export of the whole log (`duijie log export --compact`): every
//! leaf in index order, a public entry as its bytes, any other as its leaf hash.
//!
//! Guarantees: the layout is [`MAGIC`], then for each leaf from index 0 either
//! `0x00 ‖ leaf hash[32]` (an entry out of public view) or
//! `0x01 ‖ u32 big-endian length ‖ entry bytes` (a public entry, whose leaf
//! hash is SM3(0x00 ‖ entry bytes)), and nothing after the last record.
//! [`scan`] finds every record in one pass without copying and refuses a
//! truncated file or an unknown record type; it never allocates more than one
//! offset per record actually present, whatever a length field claims.

use crate::hash::{Hash, leaf_hash};

/// The first bytes of a compact export (and its version).
pub const MAGIC: &[u8] = b"duijie-log-export/v1\n";

const HIDDEN: u8 = 0;
const PUBLIC: u8 = 1;

/// One leaf as the export gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record<'a> {
    /// An entry out of public view: only its leaf hash.
    Hidden(&'a Hash),
    /// A public entry's canonical bytes.
    Public(&'a [u8]),
}

impl Record<'_> {
    /// The leaf hash this record commits to.
    pub fn leaf(&self) -> Hash {
        match self {
            Record::Hidden(h) => **h,
            Record::Public(bytes) => leaf_hash(bytes),
        }
    }
}

/// Appends an entry out of public view.
pub fn put_hidden(out: &mut Vec<u8>, leaf: &Hash) {
    out.push(HIDDEN);
    out.extend_from_slice(leaf);
}

/// Appends a public entry's canonical bytes.
pub fn put_public(out: &mut Vec<u8>, entry: &[u8]) {
    out.push(PUBLIC);
    out.extend_from_slice(&(entry.len() as u32).to_be_bytes());
    out.extend_from_slice(entry);
}

/// Why a file is not a compact export: the record at `index` (or the header) is cut or unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanError {
    NotAnExport,
    Truncated { index: usize },
    UnknownRecord { index: usize, kind: u8 },
}

/// The records of a compact export, borrowed from `file`.
pub struct Records<'a> {
    body: &'a [u8],
    starts: Vec<usize>,
}

impl<'a> Records<'a> {
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The record of leaf `index` (which [`scan`] has checked is whole).
    pub fn get(&self, index: usize) -> Record<'a> {
        let at = self.starts[index];
        match self.body[at] {
            HIDDEN => Record::Hidden(self.body[at + 1..at + 33].try_into().expect("scan checked the length")),
            _ => {
                let len = u32::from_be_bytes(self.body[at + 1..at + 5].try_into().expect("scan checked the length")) as usize;
                Record::Public(&self.body[at + 5..at + 5 + len])
            }
        }
    }
}

/// Every record's place in `file`, in one pass.
pub fn scan(file: &[u8]) -> Result<Records<'_>, ScanError> {
    let body = file.strip_prefix(MAGIC).ok_or(ScanError::NotAnExport)?;
    let mut starts = Vec::new();
    let mut at = 0;
    while at < body.len() {
        let index = starts.len();
        let end = match body[at] {
            HIDDEN => at + 33,
            PUBLIC => match body.get(at + 1..at + 5) {
                Some(len) => at + 5 + u32::from_be_bytes(len.try_into().expect("four bytes")) as usize,
                None => return Err(ScanError::Truncated { index }),
            },
            kind => return Err(ScanError::UnknownRecord { index, kind }),
        };
        if end > body.len() {
            return Err(ScanError::Truncated { index });
        }
        starts.push(at);
        at = end;
    }
    Ok(Records { body, starts })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut f = MAGIC.to_vec();
        put_public(&mut f, b"first entry");
        put_hidden(&mut f, &[7u8; 32]);
        put_public(&mut f, b"");
        f
    }

    #[test]
    fn records_come_back_in_order_with_their_leaves() {
        let f = sample();
        let r = scan(&f).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r.get(0), Record::Public(b"first entry"));
        assert_eq!(r.get(0).leaf(), leaf_hash(b"first entry"));
        assert_eq!(r.get(1), Record::Hidden(&[7u8; 32]));
        assert_eq!(r.get(1).leaf(), [7u8; 32]);
        assert_eq!(r.get(2), Record::Public(b""));
        assert!(scan(MAGIC).unwrap().is_empty());
    }

    #[test]
    fn a_cut_or_foreign_file_is_refused_at_the_record_concerned() {
        let f = sample();
        let (first, second) = (MAGIC.len() + 16, MAGIC.len() + 16 + 33);
        for cut in MAGIC.len() + 1..f.len() {
            if cut == first || cut == second {
                // Cut between records: a shorter export, which the checkpoint's size exposes.
                assert_eq!(scan(&f[..cut]).unwrap().len(), if cut == first { 1 } else { 2 });
                continue;
            }
            let expected = if cut < first { 0 } else if cut < second { 1 } else { 2 };
            match scan(&f[..cut]) {
                Err(ScanError::Truncated { index }) => assert_eq!(index, expected, "cut at {cut}"),
                other => panic!("cut at {cut}: {:?}", other.map(|r| r.len())),
            }
        }
        assert!(matches!(scan(b"{\"entries\":[]}"), Err(ScanError::NotAnExport)));
        let mut odd = MAGIC.to_vec();
        odd.push(9);
        assert!(matches!(scan(&odd), Err(ScanError::UnknownRecord { index: 0, kind: 9 })));
    }

    #[test]
    fn a_length_larger_than_the_file_allocates_nothing_for_it() {
        let mut f = MAGIC.to_vec();
        f.push(PUBLIC);
        f.extend_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(scan(&f), Err(ScanError::Truncated { index: 0 })));
    }
}
