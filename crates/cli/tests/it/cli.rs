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
    let before = duijie_store::designations::current_of_kind(&db, "national_key", "62%").await.unwrap().len();
    assert_eq!(before, 0, "no Gansu county ships in the partial list, and nothing was written by the bad or dry runs");
    let run = duijie(&t.url, &["import", "designations", good.to_str().unwrap(), "--kind", "national_key", "--source", "通知"], None);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(duijie_store::designations::current_of_kind(&db, "national_key", "62%").await.unwrap().len(), 2);
    let again = duijie(&t.url, &["import", "designations", good.to_str().unwrap(), "--kind", "national_key", "--source", "通知"], None);
    assert!(text(&again.stderr).contains("新增 0 条，2 条已存在未改动"));
}
