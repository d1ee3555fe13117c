//! Chinese full-text matching with real word segmentation (jieba).
//!
//! Guarantees: a document matches a query when every word of the query (jieba's
//! precise mode) is among the document's words — all dictionary words jieba
//! finds in it (full mode), so 北京理工大学教育基金会 holds 北京、理工大学、
//! 大学、教育、基金会 … — or — for codes and words jieba does not split the same way —
//! when the query occurs literally in the document. Results come back in
//! ascending id order. The index is in memory and rebuilt from the database on
//! start, so it cannot drift from it across restarts.

use jieba_rs::Jieba;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

/// The shared segmenter (loading the dictionary takes a moment; do it once).
pub fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(Jieba::new)
}

fn clean<'a>(ws: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = ws
        .into_iter()
        .map(|w| w.trim().to_lowercase())
        .filter(|w| !w.is_empty() && w.chars().any(|c| c.is_alphanumeric()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Every word of a document: jieba's full mode (all dictionary words) and its
/// search mode (which also keeps words not in the dictionary), lower-cased,
/// without punctuation and spaces.
pub fn words(text: &str) -> Vec<String> {
    let j = jieba();
    let full = j.cut_all(text);
    let search = j.cut_for_search(text, true);
    clean(full.into_iter().map(|t| t.word).chain(search.into_iter().map(|t| t.word)))
}

/// The words a query asks for: jieba's precise mode.
pub fn query_words(text: &str) -> Vec<String> {
    clean(jieba().cut(text, true).into_iter().map(|t| t.word))
}

/// An inverted index from words to document ids, with the texts kept for the
/// literal fallback.
#[derive(Default)]
pub struct TextIndex {
    postings: HashMap<String, BTreeSet<i64>>,
    texts: HashMap<i64, (String, Vec<String>)>,
}

impl TextIndex {
    pub fn new() -> TextIndex {
        TextIndex::default()
    }

    pub fn len(&self) -> usize {
        self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// Adds or replaces the text of a document.
    pub fn upsert(&mut self, id: i64, text: &str) {
        self.remove(id);
        let ws = words(text);
        for w in &ws {
            self.postings.entry(w.clone()).or_default().insert(id);
        }
        self.texts.insert(id, (text.to_lowercase(), ws));
    }

    pub fn remove(&mut self, id: i64) {
        if let Some((_, ws)) = self.texts.remove(&id) {
            for w in ws {
                if let Some(set) = self.postings.get_mut(&w) {
                    set.remove(&id);
                    if set.is_empty() {
                        self.postings.remove(&w);
                    }
                }
            }
        }
    }

    /// Ids of the documents matching `query` (see the module header).
    pub fn query(&self, query: &str) -> Vec<i64> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        let ws = query_words(&q);
        let mut sets: Vec<&BTreeSet<i64>> = Vec::with_capacity(ws.len());
        let mut all_known = !ws.is_empty();
        for w in &ws {
            match self.postings.get(w) {
                Some(s) => sets.push(s),
                None => all_known = false,
            }
        }
        if all_known {
            sets.sort_by_key(|s| s.len());
            let hits: Vec<i64> = sets[0].iter().copied().filter(|id| sets[1..].iter().all(|s| s.contains(id))).collect();
            if !hits.is_empty() {
                return hits;
            }
        }
        let mut literal: Vec<i64> = self.texts.iter().filter(|(_, (t, _))| t.contains(&q)).map(|(id, _)| *id).collect();
        literal.sort_unstable();
        literal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> TextIndex {
        let mut ix = TextIndex::new();
        ix.upsert(1, "北京理工大学教育基金会");
        ix.upsert(2, "中国乡村发展基金会");
        ix.upsert(3, "云南省青少年发展基金会");
        ix.upsert(4, "彝良县助学服务中心");
        ix
    }

    #[test]
    fn a_two_character_word_finds_the_long_name_containing_it() {
        let ix = index();
        assert_eq!(ix.query("教育"), vec![1]);
        assert_eq!(ix.query("基金会"), vec![1, 2, 3]);
        assert_eq!(ix.query("乡村 基金会"), vec![2]);
        assert_eq!(ix.query("理工大学"), vec![1]);
        assert_eq!(ix.query("北京理工大学 基金会"), vec![1]);
    }

    #[test]
    fn words_are_not_matched_across_word_boundaries() {
        // 育基 spans 教育|基金会: a literal substring, not a word.
        let ix = index();
        assert!(ix.query("乡村教育").is_empty());
        assert!(ix.query("").is_empty());
    }

    #[test]
    fn literal_fallback_finds_codes_and_unsegmented_text() {
        let mut ix = index();
        ix.upsert(5, "53530628DJ000002X 彝良县助学服务中心");
        assert_eq!(ix.query("dj000002"), vec![5]);
    }

    #[test]
    fn upsert_replaces_and_remove_forgets() {
        let mut ix = index();
        ix.upsert(1, "北京理工大学校友会");
        assert!(ix.query("教育").is_empty());
        assert_eq!(ix.query("校友会"), vec![1]);
        ix.remove(1);
        assert!(ix.query("校友会").is_empty());
        assert_eq!(ix.len(), 3);
    }
}
