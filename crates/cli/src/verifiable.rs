//! `duijie log …`: the operator's side of the verifiable log (key generation,
//! signing checkpoints, exporting the public entries) and the offline verifier.
//!
//! Guarantees: `log verify` opens no database and uses only what it is given
//! (a signed checkpoint, a public key, optionally exported entries, a proof and
//! an older checkpoint) with `duijie_tlog`'s encoding, hash rules, signature
//! check and RFC 9162 verification — none of the code that writes the log. It
//! exits 0 only if every check it was asked for passed. The private key is
//! written readable by its owner only, and never overwritten without `--force`.

use crate::config::Settings;
use anyhow::{Context, Result, bail};
use base64::Engine;
use clap::Subcommand;
use duijie_app::log::TreeVerdict;
use duijie_store::Db;
use duijie_tlog::note::{self, Checkpoint, PrivateKey, PublicKey};
use duijie_tlog::{Entry, Hash, export, verify};
use serde::Deserialize;

#[derive(Subcommand)]
pub enum LogCommand {
    /// Generate the SM2 key that signs checkpoints: writes the private key file and FILE.pub, prints the public key.
    Keygen {
        /// The key's (and the log's) name, a schema-less URL such as duijie.yn.gov.cn/log.
        #[arg(long, default_value = "duijie.local/log")]
        name: String,
        /// Where to write the private key (default: the configured log_key_file).
        #[arg(long)]
        out: Option<String>,
        /// Replace an existing key file (the old public key stops verifying new checkpoints).
        #[arg(long)]
        force: bool,
    },
    /// Sign a checkpoint of the log as it is now and print it.
    Checkpoint,
    /// Send the newest checkpoint to the configured witnesses (log_witnesses) and keep their co-signatures.
    Publish,
    /// Run a witness: co-sign checkpoints of the given logs that extend the ones co-signed before (POST /add-checkpoint).
    Witness {
        /// Listen address (port 0: any free port; the address is printed).
        #[arg(long, default_value = "127.0.0.1:7380")]
        listen: String,
        /// The witness's own SM2 key file (from `duijie log keygen --name WITNESS-NAME --out FILE`).
        #[arg(long)]
        key: String,
        /// The public key file of a log to witness (repeat for several logs).
        #[arg(long = "log-key", required = true)]
        log_keys: Vec<String>,
        /// Where the witness keeps the checkpoints it co-signed (JSON; back it up).
        #[arg(long, default_value = "witness-state.json")]
        state: String,
    },
    /// Write every entry's public projection to a file for `log verify --entries`: JSON as the API gives it, or --compact.
    Export {
        #[arg(long)]
        out: String,
        /// The compact binary form (docs/verifiable-log.md §3): entry bytes and leaf hashes only, under a third of the size, verified more than twice as fast.
        #[arg(long)]
        compact: bool,
    },
    /// Verify a signed checkpoint offline, and with it exported entries, a proof, an older checkpoint.
    Verify {
        /// The signed checkpoint (GET /api/v1/public/log/checkpoint).
        #[arg(long)]
        checkpoint: String,
        /// The public key file (from `log keygen`).
        #[arg(long)]
        key: String,
        /// Entries as exported (`log export`, JSON or --compact, or the pages of GET /api/v1/public/log/entries joined).
        #[arg(long)]
        entries: Option<String>,
        /// An inclusion or consistency proof as the API gives it (JSON).
        #[arg(long)]
        proof: Option<String>,
        /// An older signed checkpoint: the new one must be consistent with it (needs --proof from the consistency API).
        #[arg(long)]
        old_checkpoint: Option<String>,
    },
}

/// The signing key the settings name (`log_key`, else `log_key_file` if it exists).
pub fn signing_key(s: &Settings) -> Result<Option<PrivateKey>> {
    let text = if !s.log_key.trim().is_empty() {
        s.log_key.clone()
    } else if std::path::Path::new(&s.log_key_file).exists() {
        std::fs::read_to_string(&s.log_key_file).with_context(|| format!("无法读取日志签名密钥 {}", s.log_key_file))?
    } else {
        return Ok(None);
    };
    Ok(Some(PrivateKey::parse(&text)?))
}

/// The server's one checkpoint task: every `log_checkpoint_interval_secs`, a
/// checkpoint if the log grew (the first at start), then the newest one sent to
/// the witnesses that have not co-signed it. Without a key it only says so.
pub fn spawn_checkpoints(settings: &Settings, db: Db) -> Result<()> {
    let witnesses = crate::witness::parse_witnesses(&settings.log_witnesses)?;
    let drop_dir = settings.log_checkpoint_dir.clone();
    let Some(key) = signing_key(settings)? else {
        tracing::warn!("未配置日志签名密钥（duijie log keygen），不签名检查点");
        return Ok(());
    };
    let secs = settings.log_checkpoint_interval_secs;
    if secs == 0 {
        return Ok(());
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(secs));
        loop {
            tick.tick().await;
            match duijie_app::log::sign_if_grown(&db, &key).await {
                Ok(Some(cp)) => tracing::info!("已签名日志检查点：共 {} 条记录", cp.size),
                Ok(None) => {}
                Err(e) => tracing::warn!("签名日志检查点失败：{e:?}"),
            }
            match crate::witness::publish(&db, &witnesses, Some(&drop_dir)).await {
                Ok(outcomes) => {
                    for o in outcomes.iter().filter(|o| !matches!(o, crate::witness::Outcome::AlreadyCosigned { .. })) {
                        tracing::info!("{}", o.line());
                    }
                }
                Err(e) => tracing::warn!("发送检查点给见证方失败：{e:#}"),
            }
        }
    });
    Ok(())
}

fn read(path: &str) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("无法读取 {path}"))
}

pub async fn run(settings: &Settings, command: LogCommand) -> Result<i32> {
    match command {
        LogCommand::Keygen { name, out, force } => keygen(&name, out.as_deref().unwrap_or(&settings.log_key_file), force),
        LogCommand::Checkpoint => {
            let key = signing_key(settings)?.context("未配置日志签名密钥：先运行 duijie log keygen，或设置 log_key / log_key_file")?;
            let db = crate::open(settings).await?;
            let cp = duijie_app::log::sign_checkpoint(&db, &key).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
            print!("{}", cp.note);
            eprintln!("已签名检查点：共 {} 条记录", cp.size);
            Ok(0)
        }
        LogCommand::Publish => {
            let witnesses = crate::witness::parse_witnesses(&settings.log_witnesses)?;
            if witnesses.is_empty() && settings.log_checkpoint_dir.is_empty() {
                bail!("未配置见证方（log_witnesses）或检查点投放目录（log_checkpoint_dir）");
            }
            let db = crate::open(settings).await?;
            let outcomes = crate::witness::publish(&db, &witnesses, Some(&settings.log_checkpoint_dir)).await?;
            if outcomes.is_empty() && !witnesses.is_empty() {
                eprintln!("尚无签名检查点：先运行 duijie log checkpoint");
            }
            for o in &outcomes {
                eprintln!("{}", o.line());
            }
            let ok = outcomes.iter().all(|o| matches!(o, crate::witness::Outcome::Cosigned { .. } | crate::witness::Outcome::AlreadyCosigned { .. }));
            Ok(if ok { 0 } else { 1 })
        }
        LogCommand::Witness { listen, key, log_keys, state } => {
            crate::witness::serve(&listen, &key, &log_keys, &state).await?;
            Ok(0)
        }
        LogCommand::Export { out, compact: true } => {
            use std::io::Write;
            let db = crate::open(settings).await?;
            let size = duijie_store::log::size(&db).await?;
            let mut file = std::io::BufWriter::new(std::fs::File::create(&out).with_context(|| format!("无法写入 {out}"))?);
            let mut page = duijie_tlog::export::MAGIC.to_vec();
            let mut start = 0;
            loop {
                file.write_all(&page).with_context(|| format!("无法写入 {out}"))?;
                page.clear();
                if start >= size {
                    break;
                }
                let end = (start + 10_000).min(size);
                duijie_app::log::export_compact(&db, start, end, &mut page).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
                start = end;
            }
            file.flush().with_context(|| format!("无法写入 {out}"))?;
            eprintln!("已导出 {size} 条日志记录到 {out}（紧凑格式）");
            Ok(0)
        }
        LogCommand::Export { out, compact: false } => {
            let db = crate::open(settings).await?;
            let size = duijie_store::log::size(&db).await?;
            let mut all = Vec::new();
            let mut start = 0;
            while start < size {
                let end = (start + duijie_app::log::MAX_ENTRIES).min(size);
                all.extend(duijie_app::log::entries(&db, start, end).await.map_err(|e| anyhow::anyhow!("{e:?}"))?.entries);
                start = end;
            }
            std::fs::write(&out, serde_json::to_string(&serde_json::json!({ "start": 0, "end": size, "size": size, "entries": all }))?)
                .with_context(|| format!("无法写入 {out}"))?;
            eprintln!("已导出 {size} 条日志记录到 {out}");
            Ok(0)
        }
        LogCommand::Verify { checkpoint, key, entries, proof, old_checkpoint } => {
            let key = PublicKey::parse(&read(&key)?)?;
            let entries = entries.map(|p| std::fs::read(&p).with_context(|| format!("无法读取 {p}"))).transpose()?;
            let report = verify_offline(&key, &read(&checkpoint)?, entries.as_deref(), proof.map(|p| read(&p)).transpose()?.as_deref(), old_checkpoint.map(|p| read(&p)).transpose()?.as_deref());
            for line in &report.lines {
                eprintln!("{line}");
            }
            Ok(if report.ok { 0 } else { 1 })
        }
    }
}

fn keygen(name: &str, out: &str, force: bool) -> Result<i32> {
    let path = std::path::Path::new(out);
    if path.exists() && !force {
        bail!("{out} 已存在；更换密钥请加 --force（并按 README 的“密钥轮换”发布新公钥）");
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {}", dir.display()))?;
    }
    let key = PrivateKey::generate(name)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    std::io::Write::write_all(&mut opts.open(path).with_context(|| format!("无法写入 {out}"))?, format!("{}\n", key.encode()).as_bytes())?;
    let public = key.public().encode();
    std::fs::write(format!("{out}.pub"), format!("{public}\n")).with_context(|| format!("无法写入 {out}.pub"))?;
    println!("{public}");
    eprintln!("已生成日志签名私钥 {out}（仅本人可读，请妥善备份）和公钥 {out}.pub（公开给核验方）");
    Ok(0)
}

/// What an offline verification found, line by line (Chinese).
pub struct Report {
    pub ok: bool,
    pub lines: Vec<String>,
}

impl Report {
    fn pass(&mut self, line: String) {
        self.lines.push(format!("通过：{line}"));
    }
    fn fail(&mut self, line: String) {
        self.ok = false;
        self.lines.push(format!("失败：{line}"));
    }
}

/// An export as `log export` writes it; the texts are borrowed from the file
/// when they need no unescaping (hex and base64 never do, unless a tool wrote
/// `\/`), so reading a large export allocates little beyond one vector.
#[derive(Deserialize)]
struct ExportedEntries<'a> {
    #[serde(borrow)]
    entries: Vec<ExportedEntry<'a>>,
}

#[derive(Deserialize)]
struct ExportedEntry<'a> {
    index: u64,
    #[serde(borrow)]
    leaf_hash: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    entry: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ProofFile {
    index: Option<u64>,
    size: Option<u64>,
    leaf_hash: Option<String>,
    from: Option<u64>,
    to: Option<u64>,
    hashes: Vec<String>,
}

fn opened(key: &PublicKey, text: &str) -> Result<Checkpoint, String> {
    let body = note::open(text, key).map_err(|e| e.to_string())?;
    Checkpoint::parse(body).map_err(|e| e.to_string())
}

/// The leaf hash of the entry at `position`, checked against its entry bytes.
fn checked_leaf(position: usize, e: &ExportedEntry<'_>) -> Result<Hash, String> {
    if e.index != position as u64 {
        return Err(format!("记录文件第 {position} 项的序号是 {}（记录缺失或顺序被打乱）", e.index));
    }
    let given = duijie_tlog::parse_hex(&e.leaf_hash).ok_or_else(|| format!("第 {position} 条的叶哈希无效"))?;
    if let Some(b64) = &e.entry {
        let bytes = base64::engine::general_purpose::STANDARD.decode(b64.as_bytes()).map_err(|_| format!("第 {position} 条的条目不是 base64"))?;
        let entry = Entry::decode(&bytes).ok_or_else(|| format!("第 {position} 条的条目编码无效"))?;
        if entry.index != position as u64 {
            return Err(format!("第 {position} 条的条目写明的序号是 {}（顺序被打乱）", entry.index));
        }
        if duijie_tlog::leaf_hash(&bytes) != given {
            return Err(format!("第 {position} 条的条目与其叶哈希不符（被改动）"));
        }
    }
    Ok(given)
}

/// Leaves per part of the parallel check: a power of two, so that every part
/// but the last is a complete subtree of the log's tree.
const PART: usize = 1 << 16;

/// The Merkle tree hash of the first `size` of `total` leaves (RFC 9162
/// §2.1.1), every leaf taken from `leaf(position)`, which checks it; the
/// leaves after `size` are checked too. Aligned parts of [`PART`] leaves are
/// complete subtrees, so every core takes the next part, checks its leaves and
/// computes its subtree's root, and the roots of the parts, pushed in order
/// into the streaming verifier, give the tree's root (RFC 9162 splits a range
/// at the largest power of two below its length, which for a range starting
/// at a multiple of `PART` is itself a multiple of `PART`). The first problem
/// in leaf order is the one reported.
fn checked_root(total: usize, size: usize, part: usize, leaf: impl Fn(usize) -> Result<Hash, String> + Sync) -> Result<Hash, String> {
    let mut parts: Vec<(usize, usize)> = (0..size).step_by(part).map(|a| (a, (a + part).min(size))).collect();
    let in_root = parts.len();
    parts.extend((size..total).step_by(part).map(|a| (a, (a + part).min(total))));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let work = || {
        let mut done = Vec::new();
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&(a, b)) = parts.get(k) else { return done };
            let mut root = verify::Root::new();
            let checked = (a..b).try_for_each(|i| leaf(i).map(|h| root.push(h)));
            done.push((k, checked.map(|()| root.root())));
        }
    };
    let mut roots: Vec<Option<Result<Hash, String>>> = vec![None; parts.len()];
    std::thread::scope(|s| {
        let others: Vec<_> = (1..cores).map(|_| s.spawn(work)).collect();
        let mut all = work();
        for w in others {
            // A worker that panicked leaves its parts unanswered: reported below, never passed.
            all.extend(w.join().unwrap_or_default());
        }
        for (k, r) in all {
            roots[k] = Some(r);
        }
    });
    let mut root = verify::Root::new();
    for (k, r) in roots.into_iter().enumerate() {
        let h = r.unwrap_or_else(|| Err("核验线程异常退出".into()))?;
        if k < in_root {
            root.push(h);
        }
    }
    Ok(root.root())
}

/// What an entries file gives for the checkpoint of `size` leaves: the root
/// of its first `size` leaves, every leaf checked against its entry bytes.
fn root_of_entries(file: &[u8], size: u64) -> Result<Hash, String> {
    let size = size as usize;
    if file.starts_with(export::MAGIC) {
        let records = export::scan(file).map_err(|e| match e {
            export::ScanError::NotAnExport => "记录文件不是日志导出".to_string(),
            export::ScanError::Truncated { index } => format!("记录文件在第 {index} 条处被截断"),
            export::ScanError::UnknownRecord { index, kind } => format!("记录文件第 {index} 条的类型 {kind} 无法识别"),
        })?;
        return root_of_file(records.len(), size, |i| match records.get(i) {
            export::Record::Public(bytes) => match Entry::index_of(bytes) {
                Some(index) if index == i as u64 => Ok(duijie_tlog::leaf_hash(bytes)),
                Some(index) => Err(format!("第 {i} 条的条目写明的序号是 {index}（记录缺失或顺序被打乱）")),
                None => Err(format!("第 {i} 条的条目编码无效")),
            },
            hidden => Ok(hidden.leaf()),
        });
    }
    let text = std::str::from_utf8(file).map_err(|_| "记录文件既不是日志导出也不是 JSON".to_string())?;
    let file: ExportedEntries = serde_json::from_str(text).map_err(|e| format!("记录文件无法读取：{e}"))?;
    root_of_file(file.entries.len(), size, |i| checked_leaf(i, &file.entries[i]))
}

/// [`checked_root`] over a file of `total` leaves; a file shorter than the
/// checkpoint is reported as such unless a leaf inside it is wrong (a missing
/// entry in the middle says more than the length it leaves).
fn root_of_file(total: usize, size: usize, leaf: impl Fn(usize) -> Result<Hash, String> + Sync) -> Result<Hash, String> {
    if total < size {
        checked_root(total, total, PART, leaf)?;
        return Err(format!("记录文件只有 {total} 条，检查点有 {size} 条（尾部被删除）"));
    }
    checked_root(total, size, PART, leaf)
}

fn hashes(list: &[String]) -> Option<Vec<Hash>> {
    list.iter().map(|h| duijie_tlog::parse_hex(h)).collect()
}

/// Runs every check the inputs allow (see the module header).
pub fn verify_offline(key: &PublicKey, checkpoint: &str, entries: Option<&[u8]>, proof: Option<&str>, old: Option<&str>) -> Report {
    let mut r = Report { ok: true, lines: Vec::new() };
    let cp = match opened(key, checkpoint) {
        Ok(cp) => {
            r.pass(format!("检查点签名有效（{}，共 {} 条记录）", cp.origin, cp.size));
            cp
        }
        Err(e) => {
            r.fail(format!("检查点：{e}"));
            return r;
        }
    };
    if let Some(file) = entries {
        match root_of_entries(file, cp.size) {
            Err(e) => r.fail(e),
            Ok(root) if root == cp.root => r.pass(format!("由前 {} 条记录算出的树根与检查点一致", cp.size)),
            Ok(_) => r.fail(format!("由前 {} 条记录算出的树根与检查点不符（记录被改动、删除或重排）", cp.size)),
        }
    }
    let old = match old.map(|text| opened(key, text)) {
        Some(Ok(o)) => {
            r.pass(format!("较早检查点签名有效（共 {} 条记录）", o.size));
            Some(o)
        }
        Some(Err(e)) => {
            r.fail(format!("较早检查点：{e}"));
            None
        }
        None => None,
    };
    if let Some(text) = proof {
        match serde_json::from_str::<ProofFile>(text) {
            Err(e) => r.fail(format!("证明文件无法读取：{e}")),
            Ok(p) => match (p.index, p.size, &p.leaf_hash, p.from, p.to, hashes(&p.hashes)) {
                (_, _, _, _, _, None) => r.fail("证明中的哈希无效".into()),
                (Some(index), Some(size), Some(leaf), _, _, Some(path)) => match duijie_tlog::parse_hex(leaf) {
                    Some(leaf) if size == cp.size && verify::inclusion(index, size, &leaf, &path, &cp.root) => {
                        r.pass(format!("第 {index} 条记录包含在检查点的树中"))
                    }
                    _ => r.fail(format!("第 {index} 条记录的包含证明不成立（或证明的树大小不是检查点的 {}）", cp.size)),
                },
                (_, _, _, Some(from), Some(to), Some(path)) => match &old {
                    Some(o) if o.size == from && cp.size == to && verify::consistency(from, to, &o.root, &cp.root, &path) => {
                        r.pass(format!("检查点与较早检查点一致（{from} → {to} 条，只追加未改写）"))
                    }
                    Some(_) => r.fail(format!("检查点与较早检查点不一致（{from} → {to}）：日志被改写或分叉")),
                    None => r.fail("一致性证明需要 --old-checkpoint".into()),
                },
                _ => r.fail("证明文件既不是包含证明也不是一致性证明".into()),
            },
        }
    }
    r
}

/// The tree part of `duijie audit verify`: recompute the leaves from the audit
/// rows and compare with the checkpoint (`held`, else the newest stored one),
/// whose signature must verify with `key` (else the configured key's public half).
pub async fn check_tree(db: &Db, settings: &Settings, held: Option<&str>, key: Option<&str>) -> Result<(bool, String)> {
    let key = match key {
        Some(path) => Some(PublicKey::parse(&read(path)?)?),
        None => signing_key(settings)?.map(|k| k.public()),
    };
    let text = match held {
        Some(path) => Some(read(path)?),
        None => duijie_store::log::latest_checkpoint(db).await?.map(|c| c.note),
    };
    let verdict = match (text, key) {
        (None, _) => duijie_app::log::check_all(db).await,
        (Some(_), None) => return Ok((false, "有签名检查点，但没有公钥可核验其签名（--key 或 log_key_file）".into())),
        (Some(text), Some(key)) => match opened(&key, &text) {
            Err(e) => return Ok((false, format!("检查点：{e}"))),
            Ok(cp) => duijie_app::log::check_against(db, &cp).await,
        },
    }
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok(match verdict {
        TreeVerdict::NoCheckpoint { size } => (true, format!("日志树与审计记录一致：共 {size} 条（尚无签名检查点）")),
        TreeVerdict::Matches { size } => (true, format!("日志树与签名检查点一致：前 {size} 条记录")),
        TreeVerdict::Broken { index, reason } => (false, format!("日志树在第 {index} 条（序号从 0 起）处不成立：{reason}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_computed_in_parts_is_the_streamed_root() {
        let leaves: Vec<Hash> = (0..70u32).map(|i| duijie_tlog::leaf_hash(&i.to_be_bytes())).collect();
        for n in 0..=leaves.len() {
            let mut streamed = verify::Root::new();
            leaves[..n].iter().for_each(|l| streamed.push(*l));
            for part in [1, 2, 4, 8, 64] {
                assert_eq!(checked_root(leaves.len(), n, part, |i| Ok(leaves[i])), Ok(streamed.root()), "{n} leaves in parts of {part}");
            }
        }
    }

    #[test]
    fn the_first_bad_leaf_in_order_is_reported_even_after_the_checkpoints_size() {
        let bad = |i: usize| if i == 37 || i == 61 { Err(format!("leaf {i}")) } else { Ok([0u8; 32]) };
        for part in [1, 4, 64] {
            assert_eq!(checked_root(70, 50, part, bad), Err("leaf 37".into()));
            assert_eq!(checked_root(70, 20, part, |i| if i == 37 { Err(format!("leaf {i}")) } else { Ok([0u8; 32]) }), Err("leaf 37".into()));
        }
    }
}
