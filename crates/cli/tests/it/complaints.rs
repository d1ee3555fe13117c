//! Complaints and their investigation (投诉举报与查处), on both backends,
//! through the API and the pages: anyone files one without an account and
//! gets a receipt; it reaches the civil-affairs office of the organisation's
//! registration authority and that office handles it through to an outcome;
//! the public status by receipt shows the outcome but no internal note and no
//! identity; every complaint route answers 404 to another county's office and
//! another organisation (and to the organisation itself before it is asked),
//! an office above sees but does not act; the organisation never sees who
//! complained, in JSON or HTML, while the handling office opens the contact
//! with an audit row; the public form names each bad field, refuses a post
//! without its CSRF cookie, and the filing is throttled per client address;
//! an outcome that puts the organisation on a credit list refuses its next
//! pairing proposal, and an unregistered group is put on no list.

use crate::support::{App, both, multipart};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use serde_json::{Value, json};

both!(
    a_complaint_is_filed_routed_handled_and_its_public_status_shows_no_internal_note,
    every_complaint_route_answers_404_outside_the_callers_scope,
    an_organisation_never_sees_who_complained,
    the_public_form_names_each_bad_field_and_filing_is_throttled_per_address,
    an_outcome_that_lists_the_organisation_refuses_its_next_pairing_proposal,
);

const NAME: &str = "欧阳投诉人";
const PHONE: &str = "13911112222";
const STEP_NOTE: &str = "内部调查记录：约谈了会计甲";
const ASK_NOTE: &str = "请说明收费依据乙";
const ANSWER: &str = "本组织的答复丙";
const SUMMARY: &str = "经查属实，已责令退还费用";

fn pdf(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("%PDF-1.4 {text}"))
}

/// A complaint about 演示·彝良县助学服务中心 (registered in 彝良县), with the complainant's name and phone and one file.
fn about_yl() -> Value {
    json!({"category": "fees", "org": "演示·彝良县助学服务中心", "place": "彝良县洛泽河镇", "description": "以帮扶名义向每户收取报名费200元",
           "contact_name": NAME, "contact_phone": PHONE, "files": [{"file_name": "收据.pdf", "content_base64": pdf("收据")}]})
}

/// Files a complaint over the public API from `client`; returns the reply.
async fn post_from(a: &App, client: &str, body: &Value) -> crate::support::Reply {
    a.send(
        Request::post("/api/v1/public/complaints")
            .header("x-forwarded-for", client)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

/// Files a complaint; returns (receipt as printed, id).
async fn file(a: &App, body: Value) -> (String, i64) {
    let r = post_from(a, "198.51.100.7", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{} {}", a.backend(), r.body);
    let receipt = r.json()["receipt"].as_str().unwrap().to_string();
    let stored = duijie_domain::complaint::Receipt::parse(&receipt).expect("a receipt that reads back");
    let id = duijie_store::on_db!(&a.t.db, p => sqlx::query_scalar::<_, i64>("SELECT id FROM complaints WHERE receipt = $1").bind(stored.as_str()).fetch_one(p).await).unwrap();
    (receipt, id)
}

async fn user_id(a: &App, username: &str) -> i64 {
    duijie_store::users::by_username(&a.t.db, username).await.unwrap().unwrap().id
}

async fn ok(a: &App, token: &str, method: &str, path: &str, body: Value) -> Value {
    let r = a.api(method, path, Some(token), Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{method} {path}: {}", r.body);
    r.json()
}

/// Assigns to 彝良县民政局's own user and asks the organisation to answer.
async fn assign_and_ask(a: &App, office: &str, id: i64) {
    let handler = user_id(a, "yl_mz").await;
    ok(a, office, "POST", &format!("/api/v1/complaints/{id}/assign"), json!({"handler_id": handler})).await;
    ok(a, office, "POST", &format!("/api/v1/complaints/{id}/steps"), json!({"note": STEP_NOTE, "files": [{"file_name": "笔录.pdf", "content_base64": pdf("笔录")}]})).await;
    ok(a, office, "POST", &format!("/api/v1/complaints/{id}/ask"), json!({"note": ASK_NOTE})).await;
}

async fn a_complaint_is_filed_routed_handled_and_its_public_status_shows_no_internal_note(a: App) {
    let (receipt, id) = file(&a, about_yl()).await;
    assert!(receipt.starts_with("TS-") && receipt.len() == 22, "a receipt, not a number: {receipt}");
    let status = a.api("GET", &format!("/api/v1/public/complaints/{receipt}"), None, None).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.body);
    assert_eq!(status.json()["status"], "received");
    // Routed to the registration authority: its 待办 counts it, and 彝良县民政局 lists it, with 60 days to close it.
    let (office_cookie, _) = a.login("yl_mz").await;
    assert_eq!(todo_count(&a.get("/dashboard", &office_cookie).await.body, "待分派的投诉举报"), Some(1));
    let (zt_cookie, _) = a.login("zt_mz").await;
    assert_eq!(todo_count(&a.get("/dashboard", &zt_cookie).await.body, "待分派的投诉举报"), Some(0), "the office above counts only its own: it does not handle the county's");
    let office = a.token("yl_mz").await;
    let list = ok(&a, &office, "GET", "/api/v1/complaints", json!(null)).await;
    assert_eq!(list["total"], 1);
    let list = &list["items"];
    assert_eq!(list.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect::<Vec<_>>(), vec![id], "{}", a.backend());
    assert_eq!(list[0]["office_code"], "530628");
    let due = duijie_domain::complaint::due_on(duijie_app::today()).format("%Y-%m-%d").to_string();
    assert_eq!(list[0]["due_on"], due.as_str());
    // The handling: assign, an investigation step with a document, ask the organisation, its answer.
    assign_and_ask(&a, &office, id).await;
    assert_eq!(todo_count(&a.get("/dashboard", &office_cookie).await.body, "待分派的投诉举报"), Some(0));
    let (org_cookie, _) = a.login("org_yl").await;
    assert_eq!(todo_count(&a.get("/dashboard", &org_cookie).await.body, "待答复的投诉举报"), Some(1));
    let org = a.token("org_yl").await;
    let answered = ok(&a, &org, "POST", &format!("/api/v1/complaints/{id}/answer"), json!({"text": ANSWER, "files": [{"file_name": "说明.pdf", "content_base64": pdf("说明")}]})).await;
    assert_eq!(answered["complaint"]["status"], "investigating");
    assert_eq!(todo_count(&a.get("/dashboard", &org_cookie).await.body, "待答复的投诉举报"), Some(0));
    // Closing with rectification needs a deadline; then it waits for the follow-up.
    let missing = a.api("POST", &format!("/api/v1/complaints/{id}/close"), Some(&office), Some(json!({"outcome": "rectification", "summary": SUMMARY}))).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("rectify_deadline"), "{}", missing.body);
    let closed = ok(&a, &office, "POST", &format!("/api/v1/complaints/{id}/close"), json!({"outcome": "rectification", "rectify_deadline": "2099-12-31", "summary": SUMMARY})).await;
    assert_eq!(closed["complaint"]["status"], "rectifying");
    // A second close is refused: the complaint is no longer open.
    let again = a.api("POST", &format!("/api/v1/complaints/{id}/close"), Some(&office), Some(json!({"outcome": "unfounded", "summary": "重复"}))).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    // The complainant's view, over the API and on the page: the outcome, no internal note, no identity.
    let status = a.api("GET", &format!("/api/v1/public/complaints/{}", receipt.to_lowercase()), None, None).await;
    assert_eq!(status.status, StatusCode::OK);
    let s = status.json();
    assert_eq!((s["status"].as_str(), s["outcome"].as_str(), s["outcome_label"].as_str()), (Some("rectifying"), Some("rectification"), Some("责令整改")));
    assert_eq!(s["outcome_summary"], SUMMARY);
    let page = a.get(&format!("/public/complaints/status?receipt={receipt}"), "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("责令整改") && page.body.contains(SUMMARY) && page.body.contains("2099-12-31"), "{}", page.body);
    for body in [&status.body, &page.body] {
        for secret in [STEP_NOTE, ASK_NOTE, ANSWER, NAME, PHONE, "约谈", "收据.pdf", "陈静"] {
            assert!(!body.contains(secret), "{secret} in the public status: {body}");
        }
    }
    // The follow-up closes it.
    let done = ok(&a, &office, "POST", &format!("/api/v1/complaints/{id}/follow-up"), json!({"note": "已退还全部费用"})).await;
    assert_eq!(done["complaint"]["status"], "closed");
    assert_eq!(a.api("GET", &format!("/api/v1/public/complaints/{receipt}"), None, None).await.json()["status"], "closed");
    // A receipt that names nothing, or does not read, is 404 alike.
    assert_eq!(a.api("GET", "/api/v1/public/complaints/TS-0000-0000-0000-0000", None, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(a.api("GET", &format!("/api/v1/public/complaints/{id}"), None, None).await.status, StatusCode::NOT_FOUND);
    // An unregistered group goes to the county where it happened.
    let (_, group) = file(&a, json!({"category": "illegal", "unregistered_name": "某某乡村振兴总会", "place": "530627", "description": "冒用名义募捐", "anonymous": true})).await;
    let zx_mz = { a.add_officer("zx_mz", "镇雄县民政局", duijie_domain::Role::CivilAffairs, "530627").await; a.token("zx_mz").await };
    let theirs = ok(&a, &zx_mz, "GET", "/api/v1/complaints", json!(null)).await;
    assert_eq!(theirs["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect::<Vec<_>>(), vec![group]);
}

async fn every_complaint_route_answers_404_outside_the_callers_scope(a: App) {
    let (_, id) = file(&a, about_yl()).await;
    let office = a.token("yl_mz").await;
    let handler = user_id(&a, "yl_mz").await;
    ok(&a, &office, "POST", &format!("/api/v1/complaints/{id}/assign"), json!({"handler_id": handler})).await;
    let evidence = duijie_store::on_db!(&a.t.db, p => sqlx::query_scalar::<_, i64>("SELECT MIN(id) FROM complaint_files WHERE complaint_id = $1").bind(id).fetch_one(p).await).unwrap();
    a.add_officer("zx_mz", "镇雄县民政局", duijie_domain::Role::CivilAffairs, "530627").await;
    let audit = || async { duijie_store::on_db!(&a.t.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log WHERE entity = 'complaint'").fetch_one(p).await).unwrap() };
    let before = audit().await;
    let api_routes: Vec<(&str, String, Value)> = vec![
        ("GET", format!("/api/v1/complaints/{id}"), json!(null)),
        ("POST", format!("/api/v1/complaints/{id}/assign"), json!({"handler_id": handler})),
        ("POST", format!("/api/v1/complaints/{id}/steps"), json!({"note": "越权记录"})),
        ("POST", format!("/api/v1/complaints/{id}/ask"), json!({"note": "越权要求"})),
        ("POST", format!("/api/v1/complaints/{id}/answer"), json!({"text": "越权答复"})),
        ("POST", format!("/api/v1/complaints/{id}/close"), json!({"outcome": "unfounded", "summary": "越权办结"})),
        ("POST", format!("/api/v1/complaints/{id}/follow-up"), json!({"note": "越权复查"})),
        ("POST", format!("/api/v1/complaints/{id}/complainant"), json!(null)),
    ];
    // Another county's civil-affairs office, another organisation, the county's rural-revitalisation
    // bureau, and the organisation itself before the office asks it to answer.
    for outsider in ["zx_mz", "org_yn", "yl_xz", "org_yl"] {
        let token = a.token(outsider).await;
        for (method, path, body) in &api_routes {
            let r = a.api(method, path, Some(&token), (!body.is_null()).then(|| body.clone())).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{} {outsider} {method} {path}: {}", a.backend(), r.body);
        }
        if outsider != "yl_xz" {
            let list = ok(&a, &token, "GET", "/api/v1/complaints?all=true", json!(null)).await;
            assert!(list["items"].as_array().unwrap().is_empty() && list["total"] == 0, "{outsider} lists nothing: {list}");
        }
        let (cookie, csrf) = a.login(outsider).await;
        for page in [format!("/complaints/{id}"), format!("/complaints/files/{evidence}")] {
            assert_eq!(a.get(&page, &cookie).await.status, StatusCode::NOT_FOUND, "{outsider} GET {page}");
        }
        for action in ["assign", "ask", "close", "complainant"] {
            let r = a.post_form(&format!("/complaints/{id}/{action}"), &cookie, &[("_csrf", &csrf), ("handler", &handler.to_string()), ("note", "越权"), ("outcome", "unfounded"), ("summary", "越权")]).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{outsider} POST /complaints/{id}/{action}");
        }
        for action in ["step", "answer", "follow-up"] {
            let (ct, body) = multipart(&[("_csrf", &csrf), ("note", "越权"), ("text", "越权")], "x.pdf", b"%PDF-1.4 x");
            let r = a.send(Request::post(format!("/complaints/{id}/{action}")).header(header::COOKIE, &cookie).header(header::CONTENT_TYPE, ct).body(Body::from(body)).unwrap()).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{outsider} POST /complaints/{id}/{action}");
        }
    }
    // The rural-revitalisation bureau has no complaint list at all.
    assert_eq!(a.api("GET", "/api/v1/complaints", Some(&a.token("yl_xz").await), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(audit().await, before, "nothing was recorded about the complaint");
    // The prefecture's office above sees it but does not handle it, nor sees who complained.
    let zt = a.token("zt_mz").await;
    assert_eq!(a.api("GET", &format!("/api/v1/complaints/{id}"), Some(&zt), None).await.status, StatusCode::OK);
    for (path, body) in [(format!("/api/v1/complaints/{id}/ask"), Some(json!({"note": "上级要求"}))), (format!("/api/v1/complaints/{id}/complainant"), None)] {
        assert_eq!(a.api("POST", &path, Some(&zt), body).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let shown = ok(&a, &zt, "GET", &format!("/api/v1/complaints/{id}"), json!(null)).await;
    assert!(!shown.to_string().contains(NAME) && !shown.to_string().contains(PHONE));
}

async fn an_organisation_never_sees_who_complained(a: App) {
    let (_, id) = file(&a, about_yl()).await;
    let office = a.token("yl_mz").await;
    assign_and_ask(&a, &office, id).await;
    let org = a.token("org_yl").await;
    let detail = a.api("GET", &format!("/api/v1/complaints/{id}"), Some(&org), None).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    let d = detail.json();
    assert_eq!(d["may_answer"], true);
    assert!(d["complaint"]["anonymous"].is_null() && d["complaint"]["handler_name"].is_null(), "{d}");
    assert_eq!(d["evidence"].as_array().unwrap().len(), 1, "the complainant's evidence is shown: {d}");
    let list = a.api("GET", "/api/v1/complaints", Some(&org), None).await;
    let (cookie, _) = a.login("org_yl").await;
    let page = a.get(&format!("/complaints/{id}"), &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(ASK_NOTE) && page.body.contains("answer-form"), "the organisation reads the question and may answer");
    let list_page = a.get("/complaints", &cookie).await;
    for body in [&detail.body, &list.body, &page.body, &list_page.body] {
        for secret in [NAME, PHONE, "欧阳", "1391111", STEP_NOTE, "笔录.pdf"] {
            assert!(!body.contains(secret), "{} {secret} shown to the organisation: {body}", a.backend());
        }
    }
    // Its investigation document is not the organisation's to open; the evidence is.
    let files: Vec<(i64, String)> = duijie_store::on_db!(&a.t.db, p => sqlx::query_as("SELECT id, file_name FROM complaint_files WHERE complaint_id = $1 ORDER BY id").bind(id).fetch_all(p).await).unwrap();
    for (fid, name) in files {
        let want = if name == "笔录.pdf" { StatusCode::NOT_FOUND } else { StatusCode::OK };
        assert_eq!(a.get(&format!("/complaints/files/{fid}"), &cookie).await.status, want, "{name}");
    }
    // The handling office sees "实名" and opens the contact on request, each time audited.
    let (office_cookie, office_csrf) = a.login("yl_mz").await;
    let page = a.get(&format!("/complaints/{id}"), &office_cookie).await;
    assert!(page.body.contains("show-complainant") && !page.body.contains(NAME), "the contact is shown only on request");
    let views = || async { duijie_store::on_db!(&a.t.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log WHERE action = 'complaint.complainant.view'").fetch_one(p).await).unwrap() };
    let shown = a.post_form(&format!("/complaints/{id}/complainant"), &office_cookie, &[("_csrf", &office_csrf)]).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains(NAME) && shown.body.contains(PHONE));
    let api = ok(&a, &office, "POST", &format!("/api/v1/complaints/{id}/complainant"), json!(null)).await;
    assert_eq!((api["name"].as_str(), api["phone"].as_str()), (Some(NAME), Some(PHONE)));
    assert_eq!(views().await, 2);
}

async fn the_public_form_names_each_bad_field_and_filing_is_throttled_per_address(a: App) {
    let form = a.get("/public/complaints/new", "").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.set_cookie("duijie_complaint_csrf").expect("the form sets its CSRF cookie");
    let cookie = format!("duijie_complaint_csrf={csrf}");
    let post = |fields: Vec<(&'static str, String)>, cookie: String, file: (&'static str, &'static [u8])| {
        let a = &a;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (ct, body) = multipart(&pairs, file.0, file.1);
            a.send(Request::post("/public/complaints/new").header("x-forwarded-for", "203.0.113.5").header(header::COOKIE, cookie).header(header::CONTENT_TYPE, ct).body(Body::from(body)).unwrap()).await
        }
    };
    // Without the cookie's token: refused.
    let forged = post(vec![("_csrf", "forged".into()), ("category", "fees".into())], cookie.clone(), ("", &b""[..])).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // Each bad field is named under it, what was typed is kept.
    let bad = post(vec![("_csrf", csrf.clone()), ("category", String::new()), ("org", "不存在的某某基金会".into()), ("place", "5306".into()), ("description", "情况".into()), ("contact_name", "张三".into())], cookie.clone(), ("病毒.exe", &b"MZ\x90\x00"[..])).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    for field in ["err-category", "err-org", "err-place", "err-contact_phone", "err-files"] {
        assert!(bad.body.contains(field), "{field} not named: {}", bad.body);
    }
    assert!(bad.body.contains("不存在的某某基金会"), "what was typed is kept");
    // A good one: the receipt page.
    let good = post(
        vec![("_csrf", csrf.clone()), ("category", "levy".into()), ("org", "演示·彝良县助学服务中心".into()), ("place", "彝良县".into()), ("description", "要求村民捐款".into()), ("anonymous", "1".into())],
        cookie.clone(),
        ("照片.png", &b"\x89PNG\r\n\x1a\n0000"[..]),
    )
    .await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.body);
    assert!(good.body.contains("id=\"receipt\">TS-") && good.body.contains("彝良县民政局"), "{}", good.body);
    assert_eq!(a.scalar("SELECT COUNT(*) FROM complaint_files").await, 1);
    // Ten filings an hour from one address, the page's two above included (the forged one never
    // reached the handler): eight more are accepted, the next is refused; another address is not.
    let body = json!({"category": "other", "unregistered_name": "某团体", "place": "530628", "description": "说明", "anonymous": true});
    let mut refused = 0;
    for _ in 0..9 {
        let r = post_from(&a, "203.0.113.5", &body).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        } else {
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
    }
    assert_eq!(refused, 1, "{}: 2 on the page + 8 accepted, then refused", a.backend());
    assert_eq!(post_from(&a, "203.0.113.6", &body).await.status, StatusCode::CREATED);
}

async fn an_outcome_that_lists_the_organisation_refuses_its_next_pairing_proposal(a: App) {
    let (_, id) = file(&a, about_yl()).await;
    let office = a.token("yl_mz").await;
    let handler = user_id(&a, "yl_mz").await;
    ok(&a, &office, "POST", &format!("/api/v1/complaints/{id}/assign"), json!({"handler_id": handler})).await;
    let closed = ok(&a, &office, "POST", &format!("/api/v1/complaints/{id}/close"), json!({"outcome": "penalty", "doc_no": "彝民罚〔2026〕1号", "summary": "经查属实，已依法处罚",
        "credit_list": "serious", "credit_reason": "以帮扶名义乱收费", "credit_doc_no": "彝民〔2026〕3号"})).await;
    assert_eq!((closed["complaint"]["status"].as_str(), closed["complaint"]["credit_list"].as_str()), (Some("closed"), Some("serious")));
    // The county's next proposal of a pairing with the organisation is refused by the registry's rule.
    let yn = a.token("yn_mz").await;
    let batches = a.api("GET", "/api/v1/pairing/batches", Some(&yn), None).await.json();
    let open = batches.as_array().unwrap().iter().find(|b| b["name"] == "第二批（演示）").unwrap()["id"].as_i64().unwrap();
    let org = duijie_store::orgs::all(&a.t.db).await.unwrap().into_iter().find(|o| o.name == "演示·彝良县助学服务中心").unwrap();
    let county = a.token("yl_xz").await;
    let before = a.scalar("SELECT COUNT(*) FROM pairings").await;
    let r = a.api("POST", "/api/v1/pairings", Some(&county), Some(json!({"batch_id": open, "kind": "county", "credit_code": org.credit_code, "region": "530628"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{} {}", a.backend(), r.body);
    assert!(r.body.contains("严重违法失信名单"), "{}", r.body);
    assert_eq!(a.scalar("SELECT COUNT(*) FROM pairings").await, before, "nothing written");
    // An unregistered group is on no list: the office is told on the field.
    let (_, group) = file(&a, json!({"category": "illegal", "unregistered_name": "某某乡村振兴总会", "place": "530628", "description": "冒用名义募捐", "anonymous": true})).await;
    ok(&a, &office, "POST", &format!("/api/v1/complaints/{group}/assign"), json!({"handler_id": handler})).await;
    let r = a.api("POST", &format!("/api/v1/complaints/{group}/close"), Some(&office), Some(json!({"outcome": "illegal_org", "unit": "彝良县公安局", "summary": "已移交取缔",
        "credit_list": "abnormal", "credit_reason": "非法社会组织", "credit_doc_no": "彝民〔2026〕4号"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("credit_list"), "{}", r.body);
}

/// The count of a 待办 item on a dashboard, if the item is there.
fn todo_count(dashboard: &str, label: &str) -> Option<u64> {
    let todo = dashboard.split("id=\"todo\"").nth(1)?.split("</section>").next()?;
    let item = todo.split("<li").find(|li| li.contains(label))?;
    item.split("class=\"num\">").nth(1)?.split('<').next()?.trim().parse().ok()
}
