//! Every route with an id, walked as outsiders.
//!
//! Records of 彝良县 (530628) and of its organisations are made with a secret
//! marker in their text: a draft demand and its file, a pending take with a
//! note, an offer taken off the shelf, a pairing on an unpublished list, an
//! adjustment request and its document, a pending self-application, a liaison
//! officer, an account, an inbox notice, a saved plan, a group-pairing team, a project with progress and a picture, a batch of the county's export to the national monitoring system, a supervision flag, a county's half-year report, an organisation's annual report. Then every route with a
//! officer, an account, an inbox notice, a saved plan, a group-pairing team, a project with progress and a picture, a batch of the county's export to the national monitoring system, a complaint with its evidence (asked of its organisation), a county's half-year report, an organisation's annual report. Then every route with a
//! path parameter — the API's from `/api/openapi.json`, the pages' from the
//! router itself — is called with those records' ids by officers of another
//! county, another prefecture and another province and by another
//! organisation, with every method the route answers. The walk fails if any
//! answer carries a marker, or if any of those records changed (an audit row
//! about it appeared). A route whose parameter names no known kind of record
//! fails the walk too, so a new route cannot be left out silently.

use crate::support::{App, apps};
use axum::http::{Method, StatusCode};
use serde_json::json;
use std::collections::BTreeMap;

const MARK: &str = "机密标记7Q";

/// The records the walk aims at: their ids by kind, and (audit entity, id) pairs.
struct Victims {
    ids: BTreeMap<&'static str, Vec<String>>,
    entities: Vec<(String, String)>,
}

async fn api_ok(a: &App, token: &str, method: &str, path: &str, body: serde_json::Value) -> serde_json::Value {
    let r = a.api(method, path, Some(token), Some(body)).await;
    assert!(r.status.is_success(), "{method} {path}: {} {}", r.status, r.body);
    if r.body.is_empty() { json!(null) } else { r.json() }
}

async fn make_victims(a: &App) -> Victims {
    let db = &a.t.db;
    let (yl_xz, yl_mz, org_yl, yn_mz) = (a.token("yl_xz").await, a.token("yl_mz").await, a.token("org_yl").await, a.token("yn_mz").await);
    let mut ids: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut entities = Vec::new();
    let demand = |title: &str, description: &str| {
        json!({"title": title, "field": "教育", "target_kind": "county", "region": "530628", "beneficiary_group": "三留守人员",
               "beneficiary_count": 30, "funds_wan": 2, "mode": "capacity", "urgency": 2, "deadline": "2027-12-31",
               "description": description, "contact_name": "赵磊", "contact_phone": "0870-1234567"})
    };
    // A draft demand, with a file.
    let draft = api_ok(a, &yl_xz, "POST", "/api/v1/demands", demand(&format!("草稿{MARK}"), MARK)).await["id"].as_i64().unwrap();
    let d = duijie_store::demand::get(db, draft).await.unwrap().unwrap().unscoped();
    let actor = duijie_store::Actor::system("测试");
    let mut tx = db.begin().await.unwrap();
    let file = duijie_store::demand::add_file(&mut tx, &actor, &d, &format!("{MARK}.pdf"), "application/pdf", b"%PDF-1.4\n%%EOF\n").await.unwrap();
    tx.commit().await.unwrap();
    ids.entry("demand").or_default().push(draft.to_string());
    ids.entry("demand_file").or_default().push(file.to_string());
    entities.push(("demand".into(), draft.to_string()));
    // A published demand with a pending take carrying a note.
    let published = api_ok(a, &yl_xz, "POST", "/api/v1/demands", demand("公开需求", "公开的需求说明")).await["id"].as_i64().unwrap();
    api_ok(a, &yl_xz, "POST", &format!("/api/v1/demands/{published}/steps"), json!({"step": "submit"})).await;
    api_ok(a, &yl_mz, "POST", &format!("/api/v1/demands/{published}/steps"), json!({"step": "approve"})).await;
    let take = api_ok(a, &org_yl, "POST", &format!("/api/v1/demands/{published}/take"), json!({"funds_wan": 1, "people": 1, "note": MARK})).await;
    let m = take["match_id"].as_i64().unwrap();
    ids.entry("demand").or_default().push(published.to_string());
    ids.entry("match").or_default().push(m.to_string());
    entities.push(("match".into(), m.to_string()));
    // An offer the organisation closed.
    let offer = api_ok(a, &org_yl, "POST", "/api/v1/offers", json!({"title": format!("供给{MARK}"), "description": MARK, "fields": "教育", "funds_wan": 1, "people": 1, "capacity": 1})).await;
    let offer = offer["id"].as_i64().unwrap();
    api_ok(a, &org_yl, "POST", &format!("/api/v1/offers/{offer}/status"), json!({"status": "closed"})).await;
    ids.entry("offer").or_default().push(offer.to_string());
    entities.push(("offer".into(), offer.to_string()));
    // A pairing on Yunnan's unpublished second list.
    let batches = a.api("GET", "/api/v1/pairing/batches", Some(&yn_mz), None).await.json();
    let open = batches.as_array().unwrap().iter().find(|b| b["name"] == "第二批（演示）").unwrap()["id"].as_i64().unwrap();
    let listed = batches.as_array().unwrap().iter().find(|b| b["name"] == "第一批（演示）" && b["region_code"] == "53").unwrap()["id"].as_i64().unwrap();
    let all = duijie_store::orgs::all(db).await.unwrap();
    let ecommerce = all.iter().find(|o| o.name == "演示·云南省电子商务协会").unwrap();
    let p = api_ok(a, &yl_xz, "POST", "/api/v1/pairings", json!({"batch_id": open, "kind": "county", "credit_code": ecommerce.credit_code, "region": "530628", "commitments": MARK})).await;
    let p = p["id"].as_i64().unwrap();
    ids.entry("pairing").or_default().push(p.to_string());
    ids.entry("batch").or_default().push(open.to_string());
    entities.push(("pairing".into(), p.to_string()));
    // An adjustment request on the published list, with its document.
    let yl_pairing = duijie_store::pairing::list_as_of(db, &duijie_domain::Scope::everything(), listed, duijie_store::now()).await.unwrap().into_iter().find(|p| p.region_code.as_str() == "530628").unwrap();
    let mut tx = db.begin().await.unwrap();
    let adj = duijie_store::pairing::adjust::NewAdjustment {
        batch_id: listed,
        op: duijie_store::pairing::adjust::Op::End,
        pairing_id: Some(yl_pairing.id),
        org_id: yl_pairing.org_id,
        kind: duijie_domain::pairing::Kind::County,
        region: None,
        target_label: String::new(),
        fields: String::new(),
        doc_no: "彝乡振〔2026〕1号".into(),
        reason: format!("终止原因{MARK}"),
    };
    let doc = duijie_store::pairing::adjust::Upload { file_name: "申请.pdf", content_type: "application/pdf", bytes: b"%PDF-1.4\n%%EOF\n" };
    let adj = duijie_store::pairing::adjust::request(&mut tx, &actor, &adj, &[doc]).await.unwrap();
    tx.commit().await.unwrap();
    let adj_file = duijie_store::pairing::adjust::files_of(db, adj).await.unwrap()[0].0;
    ids.entry("adjustment").or_default().push(adj.to_string());
    ids.entry("pairing_file").or_default().push(adj_file.to_string());
    entities.push(("pairing_adjustment".into(), adj.to_string()));
    // A pending self-application registered at 彝良县.
    let code = duijie_domain::Uscc::complete("51530628MJ000777").unwrap();
    let mut tx = db.begin().await.unwrap();
    let pending = duijie_store::orgs::create(&mut tx, &actor, &duijie_store::orgs::NewOrganization {
        credit_code: code,
        org_type: duijie_domain::OrgType::SocialGroup,
        region: duijie_domain::RegionCode::parse("530628").unwrap(),
        profile: duijie_store::orgs::OrgProfile { name: format!("申请{MARK}"), contact_name: MARK.into(), ..Default::default() },
        approval: duijie_domain::org::Approval::Pending,
        is_demo: false,
        provenance: "注册申请".into(),
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let pending_org = duijie_store::orgs::get(db, pending).await.unwrap().unwrap().unscoped();
    let mut tx = db.begin().await.unwrap();
    let certificate = duijie_store::orgs::add_attachment(&mut tx, &actor, &pending_org, "registration_certificate", &format!("{MARK}.pdf"), "application/pdf", b"%PDF-1.4\n%%EOF\n").await.unwrap();
    tx.commit().await.unwrap();
    ids.entry("organization_attachment").or_default().push(certificate.to_string());
    ids.entry("application").or_default().push(pending.to_string());
    entities.push(("organization".into(), pending.to_string()));
    // The organisation of 彝良县, with a private contact.
    let yl_org = duijie_store::users::by_username(db, "org_yl").await.unwrap().unwrap().org_id.unwrap();
    let mz = a.token("yl_mz").await;
    let o = a.api("GET", &format!("/api/v1/organizations/{yl_org}"), Some(&mz), None).await.json();
    api_ok(a, &mz, "PUT", &format!("/api/v1/organizations/{yl_org}/profile"), json!({"name": o["name"], "supervisor": o["supervisor"], "fields": o["fields"],
        "rating": o["rating"], "party_org": o["party_org"], "contact_name": MARK, "contact_phone": "0870-5555555", "status": "active"})).await;
    ids.entry("organization").or_default().push(yl_org.to_string());
    entities.push(("organization".into(), yl_org.to_string()));
    // A liaison officer of 彝良县.
    let mut tx = db.begin().await.unwrap();
    let liaison = duijie_store::liaisons::add(&mut tx, &actor, &duijie_store::liaisons::NewLiaison {
        region: duijie_domain::RegionCode::parse("530628").unwrap(),
        department: "civil_affairs".into(),
        // Liaison officers are listed to everyone logged in (organisations call them): no marker.
        name: "联络员甲".into(),
        title: "科员".into(),
        phone: "13900000000".into(),
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    ids.entry("liaison").or_default().push(liaison.to_string());
    entities.push(("liaison".into(), liaison.to_string()));
    // An account of 彝良县 with a live session.
    let hash = duijie_domain::crypto::hash_password("Victim-Passw0rd-1");
    let mut tx = db.begin().await.unwrap();
    let user = duijie_store::users::create(&mut tx, &actor, &duijie_store::users::NewUser {
        username: "yl_victim".into(),
        display_name: MARK.into(),
        role: duijie_domain::Role::RuralRevitalization,
        region: duijie_domain::RegionCode::parse("530628").unwrap(),
        org_id: None,
        password_hash: hash,
        is_demo: false,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (_, session) = duijie_store::sessions::create(db, user, duijie_store::sessions::Kind::Api).await.unwrap();
    ids.entry("user").or_default().push(user.to_string());
    ids.entry("session").or_default().push(session.public_id().to_string());
    entities.push(("user".into(), user.to_string()));
    // A notice to 彝良县's bureau.
    let mut tx = db.begin().await.unwrap();
    let to = duijie_store::inbox::Recipient::Unit { region: "530628".into(), role: None };
    duijie_store::inbox::notify(&mut tx, &to, &duijie_store::inbox::Notice { kind: "test".into(), title: MARK.into(), body: MARK.into(), link: String::new(), dedup_key: None }).await.unwrap();
    tx.commit().await.unwrap();
    let notice = duijie_store::on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT MAX(id) FROM notifications").fetch_one(p).await).unwrap();
    ids.entry("notice").or_default().push(notice.to_string());
    // A saved plan of 昭通市 with its first item.
    let zt = a.token("zt_mz").await;
    let plan = api_ok(a, &zt, "POST", "/api/v1/pairing/plans", json!({"targets": "counties:5306", "min": 0, "max": 2})).await["id"].as_i64().unwrap();
    let detail = a.api("GET", &format!("/api/v1/pairing/plans/{plan}"), Some(&zt), None).await.json();
    let item = detail["items"].as_array().and_then(|v| v.first()).map(|i| i["id"].as_i64().unwrap()).unwrap_or(1);
    ids.entry("plan").or_default().push(plan.to_string());
    ids.entry("plan_item").or_default().push(item.to_string());
    entities.push(("pairing_plan".into(), plan.to_string()));
    // A group-pairing team (帮扶团) for 彝良县 on the unpublished list.
    let member = |name: &str| all.iter().find(|o| o.name == name).unwrap().id;
    let (health, ecology) = (member("演示·云南省乡村医疗服务中心"), member("演示·昆明市生态环保促进会"));
    let mut tx = db.begin().await.unwrap();
    let team = duijie_store::pairing::team::create(&mut tx, &actor, &duijie_store::pairing::team::NewTeam {
        batch_id: open,
        name: format!("帮扶团{MARK}"),
        lead_org_id: health,
        members: vec![
            duijie_store::pairing::team::NewMember { org_id: health, role: MARK.into(), funds_fen: 0 },
            duijie_store::pairing::team::NewMember { org_id: ecology, role: MARK.into(), funds_fen: 0 },
        ],
        counties: vec![duijie_domain::RegionCode::parse("530628").unwrap()],
        commitments: MARK.into(),
        ..Default::default()
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    ids.entry("team").or_default().push(team.to_string());
    entities.push(("pairing_team".into(), team.to_string()));
    // A project of 彝良县's organisation for 彝良县, with progress and a picture.
    let project = api_ok(a, &org_yl, "POST", "/api/v1/projects", json!({"title": format!("项目{MARK}"), "region": "530628", "nature": "教育帮扶", "description": MARK})).await["id"].as_i64().unwrap();
    let png = "iVBORw0KGgoAAAANSUhEUg==";
    api_ok(a, &org_yl, "POST", &format!("/api/v1/projects/{project}/progress"), json!({"on": "2026-06-01", "note": MARK, "files": [{"file_name": format!("{MARK}.png"), "content_base64": png}]})).await;
    let project_file = duijie_store::projects::files_of(db, project).await.unwrap()[0].id;
    ids.entry("project").or_default().push(project.to_string());
    ids.entry("project_file").or_default().push(project_file.to_string());
    entities.push(("project".into(), project.to_string()));
    // A batch of 彝良县's export to the national monitoring system, made by a unit whose name carries the marker.
    let exporter = duijie_store::Actor { user_id: None, name: "yl_xz".into(), unit: format!("彝良县乡村振兴局{MARK}") };
    let (county, period) = (duijie_domain::RegionCode::parse("530628").unwrap(), duijie_domain::monitoring::Period::parse("2026H1").unwrap());
    let records = duijie_app::reports::Records::of(&a.state);
    let batch = duijie_app::monitoring::export(records, &duijie_domain::Principal::platform(), &exporter, &county, &period).await.unwrap();
    ids.entry("monitoring_batch").or_default().push(batch.id.to_string());
    entities.push(("monitoring_batch".into(), batch.id.to_string()));
    // A supervision flag on 彝良县 and one of its organisations, its evidence carrying the marker.
    let flag: i64 = duijie_store::on_db!(db, p => sqlx::query_scalar(
        "INSERT INTO supervision_flags (rule, entity, entity_id, org_region, region_code, evidence, raised_at, updated_at) \
         VALUES ('pairing_idle', 'pairing', '0', '530628', '530628', $1, 1, 1) RETURNING id").bind(MARK).fetch_one(p).await).unwrap();
    ids.entry("flag").or_default().push(flag.to_string());
    entities.push(("supervision_flag".into(), flag.to_string()));
    // A complaint about 彝良县助学服务中心 with its evidence, handled by 彝良县民政局 and asked to answer.
    use base64::Engine;
    let evidence = base64::engine::general_purpose::STANDARD.encode(format!("%PDF-1.4 {MARK}"));
    let filed = a.api("POST", "/api/v1/public/complaints", None, Some(json!({"category": "fees", "org": "演示·彝良县助学服务中心", "place": "530628",
        "description": MARK, "contact_name": MARK, "contact_phone": "13900000001", "files": [{"file_name": "证据.pdf", "content_base64": evidence}]}))).await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
    let receipt = filed.json()["receipt"].as_str().unwrap().to_string();
    let stored = duijie_domain::complaint::Receipt::parse(&receipt).unwrap();
    let complaint = duijie_store::on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT id FROM complaints WHERE receipt = $1").bind(stored.as_str()).fetch_one(p).await).unwrap();
    let handler = duijie_store::on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE username = 'yl_mz'").fetch_one(p).await).unwrap();
    api_ok(a, &yl_mz, "POST", &format!("/api/v1/complaints/{complaint}/assign"), json!({"handler_id": handler, "note": MARK})).await;
    api_ok(a, &yl_mz, "POST", &format!("/api/v1/complaints/{complaint}/ask"), json!({"note": MARK})).await;
    let complaint_file = duijie_store::on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT MIN(id) FROM complaint_files WHERE complaint_id = $1").bind(complaint).fetch_one(p).await).unwrap();
    ids.entry("complaint").or_default().push(complaint.to_string());
    ids.entry("complaint_file").or_default().push(complaint_file.to_string());
    // Its public status (no marker in it: it carries no text of the complaint).
    ids.entry("complaint_receipt").or_default().push(receipt);
    entities.push(("complaint".into(), complaint.to_string()));
    // Yunnan's half-year report: 彝良县's unit with its narrative and a correction. Every
    // office of the province takes part in the report itself; only the unit and the
    // offices above it see the unit's report.
    let report = api_ok(a, &yn_mz, "POST", "/api/v1/reports", json!({"title": "2026年工作调度", "period_from": "2026-01-01", "period_to": "2026-12-31",
        "due_on": "2026-12-15", "levels": ["prefecture", "county"], "tables": ["jiangsu-1"]})).await["id"].as_i64().unwrap();
    api_ok(a, &yl_mz, "PUT", &format!("/api/v1/reports/{report}/units/530628"), json!({"progress": MARK, "difficulties": MARK,
        "corrections": [{"table": "jiangsu-1", "row": 6, "column": 2, "value": "7", "reason": MARK}]})).await;
    ids.entry("report").or_default().push(report.to_string());
    ids.entry("report_step").or_default().extend(duijie_domain::report::Step::ALL.iter().map(|s| s.as_str().to_string()));
    ids.entry("report_table").or_default().push("jiangsu-1".into());
    ids.entry("report_file").or_default().push("jiangsu-1.xlsx".into());
    entities.push(("report_unit".into(), format!("{report}:530628")));
    // An organisation's annual report (organisations as units): 彝良县's organisation's, with its narrative.
    let annual = api_ok(a, &yn_mz, "POST", "/api/v1/reports", json!({"title": "2026年社会组织年度报告", "period_from": "2026-01-01", "period_to": "2026-12-31",
        "due_on": "2026-12-15", "levels": ["orgs_within"], "tables": ["jiangsu-2"]})).await["id"].as_i64().unwrap();
    let org_unit = format!("org-{}", duijie_store::on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT org_id FROM users WHERE username = 'org_yl'").fetch_one(p).await).unwrap());
    api_ok(a, &org_yl, "PUT", &format!("/api/v1/reports/{annual}/units/{org_unit}"), json!({"progress": MARK, "experience": MARK})).await;
    ids.entry("report").or_default().push(annual.to_string());
    ids.entry("region").or_default().push(org_unit.clone());
    entities.push(("report_unit".into(), format!("{annual}:{org_unit}")));
    // The county, its designation, an action of Yunnan.
    ids.entry("region").or_default().push("530628".into());
    let designation = duijie_store::on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT MIN(id) FROM designations WHERE region_code = '530628'").fetch_one(p).await).unwrap();
    ids.entry("designation").or_default().push(designation.to_string());
    entities.push(("designation".into(), designation.to_string()));
    let action = duijie_store::actions::all(db).await.unwrap().into_iter().find(|x| x.province_code == "53").unwrap().id;
    ids.entry("action").or_default().push(action.to_string());
    ids.entry("import_job").or_default().push("0123456789abcdef".into());
    Victims { ids, entities }
}

/// Which kind of record a path parameter names, from the route around it.
fn kind_of(route: &str, param: &str) -> Option<&'static str> {
    let segs: Vec<&str> = route.trim_start_matches("/api/v1").split('/').filter(|s| !s.is_empty()).collect();
    let at = segs.iter().position(|s| *s == format!("{{{param}}}"))?;
    let before: Vec<&str> = segs[..at].to_vec();
    Some(match (param, before.as_slice()) {
        ("session", _) => "session",
        ("receipt", _) => "complaint_receipt",
        (_, [.., "complaints", "files"]) => "complaint_file",
        (_, [.., "complaints"]) => "complaint",
        ("item", _) => "plan_item",
        ("code" | "county" | "region", _) => "region",
        ("step", [.., "reports", _, "units", _] | [.., "reports", _, "units", _, "step"]) => "report_step",
        ("key", [.., "reports", _, "units", _, "tables"]) => "report_table",
        ("file", [.., "reports", _, "units", _, "tables"]) => "report_file",
        (_, [.., "reports"]) => "report",
        (_, [.., "monitoring", "batches"]) => "monitoring_batch",
        (_, [.., "flags"]) => "flag",
        (_, [.., "projects", "files"]) => "project_file",
        (_, [.., "projects"]) => "project",
        (_, [.., "demands", "files"]) => "demand_file",
        (_, [.., "demands"]) => "demand",
        (_, [.., "matches"]) => "match",
        (_, [.., "offers"]) => "offer",
        (_, ["orgs", "pending"]) => "application",
        (_, ["orgs", "import", "jobs"]) => "import_job",
        (_, [.., "orgs"] | [.., "organizations"]) => "organization",
        (_, ["attachments"]) => "organization_attachment",
        (_, [.., "pairing", "files"]) => "pairing_file",
        (_, [.., "pairing", "adjustments"]) => "adjustment",
        (_, [.., "pairing", "batches"]) => "batch",
        (_, [.., "pairing", "plans"]) => "plan",
        (_, [.., "pairing", "teams"]) => "team",
        (_, [.., "pairing"] | [.., "pairings"]) => "pairing",
        (_, [.., "users"]) => "user",
        (_, [.., "inbox"]) => "notice",
        (_, ["liaisons"]) => "liaison",
        (_, ["designations"]) => "designation",
        (_, [.., "actions"]) => "action",
        _ => return None,
    })
}

/// `route` with its parameters replaced by the victims' ids, in every combination.
fn fill(route: &str, v: &Victims) -> Result<Vec<String>, String> {
    let mut out = vec![String::new()];
    for seg in route.split('/').filter(|s| !s.is_empty()) {
        let choices: Vec<String> = match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => {
                let kind = kind_of(route, param).ok_or_else(|| format!("no kind of record for {{{param}}} in {route}"))?;
                v.ids.get(kind).cloned().ok_or_else(|| format!("no {kind} record for {route}"))?
            }
            None => vec![seg.to_string()],
        };
        out = out.iter().flat_map(|p| choices.iter().map(move |c| format!("{p}/{c}"))).collect();
    }
    Ok(out)
}

/// The page routes with a parameter, read from the router itself.
fn page_routes() -> Vec<String> {
    duijie_web::route_paths().into_iter().filter(|s| s.contains('{') && !s.starts_with("/api/")).collect()
}

/// The API operations with a parameter, from the OpenAPI description.
async fn api_operations(a: &App) -> Vec<(Method, String)> {
    let doc = a.api("GET", "/api/openapi.json", None, None).await.json();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.contains('{') {
            continue;
        }
        for m in item.as_object().unwrap().keys() {
            if let Ok(method) = m.to_uppercase().parse::<Method>() {
                out.push((method, path.clone()));
            }
        }
    }
    out
}

struct Outsider {
    name: &'static str,
    token: String,
    cookie: String,
    csrf: String,
}

async fn audit_rows_since(a: &App, seq: i64) -> Vec<(String, String, String)> {
    duijie_store::on_db!(&a.t.db, p => sqlx::query_as::<_, (String, String, String)>("SELECT action, entity, entity_id FROM audit_log WHERE seq > $1").bind(seq).fetch_all(p).await).unwrap()
}

#[tokio::test]
async fn outsiders_get_nothing_from_any_route_with_an_id() {
    for a in apps().await {
        let victims = make_victims(&a).await;
        // Another prefecture's county bureau (曲靖市麒麟区) does not exist in the demo: add one.
        a.add_officer("ql_xz", "麒麟区乡村振兴局", duijie_domain::Role::RuralRevitalization, "530302").await;
        let mut outsiders = Vec::new();
        for name in ["zx_xz", "ql_xz", "gz_xz", "org_yn"] {
            let (cookie, csrf) = a.login(name).await;
            outsiders.push(Outsider { name, token: a.token(name).await, cookie, csrf });
        }
        let seq = duijie_store::on_db!(&a.t.db, p => sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(seq), 0) FROM audit_log").fetch_one(p).await).unwrap();

        let mut problems = Vec::new();
        let mut calls = 0;
        let operations = api_operations(&a).await;
        assert!(operations.len() > 30, "the API's routes with ids: {}", operations.len());
        for (method, route) in &operations {
            let paths = fill(route, &victims).unwrap_or_else(|e| {
                problems.push(e);
                Vec::new()
            });
            for (o, path) in outsiders.iter().flat_map(|o| paths.iter().map(move |p| (o, p))) {
                let body = (method != Method::GET).then(|| json!({}));
                let r = a.api(method.as_str(), path, Some(&o.token), body).await;
                calls += 1;
                if r.body.contains(MARK) {
                    problems.push(format!("{} {method} {path} → {} shows the record: {}", o.name, r.status, &r.body[..r.body.len().min(300)]));
                }
            }
        }
        let pages = page_routes();
        assert!(pages.len() > 30, "the page routes with ids: {pages:?}");
        for route in &pages {
            let paths = fill(route, &victims).unwrap_or_else(|e| {
                problems.push(e);
                Vec::new()
            });
            for (o, path) in outsiders.iter().flat_map(|o| paths.iter().map(move |p| (o, p))) {
                let get = a.get(path, &o.cookie).await;
                let post = a.post_form(path, &o.cookie, &[("_csrf", &o.csrf), ("reason", "越权测试"), ("confirm", "true")]).await;
                calls += 2;
                for (m, r) in [("GET", &get), ("POST", &post)] {
                    if let Some(at) = r.body.find(MARK) {
                        let around: String = r.body[at.saturating_sub(200)..].chars().take(120).collect();
                        problems.push(format!("{} {m} {path} → {} shows the record: …{around}…", o.name, r.status));
                    }
                }
            }
        }
        for (action, entity, id) in audit_rows_since(&a, seq).await {
            if victims.entities.iter().any(|(e, i)| *e == entity && *i == id) {
                problems.push(format!("an outsider changed {entity} {id} ({action})"));
            }
        }
        assert!(problems.is_empty(), "{} ({calls} calls):\n{}", a.backend(), problems.join("\n"));
        // The walk reached the records: their owners see the marker.
        let yl = a.token("yl_xz").await;
        let own = a.api("GET", &format!("/api/v1/demands/{}", victims.ids["demand"][0]), Some(&yl), None).await;
        assert_eq!(own.status, StatusCode::OK);
        assert!(own.body.contains(MARK));
        let batch = a.api("GET", &format!("/api/v1/monitoring/batches/{}", victims.ids["monitoring_batch"][0]), Some(&yl), None).await;
        assert!(batch.status == StatusCode::OK && batch.body.contains(MARK), "the county sees its own batch: {}", batch.body);
    }
}
