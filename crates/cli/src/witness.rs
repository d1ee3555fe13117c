//! Witnesses of the verifiable log, both sides of C2SP tlog-witness
//! `add-checkpoint` (docs/verifiable-log.md §5).
//!
//! Guarantees:
//! - `duijie log witness` (the witness another department runs) co-signs a
//!   checkpoint only as `duijie_tlog::witness::decide` allows: signed by a log
//!   key it was given, and consistent with the checkpoint of that log it holds.
//!   What it holds is written to its state file (a new file renamed over the
//!   old) before it answers, so a restart never forgets a checkpoint it
//!   co-signed; requests are decided one at a time.
//! - [`publish`] (the platform's side) sends the newest checkpoint to every
//!   configured witness that has not co-signed it, with the consistency proof
//!   from the checkpoint that witness last co-signed (or from the size it says
//!   it holds), keeps each co-signature only after checking it with the
//!   witness's key, and records a fork refusal as an alarm (`log_alarms`), once
//!   per checkpoint and witness (the same checkpoint is not sent to it again).
//!   A witness that cannot be reached is tried again on the next call.
//! - The file drop (`log_checkpoint_dir`) always holds the newest checkpoint
//!   with the co-signatures received for it, replaced whole.

use anyhow::{Context, Result, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use duijie_store::Db;
use duijie_store::log as store_log;
use duijie_tlog::note::{Checkpoint, PrivateKey, PublicKey};
use duijie_tlog::witness::{self, AddCheckpoint, Refusal};
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Mutex;

/// One witness the platform sends its checkpoints to.
#[derive(Debug, Clone)]
pub struct Witness {
    /// The witness's address; requests go to `<url>/add-checkpoint`.
    pub url: String,
    pub key: PublicKey,
}

/// Reads the `log_witnesses` setting: entries `URL PUBLIC-KEY` separated by `;` or new lines.
pub fn parse_witnesses(setting: &str) -> Result<Vec<Witness>> {
    setting
        .split([';', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|entry| {
            let (url, key) = entry.split_once(char::is_whitespace).with_context(|| format!("log_witnesses 的一项应为“地址 公钥”：{entry}"))?;
            if !url.starts_with("http://") {
                bail!("见证方地址应以 http:// 开头（HTTPS 由前置代理提供）：{url}");
            }
            let key = PublicKey::parse(key.trim()).with_context(|| format!("见证方 {url} 的公钥"))?;
            Ok(Witness { url: url.trim_end_matches('/').to_string(), key })
        })
        .collect()
}

/// What sending the newest checkpoint to one witness came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The witness co-signed it now.
    Cosigned { witness: String, size: u64 },
    /// The witness had co-signed it before.
    AlreadyCosigned { witness: String, size: u64 },
    /// The witness refused it as a fork: an alarm was raised.
    Alarm { witness: String, reason: String },
    /// Not reached or an answer that is no co-signature; tried again next time.
    Failed { witness: String, reason: String },
}

impl Outcome {
    /// The line an operator reads.
    pub fn line(&self) -> String {
        match self {
            Outcome::Cosigned { witness, size } => format!("见证方 {witness} 已联署检查点（共 {size} 条记录）"),
            Outcome::AlreadyCosigned { witness, size } => format!("见证方 {witness} 此前已联署检查点（共 {size} 条记录）"),
            Outcome::Alarm { witness, reason } => format!("告警：见证方 {witness} 拒绝联署：{reason}"),
            Outcome::Failed { witness, reason } => format!("未能送达见证方 {witness}（下次重试）：{reason}"),
        }
    }
}

type Client = hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, Body>;

async fn post(client: &Client, url: &str, body: String) -> Result<(StatusCode, String), String> {
    let request = Request::post(format!("{url}/add-checkpoint")).body(Body::from(body)).map_err(|e| e.to_string())?;
    let call = async {
        let response = client.request(request).await.map_err(|e| format!("无法连接：{e}"))?;
        let status = response.status();
        // A witness's answer is a few lines: read at most 64 KB of it, whatever it sends.
        let bytes = http_body_util::Limited::new(response.into_body(), 64 * 1024).collect().await.map_err(|e| format!("应答读取失败：{e}"))?.to_bytes();
        Ok((status, String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned()))
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), call).await.map_err(|_| "10 秒内无应答".to_string())?
}

async fn proof(db: &Db, from: u64, to: u64) -> Result<Vec<duijie_tlog::Hash>, String> {
    if from == 0 || from == to {
        return Ok(Vec::new());
    }
    let p = duijie_app::log::consistency(db, from, to).await.map_err(|e| format!("{e:?}"))?;
    p.hashes.iter().map(|h| duijie_tlog::parse_hex(h).ok_or_else(|| "证明哈希无效".to_string())).collect()
}

async fn send(db: &Db, client: &Client, w: &Witness, latest: &store_log::StoredCheckpoint) -> Result<Outcome, duijie_store::Error> {
    let (name, size) = (w.key.name.clone(), latest.size as u64);
    let held = store_log::witnessed(db, &name).await?;
    if held.as_ref().is_some_and(|h| h.id == latest.id) {
        return Ok(Outcome::AlreadyCosigned { witness: name, size });
    }
    // A refusal is raised once per checkpoint; the next checkpoint is sent again.
    if let Some(a) = store_log::alarm_of(db, &name, latest.id).await? {
        return Ok(Outcome::Alarm { witness: name, reason: a.reason });
    }
    let text = duijie_tlog::note::split(&latest.note).map(|(t, _)| t.to_string()).unwrap_or_default();
    let mut old = held.map_or(0, |h| h.size as u64);
    // A second try only when the witness says it holds another size.
    for _ in 0..2 {
        let failed = |reason: String| Ok(Outcome::Failed { witness: name.clone(), reason });
        if old > size {
            return alarm(db, w, latest, format!("见证方已联署 {old} 条记录的检查点，本日志只有 {size} 条（尾部被删除或日志被替换）")).await;
        }
        let hashes = match proof(db, old, size).await {
            Ok(h) => h,
            Err(e) => return failed(e),
        };
        let body = AddCheckpoint { old, proof: hashes, note: latest.note.clone() }.encode();
        let (status, answer) = match post(client, &w.url, body).await {
            Ok(a) => a,
            Err(e) => return failed(e),
        };
        match status {
            StatusCode::OK => {
                let Some((time, line)) = w.key.cosigned(&text, &answer) else { return failed("应答中没有该见证方的有效联署".into()) };
                store_log::save_cosignature(db, latest.id, &name, time, &format!("{line}\n")).await?;
                return Ok(Outcome::Cosigned { witness: name, size });
            }
            StatusCode::CONFLICT => match answer.trim().parse::<u64>() {
                Ok(theirs) if theirs != old => old = theirs,
                _ => return failed(format!("见证方答复冲突但未给出可用的大小：{}", answer.trim())),
            },
            StatusCode::UNPROCESSABLE_ENTITY => return alarm(db, w, latest, format!("与其已联署的检查点不一致（日志被改写或分叉）：{}", answer.trim())).await,
            other => return failed(format!("HTTP {}：{}", other.as_u16(), answer.trim())),
        }
    }
    Ok(Outcome::Failed { witness: name, reason: "见证方两次答复冲突".into() })
}

async fn alarm(db: &Db, w: &Witness, latest: &store_log::StoredCheckpoint, reason: String) -> Result<Outcome, duijie_store::Error> {
    store_log::raise_alarm(db, &w.key.name, latest.id, &reason).await?;
    tracing::error!("日志见证告警：见证方 {} 拒绝联署第 {} 号检查点：{reason}", w.key.name, latest.id);
    Ok(Outcome::Alarm { witness: w.key.name.clone(), reason })
}

/// Sends the newest checkpoint to every witness that has not co-signed it,
/// then refreshes the file drop (`drop_dir`, if given).
pub async fn publish(db: &Db, witnesses: &[Witness], drop_dir: Option<&str>) -> Result<Vec<Outcome>> {
    let Some(latest) = store_log::latest_checkpoint(db).await? else { return Ok(Vec::new()) };
    let client: Client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let mut outcomes = Vec::with_capacity(witnesses.len());
    for w in witnesses {
        outcomes.push(send(db, &client, w, &latest).await?);
    }
    if let Some(dir) = drop_dir.filter(|d| !d.is_empty()) {
        let served = duijie_app::log::latest_cosigned(db).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
        std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {dir}"))?;
        let tmp = PathBuf::from(dir).join(".checkpoint.new");
        std::fs::write(&tmp, served).with_context(|| format!("无法写入 {}", tmp.display()))?;
        std::fs::rename(&tmp, PathBuf::from(dir).join("checkpoint")).with_context(|| format!("无法更新 {dir}/checkpoint"))?;
    }
    Ok(outcomes)
}

/// The checkpoint a witness holds for one log, as kept in its state file.
#[derive(Clone, Serialize, Deserialize)]
struct Held {
    size: u64,
    /// Base64, as in the checkpoint.
    root: String,
    note: String,
}

struct WitnessState {
    key: PrivateKey,
    logs: Vec<PublicKey>,
    path: PathBuf,
    held: Mutex<BTreeMap<String, Held>>,
}

impl Held {
    fn checkpoint(&self, origin: &str) -> Option<Checkpoint> {
        Checkpoint::parse(&format!("{origin}\n{}\n{}\n{}\n", self.size, self.root, duijie_tlog::note::VERSION_LINE)).ok()
    }
}

fn refused(r: &Refusal) -> Response {
    let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::BAD_REQUEST);
    match r {
        Refusal::Conflict(size) => (status, [(header::CONTENT_TYPE, "text/x.tlog.size")], format!("{size}\n")).into_response(),
        other => (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{other}\n")).into_response(),
    }
}

async fn add_checkpoint(State(state): State<Arc<WitnessState>>, body: String) -> Response {
    let request = match AddCheckpoint::parse(&body) {
        Ok(r) => r,
        Err(r) => return refused(&r),
    };
    let origin = request.note.split('\n').next().unwrap_or_default();
    let Some(key) = state.logs.iter().find(|k| k.name == origin) else { return refused(&Refusal::UnknownLog(origin.to_string())) };
    // One decision at a time: the held checkpoint cannot change between reading and writing it.
    let mut held = state.held.lock().await;
    let current = held.get(origin).and_then(|h| h.checkpoint(origin));
    let new = match witness::decide(current.as_ref(), &request, key) {
        Ok(cp) => cp,
        Err(r) => {
            tracing::warn!("拒绝联署 {origin}：{r}");
            return refused(&r);
        }
    };
    let mut next = held.clone();
    next.insert(origin.to_string(), Held { size: new.size, root: B64.encode(new.root), note: request.note.clone() });
    if let Err(e) = save(&state.path, &next) {
        tracing::error!("见证状态无法保存：{e:#}");
        return (StatusCode::INTERNAL_SERVER_ERROR, "见证状态无法保存\n").into_response();
    }
    *held = next;
    let time = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    tracing::info!("已联署 {origin}：共 {} 条记录", new.size);
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], state.key.cosign(&new.body(), time)).into_response()
}

fn save(path: &PathBuf, held: &BTreeMap<String, Held>) -> Result<()> {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, serde_json::to_vec_pretty(held)?).with_context(|| format!("无法写入 {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("无法更新 {}", path.display()))?;
    Ok(())
}

/// Runs a witness until the process is stopped: `POST /add-checkpoint`.
pub async fn serve(listen: &str, key_file: &str, log_keys: &[String], state_file: &str) -> Result<()> {
    let key = PrivateKey::parse(&std::fs::read_to_string(key_file).with_context(|| format!("无法读取见证方私钥 {key_file}"))?)?;
    let logs = log_keys
        .iter()
        .map(|f| PublicKey::parse(&std::fs::read_to_string(f).with_context(|| format!("无法读取日志公钥 {f}"))?).map_err(anyhow::Error::from))
        .collect::<Result<Vec<_>>>()?;
    if logs.is_empty() {
        bail!("至少需要一个 --log-key（所见证日志的公钥）");
    }
    let path = PathBuf::from(state_file);
    let held = if path.exists() {
        serde_json::from_slice(&std::fs::read(&path).with_context(|| format!("无法读取见证状态 {state_file}"))?).with_context(|| format!("见证状态 {state_file} 已损坏"))?
    } else {
        BTreeMap::new()
    };
    let state = Arc::new(WitnessState { key, logs, path, held: Mutex::new(held) });
    for log in &state.logs {
        match state.held.lock().await.get(&log.name).and_then(|h| h.checkpoint(&log.name)) {
            Some(cp) => eprintln!("见证日志 {}：已联署至 {} 条记录", log.name, cp.size),
            None => eprintln!("见证日志 {}：尚未联署", log.name),
        }
    }
    let app = axum::Router::new().route("/add-checkpoint", axum::routing::post(add_checkpoint)).with_state(state);
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("无法监听 {listen}"))?;
    println!("见证服务已启动：http://{}", listener.local_addr()?);
    use std::io::Write;
    std::io::stdout().flush()?;
    axum::serve(listener, app).await?;
    Ok(())
}
