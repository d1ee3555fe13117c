//! Pairing (结对帮扶) over the API: the whole loop from proposal to coverage,
//! scope, credit lists, adjustments of a published list, bad input, intents,
//! needs, plans and agreements due, and the OpenAPI description.
//!
//! Every test runs on SQLite and on PostgreSQL (`support::both!`)
//! except the check of the OpenAPI description, which reads no table.

use crate::support::{App, app, both};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

both!(
    a_pairing_goes_from_proposal_to_active_and_covers_the_county,
    a_pairing_is_invisible_outside_scope_and_only_its_organisation_consents_for_it,
    an_organisation_on_a_credit_list_cannot_be_paired,
    ending_a_published_pairing_needs_both_departments_approval,
    bad_input_is_answered_in_chinese_and_nothing_is_written,
    intents_needs_plans_and_due_agreements_over_the_api,
    a_village_is_named_never_shown_as_its_code,
);

const YN_ORG: &str = "演示·云南省乡村发展促进会";

/// Base64 (standard alphabet, padded), as an API client would send a file.
fn b64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            out.push(if i <= c.len() { T[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

fn pdf(text: &str) -> String {
    b64(format!("%PDF-1.4\n% {text}\n%%EOF\n").as_bytes())
}

async fn org_id_of(a: &App, username: &str) -> i64 {
    duijie_store::users::by_username(&a.t.db, username).await.unwrap().unwrap().org_id.expect("organisation user")
}

/// A Yunnan batch created by yn_xz through the API.
async fn new_batch(a: &App, yn_xz: &str, name: &str, deadline: &str) -> i64 {
    let r = a
        .api(
            "POST",
            "/api/v1/pairing/batches",
            Some(yn_xz),
            Some(json!({"name": name, "region": 53, "doc_no": "云乡振发〔2026〕1号", "sign_deadline": deadline})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

/// org_yn proposes a county pairing with 彝良县 (its own consent given).
async fn propose_yiliang(a: &App, org: &str, batch: i64) -> i64 {
    let body = json!({"batch_id": batch, "kind": "county", "region": "530628", "fields": "产业、就业", "commitments": "每年组织两次产销对接", "funds_wan": 50, "people": 3});
    let r = a.api("POST", "/api/v1/pairings", Some(org), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

async fn step(a: &App, token: &str, id: i64, step: &str) -> crate::support::Reply {
    a.api("POST", &format!("/api/v1/pairings/{id}/steps"), Some(token), Some(json!({"step": step}))).await
}

fn ids(items: &Value) -> Vec<i64> {
    items.as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect()
}

async fn listed_ids(a: &App, token: &str, query: &str) -> (i64, Vec<i64>) {
    let r = a.api("GET", &format!("/api/v1/pairings{query}"), Some(token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    (j["total"].as_i64().unwrap(), ids(&j["items"]))
}

/// A batch with a consented pairing org_yn ↔ 彝良县 on its published list.
async fn published_pairing(a: &App) -> (i64, i64) {
    let (yn, org, yl) = (a.token("yn_xz").await, a.token("org_yn").await, a.token("yl_xz").await);
    let batch = new_batch(a, &yn, "第一批", "2026-12-31").await;
    let id = propose_yiliang(a, &org, batch).await;
    assert_eq!(step(a, &yl, id, "county_consent").await.json()["status"], "consented");
    let p = a.api("POST", &format!("/api/v1/pairing/batches/{batch}/publish"), Some(&yn), None).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(p.json()["listed"], 1);
    (batch, id)
}

async fn a_pairing_goes_from_proposal_to_active_and_covers_the_county(a: App) {
    let (yn, org, yl) = (a.token("yn_xz").await, a.token("org_yn").await, a.token("yl_xz").await);
    let batch = new_batch(&a, &yn, "第一批", "2026-12-31").await;
    let batches = a.api("GET", "/api/v1/pairing/batches", Some(&org), None).await.json();
    let b = batches.as_array().unwrap().iter().find(|b| b["id"] == batch).expect("the new batch is listed");
    assert_eq!(b["region_code"], "53");
    assert_eq!(b["sign_deadline"], "2026-12-31");
    assert!(b["published_at"].is_null());

    let id = propose_yiliang(&a, &org, batch).await;

    // The county sees it in its list, waiting for its consent.
    let (_, seen) = listed_ids(&a, &yl, &format!("?batch_id={batch}&status=proposed")).await;
    assert_eq!(seen, vec![id]);
    let d = a.api("GET", &format!("/api/v1/pairings/{id}"), Some(&yl), None).await.json();
    assert_eq!(d["status"], "proposed");
    assert_eq!(d["org_name"], YN_ORG);
    assert_eq!(d["region_name"], "云南省昭通市彝良县");
    assert_eq!(d["funds_wan"], "50.00");
    assert!(d["org_consent_at"].is_i64(), "the proposing organisation has agreed: {d}");
    let steps: Vec<&str> = d["steps"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(steps.contains(&"county_consent") && steps.contains(&"decline"), "{steps:?}");
    let org_steps = a.api("GET", &format!("/api/v1/pairings/{id}"), Some(&org), None).await.json()["steps"].clone();
    assert!(!org_steps.as_array().unwrap().iter().any(|s| s == "org_consent"), "the organisation agreed already: {org_steps}");

    let after = step(&a, &yl, id, "county_consent").await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.body);
    assert_eq!(after.json()["status"], "consented");
    assert_eq!(after.json()["status_label"], "待签协议");
    assert_eq!(after.json()["steps"], json!(["end"]), "the county waits for the signed agreement before it can activate");
    assert_eq!(a.api("GET", &format!("/api/v1/pairings/{id}"), Some(&org), None).await.json()["may_sign"], true);

    // Activating before the signed agreement is uploaded is refused: a conflict with the current state.
    let early = step(&a, &yl, id, "activate").await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert_eq!(early.json()["current"]["status"], "consented");

    let doc = a.api("GET", &format!("/api/v1/pairings/{id}/agreement"), Some(&org), None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.headers.get(header::CONTENT_TYPE).unwrap(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    assert!(doc.body.starts_with("PK"), "a .docx is a zip");

    // A file that is not a scan is refused; the PDF is taken.
    let txt = a
        .api("POST", &format!("/api/v1/pairings/{id}/signed-agreement"), Some(&org), Some(json!({"file_name": "a.txt", "content_base64": b64(b"hello")})))
        .await;
    assert_eq!(txt.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", txt.body);
    assert_eq!(txt.json()["fields"][0]["field"], "file");
    let signed = a
        .api(
            "POST",
            &format!("/api/v1/pairings/{id}/signed-agreement"),
            Some(&org),
            Some(json!({"file_name": "结对协议（盖章）.pdf", "content_base64": pdf("signed")})),
        )
        .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    assert_eq!(signed.json()["status"], "signed");
    assert!(signed.json()["signed_file_id"].is_i64());

    let active = step(&a, &yl, id, "activate").await;
    assert_eq!(active.status, StatusCode::OK, "{}", active.body);
    assert_eq!(active.json()["status"], "active");
    let events: Vec<String> = active.json()["events"].as_array().unwrap().iter().map(|e| e["to_status"].as_str().unwrap().to_string()).collect();
    assert_eq!(events, ["proposed", "consented", "signed", "active"]);

    let cov = a.api("GET", "/api/v1/pairing/coverage?targets=national_key:53", Some(&yn), None).await;
    assert_eq!(cov.status, StatusCode::OK, "{}", cov.body);
    let cov = cov.json();
    assert_eq!(cov["targets"], "national_key:53");
    let yiliang = cov["counties"].as_array().unwrap().iter().find(|c| c["code"] == "530628").expect("彝良县 is a national key county");
    assert_eq!(yiliang["name"], "彝良县");
    let orgs = yiliang["organizations"].as_array().unwrap();
    assert!(orgs.iter().any(|o| o["org_name"] == YN_ORG && o["pairing_id"] == id && o["status"] == "active"), "{yiliang}");
    let s = &cov["summary"];
    assert!(s["one"].as_u64().unwrap() >= 1);
    assert_eq!(s["targets"].as_u64().unwrap(), s["none"].as_u64().unwrap() + s["one"].as_u64().unwrap() + s["several"].as_u64().unwrap());
    let uncovered = a.api("GET", "/api/v1/pairing/coverage?targets=national_key:53&show=none", Some(&yn), None).await.json();
    assert!(!uncovered["counties"].as_array().unwrap().iter().any(|c| c["code"] == "530628"));
}

async fn a_pairing_is_invisible_outside_scope_and_only_its_organisation_consents_for_it(a: App) {
    let (yn, yl) = (a.token("yn_xz").await, a.token("yl_xz").await);
    let batch = new_batch(&a, &yn, "第一批", "2026-12-31").await;
    // Proposed by the county this time: the organisation's consent is awaited.
    let cc = a.api("GET", &format!("/api/v1/organizations/{}", org_id_of(&a, "org_yn").await), Some(&yn), None).await.json()["credit_code"].clone();
    let r = a.api("POST", "/api/v1/pairings", Some(&yl), Some(json!({"batch_id": batch, "kind": "county", "region": "530628", "credit_code": cc}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();

    for user in ["zx_xz", "gz_xz", "org_js"] {
        let t = a.token(user).await;
        let got = a.api("GET", &format!("/api/v1/pairings/{id}"), Some(&t), None).await;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{user} sees it: {}", got.body);
        assert_eq!(got.json()["code"], "not_found");
        let (_, seen) = listed_ids(&a, &t, "").await;
        assert!(!seen.contains(&id), "{user} lists it");
        assert_eq!(a.api("GET", &format!("/api/v1/pairings/{id}/agreement"), Some(&t), None).await.status, StatusCode::NOT_FOUND);
        let consent = step(&a, &t, id, if user == "org_js" { "org_consent" } else { "county_consent" }).await;
        assert!(matches!(consent.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{user}: {}", consent.body);
    }
    // An officer in scope cannot consent for the organisation.
    assert_eq!(step(&a, &yn, id, "org_consent").await.status, StatusCode::FORBIDDEN);
    let d = a.api("GET", &format!("/api/v1/pairings/{id}"), Some(&yn), None).await.json();
    assert_eq!(d["status"], "proposed");
    assert!(d["org_consent_at"].is_null());

    // Its own organisation agrees, and then it is agreed.
    let org = a.token("org_yn").await;
    let ok = step(&a, &org, id, "org_consent").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json()["status"], "consented");
}

async fn an_organisation_on_a_credit_list_cannot_be_paired(a: App) {
    let (yn, mz) = (a.token("yn_xz").await, a.token("yn_mz").await);
    let batch = new_batch(&a, &yn, "第一批", "2026-12-31").await;
    let yl_org = org_id_of(&a, "org_yl").await;
    let listed =
        a.api("PUT", &format!("/api/v1/organizations/{yl_org}/credit-list"), Some(&mz), Some(json!({"list": "abnormal", "reason": "云民决〔2026〕3号"}))).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let cc = listed.json()["credit_code"].as_str().unwrap().to_string();
    let (before, _) = listed_ids(&a, &yn, "").await;

    let org = a.token("org_yl").await;
    let (mine_before, _) = listed_ids(&a, &org, "").await;
    let own = a.api("POST", "/api/v1/pairings", Some(&org), Some(json!({"batch_id": batch, "kind": "county", "region": "530628"}))).await;
    let by_officer =
        a.api("POST", "/api/v1/pairings", Some(&yn), Some(json!({"batch_id": batch, "kind": "county", "region": "530628", "credit_code": cc}))).await;
    for r in [own, by_officer] {
        assert!(matches!(r.status, StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST), "{}", r.body);
        assert!(r.json()["message"].as_str().unwrap().contains("名单"), "{}", r.body);
    }
    let (after, _) = listed_ids(&a, &yn, "").await;
    assert_eq!(before, after, "nothing was created");
    let (mine_after, _) = listed_ids(&a, &org, "").await;
    assert_eq!(mine_before, mine_after);
}

async fn ending_a_published_pairing_needs_both_departments_approval(a: App) {
    let (batch, id) = published_pairing(&a).await;
    let (yn, mz, org, yl) = (a.token("yn_xz").await, a.token("yn_mz").await, a.token("org_yn").await, a.token("yl_xz").await);
    let list = a.api("GET", &format!("/api/v1/pairing/batches/{batch}/list"), Some(&yl), None).await.json();
    assert_eq!(list["published"], true);
    assert_eq!(ids(&list["items"]), vec![id]);
    // Before the publication the list was empty; a bad date is named.
    let past = a.api("GET", &format!("/api/v1/pairing/batches/{batch}/list?date=2020-01-01"), Some(&yl), None).await.json();
    assert!(past["items"].as_array().unwrap().is_empty());
    assert_eq!(past["date"], "2020-01-01");
    let bad = a.api("GET", &format!("/api/v1/pairing/batches/{batch}/list?date=明天"), Some(&yl), None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A listed pairing is not ended by a step: that is an adjustment.
    let direct = step(&a, &yl, id, "end").await;
    assert_eq!(direct.status, StatusCode::BAD_REQUEST, "{}", direct.body);
    assert!(direct.json()["message"].as_str().unwrap().contains("调整申请"));

    let req = json!({"batch_id": batch, "op": "end", "pairing_id": id, "doc_no": "云乡发促〔2026〕9号", "reason": "因本会业务调整，申请终止与彝良县的结对",
        "files": [{"file_name": "终止结对申请.pdf", "content_base64": pdf("request")}]});
    let r = a.api("POST", "/api/v1/pairing/adjustments", Some(&org), Some(req)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let adj = r.json()["id"].as_i64().unwrap();
    let detail = a.api("GET", &format!("/api/v1/pairing/adjustments/{adj}"), Some(&org), None).await.json();
    assert_eq!(detail["status"], "pending");
    assert_eq!(detail["files"][0]["file_name"], "终止结对申请.pdf");
    let pending = a.api("GET", "/api/v1/pairing/adjustments?status=pending", Some(&mz), None).await.json();
    assert!(ids(&pending).contains(&adj));

    // The prefecture's civil affairs bureau did not issue the list.
    let zt = a.token("zt_mz").await;
    let refused = a.api("POST", &format!("/api/v1/pairing/adjustments/{adj}/decision"), Some(&zt), Some(json!({"approve": true}))).await;
    assert!(matches!(refused.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", refused.body);
    // Nor does the organisation approve its own request.
    let own = a.api("POST", &format!("/api/v1/pairing/adjustments/{adj}/decision"), Some(&org), Some(json!({"approve": true}))).await;
    assert!(matches!(own.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", own.body);

    let one = a.api("POST", &format!("/api/v1/pairing/adjustments/{adj}/decision"), Some(&yn), Some(json!({"approve": true}))).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(one.json()["status"], "pending");
    assert_eq!(one.json()["status_label"], "乡村振兴部门已同意，待民政审批");
    assert_eq!(a.api("GET", &format!("/api/v1/pairings/{id}"), Some(&yn), None).await.json()["status"], "consented");
    let twice = a.api("POST", &format!("/api/v1/pairing/adjustments/{adj}/decision"), Some(&yn), Some(json!({"approve": true}))).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);

    let both = a.api("POST", &format!("/api/v1/pairing/adjustments/{adj}/decision"), Some(&mz), Some(json!({"approve": true}))).await;
    assert_eq!(both.status, StatusCode::OK, "{}", both.body);
    assert_eq!(both.json()["status"], "approved");

    let p = a.api("GET", &format!("/api/v1/pairings/{id}"), Some(&yn), None).await.json();
    assert_eq!(p["status"], "ended");
    assert!(p["delisted_at"].is_i64());
    let last = p["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["from_status"].as_str(), last["to_status"].as_str()), (Some("consented"), Some("ended")));
    assert!(last["note"].as_str().unwrap().contains("云乡发促〔2026〕9号"), "{last}");
    let now = a.api("GET", &format!("/api/v1/pairing/batches/{batch}/list"), Some(&yl), None).await.json();
    assert!(ids(&now["items"]).is_empty(), "the ended pairing left the list: {now}");
    let approved = a.api("GET", "/api/v1/pairing/adjustments?status=approved", Some(&org), None).await.json();
    assert!(ids(&approved).contains(&adj));
}

async fn bad_input_is_answered_in_chinese_and_nothing_is_written(a: App) {
    let (batch, id) = published_pairing(&a).await;
    let (yn, org) = (a.token("yn_xz").await, a.token("org_yn").await);
    let (before, _) = listed_ids(&a, &yn, "").await;

    let garbage = a
        .send(
            Request::post("/api/v1/pairings")
                .header(header::AUTHORIZATION, format!("Bearer {org}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"batch_id\": "))
                .unwrap(),
        )
        .await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST, "{}", garbage.body);
    assert!(garbage.json()["message"].as_str().unwrap().starts_with("请求体不是有效的 JSON"));

    // Field problems name the field.
    let empty = a.api("POST", "/api/v1/pairings", Some(&yn), Some(json!({"kind": "县"}))).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", empty.body);
    let fields: Vec<String> = empty.json()["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_string()).collect();
    for f in ["batch_id", "kind", "credit_code", "region"] {
        assert!(fields.contains(&f.to_string()), "{f} not named: {}", empty.body);
    }
    // The published batch takes no new proposals.
    let late = a.api("POST", "/api/v1/pairings", Some(&org), Some(json!({"batch_id": batch, "kind": "county", "region": "530627"}))).await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.json()["message"].as_str().unwrap().contains("调整申请"), "{}", late.body);

    let unknown = a.api("POST", &format!("/api/v1/pairings/{id}/steps"), Some(&org), Some(json!({"step": "approve"}))).await;
    assert!(matches!(unknown.status, StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY), "{}", unknown.body);
    assert!(unknown.json()["message"].as_str().unwrap().contains("无法识别"));
    let bad_b64 =
        a.api("POST", &format!("/api/v1/pairings/{id}/signed-agreement"), Some(&org), Some(json!({"file_name": "x.pdf", "content_base64": "%%%"}))).await;
    assert_eq!(bad_b64.status, StatusCode::UNPROCESSABLE_ENTITY);

    let no_doc = json!({"batch_id": batch, "op": "end", "pairing_id": id, "reason": "因本会业务调整申请终止结对", "files": [{"file_name": "a.pdf", "content_base64": pdf("x")}]});
    let r = a.api("POST", "/api/v1/pairing/adjustments", Some(&org), Some(no_doc)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.json()["message"].as_str().unwrap().contains("文号"), "{}", r.body);
    let png_only = json!({"batch_id": batch, "op": "end", "pairing_id": id, "doc_no": "1号", "reason": "因本会业务调整申请终止结对", "files": [{"file_name": "a.txt", "content_base64": b64(b"plain text")}]});
    let r = a.api("POST", "/api/v1/pairing/adjustments", Some(&org), Some(png_only)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.json()["message"].as_str().unwrap().contains("PDF"));
    let bad_op = a.api("POST", "/api/v1/pairing/adjustments", Some(&org), Some(json!({"batch_id": batch, "op": "delete"}))).await;
    assert_eq!(bad_op.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_op.json()["fields"][0]["field"], "op");

    assert!(a.api("GET", "/api/v1/pairing/adjustments", Some(&org), None).await.json().as_array().unwrap().is_empty(), "no request was written");
    let (after, _) = listed_ids(&a, &yn, "").await;
    assert_eq!(before, after, "no pairing was written");
    assert_eq!(a.api("GET", &format!("/api/v1/pairings/{id}"), Some(&org), None).await.json()["status"], "consented");
}

async fn intents_needs_plans_and_due_agreements_over_the_api(a: App) {
    let (yn, org, yl, zx) = (a.token("yn_xz").await, a.token("org_yn").await, a.token("yl_xz").await, a.token("zx_xz").await);

    // An organisation states where it will pair; officers have no intent of their own.
    let i = a.api("PUT", "/api/v1/pairing/intent", Some(&org), Some(json!({"capacity": 2, "preferred": ["云南省"], "note": "优先产业帮扶"}))).await;
    assert_eq!(i.status, StatusCode::OK, "{}", i.body);
    assert_eq!(i.json()["preferred"][0]["code"], "53");
    assert_eq!(a.api("GET", "/api/v1/pairing/intent", Some(&org), None).await.json()["capacity"], 2);
    let bad = a.api("PUT", "/api/v1/pairing/intent", Some(&org), Some(json!({"capacity": 500}))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["fields"][0]["field"], "capacity");
    assert_eq!(a.api("PUT", "/api/v1/pairing/intent", Some(&yn), Some(json!({"capacity": 1}))).await.status, StatusCode::FORBIDDEN);

    // The county records its needs; organisations and other counties cannot.
    let needs = json!({"needs": {"教育": 2, "产业": 3}});
    assert_eq!(a.api("PUT", "/api/v1/pairing/needs/530628", Some(&yl), Some(needs.clone())).await.status, StatusCode::NO_CONTENT);
    let got = a.api("GET", "/api/v1/pairing/needs/530628", Some(&yl), None).await.json();
    assert_eq!(got["needs"]["产业"], 3);
    assert_eq!(got["recorded"], true);
    assert_eq!(a.api("PUT", "/api/v1/pairing/needs/530628", Some(&org), Some(needs.clone())).await.status, StatusCode::FORBIDDEN);
    assert_eq!(a.api("PUT", "/api/v1/pairing/needs/530628", Some(&zx), Some(needs)).await.status, StatusCode::NOT_FOUND);
    let unknown = a.api("PUT", "/api/v1/pairing/needs/530628", Some(&yl), Some(json!({"needs": {"航天": 1}}))).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);

    // An agreed pairing whose agreement is due today is chased, in scope only.
    let today = duijie_web::pages::today().format("%Y-%m-%d").to_string();
    let batch = new_batch(&a, &yn, "第二批", &today).await;
    let id = propose_yiliang(&a, &org, batch).await;
    assert_eq!(step(&a, &yl, id, "county_consent").await.json()["status"], "consented");
    for (t, expect) in [(&yl, true), (&org, true), (&yn, true), (&zx, false)] {
        let due = a.api("GET", "/api/v1/pairing/due", Some(t), None).await;
        assert_eq!(due.status, StatusCode::OK);
        let due = due.json();
        let hit = due.as_array().unwrap().iter().find(|d| d["id"] == id);
        assert_eq!(hit.is_some(), expect, "{due}");
        if let Some(h) = hit {
            assert_eq!(h["days_left"], 0);
            assert_eq!(h["deadline"], today);
        }
    }

    // A plan proposes; sending creates proposals that wait for consent.
    assert_eq!(
        a.api("POST", "/api/v1/pairing/plans", Some(&yl), Some(json!({"targets": "national_key:53"}))).await.status,
        StatusCode::NOT_FOUND,
        "a county does not plan for the province"
    );
    assert_eq!(a.api("POST", "/api/v1/pairing/plans", Some(&org), Some(json!({"targets": "national_key:53"}))).await.status, StatusCode::FORBIDDEN);
    let bad_params = a.api("POST", "/api/v1/pairing/plans", Some(&yn), Some(json!({"targets": "national_key:53", "min": 3, "max": 1}))).await;
    assert_eq!(bad_params.status, StatusCode::UNPROCESSABLE_ENTITY);
    let plan = a.api("POST", "/api/v1/pairing/plans", Some(&yn), Some(json!({"targets": "national_key:53", "min": 1, "max": 2}))).await;
    assert_eq!(plan.status, StatusCode::CREATED, "{}", plan.body);
    let plan_id = plan.json()["id"].as_i64().unwrap();
    assert!(plan.json()["summary"]["counties"].as_u64().unwrap() > 0);
    let detail = a.api("GET", &format!("/api/v1/pairing/plans/{plan_id}"), Some(&yn), None).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.body);
    let detail = detail.json();
    assert_eq!(detail["plan"]["status"], "draft");
    let new_items = detail["items"].as_array().unwrap().iter().filter(|i| i["existing"] == false && i["removed"] == false).count();
    assert!(new_items >= 1, "org_yn is willing to take a county: {detail}");
    assert_eq!(a.api("GET", &format!("/api/v1/pairing/plans/{plan_id}"), Some(&zx), None).await.status, StatusCode::NOT_FOUND);
    assert!(ids(&a.api("GET", "/api/v1/pairing/plans", Some(&yn), None).await.json()).contains(&plan_id));
    let sent = a.api("POST", &format!("/api/v1/pairing/plans/{plan_id}/send"), Some(&yn), Some(json!({"batch_id": batch}))).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert_eq!(sent.json()["proposals"].as_u64().unwrap() as usize, new_items);
    let (_, proposals) = listed_ids(&a, &yn, &format!("?batch_id={batch}&status=proposed")).await;
    assert_eq!(proposals.len(), new_items, "organisations and counties are asked, nothing is assigned");
}

#[tokio::test]
async fn every_pairing_route_is_in_the_openapi_description() {
    let a = app().await;
    let doc = a.api("GET", "/api/openapi.json", None, None).await.json();
    let routes = [
        ("get", "/api/v1/pairing/batches"),
        ("post", "/api/v1/pairing/batches"),
        ("post", "/api/v1/pairing/batches/{id}/publish"),
        ("get", "/api/v1/pairing/batches/{id}/list"),
        ("get", "/api/v1/pairings"),
        ("post", "/api/v1/pairings"),
        ("get", "/api/v1/pairings/{id}"),
        ("post", "/api/v1/pairings/{id}/steps"),
        ("get", "/api/v1/pairings/{id}/agreement"),
        ("post", "/api/v1/pairings/{id}/signed-agreement"),
        ("get", "/api/v1/pairing/coverage"),
        ("get", "/api/v1/pairing/intent"),
        ("put", "/api/v1/pairing/intent"),
        ("get", "/api/v1/pairing/needs/{county}"),
        ("put", "/api/v1/pairing/needs/{county}"),
        ("get", "/api/v1/pairing/plans"),
        ("post", "/api/v1/pairing/plans"),
        ("get", "/api/v1/pairing/plans/{id}"),
        ("post", "/api/v1/pairing/plans/{id}/send"),
        ("get", "/api/v1/pairing/adjustments"),
        ("post", "/api/v1/pairing/adjustments"),
        ("get", "/api/v1/pairing/adjustments/{id}"),
        ("post", "/api/v1/pairing/adjustments/{id}/decision"),
        ("get", "/api/v1/pairing/due"),
    ];
    for (method, path) in routes {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "openapi.json lacks {method} {path}");
        assert_eq!(op["tags"][0], "pairing", "{method} {path}");
        let summary = op["summary"].as_str().unwrap_or("");
        assert!(summary.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{method} {path} has no Chinese description: {summary:?}");
    }
    for schema in ["PairingDto", "PairingDetail", "ProposeInput", "BatchInput", "CoverageDto", "AdjustmentRequest", "AdjustmentDto", "IntentDto", "PlanDetail"]
    {
        assert!(doc["components"]["schemas"].get(schema).is_some(), "openapi.json lacks the schema {schema}");
    }
    assert_eq!(
        doc["paths"]["/api/v1/pairings/{id}/agreement"]["get"]["responses"]["200"]["content"]
            .as_object()
            .map(|c| c.contains_key("application/vnd.openxmlformats-officedocument.wordprocessingml.document")),
        Some(true)
    );
}

/// A pairing with a village (or its party branch) names the village where
/// people read it — the API, the list, the page title, the official list
/// export — as 云南省昭通市彝良县…发路村民委员会, never as 530628102203.
async fn a_village_is_named_never_shown_as_its_code(a: App) {
    let row = duijie_store::regions::RegionRow { code: "530628102203".into(), name: "发路村民委员会".into(), level: "village".into(), parent_code: "530628102".into() };
    let mut tx = a.t.db.begin().await.unwrap();
    duijie_store::regions::insert_rows(&mut tx, &[row]).await.unwrap();
    tx.commit().await.unwrap();
    let yn = a.token("yn_xz").await;
    let batch = new_batch(&a, &yn, "第三批", "2026-12-31").await;
    let org = a.token("org_yl").await;
    let r = a.api("POST", "/api/v1/pairings", Some(&org), Some(json!({"batch_id": batch, "kind": "village", "region": "530628102203"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();

    let got = a.api("GET", &format!("/api/v1/pairings/{id}"), Some(&org), None).await.json();
    let name = got["region_name"].as_str().unwrap().to_string();
    assert!(name.starts_with("云南省昭通市彝良县") && name.ends_with("发路村民委员会"), "{name}");
    let (cookie, _) = a.login("org_yl").await;
    for page in [format!("/pairing/{id}"), "/pairing".to_string()] {
        let body = a.get(&page, &cookie).await.body;
        assert!(body.contains(&name), "{page} names the village");
        assert!(!body.contains("530628102203"), "{page} shows the village's code");
    }
    // The audit trail names it too.
    let (admin, _) = a.login("admin").await;
    let audit = a.get(&format!("/admin/audit?entity=pairing&entity_id={id}"), &admin).await.body;
    let rows = audit.split("<tbody>").nth(1).unwrap().split("</tbody>").next().unwrap().to_string();
    assert!(rows.contains(&format!("地区：{name}")), "{rows}");
    assert!(!rows.contains("530628102203"), "the audit trail shows the village's code: {rows}");
}
