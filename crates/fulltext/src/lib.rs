//! On-disk Chinese full-text search over demands (需求), offers (供给) and
//! organisations, for the demand/supply library, with access scope and filters.
//!
//! Guarantees:
//! - Word semantics are those of `duijie_search::TextIndex`: a document matches a
//!   text query when every query word (jieba precise mode, `duijie_search::query_words`)
//!   is among the document's words (`duijie_search::words`: full + search mode) in its
//!   title or body. So 教育 finds 北京理工大学教育基金会, and 乡村教育 (乡村 + 教育) does
//!   not match 教育基金会. A query word made of ASCII letters and digits also matches a
//!   document whose code equals it, contains it (at least 4 characters), or — for a 6, 9
//!   or 12-digit word — whose region lies in that region's subtree; case is ignored.
//!   A non-empty text without any word matches nothing.
//! - Scope is deny by default: a document is returned only when
//!   (`region_prefix` is `Some(p)` and the document's region starts with `p`) or
//!   (`org_id == Some(owner_org)`) or (`include_public` and the document is public).
//!   Region subtree tests are exact term look-ups on the indexed prefixes of the
//!   region code, never a regex, and match `str::starts_with` for any prefix.
//! - Filters (kinds, region subtree, field, status, amount range) only narrow the result.
//! - Ranking: BM25 over title (weight 2) and body when there is text; newest
//!   `updated_at` first otherwise. The total count is exact.
//! - `upsert` replaces documents by (kind, id) and commits once; when it returns,
//!   searches see the new state. A failed `upsert` leaves the index as it was at the
//!   previous commit. The per-kind watermark (greatest `updated_at` indexed) is stored
//!   in the same commit, so it can never run ahead of the documents on disk.
//! - `FullText` is `Send + Sync`: searches run concurrently and never wait for writes;
//!   writes are serialised by an internal mutex. Only one `FullText` may write to a
//!   directory at a time (a second `open` of the same directory answers `Error::Locked`).

#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, Query as TQuery, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, NumericOptions, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument, TantivyError, Term};

/// The name under which the jieba tokenizer is registered on the index.
pub const TOKENIZER: &str = "jieba";

/// The writer's memory budget for an on-disk index, shared by its indexing threads.
const DISK_WRITER_HEAP: usize = 256 << 20;
/// The writer's memory budget for an in-memory (test) index.
const MEMORY_WRITER_HEAP: usize = 32 << 20;
/// The greatest page `search` returns; larger limits are cut to it.
pub const MAX_LIMIT: usize = 10_000;
/// The shortest code fragment matched inside a code (shorter words must equal the code).
const MIN_CODE_FRAGMENT: usize = 4;
/// The term standing for the national level (the empty region code) among a region's prefixes.
const NATIONAL: &str = "*";
/// The commit payload's format version.
const PAYLOAD_VERSION: u32 = 1;

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// 需求
    Demand,
    /// 供给
    Offer,
    /// 社会组织
    Organization,
}

impl DocKind {
    /// Every kind, in index order.
    pub const ALL: [DocKind; 3] = [DocKind::Demand, DocKind::Offer, DocKind::Organization];

    fn index(self) -> usize {
        match self {
            DocKind::Demand => 0,
            DocKind::Offer => 1,
            DocKind::Organization => 2,
        }
    }

    fn from_index(i: u64) -> Option<DocKind> {
        DocKind::ALL.get(usize::try_from(i).ok()?).copied()
    }

    fn tag(self) -> char {
        match self {
            DocKind::Demand => 'd',
            DocKind::Offer => 'o',
            DocKind::Organization => 'g',
        }
    }
}

/// One searchable record, as the database side hands it over.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub kind: DocKind,
    pub id: i64,
    /// Segmented text; weighs twice the body in ranking.
    pub title: String,
    /// Segmented text.
    pub body: String,
    /// A code searchable literally (e.g. the unified social credit code); may be empty.
    pub code: String,
    /// Natural-length region code: "" national, "53", "5306", "530628", 9 or 12 digits.
    pub region: String,
    /// Assistance fields, e.g. ["教育", "健康"].
    pub fields: Vec<String>,
    /// E.g. "published".
    pub status: String,
    /// Money in fen (1 万元 = 1_000_000 fen); 0 when none.
    pub amount_fen: i64,
    /// Owning organisation id for offers and organisations, 0 for demands.
    pub owner_org: i64,
    /// Visible to anyone (published demands and offers).
    pub public: bool,
    /// Unix seconds of the last change, for keeping up with the database.
    pub updated_at: i64,
    /// What a result list calls it (需求, 微心愿, 供给项目, 社会组织); stored, not searched.
    pub label: String,
    /// The place a result list shows when it is not the region's name (an
    /// offer's organisation); empty otherwise. Stored, not searched.
    pub place: String,
}

/// Who may see what; built from the authenticated user. The default sees nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Documents whose region starts with this code ("" = every region).
    pub region_prefix: Option<String>,
    /// Documents owned by this organisation.
    pub org_id: Option<i64>,
    /// Public documents.
    pub include_public: bool,
}

/// A search: optional text, the caller's scope, filters and one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Empty = no text condition (filters only, newest `updated_at` first).
    pub text: String,
    /// Empty = every kind.
    pub kinds: Vec<DocKind>,
    pub scope: Scope,
    /// Filter: region subtree (natural code prefix, e.g. "5306").
    pub region: Option<String>,
    /// Filter: has this field.
    pub field: Option<String>,
    /// Filter: exact status.
    pub status: Option<String>,
    /// Filter: amount at least this (inclusive).
    pub min_amount_fen: Option<i64>,
    /// Filter: amount at most this (inclusive).
    pub max_amount_fen: Option<i64>,
    /// Hits to skip.
    pub offset: usize,
    /// Hits to return (at most [`MAX_LIMIT`]); 0 returns only the total.
    pub limit: usize,
}

impl Default for Query {
    /// No text, no filters, an empty scope (so nothing is found until a scope is set), 20 hits.
    fn default() -> Query {
        Query {
            text: String::new(),
            kinds: Vec::new(),
            scope: Scope::default(),
            region: None,
            field: None,
            status: None,
            min_amount_fen: None,
            max_amount_fen: None,
            offset: 0,
            limit: 20,
        }
    }
}

/// One result, with what a result list shows of it, as indexed (a list needs
/// no database read per hit).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub kind: DocKind,
    pub id: i64,
    /// BM25 score with text; 0 without.
    pub score: f32,
    pub title: String,
    /// See [`Doc::label`].
    pub label: String,
    /// See [`Doc::place`].
    pub place: String,
    /// The document's region code (natural length).
    pub region: String,
    pub status: String,
}

/// Errors of the full-text index.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("无法访问全文索引目录 {path}：{source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// The directory holds an index this program cannot use; answer with [`FullText::recreate`].
    #[error("全文索引目录 {path} 已损坏或与本程序版本不兼容，需要重建：{reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("全文索引目录 {path} 正被另一个写入者占用（另一个进程或同一进程中的另一个实例）")]
    Locked { path: PathBuf },
    #[error("目录 {path} 中有不属于全文索引的文件 {file}，拒绝清空")]
    NotAnIndex { path: PathBuf, file: String },
    #[error("全文索引写入器在一次失败的写入后不可用，请重新打开索引")]
    Poisoned,
    #[error("全文索引操作失败：{0}")]
    Index(#[from] TantivyError),
}

impl Error {
    /// Whether the caller should answer with [`FullText::recreate`] and a full re-index.
    pub fn needs_rebuild(&self) -> bool {
        matches!(self, Error::Corrupt { .. })
    }
}

/// The jieba tokenizer: every word of `duijie_search::words`, once each.
#[derive(Clone, Default)]
pub struct JiebaTokenizer;

/// The tokens of one text.
pub struct JiebaTokenStream {
    words: std::vec::IntoIter<String>,
    token: Token,
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaTokenStream {
        JiebaTokenStream { words: duijie_search::words(text).into_iter(), token: Token::default() }
    }
}

impl TokenStream for JiebaTokenStream {
    fn advance(&mut self) -> bool {
        match self.words.next() {
            Some(w) => {
                // Words are deduplicated and sorted, so offsets mean nothing; positions only count.
                self.token.position = self.token.position.wrapping_add(1);
                self.token.offset_from = 0;
                self.token.offset_to = 0;
                self.token.text = w;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    kind: Field,
    id: Field,
    title: Field,
    body: Field,
    code: Field,
    code_part: Field,
    region: Field,
    field: Field,
    status: Field,
    amount: Field,
    owner_org: Field,
    public: Field,
    updated_at: Field,
    label: Field,
    place: Field,
    home: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(TextFieldIndexing::default().set_tokenizer(TOKENIZER).set_index_option(IndexRecordOption::WithFreqs));
    let filter_num = NumericOptions::default().set_indexed();
    let fast_num = NumericOptions::default().set_indexed().set_fast();
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        kind: b.add_u64_field("kind", fast_num.clone()),
        id: b.add_i64_field("id", fast_num.clone()),
        title: b.add_text_field("title", text.clone().set_stored()),
        body: b.add_text_field("body", text),
        code: b.add_text_field("code", STRING),
        code_part: b.add_text_field("code_part", STRING),
        region: b.add_text_field("region", STRING),
        field: b.add_text_field("field", STRING),
        status: b.add_text_field("status", STRING | STORED),
        amount: b.add_i64_field("amount", fast_num.clone()),
        owner_org: b.add_i64_field("owner_org", filter_num.clone()),
        public: b.add_u64_field("public", filter_num),
        updated_at: b.add_i64_field("updated_at", fast_num),
        label: b.add_text_field("label", STORED),
        place: b.add_text_field("place", STORED),
        home: b.add_text_field("home", STORED),
    };
    (b.build(), fields)
}

fn key(kind: DocKind, id: i64) -> String {
    format!("{}{id}", kind.tag())
}

fn normalise_code(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

fn is_code_word(w: &str) -> bool {
    !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Every prefix of a region code, the national sentinel included, so that a
/// subtree test is one term look-up.
fn region_prefixes(region: &str) -> impl Iterator<Item = &str> {
    std::iter::once(NATIONAL).chain(region.char_indices().map(move |(i, c)| &region[..i + c.len_utf8()]))
}

fn region_term(f: Field, prefix: &str) -> Term {
    let p = prefix.trim();
    Term::from_field_text(f, if p.is_empty() { NATIONAL } else { p })
}

/// The commit payload: what the index has caught up with.
#[derive(Serialize, Deserialize, Default, Clone, Copy)]
struct Payload {
    v: u32,
    watermarks: [i64; 3],
}

struct WriterState {
    writer: IndexWriter,
    watermarks: [i64; 3],
    /// Set when a commit or rollback failed; the writer must not be used again.
    broken: bool,
}

/// The full-text index. See the module header for its guarantees.
pub struct FullText {
    index: Index,
    reader: IndexReader,
    f: Fields,
    state: Mutex<WriterState>,
    /// Mirror of the committed watermarks, readable without waiting for a write.
    watermarks: Mutex<[i64; 3]>,
    path: PathBuf,
    /// Commits made through this instance.
    commits: std::sync::atomic::AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl FullText {
    /// Opens the index in `dir`, creating it (and the directory) when there is none.
    /// A directory holding a damaged index, or one built with another schema or
    /// tantivy version, answers [`Error::Corrupt`]: call [`FullText::recreate`] and re-index.
    pub fn open(dir: &Path) -> Result<FullText, Error> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
        let (schema, f) = schema();
        let corrupt = |reason: String| Error::Corrupt { path: dir.to_path_buf(), reason };
        let exists = dir.join("meta.json").exists();
        let index = if exists {
            let index = Index::open_in_dir(dir).map_err(|e| corrupt(e.to_string()))?;
            if index.schema() != schema {
                return Err(corrupt("索引字段与本程序不一致".into()));
            }
            index
        } else {
            Index::create_in_dir(dir, schema)?
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
        Self::with_index(index, f, dir.to_path_buf(), threads, DISK_WRITER_HEAP)
    }

    /// A fresh index in memory, for tests.
    pub fn in_memory() -> Result<FullText, Error> {
        let (schema, f) = schema();
        // One thread keeps document order, and so tie-breaking, deterministic.
        Self::with_index(Index::create_in_ram(schema), f, PathBuf::from(":memory:"), 1, MEMORY_WRITER_HEAP)
    }

    /// Empties `dir` of an unusable index and creates a new one there. Refuses
    /// ([`Error::NotAnIndex`]) when the directory holds anything but index files,
    /// so a wrong path cannot wipe other data.
    pub fn recreate(dir: &Path) -> Result<FullText, Error> {
        let io = |source| Error::Io { path: dir.to_path_buf(), source };
        if dir.exists() {
            let mut files = Vec::new();
            for entry in std::fs::read_dir(dir).map_err(io)? {
                let entry = entry.map_err(io)?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let is_file = entry.file_type().map_err(io)?.is_file();
                let known = matches!(name.as_str(), "meta.json" | ".managed.json" | ".tantivy-meta.lock" | ".tantivy-writer.lock")
                    || (name.len() > 33 && name.as_bytes()[..32].iter().all(u8::is_ascii_hexdigit) && name.as_bytes()[32] == b'.');
                if !is_file || !known {
                    return Err(Error::NotAnIndex { path: dir.to_path_buf(), file: name });
                }
                files.push(entry.path());
            }
            // meta.json last: an interrupted wipe still looks like a (broken) index, not an empty one.
            files.sort_by_key(|p| p.file_name().is_some_and(|n| n == "meta.json"));
            for file in files {
                std::fs::remove_file(&file).map_err(io)?;
            }
        }
        Self::open(dir)
    }

    fn with_index(index: Index, f: Fields, path: PathBuf, threads: usize, heap: usize) -> Result<FullText, Error> {
        index.tokenizers().register(TOKENIZER, JiebaTokenizer);
        let payload = index.load_metas().map_err(|e| Error::Corrupt { path: path.clone(), reason: e.to_string() })?.payload;
        let watermarks = match payload {
            None => [0; 3],
            Some(p) => match serde_json::from_str::<Payload>(&p) {
                Ok(p) if p.v == PAYLOAD_VERSION => p.watermarks,
                _ => return Err(Error::Corrupt { path, reason: format!("无法识别的提交记录：{p}") }),
            },
        };
        let writer = index.writer_with_num_threads(threads, heap).map_err(|e| match e {
            TantivyError::LockFailure(..) => Error::Locked { path: path.clone() },
            e => Error::Index(e),
        })?;
        // Reloaded explicitly after each commit (so a write is visible when `upsert`
        // returns); the watcher also picks up background merges.
        let reader = index.reader_builder().reload_policy(ReloadPolicy::OnCommitWithDelay).try_into()?;
        Ok(FullText { index, reader, f, state: Mutex::new(WriterState { writer, watermarks, broken: false }), watermarks: Mutex::new(watermarks), path, commits: Default::default() })
    }

    fn writer(&self) -> Result<MutexGuard<'_, WriterState>, Error> {
        let st = lock(&self.state);
        if st.broken { Err(Error::Poisoned) } else { Ok(st) }
    }

    /// Commits what the writer holds with `watermarks`, or rolls it back on failure.
    fn commit(&self, st: &mut WriterState, watermarks: [i64; 3]) -> Result<(), Error> {
        let payload = serde_json::to_string(&Payload { v: PAYLOAD_VERSION, watermarks }).map_err(|e| Error::Index(TantivyError::InternalError(e.to_string())))?;
        let committed = st.writer.prepare_commit().and_then(|mut c| {
            c.set_payload(&payload);
            c.commit()
        });
        match committed {
            Ok(_) => {
                self.commits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                st.watermarks = watermarks;
                *lock(&self.watermarks) = watermarks;
                self.reader.reload()?;
                Ok(())
            }
            Err(e) => {
                self.rollback(st);
                Err(e.into())
            }
        }
    }

    fn rollback(&self, st: &mut WriterState) {
        if st.writer.rollback().is_err() {
            st.broken = true;
        }
    }

    fn to_document(&self, d: &Doc) -> TantivyDocument {
        let f = &self.f;
        let mut doc = TantivyDocument::new();
        doc.add_text(f.key, key(d.kind, d.id));
        doc.add_u64(f.kind, d.kind.index() as u64);
        doc.add_i64(f.id, d.id);
        doc.add_text(f.title, &d.title);
        doc.add_text(f.body, &d.body);
        let code = normalise_code(&d.code);
        if !code.is_empty() {
            for (i, _) in code.char_indices() {
                let part = &code[i..];
                if part.chars().count() >= MIN_CODE_FRAGMENT {
                    doc.add_text(f.code_part, part);
                }
            }
            doc.add_text(f.code, code);
        }
        for p in region_prefixes(d.region.trim()) {
            doc.add_text(f.region, p);
        }
        for field in &d.fields {
            let field = field.trim();
            if !field.is_empty() {
                doc.add_text(f.field, field);
            }
        }
        doc.add_text(f.status, d.status.trim());
        doc.add_i64(f.amount, d.amount_fen);
        doc.add_i64(f.owner_org, d.owner_org);
        doc.add_u64(f.public, u64::from(d.public));
        doc.add_i64(f.updated_at, d.updated_at);
        doc.add_text(f.label, &d.label);
        doc.add_text(f.place, &d.place);
        doc.add_text(f.home, d.region.trim());
        doc
    }

    /// Adds or replaces documents by (kind, id) and commits once. Within one call a
    /// later document with the same (kind, id) wins. When this returns Ok, searches
    /// see the new documents and `watermark` covers them; on Err nothing of the call
    /// is kept.
    pub fn upsert(&self, docs: &[Doc]) -> Result<(), Error> {
        if docs.is_empty() {
            return Ok(());
        }
        let mut st = self.writer()?;
        let mut watermarks = st.watermarks;
        for d in docs {
            st.writer.delete_term(Term::from_field_text(self.f.key, &key(d.kind, d.id)));
            if let Err(e) = st.writer.add_document(self.to_document(d)) {
                self.rollback(&mut st);
                return Err(e.into());
            }
            let w = &mut watermarks[d.kind.index()];
            *w = (*w).max(d.updated_at);
        }
        self.commit(&mut st, watermarks)
    }

    /// Removes one document (nothing happens when it is absent) and commits.
    /// The watermark is unchanged: it tracks how far the index has read, not what it holds.
    pub fn remove(&self, kind: DocKind, id: i64) -> Result<(), Error> {
        let mut st = self.writer()?;
        st.writer.delete_term(Term::from_field_text(self.f.key, &key(kind, id)));
        let watermarks = st.watermarks;
        self.commit(&mut st, watermarks)
    }

    /// Removes every document and resets the watermarks to 0, in one commit.
    pub fn clear(&self) -> Result<(), Error> {
        let mut st = self.writer()?;
        if let Err(e) = st.writer.delete_all_documents() {
            self.rollback(&mut st);
            return Err(e.into());
        }
        self.commit(&mut st, [0; 3])
    }

    /// The greatest `updated_at` committed for this kind (kept across restarts in the
    /// commit itself), 0 when none: re-read the database from there.
    pub fn watermark(&self, kind: DocKind) -> i64 {
        lock(&self.watermarks)[kind.index()]
    }

    /// How many commits this instance has made since it was opened: unchanged
    /// across a call means the call wrote nothing.
    pub fn commits(&self) -> u64 {
        self.commits.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Number of documents committed.
    pub fn len(&self) -> usize {
        usize::try_from(self.reader.searcher().num_docs()).unwrap_or(usize::MAX)
    }

    /// Whether no document is committed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where the index lives (":memory:" for an in-memory one).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One page of hits and the total number of matching documents (see the module header).
    pub fn search(&self, q: &Query) -> Result<(Vec<Hit>, usize), Error> {
        let searcher = self.reader.searcher();
        let text = q.text.trim();
        let text_query = if text.is_empty() { None } else { Some(self.text_query(text)) };
        let Some(filters) = self.filter_query(q) else {
            return Ok((Vec::new(), 0));
        };
        let query: Box<dyn TQuery> = match (text_query, filters.is_empty()) {
            (None, true) => Box::new(AllQuery),
            (None, false) => Box::new(BooleanQuery::new(filters)),
            (Some(t), _) => {
                let mut clauses = vec![(Occur::Must, t)];
                clauses.extend(filters);
                Box::new(BooleanQuery::new(clauses))
            }
        };
        let limit = q.limit.min(MAX_LIMIT);
        if limit == 0 {
            return Ok((Vec::new(), searcher.search(&query, &Count)?));
        }
        let page = TopDocs::with_limit(limit).and_offset(q.offset);
        let (addrs, total): (Vec<(f32, DocAddress)>, usize) = if text.is_empty() {
            let (top, total) = searcher.search(&query, &(page.order_by_fast_field::<i64>("updated_at", Order::Desc), Count))?;
            (top.into_iter().map(|(_, a)| (0.0, a)).collect(), total)
        } else {
            searcher.search(&query, &(page.order_by_score(), Count))?
        };
        let hits = addrs.into_iter().map(|(score, addr)| self.hit(&searcher, addr, score)).collect::<Result<Vec<_>, _>>()?;
        Ok((hits, total))
    }

    fn hit(&self, searcher: &Searcher, addr: DocAddress, score: f32) -> Result<Hit, Error> {
        let ff = searcher.segment_reader(addr.segment_ord).fast_fields();
        let missing = || Error::Index(TantivyError::InternalError("文档缺少编号".into()));
        let id = ff.i64("id")?.first(addr.doc_id).ok_or_else(missing)?;
        let kind = ff.u64("kind")?.first(addr.doc_id).and_then(DocKind::from_index).ok_or_else(missing)?;
        let stored: TantivyDocument = searcher.doc(addr)?;
        let text = |field: Field| stored.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let f = &self.f;
        Ok(Hit { kind, id, score, title: text(f.title), label: text(f.label), place: text(f.place), region: text(f.home), status: text(f.status) })
    }

    /// Every query word must be in the title or body (or, for a code-like word, in the code or region).
    fn text_query(&self, text: &str) -> Box<dyn TQuery> {
        let f = &self.f;
        let words = duijie_search::query_words(text);
        if words.is_empty() {
            return Box::new(EmptyQuery);
        }
        let term = |field, w: &str| -> Box<dyn TQuery> { Box::new(TermQuery::new(Term::from_field_text(field, w), IndexRecordOption::WithFreqs)) };
        let per_word = words
            .iter()
            .map(|w| {
                let mut any: Vec<(Occur, Box<dyn TQuery>)> = vec![(Occur::Should, Box::new(BoostQuery::new(term(f.title, w), 2.0))), (Occur::Should, term(f.body, w))];
                if is_code_word(w) {
                    let exact = Term::from_field_text(f.code, w);
                    any.push((Occur::Should, Box::new(ConstScoreQuery::new(Box::new(TermQuery::new(exact, IndexRecordOption::Basic)), 5.0))));
                    if w.chars().count() >= MIN_CODE_FRAGMENT {
                        let lo = Term::from_field_text(f.code_part, w);
                        let hi = Term::from_field_text(f.code_part, &format!("{w}{}", char::MAX));
                        any.push((Occur::Should, Box::new(ConstScoreQuery::new(Box::new(RangeQuery::new(Bound::Included(lo), Bound::Included(hi))), 2.0))));
                    }
                    if w.bytes().all(|b| b.is_ascii_digit()) && matches!(w.len(), 6 | 9 | 12) {
                        any.push((Occur::Should, Box::new(ConstScoreQuery::new(Box::new(TermQuery::new(region_term(f.region, w), IndexRecordOption::Basic)), 1.0))));
                    }
                }
                (Occur::Must, Box::new(BooleanQuery::new(any)) as Box<dyn TQuery>)
            })
            .collect();
        Box::new(BooleanQuery::new(per_word))
    }

    /// Scope and filters as non-scoring clauses; None when the scope admits nothing.
    fn filter_query(&self, q: &Query) -> Option<Vec<(Occur, Box<dyn TQuery>)>> {
        let f = &self.f;
        let basic = |t: Term| -> Box<dyn TQuery> { Box::new(TermQuery::new(t, IndexRecordOption::Basic)) };
        let filter = |qq: Box<dyn TQuery>| (Occur::Must, Box::new(ConstScoreQuery::new(qq, 0.0)) as Box<dyn TQuery>);
        let any_of = |qs: Vec<Box<dyn TQuery>>| -> Box<dyn TQuery> { Box::new(BooleanQuery::new(qs.into_iter().map(|x| (Occur::Should, x)).collect())) };

        let mut scope = Vec::new();
        if let Some(p) = &q.scope.region_prefix {
            scope.push(basic(region_term(f.region, p)));
        }
        if let Some(org) = q.scope.org_id {
            scope.push(basic(Term::from_field_i64(f.owner_org, org)));
        }
        if q.scope.include_public {
            scope.push(basic(Term::from_field_u64(f.public, 1)));
        }
        if scope.is_empty() {
            return None;
        }
        let mut out = vec![filter(any_of(scope))];
        let kinds: Vec<DocKind> = DocKind::ALL.into_iter().filter(|k| q.kinds.contains(k)).collect();
        if !kinds.is_empty() && kinds.len() < DocKind::ALL.len() {
            out.push(filter(any_of(kinds.into_iter().map(|k| basic(Term::from_field_u64(f.kind, k.index() as u64))).collect())));
        }
        if let Some(r) = &q.region {
            out.push(filter(basic(region_term(f.region, r))));
        }
        if let Some(field) = &q.field {
            out.push(filter(basic(Term::from_field_text(f.field, field.trim()))));
        }
        if let Some(status) = &q.status {
            out.push(filter(basic(Term::from_field_text(f.status, status.trim()))));
        }
        if q.min_amount_fen.is_some() || q.max_amount_fen.is_some() {
            let bound = |v: Option<i64>| v.map_or(Bound::Unbounded, |v| Bound::Included(Term::from_field_i64(f.amount, v)));
            if let (Some(lo), Some(hi)) = (q.min_amount_fen, q.max_amount_fen)
                && lo > hi
            {
                return None;
            }
            out.push(filter(Box::new(RangeQuery::new(bound(q.min_amount_fen), bound(q.max_amount_fen)))));
        }
        Some(out)
    }

    /// The underlying tantivy index, for diagnostics (segment counts, space usage).
    pub fn index(&self) -> &Index {
        &self.index
    }
}

#[cfg(test)]
mod tests;
