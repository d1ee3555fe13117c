//! Spreadsheets from strangers through every importer: the `duijie import`
//! binary (its peak memory measured by `wait4`'s `ru_maxrss`) and the four web
//! importers (demand list, registry, designations, pairing list). Each hostile
//! file gets its Chinese message, and nothing is written. Also: a file with
//! more than 1,000 errors lists 1,000, counts the rest and offers them all as
//! an .xlsx.

use crate::support::{App, app, multipart};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use duijie_office::hostile::{Hostile, hostile_files};
use duijie_store::testing;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The hostile files, made once for the whole test binary (the million-row
/// sheet and the bomb take a few seconds to write).
fn files() -> &'static [Hostile] {
    static FILES: OnceLock<(tempfile::TempDir, Vec<Hostile>)> = OnceLock::new();
    let (_, files) = FILES.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let files = hostile_files(dir.path(), &["统一社会信用代码", "名称", "区划代码"]);
        (dir, files)
    });
    files
}

/// Peak resident memory allowed to the CLI on any hostile file.
const MAX_RSS_BYTES: i64 = 200 * 1024 * 1024;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    max_rss_bytes: i64,
}

/// Set (to the database URL and the arguments, separated by U+001F) when this
/// test binary is started again only to measure one run of `duijie`.
const MEASURE: &str = "DUIJIE_TEST_MEASURE_ARGS";
const MEASURING_TEST: &str = "hostile_files::the_cli_refuses_every_hostile_file_in_little_memory_and_writes_nothing";

/// Runs `duijie` and reports its own peak RSS.
///
/// A child's `ru_maxrss` starts from the memory of the process that spawned
/// it (its address space is that process's until `exec`), and this test
/// process is large after writing the hostile files; so a fresh copy of this
/// test binary, small, spawns `duijie` and reaps it with `wait4`
/// ([`measure_and_print`]).
fn run_measured(url: &str, args: &[&str]) -> Run {
    let spec = std::iter::once(url).chain(args.iter().copied()).collect::<Vec<_>>().join("\u{1f}");
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", MEASURING_TEST, "--nocapture", "--test-threads=1"])
        .env(MEASURE, spec)
        .stdin(Stdio::null())
        .output()
        .expect("run the measuring test binary");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find_map(|l| l.split_once("MEASURED ").map(|(_, json)| json)).unwrap_or_else(|| panic!("no measurement: {}", String::from_utf8_lossy(&out.stderr)));
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    Run {
        code: v["code"].as_i64().unwrap() as i32,
        stdout: v["stdout"].as_str().unwrap().to_string(),
        stderr: v["stderr"].as_str().unwrap().to_string(),
        max_rss_bytes: v["max_rss_bytes"].as_i64().unwrap(),
    }
}

/// In the measuring copy: runs `duijie` as [`MEASURE`] says, reaps it with
/// `wait4` and prints its exit code, output and `ru_maxrss` as one JSON line.
fn measure_and_print(spec: &str) {
    let mut parts = spec.split('\u{1f}');
    let url = parts.next().unwrap();
    let args: Vec<&str> = parts.collect();
    #[expect(clippy::zombie_processes, reason = "reaped below with wait4, whose rusage std's Child::wait does not give")]
    let mut child = Command::new(env!("CARGO_BIN_EXE_duijie"))
        .arg("--database")
        .arg(url)
        .args(&args)
        .env_remove("DUIJIE_DATABASE_URL")
        .env("DUIJIE_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run duijie");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        err.read_to_string(&mut s).unwrap();
        s
    });
    let mut stdout = String::new();
    out.read_to_string(&mut stdout).unwrap();
    let stderr = reader.join().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `usage` is a plain C struct that wait4 fills in; `pid` is our own
    // child, not yet reaped (std's `Child` is never waited on here).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4 failed: {}", std::io::Error::last_os_error());
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    // Linux reports ru_maxrss in kilobytes.
    let record = serde_json::json!({"code": code, "stdout": stdout, "stderr": stderr, "max_rss_bytes": usage.ru_maxrss * 1024});
    println!("MEASURED {record}");
}

async fn count(db: &duijie_store::Db, sql: &'static str) -> i64 {
    duijie_store::on_db!(db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap()
}

#[tokio::test]
async fn the_cli_refuses_every_hostile_file_in_little_memory_and_writes_nothing() {
    if let Ok(spec) = std::env::var(MEASURE) {
        measure_and_print(&spec);
        return;
    }
    let t = testing::fresh_sqlite().await.unwrap();
    let before = (count(&t.db, "SELECT COUNT(*) FROM organizations").await, count(&t.db, "SELECT COUNT(*) FROM designations").await);
    let dir = tempfile::tempdir().unwrap();
    for h in files() {
        let path = dir.path().join(h.name);
        std::fs::write(&path, &h.bytes).unwrap();
        let path = path.to_str().unwrap();
        let run = run_measured(&t.url, &["import", "organisations", path, "--json"]);
        assert_eq!(run.code, 1, "{}: {}", h.what, run.stderr);
        assert!(run.stderr.contains(h.message), "{}: {}", h.what, run.stderr);
        assert!(run.max_rss_bytes < MAX_RSS_BYTES, "{}: peak RSS {} MB", h.what, run.max_rss_bytes / (1024 * 1024));
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{}: {e}: {}", h.what, run.stdout));
        assert_eq!(report["rows"], 0, "{}", h.what);
        assert!(report["errors"][0]["message"].as_str().unwrap().contains(h.message), "{}: {report}", h.what);

        let run = run_measured(&t.url, &["import", "designations", path, "--kind", "national_key", "--source", "通知"]);
        assert_eq!(run.code, 1, "{}: {}", h.what, run.stderr);
        assert!(run.stderr.contains(h.message), "{}: {}", h.what, run.stderr);
        assert!(run.max_rss_bytes < MAX_RSS_BYTES, "{}: peak RSS {} MB", h.what, run.max_rss_bytes / (1024 * 1024));
    }
    let after = (count(&t.db, "SELECT COUNT(*) FROM organizations").await, count(&t.db, "SELECT COUNT(*) FROM designations").await);
    assert_eq!(after, before, "nothing written");
}

#[tokio::test]
async fn the_cli_lists_a_thousand_errors_and_counts_the_rest() {
    let t = testing::fresh_sqlite().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, bad_registry_csv(1_200)).unwrap();
    let run = run_measured(&t.url, &["import", "organisations", path.to_str().unwrap(), "--json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["rows"], 1_200);
    assert_eq!(report["errors"].as_array().unwrap().len(), 1_000);
    assert_eq!(report["errors"][999]["row"], 1_001, "the first errors by row");
    assert_eq!(report["more_errors"], 200);
    assert!(run.stderr.contains("1200 处错误，未写入任何数据"), "{}", run.stderr);
}

/// A registry file whose `n` rows each have one error (an invalid credit code).
fn bad_registry_csv(n: usize) -> String {
    let mut csv = String::from("统一社会信用代码,名称,类型,登记管理机关区划代码\n");
    for i in 0..n {
        csv.push_str(&format!("BAD{i},测试协会{i},社会团体,530000\n"));
    }
    csv
}

async fn post_file(a: &App, path: &str, cookie: &str, fields: &[(&str, &str)], name: &str, bytes: &[u8]) -> crate::support::Reply {
    let (ct, body) = multipart(fields, name, bytes);
    a.send(Request::post(path).header(header::COOKIE, cookie).header(header::CONTENT_TYPE, ct).body(Body::from(body)).unwrap()).await
}

/// Sends every hostile file to `path` and checks the page names the problem,
/// offers no confirmation and leaves the count `sql` unchanged.
async fn refuses_every_hostile_file(a: &App, path: &str, cookie: &str, fields: &[(&str, &str)], sql: &'static str) {
    let before = count(&a.t.db, sql).await;
    for h in files() {
        let r = post_file(a, path, cookie, fields, h.name, &h.bytes).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path} {}: {}", h.what, r.body);
        assert!(r.body.contains(h.message), "{path} {}: {}", h.what, r.body);
        assert!(!r.body.contains("name=\"token\""), "{path} {}: no confirmation", h.what);
    }
    assert_eq!(count(&a.t.db, sql).await, before, "{path}: nothing written");
}

#[tokio::test]
async fn every_web_importer_refuses_every_hostile_file_and_writes_nothing() {
    let a = app().await;

    let (cookie, csrf) = a.login("yl_xz").await;
    refuses_every_hostile_file(&a, "/demands/import", &cookie, &[("_csrf", &csrf)], "SELECT COUNT(*) FROM demands").await;

    let (cookie, csrf) = a.login("yn_mz").await;
    refuses_every_hostile_file(&a, "/orgs/import", &cookie, &[("_csrf", &csrf)], "SELECT COUNT(*) FROM organizations").await;

    let (cookie, csrf) = a.login("admin").await;
    let fields = [("_csrf", csrf.as_str()), ("kind", "provincial_key"), ("source", "通知")];
    refuses_every_hostile_file(&a, "/designations/import", &cookie, &fields, "SELECT COUNT(*) FROM designations").await;

    let (cookie, csrf) = a.login("yn_xz").await;
    let r = a.post_form("/pairing/batches", &cookie, &[("_csrf", &csrf), ("name", "第三批"), ("sign_deadline", "2026-12-31"), ("doc_no", "云民发〔2026〕9号")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let batch = duijie_store::pairing::batches(&a.t.db).await.unwrap().into_iter().find(|b| b.name == "第三批").unwrap();
    let batch_id = batch.id.to_string();
    let fields = [("_csrf", csrf.as_str()), ("batch_id", batch_id.as_str())];
    refuses_every_hostile_file(&a, "/pairing/import", &cookie, &fields, "SELECT COUNT(*) FROM pairings").await;
}

#[tokio::test]
async fn a_web_import_lists_a_thousand_errors_and_offers_all_of_them_as_a_file() {
    let a = app().await;
    let (cookie, csrf) = a.login("yn_mz").await;
    let r = post_file(&a, "/orgs/import", &cookie, &[("_csrf", &csrf)], "registry.csv", bad_registry_csv(1_200).as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("发现 1200 处错误"), "{}", r.body);
    assert!(r.body.contains("另有 200 处错误未列出"), "{}", r.body);
    assert_eq!(r.body.matches("<tr><td>第 ").count(), 1_000, "1,000 errors listed");
    let marker = "href=\"/imports/errors.xlsx?token=";
    let start = r.body.find(marker).expect("a download link") + marker.len() - "/imports/errors.xlsx?token=".len();
    let link = r.body[start..].split('"').next().unwrap().to_string();

    // The bytes, not `Reply`'s text.
    let res = tower::ServiceExt::oneshot(a.router.clone(), Request::get(&link).header(header::COOKIE, &cookie).body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().contains("import-errors.xlsx"));
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    let t = duijie_office::read_table("errors.xlsx", &bytes, &[&["错误说明"]]).unwrap();
    assert_eq!(t.headers, vec!["行", "列", "错误说明"]);
    assert_eq!(t.rows.len(), 1_200, "every error, not only those listed");
    assert_eq!(t.rows[1_199].cells[0], "1201");
    assert!(t.rows[0].cells[2].contains("BAD0"), "{:?}", t.rows[0]);

    // Only the uploader may download it.
    let (other, _) = a.login("admin").await;
    let r = a.send(Request::get(&link).header(header::COOKIE, &other).body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}
