//! The `duijie` binary as operators and their scripts use it.

use duijie_store::audit::Verification;
use duijie_store::testing;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn duijie(url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_duijie"));
    cmd.arg("--database").arg(url).args(args).env_remove("DUIJIE_DATABASE_URL").env("DUIJIE_LOG", "warn");
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run duijie");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn user_add_reads_the_password_from_stdin_and_user_list_shows_it() {
    let t = testing::fresh_sqlite().await.unwrap();
    t.db.close().await;
    let out = duijie(&t.url, &["user", "add", "--username", "lj_xz", "--role", "rural_revitalization", "--region", "530626", "--password-stdin"], Some("Secret2026\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list = duijie(&t.url, &["user", "list", "--json"], None);
    let users: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let u = users.as_array().unwrap().iter().find(|u| u["username"] == "lj_xz").expect("listed");
    assert_eq!(u["role"], "rural_revitalization");
    assert_eq!(u["region_code"], "530626");
    assert!(!text(&list.stdout).contains("pbkdf2"), "no password hashes in listings");

    let org = duijie(&t.url, &["user", "add", "--username", "org_x", "--role", "organization", "--region", "53", "--password-stdin"], Some("Secret2026"));
    assert!(!org.status.success());
    assert!(text(&org.stderr).contains("--org"));
    let weak = duijie(&t.url, &["user", "add", "--username", "weak", "--role", "admin", "--region", "000000", "--password-stdin"], Some("short"));
    assert!(!weak.status.success());
    assert!(text(&weak.stderr).contains("密码至少 8 位"));
    let bad_region = duijie(&t.url, &["user", "add", "--username", "nowhere", "--role", "admin", "--region", "539999", "--password-stdin"], Some("Secret2026"));
    assert!(!bad_region.status.success());
    assert!(text(&bad_region.stderr).contains("没有这个区划代码"));
}

#[tokio::test]
async fn audit_verify_fails_after_a_row_is_altered_behind_the_application() {
    let t = testing::fresh_sqlite().await.unwrap();
    let ok = duijie(&t.url, &["audit", "verify", "--json"], None);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let v: Verification = match serde_json::from_slice::<serde_json::Value>(&ok.stdout).unwrap() {
        serde_json::Value::Object(m) if m.contains_key("Intact") => Verification::Intact { rows: m["Intact"]["rows"].as_i64().unwrap() },
        other => panic!("unexpected {other}"),
    };
    let Verification::Intact { rows } = v else { unreachable!() };
    assert!(rows > 10, "demo data and reference load are audited");
    if let duijie_store::Db::Sqlite(p) = &t.db {
        sqlx::query("DROP TRIGGER audit_log_no_update").execute(p).await.unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3").execute(p).await.unwrap();
    }
    t.db.close().await;
    let broken = duijie(&t.url, &["audit", "verify"], None);
    assert_eq!(broken.status.code(), Some(1));
    assert!(text(&broken.stderr).contains("第 3 条"), "{}", text(&broken.stderr));
}

#[tokio::test]
async fn designation_import_reports_bad_rows_as_json_and_writes_nothing_until_clean() {
    let t = testing::fresh_sqlite().await.unwrap();
    t.db.close().await;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "区划代码,名称\n620102,城关区\n62010,兰州\n620102,城关区\n").unwrap();
    let out = duijie(&t.url, &["import", "designations", bad.to_str().unwrap(), "--kind", "national_key", "--source", "通知", "--json"], None);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["rows"], 3);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.iter().map(|e| e["row"].as_i64().unwrap()).collect::<Vec<_>>(), vec![3, 4]);
    assert_eq!(errors[0]["column"], "区划代码");

    let good = dir.path().join("good.csv");
    std::fs::write(&good, "区划代码,名称\n620102,城关区\n620103,七里河区\n").unwrap();
    let dry = duijie(&t.url, &["import", "designations", good.to_str().unwrap(), "--kind", "national_key", "--source", "通知", "--dry-run"], None);
    assert!(dry.status.success());
    let db = duijie_store::Db::connect(&t.url).await.unwrap();
    let before = duijie_store::designations::current_of_kind(&db, "national_key", &duijie_domain::RegionCode::parse("62").unwrap()).await.unwrap().len();
    assert_eq!(before, 0, "no Gansu county ships in the partial list, and nothing was written by the bad or dry runs");
    let run = duijie(&t.url, &["import", "designations", good.to_str().unwrap(), "--kind", "national_key", "--source", "通知"], None);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(duijie_store::designations::current_of_kind(&db, "national_key", &duijie_domain::RegionCode::parse("62").unwrap()).await.unwrap().len(), 2);
    let again = duijie(&t.url, &["import", "designations", good.to_str().unwrap(), "--kind", "national_key", "--source", "通知"], None);
    assert!(text(&again.stderr).contains("新增 0 条，2 条已存在未改动"));
}

fn code(first16: &str) -> String {
    duijie_domain::Uscc::complete(first16).unwrap().to_string()
}

fn registry_row(code: &str, name: &str, kind: &str, region: &str) -> Vec<String> {
    let mut r = vec![code.to_string(), name.to_string(), kind.to_string(), region.to_string()];
    r.extend(["云南省民政厅", "教育、健康", "4A", "是", "张三", "0871-1234567", "昆明市", "正常", ""].map(String::from));
    r
}

#[tokio::test]
async fn registry_import_checks_every_row_then_round_trips_through_export() {
    let t = testing::fresh_sqlite().await.unwrap();
    t.db.close().await;
    let dir = tempfile::tempdir().unwrap();
    let a = code("5353000011000001");
    let b = code("5253012711000002");
    let mut wrong_digit = code("5153000011000003");
    wrong_digit.replace_range(17..18, if wrong_digit.ends_with('0') { "1" } else { "0" });
    let bad_rows = vec![
        registry_row(&a, "云南测试教育基金会", "基金会", "530000"),
        registry_row(&wrong_digit, "校验位错误协会", "社会团体", "530000"),
        registry_row(&b, "未知地区服务中心", "社会服务机构", "539999"),
        registry_row(&a, "重复代码基金会", "基金会", "530000"),
        registry_row(&b, "", "基金会", "530127"),
    ];
    let headers = duijie_store::imports::ORG_HEADERS;
    let bad = dir.path().join("bad.xlsx");
    std::fs::write(&bad, duijie_office::template::table_xlsx("社会组织", "社会组织名录", headers, &bad_rows).unwrap()).unwrap();
    let out = duijie(&t.url, &["import", "organisations", bad.to_str().unwrap(), "--json"], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["rows"], 5);
    let got: Vec<(i64, String)> = report["errors"].as_array().unwrap().iter().map(|e| (e["row"].as_i64().unwrap(), e["column"].as_str().unwrap().to_string())).collect();
    // Data starts on spreadsheet row 3 (title on 1, header on 2).
    for want in [(4, "统一社会信用代码"), (5, "登记管理机关区划代码"), (6, "统一社会信用代码"), (7, "名称"), (7, "类型")] {
        assert!(got.contains(&(want.0, want.1.to_string())), "missing error {want:?} in {got:?}");
    }
    let db = duijie_store::Db::connect(&t.url).await.unwrap();
    assert!(duijie_store::orgs::by_credit_code(&db, &a).await.unwrap().is_none(), "nothing written");

    let good_rows = vec![registry_row(&a, "云南测试教育基金会", "基金会", "530000"), registry_row(&b, "嵩明县测试服务中心", "民办非企业单位", "530127")];
    let good = dir.path().join("good.xlsx");
    std::fs::write(&good, duijie_office::template::table_xlsx("社会组织", "社会组织名录", headers, &good_rows).unwrap()).unwrap();
    let ok = duijie(&t.url, &["import", "organisations", good.to_str().unwrap()], None);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(text(&ok.stderr).contains("新增 2 条"));
    let stored = duijie_store::orgs::by_credit_code(&db, &b).await.unwrap().unwrap().unscoped();
    assert_eq!(stored.org_type, duijie_domain::OrgType::ServiceInstitution);
    assert_eq!(stored.provenance, "good.xlsx 第 4 行");
    let again = duijie(&t.url, &["import", "organisations", good.to_str().unwrap()], None);
    assert!(text(&again.stderr).contains("新增 0 条，更新 0 条，2 条未变"), "{}", text(&again.stderr));

    // An updated file updates by credit code and records what changed.
    let mut changed = good_rows.clone();
    changed[0][9] = "0871-7654321".into();
    let upd = dir.path().join("updated.xlsx");
    std::fs::write(&upd, duijie_office::template::table_xlsx("社会组织", "社会组织名录", headers, &changed).unwrap()).unwrap();
    let run = duijie(&t.url, &["import", "organisations", upd.to_str().unwrap()], None);
    assert!(text(&run.stderr).contains("更新 1 条"), "{}", text(&run.stderr));
    let (audit_rows, _) = duijie_store::audit::recent(&db, &duijie_domain::RegionCode::parse("53").unwrap(), 5, 0).await.unwrap();
    let update = audit_rows.iter().find(|r| r.action == "organization.update").expect("update audited");
    assert!(update.before_json.as_deref().unwrap().contains("0871-1234567") && update.after_json.as_deref().unwrap().contains("0871-7654321"));

    // Export of Yunnan reads back with the same rows and imports unchanged.
    let exported = dir.path().join("export.xlsx");
    let ex = duijie(&t.url, &["export", "organisations", "--out", exported.to_str().unwrap(), "--region", "53"], None);
    assert!(ex.status.success(), "{}", text(&ex.stderr));
    let bytes = std::fs::read(&exported).unwrap();
    let table = duijie_office::read_table("export.xlsx", &bytes, duijie_store::imports::ORG_REQUIRED).unwrap();
    let yunnan = duijie_store::orgs::in_region(&db, &duijie_domain::RegionCode::parse("53").unwrap()).await.unwrap();
    assert_eq!(table.rows.len(), yunnan.len());
    let codes: Vec<&str> = table.rows.iter().map(|r| r.cells[0].as_str()).collect();
    assert!(codes.contains(&a.as_str()) && codes.contains(&b.as_str()));
    let row_b = table.rows.iter().find(|r| r.cells[0] == b).unwrap();
    assert_eq!(row_b.cells[..4], [b.clone(), "嵩明县测试服务中心".into(), "社会服务机构".into(), "530127".into()]);
    let back = duijie(&t.url, &["import", "organisations", exported.to_str().unwrap(), "--json"], None);
    assert!(back.status.success(), "{}", text(&back.stderr));
    assert!(text(&back.stderr).contains("新增 0 条，更新 0 条"), "{}", text(&back.stderr));
}

fn run_plain(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_duijie")).args(args).env("DUIJIE_LOG", "warn").output().unwrap()
}

/// The `plan-pairing` contract: reproducible instances, the JSON summary, and a
/// DIMACS file whose problem line matches the instance.
#[test]
fn plan_pairing_generates_solves_and_writes_dimacs() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    for out in [&a, &b] {
        let g = run_plain(&["plan-pairing", "--generate", "300,20", "--seed", "7", "--out", out.to_str().unwrap()]);
        assert!(g.status.success(), "{}", text(&g.stderr));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "same seed, same instance");
    let dimacs = dir.path().join("a.min");
    let s = run_plain(&["plan-pairing", "--instance", a.to_str().unwrap(), "--dimacs", dimacs.to_str().unwrap(), "--json"]);
    let out: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&s.stdout)));
    for key in ["objective", "covered", "uncovered", "seconds"] {
        assert!(out.get(key).is_some(), "missing {key} in {out}");
    }
    let feasible = out["uncovered"].as_array().unwrap().is_empty();
    assert_eq!(s.status.success(), feasible);
    if feasible {
        assert_eq!(out["covered"], 20);
        assert!(out["objective"].as_i64().unwrap() < 0, "the objective is the minimum cost, minus the total fit");
    }
    let text_min = std::fs::read_to_string(&dimacs).unwrap();
    let p = text_min.lines().find(|l| l.starts_with("p min ")).expect("problem line");
    let parts: Vec<usize> = p.split_whitespace().skip(2).map(|x| x.parse().unwrap()).collect();
    assert_eq!(text_min.lines().filter(|l| l.starts_with("a ")).count(), parts[1], "arc count matches the problem line");
    // The heavy-flow shape: reproducible too, and shaped as documented; the default is `national`.
    let h = dir.path().join("h.json");
    let n = dir.path().join("n.json");
    for (out, shape) in [(&h, "heavy"), (&n, "national")] {
        let g = run_plain(&["plan-pairing", "--generate", "300,20", "--seed", "7", "--shape", shape, "--out", out.to_str().unwrap()]);
        assert!(g.status.success(), "{}", text(&g.stderr));
    }
    assert_eq!(std::fs::read(&n).unwrap(), std::fs::read(&a).unwrap(), "--shape national is the default");
    let heavy: serde_json::Value = serde_json::from_slice(&std::fs::read(&h).unwrap()).unwrap();
    assert!(heavy["counties"].as_array().unwrap().iter().all(|c| (100..=200).contains(&c["max"].as_u64().unwrap())));
    assert!(heavy["orgs"].as_array().unwrap().iter().all(|o| (1..=8).contains(&o["capacity"].as_u64().unwrap())));
    let bad = run_plain(&["plan-pairing", "--generate", "300,20", "--shape", "round", "--out", h.to_str().unwrap()]);
    assert!(!bad.status.success());
}

/// `plan-pairing --database URL --targets …`: the same solver and output on live data.
#[tokio::test]
async fn plan_pairing_on_the_database_covers_the_targets_and_writes_nothing() {
    let t = testing::fresh_sqlite().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dimacs = dir.path().join("live.min");
    let instance = dir.path().join("live.json");
    let before: i64 = duijie_store::on_db!(&t.db, p => sqlx::query_scalar("SELECT COUNT(*) FROM pairings").fetch_one(p).await).unwrap();
    let out = duijie(&t.url, &["plan-pairing", "--targets", "national_key:53", "--min", "1", "--max", "2", "--json", "--dimacs", dimacs.to_str().unwrap(), "--out", instance.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)));
    assert_eq!(v["covered"], 11, "Yunnan's eleven known key counties");
    assert_eq!(v["uncovered"], serde_json::json!([]));
    assert!(v["objective"].as_i64().unwrap() < 0);
    let pairs = v["pairs"].as_array().unwrap();
    assert!(pairs.iter().any(|p| p["county"] == "530628" && p["existing"] == true), "彝良县's demo pairing is kept");
    assert!(pairs.iter().any(|p| p["county"] == "530627" && p["existing"] == false), "镇雄县 gets a proposal");
    assert!(std::fs::read_to_string(&dimacs).unwrap().contains("p min "));
    // The written instance solves to the same objective from the file.
    let again = duijie(&t.url, &["plan-pairing", "--instance", instance.to_str().unwrap(), "--json"], None);
    let w: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(w["objective"], v["objective"]);
    let after: i64 = duijie_store::on_db!(&t.db, p => sqlx::query_scalar("SELECT COUNT(*) FROM pairings").fetch_one(p).await).unwrap();
    assert_eq!(after, before, "a plan is a suggestion: nothing is written");
    let bad = duijie(&t.url, &["plan-pairing", "--targets", "重点县"], None);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("目标范围"), "{}", text(&bad.stderr));
}

/// `duijie routes` lists what the server answers (the front-door benchmark walks it).
#[test]
fn routes_lists_pages_and_api() {
    let out = run_plain(&["routes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    for path in ["/healthz", "/search", "/demands/{id}", "/api/v1/search", "/api/v1/demands/{id}/recommendations", "/public/demands"] {
        assert!(lines.iter().any(|l| l == path), "{path} missing from: {lines:?}");
    }
}

/// What `duijie serve --demo` writes under `data/` in a checkout — the
/// databases, the data key that seals households' personal data, the search
/// index — is ignored by git, so that `git add -A` cannot commit the secret key.
#[test]
fn the_data_directory_is_never_committed() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let written = ["data/duijie.key", "data/duijie.db", "data/duijie.db-wal", "data/search-index/meta.json"];
    let out = Command::new("git").arg("-C").arg(&repo).args(["check-ignore", "--no-index"]).args(written).output().expect("git runs");
    let ignored = text(&out.stdout);
    for path in written {
        assert!(ignored.lines().any(|l| l == path), "{path} is not ignored by .gitignore: {ignored}");
    }
}
