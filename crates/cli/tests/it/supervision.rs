//! Supervision flags (监管预警), on both backends: each rule raises a flag on a
//! record built to break it and clears the flag when the cause is gone, with
//! the evidence a person reads; running the rules again changes nothing; the
//! daily run happens once however many servers ask at once; a flag is seen by
//! the offices over the organisation's registration and over the county
//! concerned and answers 404 to another county, 403/404 to an organisation;
//! two officers closing one flag at once: one wins, the other gets 409; a
//! step without its note is refused naming the field; every step is audited.
//! Commendations (表彰): an office records one in its own name for organisations
//! it registers (each bad field and line named), and the profiles show it.

use crate::support::{App, both};
use axum::http::StatusCode;
use duijie_store::on_db;
use serde_json::{Value, json};

both!(
    each_rule_raises_on_a_constructed_case_and_clears_when_the_cause_is_gone,
    the_daily_run_happens_once_however_many_servers_ask,
    a_flag_is_seen_only_over_the_organisations_registration_and_the_county_concerned,
    two_officers_closing_one_flag_at_once_one_wins_and_each_step_is_audited,
    a_department_commends_organisations_it_registers_and_their_profiles_show_it,
);

async fn exec(a: &App, sql: String) {
    let sql = sqlx::AssertSqlSafe(sql);
    on_db!(&a.t.db, p => sqlx::query(sql).execute(p).await.map(|_| ())).expect("SQL");
}

async fn num(a: &App, sql: String) -> i64 {
    let sql = sqlx::AssertSqlSafe(sql);
    on_db!(&a.t.db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).expect("SQL")
}

async fn run(a: &App) -> duijie_store::supervision::Applied {
    duijie_app::supervision::run(&a.t.db).await.expect("the rules run")
}

/// The standing flag of `rule` on the record, if any: (evidence, region).
async fn standing(a: &App, rule: &str, entity: &str, id: &str) -> Option<(String, String)> {
    let sql = "SELECT evidence, region_code FROM supervision_flags WHERE rule = $1 AND entity = $2 AND entity_id = $3 AND cleared_at IS NULL";
    on_db!(&a.t.db, p => sqlx::query_as::<_, (String, String)>(sql).bind(rule).bind(entity).bind(id).fetch_optional(p).await).expect("SQL")
}

async fn cleared(a: &App, rule: &str, entity: &str, id: &str) -> i64 {
    let sql = "SELECT COUNT(*) FROM supervision_flags WHERE rule = $1 AND entity = $2 AND entity_id = $3 AND cleared_at IS NOT NULL";
    on_db!(&a.t.db, p => sqlx::query_scalar::<_, i64>(sql).bind(rule).bind(entity).bind(id).fetch_one(p).await).expect("SQL")
}

/// The demo's active pairing of 彝良县助学服务中心 with 彝良县.
async fn yiliang_pairing(a: &App) -> (i64, i64) {
    let id = num(a, "SELECT p.id FROM pairings p JOIN organizations o ON o.id = p.org_id WHERE o.name = '演示·彝良县助学服务中心' AND p.status = 'active'".into()).await;
    let org = num(a, format!("SELECT org_id FROM pairings WHERE id = {id}")).await;
    (id, org)
}

async fn each_rule_raises_on_a_constructed_case_and_clears_when_the_cause_is_gone(a: App) {
    let now = duijie_store::now();
    run(&a).await;
    let again = run(&a).await;
    assert_eq!((again.raised, again.cleared), (0, 0), "{}: a second run finds what the first did", a.backend());

    // 协议逾期未签: the consented pairing's list deadline passes.
    let consented = num(&a, "SELECT id FROM pairings WHERE status = 'consented' ORDER BY id LIMIT 1".into()).await;
    let batch = num(&a, format!("SELECT batch_id FROM pairings WHERE id = {consented}")).await;
    assert!(standing(&a, "agreement_overdue", "pairing", &consented.to_string()).await.is_none());
    exec(&a, format!("UPDATE pairing_batches SET sign_deadline = '2026-08-31' WHERE id = {batch}")).await;
    run(&a).await;
    let (evidence, region) = standing(&a, "agreement_overdue", "pairing", &consented.to_string()).await.expect("raised");
    assert!(evidence.contains("2026-08-31") && evidence.contains("协议尚未签订"), "{evidence}");
    let county: String = on_db!(&a.t.db, p => sqlx::query_scalar("SELECT county_code FROM pairings WHERE id = $1").bind(consented).fetch_one(p).await).unwrap();
    assert_eq!(region, county, "listed for the county concerned");
    exec(&a, format!("UPDATE pairings SET status = 'signed', signed_at = {now} WHERE id = {consented}")).await;
    run(&a).await;
    assert!(standing(&a, "agreement_overdue", "pairing", &consented.to_string()).await.is_none(), "signed: the cause is gone");
    assert_eq!(cleared(&a, "agreement_overdue", "pairing", &consented.to_string()).await, 1, "the history stays");

    // 结对长期无进展: in force for a year, nothing done in the county since.
    let (pairing, org) = yiliang_pairing(&a).await;
    let year_ago = now - 365 * 86_400;
    exec(&a, format!("UPDATE pairings SET activated_at = {year_ago} WHERE id = {pairing}")).await;
    exec(&a, format!("UPDATE projects SET updated_at = {year_ago} WHERE org_id = {org} AND substr(region_code, 1, 6) = '530628'")).await;
    run(&a).await;
    let (evidence, region) = standing(&a, "pairing_idle", "pairing", &pairing.to_string()).await.expect("raised");
    assert_eq!(region, "530628");
    assert!(evidence.contains("演示·彝良县助学服务中心") && evidence.contains("生效"), "{evidence}");
    // Progress on one of its projects there is the cause going away.
    exec(&a, format!("UPDATE projects SET updated_at = {now} WHERE id = (SELECT MIN(id) FROM projects WHERE org_id = {org} AND substr(region_code, 1, 6) = '530628')")).await;
    let projects_there = num(&a, format!("SELECT COUNT(*) FROM projects WHERE org_id = {org} AND substr(region_code, 1, 6) = '530628'")).await;
    if projects_there == 0 {
        exec(&a, format!("UPDATE pairings SET activated_at = {now} WHERE id = {pairing}")).await;
    }
    run(&a).await;
    assert!(standing(&a, "pairing_idle", "pairing", &pairing.to_string()).await.is_none());

    // 列入名录仍在帮扶: the organisation with the active pairing is listed.
    exec(&a, format!("UPDATE organizations SET credit_list = 'abnormal', credit_list_reason = '测试' WHERE id = {org}")).await;
    run(&a).await;
    let (evidence, _) = standing(&a, "listed_still_active", "organization", &org.to_string()).await.expect("raised");
    assert!(evidence.contains("活动异常名录") && evidence.contains("生效结对 1 个"), "{evidence}");
    exec(&a, format!("UPDATE organizations SET credit_list = '', credit_list_reason = '' WHERE id = {org}")).await;
    run(&a).await;
    assert!(standing(&a, "listed_still_active", "organization", &org.to_string()).await.is_none());

    // 项目数据存疑: funds reported with no evidence; then evidence, but five times the plan.
    let project = num(&a, "SELECT MIN(id) FROM projects".into()).await;
    exec(&a, format!("DELETE FROM project_files WHERE project_id = {project}")).await;
    exec(&a, format!("UPDATE projects SET status = 'in_progress', started_at = {now}, funds_fen = 1000000, actual_funds_fen = 300000 WHERE id = {project}")).await;
    run(&a).await;
    let (evidence, _) = standing(&a, "project_figures", "project", &project.to_string()).await.expect("raised");
    assert!(evidence.contains("没有任何佐证材料") && evidence.contains("0.30 万元"), "{evidence}");
    let progress: i64 = on_db!(&a.t.db, p => sqlx::query_scalar(
        "INSERT INTO project_progress (project_id, reported_on, note, funds_fen, created_by, created_at) VALUES ($1, '2026-05-01', '发放', 300000, 'test', $2) RETURNING id")
        .bind(project).bind(now).fetch_one(p).await).unwrap();
    on_db!(&a.t.db, p => sqlx::query(
        "INSERT INTO project_files (project_id, progress_id, file_name, content_type, bytes, uploaded_by, uploaded_at) VALUES ($1, $2, '签收单.jpg', 'image/jpeg', $3, 'test', $4)")
        .bind(project).bind(progress).bind(vec![0xFFu8, 0xD8, 0xFF]).bind(now).execute(p).await.map(|_| ())).unwrap();
    run(&a).await;
    assert!(standing(&a, "project_figures", "project", &project.to_string()).await.is_none(), "evidence given, figures within the plan");
    exec(&a, format!("UPDATE projects SET actual_funds_fen = 5000000 WHERE id = {project}")).await;
    run(&a).await;
    let (evidence, _) = standing(&a, "project_figures", "project", &project.to_string()).await.expect("raised again");
    assert!(evidence.contains("超过计划") && evidence.contains("5.00 万元"), "{evidence}");
    assert_eq!(cleared(&a, "project_figures", "project", &project.to_string()).await, 1, "the first flag stays in the history");

    // 调度报表逾期或多次退回: a county's report past its due date, then submitted but returned twice.
    let report: i64 = on_db!(&a.t.db, p => sqlx::query_scalar(
        "INSERT INTO reports (collector_code, title, period_from, period_to, due_on, levels, tables, created_by, created_at) \
         VALUES ('53', '2026年上半年调度（测试）', '2026-01-01', '2026-06-30', '2026-07-10', 'county', '[]', 'test', $1) RETURNING id")
        .bind(now).fetch_one(p).await).unwrap();
    exec(&a, format!("INSERT INTO report_units (report_id, unit_code, reviewer_code, status, updated_at) VALUES ({report}, '530628', '5306', 'pending', {now})")).await;
    let unit = format!("{report}:530628");
    run(&a).await;
    let (evidence, region) = standing(&a, "report_overdue", "report_unit", &unit).await.expect("raised");
    assert!(evidence.contains("2026-07-10") && evidence.contains("仍未报送"), "{evidence}");
    assert_eq!(region, "530628");
    exec(&a, format!("UPDATE report_units SET status = 'submitted', submitted_at = {now} WHERE report_id = {report}")).await;
    run(&a).await;
    assert!(standing(&a, "report_overdue", "report_unit", &unit).await.is_none(), "submitted");
    for round in 1..=2 {
        exec(&a, format!("INSERT INTO report_steps (report_id, unit_code, round, step, reason, actor, at) VALUES ({report}, '530628', {round}, 'return', '数据有误', 'zt', {now})")).await;
    }
    run(&a).await;
    let (evidence, _) = standing(&a, "report_overdue", "report_unit", &unit).await.expect("returned twice");
    assert!(evidence.contains("已被退回 2 次") && !evidence.contains("仍未报送"), "{evidence}");

    // 投诉举报逾期未办结: a complaint filed from the public form, still undecided after its due date.
    let filed = a
        .send(
            axum::http::Request::post("/api/v1/public/complaints")
                .header("x-forwarded-for", "203.0.113.9")
                .header(axum::http::header::CONTENT_TYPE, "application/json")
                .body(axum::body::Body::from(json!({"category": "fees", "org": "演示·彝良县助学服务中心", "place": "530628", "description": "以帮扶名义收取报名费", "anonymous": true}).to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
    let complaint = num(&a, "SELECT MAX(id) FROM complaints".into()).await.to_string();
    run(&a).await;
    assert!(standing(&a, "complaint_overdue", "complaint", &complaint).await.is_none(), "within its 60 days");
    exec(&a, format!("UPDATE complaints SET due_on = '2026-10-01' WHERE id = {complaint}")).await;
    run(&a).await;
    let (evidence, region) = standing(&a, "complaint_overdue", "complaint", &complaint).await.expect("raised");
    assert!(evidence.contains("演示·彝良县助学服务中心") && evidence.contains("乱收费") && evidence.contains("2026-10-01"), "{evidence}");
    assert_eq!(region, "530628", "for the handling office");
    exec(&a, format!("UPDATE complaints SET status = 'closed', outcome = 'unfounded', decided_at = {now}, closed_at = {now} WHERE id = {complaint}")).await;
    run(&a).await;
    assert!(standing(&a, "complaint_overdue", "complaint", &complaint).await.is_none(), "decided");
}

async fn the_daily_run_happens_once_however_many_servers_ask(a: App) {
    let db = &a.t.db;
    let (x, y, z) = tokio::join!(duijie_app::supervision::run_daily(db), duijie_app::supervision::run_daily(db), duijie_app::supervision::run_daily(db));
    let ran = [x.unwrap(), y.unwrap(), z.unwrap()].iter().filter(|r| r.is_some()).count();
    assert_eq!(ran, 1, "{}: exactly one of three servers runs today's rules", a.backend());
    assert!(duijie_app::supervision::run_daily(db).await.unwrap().is_none(), "and nobody runs them again today");
    // A server that claimed today and died an hour ago without finishing is taken over.
    exec(&a, format!("UPDATE daily_jobs SET finished_at = NULL, claimed_at = {} WHERE name = 'supervision_flags'", duijie_store::now() - 2 * 3600)).await;
    assert!(duijie_app::supervision::run_daily(db).await.unwrap().is_some());
    // Yesterday's run does not stop today's.
    exec(&a, "UPDATE daily_jobs SET day = '2000-01-01' WHERE name = 'supervision_flags'".into()).await;
    assert!(duijie_app::supervision::run_daily(db).await.unwrap().is_some());
}

/// A flag on the 彝良县 organisation's pairing with 彝良县 (listed while still active).
async fn a_flag(a: &App) -> i64 {
    let (_, org) = yiliang_pairing(a).await;
    exec(a, format!("UPDATE organizations SET credit_list = 'serious', credit_list_reason = '测试' WHERE id = {org}")).await;
    run(a).await;
    num(a, format!("SELECT id FROM supervision_flags WHERE rule = 'listed_still_active' AND entity_id = '{org}' AND cleared_at IS NULL")).await
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array().expect("a list").iter().map(|f| f["id"].as_i64().unwrap()).collect()
}

async fn a_flag_is_seen_only_over_the_organisations_registration_and_the_county_concerned(a: App) {
    let id = a_flag(&a).await;
    for (user, sees) in [("yl_mz", true), ("yl_xz", true), ("zt_mz", true), ("yn_xz", true), ("zx_xz", false)] {
        let token = a.token(user).await;
        let list = a.api("GET", "/api/v1/flags", Some(&token), None).await;
        assert_eq!(list.status, StatusCode::OK, "{user}: {}", list.body);
        assert_eq!(ids(&list.json()).contains(&id), sees, "{user} lists it: {sees}");
        let one = a.api("GET", &format!("/api/v1/flags/{id}"), Some(&token), None).await;
        assert_eq!(one.status, if sees { StatusCode::OK } else { StatusCode::NOT_FOUND }, "{user}: {}", one.body);
        let step = a.api("POST", &format!("/api/v1/flags/{id}/steps"), Some(&token), Some(json!({"step": "acknowledge"}))).await;
        if !sees {
            assert_eq!(step.status, StatusCode::NOT_FOUND, "{user} cannot act on it");
        }
        let (cookie, _) = a.login(user).await;
        let page = a.get(&format!("/supervision/flags/{id}"), &cookie).await;
        assert_eq!(page.status, if sees { StatusCode::OK } else { StatusCode::NOT_FOUND }, "{user}'s page");
        if sees {
            assert!(page.body.contains("列入名录仍在帮扶") && page.body.contains("严重违法失信名单"), "{user} reads the rule and the evidence");
        }
    }
    let org = a.token("org_yl").await;
    assert_eq!(a.api("GET", "/api/v1/flags", Some(&org), None).await.status, StatusCode::FORBIDDEN, "an organisation lists no flags");
    assert_eq!(a.api("GET", &format!("/api/v1/flags/{id}"), Some(&org), None).await.status, StatusCode::NOT_FOUND, "not even its own");
    let (cookie, _) = a.login("org_yl").await;
    assert_eq!(a.get("/supervision/flags", &cookie).await.status, StatusCode::FORBIDDEN);
    // The page lists it for the county office, and filters by rule.
    let (cookie, _) = a.login("yl_mz").await;
    let list = a.get("/supervision/flags?rule=listed_still_active", &cookie).await;
    assert!(list.body.contains(&format!("/supervision/flags/{id}")), "listed under its rule");
    let other = a.get("/supervision/flags?rule=report_overdue", &cookie).await;
    assert!(!other.body.contains(&format!("/supervision/flags/{id}\"")), "not under another rule");
    let bad = a.api("GET", "/api/v1/flags?rule=nonsense", Some(&a.token("yl_mz").await), None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn two_officers_closing_one_flag_at_once_one_wins_and_each_step_is_audited(a: App) {
    let id = a_flag(&a).await;
    let (county, prefecture) = (a.token("yl_mz").await, a.token("zt_mz").await);
    let path = format!("/api/v1/flags/{id}/steps");
    let missing = a.api("POST", &path, Some(&county), Some(json!({"step": "close", "note": " "}))).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("note") && missing.body.contains("请填写说明"), "{}", missing.body);
    let ack = a.api("POST", &path, Some(&county), Some(json!({"step": "acknowledge"}))).await;
    assert_eq!(ack.status, StatusCode::OK, "{}", ack.body);
    assert_eq!(ack.json()["status"], "acknowledged");
    let (x, y) = tokio::join!(
        a.api("POST", &path, Some(&county), Some(json!({"step": "close", "note": "已约谈，责令退出结对"}))),
        a.api("POST", &path, Some(&prefecture), Some(json!({"step": "close", "note": "已核实"}))),
    );
    let mut codes = [x.status, y.status];
    codes.sort();
    assert_eq!(codes, [StatusCode::OK, StatusCode::CONFLICT], "{}: {} / {}", a.backend(), x.body, y.body);
    let after = a.api("GET", &format!("/api/v1/flags/{id}"), Some(&county), None).await.json();
    assert_eq!(after["status"], "closed");
    assert_eq!(after["steps"].as_array().unwrap().len(), 2, "acknowledged, then closed once");
    assert_eq!(after["may_handle"], false);
    let again = a.api("POST", &path, Some(&county), Some(json!({"step": "note", "note": "补充"}))).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "a closed flag's history is final");
    for action in ["supervision_flag.acknowledge", "supervision_flag.close"] {
        let n = num(&a, format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND entity_id = '{id}'")).await;
        assert_eq!(n, 1, "{action} audited once");
    }
    // Closed by the office while the cause stands: not raised again, and still closed.
    let applied = run(&a).await;
    assert_eq!(applied.raised, 0);
    assert_eq!(num(&a, format!("SELECT COUNT(*) FROM supervision_flags WHERE id = {id} AND status = 'closed' AND cleared_at IS NULL")).await, 1);
    // Closed flags are out of the default list, in the history.
    let standing = a.api("GET", "/api/v1/flags", Some(&county), None).await.json();
    assert!(!ids(&standing).contains(&id));
    let history = a.api("GET", "/api/v1/flags?show=all", Some(&county), None).await.json();
    assert!(ids(&history).contains(&id));
}

async fn a_department_commends_organisations_it_registers_and_their_profiles_show_it(a: App) {
    let yn = a.token("yn_mz").await;
    let empty = a.api("POST", "/api/v1/commendations", Some(&yn), Some(json!({}))).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["title", "doc_no", "issued_on", "orgs"] {
        assert!(empty.body.contains(&format!("\"{field}\"")), "{field} is named: {}", empty.body);
    }
    let code = num(&a, "SELECT id FROM organizations WHERE name = '演示·云南省乡村发展促进会'".into()).await;
    let credit: String = on_db!(&a.t.db, p => sqlx::query_scalar("SELECT credit_code FROM organizations WHERE id = $1").bind(code).fetch_one(p).await).unwrap();
    let body = json!({"title": "2026年度社会组织参与乡村振兴先进集体", "doc_no": "云民发〔2026〕12号", "issued_on": "2026-11-20",
        "orgs": format!("演示·彝良县助学服务中心 乡村学校课后托管\n{credit} 高原特色农产品产销对接")});
    let made = a.api("POST", "/api/v1/commendations", Some(&yn), Some(body.clone())).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}: {}", a.backend(), made.body);
    let id = made.json()["id"].as_i64().unwrap();
    assert_eq!(num(&a, format!("SELECT COUNT(*) FROM audit_log WHERE action = 'commendation.create' AND entity_id = '{id}'")).await, 1);
    // The profile shows it to anyone who opens it: another organisation here.
    let yiliang = num(&a, "SELECT id FROM organizations WHERE name = '演示·彝良县助学服务中心'".into()).await;
    let (cookie, _) = a.login("org_yn").await;
    let profile = a.get(&format!("/orgs/{yiliang}"), &cookie).await;
    assert!(profile.body.contains("2026年度社会组织参与乡村振兴先进集体") && profile.body.contains("乡村学校课后托管"), "the profile shows the commendation");
    let listed = a.api("GET", "/api/v1/commendations", Some(&a.token("yn_xz").await), None).await.json();
    assert_eq!(listed[0]["orgs"].as_array().unwrap().len(), 2, "{listed}");
    let county = a.api("GET", "/api/v1/commendations", Some(&a.token("zx_xz").await), None).await.json();
    assert!(county.as_array().unwrap().is_empty(), "a county office does not list the province's");
    // A county office commends only what it registers; an organisation not at all.
    let zx = a.token("zx_xz").await;
    let outside = a.api("POST", "/api/v1/commendations", Some(&zx), Some(body.clone())).await;
    assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(outside.body.contains("第 1 行") && outside.body.contains("不在本单位登记管理范围内"), "{}", outside.body);
    let org = a.api("POST", "/api/v1/commendations", Some(&a.token("org_yl").await), Some(body)).await;
    assert_eq!(org.status, StatusCode::FORBIDDEN);
    assert_eq!(num(&a, "SELECT COUNT(*) FROM commendations".into()).await, 1, "nothing else was written");
}
