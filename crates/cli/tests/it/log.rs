//! The verifiable log from outside: the public API (on both backends) and the
//! `duijie log` / `duijie audit verify` commands against each kind of tampering.
//! Proofs are checked with the independent RFC 9162 implementation of the
//! test suite (`crates/tlog/tests/reference`), not the production verifier.

#[path = "../../../tlog/tests/reference/mod.rs"]
mod reference;

use crate::support::{App, both};
use duijie_store::{Db, on_db, testing};
use duijie_tlog::note::{self, Checkpoint, PrivateKey, PublicKey};
use std::process::{Command, Output, Stdio};

both!(
    log_api_serves_checkpoints_proofs_and_public_entries_without_a_token,
    the_verify_page_says_whether_a_receipt_is_included_and_unchanged,
    a_pairing_agreement_carries_a_receipt_that_the_verify_page_checks,
);

fn unhex(s: &str) -> reference::H {
    duijie_tlog::parse_hex(s).expect("hex hash")
}

/// Every leaf hash, from the audit rows through the documented encoding and the test's own hashing.
async fn reference_leaves(db: &Db) -> Vec<reference::H> {
    let n = duijie_store::log::size(db).await.unwrap();
    duijie_store::log::rows(db, 0, n).await.unwrap().iter().map(|r| reference::leaf(&duijie_store::log::entry_of(r).encode())).collect()
}

async fn log_api_serves_checkpoints_proofs_and_public_entries_without_a_token(a: App) {
    assert_eq!(a.api("GET", "/api/v1/public/log/checkpoint", None, None).await.status, 404, "nothing signed yet");
    let key = PrivateKey::generate("duijie.test/log").unwrap();
    let first = duijie_app::log::sign_checkpoint(&a.t.db, &key).await.unwrap();
    // More audited changes, then a second checkpoint.
    let mut tx = a.t.db.begin().await.unwrap();
    duijie_store::audit::append(&mut tx, &duijie_store::Actor::system("测试"), duijie_store::audit::Change {
        region: "530628",
        action: "pairing.signed",
        entity: "pairing",
        entity_id: "9",
        before: None,
        after: Some(serde_json::json!({"contact": "张三 13800000000"})),
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    duijie_app::log::sign_checkpoint(&a.t.db, &key).await.unwrap();

    let res = a.api("GET", "/api/v1/public/log/checkpoint", None, None).await;
    assert_eq!(res.status, 200, "{}", a.backend());
    assert!(res.headers["content-type"].to_str().unwrap().starts_with("text/plain"));
    let cp = Checkpoint::parse(note::open(&res.body, &key.public()).expect("signed by the key")).unwrap();
    let d = reference_leaves(&a.t.db).await;
    assert_eq!(cp.size as usize, d.len());
    assert_eq!(cp.root, reference::mth(&d), "the checkpoint's root is the RFC 9162 root of the entries");

    let n = cp.size as usize;
    for index in [0, n / 2, n - 1] {
        let p = a.api("GET", &format!("/api/v1/public/log/proof/inclusion?index={index}&size={n}"), None, None).await.json();
        assert_eq!(unhex(p["leaf_hash"].as_str().unwrap()), d[index]);
        let path: Vec<_> = p["hashes"].as_array().unwrap().iter().map(|h| unhex(h.as_str().unwrap())).collect();
        assert_eq!(path, reference::path(index, &d), "inclusion {index} ({})", a.backend());
    }
    let m = first.size as usize;
    let c = a.api("GET", &format!("/api/v1/public/log/proof/consistency?from={m}&to={n}"), None, None).await.json();
    let proof: Vec<_> = c["hashes"].as_array().unwrap().iter().map(|h| unhex(h.as_str().unwrap())).collect();
    assert_eq!(proof, reference::proof(m, &d));
    assert_eq!(unhex(c["from_root"].as_str().unwrap()), reference::mth(&d[..m]));

    for bad in ["/api/v1/public/log/proof/inclusion?index=5&size=5", &format!("/api/v1/public/log/proof/inclusion?index=0&size={}", n + 1),
        "/api/v1/public/log/proof/consistency?from=0&to=3", &format!("/api/v1/public/log/entries?start=0&end={}", n + 1)]
    {
        assert_eq!(a.api("GET", bad, None, None).await.status, 422, "{bad}");
    }
    assert_eq!(a.api("GET", "/api/v1/public/log/proof/inclusion?index=-1&size=3", None, None).await.status, 400);

    // Entries: bounded, public kinds in full, the rest by leaf hash only, nothing personal.
    let big = a.api("GET", &format!("/api/v1/public/log/entries?start=0&end={}", 1001.min(n)), None, None).await;
    assert_eq!(big.status, if n >= 1001 { 422 } else { 200 });
    let start = n.saturating_sub(400);
    let page = a.api("GET", &format!("/api/v1/public/log/entries?start={start}&end={n}"), None, None).await;
    assert_eq!(page.status, 200);
    let rows = duijie_store::log::rows(&a.t.db, start as u64, n as u64).await.unwrap();
    for (e, r) in page.json()["entries"].as_array().unwrap().iter().zip(&rows) {
        let i = e["index"].as_u64().unwrap() as usize;
        assert_eq!(unhex(e["leaf_hash"].as_str().unwrap()), d[i]);
        let public = duijie_app::log::PUBLIC_ENTITIES.contains(&r.entity.as_str());
        assert_eq!(e["public"], public, "{}", r.entity);
        if public {
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD.decode(e["entry"].as_str().unwrap()).unwrap();
            assert_eq!(reference::leaf(&bytes), d[i], "the entry bytes give the leaf");
        } else {
            assert!(e["entry"].is_null() && e["action"].is_null());
        }
    }
    for personal in ["张三", "13800000000"] {
        assert!(!page.body.contains(personal), "{personal} must not be published");
    }
    for r in rows.iter().filter(|r| r.actor_id.is_some()) {
        assert!(!page.body.contains(&format!("\"{}\"", r.actor)), "who acted is not published");
    }
    // The server's interval task signs only when the log grew.
    assert!(duijie_app::log::sign_if_grown(&a.t.db, &key).await.unwrap().is_none(), "nothing new, nothing signed");
    let mut tx = a.t.db.begin().await.unwrap();
    duijie_store::audit::append(&mut tx, &duijie_store::Actor::system("测试"), duijie_store::audit::Change {
        region: "53", action: "designation.add", entity: "designation", entity_id: "1", before: None, after: None,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let grown = duijie_app::log::sign_if_grown(&a.t.db, &key).await.unwrap().expect("the log grew");
    assert_eq!(grown.size as u64, cp.size + 1);
    let doc = a.api("GET", "/api/openapi.json", None, None).await.json();
    for path in ["/api/v1/public/log/checkpoint", "/api/v1/public/log/proof/inclusion", "/api/v1/public/log/proof/consistency", "/api/v1/public/log/entries"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} is described");
        assert_eq!(doc["paths"][path]["get"]["security"], serde_json::json!([{}]), "{path} needs no token");
    }
}

/// A database with a signing key, a checkpoint held outside, and the commands to run against it.
struct Case {
    t: testing::TestDb,
    dir: tempfile::TempDir,
    /// The checkpoint the verifier took before the tampering.
    held: String,
    size: i64,
}

impl Case {
    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[])
    }

    fn run_with(&self, args: &[&str], envs: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_duijie"));
        cmd.envs(envs.iter().copied());
        cmd.arg("--database").arg(&self.t.url).args(args).env_remove("DUIJIE_DATABASE_URL").env_remove("DUIJIE_LOG_KEY");
        cmd.env("DUIJIE_LOG", "warn").env("DUIJIE_LOG_KEY_FILE", self.path("log.key")).env("DUIJIE_DATA_KEY_FILE", self.path("data.key"));
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd.output().expect("run duijie")
    }

    async fn new() -> Case {
        let t = testing::fresh_sqlite().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut case = Case { t, dir, held: String::new(), size: 0 };
        let keygen = case.run(&["log", "keygen", "--name", "duijie.test/log"]);
        assert!(keygen.status.success(), "{}", text(&keygen.stderr));
        assert_eq!(text(&keygen.stdout).trim(), std::fs::read_to_string(case.path("log.key.pub")).unwrap().trim());
        let again = case.run(&["log", "keygen", "--name", "duijie.test/log"]);
        assert!(!again.status.success(), "an existing key is not overwritten");
        let cp = case.run(&["log", "checkpoint"]);
        assert!(cp.status.success(), "{}", text(&cp.stderr));
        case.held = text(&cp.stdout);
        std::fs::write(case.path("held.cp"), &case.held).unwrap();
        case.size = Checkpoint::parse(&case.held[..case.held.find("\n\n").unwrap() + 1]).unwrap().size as i64;
        case
    }

    /// `log verify` of the held checkpoint with a fresh export, JSON and compact;
    /// `audit verify` against the held checkpoint.
    fn verdicts(&self) -> Verdicts {
        let export = self.run(&["log", "export", "--out", &self.path("entries.json")]);
        assert!(export.status.success(), "{}", text(&export.stderr));
        let compact = self.run(&["log", "export", "--compact", "--out", &self.path("entries.bin")]);
        assert!(compact.status.success(), "{}", text(&compact.stderr));
        let verify = |file: &str| self.run(&["log", "verify", "--checkpoint", &self.path("held.cp"), "--key", &self.path("log.key.pub"), "--entries", &self.path(file)]);
        let audit = self.run(&["audit", "verify", "--checkpoint", &self.path("held.cp"), "--key", &self.path("log.key.pub")]);
        Verdicts { json: verify("entries.json"), compact: verify("entries.bin"), audit }
    }

    async fn sql(&self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        on_db!(&self.t.db, p => sqlx::query(sql).execute(p).await.map(|_| ())).unwrap();
    }

    async fn drop_guards(&self) {
        for t in ["audit_log_no_update", "audit_log_no_delete", "log_leaves_no_update", "log_leaves_no_delete", "log_nodes_no_update", "log_nodes_no_delete"] {
            self.sql(&format!("DROP TRIGGER {t}")).await;
        }
    }

    /// What someone with full database access does to make the log end at `keep` rows
    /// with nothing inside the database to tell: rows, leaves, subtrees, checkpoints and the head.
    async fn cut_to(&self, keep: i64) {
        self.sql(&format!("DELETE FROM audit_log WHERE seq > {keep}")).await;
        self.sql(&format!("DELETE FROM log_leaves WHERE idx >= {keep}")).await;
        for level in 1..63 {
            self.sql(&format!("DELETE FROM log_nodes WHERE level = {level} AND idx >= {}", keep >> level)).await;
        }
        self.sql("DELETE FROM log_cosignatures").await;
        self.sql("DELETE FROM log_checkpoints").await;
        self.sql(&format!("UPDATE audit_head SET seq = {keep}, hash = (SELECT hash FROM audit_log WHERE seq = {keep}) WHERE id = 1")).await;
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// What the three checks said.
struct Verdicts {
    json: Output,
    compact: Output,
    audit: Output,
}

fn assert_caught(case: &str, Verdicts { json, compact, audit }: Verdicts, why: &str) {
    for (form, verify) in [("JSON", json), ("compact", compact)] {
        assert_eq!(verify.status.code(), Some(1), "{case}, {form} export: log verify must fail\n{}", text(&verify.stderr));
        assert!(text(&verify.stderr).contains(why), "{case}, {form} export: {}", text(&verify.stderr));
        assert!(text(&verify.stderr).contains("通过：检查点签名有效"), "{case}: the held checkpoint itself is genuine");
    }
    assert_eq!(audit.status.code(), Some(1), "{case}: audit verify must fail\n{}", text(&audit.stderr));
    assert!(text(&audit.stderr).contains("日志树在第"), "{case}: {}", text(&audit.stderr));
}

#[tokio::test]
async fn log_verify_passes_an_untouched_log_and_checks_proofs_offline() {
    let c = Case::new().await;
    let Verdicts { json, compact, audit } = c.verdicts();
    for verify in [json, compact] {
        assert!(verify.status.success(), "{}", text(&verify.stderr));
        assert!(text(&verify.stderr).contains("树根与检查点一致"));
    }
    assert!(std::fs::metadata(c.path("entries.bin")).unwrap().len() < std::fs::metadata(c.path("entries.json")).unwrap().len() / 2, "the compact form is compact");
    // A compact export cut inside a record is refused as cut, not read as a shorter log.
    let bin = std::fs::read(c.path("entries.bin")).unwrap();
    std::fs::write(c.path("cut.bin"), &bin[..bin.len() - 7]).unwrap();
    let cut = c.run(&["log", "verify", "--checkpoint", &c.path("held.cp"), "--key", &c.path("log.key.pub"), "--entries", &c.path("cut.bin")]);
    assert_eq!(cut.status.code(), Some(1));
    assert!(text(&cut.stderr).contains("处被截断"), "{}", text(&cut.stderr));
    assert!(audit.status.success(), "{}", text(&audit.stderr));
    assert!(text(&audit.stderr).contains("日志树与签名检查点一致"));
    // The stored checkpoint is checked by default, with the configured key's public half.
    let plain = c.run(&["audit", "verify"]);
    assert!(plain.status.success(), "{}", text(&plain.stderr));
    // A proof as the API gives it.
    let proof = duijie_app::log::inclusion(&c.t.db, 3, c.size as u64).await.unwrap();
    std::fs::write(c.path("inclusion.json"), serde_json::to_string(&proof).unwrap()).unwrap();
    let ok = c.run(&["log", "verify", "--checkpoint", &c.path("held.cp"), "--key", &c.path("log.key.pub"), "--proof", &c.path("inclusion.json")]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let mut forged = serde_json::to_value(&proof).unwrap();
    forged["index"] = serde_json::json!(4);
    std::fs::write(c.path("forged.json"), forged.to_string()).unwrap();
    let bad = c.run(&["log", "verify", "--checkpoint", &c.path("held.cp"), "--key", &c.path("log.key.pub"), "--proof", &c.path("forged.json")]);
    assert_eq!(bad.status.code(), Some(1));
    // Another key does not open the checkpoint.
    std::fs::write(c.path("other.pub"), PrivateKey::generate("duijie.test/log").unwrap().public().encode()).unwrap();
    let other = c.run(&["log", "verify", "--checkpoint", &c.path("held.cp"), "--key", &c.path("other.pub")]);
    assert_eq!(other.status.code(), Some(1));
    assert!(text(&other.stderr).contains("签名验证失败"));
    assert!(PublicKey::parse(&std::fs::read_to_string(c.path("log.key.pub")).unwrap()).is_ok());
}

#[tokio::test]
async fn an_edited_entry_is_caught() {
    let c = Case::new().await;
    c.drop_guards().await;
    c.sql("UPDATE audit_log SET after_json = '{\"funds\":1}' WHERE seq = 5").await;
    assert_caught("edited", c.verdicts(), "树根与检查点不符");
}

#[tokio::test]
async fn a_deleted_entry_is_caught() {
    let c = Case::new().await;
    c.drop_guards().await;
    c.sql("DELETE FROM audit_log WHERE seq = 5").await;
    assert_caught("deleted", c.verdicts(), "记录缺失或顺序被打乱");
}

#[tokio::test]
async fn a_removed_tail_is_caught_even_when_the_database_was_made_to_agree() {
    let c = Case::new().await;
    c.drop_guards().await;
    c.cut_to(c.size - 3).await;
    // Inside the database everything agrees again ...
    let inside = c.run(&["audit", "verify"]);
    assert!(inside.status.success(), "{}", text(&inside.stderr));
    // ... but not with the checkpoint the verifier holds.
    assert_caught("tail", c.verdicts(), "尾部被删除");
}

#[tokio::test]
async fn reordered_entries_are_caught() {
    let c = Case::new().await;
    c.drop_guards().await;
    // Rows 5 and 6 trade places (their contents move, their numbers stay).
    let cols = "at, actor_id, actor, unit, region_code, action, entity, entity_id, before_json, after_json";
    c.sql(&format!("CREATE TABLE swap AS SELECT seq, {cols} FROM audit_log WHERE seq IN (5, 6)")).await;
    for col in cols.split(", ") {
        c.sql(&format!("UPDATE audit_log SET {col} = (SELECT s.{col} FROM swap s WHERE s.seq = 11 - audit_log.seq) WHERE seq IN (5, 6)")).await;
    }
    assert_caught("reordered", c.verdicts(), "树根与检查点不符");
}

#[tokio::test]
async fn a_rewrite_with_every_later_hash_and_a_new_checkpoint_is_caught_by_the_held_checkpoint() {
    let c = Case::new().await;
    c.drop_guards().await;
    let keep = c.size / 2;
    c.cut_to(keep).await;
    // The rewritten history: different rows from `keep` on, appended through the
    // platform's own code, so the chain, the tree and a freshly signed checkpoint all agree.
    for i in 0..(c.size - keep + 2) {
        let mut tx = c.t.db.begin().await.unwrap();
        duijie_store::audit::append(&mut tx, &duijie_store::Actor::system("改写"), duijie_store::audit::Change {
            region: "53",
            action: "organization.update",
            entity: "organization",
            entity_id: &i.to_string(),
            before: None,
            after: None,
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let resigned = c.run(&["log", "checkpoint"]);
    assert!(resigned.status.success());
    std::fs::write(c.path("new.cp"), resigned.stdout).unwrap();
    let inside = c.run(&["audit", "verify"]);
    assert!(inside.status.success(), "the database agrees with itself: {}", text(&inside.stderr));
    assert_caught("rewrite", c.verdicts(), "树根与检查点不符");
    // Nor can the new checkpoint be shown to extend the held one.
    let new_size = Checkpoint::parse(note::open(&std::fs::read_to_string(c.path("new.cp")).unwrap(), &PublicKey::parse(&std::fs::read_to_string(c.path("log.key.pub")).unwrap()).unwrap()).unwrap()).unwrap().size;
    let proof = duijie_app::log::consistency(&c.t.db, c.size as u64, new_size).await.unwrap();
    std::fs::write(c.path("consistency.json"), serde_json::to_string(&proof).unwrap()).unwrap();
    let fork = c.run(&["log", "verify", "--checkpoint", &c.path("new.cp"), "--key", &c.path("log.key.pub"), "--old-checkpoint", &c.path("held.cp"), "--proof", &c.path("consistency.json")]);
    assert_eq!(fork.status.code(), Some(1), "{}", text(&fork.stderr));
    assert!(text(&fork.stderr).contains("不一致"));
}

/// `duijie log witness` as another department runs it; stopped when dropped.
struct WitnessProcess {
    child: std::process::Child,
    url: String,
}

impl WitnessProcess {
    fn start(c: &Case) -> WitnessProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_duijie"))
            .args(["log", "witness", "--listen", "127.0.0.1:0", "--key", &c.path("w.key"), "--log-key", &c.path("log.key.pub"), "--state", &c.path("w.json")])
            .env("DUIJIE_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the witness");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
        let url = line.trim().rsplit('：').next().unwrap().to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{line}");
        WitnessProcess { child, url }
    }
}

impl Drop for WitnessProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The size of the checkpoint a witness holds, from its state file.
fn witness_holds(c: &Case) -> u64 {
    let state: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(c.path("w.json")).unwrap()).unwrap();
    state["duijie.test/log"]["size"].as_u64().unwrap()
}

async fn append_rows(c: &Case, n: i64, entity_id: &str) {
    for _ in 0..n {
        let mut tx = c.t.db.begin().await.unwrap();
        let change = duijie_store::audit::Change { region: "53", action: "organization.update", entity: "organization", entity_id, before: None, after: None };
        duijie_store::audit::append(&mut tx, &duijie_store::Actor::system("测试"), change).await.unwrap();
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn a_witness_cosigns_a_growing_log_and_refuses_a_rewritten_one_which_raises_an_alarm() {
    let c = Case::new().await;
    let keygen = c.run(&["log", "keygen", "--name", "witness.test/w", "--out", &c.path("w.key")]);
    assert!(keygen.status.success(), "{}", text(&keygen.stderr));
    let witness_key = PublicKey::parse(&std::fs::read_to_string(c.path("w.key.pub")).unwrap()).unwrap();
    let log_key = PublicKey::parse(&std::fs::read_to_string(c.path("log.key.pub")).unwrap()).unwrap();
    let mut w = WitnessProcess::start(&c);
    let setting = format!("{} {}", w.url, witness_key.encode());
    let drop_dir = c.path("drop");
    let publish = |c: &Case, setting: &str| c.run_with(&["log", "publish"], &[("DUIJIE_LOG_WITNESSES", setting), ("DUIJIE_LOG_CHECKPOINT_DIR", &drop_dir)]);

    // The first checkpoint: co-signed, served with the co-signature, still opened by the log's key.
    let first = publish(&c, &setting);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(text(&first.stderr).contains("已联署"), "{}", text(&first.stderr));
    let served = duijie_app::log::latest_cosigned(&c.t.db).await.unwrap();
    let (body, lines) = note::split(&served).unwrap();
    assert!(witness_key.cosigned(body, lines).is_some(), "the served checkpoint carries the witness's co-signature:\n{served}");
    assert!(note::open(&served, &log_key).is_ok());
    assert_eq!(std::fs::read_to_string(c.path("drop/checkpoint")).unwrap(), served, "the file drop holds what the API serves");
    assert_eq!(witness_holds(&c), c.size as u64);
    std::fs::write(c.path("cosigned.cp"), &served).unwrap();
    let verify = c.run(&["log", "verify", "--checkpoint", &c.path("cosigned.cp"), "--key", &c.path("log.key.pub")]);
    assert!(verify.status.success(), "co-signature lines do not disturb the offline verifier: {}", text(&verify.stderr));
    let again = publish(&c, &setting);
    assert!(again.status.success() && text(&again.stderr).contains("此前已联署"), "{}", text(&again.stderr));
    let page = verify_page(&c).await;
    assert!(page.contains("已由见证方联署：witness.test/w") && !page.contains("见证告警"), "the 核验 page names the co-signer: {page}");

    // The log grows: the next checkpoint is co-signed with a consistency proof from the one the witness holds.
    append_rows(&c, 5, "1").await;
    assert!(c.run(&["log", "checkpoint"]).status.success());
    let grown = publish(&c, &setting);
    assert!(grown.status.success(), "{}", text(&grown.stderr));
    let grown_size = c.size as u64 + 5;
    assert_eq!(witness_holds(&c), grown_size);

    // Someone with full database access rewrites the history after `keep`, with every later hash
    // and a checkpoint signed by the platform's own key; the database agrees with itself ...
    c.drop_guards().await;
    let keep = c.size / 2;
    c.cut_to(keep).await;
    append_rows(&c, grown_size as i64 - keep + 3, "999").await;
    assert!(c.run(&["log", "checkpoint"]).status.success());
    assert!(c.run(&["audit", "verify"]).status.success(), "the database agrees with itself");
    // ... but the witness (restarted: what it holds survives) refuses, and the platform raises an alarm.
    drop(w);
    w = WitnessProcess::start(&c);
    let setting = format!("{} {}", w.url, witness_key.encode());
    let forked = publish(&c, &setting);
    assert_eq!(forked.status.code(), Some(1), "{}", text(&forked.stderr));
    assert!(text(&forked.stderr).contains("告警") && text(&forked.stderr).contains("不一致"), "{}", text(&forked.stderr));
    assert_eq!(witness_holds(&c), grown_size, "the witness still holds the history it co-signed");
    let repeated = publish(&c, &setting);
    assert_eq!(repeated.status.code(), Some(1), "the alarm stands: {}", text(&repeated.stderr));
    let alarms = duijie_store::log::alarms(&c.t.db, 10).await.unwrap();
    assert_eq!(alarms.len(), 1, "raised once for the checkpoint: {alarms:?}");
    assert_eq!(alarms[0].witness, "witness.test/w");
    let served = duijie_app::log::latest_cosigned(&c.t.db).await.unwrap();
    let (body, lines) = note::split(&served).unwrap();
    assert_eq!(witness_key.cosigned(body, lines), None, "the rewritten log's checkpoint has no co-signature");
    let page = verify_page(&c).await;
    assert!(page.contains("见证告警") && page.contains("见证方 witness.test/w") && page.contains("尚无见证方联署"), "anyone checking a receipt is told: {page}");
}

/// The public 核验 page as anyone sees it.
async fn verify_page(c: &Case) -> String {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let state = duijie_web::AppState::new(c.t.db.clone(), duijie_web::WebConfig::default()).await.unwrap();
    let req = axum::http::Request::get("/public/verify").body(axum::body::Body::empty()).unwrap();
    let res = duijie_web::router(state).oneshot(req).await.unwrap();
    assert_eq!(res.status(), axum::http::StatusCode::OK);
    String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

async fn the_verify_page_says_whether_a_receipt_is_included_and_unchanged(a: App) {
    let page = |q: String| {
        let a = &a;
        async move { a.get(&format!("/public/verify{q}"), "").await }
    };
    let empty = page(String::new()).await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("记录核验") && !empty.body.contains("verify-result"));
    let d = reference_leaves(&a.t.db).await;
    let receipt = |i: usize| format!("?index={i}&leaf={}", reference::hex(&d[i]));
    assert!(page(receipt(3)).await.body.contains("尚未签发检查点"));
    let key = PrivateKey::generate("duijie.test/log").unwrap();
    let cp = duijie_app::log::sign_checkpoint(&a.t.db, &key).await.unwrap();

    let ok = page(receipt(3)).await;
    assert!(ok.body.contains("data-outcome=\"ok\"") && ok.body.contains("核验通过"), "{}: {}", a.backend(), ok.body);
    assert!(ok.body.contains(&reference::hex(&reference::path(3, &d)[0])), "the proof is shown");
    let wrong = page(format!("?index=4&leaf={}", reference::hex(&d[3]))).await;
    assert!(wrong.body.contains("data-outcome=\"missing\""), "another entry's hash at this index");
    let later = page(format!("?index={}&leaf={}", cp.size, reference::hex(&d[3]))).await;
    assert!(later.body.contains("data-outcome=\"pending\""));
    assert!(page("?index=x&leaf=12".into()).await.body.contains("请填写回执上的记录序号"));

    // An operator edits the row behind the platform: the receipt no longer verifies.
    let sql = match &a.t.db {
        Db::Sqlite(_) => "DROP TRIGGER audit_log_no_update",
        Db::Postgres(_) => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
    };
    on_db!(&a.t.db, p => sqlx::query(sql).execute(p).await.map(|_| ())).unwrap();
    on_db!(&a.t.db, p => sqlx::query("UPDATE audit_log SET entity_id = '999' WHERE seq = 4").execute(p).await.map(|_| ())).unwrap();
    let altered = page(receipt(3)).await;
    assert!(altered.body.contains("data-outcome=\"altered\"") && altered.body.contains("记录已被改动"), "{}", altered.body);
}

/// The agreement's `word/document.xml` (read with python3's own zipfile).
fn docx_xml(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("agreement.docx");
    std::fs::write(&file, bytes).unwrap();
    let script = "import zipfile,sys; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read('word/document.xml').decode())";
    let out = Command::new("python3").arg("-c").arg(script).arg(&file).output().expect("python3 reads the .docx package");
    assert!(out.status.success(), "not a .docx: {}", text(&out.stderr));
    text(&out.stdout)
}

async fn a_pairing_agreement_carries_a_receipt_that_the_verify_page_checks(a: App) {
    use axum::body::Body;
    use axum::http::{Request, header};
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let everyone = duijie_domain::Principal::platform();
    let (all, _) = duijie_store::pairing::list(&a.t.db, &everyone.scope(), &duijie_store::pairing::Filter::default(), 500, 0).await.unwrap();
    let p = all.into_iter().find(|p| p.org_name == "演示·彝良县助学服务中心" && p.county_code.as_str() == "530628").expect("demo pairing");
    let (cookie, _) = a.login("yl_xz").await;
    let res = a.router.clone().oneshot(Request::get(format!("/pairing/{}/agreement.docx", p.id)).header(header::COOKIE, &cookie).body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.status(), 200);
    let xml = docx_xml(&res.into_body().collect().await.unwrap().to_bytes());
    let line = xml.split("可验证日志回执：第 ").nth(1).expect("the agreement carries a receipt");
    let (index, rest) = line.split_once(" 条 ").unwrap();
    let leaf = &rest[..64];
    // The receipt is the newest log entry about this pairing, by the documented encoding.
    let rows = duijie_store::log::rows(&a.t.db, 0, duijie_store::log::size(&a.t.db).await.unwrap()).await.unwrap();
    let newest = rows.iter().rfind(|r| r.entity == "pairing" && r.entity_id == p.id.to_string()).unwrap();
    assert_eq!(index.parse::<i64>().unwrap(), newest.seq - 1);
    assert_eq!(leaf, reference::hex(&reference::leaf(&duijie_store::log::entry_of(newest).encode())));

    let key = PrivateKey::generate("duijie.test/log").unwrap();
    duijie_app::log::sign_checkpoint(&a.t.db, &key).await.unwrap();
    let check = a.get(&format!("/public/verify?index={index}&leaf={leaf}"), "").await;
    assert!(check.body.contains("data-outcome=\"ok\""), "{}: {}", a.backend(), check.body);
    // An operator changes that row in the database: the receipt no longer verifies.
    let sql = match &a.t.db {
        Db::Sqlite(_) => "DROP TRIGGER audit_log_no_update",
        Db::Postgres(_) => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
    };
    on_db!(&a.t.db, p => sqlx::query(sql).execute(p).await.map(|_| ())).unwrap();
    on_db!(&a.t.db, q => sqlx::query("UPDATE audit_log SET after_json = '{}' WHERE seq = $1").bind(newest.seq).execute(q).await.map(|_| ())).unwrap();
    let check = a.get(&format!("/public/verify?index={index}&leaf={leaf}"), "").await;
    assert!(check.body.contains("data-outcome=\"altered\""), "{}", check.body);
}
